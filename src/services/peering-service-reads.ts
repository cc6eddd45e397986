import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { DB } from '../db/client.js';
import { countries, customerLocations, peeringServices } from '../db/schema.js';
import { type ColumnSet, type Connection, keysetPage, type PageRequest } from './pagination.js';
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

/**
 * The viewer's scope as a condition on a placeholder (`scopeId`, bound by the caller), and the statement shape it
 * gives: operators see everything, customers and partners their own rows, anyone else nothing.
 */
export function scopeCondition(
  scope: ServiceScope,
  columns: { customerId: SQLiteColumn; partnerId: SQLiteColumn },
): { shape: string; where: SQL | undefined; scopeId: number } {
  if ('all' in scope) return { shape: 'all', where: undefined, scopeId: 0 };
  if ('customerId' in scope) {
    return { shape: 'customer', where: eq(columns.customerId, sql.placeholder('scopeId')), scopeId: scope.customerId };
  }
  if ('partnerId' in scope) {
    return { shape: 'partner', where: eq(columns.partnerId, sql.placeholder('scopeId')), scopeId: scope.partnerId };
  }
  return { shape: 'none', where: sql`0`, scopeId: 0 };
}

/**
 * One page of the peering services the scope may see. With `columns`, the rows are read with those columns only (they
 * must include `id`) and have only those properties.
 */
export function listPeeringServices(
  db: DB,
  scope: ServiceScope,
  filter: PeeringServiceFilter,
  request: PageRequest,
  columns: ColumnSet | null = null,
): Connection<PeeringServiceRow> {
  // Conditions on placeholders, so that each combination of filters is one statement prepared once.
  const scoped = scopeCondition(scope, peeringServices);
  const byLocation = Boolean(filter.country || filter.state);
  const country = sql.placeholder('country');
  const state = sql.placeholder('state');
  const where = and(
    scoped.where,
    filter.partnerId != null ? eq(peeringServices.partnerId, sql.placeholder('partnerId')) : undefined,
    byLocation
      ? sql`${peeringServices.customerLocationId} in (select ${customerLocations.id} from ${customerLocations}
            join ${countries} on ${countries.id} = ${customerLocations.countryId}
            where (${country} is null or lower(${countries.name}) = lower(${country}))
              and (${state} is null or lower(${customerLocations.state}) = lower(${state})))`
      : undefined,
    filter.search ? sql`${peeringServices.name} like ${sql.placeholder('search')} escape '\\'` : undefined,
  );
  const shape = `${scoped.shape}:${filter.partnerId != null}:${byLocation}:${Boolean(filter.search)}`;
  const values = {
    scopeId: scoped.scopeId,
    partnerId: filter.partnerId ?? null,
    country: filter.country ?? null,
    state: filter.state ?? null,
    search: filter.search ? containsPattern(filter.search) : null,
  };
  return keysetPage<PeeringServiceRow>(
    db,
    {
      kind: SERVICE_CURSOR_KIND,
      table: peeringServices,
      key: peeringServices.id,
      keyOf: (r) => r.id,
      where,
      prepared: { shape, values, columns },
    },
    request,
  );
}
