import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Sqlite from 'better-sqlite3';
import { SqliteAdapter, SqliteDialect, sql } from 'kysely';
import type { DialectAdapter as KyselyAdapter } from 'kysely';
import type { DialectAdapter } from './adapter.js';
import { kyselyConnection } from './sqlite-connection.js';

/**
 * Kysely runs SQLite migrations outside any transaction and without a lock, since one process owns
 * the file in its model. Ferry's does not: several processes (server workers, training scripts with a
 * `sqlite:///` tracking URI) may open a fresh database at once. SQLite's DDL is transactional, so
 * saying so makes the migrator run in a transaction, which begins IMMEDIATE (sqlite-connection.ts):
 * the first process migrates, the others wait for the write lock and then find nothing left to do.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class FerrySqliteDialect extends SqliteDialect {
  override createAdapter(): KyselyAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/**
 * SQLite through better-sqlite3: WAL so readers never block the writer, NORMAL sync (durable at
 * checkpoints, safe against corruption), and case-sensitive LIKE, which MLflow's grammar requires.
 */
export function sqliteAdapter(file: string): DialectAdapter {
  return {
    name: 'sqlite',
    description: `sqlite:///${file}`,
    createDialect() {
      return new FerrySqliteDialect({
        database: async () => {
          if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
          const db = new Sqlite(file);
          db.pragma('journal_mode = WAL');
          db.pragma('synchronous = NORMAL');
          db.pragma('busy_timeout = 10000');
          db.pragma('foreign_keys = ON');
          db.pragma('case_sensitive_like = ON');
          db.pragma('cache_size = -65536');
          // Keeps the query planner's statistics fresh for a long-lived connection (SQLite's advice).
          db.pragma('optimize = 0x10002');
          return kyselyConnection(db);
        },
      });
    },
    autoIncrementType: 'integer',
    autoIncrement: (col) => col.primaryKey().autoIncrement(),
    compactTable: (table) => table.modifyEnd(sql`without rowid`),
    // Doubles are written with 17 significant digits, which read back to the same double.
    jsonArray: (items) => sql`json_array(${sql.join(items)})`,
    jsonObject: (entries) =>
      sql`json_object(${sql.join(entries.map(([name, value]) => sql`${sql.lit(name)}, ${value}`))})`,
    jsonMetricValue: (value, isNan) => sql`case when ${isNan} = 1 then 'NaN' else ${value} end`,
    jsonArrayAgg: (element, orderBy) =>
      orderBy
        ? sql<string>`json_group_array(${element} order by ${orderBy})`
        : sql<string>`json_group_array(${element})`,
    // A lone min()/max() makes SQLite read the other ("bare") columns from the row it picked.
    extremeRow: (fn, value, columns) => [
      sql`${sql.raw(fn)}(${value}) as extreme`,
      ...columns.map((c) => sql.ref(c)),
    ],
    isUniqueViolation: (error) =>
      typeof error === 'object' &&
      error !== null &&
      'code' in error &&
      typeof error.code === 'string' &&
      (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'),
    isTransient: (error) =>
      typeof error === 'object' &&
      error !== null &&
      'code' in error &&
      (error.code === 'SQLITE_BUSY' || error.code === 'SQLITE_BUSY_SNAPSHOT'),
    maxParameters: 32_000,
  };
}
