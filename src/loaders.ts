import DataLoader from 'dataloader';
import { and, asc, eq, gt, gte, inArray, lt, lte, type SQL, sql } from 'drizzle-orm';
import type { DB } from './db/client.js';
import type { EventLevel } from './db/schema.js';
import {
  countries,
  customerLocations,
  customers,
  partnerPeeringLocations,
  partners,
  peeringLocations,
  peeringServices,
  peeringSessions,
  prefixEvents,
  prefixes,
} from './db/schema.js';
import type { CustomerLocationView, PeeringLocationRow } from './services/catalogue.js';
import { buildConnection, type Connection, type PageRequest } from './services/pagination.js';
import type { PartnerRow, SessionRow } from './services/partners.js';
import { serviceScopeWhere } from './services/peering-service-reads.js';
import type { PeeringServiceRow } from './services/peering-services.js';
import { type ServiceScope, serviceScope, type Viewer } from './services/viewer.js';
import { EVENT_CURSOR_KIND, levelRank, type PrefixEventRecord } from './telemetry/event-log.js';

/**
 * Per-request batch loaders. Every lookup of tenant data applies the viewer's scope here, so node(id:),
 * nested fields and lists share one rule: what the viewer may not see does not exist.
 */

export type PrefixRow = typeof prefixes.$inferSelect;
export type CustomerRow = typeof customers.$inferSelect;

export const PREFIX_CURSOR_KIND = 'pfx';

function byId<K, T>(keys: readonly K[], rows: T[], keyOf: (row: T) => K): (T | null)[] {
  const map = new Map(rows.map((r) => [keyOf(r), r]));
  return keys.map((k) => map.get(k) ?? null);
}

function groupBy<K, T>(keys: readonly K[], rows: T[], keyOf: (row: T) => K): T[][] {
  const map = new Map<K, T[]>(keys.map((k) => [k, []]));
  for (const row of rows) map.get(keyOf(row))?.push(row);
  return keys.map((k) => map.get(k) ?? []);
}

interface ChildPageKey {
  parentId: number;
  request: PageRequest;
  /** Extra filter value (events: minLevel). */
  minLevel?: EventLevel | null;
}

const pageKeyString = (k: ChildPageKey) =>
  `${k.parentId}|${k.request.afterKey}|${k.request.beforeKey}|${k.request.limit}|${k.request.backwards}|${k.minLevel ?? ''}`;

/**
 * Loads one page of children for many parents in two statements (a windowed select and a grouped count),
 * for keys that share the same page request.
 */
function groupByRequest(keys: readonly ChildPageKey[]): ChildPageKey[][] {
  const groups = new Map<string, ChildPageKey[]>();
  for (const key of keys) {
    const sig = pageKeyString({ ...key, parentId: 0 });
    groups.set(sig, [...(groups.get(sig) ?? []), key]);
  }
  return [...groups.values()];
}

export function createLoaders(db: DB, viewer: Viewer) {
  const scope: ServiceScope = serviceScope(viewer);

  const partner = new DataLoader<number, PartnerRow | null>(async (ids) =>
    byId(
      ids,
      db
        .select()
        .from(partners)
        .where(inArray(partners.id, [...ids]))
        .all(),
      (r) => r.id,
    ),
  );

  const peeringLocation = new DataLoader<number, PeeringLocationRow | null>(async (ids) =>
    byId(
      ids,
      db
        .select()
        .from(peeringLocations)
        .where(inArray(peeringLocations.id, [...ids]))
        .all(),
      (r) => r.id,
    ),
  );

  const partnerLocations = new DataLoader<number, PeeringLocationRow[]>(async (ids) => {
    const rows = db
      .select({ partnerId: partnerPeeringLocations.partnerId, location: peeringLocations })
      .from(partnerPeeringLocations)
      .innerJoin(peeringLocations, eq(peeringLocations.id, partnerPeeringLocations.peeringLocationId))
      .where(inArray(partnerPeeringLocations.partnerId, [...ids]))
      .orderBy(asc(peeringLocations.name))
      .all();
    return groupBy(ids, rows, (r) => r.partnerId).map((list) => list.map((r) => r.location));
  });

  const locationPartners = new DataLoader<number, PartnerRow[]>(async (ids) => {
    const rows = db
      .select({ locationId: partnerPeeringLocations.peeringLocationId, partner: partners })
      .from(partnerPeeringLocations)
      .innerJoin(partners, eq(partners.id, partnerPeeringLocations.partnerId))
      .where(inArray(partnerPeeringLocations.peeringLocationId, [...ids]))
      .orderBy(asc(partners.name))
      .all();
    return groupBy(ids, rows, (r) => r.locationId).map((list) => list.map((r) => r.partner));
  });

  /** Sessions are visible to operators and to the partner itself; callers check that first. */
  const partnerSessions = new DataLoader<number, SessionRow[]>(async (ids) =>
    groupBy(
      ids,
      db
        .select()
        .from(peeringSessions)
        .where(inArray(peeringSessions.partnerId, [...ids]))
        .orderBy(asc(peeringSessions.id))
        .all(),
      (r) => r.partnerId,
    ),
  );

  const session = new DataLoader<number, SessionRow | null>(async (ids) => {
    const rows = db
      .select()
      .from(peeringSessions)
      .where(inArray(peeringSessions.id, [...ids]))
      .all();
    const visible = rows.filter(
      (r) => viewer.role === 'OPERATOR' || (viewer.role === 'PARTNER' && viewer.partnerId === r.partnerId),
    );
    return byId(ids, visible, (r) => r.id);
  });

  const customerLocation = new DataLoader<number, CustomerLocationView | null>(async (ids) =>
    byId(
      ids,
      db
        .select({
          id: customerLocations.id,
          country: countries.name,
          state: customerLocations.state,
          azureRegion: customerLocations.azureRegion,
        })
        .from(customerLocations)
        .innerJoin(countries, eq(countries.id, customerLocations.countryId))
        .where(inArray(customerLocations.id, [...ids]))
        .all(),
      (r) => r.id,
    ),
  );

  const peeringService = new DataLoader<number, PeeringServiceRow | null>(async (ids) =>
    byId(
      ids,
      db
        .select()
        .from(peeringServices)
        .where(and(inArray(peeringServices.id, [...ids]), serviceScopeWhere(scope)))
        .all(),
      (r) => r.id,
    ),
  );

  const prefix = new DataLoader<number, PrefixRow | null>(async (ids) =>
    byId(
      ids,
      db
        .select({ prefix: prefixes })
        .from(prefixes)
        .innerJoin(peeringServices, eq(peeringServices.id, prefixes.peeringServiceId))
        .where(and(inArray(prefixes.id, [...ids]), serviceScopeWhere(scope)))
        .all()
        .map((r) => r.prefix),
      (r) => r.id,
    ),
  );

  const eventScope = (): SQL | undefined => {
    if ('all' in scope) return undefined;
    if ('customerId' in scope) return eq(prefixEvents.customerId, scope.customerId);
    if ('partnerId' in scope) return eq(prefixEvents.partnerId, scope.partnerId);
    return sql`0`;
  };

  const event = new DataLoader<number, PrefixEventRecord | null>(async (seqs) =>
    byId(
      seqs,
      db
        .select()
        .from(prefixEvents)
        .where(and(inArray(prefixEvents.seq, [...seqs]), eventScope()))
        .all(),
      (r) => r.seq,
    ),
  );

  const customer = new DataLoader<number, CustomerRow | null>(async (ids) => {
    const visible = [...ids].filter(
      (id) => viewer.role === 'OPERATOR' || (viewer.role === 'CUSTOMER' && viewer.customerId === id),
    );
    return byId(
      ids,
      visible.length ? db.select().from(customers).where(inArray(customers.id, visible)).all() : [],
      (r) => r.id,
    );
  });

  /** A page of prefixes for each of many peering services (the parents were already scope-checked). */
  const servicePrefixes = new DataLoader<ChildPageKey, Connection<PrefixRow>, string>(
    async (keys) => {
      const results = new Map<string, Connection<PrefixRow>>();
      for (const group of groupByRequest(keys)) {
        const { request } = group[0]!;
        const parentIds = group.map((k) => k.parentId);
        const windowed = db
          .select({
            id: prefixes.id,
            rn: sql<number>`row_number() over (partition by ${prefixes.peeringServiceId} order by ${prefixes.id} ${sql.raw(
              request.backwards ? 'desc' : 'asc',
            )})`.as('rn'),
          })
          .from(prefixes)
          .where(
            and(
              inArray(prefixes.peeringServiceId, parentIds),
              request.afterKey != null ? gt(prefixes.id, request.afterKey) : undefined,
              request.beforeKey != null ? lt(prefixes.id, request.beforeKey) : undefined,
            ),
          )
          .as('w');
        const rows = db
          .select({ prefix: prefixes, rn: windowed.rn })
          .from(prefixes)
          .innerJoin(windowed, eq(windowed.id, prefixes.id))
          .where(lte(windowed.rn, request.limit + 1))
          .orderBy(asc(windowed.rn))
          .all()
          .map((r) => r.prefix);
        const counts = new Map(
          db
            .select({ parentId: prefixes.peeringServiceId, n: sql<number>`count(*)` })
            .from(prefixes)
            .where(inArray(prefixes.peeringServiceId, parentIds))
            .groupBy(prefixes.peeringServiceId)
            .all()
            .map((r) => [r.parentId, r.n]),
        );
        const grouped = groupBy(parentIds, rows, (r) => r.peeringServiceId);
        group.forEach((key, i) => {
          results.set(
            pageKeyString(key),
            buildConnection(PREFIX_CURSOR_KIND, request, grouped[i]!, (r) => r.id, counts.get(key.parentId) ?? 0),
          );
        });
      }
      return keys.map((k) => results.get(pageKeyString(k))!);
    },
    { cacheKeyFn: pageKeyString },
  );

  /** A page of events for each of many prefixes (the parents were already scope-checked). */
  const prefixEventPages = new DataLoader<ChildPageKey, Connection<PrefixEventRecord>, string>(
    async (keys) => {
      const results = new Map<string, Connection<PrefixEventRecord>>();
      for (const group of groupByRequest(keys)) {
        const { request, minLevel } = group[0]!;
        const parentIds = group.map((k) => k.parentId);
        const base = and(
          inArray(prefixEvents.prefixId, parentIds),
          minLevel ? gte(prefixEvents.levelRank, levelRank(minLevel)) : undefined,
        );
        const windowed = db
          .select({
            seq: prefixEvents.seq,
            rn: sql<number>`row_number() over (partition by ${prefixEvents.prefixId} order by ${prefixEvents.seq} ${sql.raw(
              request.backwards ? 'desc' : 'asc',
            )})`.as('rn'),
          })
          .from(prefixEvents)
          .where(
            and(
              base,
              request.afterKey != null ? gt(prefixEvents.seq, request.afterKey) : undefined,
              request.beforeKey != null ? lt(prefixEvents.seq, request.beforeKey) : undefined,
            ),
          )
          .as('w');
        const rows = db
          .select({ event: prefixEvents })
          .from(prefixEvents)
          .innerJoin(windowed, eq(windowed.seq, prefixEvents.seq))
          .where(lte(windowed.rn, request.limit + 1))
          .orderBy(asc(windowed.rn))
          .all()
          .map((r) => r.event);
        const counts = new Map(
          db
            .select({ parentId: prefixEvents.prefixId, n: sql<number>`count(*)` })
            .from(prefixEvents)
            .where(base)
            .groupBy(prefixEvents.prefixId)
            .all()
            .map((r) => [r.parentId, r.n]),
        );
        const grouped = groupBy(parentIds, rows, (r) => r.prefixId);
        group.forEach((key, i) => {
          results.set(
            pageKeyString(key),
            buildConnection(EVENT_CURSOR_KIND, request, grouped[i]!, (r) => r.seq, counts.get(key.parentId) ?? 0),
          );
        });
      }
      return keys.map((k) => results.get(pageKeyString(k))!);
    },
    { cacheKeyFn: pageKeyString },
  );

  return {
    scope,
    partner,
    peeringLocation,
    partnerLocations,
    locationPartners,
    partnerSessions,
    session,
    customerLocation,
    peeringService,
    prefix,
    event,
    customer,
    servicePrefixes,
    prefixEventPages,
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
