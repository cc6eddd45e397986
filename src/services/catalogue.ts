import { and, asc, eq, type SQL, sql } from 'drizzle-orm';
import type { DB } from '../db/client.js';
import { countries, customerLocations, partnerPeeringLocations, partners, peeringLocations } from '../db/schema.js';
import { type Connection, keysetPage, type PageRequest } from './pagination.js';
import type { PartnerRow } from './partners.js';
import { containsPattern } from './search.js';

/** Read side of the public catalogue: partners, peering locations, countries, customer locations. */

export const PARTNER_CURSOR_KIND = 'partner';

export interface PartnerFilter {
  kind?: 'ISP' | 'IXP' | null;
  /** Case-insensitive market name, e.g. "europe". */
  market?: string | null;
  /** Case-insensitive peering location (metro) name. */
  peeringLocation?: string | null;
  /** Case-insensitive substring of the partner name (at most 200 characters; `%` and `_` are literal). */
  search?: string | null;
}

function partnerWhere(filter: PartnerFilter): SQL | undefined {
  return and(
    filter.kind ? eq(partners.kind, filter.kind) : undefined,
    filter.market
      ? sql`exists (select 1 from json_each(${partners.markets}) where lower(json_each.value) = lower(${filter.market.trim()}))`
      : undefined,
    filter.peeringLocation
      ? // drizzle's exists() does not parenthesise a raw sql subquery ("exists select ..."), so spell it out.
        sql`exists (select 1 from ${partnerPeeringLocations} join ${peeringLocations} on ${peeringLocations.id} = ${partnerPeeringLocations.peeringLocationId}
              where ${partnerPeeringLocations.partnerId} = ${partners.id} and lower(${peeringLocations.name}) = lower(${filter.peeringLocation.trim()}))`
      : undefined,
    filter.search ? sql`${partners.name} like ${containsPattern(filter.search)} escape '\\'` : undefined,
  );
}

export function listPartners(db: DB, filter: PartnerFilter, request: PageRequest): Connection<PartnerRow> {
  return keysetPage<PartnerRow>(
    db,
    { kind: PARTNER_CURSOR_KIND, table: partners, key: partners.id, keyOf: (r) => r.id, where: partnerWhere(filter) },
    request,
  );
}

export type PeeringLocationRow = typeof peeringLocations.$inferSelect;

export function listPeeringLocations(db: DB, country?: string | null): PeeringLocationRow[] {
  return db
    .select()
    .from(peeringLocations)
    .where(country ? sql`lower(${peeringLocations.country}) = lower(${country.trim()})` : undefined)
    .orderBy(asc(peeringLocations.name))
    .all();
}

export interface CustomerLocationView {
  id: number;
  country: string;
  state: string;
  azureRegion: string;
}

/** Customer locations joined to their country, as the API shows them; callers add where/order. */
export function selectCustomerLocations(db: DB) {
  return db
    .select({
      id: customerLocations.id,
      country: countries.name,
      state: customerLocations.state,
      azureRegion: customerLocations.azureRegion,
    })
    .from(customerLocations)
    .innerJoin(countries, eq(countries.id, customerLocations.countryId));
}

export function listCustomerLocations(db: DB, country?: string | null): CustomerLocationView[] {
  return selectCustomerLocations(db)
    .where(country ? sql`lower(${countries.name}) = lower(${country.trim()})` : undefined)
    .orderBy(asc(countries.name), asc(customerLocations.state))
    .all();
}

export function listCountries(db: DB): { name: string; locations: CustomerLocationView[] }[] {
  const byCountry = new Map<string, CustomerLocationView[]>();
  for (const name of db.select({ name: countries.name }).from(countries).orderBy(asc(countries.name)).all()) {
    byCountry.set(name.name, []);
  }
  for (const loc of listCustomerLocations(db)) byCountry.get(loc.country)?.push(loc);
  return [...byCountry].map(([name, locations]) => ({ name, locations }));
}
