import { and, asc, desc, eq, gt, lt, type SQL, sql } from 'drizzle-orm';
import type { DB } from '../db/client.js';
import { countries, customerLocations, peeringServices } from '../db/schema.js';
import { buildConnection, type Connection, type PageRequest } from './pagination.js';
import type { PeeringServiceRow } from './peering-services.js';
import type { ServiceScope } from './viewer.js';

export const SERVICE_CURSOR_KIND = 'svc';

export interface PeeringServiceFilter {
  partnerId?: number | null;
  country?: string | null;
  state?: string | null;
  /** Case-insensitive substring of the service name. */
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
    filter.search
      ? sql`${peeringServices.name} like ${`%${filter.search.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`} escape '\\'`
      : undefined,
  );
  const rows = db
    .select()
    .from(peeringServices)
    .where(
      and(
        where,
        request.afterKey != null ? gt(peeringServices.id, request.afterKey) : undefined,
        request.beforeKey != null ? lt(peeringServices.id, request.beforeKey) : undefined,
      ),
    )
    .orderBy(request.backwards ? desc(peeringServices.id) : asc(peeringServices.id))
    .limit(request.limit + 1)
    .all();
  const totalCount = db.select({ n: sql<number>`count(*)` }).from(peeringServices).where(where).get()!.n;
  return buildConnection(SERVICE_CURSOR_KIND, request, rows, (r) => r.id, totalCount);
}
