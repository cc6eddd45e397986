/**
 * `npm run demo`: the server on the embedded store with a demo customer, its peering services and prefixes,
 * fresh tokens, a ready-to-paste GraphiQL subscription, and a simulated collector that feeds realistic BGP
 * updates and latency samples through the public ingestion API (GraphQL over HTTP, as a COLLECTOR).
 *
 * Everything it announces uses documentation prefixes (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24),
 * documentation ASNs from RFC 5398's 32-bit block (65536-65551; the seeded partners use 64496-64504, so nothing collides)
 * and the demo sessions' synthetic peer addresses.
 */
import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { buildApp } from '../src/app.js';
import { migrateDb, openDb } from '../src/db/client.js';
import { customers, partners, peeringLocations, peeringServices } from '../src/db/schema.js';
import { demoSessions, seedCatalogue } from '../src/db/seed/index.js';
import { EnvError, parseEnv } from '../src/env.js';
import { checkPortFree, ListenError } from '../src/http/listen.js';
import { createLogger } from '../src/observability/logger.js';
import { createApiToken, createCustomer } from '../src/services/identity.js';
import { createPeeringService } from '../src/services/peering-services.js';
import { registerPartnerPrefix } from '../src/services/prefixes.js';
import type { Viewer } from '../src/services/viewer.js';

/** Ends the demo with one clear line (no stack) for the problems an operator can fix. */
function exitClearly(error: unknown): never {
  if (error instanceof EnvError) console.error(error.message);
  else if (error instanceof ListenError) console.error(`peerwatch demo: ${error.message}`);
  else throw error;
  process.exit(1);
}

let env: ReturnType<typeof parseEnv>;
try {
  env = parseEnv({ DATABASE_PATH: './data/peerwatch-demo.db', LOG_LEVEL: 'warn', ...process.env });
  // Before anything is written (database, demo rows, tokens): is the port free?
  await checkPortFree(env.PORT, env.HOST);
} catch (error) {
  exitClearly(error);
}
const operatorToken = env.OPERATOR_TOKEN ?? `demo-operator-${randomBytes(12).toString('base64url')}`;
const logger = createLogger(env.LOG_LEVEL);
const db = openDb(env.DATABASE_PATH);
migrateDb(db);
seedCatalogue(db);
const app = buildApp({ env: { ...env, OPERATOR_TOKEN: operatorToken }, db, logger });
const deps = app.deps;
const operator: Viewer = { role: 'OPERATOR', tokenId: null };
// Listen before creating demo rows and tokens; if the port was taken since the check, stop with the same line.
const { http } = await app.start(env.PORT, env.HOST).catch((error: unknown) => {
  db.$client.close();
  return exitClearly(error);
});

function must<T>(result: { ok: true; value: T } | { ok: false; errors: unknown }): T {
  if (!result.ok) throw new Error(`demo setup failed: ${JSON.stringify(result.errors)}`);
  return result.value;
}

const idOf = (table: typeof partners | typeof peeringLocations, name: string) =>
  db.select({ id: table.id }).from(table).where(sql`lower(${table.name}) = lower(${name})`).get()!.id;

// --- demo customer, services and prefixes (idempotent across runs)
const customer =
  db.select().from(customers).where(eq(customers.name, 'contoso')).get() ??
  must(createCustomer(deps, operator, { name: 'contoso' }));

interface DemoPrefix {
  prefix: string;
  origin: number;
  partner: string;
  partnerAsn: number;
  primary: string;
  backup: string;
}
const demoPrefixes: DemoPrefix[] = [
  {
    prefix: '203.0.113.0/24',
    origin: 65536,
    partner: 'Colt',
    partnerAsn: 8220,
    primary: 'Amsterdam',
    backup: 'Frankfurt',
  },
  {
    prefix: '198.51.100.0/24',
    origin: 65537,
    partner: 'Colt',
    partnerAsn: 8220,
    primary: 'Amsterdam',
    backup: 'Frankfurt',
  },
  { prefix: '192.0.2.0/24', origin: 65538, partner: 'IIJ', partnerAsn: 2497, primary: 'Tokyo', backup: 'Osaka' },
];
const services = [
  {
    name: 'contoso-amsterdam',
    partner: 'Colt',
    country: 'Netherlands',
    state: 'North Holland',
    primary: 'Amsterdam',
    backup: 'Frankfurt',
  },
  { name: 'contoso-tokyo', partner: 'IIJ', country: 'Japan', state: 'Tokyo', primary: 'Tokyo', backup: 'Osaka' },
];
for (const svc of services) {
  const exists = db
    .select({ id: peeringServices.id })
    .from(peeringServices)
    .where(sql`${peeringServices.customerId} = ${customer.id} and ${peeringServices.name} = ${svc.name}`)
    .get();
  if (exists) continue;
  const partnerId = idOf(partners, svc.partner);
  const prefixes = demoPrefixes
    .filter((p) => p.partner === svc.partner)
    .map((p, i) => ({
      name: `site-${i + 1}`,
      prefix: p.prefix,
      prefixKey: must(registerPartnerPrefix(deps, operator, { partnerId, prefix: p.prefix })).prefixKey,
      originAsns: [p.origin],
    }));
  must(
    createPeeringService(deps, operator, {
      name: svc.name,
      customerId: customer.id,
      partnerId,
      country: svc.country,
      state: svc.state,
      primaryPeeringLocationId: idOf(peeringLocations, svc.primary),
      backupPeeringLocationId: idOf(peeringLocations, svc.backup),
      prefixes,
    }),
  );
}

const customerToken = must(
  createApiToken(deps, operator, { role: 'CUSTOMER', customerId: customer.id, description: 'demo' }),
).token;
const collectorToken = must(createApiToken(deps, operator, { role: 'COLLECTOR', description: 'demo collector' })).token;

// --- the simulated collector, talking to the server over HTTP like a real one

async function post(query: string, variables: unknown) {
  const res = await fetch(http, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${collectorToken}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { errors?: unknown };
  if (body.errors) logger.warn({ errors: body.errors }, 'collector request failed');
}
const INGEST_ROUTES = 'mutation($i: IngestRouteUpdatesInput!) { ingestRouteUpdates(input: $i) { accepted rejected } }';
const INGEST_LATENCY =
  'mutation($i: IngestLatencySamplesInput!) { ingestLatencySamples(input: $i) { accepted rejected } }';

const sessions = demoSessions();
const vantage = Array.from({ length: 8 }, (_, i) => ({
  peer: `2001:db8:ffff::${i + 1}`,
  asn: 65540 + i,
  host: `rrc0${i % 4}`,
}));
const now = () => Date.now() / 1000;
/** Documentation ASNs (RFC 5398, 65536-65551) that no seeded partner has: a transit network, an upstream of the hijacker, the hijacker. */
const TRANSIT = 65548;
const HIJACK_UPSTREAM = 65549;
const HIJACKER = 65551;

const sessionAnnounce = (p: DemoPrefix, s: { peerAddress: string }) => ({
  timestamp: now(),
  host: `edge-${p.primary.toLowerCase()}`,
  peer: s.peerAddress,
  peerAsn: p.partnerAsn,
  path: [p.partnerAsn, p.origin],
  community: [[8075, 8007]],
  announcements: [{ nextHop: s.peerAddress, prefixes: [p.prefix] }],
});
const vantageAnnounce = (v: (typeof vantage)[number], prefix: string, path: number[]) => ({
  timestamp: now(),
  host: v.host,
  peer: v.peer,
  peerAsn: v.asn,
  path: [v.asn, ...path],
  community: [],
  announcements: [{ nextHop: v.peer, prefixes: [prefix] }],
});
const sessionsFor = (p: DemoPrefix) =>
  sessions.filter((s) => s.partner === p.partner && (s.location === p.primary || s.location === p.backup));

async function announceAll() {
  const updates = demoPrefixes.flatMap((p) => [
    ...sessionsFor(p).map((s) => sessionAnnounce(p, s)),
    ...vantage.map((v) => vantageAnnounce(v, p.prefix, [TRANSIT, p.partnerAsn, p.origin])),
  ]);
  await post(INGEST_ROUTES, { i: { updates } });
}

let tickCount = 0;
async function collectorTick() {
  tickCount++;
  // each disruption takes the next prefix in turn, so every demo prefix is withdrawn and hijacked now and then
  const withdrawTarget = demoPrefixes[Math.floor(tickCount / 9) % demoPrefixes.length]!;
  const hijackTarget = demoPrefixes[Math.floor(tickCount / 36) % demoPrefixes.length]!;
  // an occasional withdrawal on one primary session, restored on the next tick
  if (tickCount % 9 === 0) {
    const target = withdrawTarget;
    const s = sessionsFor(target).find((x) => x.location === target.primary)!;
    await post(INGEST_ROUTES, {
      i: {
        updates: [
          {
            timestamp: now(),
            host: 'edge',
            peer: s.peerAddress,
            peerAsn: target.partnerAsn,
            withdrawals: [target.prefix],
          },
        ],
      },
    });
  }
  if (tickCount % 9 === 1) await announceAll();
  // a hijack attempt every few minutes: a more-specific from an unexpected origin, seen by 3 vantage points
  if (tickCount % 36 === 12) {
    const more = hijackTarget.prefix.replace('/24', '/25');
    await post(INGEST_ROUTES, {
      i: { updates: vantage.slice(0, 3).map((v) => vantageAnnounce(v, more, [HIJACK_UPSTREAM, HIJACKER])) },
    });
  }
  if (tickCount % 36 === 18) {
    const more = hijackTarget.prefix.replace('/24', '/25');
    await post(INGEST_ROUTES, {
      i: {
        updates: vantage
          .slice(0, 3)
          .map((v) => ({ timestamp: now(), host: v.host, peer: v.peer, peerAsn: v.asn, withdrawals: [more] })),
      },
    });
  }
  // latency with a daily shape: higher in the local business day, lognormal-ish noise, rare spikes
  const hour = new Date().getUTCHours() + new Date().getUTCMinutes() / 60;
  const samples = demoPrefixes.flatMap((p, i) => {
    const base = 12 + i * 9 + 6 * Math.sin(((hour - 8) / 24) * 2 * Math.PI);
    const [a, b, c] = p.prefix.split('.');
    return Array.from({ length: 25 }, () => ({
      source: `${a}.${b}.${c}.${1 + Math.floor(Math.random() * 254)}`,
      peeringLocation: p.primary,
      timestamp: new Date().toISOString(),
      rttMs: Math.max(1, base * Math.exp(0.25 * gaussian()) + (Math.random() < 0.01 ? 80 : 0)),
    }));
  });
  await post(INGEST_LATENCY, { i: { samples } });
}

function gaussian() {
  const u = 1 - Math.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * Math.random());
}

await announceAll();
const timer = setInterval(
  () => void collectorTick().catch((e) => logger.error({ err: e }, 'collector tick failed')),
  5000,
);

console.log(`
peerwatch demo running at ${http}  (GraphiQL: open it in a browser)

Dashboard (contoso, live): ${http.replace(/\/graphql$/, '/dashboard')}#token=${customerToken}

Tokens (shown once; paste into GraphiQL's Headers tab as {"Authorization": "Bearer <token>"}):
  OPERATOR   ${operatorToken}${env.OPERATOR_TOKEN ? '  (from OPERATOR_TOKEN)' : '  (random for this run; set OPERATOR_TOKEN to fix it)'}
  CUSTOMER   ${customerToken}  (contoso)
  COLLECTOR  ${collectorToken}

Headers:
  {"Authorization": "Bearer ${customerToken}"}

Subscription to paste (live events; add after: "<cursor>" to resume):
  subscription {
    prefixEvents(filter: { minLevel: INFORMATION }) {
      ... on PrefixEvent { cursor occurredAt type level summary observedPrefix peersSeen prefix { prefix validationState } }
      ... on ResyncRequired { oldestAvailableCursor reason }
    }
  }

The simulated collector sends updates every 5 s: verification, a withdrawal every ~45 s, a more-specific
hijack attempt every 3 minutes, and latency samples with a daily shape. Ctrl-C stops.
`);

const stop = async () => {
  clearInterval(timer);
  await app.stop();
  db.$client.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
