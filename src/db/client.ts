import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';

export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

export interface OpenDbOptions {
  /** Called with every SQL statement drizzle runs (used by tests to count queries). */
  onQuery?: (sql: string) => void;
}

/**
 * WAL pages after which a commit checkpoints (SQLite's default is 1,000, about 4 MB: an ingestion batch of 10,000
 * updates passes it and its commit then copies the whole WAL into the database before returning). The telemetry tick
 * checkpoints every TELEMETRY_TICK_SECONDS off the request path (see TelemetryEngine.tick); this is the bound when
 * writes outpace it (about 32 MB of WAL with 4 KB pages).
 */
export const WAL_AUTOCHECKPOINT_PAGES = 8192;

/**
 * Opens (creating the directory if needed) a SQLite database in WAL mode with foreign keys on. synchronous=NORMAL
 * is durable in WAL mode against a crash of the process (a power loss can lose the last commits, not corrupt).
 */
export function openDb(filename = ':memory:', options: OpenDbOptions = {}) {
  if (filename !== ':memory:' && !filename.startsWith('file:')) mkdirSync(dirname(filename), { recursive: true });
  const sqlite = new Database(filename);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const logger = options.onQuery ? { logQuery: (query: string) => options.onQuery?.(query) } : undefined;
  return drizzle({ client: sqlite, jit: true, ...(logger ? { logger } : {}) });
}

export type DB = ReturnType<typeof openDb>;

/** Applies the committed drizzle-kit migrations. */
export function migrateDb(db: DB): void {
  migrate(db, { migrationsFolder });
}

/**
 * Copies what it can of the WAL into the database without waiting for readers or writers (PASSIVE). A no-op for a
 * database that is not in WAL mode (in memory).
 */
export function checkpointWal(db: DB): void {
  db.$client.pragma('wal_checkpoint(PASSIVE)');
}

/** Runs `fn` in one SQLite transaction (better-sqlite3 transactions are synchronous). */
export function inTransaction<T>(db: DB, fn: (tx: DB) => T): T {
  return db.$client.transaction(() => fn(db))();
}
