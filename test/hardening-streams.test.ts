import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTestApp, OPERATOR_TOKEN, type TestApp } from './helpers/app.js';
import { announce, ingest, serviceWithPrefix, withdraw } from './helpers/factories.js';
import {
  allEvents,
  coltPeers,
  freshPrefix,
  ingestLatency,
  sseSubscribe,
  validationFlipper,
  Waiter,
  wsSubscribe,
} from './helpers/telemetry-kit.js';

/**
 * Issue 6, hostile and slow subscribers (findings 1, 3 and 7): a subscriber that stops reading costs at most its own
 * bounded queue, and only for what it may see; one socket holds a bounded number of operations; replays take turns;
 * an over-cost subscription is refused when it starts.
 */

const QUEUE_LIMIT = 40;
let t: TestApp;
let urls: { http: string; ws: string; base: string };
beforeAll(async () => {
  t = await createTestApp({ SUBSCRIPTION_QUEUE_LIMIT: QUEUE_LIMIT, MAX_SUBSCRIPTIONS_PER_CONNECTION: 20 });
  urls = await t.listen();
});
afterAll(() => t.close());

/** 50 tags of the largest size: with 20 aliases of them, one message is about 400 KB, so socket buffers fill fast. */
const BIG_TAGS = Array.from({ length: 50 }, (_, i) => ({
  key: `k${String(i).padStart(3, '0')}${'k'.repeat(124)}`,
  value: 'v'.repeat(256),
}));
const BIG_SERVICE = Array.from({ length: 20 }, (_, i) => `a${i}: peeringService { tags { key value } }`).join(' ');

async function customerWithBigTags() {
  const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
  await t.ok(
    `mutation($i: UpdatePeeringServiceTagsInput!) { updatePeeringServiceTags(input: $i) { userErrors { code message } } }`,
    { i: { peeringServiceId: f.serviceId, tags: BIG_TAGS } },
    f.customer.token,
  );
  return f;
}

/** A bare graphql-transport-ws client, so the test decides when it reads from its socket. */
async function rawClient(token: string) {
  const socket = new WebSocket(urls.ws, 'graphql-transport-ws');
  const messages: any[] = [];
  const waiter = new Waiter();
  let closeCode: number | null = null;
  socket.on('message', (data) => {
    messages.push(JSON.parse(String(data)));
    waiter.notify();
  });
  socket.on('close', (code) => {
    closeCode = code;
    waiter.notify();
  });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  await waiter.until(() => messages.some((m) => m.type === 'connection_ack'), 'connection_ack');
  const raw = (socket as unknown as { _socket: import('node:net').Socket })._socket;
  return {
    socket,
    messages,
    waiter,
    closeCode: () => closeCode,
    subscribe(id: string, query: string, variables: Record<string, unknown> = {}) {
      socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
    },
    ended: (id: string) => messages.find((m) => m.id === id && (m.type === 'error' || m.type === 'complete')),
    nexts: (id: string) => messages.filter((m) => m.id === id && m.type === 'next'),
    pause: () => raw.pause(),
    resume: () => raw.resume(),
  };
}

/** Triggers until the raw client's subscription `id` delivers something (the subscription is then live). */
async function primeRaw(client: Awaited<ReturnType<typeof rawClient>>, id: string, trigger: () => Promise<unknown>) {
  for (let i = 0; client.nexts(id).length === 0; i++) {
    if (i > 50 || client.ended(id)) throw new Error(`${id} never became live: ${JSON.stringify(client.ended(id))}`);
    await trigger();
    await client.waiter.until(() => client.nexts(id).length > 0, 'priming', 300).catch(() => {});
  }
}

async function healthy() {
  const res = await fetch(`${urls.base}/health`);
  expect(res.status).toBe(200);
  const data = await t.ok(`{ partners(first: 1) { totalCount } }`);
  expect(data.partners.totalCount).toBeGreaterThan(0);
}

describe('a subscriber that stops reading', () => {
  it('over graphql-ws: another customer’s 1,100 validation changes neither crash the server nor queue for it; its own backlog ends it with SUBSCRIPTION_OVERFLOW', async () => {
    const a = await customerWithBigTags();
    const b = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const flipA = validationFlipper(t, a.prefix);
    const flipB = validationFlipper(t, b.prefix);
    const client = await rawClient(a.customer.token);
    try {
      client.subscribe('v', `subscription { prefixValidationChanged { id ${BIG_SERVICE} } }`);
      await primeRaw(client, 'v', flipA);
      expect(client.nexts('v')[0].payload.data.prefixValidationChanged.a0.tags).toHaveLength(50);

      client.pause();
      // its own changes fill the socket buffers, so the server's sends to it stall
      const OWN = 30;
      for (let i = 0; i < OWN; i++) await flipA();
      // then another customer's prefix changes state 1,100 times (graphql-yoga's pubsub queue held 1,024)
      for (let i = 0; i < 1100; i++) await flipB();
      await healthy();

      client.resume();
      const primed = client.nexts('v').length - OWN;
      await client.waiter.until(
        () => client.nexts('v').length >= primed + OWN,
        'its own changes after resuming',
        20_000,
      );
      // nothing of B reached A, and A's stream is still open: B's changes never counted against its queue
      const ids = new Set(client.nexts('v').map((m) => m.payload.data.prefixValidationChanged.id));
      expect([...ids]).toEqual([a.prefixId]);
      expect(client.ended('v')).toBeUndefined();

      // now it falls more than SUBSCRIPTION_QUEUE_LIMIT behind on its own changes: it alone is ended
      client.pause();
      for (let i = 0; i < OWN + QUEUE_LIMIT + 20; i++) await flipA();
      await healthy();
      client.resume();
      await client.waiter.until(() => client.ended('v') != null, 'the end of the stalled subscription', 20_000);
      const end = client.ended('v');
      expect(end.type).toBe('error');
      expect(end.payload[0].extensions.code).toBe('SUBSCRIPTION_OVERFLOW');
      expect(client.closeCode()).toBeNull();
    } finally {
      client.socket.terminate();
    }
  }, 120_000);

  it('over graphql-ws: latencyUpdated is bounded the same way', async () => {
    const a = await customerWithBigTags();
    const client = await rawClient(a.customer.token);
    const base = Date.parse('2026-11-27T12:00:00Z');
    const sampleAt = (i: number) => ({
      source: a.prefix.replace('.0/24', '.7'),
      timestamp: new Date(base + i * 300_000).toISOString(),
      rttMs: 10 + i,
    });
    try {
      client.subscribe(
        'l',
        `subscription { latencyUpdated(granularity: FIVE_MINUTES) { prefix { id ${BIG_SERVICE} } } }`,
      );
      // prime: push samples until the subscription is live
      for (let i = 0; client.nexts('l').length === 0; i++) {
        if (i > 50) throw new Error('latencyUpdated never became live');
        await ingestLatency(t, [sampleAt(i)]);
        await client.waiter.until(() => client.nexts('l').length > 0, 'priming', 1200).catch(() => {});
      }
      client.pause();
      // one ingest touching many 5-minute buckets: one message per bucket, far more than the queue holds
      await ingestLatency(
        t,
        Array.from({ length: QUEUE_LIMIT * 4 }, (_, i) => sampleAt(100 + i)),
      );
      await client.waiter.until(() => false, 'the coalesced push', 1500).catch(() => {});
      await healthy();
      client.resume();
      await client.waiter.until(() => client.ended('l') != null, 'the end of the stalled subscription', 20_000);
      expect(client.ended('l').payload[0].extensions.code).toBe('SUBSCRIPTION_OVERFLOW');
      expect(client.nexts('l').length).toBeLessThan(QUEUE_LIMIT * 4);
    } finally {
      client.socket.terminate();
    }
  }, 60_000);

  it('over SSE: a reader that stops reading is ended with SUBSCRIPTION_OVERFLOW and the server stays up', async () => {
    const a = await customerWithBigTags();
    const flipA = validationFlipper(t, a.prefix);
    const query = `subscription { prefixValidationChanged { id ${BIG_SERVICE} } }`;
    const body = JSON.stringify({ query });
    const chunks: Buffer[] = [];
    const waiter = new Waiter();
    let ended = false;
    const req = request(`${urls.http}`, {
      method: 'POST',
      headers: {
        accept: 'text/event-stream',
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        authorization: `Bearer ${a.customer.token}`,
      },
    });
    const response = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      req.once('response', resolve).once('error', reject);
      req.end(body);
    });
    expect(response.statusCode).toBe(200);
    response.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      waiter.notify();
    });
    response.on('end', () => {
      ended = true;
      waiter.notify();
    });
    const text = () => Buffer.concat(chunks).toString('utf8');
    try {
      await flipA();
      await waiter.until(() => text().includes('event: next'), 'the first change over SSE');
      response.pause();
      for (let i = 0; i < 40 + QUEUE_LIMIT * 2; i++) await flipA();
      await healthy();
      response.resume();
      await waiter.until(() => ended, 'the end of the SSE stream', 20_000);
      expect(text()).toContain('SUBSCRIPTION_OVERFLOW');
      expect(text()).toContain('event: complete');
    } finally {
      req.destroy();
    }
  }, 60_000);
});

describe('per-connection limits', () => {
  it('accepts MAX_SUBSCRIPTIONS_PER_CONNECTION operations on one socket, refuses the rest with LIMIT_EXCEEDED, and keeps the socket', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const client = await rawClient(f.customer.token);
    try {
      const q = `subscription { prefixValidationChanged { id validationState } }`;
      for (let i = 0; i < 25; i++) client.subscribe(`s${i}`, q);
      await client.waiter.until(
        () => Array.from({ length: 5 }, (_, i) => client.ended(`s${20 + i}`)).every(Boolean),
        'the five refusals',
      );
      for (let i = 20; i < 25; i++) {
        const end = client.ended(`s${i}`);
        expect(end.type).toBe('error');
        expect(end.payload[0].extensions.code).toBe('LIMIT_EXCEEDED');
      }
      expect(client.closeCode()).toBeNull();
      // the 20 accepted ones are live
      await validationFlipper(t, f.prefix)();
      await client.waiter.until(
        () => Array.from({ length: 20 }, (_, i) => client.nexts(`s${i}`).length).every((n) => n >= 1),
        'a change on each of the 20',
      );
      // completing one frees a place
      client.socket.send(JSON.stringify({ id: 's0', type: 'complete' }));
      await new Promise((r) => setTimeout(r, 50));
      client.subscribe('again', `{ viewer { role } }`);
      await client.waiter.until(() => client.ended('again') != null, 'the query on the freed place');
      expect(client.ended('again').type).toBe('complete');
      expect(client.nexts('again')[0].payload.data.viewer.role).toBe('CUSTOMER');
    } finally {
      client.socket.terminate();
    }
    // closing the socket releases every stream it held
    await new Promise((r) => setTimeout(r, 100));
    expect(t.app.live.count((op) => op.transport === 'ws')).toBe(0);
  });

  it('lets another client through while many subscriptions replay a long history', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const { primary } = coltPeers();
    await ingest(t, [announce(primary[1]!, [f.prefix])]);
    const first = (await allEvents(t, { prefixId: f.prefixId })).at(-1)!.cursor as string;
    // 1,000 events for this prefix
    for (let b = 0; b < 5; b++) {
      await ingest(
        t,
        Array.from({ length: 200 }, (_, i) =>
          i % 2 === 0 ? withdraw(primary[0]!, [f.prefix]) : announce(primary[0]!, [f.prefix]),
        ),
      );
    }
    const total = (await allEvents(t, { prefixId: f.prefixId }, first)).length;
    expect(total).toBeGreaterThanOrEqual(1000);
    const q = `subscription($f: PrefixEventFilter, $after: String) { prefixEvents(filter: $f, after: $after) { ... on PrefixEvent { cursor } } }`;
    const subs = [t.wsClient(f.customer.token), t.wsClient(f.customer.token)].flatMap((client) =>
      Array.from({ length: 20 }, () => wsSubscribe(client, q, { f: { prefixId: f.prefixId }, after: first })),
    );
    await Promise.all(subs.map((s) => s.count(1, 20_000)));
    const delivered = () => subs.reduce((n, s) => n + s.items.length, 0);
    // another client's query is answered while the replays are still running
    const data = await t.ok(`{ viewer { role } partners(first: 3) { totalCount } }`, {}, f.customer.token);
    const atAnswer = delivered();
    expect(data.viewer.role).toBe('CUSTOMER');
    expect(atAnswer).toBeLessThan(subs.length * total);
    // and every replay completes, in order, each event once
    await Promise.all(subs.map((s) => s.count(total, 60_000)));
    for (const s of subs) {
      const cursors = s.items.map((e: any) => e.cursor);
      expect(new Set(cursors).size).toBe(cursors.length);
      expect(cursors.length).toBe(total);
    }
    for (const s of subs) s.stop();
  }, 120_000);
});

describe('query cost of subscriptions', () => {
  it('refuses an over-cost subscription when it starts, over graphql-ws and SSE', async () => {
    const small = await createTestApp({ MAX_COST: 200 });
    try {
      const { http } = await small.listen();
      const q = `subscription { prefixEvents { ... on PrefixEvent { cursor prefix { peeringService { prefixes(first: 100) { edges { node { id name } } } } } } } }`;
      const ws = wsSubscribe(small.wsClient(OPERATOR_TOKEN), q);
      const wsErrors = await ws.failed(5000);
      expect(wsErrors[0].extensions?.code ?? wsErrors[0].extensions).toBeDefined();
      expect(JSON.stringify(wsErrors)).toContain('QUERY_TOO_COMPLEX');
      const sse = sseSubscribe(http, q, {}, OPERATOR_TOKEN);
      await sse.until(() => sse.done || sse.errors.length > 0, 'the SSE refusal', 5000);
      expect(JSON.stringify(sse.errors)).toContain('QUERY_TOO_COMPLEX');
      // a cheap subscription is still accepted
      const cheap = wsSubscribe(
        small.wsClient(OPERATOR_TOKEN),
        `subscription { prefixEvents { ... on PrefixEvent { cursor } } }`,
      );
      await new Promise((r) => setTimeout(r, 200));
      expect(cheap.errors).toEqual([]);
      expect(cheap.done).toBe(false);
      cheap.stop();
    } finally {
      await small.close();
    }
  });
});
