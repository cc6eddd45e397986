import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { events, serviceWithPrefix } from './helpers/factories.js';
import {
  freshPrefix,
  ingestLatency,
  LATENCY_QUERY,
  type LatencySample,
  latency,
  primeSubscription,
  wsSubscribe,
} from './helpers/telemetry-kit.js';

/** Issue 3, latency: sketch buckets, percentiles, ranges, degradation events and the latencyUpdated stream. */

const FIVE_MIN = 5 * 60_000;
const HOUR = 3_600_000;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

/** Deterministic PRNG (mulberry32). */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** A skewed RTT distribution: a log-normal body around 20 ms and a heavy (Pareto) tail. */
function skewedRtts(n: number, seed: number) {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const u1 = Math.max(r(), 1e-12);
    const u2 = r();
    const normal = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    const body = Math.exp(Math.log(20) + 0.35 * normal);
    return r() < 0.1 ? body + 40 / Math.max(r(), 1e-3) ** 0.8 : body;
  }).map((v) => Math.round(v * 1000) / 1000);
}

/** The exact quantile with DDSketch's definition: the sorted value at rank floor(q * (n - 1)). */
function exactQuantile(values: number[], q: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

function expectWithinRelative(actual: number, exact: number, rel = 0.01) {
  expect(Math.abs(actual - exact)).toBeLessThanOrEqual(exact * rel + 1e-9);
}

function expectPercentiles(bucket: { p50Ms: number; p95Ms: number; p99Ms: number }, values: number[]) {
  expectWithinRelative(bucket.p50Ms, exactQuantile(values, 0.5));
  expectWithinRelative(bucket.p95Ms, exactQuantile(values, 0.95));
  expectWithinRelative(bucket.p99Ms, exactQuantile(values, 0.99));
}

/** An address inside `prefix` (its network address + `host`). */
const hostIn = (prefix: string, host = 7) => {
  const [a, b, c] = prefix.split('/')[0]!.split('.').map(Number);
  return `${a}.${b}.${c! + Math.floor(host / 256)}.${host % 256}`;
};
const iso = (ms: number) => new Date(ms).toISOString();
const aligned = (ms: number, size: number) => Math.floor(ms / size) * size;
const samplesAt = (source: string, start: number, values: number[], spacingMs = 100): LatencySample[] =>
  values.map((rttMs, i) => ({ source, timestamp: iso(start + i * spacingMs), rttMs }));

describe('buckets and percentiles', () => {
  it('p50/p95/p99 of 2000 skewed samples in one 5-minute bucket are within 1% of the exact values', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const start = aligned(t.clock.now(), FIVE_MIN) - 2 * FIVE_MIN;
    const values = skewedRtts(2000, 42);
    const source = hostIn(f.prefix, 10);
    const samples = samplesAt(source, start, values);
    // in four calls, so the bucket's sketch is read back and extended
    for (let i = 0; i < 4; i++) {
      const result = await ingestLatency(t, samples.slice(i * 500, (i + 1) * 500));
      expect(result).toMatchObject({ accepted: 500, rejected: 0, ignored: 0, userErrors: [] });
    }
    const series = await latency(t, f.prefixId, 'LAST_6_HOURS', 'FIVE_MINUTES');
    expect(series).toMatchObject({ measuredPrefix: f.prefix, granularity: 'FIVE_MINUTES' });
    expect(series.buckets).toHaveLength(1);
    const bucket = series.buckets[0]!;
    expect(bucket.start).toBe(iso(start));
    expect(bucket.sampleCount).toBe(2000);
    expect(bucket.minMs).toBe(Math.min(...values));
    expect(bucket.maxMs).toBe(Math.max(...values));
    expectPercentiles(bucket, values);
    // the distribution is really skewed: p99 far above p50
    expect(bucket.p99Ms).toBeGreaterThan(3 * bucket.p50Ms);
  });

  it('1-hour buckets hold every sample of their 5-minute buckets', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const hour = aligned(t.clock.now(), HOUR) - HOUR;
    const parts = [0, 3, 11].map((slot, i) => ({
      start: hour + slot * FIVE_MIN,
      values: skewedRtts(400 + 100 * i, 7 + i).map((v) => v * (1 + i)),
    }));
    for (const part of parts)
      await ingestLatency(t, samplesAt(hostIn(f.prefix, 1 + (part.values.length % 200)), part.start, part.values, 500));

    const five = await latency(t, f.prefixId, 'LAST_6_HOURS', 'FIVE_MINUTES');
    expect(five.buckets.map((b) => b.start)).toEqual(parts.map((p) => iso(p.start)));
    five.buckets.forEach((bucket, i) => {
      expect(bucket.sampleCount).toBe(parts[i]!.values.length);
      expectPercentiles(bucket, parts[i]!.values);
    });

    const hourly = await latency(t, f.prefixId, 'LAST_1_DAY', 'ONE_HOUR');
    expect(hourly.granularity).toBe('ONE_HOUR');
    expect(hourly.buckets).toHaveLength(1);
    const all = parts.flatMap((p) => p.values);
    const bucket = hourly.buckets[0]!;
    expect(bucket.start).toBe(iso(hour));
    expect(bucket.sampleCount).toBe(all.length);
    expect(bucket.minMs).toBe(Math.min(...all));
    expect(bucket.maxMs).toBe(Math.max(...all));
    expectPercentiles(bucket, all);
  });

  it('measures at /24 for a longer registered prefix and at the registered prefix for a shorter one', async () => {
    const small = await serviceWithPrefix(t, { prefix: freshPrefix(25) });
    const large = await serviceWithPrefix(t, { prefix: freshPrefix(23) });
    const ts = aligned(t.clock.now(), FIVE_MIN) - FIVE_MIN;
    const result = await ingestLatency(t, [
      { source: hostIn(small.prefix, 5), timestamp: iso(ts), rttMs: 10 },
      { source: hostIn(small.prefix, 100), timestamp: iso(ts + 1000), rttMs: 30 },
      // both /24 halves of the /23, given as an address and as a /24
      { source: hostIn(large.prefix, 9), timestamp: iso(ts), rttMs: 12 },
      { source: `${hostIn(large.prefix, 256).replace(/\.\d+$/, '.0')}/24`, timestamp: iso(ts + 1000), rttMs: 14 },
      { source: hostIn(large.prefix, 300), timestamp: iso(ts + 2000), rttMs: 16 },
      // outside every registered prefix
      { source: '8.8.8.8', timestamp: iso(ts), rttMs: 1 },
    ]);
    expect(result).toMatchObject({ accepted: 6, rejected: 0, ignored: 1 });

    const smallSeries = await latency(t, small.prefixId, 'LAST_1_DAY');
    const [a, b, c] = small.prefix.split('.');
    expect(smallSeries).toMatchObject({ measuredPrefix: `${a}.${b}.${c}.0/24`, granularity: 'FIVE_MINUTES' });
    expect(smallSeries.buckets.map((x) => [x.sampleCount, x.minMs, x.maxMs])).toEqual([[2, 10, 30]]);

    const largeSeries = await latency(t, large.prefixId, 'LAST_1_DAY', 'FIVE_MINUTES');
    expect(largeSeries.measuredPrefix).toBe(large.prefix);
    expect(largeSeries.buckets.map((x) => [x.sampleCount, x.minMs, x.maxMs])).toEqual([[3, 12, 16]]);
  });

  it('ignores samples outside every registered prefix and rejects malformed ones with a field path', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const now = t.clock.now();
    const result = await ingestLatency(t, [
      { source: '9.9.9.9', timestamp: iso(now - 1000), rttMs: 5 },
      { source: hostIn(f.prefix), timestamp: iso(now - 1000), rttMs: 5 },
      { source: 'not-an-address', timestamp: iso(now - 1000), rttMs: 5 },
      { source: hostIn(f.prefix), timestamp: iso(now - 1000), rttMs: -1 },
      { source: hostIn(f.prefix), timestamp: iso(now + HOUR), rttMs: 5 },
      { source: hostIn(f.prefix), timestamp: iso(now - 400 * 24 * HOUR), rttMs: 5 },
    ]);
    expect(result.accepted).toBe(2);
    expect(result.ignored).toBe(1);
    expect(result.rejected).toBe(4);
    expect(result.userErrors.map((e: any) => [e.code, e.field])).toEqual([
      ['INVALID_INPUT', ['input', 'samples', '2', 'source']],
      ['INVALID_INPUT', ['input', 'samples', '3', 'rttMs']],
      ['INVALID_INPUT', ['input', 'samples', '4', 'timestamp']],
      ['INVALID_INPUT', ['input', 'samples', '5', 'timestamp']],
    ]);
    const series = await latency(t, f.prefixId, 'LAST_6_HOURS');
    expect(series.buckets.map((b) => b.sampleCount)).toEqual([1]);
  });
});

describe('ranges', () => {
  it('a 30-day ONE_HOUR range returns at most 720 hourly buckets, oldest first', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const now = t.clock.now();
    const hourNow = aligned(now, HOUR);
    // one sample in each of the last 722 hours (30 days and 2 hours), in one batch
    const samples = Array.from({ length: 722 }, (_, k) => ({
      source: hostIn(f.prefix),
      timestamp: iso(hourNow - k * HOUR),
      rttMs: 10 + (k % 50),
    }));
    expect(await ingestLatency(t, samples)).toMatchObject({ accepted: 722, rejected: 0 });
    const series = await latency(t, f.prefixId, 'LAST_30_DAYS');
    expect(series.granularity).toBe('ONE_HOUR');
    // the hours that start within (now - 30 days, now]: exactly 720
    expect(series.buckets).toHaveLength(720);
    const starts = series.buckets.map((b) => Date.parse(b.start));
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(new Set(starts).size).toBe(starts.length);
    expect(starts[0]).toBeGreaterThan(now - 30 * 24 * HOUR - HOUR);
    expect(starts.at(-1)).toBeLessThanOrEqual(now);
    expect(series.buckets.every((b) => b.sampleCount === 1)).toBe(true);
  });

  it('returns the few hourly buckets there are, in order, within the range', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const hourNow = aligned(t.clock.now(), HOUR);
    const ages = [31 * 24, 29 * 24, 10 * 24 + 3, 5, 1];
    await ingestLatency(
      t,
      ages.map((h, i) => ({ source: hostIn(f.prefix), timestamp: iso(hourNow - h * HOUR + 60_000), rttMs: 10 + i })),
    );
    const month = await latency(t, f.prefixId, 'LAST_30_DAYS', 'ONE_HOUR');
    expect(month.buckets.map((b) => b.start)).toEqual(ages.slice(1).map((h) => iso(hourNow - h * HOUR)));
    expect(month.buckets.map((b) => b.minMs)).toEqual([11, 12, 13, 14]);
    const week = await latency(t, f.prefixId, 'LAST_7_DAYS');
    expect(week.granularity).toBe('ONE_HOUR');
    expect(week.buckets.map((b) => b.minMs)).toEqual([13, 14]);
    const sixHours = await latency(t, f.prefixId, 'LAST_6_HOURS');
    expect(sixHours.granularity).toBe('FIVE_MINUTES');
    expect(sixHours.buckets.map((b) => b.minMs)).toEqual([13, 14]);
  });

  it('refuses FIVE_MINUTES beyond one day (BAD_USER_INPUT)', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    for (const range of ['LAST_7_DAYS', 'LAST_30_DAYS']) {
      const res = await t.gql(LATENCY_QUERY, { id: f.prefixId, range, g: 'FIVE_MINUTES' });
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    const ok = await t.gql(LATENCY_QUERY, { id: f.prefixId, range: 'LAST_1_DAY', g: 'FIVE_MINUTES' });
    expect(ok.errors).toBeUndefined();
  });

  it('is visible to the owning customer only', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const other = await serviceWithPrefix(t, { prefix: freshPrefix() });
    expect((await latency(t, f.prefixId, 'LAST_1_DAY', undefined, f.customer.token)).measuredPrefix).toBe(f.prefix);
    const res = await t.gql(LATENCY_QUERY, { id: f.prefixId, range: 'LAST_1_DAY' }, other.customer.token);
    expect(res.data?.node ?? null).toBeNull();
  });
});

describe('LATENCY_DEGRADED / LATENCY_RECOVERED', () => {
  const latencyEvents = async (prefixId: string) =>
    (await events(t, prefixId)).filter((e) => e.type.startsWith('LATENCY_'));
  /** `n` consecutive 5-minute buckets of `perBucket` samples around `ms`, the last one ending at `end`. */
  const buckets = (source: string, end: number, n: number, ms: (i: number, j: number) => number, perBucket = 20) =>
    Array.from({ length: n }, (_, i) => {
      const start = end - (n - i) * FIVE_MIN;
      return Array.from({ length: perBucket }, (_, j) => ({
        source,
        timestamp: iso(start + j * 5000),
        rttMs: ms(i, j),
      }));
    }).flat();

  it('degrades when a closed 5-minute p95 exceeds 2x the trailing-24h p95 median, once, and recovers after 2 good buckets', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const source = hostIn(f.prefix);
    const base = aligned(t.clock.now(), FIVE_MIN);
    // 24 baseline buckets ending at `base`, p95 about 24 ms: the threshold is about 48 ms
    await ingestLatency(
      t,
      buckets(source, base, 24, (_i, j) => 15 + (j % 10)),
    );
    expect(await latencyEvents(f.prefixId)).toEqual([]);

    // a bad bucket: open until a later sample arrives or the clock passes its end
    await ingestLatency(t, samplesAt(source, base, Array(20).fill(100), 5000));
    expect(await latencyEvents(f.prefixId)).toEqual([]);
    t.clock.advance(FIVE_MIN);
    t.app.telemetry.tick();
    let found = await latencyEvents(f.prefixId);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      type: 'LATENCY_DEGRADED',
      azureEventType: 'LATENCY_DEGRADED',
      level: 'WARNING',
      observedPrefix: f.prefix,
    });
    expect(found[0].summary).toMatch(/100\.0 ms/);
    expect(found[0].description).toMatch(/threshold of 4\d\.\d ms/);

    // still bad: no second event (closed by a later sample this time)
    await ingestLatency(t, samplesAt(source, base + FIVE_MIN, Array(20).fill(90), 5000));
    await ingestLatency(t, samplesAt(source, base + 2 * FIVE_MIN, Array(20).fill(20), 5000));
    expect(await latencyEvents(f.prefixId)).toHaveLength(1);
    // one good bucket closed: not yet recovered
    t.clock.advance(2 * FIVE_MIN);
    t.app.telemetry.tick();
    expect(await latencyEvents(f.prefixId)).toHaveLength(1);
    // the second consecutive good bucket
    await ingestLatency(t, samplesAt(source, base + 3 * FIVE_MIN, Array(20).fill(21), 5000));
    t.clock.advance(FIVE_MIN);
    t.app.telemetry.tick();
    found = await latencyEvents(f.prefixId);
    expect(found.map((e) => [e.type, e.level])).toEqual([
      ['LATENCY_DEGRADED', 'WARNING'],
      ['LATENCY_RECOVERED', 'INFORMATION'],
    ]);
    // and a new episode raises again
    await ingestLatency(t, samplesAt(source, base + 4 * FIVE_MIN, Array(20).fill(150), 5000));
    t.clock.advance(FIVE_MIN);
    t.app.telemetry.tick();
    expect((await latencyEvents(f.prefixId)).map((e) => e.type)).toEqual([
      'LATENCY_DEGRADED',
      'LATENCY_RECOVERED',
      'LATENCY_DEGRADED',
    ]);
  });

  it('uses at least the median + 20 ms as the threshold for low-latency prefixes', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const source = hostIn(f.prefix);
    const base = aligned(t.clock.now(), FIVE_MIN);
    // baseline p95 10 ms: 2x would be 20 ms, but the threshold is 30 ms
    await ingestLatency(
      t,
      buckets(source, base, 13, () => 10),
    );
    await ingestLatency(t, samplesAt(source, base, Array(20).fill(28), 5000));
    await ingestLatency(t, samplesAt(source, base + FIVE_MIN, Array(20).fill(35), 5000));
    expect(await latencyEvents(f.prefixId)).toEqual([]);
    t.clock.advance(2 * FIVE_MIN);
    t.app.telemetry.tick();
    const found = await latencyEvents(f.prefixId);
    expect(found.map((e) => e.type)).toEqual(['LATENCY_DEGRADED']);
    expect(found[0].summary).toMatch(/35\.0 ms above 30\.0 ms/);
  });

  it('needs 12 buckets of history before judging', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const source = hostIn(f.prefix);
    const base = aligned(t.clock.now(), FIVE_MIN);
    await ingestLatency(
      t,
      buckets(source, base, 11, () => 10),
    );
    await ingestLatency(t, samplesAt(source, base, Array(20).fill(500), 5000));
    t.clock.advance(FIVE_MIN);
    t.app.telemetry.tick();
    expect(await latencyEvents(f.prefixId)).toEqual([]);
  });
});

describe('latencyUpdated subscription', () => {
  it('pushes the bucket that changed and coalesces bursts (at most 2 pushes per bucket within a second)', async () => {
    await t.listen();
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const other = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const source = hostIn(f.prefix);
    const sub = wsSubscribe(
      t.wsClient(f.customer.token),
      `subscription($p: ID) { latencyUpdated(prefixId: $p, granularity: FIVE_MINUTES) {
        granularity prefix { id prefix } bucket { start sampleCount p50Ms p95Ms p99Ms minMs maxMs } } }`,
      { p: f.prefixId },
    );
    // prime on an older bucket so the bucket under test starts with no coalescing window open
    const old = aligned(t.clock.now(), FIVE_MIN) - 6 * FIVE_MIN;
    let k = 0;
    await primeSubscription(sub, () => ingestLatency(t, [{ source, timestamp: iso(old + k++), rttMs: 1 }]));

    const bucketStart = aligned(t.clock.now(), FIVE_MIN) - 2 * FIVE_MIN;
    const inBucket = () => sub.items.filter((u) => u.bucket.start === iso(bucketStart));
    const began = Date.now();
    for (let i = 0; i < 10; i++) {
      await ingestLatency(t, [{ source, timestamp: iso(bucketStart + i * 1000), rttMs: 10 + i }]);
    }
    const burstMs = Date.now() - began;
    // other prefixes' samples are not pushed to this subscription
    await ingestLatency(t, [{ source: hostIn(other.prefix), timestamp: iso(bucketStart), rttMs: 5 }]);
    await sub.until(() => inBucket().some((u) => u.bucket.sampleCount === 10), 'the final state of the bucket');
    // the window after the last push must pass with nothing more
    await new Promise((r) => setTimeout(r, 1300));
    const pushes = inBucket();
    if (burstMs < 1000) expect(pushes.length).toBeLessThanOrEqual(2);
    expect(pushes.length).toBeGreaterThanOrEqual(1);
    expect(pushes.at(-1)).toEqual({
      granularity: 'FIVE_MINUTES',
      prefix: { id: f.prefixId, prefix: f.prefix },
      bucket: {
        start: iso(bucketStart),
        sampleCount: 10,
        p50Ms: expect.any(Number),
        p95Ms: expect.any(Number),
        p99Ms: expect.any(Number),
        minMs: 10,
        maxMs: 19,
      },
    });
    expect(sub.items.every((u) => u.prefix.id === f.prefixId && u.granularity === 'FIVE_MINUTES')).toBe(true);
    expect(sub.errors).toEqual([]);
  });

  it('refuses a prefix or peering service of another customer (NOT_FOUND)', async () => {
    await t.listen();
    const a = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const b = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const client = t.wsClient(b.customer.token);
    const byPrefix = wsSubscribe(client, `subscription($p: ID) { latencyUpdated(prefixId: $p) { granularity } }`, {
      p: a.prefixId,
    });
    const byService = wsSubscribe(
      client,
      `subscription($s: ID) { latencyUpdated(peeringServiceId: $s) { granularity } }`,
      { s: a.serviceId },
    );
    expect((await byPrefix.failed())[0].extensions?.code).toBe('NOT_FOUND');
    expect((await byService.failed())[0].extensions?.code).toBe('NOT_FOUND');
    expect(byPrefix.items).toEqual([]);
    expect(byService.items).toEqual([]);
  });
});
