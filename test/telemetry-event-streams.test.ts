import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTestApp, OPERATOR_TOKEN, type TestApp } from './helpers/app.js';
import { announce, createToken, ingest, serviceWithPrefix, withdraw } from './helpers/factories.js';
import { allEvents, coltPeers, freshPrefix, type Sub, sseSubscribe, wsSubscribe } from './helpers/telemetry-kit.js';

/** Issue 3, prefixEvents subscriptions over graphql-ws and SSE: live, resume, replay races, retention, tenancy. */

let t: TestApp;
let urls: { http: string; ws: string; base: string };
beforeAll(async () => {
  t = await createTestApp();
  urls = await t.listen();
  // one event in the log, so that `latestCursor()` always has a cursor to resume from
  const warmUp = await serviceWithPrefix(t, { prefix: freshPrefix() });
  await ingest(t, [announce(primary[0]!, [warmUp.prefix])]);
});
afterAll(() => t.close());

const { primary } = coltPeers();

const SUB = `subscription($f: PrefixEventFilter, $after: String) {
  prefixEvents(filter: $f, after: $after) {
    __typename
    ... on PrefixEvent { cursor type level observedPrefix prefix { id } }
    ... on ResyncRequired { oldestAvailableCursor reason }
  }
}`;

/** The newest cursor of the whole log (as operator), or null when it is empty. */
async function latestCursor(): Promise<string> {
  const data = await t.ok('{ prefixEvents(last: 1) { edges { cursor } } }');
  return data.prefixEvents.edges[0].cursor;
}

/** `n` alternating announcements/withdrawals of `prefix` on one primary session: one session event each. */
function flaps(prefix: string, n: number, peer = primary[0]!) {
  return Array.from({ length: n }, (_, i) => (i % 2 === 0 ? announce(peer, [prefix]) : withdraw(peer, [prefix])));
}

/** Cursors of the log for one prefix after `after` (the reference a stream must match). */
async function logAfter(prefixId: string, after: string | null, token?: string) {
  return (await allEvents(t, { prefixId }, after, token)).map((e) => e.cursor as string);
}

const INGEST = `mutation($i: IngestRouteUpdatesInput!) { ingestRouteUpdates(input: $i) { accepted } }`;

const cursors = (sub: Sub) => sub.items.filter((i) => i.__typename === 'PrefixEvent').map((i) => i.cursor as string);

describe('graphql-ws', () => {
  it('replays from `after` and continues live, in log order, each event once', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const c0 = await latestCursor();
    await ingest(t, flaps(f.prefix, 3));
    const replayed = await logAfter(f.prefixId, c0);
    expect(replayed.length).toBeGreaterThanOrEqual(3);

    const sub = wsSubscribe(t.wsClient(f.customer.token), SUB, { f: { prefixId: f.prefixId }, after: c0 });
    await sub.count(replayed.length);
    expect(cursors(sub)).toEqual(replayed);
    expect(sub.items[0]).toMatchObject({ __typename: 'PrefixEvent', type: 'ANNOUNCEMENT', observedPrefix: f.prefix });

    // live
    await ingest(t, flaps(f.prefix, 4));
    const all = await logAfter(f.prefixId, c0);
    await sub.count(all.length);
    expect(cursors(sub)).toEqual(all);
    expect(sub.items.every((i) => i.prefix.id === f.prefixId)).toBe(true);
    expect(sub.errors).toEqual([]);
  });

  it('delivers a live event within milliseconds of its ingestion (measured)', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const c0 = await latestCursor();
    await ingest(t, flaps(f.prefix, 1));
    const sub = wsSubscribe(t.wsClient(f.customer.token), SUB, { f: { prefixId: f.prefixId }, after: c0 });
    await sub.count(1);
    const latencies: number[] = [];
    for (let i = 0; i < 30; i++) {
      const have = sub.items.length;
      const started = performance.now();
      await ingest(t, [i % 2 === 0 ? withdraw(primary[0]!, [f.prefix]) : announce(primary[0]!, [f.prefix])]);
      await sub.until(() => sub.items.length > have, 'the live event');
      latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    const median = latencies[Math.floor(latencies.length / 2)]!;
    console.info(
      `event delivery (ingest call to graphql-ws client): median ${median.toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`,
    );
    expect(median).toBeLessThan(1000);
  });

  it('resumes after a disconnect with exactly the missed events, once, in order, then live ones', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const c0 = await latestCursor();
    await ingest(t, flaps(f.prefix, 2));
    const first = t.wsClient(f.customer.token);
    const sub1 = wsSubscribe(first, SUB, { f: { prefixId: f.prefixId }, after: c0 });
    await sub1.count((await logAfter(f.prefixId, c0)).length);
    await ingest(t, flaps(f.prefix, 3, primary[1]!));
    const seenBefore = await logAfter(f.prefixId, c0);
    await sub1.count(seenBefore.length);
    expect(cursors(sub1)).toEqual(seenBefore);
    const last = cursors(sub1).at(-1)!;

    const closed = new Promise<void>((resolve) => first.on('closed', () => resolve()));
    await first.dispose();
    await closed;
    // missed while disconnected
    await ingest(t, flaps(f.prefix, 5));
    const missed = await logAfter(f.prefixId, last);
    expect(missed.length).toBeGreaterThanOrEqual(5);

    const sub2 = wsSubscribe(t.wsClient(f.customer.token), SUB, { f: { prefixId: f.prefixId }, after: last });
    await sub2.count(missed.length);
    expect(cursors(sub2)).toEqual(missed);
    await ingest(t, flaps(f.prefix, 2, primary[1]!));
    const everything = await logAfter(f.prefixId, last);
    await sub2.count(everything.length);
    expect(cursors(sub2)).toEqual(everything);
    expect(new Set(cursors(sub2)).size).toBe(everything.length);
    expect(sub1.items.length).toBe(seenBefore.length);
  });

  it('neither loses nor duplicates events published while a long replay is running', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const c0 = await latestCursor();
    await ingest(t, flaps(f.prefix, 700));
    const history = await logAfter(f.prefixId, c0);
    expect(history.length).toBeGreaterThanOrEqual(700);

    // Deterministic overlap, through the SQL log of the test app: publish a batch through the engine (1) when the
    // replay reads its second page of the log (those events are both in that page and in the stream's live
    // buffer), and (2) while the stream is delivering that page, after it was read: resolving `prefix { id }` of
    // each delivered event loads the prefix, so the 600th load is the 600th delivered event (those events are only
    // in the live buffer).
    const replayRead =
      /from "prefix_events" where .*"prefix_events"."seq" > \? *\) *\) order by "prefix_events"."seq" asc limit/;
    const push = t.sql.push;
    let pageReads = 0;
    let prefixLoads = 0;
    const injected: number[] = [];
    t.sql.push = (...queries: string[]) => {
      for (const q of queries) {
        const atPageTwo = replayRead.test(q) && ++pageReads === 2;
        const atEvent600 = /from "prefixes"/.test(q) && ++prefixLoads === 600;
        if (atPageTwo || atEvent600) {
          injected.push(prefixLoads);
          t.app.telemetry.ingestRouteUpdates(flaps(f.prefix, 6, primary[1]!) as never);
        }
      }
      return push.apply(t.sql, queries);
    };
    const sub = wsSubscribe(t.wsClient(OPERATOR_TOKEN), SUB, { f: { prefixId: f.prefixId }, after: c0 });
    try {
      // and keep publishing small batches over GraphQL while the stream catches up
      for (let i = 0; i < 50 && sub.items.length < history.length; i++) {
        // in-process requests resolve on microtasks only: let the sockets run between batches
        await new Promise((resolve) => setImmediate(resolve));
        await ingest(t, flaps(f.prefix, 4, primary[1]!));
      }
      await sub.count(history.length);
    } finally {
      t.sql.push = push;
    }
    // both injections happened before the replay was over
    expect(injected).toHaveLength(2);
    expect(injected.every((n) => n < history.length)).toBe(true);
    await ingest(t, flaps(f.prefix, 2));
    const all = await logAfter(f.prefixId, c0);
    expect(all.length).toBeGreaterThanOrEqual(history.length + 12 + 2);
    await sub.count(all.length);
    expect(cursors(sub)).toEqual(all);
    expect(sub.errors).toEqual([]);
  });

  it('delivers a single batch of thousands of events to a live subscriber (queue limit permitting)', async () => {
    const big = await createTestApp({ SUBSCRIPTION_QUEUE_LIMIT: 10_000 });
    try {
      await big.listen();
      const f = await serviceWithPrefix(big, { prefix: freshPrefix() });
      await big.ok(INGEST, { i: { updates: flaps(f.prefix, 1) } });
      const first = (await allEvents(big, { prefixId: f.prefixId })).map((e) => e.cursor as string);
      const sub = wsSubscribe(big.wsClient(OPERATOR_TOKEN), SUB, { f: { prefixId: f.prefixId }, after: first[0] });
      await sub.count(first.length - 1);
      // one transaction, 3000 events published at once
      await big.ok(INGEST, { i: { updates: flaps(f.prefix, 3000).slice(1) } });
      const all = (await allEvents(big, { prefixId: f.prefixId }, first[0])).map((e) => e.cursor as string);
      expect(all.length).toBeGreaterThanOrEqual(2999);
      await sub.count(all.length);
      expect(cursors(sub)).toEqual(all);
      expect(sub.errors).toEqual([]);
    } finally {
      await big.close();
    }
  });

  it('ends a subscriber that a single huge batch puts more than SUBSCRIPTION_QUEUE_LIMIT behind; it resumes without loss', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const c0 = await latestCursor();
    await ingest(t, flaps(f.prefix, 1));
    const sub = wsSubscribe(t.wsClient(OPERATOR_TOKEN), SUB, { f: { prefixId: f.prefixId }, after: c0 });
    await sub.count((await logAfter(f.prefixId, c0)).length);
    await ingest(t, flaps(f.prefix, t.env.SUBSCRIPTION_QUEUE_LIMIT + 501).slice(1));
    const errors = await sub.failed();
    expect(errors[0].extensions?.code).toBe('SUBSCRIPTION_OVERFLOW');
    const all = await logAfter(f.prefixId, c0);
    const got = cursors(sub);
    expect(got).toEqual(all.slice(0, got.length));
    const resumed = wsSubscribe(t.wsClient(OPERATOR_TOKEN), SUB, { f: { prefixId: f.prefixId }, after: got.at(-1) });
    await resumed.count(all.length - got.length);
    expect(cursors(resumed)).toEqual(all.slice(got.length));
  });

  it('filters by type, level and CIDR', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const c0 = await latestCursor();
    await ingest(t, flaps(f.prefix, 4));
    const sub = wsSubscribe(t.wsClient(f.customer.token), SUB, {
      f: { prefix: f.prefix.replace(/^(\d+\.\d+)\..*$/, '$1.0.0/16'), types: ['WITHDRAWAL'], minLevel: 'WARNING' },
      after: c0,
    });
    await sub.count(2);
    await ingest(t, flaps(f.prefix, 2));
    await sub.count(3);
    expect(sub.items.map((i) => [i.type, i.level])).toEqual([
      ['WITHDRAWAL', 'WARNING'],
      ['WITHDRAWAL', 'WARNING'],
      ['WITHDRAWAL', 'WARNING'],
    ]);
  });

  it('refuses a malformed cursor with BAD_USER_INPUT', async () => {
    const client = t.wsClient(OPERATOR_TOKEN);
    // not base64 of a cursor, a cursor of another list, empty, and one ahead of the log (never issued)
    for (const after of [
      'not-a-cursor',
      Buffer.from('svc:12').toString('base64url'),
      '',
      Buffer.from('evt:999999999').toString('base64url'),
    ]) {
      const sub = wsSubscribe(client, SUB, { after });
      const errors = await sub.failed();
      expect(errors[0].extensions?.code, after).toBe('BAD_USER_INPUT');
      expect(sub.items).toEqual([]);
    }
  });

  it('keeps tenants apart: naming another customer’s service or prefix is NOT_FOUND, and nothing leaks', async () => {
    const a = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const b = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const client = t.wsClient(b.customer.token);
    for (const filter of [{ peeringServiceId: a.serviceId }, { prefixId: a.prefixId }]) {
      const sub = wsSubscribe(client, SUB, { f: filter });
      expect((await sub.failed())[0].extensions?.code).toBe('NOT_FOUND');
      expect(sub.items).toEqual([]);
    }
    // with a cursor from before A's events, B's unfiltered stream replays and streams B's events only
    const c0 = await latestCursor();
    await ingest(t, flaps(a.prefix, 2));
    await ingest(t, flaps(b.prefix, 1));
    const unfiltered = wsSubscribe(client, SUB, { after: c0 });
    const bBefore = await logAfter(b.prefixId, c0);
    await unfiltered.count(bBefore.length);
    await ingest(t, flaps(a.prefix, 3));
    await ingest(t, flaps(b.prefix, 2));
    const bAll = await logAfter(b.prefixId, c0);
    await unfiltered.count(bAll.length);
    expect(cursors(unfiltered)).toEqual(bAll);
    expect(unfiltered.items.every((i) => i.prefix.id === b.prefixId)).toBe(true);
    // the operator sees both
    expect((await logAfter(a.prefixId, c0)).length).toBeGreaterThan(0);
  });

  it('refuses anonymous and collector subscribers', async () => {
    const anon = wsSubscribe(t.wsClient(null), SUB, {});
    expect((await anon.failed())[0].extensions?.code).toBe('UNAUTHENTICATED');
    const collector = await createToken(t, 'COLLECTOR');
    const sub = wsSubscribe(t.wsClient(collector), SUB, {});
    expect((await sub.failed())[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('closes the connection with 4403 on a bad token in connection_init', async () => {
    const client = t.wsClient('not-a-real-token');
    const sub = wsSubscribe(client, SUB, {});
    const errors = await sub.failed();
    expect(errors[0]?.code).toBe(4403);
    expect(sub.items).toEqual([]);
  });
});

describe('SSE', () => {
  it('streams replayed and live events with the same filter (GET with query parameters)', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const c0 = await latestCursor();
    await ingest(t, flaps(f.prefix, 2));
    const sub = sseSubscribe(urls.http, SUB, { f: { prefixId: f.prefixId }, after: c0 }, f.customer.token);
    expect(await sub.status).toBe(200);
    await sub.count((await logAfter(f.prefixId, c0)).length);
    await ingest(t, flaps(f.prefix, 3));
    const all = await logAfter(f.prefixId, c0);
    await sub.count(all.length);
    expect(cursors(sub)).toEqual(all);
    sub.stop();
  });

  it('accepts the operation in a POST body and resumes from a cursor', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    await ingest(t, flaps(f.prefix, 3));
    const log = await logAfter(f.prefixId, null);
    const sub = sseSubscribe(urls.http, SUB, { f: { prefixId: f.prefixId }, after: log[0] }, f.customer.token, 'POST');
    await sub.count(log.length - 1);
    expect(cursors(sub)).toEqual(log.slice(1));
    sub.stop();
  });

  it('applies the same auth and input rules as graphql-ws', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const other = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const anon = sseSubscribe(urls.http, SUB, {}, null);
    expect((await anon.failed())[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const bad = sseSubscribe(urls.http, SUB, { after: 'garbage' }, f.customer.token);
    expect((await bad.failed())[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const foreign = sseSubscribe(urls.http, SUB, { f: { prefixId: other.prefixId } }, f.customer.token);
    expect((await foreign.failed())[0]?.extensions?.code).toBe('NOT_FOUND');
    expect([...anon.items, ...bad.items, ...foreign.items]).toEqual([]);
  });
});

describe('keep-alive', () => {
  it('pings idle graphql-ws connections', async () => {
    const k = await createTestApp({ WS_KEEPALIVE_SECONDS: 1 });
    try {
      const { ws } = await k.listen();
      const socket = new WebSocket(ws, 'graphql-transport-ws');
      const pinged = new Promise<void>((resolve) => socket.once('ping', () => resolve()));
      await new Promise<void>((resolve) => socket.once('open', () => resolve()));
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${OPERATOR_TOKEN}` } }));
      await pinged;
      expect(socket.readyState).toBe(WebSocket.OPEN);
      socket.close();
    } finally {
      await k.close();
    }
  });

  it('keeps a connection that answers pings and drops one that does not', async () => {
    const k = await createTestApp({ WS_KEEPALIVE_SECONDS: 1 });
    try {
      const { ws } = await k.listen();
      const open = (autoPong: boolean) =>
        new Promise<{ socket: WebSocket; closed: Promise<number> }>((resolve, reject) => {
          const socket = new WebSocket(ws, 'graphql-transport-ws', { autoPong });
          const closed = new Promise<number>((done) => socket.once('close', (code) => done(code)));
          socket.once('error', reject);
          socket.once('open', () => {
            socket.send(
              JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${OPERATOR_TOKEN}` } }),
            );
            resolve({ socket, closed });
          });
        });
      const answering = await open(true);
      const silent = await open(false);
      // Pinged within a second, terminated a second later without a pong (1006: no close frame).
      const code = await Promise.race([
        silent.closed,
        new Promise<string>((r) => setTimeout(() => r('still open'), 5000)),
      ]);
      expect(code).toBe(1006);
      expect(answering.socket.readyState).toBe(WebSocket.OPEN);
      answering.socket.close();
    } finally {
      await k.close();
    }
  });
});

describe('retention', () => {
  // Last: moves the clock past EVENT_RETENTION_DAYS.
  it('sends ResyncRequired first for a cursor older than the retained history, then what is retained', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const c0 = await latestCursor();
    await ingest(t, flaps(f.prefix, 3));
    const old = await logAfter(f.prefixId, c0);
    expect(old.length).toBeGreaterThanOrEqual(3);

    t.clock.advance((t.env.EVENT_RETENTION_DAYS + 1) * 86_400_000);
    t.app.telemetry.tick();
    // the pruned events are gone from the log (the tick itself may have timed out the PENDING prefix)
    const kept = await logAfter(f.prefixId, null);
    expect(kept.filter((c) => old.includes(c))).toEqual([]);

    const ts = t.clock.now() / 1000;
    await ingest(t, [announce(primary[1]!, [f.prefix], { timestamp: ts })]);
    const retained = await logAfter(f.prefixId, null);
    expect(retained.length).toBeGreaterThanOrEqual(1);

    const sub = wsSubscribe(t.wsClient(f.customer.token), SUB, { f: { prefixId: f.prefixId }, after: old[0] });
    await sub.count(1 + retained.length);
    // the oldest retained event of the whole log (other prefixes timed out at the tick too)
    const oldest = (await t.ok('{ prefixEvents(first: 1) { edges { cursor } } }')).prefixEvents.edges[0].cursor;
    expect(sub.items[0]).toMatchObject({ __typename: 'ResyncRequired', oldestAvailableCursor: oldest });
    expect(sub.items[0].reason).toMatch(/retention/);
    expect(cursors(sub)).toEqual(retained);

    // a cursor within the retained history needs no resync
    const fresh = wsSubscribe(t.wsClient(f.customer.token), SUB, { f: { prefixId: f.prefixId }, after: retained[0] });
    await ingest(t, [withdraw(primary[1]!, [f.prefix], { timestamp: ts + 1 })]);
    const now = await logAfter(f.prefixId, retained[0]!);
    await fresh.count(now.length);
    expect(fresh.items.every((i) => i.__typename === 'PrefixEvent')).toBe(true);
    expect(cursors(fresh)).toEqual(now);

    // over SSE too
    const sse = sseSubscribe(urls.http, SUB, { f: { prefixId: f.prefixId }, after: old[0] }, f.customer.token);
    await sse.count(1);
    expect(sse.items[0].__typename).toBe('ResyncRequired');
    sse.stop();
  });
});
