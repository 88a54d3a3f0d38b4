import pg from 'pg';
import { PostgresDialect, sql } from 'kysely';
import type { DialectAdapter } from './adapter.js';

const INT8_OID = 20;

/**
 * PostgreSQL through a pg pool. int64 columns come back as JS numbers: every int64 Ferry stores is a
 * millisecond time, a step or an id, all far below 2^53.
 */
export function postgresAdapter(connectionString: string, poolSize = 10): DialectAdapter {
  const url = new URL(connectionString);
  url.password = url.password ? '***' : '';
  return {
    name: 'postgresql',
    description: url.toString(),
    createDialect() {
      const pool = new pg.Pool({
        connectionString,
        max: poolSize,
        // Idle pooled connections must not keep a process alive that has nothing left to do (a
        // training script logging in process); a server stays up through its listening socket.
        allowExitOnIdle: true,
        types: {
          getTypeParser: ((oid: number, format?: string) =>
            oid === INT8_OID
              ? (v: string) => Number(v)
              : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
        },
      });
      // A pooled connection the server drops while idle (restart, failover, idle timeout) is reported
      // on the pool; without a listener that event would crash the process. The pool discards the
      // client and the next query opens a fresh connection.
      pool.on('error', (error) => {
        console.error(`ferry: idle PostgreSQL connection lost (${error.message}); it will be replaced`);
      });
      return new PostgresDialect({ pool });
    },
    autoIncrementType: 'bigserial',
    autoIncrement: (col) => col.primaryKey(),
    compactTable: (table) => table,
    jsonArray: (items) => sql`json_build_array(${sql.join(items)})`,
    // As text, not json: the driver would otherwise parse it already, unlike SQLite's.
    jsonObject: (entries) =>
      sql`json_build_object(${sql.join(entries.map(([name, value]) => sql`${sql.lit(name)}, ${value}`))})`,
    // Both branches as json: a CASE needs one type, and a double must stay a JSON number.
    jsonMetricValue: (value, isNan) =>
      sql`case when ${isNan} = 1 then to_json('NaN'::text) else to_json(${value}) end`,
    jsonArrayAgg: (element, orderBy) =>
      sql<string>`coalesce(json_agg(${element}${orderBy ? sql` order by ${orderBy}` : sql``})::text, '[]')`,
    // Arrays compare element by element, NULL above everything: min of [value, columns...] is the
    // row holding the least value, ties to the smallest columns (PostgreSQL computes the repeated
    // aggregate once). The greatest is the min of the negated value, so NULLs lose there too. Doubles
    // hold every int64 Ferry stores exactly (times, steps and ids stay below 2^53).
    extremeRow: (fn, value, columns) => {
      const key = fn === 'min' ? value : sql`-(${value})`;
      const row = sql.join(
        [key, ...columns.map((c) => sql.ref(c))].map((e) => sql`cast(${e} as double precision)`),
      );
      const extreme = sql`min(array[${row}])`;
      return [
        fn === 'min' ? sql`(${extreme})[1] as extreme` : sql`-(${extreme})[1] as extreme`,
        ...columns.map((c, i) => sql`(${extreme})[${sql.lit(i + 2)}] as ${sql.ref(c)}`),
      ];
    },
    isUniqueViolation: (error) =>
      typeof error === 'object' && error !== null && 'code' in error && error.code === '23505',
    isTransient: (error) =>
      typeof error === 'object' &&
      error !== null &&
      'code' in error &&
      (error.code === '40P01' || error.code === '40001'),
    maxParameters: 60_000,
  };
}
