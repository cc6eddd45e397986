import { DDSketch } from '@datadog/sketches-js';
import type { DB } from '../db/client.js';
import type { LatencyGranularity } from '../db/schema.js';
import { type Cidr, normaliseAddress, truncateTo, tryParseCidr } from '../domain/cidr.js';
import { emitEvent } from './analytics.js';
import { encodeSketch } from './sketch-codec.js';
import type { Outbox, WatchedPrefix, WatchQueries } from './watch.js';

/**
 * Latency rollups. Each sample lands in a 5-minute and a 1-hour bucket of its measured prefix: the /24 (IPv4)
 * or /48 (IPv6) that contains it, as Azure approximates client addresses, or the registered prefix itself when
 * that is shorter. A bucket holds a DDSketch (relative accuracy 1%), so percentiles merge and stay within 1% of
 * the exact value; min, max and count are kept exactly.
 */

export const RELATIVE_ACCURACY = 0.01;
export const BUCKET_MS: Record<LatencyGranularity, number> = { FIVE_MINUTES: 5 * 60_000, ONE_HOUR: 3_600_000 };
const BASELINE_WINDOW_MS = 24 * 3_600_000;
/** 5-minute buckets of history needed before a threshold is derived (one hour). */
const MIN_BASELINE_BUCKETS = 12;
const RECOVERY_BUCKETS = 2;
const MAX_RTT_MS = 600_000;

export interface LatencySampleInput {
  source: string;
  peeringLocation?: string | null;
  timestamp: Date;
  rttMs: number;
}

export interface CheckedSample {
  measured: Cidr;
  timestamp: number;
  rttMs: number;
}

/**
 * The /24 (IPv4) or /48 (IPv6) a sample source (an address, or a prefix) is measured at, or null when it is neither.
 * Remembered per source text, bounded: probes report from the same addresses over and over.
 */
function measuredOf(source: string): Cidr | null {
  let measured = measuredBySource.get(source);
  if (measured === undefined) {
    const cidr = truncateTo(source, 24, 48);
    measured = cidr && (source.includes('/') || normaliseAddress(source)) ? cidr : null;
    if (measuredBySource.size >= 10_000) measuredBySource.clear();
    measuredBySource.set(source, measured);
  }
  return measured;
}
const measuredBySource = new Map<string, Cidr | null>();

export function checkSample(
  input: LatencySampleInput,
  now: number,
  retentionMs: number,
): { ok: true; sample: CheckedSample } | { ok: false; field: string[]; message: string } {
  const measured = measuredOf(input.source);
  if (!measured) {
    return { ok: false, field: ['source'], message: `"${input.source}" is not an IP address or prefix` };
  }
  if (!Number.isFinite(input.rttMs) || input.rttMs < 0 || input.rttMs > MAX_RTT_MS) {
    return { ok: false, field: ['rttMs'], message: `rttMs must be between 0 and ${MAX_RTT_MS}` };
  }
  const ts = input.timestamp.getTime();
  if (!Number.isFinite(ts) || ts > now + 5 * 60_000 || ts < now - retentionMs) {
    return {
      ok: false,
      field: ['timestamp'],
      message: 'timestamp must be within the retention window and not in the future',
    };
  }
  return { ok: true, sample: { measured, timestamp: ts, rttMs: input.rttMs } };
}

const measuredCache = new Map<string, string>();

/** The prefix latency is measured at for a registered prefix (remembered: it is asked for every sample). */
export function measuredPrefixFor(prefix: { prefix: string; family: 4 | 6 }): string {
  let measured = measuredCache.get(prefix.prefix);
  if (measured === undefined) {
    if (measuredCache.size >= 100_000) measuredCache.clear();
    measured = computeMeasuredPrefix(prefix);
    measuredCache.set(prefix.prefix, measured);
  }
  return measured;
}

function computeMeasuredPrefix(prefix: { prefix: string; family: 4 | 6 }): string {
  const [addr, len] = prefix.prefix.split('/');
  const limit = prefix.family === 4 ? 24 : 48;
  const length = Number(len);
  if (length <= limit) return prefix.prefix;
  const cidr = truncateTo(`${addr}/${length}`, limit, limit);
  return cidr!.text;
}

export interface BucketRow {
  measuredPrefix: string;
  granularity: LatencyGranularity;
  start: number;
  sampleCount: number;
  minMs: number;
  maxMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

export function latencyQueries(db: DB) {
  const client = db.$client;
  const get = client.prepare(
    'select sample_count as n, min_ms as min, max_ms as max, sketch from latency_buckets where measured_prefix = ? and granularity = ? and start = ?',
  );
  const put = client.prepare(`
    insert into latency_buckets (measured_prefix, granularity, start, sample_count, min_ms, max_ms, p50_ms, p95_ms, p99_ms, sketch)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    on conflict (measured_prefix, granularity, start) do update set
      sample_count = excluded.sample_count, min_ms = excluded.min_ms, max_ms = excluded.max_ms, p50_ms = excluded.p50_ms,
      p95_ms = excluded.p95_ms, p99_ms = excluded.p99_ms, sketch = excluded.sketch`);
  const COLUMNS = `measured_prefix as measuredPrefix, granularity, start, sample_count as sampleCount, min_ms as minMs,
    max_ms as maxMs, p50_ms as p50Ms, p95_ms as p95Ms, p99_ms as p99Ms`;
  const range = client.prepare(
    `select ${COLUMNS} from latency_buckets where measured_prefix = ? and granularity = ? and start >= ? and start < ? order by start`,
  );
  const storedIn = client.prepare(
    'select start, sample_count as n, min_ms as min, max_ms as max, sketch from latency_buckets where measured_prefix = ? and granularity = ? and start >= ? and start <= ?',
  );
  const fiveMinute = client.prepare(
    "select start, sample_count as sampleCount, p95_ms as p95Ms from latency_buckets where measured_prefix = ? and granularity = 'FIVE_MINUTES' and start >= ? and start < ? order by start",
  );
  const one = client.prepare(
    `select ${COLUMNS} from latency_buckets where measured_prefix = ? and granularity = ? and start = ?`,
  );
  /**
   * Sketches of recently written buckets, decoded, so that a bucket that keeps receiving samples (the open one) is not
   * decoded again for every batch. An entry is used only while the stored row still has the count, min and max it
   * was written with: a write by another process, or a rolled-back transaction, makes it stale and the row is decoded.
   * Every batch still writes its buckets' sketches: nothing is kept only in memory.
   */
  const recent = new Map<string, KeptBucket>();
  return {
    /**
     * Adds samples to a bucket; `keep`: remember its decoded sketch for the next batch (see `recent`). `stored`: the
     * bucket's row when the caller read it already (see `storedIn`), undefined when it has none.
     */
    add(
      measuredPrefix: string,
      granularity: LatencyGranularity,
      start: number,
      values: number[],
      keep = false,
      stored?: { row: StoredBucket | undefined },
    ): void {
      const row = stored ? stored.row : (get.get(measuredPrefix, granularity, start) as StoredBucket | undefined);
      const key = `${measuredPrefix}|${granularity}|${start}`;
      let kept = recent.get(key);
      // Taken out before the sketch changes: if this write fails or its transaction rolls back, no entry describes a
      // sketch holding samples that were not stored.
      recent.delete(key);
      if (kept && !(row && row.n === kept.n && row.min === kept.min && row.max === kept.max)) kept = undefined;
      const sketch =
        kept?.sketch ?? (row ? DDSketch.fromProto(row.sketch) : new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY }));
      let min = row?.min ?? Number.POSITIVE_INFINITY;
      let max = row?.max ?? Number.NEGATIVE_INFINITY;
      for (const v of values) {
        sketch.accept(v);
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const n = (row?.n ?? 0) + values.length;
      // DDSketch quantiles are within 1% relative; clamp into the exact [min, max] range.
      const q = (x: number) => Math.min(max, Math.max(min, sketch.getValueAtQuantile(x)));
      put.run(measuredPrefix, granularity, start, n, min, max, q(0.5), q(0.95), q(0.99), encodeSketch(sketch));
      if (keep) {
        recent.set(key, { n, min, max, sketch });
        if (recent.size > RECENT_BUCKETS_KEPT) recent.delete(recent.keys().next().value!);
      }
    },
    /** The stored buckets of a series from `first` to `last` (inclusive), by start: one read for many `add`s. */
    storedIn(measuredPrefix: string, granularity: LatencyGranularity, first: number, last: number) {
      const rows = storedIn.all(measuredPrefix, granularity, first, last) as (StoredBucket & { start: number })[];
      return new Map(rows.map((r) => [r.start, r]));
    },
    range: (measuredPrefix: string, granularity: LatencyGranularity, from: number, to: number) =>
      range.all(measuredPrefix, granularity, from, to) as BucketRow[],
    /** The 5-minute buckets in [from, to) with only what the evaluation reads. */
    fiveMinute: (measuredPrefix: string, from: number, to: number) =>
      fiveMinute.all(measuredPrefix, from, to) as ClosedBucket[],
    one: (measuredPrefix: string, granularity: LatencyGranularity, start: number) =>
      (one.get(measuredPrefix, granularity, start) as BucketRow | undefined) ?? null,
  };
}

/** What the degradation evaluation reads of a 5-minute bucket. */
type ClosedBucket = Pick<BucketRow, 'start' | 'sampleCount' | 'p95Ms'>;

type StoredBucket = { n: number; min: number; max: number; sketch: Buffer };
type KeptBucket = { n: number; min: number; max: number; sketch: DDSketch };
/** Decoded sketches kept across batches (the least recently written go first): a few MB at most. */
const RECENT_BUCKETS_KEPT = 2048;

export type LatencyQueries = ReturnType<typeof latencyQueries>;

/** A bucket a batch changed, with the registered prefixes measured at its prefix that the batch's samples concern. */
export interface TouchedBucket {
  /** `measuredPrefix|granularity|start`. */
  key: string;
  measuredPrefix: string;
  granularity: LatencyGranularity;
  start: number;
  owners: WatchedPrefix[];
}

const bucketStart = (ts: number, granularity: LatencyGranularity) =>
  Math.floor(ts / BUCKET_MS[granularity]) * BUCKET_MS[granularity];

/** The registered prefixes one sample source concerns that share one measured prefix. */
type SourceGroup = { measuredPrefix: string; owners: WatchedPrefix[]; latest: number };

/** Writes samples into buckets (inside the caller's transaction). Returns the buckets that changed. */
export function recordSamples(
  q: LatencyQueries,
  watch: WatchQueries,
  samples: CheckedSample[],
): { touched: TouchedBucket[]; matched: number; latestByPrefix: Map<number, { watched: WatchedPrefix; ts: number }> } {
  // Per sample source (its /24 or /48), the registered prefixes it concerns grouped by the prefix they are measured
  // at: looked up and grouped once per batch, not per sample.
  const groupsBySource = new Map<string, SourceGroup[]>();
  const perBucket = new Map<
    string,
    { measuredPrefix: string; granularity: LatencyGranularity; start: number; values: number[]; groups: SourceGroup[] }
  >();
  let matched = 0;
  for (const sample of samples) {
    let groups = groupsBySource.get(sample.measured.text);
    if (!groups) {
      const byMeasured = new Map<string, SourceGroup>();
      for (const p of watch.overlapping(sample.measured)) {
        const measuredPrefix = measuredPrefixFor(p);
        const group = byMeasured.get(measuredPrefix);
        if (group) group.owners.push(p);
        else byMeasured.set(measuredPrefix, { measuredPrefix, owners: [p], latest: 0 });
      }
      groups = [...byMeasured.values()];
      groupsBySource.set(sample.measured.text, groups);
    }
    if (!groups.length) continue;
    matched++;
    for (const group of groups) {
      if (sample.timestamp > group.latest) group.latest = sample.timestamp;
      for (const granularity of GRANULARITIES) {
        const start = bucketStart(sample.timestamp, granularity);
        const id = `${group.measuredPrefix}|${granularity}|${start}`;
        let entry = perBucket.get(id);
        if (!entry) {
          entry = { measuredPrefix: group.measuredPrefix, granularity, start, values: [], groups: [group] };
          perBucket.set(id, entry);
        } else if (!entry.groups.includes(group)) entry.groups.push(group);
        entry.values.push(sample.rttMs);
      }
    }
  }
  // Per series (measured prefix and granularity): the batch's first and newest bucket. The newest is the one likely
  // to get more samples: only its decoded sketch is worth keeping for the next batch. A series whose buckets are
  // dense enough in their span (a backfill, a burst) has its stored rows read with one statement, not one per bucket.
  const series = new Map<string, { first: number; last: number; count: number; stored?: Map<number, StoredBucket> }>();
  for (const entry of perBucket.values()) {
    const key = `${entry.measuredPrefix}|${entry.granularity}`;
    const seen = series.get(key);
    if (!seen) series.set(key, { first: entry.start, last: entry.start, count: 1 });
    else {
      seen.count++;
      if (entry.start < seen.first) seen.first = entry.start;
      if (entry.start > seen.last) seen.last = entry.start;
    }
  }
  const touched: TouchedBucket[] = [];
  for (const [key, entry] of perBucket) {
    const run = series.get(`${entry.measuredPrefix}|${entry.granularity}`)!;
    if (!run.stored && run.count > 1 && (run.last - run.first) / BUCKET_MS[entry.granularity] < 4 * run.count) {
      run.stored = q.storedIn(entry.measuredPrefix, entry.granularity, run.first, run.last);
    }
    q.add(
      entry.measuredPrefix,
      entry.granularity,
      entry.start,
      entry.values,
      run.last === entry.start,
      run.stored ? { row: run.stored.get(entry.start) } : undefined,
    );
    const owners =
      entry.groups.length === 1
        ? entry.groups[0]!.owners
        : [...new Map(entry.groups.flatMap((g) => g.owners.map((o) => [o.id, o] as const))).values()];
    touched.push({
      key,
      measuredPrefix: entry.measuredPrefix,
      granularity: entry.granularity,
      start: entry.start,
      owners,
    });
  }
  const latestByPrefix = new Map<number, { watched: WatchedPrefix; ts: number }>();
  for (const groups of groupsBySource.values()) {
    for (const group of groups) {
      for (const watched of group.owners) {
        const seen = latestByPrefix.get(watched.id);
        if (!seen) latestByPrefix.set(watched.id, { watched, ts: group.latest });
        else if (group.latest > seen.ts) seen.ts = group.latest;
      }
    }
  }
  return { touched, matched, latestByPrefix };
}

const GRANULARITIES = ['FIVE_MINUTES', 'ONE_HOUR'] as const;

export type Limits = { threshold: number; baseline: number | null };

/**
 * What one batch or tick reads about latency, kept for its duration. Prefixes that share a measured /24 (or /48)
 * share it, so each is read or computed once per measured prefix, not once per registered prefix: the thresholds
 * from the trailing 24 hours per measured prefix and bucket start, and the closed 5-minute buckets per measured
 * prefix and range (registered prefixes that share one usually have the same evaluation cursor).
 */
export interface LatencyBatchCache {
  /** By measured prefix and bucket start. */
  thresholds: Map<string, Limits | null>;
  /** By measured prefix and range: the buckets, and their thresholds by start. */
  buckets: Map<string, ClosedBucket[]>;
  derived: Map<string, Map<number, Limits | null>>;
}

export const newLatencyBatchCache = (): LatencyBatchCache => ({
  thresholds: new Map(),
  buckets: new Map(),
  derived: new Map(),
});

const thresholdOf = (baseline: number): Limits => ({ threshold: Math.max(2 * baseline, baseline + 20), baseline });

/**
 * The derived thresholds of consecutive buckets of one measured prefix: the median p95 of the 5-minute buckets in the
 * 24 hours before each start (null while there are fewer than MIN_BASELINE_BUCKETS). One range read for the whole run
 * and a sliding window kept sorted, instead of re-reading 24 hours for every bucket.
 */
function baselines(
  q: LatencyQueries,
  measuredPrefix: string,
  buckets: ClosedBucket[],
  cache: LatencyBatchCache['thresholds'],
) {
  const out = new Map<number, Limits | null>();
  const missing: number[] = [];
  for (const { start } of buckets) {
    const cached = cache.get(`${measuredPrefix}|${start}`);
    if (cached !== undefined) out.set(start, cached);
    else missing.push(start);
  }
  if (!missing.length) return out;
  const first = missing[0]!;
  // `buckets` holds every bucket from its first start on: only the 24 hours before `first` are read. (Buckets at or
  // after the last missing start never enter the window.)
  const history = [
    ...q.fiveMinute(measuredPrefix, first - BASELINE_WINDOW_MS, first),
    ...buckets.slice(buckets.findIndex((b) => b.start >= first)),
  ];
  const window: number[] = [];
  let lo = 0;
  let hi = 0;
  for (const start of missing) {
    while (hi < history.length && history[hi]!.start < start) insertSorted(window, history[hi++]!.p95Ms);
    while (lo < hi && history[lo]!.start < start - BASELINE_WINDOW_MS) removeSorted(window, history[lo++]!.p95Ms);
    const limits = window.length < MIN_BASELINE_BUCKETS ? null : thresholdOf(sortedMedian(window));
    cache.set(`${measuredPrefix}|${start}`, limits);
    out.set(start, limits);
  }
  return out;
}

function lowerBound(sorted: number[], value: number): number {
  let a = 0;
  let b = sorted.length;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (sorted[m]! < value) a = m + 1;
    else b = m;
  }
  return a;
}
const insertSorted = (sorted: number[], value: number) => sorted.splice(lowerBound(sorted, value), 0, value);
const removeSorted = (sorted: number[], value: number) => sorted.splice(lowerBound(sorted, value), 1);
const sortedMedian = (sorted: number[]) => {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

type Cursor = { last: number; ok: number };

/**
 * Evaluates the closed 5-minute buckets of a prefix (those that end at or before `closedBefore`) that were not
 * evaluated yet: LATENCY_DEGRADED when a p95 exceeds the threshold, LATENCY_RECOVERED after two consecutive
 * buckets back under it. One event per episode.
 */
export function evaluateLatency(
  db: DB,
  q: LatencyQueries,
  state: {
    get(prefixId: number): Map<string, unknown>;
    open(id: number, key: string, data: unknown, at: number): void;
    close(id: number, key: string): void;
  },
  watched: WatchedPrefix,
  closedBefore: number,
  outbox: Outbox,
  cache: LatencyBatchCache = newLatencyBatchCache(),
): void {
  const measuredPrefix = measuredPrefixFor(watched);
  const watchState = state.get(watched.id);
  const cursor = (watchState.get('latency:cursor') as Cursor | undefined) ?? { last: -1, ok: 0 };
  let degraded = watchState.has('latency:degraded');
  const limit = bucketStart(closedBefore, 'FIVE_MINUTES');
  const rangeKey = `${measuredPrefix}|${cursor.last + 1}|${limit}`;
  let buckets = cache.buckets.get(rangeKey);
  if (!buckets) {
    buckets = q.fiveMinute(measuredPrefix, cursor.last + 1, limit);
    cache.buckets.set(rangeKey, buckets);
  }
  if (!buckets.length) return;
  let derived: Map<number, Limits | null> | null = null;
  if (watched.latencyThresholdMs == null) {
    derived = cache.derived.get(rangeKey) ?? null;
    if (!derived) {
      derived = baselines(q, measuredPrefix, buckets, cache.thresholds);
      cache.derived.set(rangeKey, derived);
    }
  }
  for (const bucket of buckets) {
    cursor.last = bucket.start;
    const limits: Limits | null = derived
      ? (derived.get(bucket.start) ?? null)
      : { threshold: watched.latencyThresholdMs!, baseline: null };
    if (!limits) continue;
    if (bucket.p95Ms > limits.threshold) {
      cursor.ok = 0;
      if (!degraded) {
        degraded = true;
        const when = new Date(bucket.start).toISOString();
        const baselineText =
          limits.baseline == null
            ? 'configured threshold'
            : `trailing 24 h p95 median ${limits.baseline.toFixed(1)} ms`;
        state.open(watched.id, 'latency:degraded', { since: bucket.start }, bucket.start);
        emitEvent(db, outbox, watched, bucket.start + BUCKET_MS.FIVE_MINUTES, {
          type: 'LATENCY_DEGRADED',
          summary: `p95 latency ${bucket.p95Ms.toFixed(1)} ms above ${limits.threshold.toFixed(1)} ms for ${measuredPrefix}`,
          description: `In the 5 minutes from ${when}, the p95 round-trip time of ${measuredPrefix} was ${bucket.p95Ms.toFixed(1)} ms (${bucket.sampleCount} samples), above the threshold of ${limits.threshold.toFixed(1)} ms (${baselineText}). Check the partner's path to Microsoft.`,
          observedPrefix: tryParseCidr(measuredPrefix),
        });
      }
    } else if (degraded) {
      cursor.ok++;
      if (cursor.ok >= RECOVERY_BUCKETS) {
        const when = new Date(bucket.start).toISOString();
        degraded = false;
        cursor.ok = 0;
        state.close(watched.id, 'latency:degraded');
        emitEvent(db, outbox, watched, bucket.start + BUCKET_MS.FIVE_MINUTES, {
          type: 'LATENCY_RECOVERED',
          summary: `p95 latency back under ${limits.threshold.toFixed(1)} ms for ${measuredPrefix}`,
          description: `The p95 round-trip time of ${measuredPrefix} has been under ${limits.threshold.toFixed(1)} ms for ${RECOVERY_BUCKETS} consecutive 5-minute buckets (last: ${bucket.p95Ms.toFixed(1)} ms from ${when}).`,
          observedPrefix: tryParseCidr(measuredPrefix),
        });
      }
    }
  }
  state.open(watched.id, 'latency:cursor', cursor, closedBefore);
}
