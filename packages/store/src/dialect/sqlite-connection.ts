import type Sqlite from 'better-sqlite3';

/** The slice of a better-sqlite3 database kysely's SqliteDialect uses. */
export interface SqliteDatabaseSlice {
  prepare(sql: string): Sqlite.Statement;
  close(): void;
}

/**
 * The connection as kysely sees it, with two adjustments. Kysely prepares every statement anew on
 * each query, and preparing is a large share of a small write's cost: this keeps the most recently
 * used prepared statements by SQL text (better-sqlite3 runs a statement to completion synchronously,
 * so sharing one between queries is safe). And transactions begin IMMEDIATE (see below).
 */
export function kyselyConnection(db: Sqlite.Database, capacity = 500): SqliteDatabaseSlice {
  const cache = new Map<string, Sqlite.Statement>();
  return {
    prepare(text) {
      // Every transaction the store opens writes. Taking the write lock at BEGIN makes a second
      // process wait its turn (busy_timeout) instead of failing when its read snapshot goes stale.
      const sql = text === 'begin' ? 'begin immediate' : text;
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql);
      } else {
        stmt = db.prepare(sql);
        if (cache.size >= capacity) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, stmt);
      return stmt;
    },
    close: () => db.close(),
  };
}
