import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import { runPrimary } from './cluster/primary.js';
import { type DB, migrateDb, openDb } from './db/client.js';
import { seedCatalogue } from './db/seed/index.js';
import { type Env, EnvError, parseEnv } from './env.js';
import { ListenError } from './http/listen.js';
import { createLogger } from './observability/logger.js';

/** The only module with process side effects: env, database, migrations, seed, cluster, listen, signals. */
async function main(): Promise<void> {
  let env: ReturnType<typeof parseEnv>;
  try {
    env = parseEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  // In cluster mode every line of a worker names it.
  const logger =
    env.PEERWATCH_WORKER == null
      ? createLogger(env.LOG_LEVEL)
      : createLogger(env.LOG_LEVEL).child({ worker: env.PEERWATCH_WORKER });
  if (cluster.isPrimary) {
    // Migrations and the catalogue seed run once, before any worker opens the database.
    const db = openDb(env.DATABASE_PATH);
    migrateDb(db);
    seedCatalogue(db);
    if (env.WORKERS > 1) {
      db.$client.close();
      runPrimary(env, logger);
      return;
    }
    await serve(env, logger, db);
    return;
  }
  await serve(env, logger, openDb(env.DATABASE_PATH));
}

/** Serves on PORT until SIGTERM/SIGINT (the single process, or one worker of WORKERS). */
async function serve(env: Env, logger: Logger, db: DB): Promise<void> {
  const app = buildApp({ env, db, logger });
  let bound: Awaited<ReturnType<typeof app.start>>;
  try {
    bound = await app.start(env.PORT, env.HOST);
  } catch (error) {
    if (error instanceof ListenError) {
      db.$client.close();
      console.error(`peerwatch: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  logger.info(
    {
      http: bound.http,
      ws: bound.ws,
      port: bound.port,
      database: env.DATABASE_PATH,
      worker: env.PEERWATCH_WORKER,
      pid: process.pid,
    },
    `peerwatch listening on ${bound.http} (GraphiQL: open it in a browser)`,
  );
  if (!env.OPERATOR_TOKEN) logger.warn('OPERATOR_TOKEN is not set: no operator can sign in until one is configured');

  // SIGTERM/SIGINT: drain (app.stop lets in-flight requests finish within SHUTDOWN_GRACE_SECONDS), close the
  // database, exit 0. A second signal does not interrupt the drain.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceSeconds: env.SHUTDOWN_GRACE_SECONDS }, 'shutting down: draining');
    const force = setTimeout(
      () => {
        logger.error('shutdown did not finish; exiting');
        process.exit(1);
      },
      (env.SHUTDOWN_GRACE_SECONDS + 5) * 1000,
    );
    force.unref();
    try {
      const { forced } = await app.stop();
      db.$client.close();
      logger.info({ forced }, 'stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
