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

/** Opens (creating the directory if needed) a SQLite database in WAL mode with foreign keys on. */
export function openDb(filename = ':memory:', options: OpenDbOptions = {}) {
  if (filename !== ':memory:' && !filename.startsWith('file:')) mkdirSync(dirname(filename), { recursive: true });
  const sqlite = new Database(filename);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
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

/** Runs `fn` in one SQLite transaction (better-sqlite3 transactions are synchronous). */
export function inTransaction<T>(db: DB, fn: (tx: DB) => T): T {
  return db.$client.transaction(() => fn(db))();
}
