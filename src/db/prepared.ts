import type { DB } from './client.js';

const byDb = new WeakMap<DB, Map<string, unknown>>();

/**
 * A statement prepared once per database under a name (the name says its shape: which optional conditions it has),
 * built on first use. Building and preparing SQL costs more than running a small indexed read, so reads that run on
 * every request keep theirs; values are bound as parameters or placeholders.
 */
export function preparedOnce<T>(db: DB, name: string, build: () => T): T {
  let statements = byDb.get(db);
  if (!statements) {
    statements = new Map();
    byDb.set(db, statements);
  }
  let statement = statements.get(name) as T | undefined;
  if (statement === undefined) {
    statement = build();
    statements.set(name, statement);
  }
  return statement;
}
