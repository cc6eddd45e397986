import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnv } from '../src/env.js';
import { startServer, tempDir } from './helpers/server-process.js';

/**
 * Issue 11 (part): several processes on one database run the periodic work (validation timeouts, latency bucket
 * closing, retention) in exactly one of them, through a lease row; kill -9 of the holder moves it to another within
 * the lease time. Observed through each process's `/ready`.
 */

const ready = async (base: string) => {
  const res = await fetch(`${base}/ready`);
  return { status: res.status, body: (await res.json()) as any };
};

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('periodic work lease', () => {
  it('is held by exactly one of two processes on one database, and moves to the other within the lease time after kill -9', async () => {
    const database = join(tempDir(), 'shared.db');
    const env = { DATABASE_PATH: database, TELEMETRY_TICK_SECONDS: '1', LEASE_SECONDS: '3' };
    const a = await startServer(env);
    await waitFor('A to take the lease', async () => (await ready(a.base)).body.periodicWork.thisProcess, 5000);
    const b = await startServer(env);
    const [ra, rb] = await Promise.all([ready(a.base), ready(b.base)]);
    expect(ra.status).toBe(200);
    expect(rb.status).toBe(200);
    expect(ra.body.checks).toEqual({ databaseWritable: true, migrationsApplied: true });
    expect(ra.body.periodicWork.thisProcess).toBe(true);
    expect(rb.body.periodicWork.thisProcess).toBe(false);
    expect(rb.body.periodicWork.holder).toBe(ra.body.periodicWork.holder);

    // B keeps not holding it while A renews it (several lease periods)
    await new Promise((r) => setTimeout(r, 4000));
    expect((await ready(b.base)).body.periodicWork.thisProcess).toBe(false);

    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    await a.exited;
    await waitFor('B to take the lease over', async () => (await ready(b.base)).body.periodicWork.thisProcess, 8000);
    // within the lease time (3 s) plus one tick (1 s), with a margin for a loaded machine
    expect(Date.now() - killedAt).toBeLessThan(7000);
    expect(b.out.stdout).toContain('lease taken');
  }, 60_000);

  it('refuses a lease no longer than the tick at start', () => {
    expect(() => parseEnv({ TELEMETRY_TICK_SECONDS: '15', LEASE_SECONDS: '15' })).toThrow(/LEASE_SECONDS/);
  });
});
