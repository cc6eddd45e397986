import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { ingest, serviceWithPrefix, withdraw } from './helpers/factories.js';
import { coltPeers, freshPrefix, ingestLatency, verifyPrefix, wsSubscribe } from './helpers/telemetry-kit.js';

/**
 * Issue 9, the state-then-live recipe (README): query the state and a cursor, then subscribe from it over graphql-ws;
 * what changed in between arrives once, then live changes. Validation changes are in the event log
 * (VALIDATION_STATE_CHANGED); latency buckets resume with `latencyUpdated(since:)`.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  await t.listen();
});
afterAll(() => t.close());

const FIVE_MIN = 5 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const hostIn = (prefix: string) => prefix.replace(/\.0\/\d+$/, '.7');

describe('state then live', () => {
  it('validation: a change between the query and the subscription arrives once, then live ones', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    await verifyPrefix(t, f);
    // 1. state, and the cursor to continue from
    const state = await t.ok(
      `query State($id: ID!) {
        node(id: $id) { ... on Prefix { validationState } }
        prefixEvents(first: 1, orderBy: { field: SEQUENCE, direction: DESC }) { edges { cursor } }
      }`,
      { id: f.prefixId },
      f.customer.token,
    );
    expect(state.node.validationState).toBe('VERIFIED');
    const cursor = state.prefixEvents.edges[0].cursor as string;
    // 2. something changes before the subscription starts
    await ingest(t, [withdraw(coltPeers().primary[0]!, [f.prefix])]);
    // 3. live, from the cursor
    const sub = wsSubscribe(
      t.wsClient(f.customer.token),
      `subscription Validation($after: String) {
        prefixEvents(after: $after, filter: { types: [VALIDATION_STATE_CHANGED] }) {
          ... on PrefixEvent { cursor summary prefix { id validationState errorMessage } }
        }
      }`,
      { after: cursor },
    );
    const [missed] = await sub.count(1);
    expect(missed.prefix.id).toBe(f.prefixId);
    expect(missed.summary).toBe('Validation VERIFIED -> WARNING');
    // a live change after that
    await verifyPrefix(t, f);
    const items = await sub.count(2);
    expect(items[1].summary).toBe('Validation WARNING -> VERIFIED');
    expect(items[1].prefix.validationState).toBe('VERIFIED');
    await new Promise((r) => setTimeout(r, 200));
    expect(sub.items).toHaveLength(2);
    expect(new Set(sub.items.map((i) => i.cursor)).size).toBe(2);
    sub.stop();
  });

  it('latency: latencyUpdated(since:) first pushes the buckets that changed since the query, then live ones', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const source = hostIn(f.prefix);
    const now = t.clock.now();
    const current = Math.floor(now / FIVE_MIN) * FIVE_MIN - FIVE_MIN;
    const first = await ingestLatency(t, [{ source, timestamp: iso(current + 1000), rttMs: 10 }]);
    expect(first, JSON.stringify(first)).toMatchObject({ accepted: 1, ignored: 0 });
    // 1. state
    const state = await t.ok(
      `query Latency($id: ID!) { node(id: $id) { ... on Prefix {
        latency(range: LAST_1_DAY, granularity: FIVE_MINUTES) { buckets { start sampleCount } } } } }`,
      { id: f.prefixId },
      f.customer.token,
    );
    const buckets = state.node.latency.buckets;
    expect(buckets.at(-1)).toEqual({ start: iso(current), sampleCount: 1 });
    // 2. the newest bucket gets more samples before the subscription starts, and an older one is untouched
    await ingestLatency(t, [
      { source, timestamp: iso(current + 2000), rttMs: 12 },
      { source, timestamp: iso(current + 3000), rttMs: 14 },
    ]);
    // 3. live, from the newest bucket's start
    const sub = wsSubscribe(
      t.wsClient(f.customer.token),
      `subscription LatencyLive($id: ID, $since: DateTime) {
        latencyUpdated(prefixId: $id, granularity: FIVE_MINUTES, since: $since) {
          prefix { id } bucket { start sampleCount }
        }
      }`,
      { id: f.prefixId, since: buckets.at(-1).start },
    );
    const [replayed] = await sub.count(1);
    expect(replayed).toEqual({ prefix: { id: f.prefixId }, bucket: { start: iso(current), sampleCount: 3 } });
    // live: a sample in the next bucket
    await ingestLatency(t, [{ source, timestamp: iso(current + FIVE_MIN + 1000), rttMs: 11 }]);
    const items = await sub.count(2, 5000);
    expect(items[1].bucket).toEqual({ start: iso(current + FIVE_MIN), sampleCount: 1 });
    sub.stop();
  });

  it('latency: `since` more than 24 hours back is refused', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const sub = wsSubscribe(
      t.wsClient(f.customer.token),
      `subscription($since: DateTime) { latencyUpdated(since: $since) { bucket { start } } }`,
      { since: iso(t.clock.now() - 25 * 3_600_000) },
    );
    const errors = await sub.failed();
    expect(errors[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});
