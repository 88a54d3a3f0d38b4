import pg from 'pg';
import { PostgresDialect } from 'kysely';
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
      return new PostgresDialect({
        pool: new pg.Pool({
          connectionString,
          max: poolSize,
          types: {
            getTypeParser: ((oid: number, format?: string) =>
              oid === INT8_OID
                ? (v: string) => Number(v)
                : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
          },
        }),
      });
    },
    autoIncrementType: 'bigserial',
    autoIncrement: (col) => col.primaryKey(),
    compactTable: (table) => table,
    isUniqueViolation: (error) =>
      typeof error === 'object' && error !== null && 'code' in error && error.code === '23505',
    maxParameters: 60_000,
  };
}
