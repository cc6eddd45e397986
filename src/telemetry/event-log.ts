import { and, asc, eq, gt, gte, inArray, lt, lte, type SQL, sql } from 'drizzle-orm';
import type { DB } from '../db/client.js';
import { EVENT_LEVELS, type EventLevel, prefixEvents, telemetryMeta } from '../db/schema.js';
import { type Cidr, contains } from '../domain/cidr.js';
import { type Connection, keysetPage, type PageRequest } from '../services/pagination.js';
import type { ServiceScope } from '../services/viewer.js';

/**
 * The append-only prefix event log. `seq` is the cursor: strictly increasing and never reused.
 * Used by the query (pages), by subscriptions (replay then live) and by the analytics (append).
 */

export type PrefixEventRecord = typeof prefixEvents.$inferSelect;
export const EVENT_CURSOR_KIND = 'evt';

export const levelRank = (level: EventLevel): number => EVENT_LEVELS.indexOf(level);

/** A filter resolved to internal ids (the GraphQL layer decodes global ids and parses the CIDR). */
export interface EventFilter {
  peeringServiceId?: number | null;
  prefixId?: number | null;
  /** Observed prefix equals it or is a more-specific of it. */
  prefix?: Cidr | null;
  minLevel?: EventLevel | null;
  types?: string[] | null;
  /** ms since the epoch, inclusive. */
  since?: number | null;
  /** ms since the epoch, exclusive. */
  until?: number | null;
}

function scopeWhere(scope: ServiceScope): SQL | undefined {
  if ('all' in scope) return undefined;
  if ('customerId' in scope) return eq(prefixEvents.customerId, scope.customerId);
  if ('partnerId' in scope) return eq(prefixEvents.partnerId, scope.partnerId);
  return sql`0`;
}

export function eventWhere(filter: EventFilter, scope: ServiceScope): SQL | undefined {
  const parts: (SQL | undefined)[] = [scopeWhere(scope)];
  if (filter.peeringServiceId != null) parts.push(eq(prefixEvents.peeringServiceId, filter.peeringServiceId));
  if (filter.prefixId != null) parts.push(eq(prefixEvents.prefixId, filter.prefixId));
  if (filter.prefix) {
    parts.push(
      eq(prefixEvents.observedFamily, filter.prefix.family),
      gte(prefixEvents.observedRangeStart, filter.prefix.start),
      lte(prefixEvents.observedRangeEnd, filter.prefix.end),
    );
  }
  if (filter.minLevel) parts.push(gte(prefixEvents.levelRank, levelRank(filter.minLevel)));
  if (filter.types?.length) parts.push(inArray(prefixEvents.type, filter.types));
  if (filter.since != null) parts.push(gte(prefixEvents.occurredAt, filter.since));
  if (filter.until != null) parts.push(lt(prefixEvents.occurredAt, filter.until));
  return and(...parts);
}

/** The same filter, applied in memory to live events. */
export function eventMatches(event: PrefixEventRecord, filter: EventFilter, scope: ServiceScope): boolean {
  if ('none' in scope) return false;
  if ('customerId' in scope && event.customerId !== scope.customerId) return false;
  if ('partnerId' in scope && event.partnerId !== scope.partnerId) return false;
  if (filter.peeringServiceId != null && event.peeringServiceId !== filter.peeringServiceId) return false;
  if (filter.prefixId != null && event.prefixId !== filter.prefixId) return false;
  if (
    filter.prefix &&
    !contains(filter.prefix, {
      text: event.observedPrefix,
      family: event.observedFamily as 4 | 6,
      length: Number(event.observedPrefix.split('/')[1]),
      start: event.observedRangeStart,
      end: event.observedRangeEnd,
    })
  ) {
    return false;
  }
  if (filter.minLevel && event.levelRank < levelRank(filter.minLevel)) return false;
  if (filter.types?.length && !filter.types.includes(event.type)) return false;
  if (filter.since != null && event.occurredAt < filter.since) return false;
  if (filter.until != null && event.occurredAt >= filter.until) return false;
  return true;
}

const APPEND_SQL = `insert into prefix_events (prefix_id, peering_service_id, customer_id, partner_id, occurred_at,
  recorded_at, type, azure_event_type, level, level_rank, summary, description, observed_prefix, observed_family,
  observed_range_start, observed_range_end, observed_origin_asn, expected_origin_asns, as_path, peers_seen)
  values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const appendStatements = new WeakMap<DB, import('better-sqlite3').Statement>();

/**
 * Appends one event inside the caller's transaction and sets its `seq` from the insert: the record given is the one
 * written and returned (for the outbox), not copied. The statement is prepared once per database (the query builder
 * would build and prepare SQL on every call, which dominated ingestion when updates raise events).
 */
export function appendEvent(db: DB, record: PrefixEventRecord): PrefixEventRecord {
  let statement = appendStatements.get(db);
  if (!statement) {
    statement = db.$client.prepare(APPEND_SQL);
    appendStatements.set(db, statement);
  }
  const { lastInsertRowid } = statement.run(
    record.prefixId,
    record.peeringServiceId,
    record.customerId,
    record.partnerId,
    record.occurredAt,
    record.recordedAt,
    record.type,
    record.azureEventType,
    record.level,
    record.levelRank,
    record.summary,
    record.description,
    record.observedPrefix,
    record.observedFamily,
    record.observedRangeStart,
    record.observedRangeEnd,
    record.observedOriginAsn,
    JSON.stringify(record.expectedOriginAsns),
    record.asPath == null ? null : JSON.stringify(record.asPath),
    record.peersSeen,
  );
  record.seq = Number(lastInsertRowid);
  return record;
}

/** One page of the log, ascending by sequence (use `last` for the newest). */
export function listEvents(
  db: DB,
  filter: EventFilter,
  scope: ServiceScope,
  request: PageRequest,
): Connection<PrefixEventRecord> {
  return keysetPage<PrefixEventRecord>(
    db,
    {
      kind: EVENT_CURSOR_KIND,
      table: prefixEvents,
      key: prefixEvents.seq,
      keyOf: (r) => r.seq,
      where: eventWhere(filter, scope),
    },
    request,
  );
}

/**
 * The columns of a replay read, in the order of the row arrays the statement returns; `recordOf` maps one array to a
 * PrefixEventRecord by the same positions (`satisfies` keeps the two lists to the record's keys).
 */
const REPLAY_COLUMNS = {
  seq: prefixEvents.seq,
  prefixId: prefixEvents.prefixId,
  peeringServiceId: prefixEvents.peeringServiceId,
  customerId: prefixEvents.customerId,
  partnerId: prefixEvents.partnerId,
  occurredAt: prefixEvents.occurredAt,
  recordedAt: prefixEvents.recordedAt,
  type: prefixEvents.type,
  azureEventType: prefixEvents.azureEventType,
  level: prefixEvents.level,
  levelRank: prefixEvents.levelRank,
  summary: prefixEvents.summary,
  description: prefixEvents.description,
  observedPrefix: prefixEvents.observedPrefix,
  observedFamily: prefixEvents.observedFamily,
  observedRangeStart: prefixEvents.observedRangeStart,
  observedRangeEnd: prefixEvents.observedRangeEnd,
  observedOriginAsn: prefixEvents.observedOriginAsn,
  expectedOriginAsns: prefixEvents.expectedOriginAsns,
  asPath: prefixEvents.asPath,
  peersSeen: prefixEvents.peersSeen,
} satisfies Record<keyof PrefixEventRecord, unknown>;

// biome-ignore lint/suspicious/noExplicitAny: one row of the raw statement, positions as in REPLAY_COLUMNS
const recordOf = (r: any[]): PrefixEventRecord => ({
  seq: r[0],
  prefixId: r[1],
  peeringServiceId: r[2],
  customerId: r[3],
  partnerId: r[4],
  occurredAt: r[5],
  recordedAt: r[6],
  type: r[7],
  azureEventType: r[8],
  level: r[9],
  levelRank: r[10],
  summary: r[11],
  description: r[12],
  observedPrefix: r[13],
  observedFamily: r[14],
  observedRangeStart: r[15],
  observedRangeEnd: r[16],
  observedOriginAsn: r[17],
  // The two JSON columns, decoded as drizzle's json mode does.
  expectedOriginAsns: JSON.parse(r[18]),
  asPath: r[19] == null ? null : JSON.parse(r[19]),
  peersSeen: r[20],
});

/**
 * A reader of the events after a sequence, ascending, at most `limit` per call (for subscription replay). The query is
 * built and prepared once per reader, with the sequence as a placeholder; each page is read as row arrays and mapped
 * to records by position, without the query builder's per-page SQL building and per-column mapping.
 */
export function eventsAfterReader(
  db: DB,
  filter: EventFilter,
  scope: ServiceScope,
  limit: number,
): (afterSeq: number) => PrefixEventRecord[] {
  const prepared = db
    .select(REPLAY_COLUMNS)
    .from(prefixEvents)
    .where(and(eventWhere(filter, scope), gt(prefixEvents.seq, sql.placeholder('after'))))
    .orderBy(asc(prefixEvents.seq))
    .limit(limit)
    .prepare();
  return (afterSeq) => {
    const rows = prepared.values({ after: afterSeq }) as unknown as unknown[][];
    const records = new Array<PrefixEventRecord>(rows.length);
    for (let i = 0; i < rows.length; i++) records[i] = recordOf(rows[i] as unknown[]);
    return records;
  };
}

const PRUNED_KEY = 'events_pruned_through_seq';

/** Highest sequence removed by retention (0 when nothing was pruned). */
export function prunedThrough(db: DB): number {
  const row = db.select().from(telemetryMeta).where(eq(telemetryMeta.key, PRUNED_KEY)).get();
  return typeof row?.value === 'number' ? row.value : 0;
}

export function oldestRetainedSeq(db: DB): number | null {
  return (
    db
      .select({ seq: sql<number | null>`min(${prefixEvents.seq})` })
      .from(prefixEvents)
      .get()?.seq ?? null
  );
}

export function latestSeq(db: DB): number {
  return (
    db
      .select({ seq: sql<number | null>`max(${prefixEvents.seq})` })
      .from(prefixEvents)
      .get()?.seq ?? 0
  );
}

/**
 * Retention: deletes events recorded before `cutoffMs` and remembers the highest sequence removed (a cursor below it
 * may have missed some: ResyncRequired). It counts from recordedAt (arrival), not occurredAt (BGP time): a replay
 * of an old incident with its real timestamps stays for the whole retention period. recordedAt grows with the
 * sequence, so what goes is the start of the log, up to the first event recorded at or after the cutoff: found by
 * walking seq from the start (the rows to delete, then one), with no index on recorded_at for every insert to pay for.
 */
export function pruneEvents(db: DB, cutoffMs: number): number {
  const firstKept = db
    .select({ seq: prefixEvents.seq })
    .from(prefixEvents)
    .where(gte(prefixEvents.recordedAt, cutoffMs))
    .orderBy(asc(prefixEvents.seq))
    .limit(1)
    .get()?.seq;
  const last = db
    .select({ seq: sql<number | null>`max(${prefixEvents.seq})` })
    .from(prefixEvents)
    .where(firstKept == null ? undefined : lt(prefixEvents.seq, firstKept))
    .get()?.seq;
  if (last == null) return 0;
  const removed = db.delete(prefixEvents).where(lte(prefixEvents.seq, last)).run().changes;
  const through = Math.max(last, prunedThrough(db));
  db.insert(telemetryMeta)
    .values({ key: PRUNED_KEY, value: through })
    .onConflictDoUpdate({ target: telemetryMeta.key, set: { value: through } })
    .run();
  return removed;
}
