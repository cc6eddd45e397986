import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { DB } from '../db/client.js';
import { countries, customerLocations, peeringServices } from '../db/schema.js';
import { type Connection, keysetPage, type PageRequest } from './pagination.js';
import type { PeeringServiceRow } from './peering-services.js';
import { containsPattern } from './search.js';
import type { ServiceScope } from './viewer.js';

export const SERVICE_CURSOR_KIND = 'svc';

export interface PeeringServiceFilter {
  partnerId?: number | null;
  country?: string | null;
  state?: string | null;
  /** Case-insensitive substring of the service name (at most 200 characters; `%` and `_` are literal). */
  search?: string | null;
}

export function serviceScopeWhere(scope: ServiceScope): SQL | undefined {
  if ('all' in scope) return undefined;
  if ('customerId' in scope) return eq(peeringServices.customerId, scope.customerId);
  if ('partnerId' in scope) return eq(peeringServices.partnerId, scope.partnerId);
  return sql`0`;
}

export function listPeeringServices(
  db: DB,
  scope: ServiceScope,
  filter: PeeringServiceFilter,
  request: PageRequest,
): Connection<PeeringServiceRow> {
  const locationMatch =
    filter.country || filter.state
      ? sql`${peeringServices.customerLocationId} in (select ${customerLocations.id} from ${customerLocations}
            join ${countries} on ${countries.id} = ${customerLocations.countryId}
            where (${filter.country ?? null} is null or lower(${countries.name}) = lower(${filter.country ?? null}))
              and (${filter.state ?? null} is null or lower(${customerLocations.state}) = lower(${filter.state ?? null})))`
      : undefined;
  const where = and(
    serviceScopeWhere(scope),
    filter.partnerId != null ? eq(peeringServices.partnerId, filter.partnerId) : undefined,
    locationMatch,
    filter.search ? sql`${peeringServices.name} like ${containsPattern(filter.search)} escape '\\'` : undefined,
  );
  return keysetPage<PeeringServiceRow>(
    db,
    { kind: SERVICE_CURSOR_KIND, table: peeringServices, key: peeringServices.id, keyOf: (r) => r.id, where },
    request,
  );
}
