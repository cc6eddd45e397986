import DataLoader from 'dataloader';
import { and, asc, eq, gt, gte, inArray, lt, lte, type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { DB } from './db/client.js';
import type { EventLevel } from './db/schema.js';
import {
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
import { type CustomerLocationView, type PeeringLocationRow, selectCustomerLocations } from './services/catalogue.js';
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

/**
 * A DataLoader of one page of children for each of many parents, in two statements per distinct page request
 * (a row_number() window partitioned by parent, and a grouped count), whatever the number of parents.
 */
function childPageLoader<Row>(
  db: DB,
  spec: {
    kind: string;
    table: SQLiteTable;
    parent: SQLiteColumn;
    key: SQLiteColumn;
    parentOf: (row: Row) => number;
    keyOf: (row: Row) => number;
    where?: (key: ChildPageKey) => SQL | undefined;
  },
) {
  return new DataLoader<ChildPageKey, Connection<Row>, string>(
    async (keys) => {
      const results = new Map<string, Connection<Row>>();
      for (const group of groupByRequest(keys)) {
        const { request } = group[0]!;
        const parentIds = group.map((k) => k.parentId);
        const base = and(inArray(spec.parent, parentIds), spec.where?.(group[0]!));
        const direction = sql.raw(request.backwards ? 'desc' : 'asc');
        const windowed = db
          .select({
            key: spec.key,
            rn: sql<number>`row_number() over (partition by ${spec.parent} order by ${spec.key} ${direction})`.as('rn'),
          })
          .from(spec.table)
          .where(
            and(
              base,
              request.afterKey != null ? gt(spec.key, request.afterKey) : undefined,
              request.beforeKey != null ? lt(spec.key, request.beforeKey) : undefined,
            ),
          )
          .as('w');
        const rows = db
          .select({ row: spec.table })
          .from(spec.table)
          .innerJoin(windowed, eq(windowed.key, spec.key))
          .where(lte(windowed.rn, request.limit + 1))
          .orderBy(asc(windowed.rn))
          .all()
          .map((r) => r.row as Row);
        const counts = new Map(
          db
            .select({ parentId: spec.parent, n: sql<number>`count(*)` })
            .from(spec.table)
            .where(base)
            .groupBy(spec.parent)
            .all()
            .map((r) => [r.parentId as number, r.n]),
        );
        const grouped = groupBy(parentIds, rows, spec.parentOf);
        group.forEach((key, i) => {
          results.set(
            pageKeyString(key),
            buildConnection(spec.kind, request, grouped[i]!, spec.keyOf, counts.get(key.parentId) ?? 0),
          );
        });
      }
      return keys.map((k) => results.get(pageKeyString(k))!);
    },
    { cacheKeyFn: pageKeyString },
  );
}

/** A value made on first use: a subscription's context holds loaders it may never touch. */
function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
}

export function createLoaders(db: DB, viewer: Viewer) {
  const scope: ServiceScope = serviceScope(viewer);

  const partner = lazy(
    () =>
      new DataLoader<number, PartnerRow | null>(async (ids) =>
        byId(
          ids,
          db
            .select()
            .from(partners)
            .where(inArray(partners.id, [...ids]))
            .all(),
          (r) => r.id,
        ),
      ),
  );

  const peeringLocation = lazy(
    () =>
      new DataLoader<number, PeeringLocationRow | null>(async (ids) =>
        byId(
          ids,
          db
            .select()
            .from(peeringLocations)
            .where(inArray(peeringLocations.id, [...ids]))
            .all(),
          (r) => r.id,
        ),
      ),
  );

  const partnerLocations = lazy(
    () =>
      new DataLoader<number, PeeringLocationRow[]>(async (ids) => {
        const rows = db
          .select({ partnerId: partnerPeeringLocations.partnerId, location: peeringLocations })
          .from(partnerPeeringLocations)
          .innerJoin(peeringLocations, eq(peeringLocations.id, partnerPeeringLocations.peeringLocationId))
          .where(inArray(partnerPeeringLocations.partnerId, [...ids]))
          .orderBy(asc(peeringLocations.name))
          .all();
        return groupBy(ids, rows, (r) => r.partnerId).map((list) => list.map((r) => r.location));
      }),
  );

  const locationPartners = lazy(
    () =>
      new DataLoader<number, PartnerRow[]>(async (ids) => {
        const rows = db
          .select({ locationId: partnerPeeringLocations.peeringLocationId, partner: partners })
          .from(partnerPeeringLocations)
          .innerJoin(partners, eq(partners.id, partnerPeeringLocations.partnerId))
          .where(inArray(partnerPeeringLocations.peeringLocationId, [...ids]))
          .orderBy(asc(partners.name))
          .all();
        return groupBy(ids, rows, (r) => r.locationId).map((list) => list.map((r) => r.partner));
      }),
  );

  /** Sessions are visible to operators and to the partner itself; callers check that first. */
  const partnerSessions = lazy(
    () =>
      new DataLoader<number, SessionRow[]>(async (ids) =>
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
      ),
  );

  const session = lazy(
    () =>
      new DataLoader<number, SessionRow | null>(async (ids) => {
        const rows = db
          .select()
          .from(peeringSessions)
          .where(inArray(peeringSessions.id, [...ids]))
          .all();
        const visible = rows.filter(
          (r) => viewer.role === 'OPERATOR' || (viewer.role === 'PARTNER' && viewer.partnerId === r.partnerId),
        );
        return byId(ids, visible, (r) => r.id);
      }),
  );

  const customerLocation = lazy(
    () =>
      new DataLoader<number, CustomerLocationView | null>(async (ids) =>
        byId(
          ids,
          selectCustomerLocations(db)
            .where(inArray(customerLocations.id, [...ids]))
            .all(),
          (r) => r.id,
        ),
      ),
  );

  const peeringService = lazy(
    () =>
      new DataLoader<number, PeeringServiceRow | null>(async (ids) =>
        byId(
          ids,
          db
            .select()
            .from(peeringServices)
            .where(and(inArray(peeringServices.id, [...ids]), serviceScopeWhere(scope)))
            .all(),
          (r) => r.id,
        ),
      ),
  );

  const prefix = lazy(
    () =>
      new DataLoader<number, PrefixRow | null>(async (ids) =>
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
      ),
  );

  const eventScope = (): SQL | undefined => {
    if ('all' in scope) return undefined;
    if ('customerId' in scope) return eq(prefixEvents.customerId, scope.customerId);
    if ('partnerId' in scope) return eq(prefixEvents.partnerId, scope.partnerId);
    return sql`0`;
  };

  const event = lazy(
    () =>
      new DataLoader<number, PrefixEventRecord | null>(async (seqs) =>
        byId(
          seqs,
          db
            .select()
            .from(prefixEvents)
            .where(and(inArray(prefixEvents.seq, [...seqs]), eventScope()))
            .all(),
          (r) => r.seq,
        ),
      ),
  );

  const customer = lazy(
    () =>
      new DataLoader<number, CustomerRow | null>(async (ids) => {
        const visible = [...ids].filter(
          (id) => viewer.role === 'OPERATOR' || (viewer.role === 'CUSTOMER' && viewer.customerId === id),
        );
        return byId(
          ids,
          visible.length ? db.select().from(customers).where(inArray(customers.id, visible)).all() : [],
          (r) => r.id,
        );
      }),
  );

  /** A page of prefixes for each of many peering services (the parents were already scope-checked). */
  const servicePrefixes = lazy(() =>
    childPageLoader<PrefixRow>(db, {
      kind: PREFIX_CURSOR_KIND,
      table: prefixes,
      parent: prefixes.peeringServiceId,
      key: prefixes.id,
      parentOf: (r) => r.peeringServiceId,
      keyOf: (r) => r.id,
    }),
  );

  /** A page of events for each of many prefixes (the parents were already scope-checked). */
  const prefixEventPages = lazy(() =>
    childPageLoader<PrefixEventRecord>(db, {
      kind: EVENT_CURSOR_KIND,
      table: prefixEvents,
      parent: prefixEvents.prefixId,
      key: prefixEvents.seq,
      parentOf: (r) => r.prefixId,
      keyOf: (r) => r.seq,
      where: (k) => (k.minLevel ? gte(prefixEvents.levelRank, levelRank(k.minLevel)) : undefined),
    }),
  );

  return {
    scope,
    get partner() {
      return partner();
    },
    get peeringLocation() {
      return peeringLocation();
    },
    get partnerLocations() {
      return partnerLocations();
    },
    get locationPartners() {
      return locationPartners();
    },
    get partnerSessions() {
      return partnerSessions();
    },
    get session() {
      return session();
    },
    get customerLocation() {
      return customerLocation();
    },
    get peeringService() {
      return peeringService();
    },
    get prefix() {
      return prefix();
    },
    get event() {
      return event();
    },
    get customer() {
      return customer();
    },
    get servicePrefixes() {
      return servicePrefixes();
    },
    get prefixEventPages() {
      return prefixEventPages();
    },
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
