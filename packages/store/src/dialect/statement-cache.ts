import type Sqlite from 'better-sqlite3';

/** The slice of a better-sqlite3 database kysely's SqliteDialect uses. */
export interface SqliteDatabaseSlice {
  prepare(sql: string): Sqlite.Statement;
  close(): void;
}

/**
 * Kysely prepares every statement anew on each query; preparing is a large share of a small write's
 * cost. This keeps the most recently used prepared statements by SQL text (statements are run to
 * completion synchronously by better-sqlite3, so sharing one between queries is safe).
 */
export function withStatementCache(db: Sqlite.Database, capacity = 500): SqliteDatabaseSlice {
  const cache = new Map<string, Sqlite.Statement>();
  return {
    prepare(sql) {
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
