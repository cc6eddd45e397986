import DataLoader from 'dataloader';
import { and, asc, desc, eq, gt, gte, lt, type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { DB } from './db/client.js';
import { preparedOnce } from './db/prepared.js';
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
import {
  buildConnection,
  type ColumnSet,
  type Connection,
  type PageRequest,
  selectedColumns,
} from './services/pagination.js';
import type { PartnerRow, SessionRow } from './services/partners.js';
import { scopeCondition } from './services/peering-service-reads.js';
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
  /**
   * The columns the page's rows are read with (null or absent: all); the rows have only these properties, plus the
   * parent and key columns, which are always read.
   */
  columns?: ColumnSet | null;
}

/** A page key without its parent: the keys of a batch that share it share one statement. */
const requestSignature = (k: ChildPageKey) =>
  `${k.request.afterKey}|${k.request.beforeKey}|${k.request.limit}|${k.request.backwards}|${k.minLevel ?? ''}|${k.columns?.key ?? '*'}`;

const pageKeyString = (k: ChildPageKey) => `${k.parentId}|${requestSignature(k)}`;

/** The positions in `keys` of the keys that share a page request, group by group. */
function groupByRequest(keys: readonly ChildPageKey[]): number[][] {
  const groups = new Map<string, number[]>();
  keys.forEach((key, index) => {
    const sig = requestSignature(key);
    let group = groups.get(sig);
    if (!group) {
      group = [];
      groups.set(sig, group);
    }
    group.push(index);
  });
  return [...groups.values()];
}

/*
 * Statements are prepared once per database (drizzle's `prepare` with placeholders). A batch of any size binds its ids
 * as one JSON array (`in (select value from json_each(?))`), so one statement serves every batch; building and
 * preparing the SQL per batch was most of a dashboard request's time.
 */

/** `column in (<the JSON array bound to the placeholder>)`. */
const inJson = (column: SQLiteColumn, placeholder = 'ids'): SQL =>
  sql`${column} in (select value from json_each(${sql.placeholder(placeholder)}))`;

const idsJson = (ids: readonly number[]) => JSON.stringify(ids);

/**
 * A DataLoader of one page of children for each of many parents: one statement per distinct page request (a
 * correlated subquery per parent), whatever the number of parents. `totalCount` runs a grouped count for
 * the whole group of parents when the first of them is asked for it, and not at all otherwise.
 */
function childPageLoader<Row>(
  db: DB,
  spec: {
    name: string;
    kind: string;
    table: SQLiteTable;
    parent: SQLiteColumn;
    key: SQLiteColumn;
    /** The property names of `parent` and `key` in a row (read whatever `columns` a page asks for). */
    always: readonly string[];
    parentOf: (row: Row) => number;
    keyOf: (row: Row) => number;
    /** An extra filter on a placeholder `extra` (events: minLevel as a rank), and the value to bind. */
    extra?: { where: SQL; value: (key: ChildPageKey) => unknown };
  },
) {
  const extraOf = (key: ChildPageKey) => (spec.extra ? spec.extra.value(key) : undefined);
  // Per parent, a correlated subquery takes the page's keys from the parent's index (in key order, so no sort and no
  // window over every child of the batch), and the rows are read by primary key; about half the time of a
  // row_number() window joined back to the table (EXPLAIN QUERY PLAN: one ordered index range per parent).
  const pageStatement = (request: PageRequest, hasExtra: boolean, columns: ColumnSet | null) =>
    preparedOnce(
      db,
      `${spec.name}:page:${request.backwards}:${request.afterKey != null}:${request.beforeKey != null}:${hasExtra}:${columns?.key ?? '*'}`,
      () => {
        const order = request.backwards ? desc : asc;
        // Inside the subquery the table's columns name the subquery's own row (the innermost table of that name).
        const pageKeys = db
          .select({ key: spec.key })
          .from(spec.table)
          .where(
            and(
              sql`${spec.parent} = parents.value`,
              hasExtra ? spec.extra?.where : undefined,
              request.afterKey != null ? gt(spec.key, sql.placeholder('after')) : undefined,
              request.beforeKey != null ? lt(spec.key, sql.placeholder('before')) : undefined,
            ),
          )
          .orderBy(order(spec.key))
          .limit(sql.placeholder('limit'));
        const read = columns ? { names: [...new Set([...spec.always, ...columns.names])], key: '' } : null;
        return db
          .select(selectedColumns(spec.table, read))
          .from(sql`json_each(${sql.placeholder('ids')}) as parents`)
          .innerJoin(spec.table, sql`${spec.key} in ${pageKeys}`)
          .prepare();
      },
    );
  const countStatement = (hasExtra: boolean) =>
    preparedOnce(db, `${spec.name}:count:${hasExtra}`, () =>
      db
        .select({ parentId: spec.parent, n: sql<number>`count(*)` })
        .from(spec.table)
        .where(and(inJson(spec.parent), hasExtra ? spec.extra?.where : undefined))
        .groupBy(spec.parent)
        .prepare(),
    );
  return new DataLoader<ChildPageKey, Connection<Row>, string>(
    async (keys) => {
      const pages = new Array<Connection<Row>>(keys.length);
      for (const group of groupByRequest(keys)) {
        const first = keys[group[0]!]!;
        const { request, columns = null } = first;
        const extra = extraOf(first);
        const hasExtra = extra !== undefined;
        const parents = group.map((index) => keys[index]!.parentId);
        const parentIds = idsJson(parents);
        const rows = pageStatement(request, hasExtra, columns).all({
          ids: parentIds,
          extra,
          after: request.afterKey,
          before: request.beforeKey,
          limit: request.limit + 1,
        }) as Row[];
        let counts: Map<number, number> | undefined;
        const countOf = (parentId: number) => () => {
          counts ??= new Map(
            countStatement(hasExtra)
              .all({ ids: parentIds, extra })
              .map((r) => [r.parentId as number, r.n]),
          );
          return counts.get(parentId) ?? 0;
        };
        const grouped = groupBy(parents, rows, spec.parentOf);
        // The statement has no ORDER BY (sorting the whole batch in a temporary b-tree was about a tenth of its time):
        // each parent's few rows are put in page order here.
        const byKey = request.backwards
          ? (a: Row, b: Row) => spec.keyOf(b) - spec.keyOf(a)
          : (a: Row, b: Row) => spec.keyOf(a) - spec.keyOf(b);
        for (const page of grouped) if (page.length > 1) page.sort(byKey);
        group.forEach((index, i) => {
          pages[index] = buildConnection(spec.kind, request, grouped[i]!, spec.keyOf, countOf(parents[i]!));
        });
      }
      return pages;
    },
    { cacheKeyFn: pageKeyString },
  );
}

/**
 * Rows by id for one request: a DataLoader (batched, a promise per load) that keeps the rows it has read, so that
 * `load` answers a row already read synchronously (no promise: graphql-jit completes the field at once, without a
 * microtask and an asynchronous completion of the object around it), and `readNow` reads the missing rows of a list of
 * ids at once, in one statement (a page whose items will each ask for one of them).
 */
export class RowsById<Row> {
  readonly loader: DataLoader<number, Row | null>;
  private readonly held = new Map<number, Row | null>();

  constructor(private readonly read: (ids: readonly number[]) => (Row | null)[]) {
    this.loader = new DataLoader<number, Row | null>(async (ids) => this.keep(ids, read(ids)));
  }

  private keep(ids: readonly number[], rows: (Row | null)[]): (Row | null)[] {
    for (let i = 0; i < ids.length; i++) this.held.set(ids[i]!, rows[i]!);
    return rows;
  }

  /** The row (null: none visible), at once when it was read before, else as the loader's promise. */
  load(id: number): Row | null | Promise<Row | null> {
    const row = this.held.get(id);
    return row !== undefined || this.held.has(id) ? row! : this.loader.load(id);
  }

  /** Reads now the rows of `ids` not read yet (null and undefined ids are skipped). */
  readNow(ids: Iterable<number | null | undefined>): void {
    const missing = new Set<number>();
    for (const id of ids) if (id != null && !this.held.has(id)) missing.add(id);
    if (missing.size === 0) return;
    const list = [...missing];
    const rows = this.keep(list, this.read(list));
    for (let i = 0; i < list.length; i++) this.loader.prime(list[i]!, rows[i]!);
  }
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
  // Built on first use: most operations use neither.
  const serviceScoped = lazy(() => scopeCondition(scope, peeringServices));
  const eventScoped = lazy(() => scopeCondition(scope, prefixEvents));

  const partner = lazy(
    () =>
      new RowsById<PartnerRow>((ids) => {
        const statement = preparedOnce(db, 'partner', () =>
          db.select().from(partners).where(inJson(partners.id)).prepare(),
        );
        return byId(ids, statement.all({ ids: idsJson(ids) }), (r) => r.id);
      }),
  );

  const peeringLocation = lazy(
    () =>
      new RowsById<PeeringLocationRow>((ids) => {
        const statement = preparedOnce(db, 'peeringLocation', () =>
          db.select().from(peeringLocations).where(inJson(peeringLocations.id)).prepare(),
        );
        return byId(ids, statement.all({ ids: idsJson(ids) }), (r) => r.id);
      }),
  );

  const partnerLocations = lazy(
    () =>
      new DataLoader<number, PeeringLocationRow[]>(async (ids) => {
        const statement = preparedOnce(db, 'partnerLocations', () =>
          db
            .select({ partnerId: partnerPeeringLocations.partnerId, location: peeringLocations })
            .from(partnerPeeringLocations)
            .innerJoin(peeringLocations, eq(peeringLocations.id, partnerPeeringLocations.peeringLocationId))
            .where(inJson(partnerPeeringLocations.partnerId))
            .orderBy(asc(peeringLocations.name))
            .prepare(),
        );
        const rows = statement.all({ ids: idsJson(ids) });
        return groupBy(ids, rows, (r) => r.partnerId).map((list) => list.map((r) => r.location));
      }),
  );

  const locationPartners = lazy(
    () =>
      new DataLoader<number, PartnerRow[]>(async (ids) => {
        const statement = preparedOnce(db, 'locationPartners', () =>
          db
            .select({ locationId: partnerPeeringLocations.peeringLocationId, partner: partners })
            .from(partnerPeeringLocations)
            .innerJoin(partners, eq(partners.id, partnerPeeringLocations.partnerId))
            .where(inJson(partnerPeeringLocations.peeringLocationId))
            .orderBy(asc(partners.name))
            .prepare(),
        );
        const rows = statement.all({ ids: idsJson(ids) });
        return groupBy(ids, rows, (r) => r.locationId).map((list) => list.map((r) => r.partner));
      }),
  );

  /** Sessions are visible to operators and to the partner itself; callers check that first. */
  const partnerSessions = lazy(
    () =>
      new DataLoader<number, SessionRow[]>(async (ids) => {
        const statement = preparedOnce(db, 'partnerSessions', () =>
          db
            .select()
            .from(peeringSessions)
            .where(inJson(peeringSessions.partnerId))
            .orderBy(asc(peeringSessions.id))
            .prepare(),
        );
        return groupBy(ids, statement.all({ ids: idsJson(ids) }), (r) => r.partnerId);
      }),
  );

  const session = lazy(
    () =>
      new DataLoader<number, SessionRow | null>(async (ids) => {
        const statement = preparedOnce(db, 'session', () =>
          db.select().from(peeringSessions).where(inJson(peeringSessions.id)).prepare(),
        );
        const rows = statement.all({ ids: idsJson(ids) });
        const visible = rows.filter(
          (r) => viewer.role === 'OPERATOR' || (viewer.role === 'PARTNER' && viewer.partnerId === r.partnerId),
        );
        return byId(ids, visible, (r) => r.id);
      }),
  );

  const customerLocation = lazy(
    () =>
      new DataLoader<number, CustomerLocationView | null>(async (ids) => {
        const statement = preparedOnce(db, 'customerLocation', () =>
          selectCustomerLocations(db).where(inJson(customerLocations.id)).prepare(),
        );
        return byId(ids, statement.all({ ids: idsJson(ids) }), (r) => r.id);
      }),
  );

  const peeringService = lazy(
    () =>
      new DataLoader<number, PeeringServiceRow | null>(async (ids) => {
        const statement = preparedOnce(db, `peeringService:${serviceScoped().shape}`, () =>
          db
            .select()
            .from(peeringServices)
            .where(and(inJson(peeringServices.id), serviceScoped().where))
            .prepare(),
        );
        return byId(ids, statement.all({ ids: idsJson(ids), scopeId: serviceScoped().scopeId }), (r) => r.id);
      }),
  );

  const prefix = lazy(
    () =>
      new DataLoader<number, PrefixRow | null>(async (ids) => {
        const statement = preparedOnce(db, `prefix:${serviceScoped().shape}`, () =>
          db
            .select({ prefix: prefixes })
            .from(prefixes)
            .innerJoin(peeringServices, eq(peeringServices.id, prefixes.peeringServiceId))
            .where(and(inJson(prefixes.id), serviceScoped().where))
            .prepare(),
        );
        return byId(
          ids,
          statement.all({ ids: idsJson(ids), scopeId: serviceScoped().scopeId }).map((r) => r.prefix),
          (r) => r.id,
        );
      }),
  );

  const event = lazy(
    () =>
      new DataLoader<number, PrefixEventRecord | null>(async (seqs) => {
        const statement = preparedOnce(db, `event:${eventScoped().shape}`, () =>
          db
            .select()
            .from(prefixEvents)
            .where(and(inJson(prefixEvents.seq), eventScoped().where))
            .prepare(),
        );
        return byId(seqs, statement.all({ ids: idsJson(seqs), scopeId: eventScoped().scopeId }), (r) => r.seq);
      }),
  );

  const customer = lazy(
    () =>
      new DataLoader<number, CustomerRow | null>(async (ids) => {
        const visible = ids.filter(
          (id) => viewer.role === 'OPERATOR' || (viewer.role === 'CUSTOMER' && viewer.customerId === id),
        );
        const statement = preparedOnce(db, 'customer', () =>
          db.select().from(customers).where(inJson(customers.id)).prepare(),
        );
        return byId(ids, visible.length ? statement.all({ ids: idsJson(visible) }) : [], (r) => r.id);
      }),
  );

  /** A page of prefixes for each of many peering services (the parents were already scope-checked). */
  const servicePrefixes = lazy(() =>
    childPageLoader<PrefixRow>(db, {
      name: 'servicePrefixes',
      kind: PREFIX_CURSOR_KIND,
      table: prefixes,
      parent: prefixes.peeringServiceId,
      key: prefixes.id,
      always: ['peeringServiceId', 'id'],
      parentOf: (r) => r.peeringServiceId,
      keyOf: (r) => r.id,
    }),
  );

  /** A page of events for each of many prefixes (the parents were already scope-checked). */
  const prefixEventPages = lazy(() =>
    childPageLoader<PrefixEventRecord>(db, {
      name: 'prefixEventPages',
      kind: EVENT_CURSOR_KIND,
      table: prefixEvents,
      parent: prefixEvents.prefixId,
      key: prefixEvents.seq,
      always: ['prefixId', 'seq'],
      parentOf: (r) => r.prefixId,
      keyOf: (r) => r.seq,
      extra: {
        where: gte(prefixEvents.levelRank, sql.placeholder('extra')),
        value: (k) => (k.minLevel ? levelRank(k.minLevel) : undefined),
      },
    }),
  );

  return {
    scope,
    /** Partners by id; rows already read are answered at once (see RowsById). */
    get partner() {
      return partner();
    },
    /** Peering locations by id; rows already read are answered at once (see RowsById). */
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
