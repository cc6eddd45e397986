import { readdirSync } from 'node:fs';
import { type DB, migrationsFolder } from '../db/client.js';
import type { BusStatus } from '../realtime/bus.js';
import type { Lease } from '../telemetry/lease.js';

export interface Readiness {
  ready: boolean;
  checks: {
    /** A write transaction could be opened (not locked out, not read-only). */
    databaseWritable: boolean;
    /** Every migration in drizzle/ is applied. */
    migrationsApplied: boolean;
    /** With REDIS_URL: both Redis connections (publish, subscribe) are up. Absent without REDIS_URL. */
    redisConnected?: boolean;
  };
  /** How live events reach this process: in-process, or the Redis bus (with its cursor in the event log). */
  eventBus: BusStatus;
  /** Which process answered (behind one port in cluster mode, any worker may). */
  process: { pid: number; worker: number | null };
  /** Who runs the periodic work (validation timeouts, latency bucket closing, retention). */
  periodicWork: { holder: string | null; thisProcess: boolean; expiresAt: string | null };
}

const migrationCount = (() => {
  let count: number | null = null;
  return () => {
    count ??= readdirSync(migrationsFolder, { withFileTypes: true }).filter((d) => d.isDirectory()).length;
    return count;
  };
})();

/**
 * `/ready`: whether this process can serve (database writable, migrations applied, Redis reachable when configured),
 * and who holds the periodic-work lease. `/health` stays the liveness probe.
 */
export function readiness(
  db: DB,
  lease: Lease,
  bus: BusStatus = { mode: 'in-process' },
  worker: number | null = null,
): Readiness {
  let databaseWritable = false;
  let migrationsApplied = false;
  try {
    // BEGIN IMMEDIATE takes the write lock (waiting up to busy_timeout) without writing anything.
    db.$client.exec('begin immediate; rollback;');
    databaseWritable = true;
  } catch {}
  try {
    const applied = (db.$client.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number }).n;
    migrationsApplied = applied >= migrationCount();
  } catch {}
  let row: { holder: string; expiresAt: number } | null = null;
  try {
    row = lease.current();
  } catch {}
  const redisConnected = bus.mode === 'redis' ? bus.connected : undefined;
  return {
    ready: databaseWritable && migrationsApplied && redisConnected !== false,
    checks: { databaseWritable, migrationsApplied, ...(redisConnected === undefined ? {} : { redisConnected }) },
    eventBus: bus,
    process: { pid: process.pid, worker },
    periodicWork: {
      holder: row?.holder ?? null,
      thisProcess: row?.holder === lease.holder,
      expiresAt: row ? new Date(row.expiresAt).toISOString() : null,
    },
  };
}
