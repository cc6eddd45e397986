/**
 * `npm run bench:storage`: how much SQLite a deployment needs (docs/scaling.md). Builds a fresh file database through
 * the engine and services and measures, with SQLite's dbstat table (bytes of pages used, indexes counted with their
 * table), what one registered prefix, one event, one stored route update and one day of latency buckets cost.
 * Knobs: STORAGE_PREFIXES (500), STORAGE_EVENTS (20,000).
 */
import { rmSync } from 'node:fs';
import { ManualClock } from '../src/clock.js';
import { demoSessions } from '../src/db/seed/index.js';
import { benchApp, benchFixture } from './fixture.js';

const PREFIXES = Number(process.env.STORAGE_PREFIXES ?? 500);
const EVENTS = Number(process.env.STORAGE_EVENTS ?? 20_000);

const end = Date.parse('2026-11-28T00:00:00Z');
const clock = new ManualClock(end);
const { dir, db, app } = benchApp('storage', {
  env: { LATENCY_RETENTION_DAYS: 400, EVENT_RETENTION_DAYS: 400, ROUTE_HISTORY_RETENTION_HOURS: 24 * 400 },
  clock,
});

/** Bytes in use per table (its indexes included). */
function usage(): Map<string, number> {
  const rows = db.$client
    .prepare(
      `select coalesce(s.tbl_name, d.name) as tbl, sum(d.pgsize - d.unused) as bytes
       from dbstat d left join sqlite_schema s on s.name = d.name group by tbl`,
    )
    .all() as { tbl: string; bytes: number }[];
  return new Map(rows.map((r) => [r.tbl, r.bytes]));
}
const total = (m: Map<string, number>, tables?: string[]) =>
  [...m].filter(([t]) => !tables || tables.includes(t)).reduce((sum, [, b]) => sum + b, 0);
const growth = (before: Map<string, number>, after: Map<string, number>, tables?: string[]) =>
  total(after, tables) - total(before, tables);

const fixture = benchFixture(app, db);
const owner = fixture.customer('storage');

// 1. Registration: PREFIXES prefixes, 5 per peering service.
let before = usage();
const prefixes: string[] = [];
for (let s = 0; s < PREFIXES / 5; s++) {
  const batch = Array.from({ length: 5 }, (_, k) => `46.${Math.floor((s * 5 + k) / 256)}.${(s * 5 + k) % 256}.0/24`);
  prefixes.push(...batch);
  fixture.service(owner.id, `s${s}`, batch);
}
let after = usage();
const perPrefix = growth(before, after) / PREFIXES;

// 2. Events: a partner session announces and withdraws the prefixes in turn (one ANNOUNCEMENT or WITHDRAWAL each,
// plus the validation changes they cause); every update is also kept in the route history.
const peer = demoSessions().find((s) => s.partner === 'Colt' && s.location === 'Amsterdam')!.peerAddress;
const eventsBefore = (db.$client.prepare('select count(*) as n from prefix_events').get() as { n: number }).n;
const updatesBefore = (db.$client.prepare('select count(*) as n from route_updates').get() as { n: number }).n;
before = usage();
let t = end / 1000 - 86_400;
let sent = 0;
for (let round = 0; sent < EVENTS; round++) {
  const batch = prefixes.map((prefix) => {
    t += 0.01;
    return round % 2 === 0
      ? {
          timestamp: t,
          host: 'rrc00',
          peer,
          peerAsn: 8220,
          path: [8220, 64500],
          community: [[8075, 8007]] as [number, number][],
          announcements: [{ nextHop: peer, prefixes: [prefix] }],
        }
      : { timestamp: t, host: 'rrc00', peer, peerAsn: 8220, withdrawals: [prefix] };
  });
  app.telemetry.ingestRouteUpdates(batch);
  sent += batch.length;
}
after = usage();
const events = (db.$client.prepare('select count(*) as n from prefix_events').get() as { n: number }).n - eventsBefore;
const updates =
  (db.$client.prepare('select count(*) as n from route_updates').get() as { n: number }).n - updatesBefore;
const perEvent = growth(before, after, ['prefix_events']) / events;
const perUpdate = growth(before, after, ['route_updates']) / updates;

// 3. Latency: one day of 5-minute samples (one per bucket) for one measured prefix.
before = usage();
const samples = Array.from({ length: 288 }, (_, i) => ({
  source: '46.0.0.5',
  timestamp: new Date(end - 86_400_000 + i * 300_000),
  rttMs: 20 + (i % 7),
}));
app.telemetry.ingestLatencySamples(samples);
clock.set(end + 3_600_000);
app.telemetry.tick();
after = usage();
const perLatencyDay = growth(before, after, ['latency_buckets']);

const kb = (bytes: number) => `${(bytes / 1024).toFixed(2)} KB`;
console.log(`peerwatch storage ${new Date().toISOString()} (SQLite dbstat: bytes of pages in use, indexes included)`);
console.log(`registered prefix (with its share of the peering service): ${kb(perPrefix)} (${PREFIXES} prefixes)`);
console.log(`prefix event: ${perEvent.toFixed(0)} bytes (${events} events)`);
console.log(`stored route update (route history): ${perUpdate.toFixed(0)} bytes (${updates} updates)`);
console.log(`latency buckets, one measured prefix for one day (288 x 5 min + 24 x 1 h): ${kb(perLatencyDay)}`);
db.$client.close();
rmSync(dir, { recursive: true, force: true });
