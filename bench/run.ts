/**
 * `npm run bench`: ingestion throughput and event delivery latency against a real server on loopback,
 * with a file-backed SQLite database in WAL mode (as in production). Prints a table; bench/README.md records runs.
 *
 *   BENCH_UPDATES   updates per throughput run (default 50000)
 *   BENCH_EVENTS    events for the delivery-latency run (default 300)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { buildApp } from '../src/app.js';
import { migrateDb, openDb } from '../src/db/client.js';
import { demoSessions, seedCatalogue } from '../src/db/seed/index.js';
import { testEnv } from '../src/env.js';
import { createLogger } from '../src/observability/logger.js';
import { createApiToken, createCustomer } from '../src/services/identity.js';
import { createPeeringService } from '../src/services/peering-services.js';
import { registerPartnerPrefix } from '../src/services/prefixes.js';
import type { Viewer } from '../src/services/viewer.js';

const UPDATES = Number(process.env.BENCH_UPDATES ?? 50_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 300);
const BATCH = 5_000;

const dir = mkdtempSync(join(tmpdir(), 'peerwatch-bench-'));
const db = openDb(join(dir, 'bench.db'));
migrateDb(db);
seedCatalogue(db);
const env = testEnv({ OPERATOR_TOKEN: 'bench-operator-token-123456', SUBSCRIPTION_QUEUE_LIMIT: 100_000 });
const app = buildApp({ env, db, logger: createLogger('silent') });
const operator: Viewer = { role: 'OPERATOR', tokenId: null };
const must = <T>(r: { ok: true; value: T } | { ok: false; errors: unknown }): T => {
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
};

// 64 registered /24s in 198.51.100.0/24 and 203.0.113.0/24 split into /30s would be too small; use /28s.
const customer = must(createCustomer(app.deps, operator, { name: 'bench' }));
const partnerId = (db.$client.prepare("select id from partners where name = 'Colt'").get() as { id: number }).id;
const loc = (name: string) =>
  (db.$client.prepare('select id from peering_locations where name = ?').get(name) as { id: number }).id;
const registered: string[] = [];
for (let i = 0; i < 16; i++) registered.push(`203.0.113.${i * 16}/28`);
must(
  createPeeringService(app.deps, operator, {
    name: 'bench',
    customerId: customer.id,
    partnerId,
    country: 'Netherlands',
    state: 'North Holland',
    primaryPeeringLocationId: loc('Amsterdam'),
    backupPeeringLocationId: loc('Frankfurt'),
    prefixes: registered.map((prefix, i) => ({
      name: `p${i}`,
      prefix,
      prefixKey: must(registerPartnerPrefix(app.deps, operator, { partnerId, prefix })).prefixKey,
      originAsns: [64500],
    })),
  }),
);
const collector = must(createApiToken(app.deps, operator, { role: 'COLLECTOR' })).token;
const customerToken = must(createApiToken(app.deps, operator, { role: 'CUSTOMER', customerId: customer.id })).token;
const { http, ws } = await app.start(0, '127.0.0.1');
const base = http.replace('/graphql', '');

const sessions = demoSessions().filter(
  (s) => s.partner === 'Colt' && (s.location === 'Amsterdam' || s.location === 'Frankfurt'),
);
const vantage = Array.from({ length: 40 }, (_, i) => `2001:db8:ffff::${(i + 1).toString(16)}`);
const t0 = Math.floor(Date.now() / 1000);

/** A realistic mix: 80% internet noise (unwatched prefixes), 20% routes of registered prefixes (sessions and vantage points). */
function update(i: number) {
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
  const prefix = registered[(i / 5) % registered.length]!;
  const fromSession = i % 10 === 0;
  const peer = fromSession ? sessions[(i / 10) % sessions.length]!.peerAddress : vantage[i % vantage.length]!;
  if (i % 15 === 0) return { timestamp: ts, host: 'rrc00', peer, peerAsn: 8220, withdrawals: [prefix] };
  return {
    timestamp: ts,
    host: 'rrc00',
    peer,
    peerAsn: fromSession ? 8220 : 64496,
    path: fromSession ? [8220, 64500] : [64496, 8220, 64500],
    community: [[8075, 8007]],
    announcements: [{ nextHop: peer, prefixes: [prefix] }],
  };
}

async function gql(query: string, variables: unknown, token = collector) {
  const res = await fetch(http, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: any; errors?: unknown };
}
const INGEST = 'mutation($i: IngestRouteUpdatesInput!) { ingestRouteUpdates(input: $i) { accepted rejected } }';

const results: [string, string][] = [];

// 1. GraphQL mutation, batches of 5,000
{
  const all = Array.from({ length: UPDATES }, (_, i) => update(i));
  const start = performance.now();
  for (let i = 0; i < all.length; i += BATCH) {
    const body = await gql(INGEST, { i: { updates: all.slice(i, i + BATCH) } });
    if (body.errors) throw new Error(JSON.stringify(body.errors));
  }
  const secs = (performance.now() - start) / 1000;
  results.push([
    'ingestRouteUpdates (GraphQL, 5k/batch)',
    `${Math.round(UPDATES / secs).toLocaleString('en')} updates/s`,
  ]);
}

// 2. NDJSON endpoint, RIS Live field names
{
  const lines = Array.from({ length: UPDATES }, (_, i) => {
    const u = update(UPDATES + i) as any;
    return JSON.stringify({
      type: 'ris_message',
      data: {
        timestamp: u.timestamp,
        host: u.host,
        peer: u.peer,
        peer_asn: String(u.peerAsn),
        path: u.path,
        community: u.community,
        announcements: u.announcements?.map((a: any) => ({ next_hop: a.nextHop, prefixes: a.prefixes })),
        withdrawals: u.withdrawals,
        type: 'UPDATE',
      },
    });
  }).join('\n');
  const start = performance.now();
  const res = await fetch(`${base}/ingest/ris`, {
    method: 'POST',
    headers: { authorization: `Bearer ${collector}` },
    body: lines,
  });
  const body = (await res.json()) as { accepted: number };
  const secs = (performance.now() - start) / 1000;
  if (body.accepted !== UPDATES) throw new Error(`NDJSON accepted ${body.accepted}`);
  results.push(['POST /ingest/ris (NDJSON)', `${Math.round(UPDATES / secs).toLocaleString('en')} updates/s`]);
}

// 3. Event delivery latency: ingest (HTTP) -> event received on a graphql-ws subscription
{
  const client = createClient({
    url: ws,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${customerToken}` },
  });
  const waiting = new Map<number, (at: number) => void>();
  let received = 0;
  const ready = new Promise<void>((resolve) => {
    client.subscribe(
      {
        query:
          'subscription { prefixEvents(filter: { types: [WITHDRAWAL, ANNOUNCEMENT] }) { ... on PrefixEvent { type summary } } }',
      },
      {
        next: () => {
          received++;
          waiting.get(received)?.(performance.now());
        },
        error: (e) => console.error(e),
        complete: () => {},
      },
    );
    client.on('connected', () => setTimeout(resolve, 100));
  });
  await ready;
  const prefix = registered[0]!;
  const peer = sessions[0]!.peerAddress;
  const latencies: number[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const ts = t0 + 10_000 + i;
    const u =
      i % 2 === 0
        ? { timestamp: ts, host: 'edge', peer, peerAsn: 8220, withdrawals: [prefix] }
        : {
            timestamp: ts,
            host: 'edge',
            peer,
            peerAsn: 8220,
            path: [8220, 64500],
            community: [[8075, 8007]],
            announcements: [{ nextHop: peer, prefixes: [prefix] }],
          };
    const arrived = new Promise<number>((resolve) => waiting.set(received + 1, resolve));
    const sent = performance.now();
    await gql(INGEST, { i: { updates: [u] } });
    latencies.push((await arrived) - sent);
  }
  await client.dispose();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(1);
  results.push([
    'event delivery (ingest request sent -> WS event received)',
    `p50 ${q(0.5)} ms, p95 ${q(0.95)} ms, p99 ${q(0.99)} ms`,
  ]);
}

await app.stop();
db.$client.close();
rmSync(dir, { recursive: true, force: true });

console.log(
  `\npeerwatch bench (${new Date().toISOString()}, node ${process.version}, ${UPDATES} updates, ${EVENTS} events)\n`,
);
for (const [name, value] of results) console.log(`  ${name.padEnd(58)} ${value}`);
console.log('');
