/**
 * `npm run bench:backfill`: latency backfill throughput (issue 8): 30 days of 5-minute samples for one /24 that 16
 * registered /28s share, ingested through the engine in batches of 10,000 with a file database (WAL). Prints
 * samples/s. BACKFILL_DAYS and BACKFILL_PER_BUCKET change the size (the figure should stay flat: linear in samples).
 */
import { rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ManualClock } from '../src/clock.js';
import { benchApp, benchFixture } from './fixture.js';

export interface BackfillResult {
  samples: number;
  seconds: number;
  samplesPerSecond: number;
  events: number;
}

/**
 * One backfill run on a fresh database (its own app, file database in WAL, 16 registered /28s of 203.0.113.0/24):
 * `days` of 5-minute samples, `perBucket` per bucket, ingested through the engine in batches of 10,000. Only the
 * ingestion is timed. bench/run.ts calls it once per round.
 */
export async function runBackfill(DAYS = 30, PER_BUCKET = 1): Promise<BackfillResult> {
  const FIVE_MIN = 300_000;
  const end = Date.parse('2026-11-28T00:00:00Z');
  const clock = new ManualClock(end);
  const { dir, db, app } = benchApp('backfill', { env: { LATENCY_RETENTION_DAYS: DAYS + 5 }, clock, file: 'bench.db' });
  const fixture = benchFixture(app, db);
  const prefixes = Array.from({ length: 16 }, (_, i) => `203.0.113.${i * 16}/28`);
  fixture.service(fixture.customer('backfill').id, 'backfill', prefixes);
  const start = end - DAYS * 86_400_000;
  const samples: { source: string; timestamp: Date; rttMs: number }[] = [];
  for (let t = start; t < end; t += FIVE_MIN) {
    for (let k = 0; k < PER_BUCKET; k++) {
      samples.push({
        source: `203.0.113.${(k * 16 + 5) % 256}`,
        timestamp: new Date(t + k * 1000),
        rttMs: 20 + 5 * Math.sin(t / 3_600_000) + (t % 7),
      });
    }
  }
  const began = performance.now();
  for (let i = 0; i < samples.length; i += 10_000) {
    const r = app.telemetry.ingestLatencySamples(samples.slice(i, i + 10_000));
    if (r.rejected) throw new Error(JSON.stringify(r.userErrors.slice(0, 3)));
  }
  const seconds = (performance.now() - began) / 1000;
  const events = (db.$client.prepare('select count(*) as n from prefix_events').get() as { n: number }).n;
  await app.stop();
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
  return { samples: samples.length, seconds, samplesPerSecond: samples.length / seconds, events };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const days = Number(process.env.BACKFILL_DAYS ?? 30);
  const perBucket = Number(process.env.BACKFILL_PER_BUCKET ?? 1);
  const r = await runBackfill(days, perBucket);
  console.log(
    `latency backfill: ${r.samples} samples (${days} days, ${perBucket}/bucket, 16 prefixes sharing one /24) in ${r.seconds.toFixed(2)} s: ${Math.round(r.samplesPerSecond)} samples/s; ${r.events} events`,
  );
}
