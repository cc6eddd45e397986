import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { Env } from '../env.js';
import { serveClusterMetrics } from './metrics.js';

/**
 * `WORKERS=N npm start`: the primary forks N workers that share one port (node:cluster hands connections out round
 * robin) and restarts a worker that dies. Workers share DATABASE_PATH and talk through REDIS_URL (src/realtime/bus.ts);
 * the periodic work runs in whichever holds the lease (src/telemetry/lease.ts). The primary serves no request: it
 * migrates the database before forking, aggregates metrics, and forwards SIGTERM/SIGINT so each worker drains.
 */
export function runPrimary(env: Env, logger: Logger): void {
  serveClusterMetrics();
  const started = new Set<number>();
  let stopping = false;
  let listeningLogged = false;

  const fork = (index: number): Worker => {
    const worker = cluster.fork({ PEERWATCH_WORKER: String(index) });
    worker.on('listening', () => {
      started.add(index);
      if (!listeningLogged && started.size === env.WORKERS) {
        listeningLogged = true;
        logger.info({ workers: env.WORKERS }, 'cluster: every worker is listening');
      }
    });
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      if (!started.has(index)) {
        // A worker that never listened (port taken, bad database...) would fail again: stop everything.
        logger.error({ worker: index, code, signal }, 'cluster: a worker failed to start; stopping');
        stopping = true;
        for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM');
        process.exitCode = 1;
        return;
      }
      logger.warn({ worker: index, code, signal }, 'cluster: a worker died; starting another');
      started.delete(index);
      setTimeout(() => fork(index), 500);
    });
    return worker;
  };
  for (let index = 1; index <= env.WORKERS; index++) fork(index);

  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'cluster: stopping the workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    const force = setTimeout(
      () => {
        logger.error('cluster: workers did not stop in time');
        for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
        process.exit(1);
      },
      (env.SHUTDOWN_GRACE_SECONDS + 10) * 1000,
    );
    force.unref();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // The primary exits on its own once every worker is gone (no handles left).
}
