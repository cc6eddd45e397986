import { join } from 'node:path';
import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { OPERATOR_TOKEN } from './helpers/app.js';
import { announce, sessionsOf, withdraw } from './helpers/factories.js';
import { SETUP_OPERATIONS } from './helpers/operations.js';
import { describeRedis, type RedisServer, startRedis } from './helpers/redis.js';
import { freePort, run, startServer, tempDir } from './helpers/server-process.js';

/**
 * Issue 11: several processes on one database, with a real Redis (Debian's redis-server) as the event bus. Everything
 * is observed through the public API of real server processes: GraphQL over HTTP, graphql-ws, /ready, /metrics.
 */

type Server = Awaited<ReturnType<typeof startServer>>;

const GQL = SETUP_OPERATIONS;
const EVENTS_SUB =
  'subscription S($after: String) { prefixEvents(after: $after) { ... on PrefixEvent { cursor type } } }';
const VALIDATION_SUB =
  'subscription V { prefixValidationChanged { prefix validationState learnedType errorMessage validatedAt } }';

async function call(server: Server, query: string, variables: Record<string, unknown> = {}, token = OPERATOR_TOKEN) {
  const res = await fetch(`${server.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: unknown[] };
  if (body.errors || !body.data) throw new Error(JSON.stringify(body));
  return body.data;
}

const ready = async (server: Server) => {
  const res = await fetch(`${server.base}/ready`);
  return { status: res.status, body: (await res.json()) as any };
};

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A graphql-ws subscription that records what it receives. */
function subscribe(server: Server, token: string, query: string, variables: Record<string, unknown> = {}) {
  const client: Client = createClient({
    url: `ws://127.0.0.1:${server.port}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    connectionParams: { authorization: `Bearer ${token}` },
  });
  const received: any[] = [];
  const errors: unknown[] = [];
  client.subscribe(
    { query, variables },
    { next: (value) => received.push(value.data), error: (error) => errors.push(error), complete: () => {} },
  );
  return { received, errors, close: () => client.dispose() };
}

const PREFIX = '203.0.113.0/24';
const PEERS = [...sessionsOf('Colt', 'Amsterdam'), ...sessionsOf('Colt', 'Frankfurt')].map((s) => s.peerAddress);

/** A customer with a Colt service (Amsterdam primary, Frankfurt backup) and one prefix, set up through `setupOn`. */
async function setUp(setupOn: Server, alsoOn: Server = setupOn) {
  const customerId = (await call(setupOn, GQL.createCustomer, { n: 'scale-co' })).createCustomer.customer.id;
  const customerToken = (await call(setupOn, GQL.createToken, { i: { role: 'CUSTOMER', customerId } })).createApiToken
    .token as string;
  const collectorToken = (await call(alsoOn, GQL.createToken, { i: { role: 'COLLECTOR' } })).createApiToken
    .token as string;
  const colt = (await call(setupOn, GQL.colt)).partners.edges
    .map((e: any) => e.node)
    .find((n: any) => n.name === 'Colt');
  const loc = (name: string) => colt.peeringLocations.find((l: any) => l.name === name).id;
  const key = (await call(setupOn, GQL.registerPrefix, { i: { partnerId: colt.id, prefix: PREFIX } }))
    .registerPartnerPrefix.registration.prefixKey;
  const created = await call(
    alsoOn,
    GQL.createService,
    {
      i: {
        name: 'scale-office',
        partnerId: colt.id,
        country: 'Netherlands',
        state: 'North Holland',
        primaryPeeringLocationId: loc('Amsterdam'),
        backupPeeringLocationId: loc('Frankfurt'),
        prefixes: [{ name: 'office', prefix: PREFIX, prefixKey: key, originAsns: [64500] }],
      },
    },
    customerToken,
  );
  expect(created.createPeeringService.userErrors).toEqual([]);

  const route = (peer: string, kind: 'announce' | 'withdraw') =>
    (kind === 'announce' ? announce : withdraw)(peer, [PREFIX], { timestamp: Date.now() / 1000 });
  return {
    customerToken,
    ingestLatency: (server: Server, rttMs: number) =>
      call(
        server,
        'mutation L($i: IngestLatencySamplesInput!) { ingestLatencySamples(input: $i) { accepted rejected } }',
        { i: { samples: [{ source: '203.0.113.10', rttMs, timestamp: new Date().toISOString() }] } },
        collectorToken,
      ),
    ingest: (server: Server, kind: 'announce' | 'withdraw', which: string[]) =>
      call(server, GQL.ingest, { i: { updates: which.map((peer) => route(peer, kind)) } }, collectorToken),
    /** The customer's event cursors as the log has them (through either process). */
    logCursors: async (server: Server) =>
      ((await call(server, GQL.events, {}, customerToken)).prefixEvents.edges as { cursor: string }[]).map(
        (e) => e.cursor,
      ),
  };
}

/** Waits until the subscriber has every event of the log (but `skip`), pauses (nothing more may come), compares. */
async function expectExactly(received: any[], expected: string[]) {
  await waitFor(`${expected.length} events (have ${received.length})`, () => received.length >= expected.length);
  await new Promise((r) => setTimeout(r, 400));
  expect(received.map((r) => r.prefixEvents.cursor)).toEqual(expected);
}

describeRedis('several processes with Redis as the event bus', () => {
  let redis: RedisServer;
  let a: Server;
  let b: Server;
  let customerToken: string;
  let ingest: Awaited<ReturnType<typeof setUp>>['ingest'];
  let ingestLatency: Awaited<ReturnType<typeof setUp>>['ingestLatency'];
  let logCursors: Awaited<ReturnType<typeof setUp>>['logCursors'];
  const peers = PEERS;
  const expectExactlyTheLog = async (received: any[], before: string[] = []) =>
    expectExactly(
      received,
      (await logCursors(a)).filter((c) => !before.includes(c)),
    );

  beforeAll(async () => {
    redis = await startRedis();
    const database = join(tempDir(), 'shared.db');
    // BUS_POLL_MS is long: live events must come through Redis (or the catch-up on reconnect), not the safety poll.
    const env = { DATABASE_PATH: database, REDIS_URL: redis.url, BUS_POLL_MS: '60000' };
    a = await startServer(env);
    b = await startServer(env);
    await waitFor(
      'both processes to reach Redis',
      async () => (await ready(a)).status === 200 && (await ready(b)).status === 200,
    );
    ({ customerToken, ingest, ingestLatency, logCursors } = await setUp(a, b));
  }, 60_000);

  afterAll(async () => {
    for (const server of [a, b]) server?.child.kill('SIGKILL');
  });

  it('reports Redis in /ready on every process', async () => {
    for (const server of [a, b]) {
      const { status, body } = await ready(server);
      expect(status).toBe(200);
      expect(body.checks).toEqual({ databaseWritable: true, migrationsApplied: true, redisConnected: true });
      expect(body.eventBus).toMatchObject({ mode: 'redis', connected: true });
    }
  });

  it('delivers an event ingested on A to a subscriber on B exactly once, in order, and the reverse', async () => {
    const onB = subscribe(b, customerToken, EVENTS_SUB);
    const validationOnB = subscribe(b, customerToken, VALIDATION_SUB);
    const onA = subscribe(a, customerToken, EVENTS_SUB);
    await new Promise((r) => setTimeout(r, 500)); // both subscriptions are open
    const before = await logCursors(a);

    await ingest(a, 'announce', peers); // VERIFIED: every session announces it
    await ingest(b, 'withdraw', peers.slice(0, 1));
    await ingest(a, 'announce', peers.slice(0, 1));
    await ingest(b, 'withdraw', peers.slice(1, 2));

    await expectExactlyTheLog(onB.received, before);
    await expectExactlyTheLog(onA.received, before);
    expect(onB.received.length).toBeGreaterThanOrEqual(4);
    expect(onB.errors).toEqual([]);
    // Validation changes committed on either process reach B once each: PENDING -> VERIFIED (A), then the changes
    // the withdrawals caused (B, A, B).
    await waitFor('validation changes on B', () => validationOnB.received.length >= 2);
    const states = validationOnB.received.map((r) => r.prefixValidationChanged.validationState);
    expect(states[0]).toBe('VERIFIED');
    const typesOnB = onB.received.map((r) => r.prefixEvents.type);
    expect(states.length).toBe(typesOnB.filter((t) => t === 'VALIDATION_STATE_CHANGED').length);
    // Each push shows the validation its change left (on B, rebuilt from the change's event row).
    for (const { prefixValidationChanged: p } of validationOnB.received) {
      const good = p.validationState === 'VERIFIED' || p.validationState === 'WARNING';
      expect(p.learnedType).toBe(good ? 'VIA_SERVICE_PROVIDER' : 'NONE');
      if (p.validationState === 'VERIFIED') expect(p.errorMessage).toBeNull();
      else expect(p.errorMessage).toContain("Prefix wasn't received from Peering Service provider");
      expect(p.validatedAt).toEqual(expect.any(String));
    }
    for (const s of [onA, onB, validationOnB]) s.close();
  }, 30_000);

  it('relays latency bucket pushes to the other process', async () => {
    const onB = subscribe(
      b,
      customerToken,
      'subscription L { latencyUpdated(granularity: FIVE_MINUTES) { bucket { sampleCount p50Ms } } }',
    );
    await new Promise((r) => setTimeout(r, 300));
    const accepted = await ingestLatency(a, 23.5);
    expect(accepted.ingestLatencySamples).toEqual({ accepted: 1, rejected: 0 });
    // pushes are coalesced per bucket for up to a second
    await waitFor('a latency push on B', () => onB.received.length >= 1, 5000);
    expect(onB.received[0].latencyUpdated.bucket.sampleCount).toBeGreaterThanOrEqual(1);
    expect(onB.errors).toEqual([]);
    onB.close();
  });

  it('resumes from a cursor on the other process', async () => {
    const all = await logCursors(a);
    const resumeAfter = all[Math.floor(all.length / 2)] as string;
    await ingest(a, 'announce', peers.slice(1, 2)); // committed before the resume
    const onB = subscribe(b, customerToken, EVENTS_SUB, { after: resumeAfter });
    await new Promise((r) => setTimeout(r, 300));
    await ingest(a, 'withdraw', peers.slice(2, 3)); // committed after it, on the other process
    const expected = (await logCursors(b)).slice(all.indexOf(resumeAfter) + 1);
    await expectExactlyTheLog(
      onB.received,
      (await logCursors(a)).filter((c) => !expected.includes(c)),
    );
    onB.close();
  }, 30_000);

  it('loses and doubles nothing when Redis stops and comes back mid-stream', async () => {
    const onB = subscribe(b, customerToken, EVENTS_SUB);
    await new Promise((r) => setTimeout(r, 300));
    const before = await logCursors(a);
    await ingest(a, 'announce', peers.slice(2, 3));

    await redis.stop();
    await waitFor('A to report Redis down', async () => (await ready(a)).status === 503);
    const down = await ready(a);
    expect(down.body.checks.redisConnected).toBe(false);
    expect(down.body.eventBus.connected).toBe(false);
    // A keeps serving: ingestion and queries work without Redis
    await ingest(a, 'withdraw', peers.slice(0, 2));
    await ingest(a, 'announce', peers.slice(0, 1));

    await redis.start();
    await waitFor(
      'both processes to reconnect',
      async () => (await ready(a)).status === 200 && (await ready(b)).status === 200,
      20_000,
    );
    // B catches up from the log on reconnect, before anything else is committed
    await expectExactlyTheLog(onB.received, before);
    await ingest(a, 'withdraw', peers.slice(3, 4));
    await expectExactlyTheLog(onB.received, before);
    expect(onB.errors).toEqual([]);
    onB.close();
  }, 60_000);
});

describeRedis('WORKERS=2 behind one port', () => {
  it('serves from both workers, labels their metrics, and replaces a worker that dies', async () => {
    const redis = await startRedis();
    const server = await startServer({ WORKERS: '2', REDIS_URL: redis.url, METRICS_TOKEN: 'scrape-token-0123456789' });
    await waitFor('both workers', () => server.out.stdout.includes('every worker is listening'), 30_000);

    const scrape = async () => {
      const res = await fetch(`${server.base}/metrics`, {
        headers: { authorization: 'Bearer scrape-token-0123456789' },
      });
      expect(res.status).toBe(200);
      return res.text();
    };
    const text = await scrape();
    expect(text).toMatch(/peerwatch_active_subscriptions\{transport="ws",worker="1"\} 0/);
    expect(text).toMatch(/peerwatch_active_subscriptions\{transport="ws",worker="2"\} 0/);
    expect(text).toMatch(/process_resident_memory_bytes\{worker="1"\}/);

    // Subscribers on separate sockets until both workers hold one (round robin hands connections out in turn).
    const { customerToken, ingest, logCursors } = await setUp(server);
    const subscribers: ReturnType<typeof subscribe>[] = [];
    const openOn = (t: string) => [1, 2].filter((w) => new RegExp(`transport="ws",worker="${w}"\\} [1-9]`).test(t));
    while (openOn(await scrape()).length < 2) {
      expect(subscribers.length).toBeLessThan(8);
      subscribers.push(subscribe(server, customerToken, EVENTS_SUB));
      await new Promise((r) => setTimeout(r, 300));
    }
    // Ingested through whichever worker takes the request: the subscribers on both workers get every event.
    const before = await logCursors(server);
    await ingest(server, 'announce', PEERS);
    await ingest(server, 'withdraw', PEERS.slice(0, 1));
    await ingest(server, 'announce', PEERS.slice(0, 1));
    const expected = (await logCursors(server)).filter((c) => !before.includes(c));
    expect(expected.length).toBeGreaterThanOrEqual(3);
    for (const s of subscribers) await expectExactly(s.received, expected);
    for (const s of subscribers) s.close();

    // kill -9 one worker: the primary forks another, and the port keeps answering
    const pid = Number(/"pid":(\d+)[^\n]*peerwatch listening/.exec(server.out.stdout)?.[1]);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    await waitFor('a replacement worker', () => server.out.stdout.includes('a worker died; starting another'));
    await waitFor(
      'the replacement to listen',
      () => (server.out.stdout.match(/peerwatch listening/g) ?? []).length >= 3,
      20_000,
    );
    expect((await fetch(`${server.base}/health`)).status).toBe(200);

    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
    await redis.stop();
  }, 60_000);

  it('serves without Redis (503 on /ready) and still stops at once on SIGTERM', async () => {
    const nobody = await freePort(); // nothing listens there
    const server = await startServer({ REDIS_URL: `redis://127.0.0.1:${nobody}`, SHUTDOWN_GRACE_SECONDS: '2' });
    await waitFor('/ready to report Redis down', async () => (await ready(server)).status === 503);
    expect((await fetch(`${server.base}/health`)).status).toBe(200);
    const stoppedAt = Date.now();
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(4000);
  }, 30_000);

  it('refuses WORKERS > 1 without REDIS_URL, in one line', async () => {
    const proc = run('src/server.ts', { WORKERS: '2', DATABASE_PATH: join(tempDir(), 'x.db') });
    expect((await proc.exited).code).toBe(1);
    expect(proc.out.stderr).toContain('WORKERS: more than one worker needs REDIS_URL');
  });
});
