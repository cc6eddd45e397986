/**
 * `npm run bench` (issue 8): every row of the performance table measured against its baseline in the same run.
 * Rounds alternate baseline, subject, baseline, subject... on the same machine, so a loaded machine slows both; each
 * row prints min/median/max of both, the ratio of the medians and the goal. See bench/README.md for what each row
 * measures.
 *
 * peerwatch runs in this process (buildApp + start, file database in WAL as in production); the subscriber side
 * runs in a child process (bench/subscribers.ts). Run with --expose-gc (the npm script does) for the heap row, and
 * with NODE_ENV=production (the npm script does) as a deployment would: graphql-js skips its development-mode checks.
 *
 *   BENCH_ONLY          comma-separated rows: delivery (with heap), ingest-mix, ingest-relevant, dashboard, latency,
 *                       replay, backfill, processes (default: all)
 *   BENCH_ROUNDS        rounds per row (default 3; at least 3 is advised)
 *   BENCH_SUBSCRIBERS   subscriber counts for the delivery and heap rows (default 1000,5000; add 10000 if you like)
 *   BENCH_EVENTS        events per delivery round, after 3 warm-up events (default 40)
 *   BENCH_UPDATES       updates per ingestion round (default 20000)
 *   BENCH_HTTP_SECONDS  seconds of load per dashboard round (default 3)
 *   BENCH_CONCURRENCY   concurrent HTTP clients for the dashboard row (default 4)
 *   BENCH_QUERIES       latency-series queries per round (default 200)
 *   BENCH_REPLAY        events replayed per replay round (default 100000)
 *   BENCH_BACKFILL_DAYS days of 5-minute samples per backfill round (default 30)
 *   BENCH_CPU_PROFILE   a directory: CPU profiles of the delivery rounds' events are written there
 *   BENCH_PROCESS_SUBSCRIBERS, BENCH_PROCESS_BURST
 *                       the processes row (issue 11): subscribers (default 2000) and events per burst (default 50)
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request, type Server } from 'node:http';
import inspector from 'node:inspector';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { WebSocketServer } from 'ws';
import { openDb } from '../src/db/client.js';
import { demoSessions } from '../src/db/seed/index.js';
import { createApiToken } from '../src/services/identity.js';
import { encodeCursor } from '../src/services/pagination.js';
import { measuredPrefixFor } from '../src/telemetry/latency.js';
import { benchApp, benchFixture } from './fixture.js';
import { runBackfill } from './latency-backfill.js';
import { benchProcesses } from './processes.js';
import { subscriberChild } from './subscriber-driver.js';

const list = (v: string | undefined, fallback: number[]) => (v ? v.split(',').map((x) => Number(x.trim())) : fallback);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const SIZES = list(process.env.BENCH_SUBSCRIBERS, [1000, 5000]);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 40);
const WARMUP = 3;
const UPDATES = Number(process.env.BENCH_UPDATES ?? 20_000);
const HTTP_SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200);
const REPLAY = Number(process.env.BENCH_REPLAY ?? 100_000);
const BACKFILL_DAYS = Number(process.env.BENCH_BACKFILL_DAYS ?? 30);
const ROWS = [
  'delivery',
  'ingest-mix',
  'ingest-relevant',
  'dashboard',
  'latency',
  'replay',
  'backfill',
  'processes',
] as const;
const PROCESS_SUBSCRIBERS = Number(process.env.BENCH_PROCESS_SUBSCRIBERS ?? 2000);
const PROCESS_BURST = Number(process.env.BENCH_PROCESS_BURST ?? 50);
const ONLY = new Set(
  (process.env.BENCH_ONLY ?? ROWS.join(','))
    .split(',')
    .map((s) => s.trim())
    .map((s) => (s === 'heap' ? 'delivery' : s)),
);
for (const row of ONLY)
  if (!(ROWS as readonly string[]).includes(row)) throw new Error(`BENCH_ONLY: unknown row ${row}`);
const runs = (row: (typeof ROWS)[number]) => ONLY.has(row);

const gc = (globalThis as { gc?: () => void }).gc;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();
const began = performance.now();
const log = (message: string) =>
  process.stderr.write(`[${((performance.now() - began) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
if (process.env.NODE_ENV !== 'production') {
  log(`NODE_ENV is ${process.env.NODE_ENV ?? 'unset'}, not production: graphql-js runs its development checks`);
}

// ---------------------------------------------------------------- results

type Goal = { on: 'ratio' | 'subject'; op: '<=' | '>='; value: number; text: string };
interface Row {
  name: string;
  unit: string;
  baseline: number[] | null;
  subject: number[];
  /** None: the row is a measurement to read, not a target (the processes rows). */
  goal: Goal | null;
  digits?: number;
}
const results: Row[] = [];
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};

/** Alternates baseline and subject `ROUNDS` times; each function returns one measurement. */
async function alternate(baseline: (() => Promise<number>) | null, subject: () => Promise<number>) {
  const b: number[] = [];
  const s: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (baseline) b.push(await baseline());
    s.push(await subject());
  }
  return { baseline: baseline ? b : null, subject: s };
}

// ---------------------------------------------------------------- fixture

const { dir, db, app } = benchApp('bench', {
  env: { OPERATOR_TOKEN: 'bench-operator-token-123456', SUBSCRIPTION_QUEUE_LIMIT: 1_000_000 },
});
const { operator, must, customer, service } = benchFixture(app, db);

// The dashboard customer: 50 services of 5 prefixes each (45.0.0.0/24 ... 45.0.249.0/24); these 250 prefixes are
// the registered ones the ingestion mixes and the delivery row touch.
const dash = customer('dashboard');
const registered: string[] = [];
for (let s = 0; s < 50; s++) {
  const prefixes = Array.from({ length: 5 }, (_, k) => `45.0.${s * 5 + k}.0/24`);
  registered.push(...prefixes);
  service(dash.id, `service-${String(s).padStart(2, '0')}`, prefixes);
}
// The latency customer: 16 /28s sharing 203.0.113.0/24 (one measured prefix).
const lat = customer('latency');
service(
  lat.id,
  'latency',
  Array.from({ length: 16 }, (_, i) => `203.0.113.${i * 16}/28`),
);
const collector = must(createApiToken(app.deps, operator, { role: 'COLLECTOR' })).token;
const dashToken = must(createApiToken(app.deps, operator, { role: 'CUSTOMER', customerId: dash.id })).token;
const latToken = must(createApiToken(app.deps, operator, { role: 'CUSTOMER', customerId: lat.id })).token;
const { http: gqlUrl, ws: gqlWs } = await app.start(0, '127.0.0.1');
const base = gqlUrl.replace('/graphql', '');

const sessions = demoSessions()
  .filter((s) => s.partner === 'Colt' && (s.location === 'Amsterdam' || s.location === 'Frankfurt'))
  .map((s) => s.peerAddress);
/** The delivery row's events toggle the first registered prefix; the ingestion mixes use the other 249. */
const eventPrefix = registered[0]!;
const eventPeer = sessions[0]!;
const watched = registered.slice(1);
const vantage = Array.from({ length: 40 }, (_, i) => `2001:db8:ffff::${(i + 1).toString(16)}`);
const t0 = Math.floor(Date.now() / 1000) - 3 * 3600;

type Update = {
  timestamp: number;
  host: string;
  peer: string;
  peerAsn: number;
  path?: number[];
  community?: [number, number][];
  announcements?: { nextHop: string; prefixes: string[] }[];
  withdrawals?: string[];
};
const announce = (ts: number, peer: string, prefix: string, fromSession: boolean): Update => ({
  timestamp: ts,
  host: 'rrc00',
  peer,
  peerAsn: fromSession ? 8220 : 64496,
  path: fromSession ? [8220, 64500] : [64496, 8220, 64500],
  community: [[8075, 8007]],
  announcements: [{ nextHop: peer, prefixes: [prefix] }],
});
const withdraw = (ts: number, peer: string, prefix: string): Update => ({
  timestamp: ts,
  host: 'rrc00',
  peer,
  peerAsn: 8220,
  withdrawals: [prefix],
});

/** The bench mix: 80% internet noise (unwatched prefixes), 20% routes of registered prefixes (sessions and vantage points). */
function mixUpdate(i: number): Update {
  const ts = t0 + i / 1000;
  if (i % 5 !== 0) {
    const peer = vantage[i % vantage.length]!;
    const prefix = `${100 + ((i >> 16) % 100)}.${(i >> 8) & 255}.${i & 255}.0/24`;
    return {
      timestamp: ts,
      host: 'rrc00',
      peer,
      peerAsn: 64496,
      path: [64496, 3356, 1299 + (i % 7)],
      community: [],
      announcements: [{ nextHop: peer, prefixes: [prefix] }],
    };
  }
  const prefix = watched[(i / 5) % watched.length]!;
  const fromSession = i % 10 === 0;
  const peer = fromSession ? sessions[(i / 10) % sessions.length]! : vantage[i % vantage.length]!;
  if (i % 15 === 0) return withdraw(ts, peer, prefix);
  return announce(ts, peer, prefix, fromSession);
}

/**
 * 100% relevant: passes over the 250 registered prefixes; pass 2k announces them all from one peer (a partner
 * session or a vantage point, in turn), pass 2k+1 withdraws them from that peer. Every update changes a route.
 */
function relevantUpdate(i: number): Update {
  const ts = t0 + i / 1000;
  const pass = Math.floor(i / watched.length);
  const prefix = watched[i % watched.length]!;
  const k = Math.floor(pass / 2);
  const fromSession = k % 2 === 0;
  const peer = fromSession ? sessions[(k / 2) % sessions.length]! : vantage[((k - 1) / 2) % vantage.length]!;
  return pass % 2 === 0 ? announce(ts, peer, prefix, fromSession) : withdraw(ts, peer, prefix);
}

const risLine = (u: Update) =>
  JSON.stringify({
    type: 'ris_message',
    data: {
      timestamp: u.timestamp,
      host: u.host,
      peer: u.peer,
      peer_asn: String(u.peerAsn),
      path: u.path,
      community: u.community,
      announcements: u.announcements?.map((a) => ({ next_hop: a.nextHop, prefixes: a.prefixes })),
      withdrawals: u.withdrawals,
      type: 'UPDATE',
    },
  });

// A thousand relevant updates first (every registered prefix announced, events in the log), then the event prefix
// announced by the delivery row's session.
{
  const updates = Array.from({ length: 4 * watched.length }, (_, i) => relevantUpdate(i));
  updates.push(announce(t0 + 3600, eventPeer, eventPrefix, true));
  const r = app.telemetry.ingestRouteUpdates(updates);
  if (r.rejected) throw new Error(JSON.stringify(r.userErrors.slice(0, 3)));
}
let updateOffset = 4 * watched.length;

// ---------------------------------------------------------------- HTTP client and the hand-written baseline server

const agent = new Agent({ keepAlive: true, maxSockets: 64 });
function httpCall(url: string, body?: string, token?: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body != null) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const req = request(url, { method: body == null ? 'GET' : 'POST', agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    // A keep-alive socket the server closed while idle (its keepAliveTimeout): retry; stale sockets leave the pool.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
        httpCall(url, body, token).then(resolve, reject);
      } else reject(error);
    });
    req.end(body);
  });
}

const globalId = (type: string, id: number) => Buffer.from(`${type}:${id}`).toString('base64');
const DASHBOARD_QUERY = `query Dashboard {
  peeringServices(first: 50) {
    edges {
      node {
        id
        name
        provisioningState
        partner { name }
        primaryPeeringLocation { name country }
        backupPeeringLocation { name country }
        prefixes(first: 5) { edges { node { id prefix validationState errorMessage } } }
      }
    }
  }
}`;
const LATENCY_QUERY = `query Latency($id: ID!) {
  node(id: $id) {
    ... on Prefix {
      latency(range: LAST_30_DAYS, granularity: ONE_HOUR) {
        measuredPrefix
        buckets { start sampleCount p50Ms p95Ms p99Ms }
      }
    }
  }
}`;
const sql = db.$client;
const dashServices = sql.prepare(
  `select s.id, s.name, s.provisioning_state as state, pa.name as partner, pl.name as pName, pl.country as pCountry,
     bl.name as bName, bl.country as bCountry
   from peering_services s join partners pa on pa.id = s.partner_id
   join peering_locations pl on pl.id = s.primary_peering_location_id
   left join peering_locations bl on bl.id = s.backup_peering_location_id
   where s.customer_id = ? order by s.id limit 50`,
);
const dashPrefixes = sql.prepare(
  `select id, prefix, validation_state as state, error_message as error, peering_service_id as service
   from prefixes where peering_service_id in (select value from json_each(?)) order by id`,
);
const latPrefix = sql.prepare('select prefix, family from prefixes where id = ?');
const latBuckets = sql.prepare(
  `select start, sample_count as n, p50_ms as p50, p95_ms as p95, p99_ms as p99 from latency_buckets
   where measured_prefix = ? and granularity = 'ONE_HOUR' and start >= ? and start < ? order by start`,
);

/** The dashboard answer by hand: two statements, objects in the order the query asks, JSON.stringify. */
function dashboardByHand(customerId: number): string {
  const services = dashServices.all(customerId) as {
    id: number;
    name: string;
    state: string;
    partner: string;
    pName: string;
    pCountry: string;
    bName: string | null;
    bCountry: string | null;
  }[];
  const prefixes = dashPrefixes.all(JSON.stringify(services.map((s) => s.id))) as {
    id: number;
    prefix: string;
    state: string;
    error: string | null;
    service: number;
  }[];
  const byService = new Map<number, { node: unknown }[]>();
  for (const p of prefixes) {
    let edges = byService.get(p.service);
    if (!edges) {
      edges = [];
      byService.set(p.service, edges);
    }
    if (edges.length < 5) {
      edges.push({
        node: { id: globalId('Prefix', p.id), prefix: p.prefix, validationState: p.state, errorMessage: p.error },
      });
    }
  }
  return JSON.stringify({
    data: {
      peeringServices: {
        edges: services.map((s) => ({
          node: {
            id: globalId('PeeringService', s.id),
            name: s.name,
            provisioningState: s.state,
            partner: { name: s.partner },
            primaryPeeringLocation: { name: s.pName, country: s.pCountry },
            backupPeeringLocation: s.bName == null ? null : { name: s.bName, country: s.bCountry },
            prefixes: { edges: byService.get(s.id) ?? [] },
          },
        })),
      },
    },
  });
}

/** The 30-day hourly series by hand: the prefix, its measured /24, the buckets, JSON.stringify. */
function latencyByHand(prefixId: number): string {
  const p = latPrefix.get(prefixId) as { prefix: string; family: 4 | 6 };
  const measuredPrefix = measuredPrefixFor(p);
  const t = Date.now();
  const rows = latBuckets.all(measuredPrefix, t - 30 * 86_400_000 + 1, t + 1) as {
    start: number;
    n: number;
    p50: number;
    p95: number;
    p99: number;
  }[];
  return JSON.stringify({
    data: {
      node: {
        latency: {
          measuredPrefix,
          buckets: rows.map((r) => ({
            start: new Date(r.start).toISOString(),
            sampleCount: r.n,
            p50Ms: r.p50,
            p95Ms: r.p95,
            p99Ms: r.p99,
          })),
        },
      },
    },
  });
}

const plain: Server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  req.resume();
  req.on('end', () => {
    const body =
      url.pathname === '/dashboard'
        ? dashboardByHand(dash.id)
        : url.pathname === '/latency'
          ? latencyByHand(Number(url.searchParams.get('id')))
          : null;
    if (body == null) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
});
await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
const plainBase = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;

// ---------------------------------------------------------------- bare ws server (delivery, heap and replay baselines)

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
await new Promise<void>((r) => wss.once('listening', () => r()));
const bareWs = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
const broadcastTargets = new Set<import('ws').WebSocket>();
let replayFrom = 0;
const replayPage = sql.prepare(
  `select seq, type, level, summary, occurred_at as occurredAt from prefix_events
   where customer_id = ? and seq > ? order by seq limit 1000`,
);
wss.on('connection', (socket, req) => {
  if (req.url === '/replay') {
    void (async () => {
      let after = replayFrom;
      for (;;) {
        const rows = replayPage.all(dash.id, after) as {
          seq: number;
          type: string;
          level: string;
          summary: string;
          occurredAt: number;
        }[];
        if (!rows.length || socket.readyState !== socket.OPEN) return;
        for (const r of rows) {
          socket.send(
            JSON.stringify({
              id: '1',
              type: 'next',
              payload: {
                data: {
                  prefixEvents: {
                    cursor: encodeCursor('evt', r.seq),
                    type: r.type,
                    level: r.level,
                    summary: r.summary,
                    occurredAt: new Date(r.occurredAt).toISOString(),
                  },
                },
              },
            }),
          );
        }
        after = rows[rows.length - 1]!.seq;
        await new Promise((r) => setImmediate(r));
      }
    })();
    return;
  }
  broadcastTargets.add(socket);
  socket.once('close', () => broadcastTargets.delete(socket));
});

// ---------------------------------------------------------------- the subscriber child

const subscribers = subscriberChild();
const { tell, deliveryOf, delivered } = subscribers;
async function until(what: string, test: () => boolean, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
const heapUsed = () => {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
};

// ---------------------------------------------------------------- rows

/** BENCH_CPU_PROFILE=<dir>: a CPU profile of this process over each measured window (the delivery row's events). */
const profiling = (() => {
  const dir = process.env.BENCH_CPU_PROFILE;
  if (!dir) return { start: async () => {}, stop: async (_name: string) => {} };
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<any>((resolve, reject) => session.post(method, params, (err, r) => (err ? reject(err) : resolve(r))));
  let k = 0;
  return {
    start: async () => {
      await post('Profiler.enable');
      await post('Profiler.start');
    },
    stop: async (name: string) => {
      const { profile } = await post('Profiler.stop');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${name}-${++k}.cpuprofile`), JSON.stringify(profile));
    },
  };
})();

/** Garbage collections of this process (count and pause time, scavenges and mark-compacts) while `gcCounting.on`. */
const gcCounting = { on: false, minor: 0, major: 0, minorMs: 0, majorMs: 0 };
const gcObserver = new PerformanceObserver((list) => countGcs(list.getEntries()));
function countGcs(entries: PerformanceEntry[]) {
  if (!gcCounting.on) return;
  for (const entry of entries) {
    const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
    if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) {
      gcCounting.major += 1;
      gcCounting.majorMs += entry.duration;
    } else if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) {
      gcCounting.minor += 1;
      gcCounting.minorMs += entry.duration;
    }
  }
}
gcObserver.observe({ entryTypes: ['gc'] });

const EVENT_QUERY =
  'subscription Delivery { prefixEvents(filter: { types: [WITHDRAWAL, ANNOUNCEMENT] }) { ... on PrefixEvent { cursor type level summary occurredAt } } }';
let eventClock = t0 + 7200;
let announced = true;
/** One update that raises one WITHDRAWAL or ANNOUNCEMENT of the first registered prefix (a partner session toggles it). */
function raiseEvent() {
  eventClock += 1;
  announced = !announced;
  const u = announced
    ? announce(eventClock, eventPeer, eventPrefix, true)
    : withdraw(eventClock, eventPeer, eventPrefix);
  const r = app.telemetry.ingestRouteUpdates([u]);
  if (r.rejected) throw new Error(JSON.stringify(r.userErrors));
}

if (runs('delivery')) {
  // The size of one event frame as graphql-ws sends it, for the bare broadcast.
  await tell({ op: 'open', mode: 'gql', url: gqlWs, n: 1, token: dashToken, query: EVENT_QUERY }, 'opened');
  await until('the probe subscription', () => app.live.size >= 1);
  delivered.clear();
  raiseEvent();
  const bytes = (await deliveryOf(0)).bytes;
  await tell({ op: 'close' }, 'closed');
  await until('the probe to end', () => app.live.size === 0);
  const wrap = (filler: string) => JSON.stringify({ id: '1', type: 'next', payload: { data: filler } });
  const frame = wrap('x'.repeat(Math.max(0, bytes - Buffer.byteLength(wrap('')))));
  log(`delivery: event frame ${bytes} bytes (bare broadcast frame ${Buffer.byteLength(frame)} bytes)`);

  for (const n of SIZES) {
    const heap = { baseline: [] as number[], subject: [] as number[] };
    const measure = async (mode: 'gql' | 'ws') => {
      delivered.clear();
      const before = heapUsed();
      const opening = performance.now();
      await tell(
        mode === 'gql'
          ? { op: 'open', mode, url: gqlWs, n, token: dashToken, query: EVENT_QUERY }
          : { op: 'open', mode, url: bareWs, n },
        'opened',
      );
      await until(`${n} subscriptions`, () => (mode === 'gql' ? app.live.size : broadcastTargets.size) >= n);
      const opened = (performance.now() - opening) / 1000;
      await sleep(200);
      const perConnection = (heapUsed() - before) / n;
      (mode === 'gql' ? heap.subject : heap.baseline).push(perConnection);
      const latencies: number[] = [];
      let cpu = process.cpuUsage();
      for (let e = 0; e < WARMUP + EVENTS; e++) {
        if (e === WARMUP) {
          cpu = process.cpuUsage();
          countGcs(gcObserver.takeRecords());
          Object.assign(gcCounting, { on: true, minor: 0, major: 0, minorMs: 0, majorMs: 0 });
          if (mode === 'gql') await profiling.start();
        }
        const sent = now();
        if (mode === 'gql') raiseEvent();
        else for (const socket of broadcastTargets) socket.send(frame);
        const d = await deliveryOf(e);
        if (e >= WARMUP) latencies.push(d.at - sent);
      }
      const used = process.cpuUsage(cpu);
      countGcs(gcObserver.takeRecords());
      gcCounting.on = false;
      const gcs = `GC ${gcCounting.minor} scavenges ${gcCounting.minorMs.toFixed(0)} ms, ${gcCounting.major} mark-compacts ${gcCounting.majorMs.toFixed(0)} ms`;
      if (mode === 'gql') await profiling.stop(`delivery-${n}`);
      const cpuPerEvent = (used.user + used.system) / 1000 / EVENTS;
      await tell({ op: 'close' }, 'closed');
      await until('the subscribers to go', () => (mode === 'gql' ? app.live.size : broadcastTargets.size) === 0);
      const p99 = quantile(latencies, 0.99);
      log(
        `delivery ${mode} N=${n}: opened in ${opened.toFixed(1)} s, heap ${(perConnection / 1024).toFixed(1)} KB/conn, p50 ${quantile(latencies, 0.5).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, server CPU ${cpuPerEvent.toFixed(1)} ms/event, ${gcs}`,
      );
      return p99;
    };
    const r = await alternate(
      () => measure('ws'),
      () => measure('gql'),
    );
    results.push({
      name: `event delivery to last of ${n.toLocaleString('en')} subs, p99`,
      unit: 'ms',
      ...r,
      goal: { on: 'ratio', op: '<=', value: 2, text: '<= 2x' },
      digits: 1,
    });
    if (gc) {
      results.push({
        name: `heap per idle subscription (N=${n.toLocaleString('en')})`,
        unit: 'KB',
        baseline: heap.baseline.map((b) => b / 1024),
        subject: heap.subject.map((s) => s / 1024),
        goal: { on: 'subject', op: '<=', value: 10, text: '<= 10 KB' },
        digits: 1,
      });
    } else log('heap row skipped: run with node --expose-gc (npm run bench does)');
  }
}

/** Raw baseline: one row per update (the columns route_updates keeps), one prepared transaction. */
const raw = openDb(join(dir, 'raw.db')).$client;
raw.exec(`create table raw_updates (id integer primary key autoincrement, received_at integer not null,
  timestamp integer not null, host text not null, peer text not null, peer_asn integer not null, message text not null)`);
const rawInsert = raw.prepare(
  'insert into raw_updates (received_at, timestamp, host, peer, peer_asn, message) values (?, ?, ?, ?, ?, ?)',
);
function rawIngest(body: string): number {
  const started = performance.now();
  const lines = body.split('\n');
  raw.transaction(() => {
    const at = Date.now();
    for (const line of lines) {
      const data = JSON.parse(line).data;
      rawInsert.run(
        at,
        Math.round(data.timestamp * 1000),
        data.host,
        data.peer,
        Number(data.peer_asn),
        JSON.stringify(data),
      );
    }
  })();
  return lines.length / ((performance.now() - started) / 1000);
}
const eventCount = () => (sql.prepare('select count(*) as n from prefix_events').get() as { n: number }).n;
async function ingestRow(name: string, make: (i: number) => Update, goal: Goal) {
  let events = 0;
  const body = () => {
    const lines = Array.from({ length: UPDATES }, (_, i) => risLine(make(updateOffset + i)));
    updateOffset += UPDATES;
    return lines.join('\n');
  };
  const r = await alternate(
    async () => rawIngest(body()),
    async () => {
      const text = body();
      const before = eventCount();
      const started = performance.now();
      const res = await httpCall(`${base}/ingest/ris`, text, collector);
      const secs = (performance.now() - started) / 1000;
      const answer = JSON.parse(res.body.toString()) as { accepted: number };
      if (answer.accepted !== UPDATES) throw new Error(`${name}: accepted ${res.body.toString().slice(0, 300)}`);
      events += eventCount() - before;
      return UPDATES / secs;
    },
  );
  log(`${name}: ${Math.round(events / ROUNDS)} events raised per round of ${UPDATES}`);
  results.push({ name, unit: 'updates/s', ...r, goal });
}
if (runs('ingest-mix')) {
  await ingestRow('ingestion, bench mix (NDJSON)', mixUpdate, { on: 'ratio', op: '>=', value: 0.5, text: '>= 0.5' });
}
if (runs('ingest-relevant')) {
  await ingestRow('ingestion, 100% relevant (NDJSON)', relevantUpdate, {
    on: 'ratio',
    op: '>=',
    value: 0.3,
    text: '>= 0.3',
  });
}

if (runs('dashboard')) {
  const body = JSON.stringify({ query: DASHBOARD_QUERY });
  const subjectCall = () => httpCall(gqlUrl, body, dashToken);
  const baselineCall = () => httpCall(`${plainBase}/dashboard`);
  const [a, b] = await Promise.all([subjectCall(), baselineCall()]);
  if (a.status !== 200 || !a.body.equals(b.body)) {
    throw new Error(
      `dashboard: answers differ\npeerwatch: ${a.body.toString().slice(0, 600)}\nby hand:   ${b.body.toString().slice(0, 600)}`,
    );
  }
  log(`dashboard: answers byte-identical (${a.body.length} bytes)`);
  const load = async (call: () => Promise<{ status: number }>) => {
    let done = 0;
    const end = performance.now() + HTTP_SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < end) {
          const r = await call();
          if (r.status !== 200) throw new Error(`dashboard: HTTP ${r.status}`);
          done++;
        }
      }),
    );
    return done / HTTP_SECONDS;
  };
  const r = await alternate(
    () => load(baselineCall),
    () => load(subjectCall),
  );
  results.push({
    name: `dashboard query (50x5), ${CONCURRENCY} clients`,
    unit: 'req/s',
    ...r,
    goal: { on: 'ratio', op: '>=', value: 0.5, text: '>= 0.5' },
  });
}

if (runs('latency')) {
  // 30 days of 5-minute samples ending now for the latency customer's /24: 720 hourly buckets.
  const end = Math.floor(Date.now() / 300_000) * 300_000;
  const samples: { source: string; timestamp: Date; rttMs: number }[] = [];
  for (let t = end - 30 * 86_400_000 + 300_000; t <= end; t += 300_000) {
    samples.push({ source: '203.0.113.5', timestamp: new Date(t), rttMs: 20 + 5 * Math.sin(t / 3_600_000) + (t % 7) });
  }
  for (let i = 0; i < samples.length; i += 10_000) {
    const r = app.telemetry.ingestLatencySamples(samples.slice(i, i + 10_000));
    if (r.rejected) throw new Error(JSON.stringify(r.userErrors.slice(0, 3)));
  }
  const prefixId = (sql.prepare("select id from prefixes where prefix = '203.0.113.0/28'").get() as { id: number }).id;
  const body = JSON.stringify({ query: LATENCY_QUERY, variables: { id: globalId('Prefix', prefixId) } });
  const subjectCall = () => httpCall(gqlUrl, body, latToken);
  const baselineCall = () => httpCall(`${plainBase}/latency?id=${prefixId}`);
  const [a, b] = await Promise.all([subjectCall(), baselineCall()]);
  if (a.status !== 200 || !a.body.equals(b.body)) {
    throw new Error(
      `latency: answers differ\npeerwatch: ${a.body.toString().slice(0, 600)}\nby hand:   ${b.body.toString().slice(0, 600)}`,
    );
  }
  const buckets = (JSON.parse(a.body.toString()) as { data: { node: { latency: { buckets: unknown[] } } } }).data.node
    .latency.buckets.length;
  log(`latency: answers byte-identical (${a.body.length} bytes, ${buckets} buckets)`);
  const time = async (call: () => Promise<{ status: number }>) => {
    const started = performance.now();
    for (let i = 0; i < QUERIES; i++) {
      const r = await call();
      if (r.status !== 200) throw new Error(`latency: HTTP ${r.status}`);
    }
    return (performance.now() - started) / QUERIES;
  };
  const r = await alternate(
    () => time(baselineCall),
    () => time(subjectCall),
  );
  results.push({
    name: `30-day hourly latency series (${buckets} buckets)`,
    unit: 'ms/query',
    ...r,
    goal: { on: 'ratio', op: '<=', value: 1.5, text: '<= 1.5x' },
    digits: 2,
  });
}

if (runs('replay')) {
  // REPLAY events of the dashboard customer after one cursor: copies of the events the ingestion raised.
  replayFrom = (sql.prepare('select max(seq) as m from prefix_events').get() as { m: number }).m;
  const copy = sql.prepare(
    `insert into prefix_events (prefix_id, peering_service_id, customer_id, partner_id, occurred_at, recorded_at, type,
       azure_event_type, level, level_rank, summary, description, observed_prefix, observed_family, observed_range_start,
       observed_range_end, observed_origin_asn, expected_origin_asns, as_path, peers_seen)
     select prefix_id, peering_service_id, customer_id, partner_id, occurred_at, ?, type, azure_event_type, level,
       level_rank, summary, description, observed_prefix, observed_family, observed_range_start, observed_range_end,
       observed_origin_asn, expected_origin_asns, as_path, peers_seen
     from prefix_events where customer_id = ? and seq <= ? order by seq limit ?`,
  );
  sql.transaction(() => {
    let left = REPLAY;
    while (left > 0) left -= copy.run(Date.now(), dash.id, replayFrom, left).changes;
  })();
  const query =
    'subscription Replay($after: String) { prefixEvents(after: $after) { ... on PrefixEvent { cursor type level summary occurredAt } } }';
  const after = encodeCursor('evt', replayFrom);
  const mb = (bytes: number) => (bytes / 1048576).toFixed(1);
  const r = await alternate(
    async () => {
      const res = await tell({ op: 'replay', mode: 'ws', url: `${bareWs}/replay`, total: REPLAY }, 'replayed');
      log(`replay by hand: ${REPLAY} events, ${mb(res.bytes)} MB in ${(res.ms / 1000).toFixed(2)} s`);
      return REPLAY / (res.ms / 1000);
    },
    async () => {
      const res = await tell(
        { op: 'replay', mode: 'gql', url: gqlWs, total: REPLAY, token: dashToken, query, variables: { after } },
        'replayed',
      );
      await until('the replay subscription to end', () => app.live.size === 0);
      log(`replay graphql-ws: ${REPLAY} events, ${mb(res.bytes)} MB in ${(res.ms / 1000).toFixed(2)} s`);
      return REPLAY / (res.ms / 1000);
    },
  );
  results.push({
    name: `subscription replay, ${REPLAY.toLocaleString('en')} events`,
    unit: 'events/s',
    ...r,
    goal: { on: 'ratio', op: '>=', value: 0.5, text: '>= 0.5' },
  });
}

if (runs('backfill')) {
  const r = await alternate(null, async () => {
    const b = await runBackfill(BACKFILL_DAYS, 1);
    log(`backfill: ${b.samples} samples in ${b.seconds.toFixed(2)} s`);
    return b.samplesPerSecond;
  });
  results.push({
    name: `latency backfill, ${BACKFILL_DAYS} days x 5 min, 16 prefixes/one /24`,
    unit: 'samples/s',
    ...r,
    goal: { on: 'subject', op: '>=', value: 20_000, text: '>= 20,000/s' },
  });
}

if (runs('processes')) {
  // Issue 11: the same fan-out from one process (baseline) and from two (WORKERS=2 with Redis). Real server
  // processes on a database of their own; the in-process app above is idle meanwhile.
  const r = await benchProcesses({
    rounds: ROUNDS,
    subscribers: PROCESS_SUBSCRIBERS,
    events: EVENTS,
    burst: PROCESS_BURST,
    log,
  });
  if (r) {
    const n = PROCESS_SUBSCRIBERS.toLocaleString('en');
    const row = (name: string, unit: string, pair: { one: number[]; two: number[] }, digits?: number) =>
      results.push({ name, unit, baseline: pair.one, subject: pair.two, goal: null, digits });
    row(`fan-out to ${n} subs, 2 processes vs 1: p50`, 'ms', r.p50, 1);
    row(`fan-out to ${n} subs, 2 processes vs 1: p99`, 'ms', r.p99, 1);
    row(`fan-out to ${n} subs, 2 processes vs 1: burst`, 'events/s', r.rate, 1);
    row(`fan-out to ${n} subs, 2 processes vs 1: server CPU/event`, 'ms', r.cpu, 1);
  }
}

// ---------------------------------------------------------------- teardown and the table

subscribers.stop();
await app.stop();
await new Promise<void>((r) => wss.close(() => r()));
await new Promise<void>((r) => plain.close(() => r()));
agent.destroy();
db.$client.close();
raw.close();
rmSync(dir, { recursive: true, force: true });

const fmt = (x: number, digits = 0) =>
  x.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const triple = (xs: number[] | null, digits?: number) =>
  xs ? `${fmt(Math.min(...xs), digits)} / ${fmt(median(xs), digits)} / ${fmt(Math.max(...xs), digits)}` : '-';
const table = results.map((row) => {
  const ratio = row.baseline ? median(row.subject) / median(row.baseline) : null;
  const goal = row.goal;
  const judged = goal == null ? null : goal.on === 'ratio' ? ratio : median(row.subject);
  const pass = goal == null || judged == null ? null : goal.op === '<=' ? judged <= goal.value : judged >= goal.value;
  return [
    row.name,
    row.unit,
    triple(row.baseline, row.digits),
    triple(row.subject, row.digits),
    ratio == null ? '-' : `${ratio.toFixed(2)}x`,
    goal?.text ?? '-',
    goal == null ? '' : pass == null ? '?' : pass ? 'PASS' : 'MISS',
  ];
});
const header = ['row', 'unit', 'baseline min / med / max', 'peerwatch min / med / max', 'ratio', 'goal', ''];
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
const seconds = (performance.now() - began) / 1000;
console.log(
  `\npeerwatch bench ${new Date().toISOString()}, node ${process.version}, ${ROUNDS} rounds (baseline, peerwatch alternating), ${seconds.toFixed(0)} s\n`,
);
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const row of table) console.log(line(row));
console.log(
  '\nratio = median(peerwatch) / median(baseline); heap and backfill goals are absolute (peerwatch median). Processes rows: baseline = 1 process, peerwatch = 2 (WORKERS=2, Redis).',
);
process.exit(0);
