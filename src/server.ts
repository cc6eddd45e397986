import { buildApp } from './app.js';
import { migrateDb, openDb } from './db/client.js';
import { seedCatalogue } from './db/seed/index.js';
import { EnvError, parseEnv } from './env.js';
import { createLogger } from './observability/logger.js';

/** The only module with process side effects: env, database, migrations, seed, listen, signals. */
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
  const logger = createLogger(env.LOG_LEVEL);
  const db = openDb(env.DATABASE_PATH);
  migrateDb(db);
  seedCatalogue(db);
  const app = buildApp({ env, db, logger });
  const { http, ws } = await app.start(env.PORT, env.HOST);
  logger.info(
    { http, ws, database: env.DATABASE_PATH },
    `peerwatch listening on ${http} (GraphiQL: open it in a browser)`,
  );
  if (!env.OPERATOR_TOKEN) logger.warn('OPERATOR_TOKEN is not set: no operator can sign in until one is configured');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    try {
      await app.stop();
      db.$client.close();
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
