import type { DB } from '../db/client.js';
import { preparedOnce } from '../db/prepared.js';
import { InputError } from '../errors.js';
import type { LatencyUpdateMessage } from '../pubsub.js';
import type { ServiceScope } from '../services/viewer.js';
import { type BucketRow, measuredPrefixFor } from './latency.js';

type Granularity = LatencyUpdateMessage['granularity'];

/** A bucket of a series: the series names its measured prefix and granularity once, not on each of its rows. */
export type SeriesBucket = Omit<BucketRow, 'measuredPrefix' | 'granularity'>;

export interface LatencySeries {
  measuredPrefix: string;
  granularity: Granularity;
  buckets: SeriesBucket[];
}

const DAY_MS = 24 * 3_600_000;

/**
 * The latency of a registered prefix over the `rangeMs` before `now`: the buckets of its measured prefix that start
 * within (now - range, now], the current one included (at most 720 hourly rows for 30 days). The granularity defaults
 * to FIVE_MINUTES up to a day and ONE_HOUR beyond; FIVE_MINUTES beyond a day is an InputError.
 */
export function latencySeries(
  db: DB,
  prefix: { prefix: string; family: number },
  rangeMs: number,
  granularity: Granularity | null | undefined,
  now: number,
): LatencySeries {
  const width = granularity ?? (rangeMs > DAY_MS ? 'ONE_HOUR' : 'FIVE_MINUTES');
  if (width === 'FIVE_MINUTES' && rangeMs > DAY_MS) {
    throw new InputError('FIVE_MINUTES granularity is available for ranges up to LAST_1_DAY; use ONE_HOUR');
  }
  const measuredPrefix = measuredPrefixFor({ prefix: prefix.prefix, family: prefix.family as 4 | 6 });
  // The columns a bucket shows, not the prefix and granularity (the same two strings on every row). Rows come as
  // arrays (better-sqlite3's raw mode) made into objects here: better-sqlite3 builds a row object property by
  // property from C++, which took longer than the read itself for 720 rows.
  const range = preparedOnce(db, 'latencySeries', () =>
    db.$client
      .prepare(
        `select start, sample_count, min_ms, max_ms, p50_ms, p95_ms, p99_ms from latency_buckets
         where measured_prefix = ? and granularity = ? and start >= ? and start < ? order by start`,
      )
      .raw(true),
  );
  const rows = range.all(measuredPrefix, width, now - rangeMs + 1, now + 1) as number[][];
  const buckets = rows.map(
    (r): SeriesBucket => ({
      start: r[0]!,
      sampleCount: r[1]!,
      minMs: r[2]!,
      maxMs: r[3]!,
      p50Ms: r[4]!,
      p95Ms: r[5]!,
      p99Ms: r[6]!,
    }),
  );
  return { measuredPrefix, granularity: width, buckets };
}

/**
 * The latency buckets that start at or after `since` for the prefixes a viewer may see (optionally one prefix or one
 * peering service), as the messages `latencyUpdated` pushes: the replay part of `latencyUpdated(since:)`. Several
 * registered prefixes can share one measured /24 (or /48); each gets its own message. Ordered by bucket start.
 */
export function latencyBucketsSince(
  db: DB,
  scope: ServiceScope,
  filter: { prefixId: number | null; peeringServiceId: number | null; granularity: Granularity | null; since: number },
): LatencyUpdateMessage[] {
  if ('none' in scope) return [];
  const conditions: string[] = [];
  const params: (number | string)[] = [];
  if ('customerId' in scope) {
    conditions.push('s.customer_id = ?');
    params.push(scope.customerId);
  } else if ('partnerId' in scope) {
    conditions.push('s.partner_id = ?');
    params.push(scope.partnerId);
  }
  if (filter.prefixId != null) {
    conditions.push('p.id = ?');
    params.push(filter.prefixId);
  }
  if (filter.peeringServiceId != null) {
    conditions.push('s.id = ?');
    params.push(filter.peeringServiceId);
  }
  const targets = db.$client
    .prepare(
      `select p.id as prefixId, p.prefix as prefix, p.family as family, s.id as peeringServiceId,
         s.customer_id as customerId, s.partner_id as partnerId
       from prefixes p join peering_services s on s.id = p.peering_service_id
       ${conditions.length ? `where ${conditions.join(' and ')}` : ''}`,
    )
    .all(...params) as {
    prefixId: number;
    prefix: string;
    family: 4 | 6;
    peeringServiceId: number;
    customerId: number;
    partnerId: number;
  }[];
  const buckets = db.$client.prepare(
    `select granularity, start from latency_buckets
     where measured_prefix = ? and start >= ? and (? is null or granularity = ?) order by start`,
  );
  const messages: LatencyUpdateMessage[] = [];
  for (const target of targets) {
    const measuredPrefix = measuredPrefixFor(target);
    const rows = buckets.all(measuredPrefix, filter.since, filter.granularity, filter.granularity) as {
      granularity: Granularity;
      start: number;
    }[];
    for (const row of rows) {
      messages.push({
        prefixId: target.prefixId,
        peeringServiceId: target.peeringServiceId,
        customerId: target.customerId,
        partnerId: target.partnerId,
        measuredPrefix,
        granularity: row.granularity,
        start: row.start,
      });
    }
  }
  return messages.sort((a, b) => a.start - b.start);
}
