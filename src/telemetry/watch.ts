import type { DB } from '../db/client.js';
import type { LearnedType, ValidationState } from '../db/schema.js';
import type { Cidr } from '../domain/cidr.js';
import type { ValidationChangeMessage } from '../pubsub.js';
import type { PrefixEventRecord } from './event-log.js';

/** A registered prefix with what the analytics need of its peering service and partner. */
export interface WatchedPrefix {
  id: number;
  prefix: string;
  family: 4 | 6;
  rangeStart: string;
  rangeEnd: string;
  validationState: ValidationState;
  learnedType: LearnedType;
  errorMessage: string | null;
  expectedOriginAsns: number[];
  expectedUpstreamAsns: number[];
  latencyThresholdMs: number | null;
  createdAt: number;
  peeringServiceId: number;
  customerId: number;
  partnerId: number;
  partnerAsn: number;
  primaryLocationId: number;
  backupLocationId: number | null;
}

const SELECT = `
  select p.id, p.prefix, p.family, p.range_start as rangeStart, p.range_end as rangeEnd,
         p.validation_state as validationState, p.learned_type as learnedType, p.error_message as errorMessage,
         p.expected_origin_asns as expectedOriginAsns, p.expected_upstream_asns as expectedUpstreamAsns,
         p.latency_threshold_ms as latencyThresholdMs, p.created_at as createdAt,
         s.id as peeringServiceId, s.customer_id as customerId, s.partner_id as partnerId, pa.asn as partnerAsn,
         s.primary_peering_location_id as primaryLocationId, s.backup_peering_location_id as backupLocationId
  from prefixes p
  join peering_services s on s.id = p.peering_service_id
  join partners pa on pa.id = s.partner_id`;

type RawRow = Omit<WatchedPrefix, 'expectedOriginAsns' | 'expectedUpstreamAsns'> & {
  expectedOriginAsns: string;
  expectedUpstreamAsns: string;
};

const fromRow = (row: RawRow | undefined): WatchedPrefix | null =>
  row
    ? {
        ...row,
        expectedOriginAsns: JSON.parse(row.expectedOriginAsns),
        expectedUpstreamAsns: JSON.parse(row.expectedUpstreamAsns),
      }
    : null;

/**
 * Lookups used on the ingestion hot path, as prepared statements. Registered prefixes never overlap, so the
 * one with the greatest start <= the observed start is the only candidate to contain it.
 */
export function watchQueries(db: DB) {
  const client = db.$client;
  const byId = client.prepare(`${SELECT} where p.id = ?`);
  const overlapping = client.prepare(`${SELECT} where p.family = ? and p.range_start <= ? and p.range_end >= ?`);
  const pendingBefore = client.prepare(`${SELECT} where p.validation_state = 'PENDING' and p.created_at <= ?`);
  const ofPartner = client.prepare(`${SELECT} where s.partner_id = ?`);
  const withLatency = client.prepare(
    `${SELECT} where exists (select 1 from prefix_watch_state w where w.prefix_id = p.id and w.key = 'latency:cursor')`,
  );
  const ranges = client.prepare(
    'select id, family, range_start as rangeStart, range_end as rangeEnd from prefixes order by family, range_start',
  );
  return {
    /**
     * A lookup of the registered prefix that equals or contains a CIDR (its id; the row is read only for a hit), over
     * the registered ranges read once: one statement per batch instead of one per observed prefix, most of which
     * are covered by nothing. Valid while registrations do not change: use it inside one transaction.
     */
    coveringIndex(): (cidr: Cidr) => number | null {
      const rows = ranges.all() as { id: number; family: number; rangeStart: string; rangeEnd: string }[];
      const byFamily = { 4: rows.filter((r) => r.family === 4), 6: rows.filter((r) => r.family === 6) };
      return (cidr) => {
        const sorted = byFamily[cidr.family];
        // The last range that starts at or before the observed start: the only one that can contain it.
        let lo = 0;
        let hi = sorted.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (sorted[mid]!.rangeStart <= cidr.start) lo = mid + 1;
          else hi = mid;
        }
        const row = lo > 0 ? sorted[lo - 1]! : null;
        return row && row.rangeEnd >= cidr.end ? row.id : null;
      };
    },
    byId: (id: number) => fromRow(byId.get(id) as RawRow | undefined),
    /** Registered prefixes that overlap `cidr` (contain it or lie inside it). */
    overlapping: (cidr: Cidr) =>
      (overlapping.all(cidr.family, cidr.end, cidr.start) as RawRow[]).map((r) => fromRow(r)!),
    pendingCreatedBefore: (ms: number) => (pendingBefore.all(ms) as RawRow[]).map((r) => fromRow(r)!),
    ofPartner: (partnerId: number) => (ofPartner.all(partnerId) as RawRow[]).map((r) => fromRow(r)!),
    /** Prefixes whose latency is being evaluated (they have had samples). */
    withLatency: () => (withLatency.all() as RawRow[]).map((r) => fromRow(r)!),
  };
}

export type WatchQueries = ReturnType<typeof watchQueries>;

/** What a transaction produced, published only after it commits. */
export interface Outbox {
  /** When the transaction runs (the injected clock): every event it appends is recorded at this instant. */
  recordedAt: number;
  events: PrefixEventRecord[];
  validationChanges: ValidationChangeMessage[];
}

export const newOutbox = (recordedAt: number): Outbox => ({ recordedAt, events: [], validationChanges: [] });
