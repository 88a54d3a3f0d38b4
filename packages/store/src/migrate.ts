import { Migrator } from 'kysely';
import type { Kysely } from 'kysely';
import type { DialectAdapter } from './dialect/adapter.js';
import { allMigrations } from './migrations/index.js';

export interface MigrationOutcome {
  applied: string[];
  error?: unknown;
}

/**
 * Brings the schema up to date. Kysely's migrator takes a database-wide lock first (an advisory lock
 * on PostgreSQL), so replicas starting together apply each migration exactly once.
 * Returns what was applied rather than throwing halfway; the caller decides how loud to be.
 */
export async function migrateToLatest(
  db: Kysely<unknown>,
  adapter: DialectAdapter,
): Promise<MigrationOutcome> {
  const { error, results } = await ferryMigrator(db, adapter).migrateToLatest();
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  return error === undefined ? { applied } : { applied, error };
}

/** Kysely's migrator over Ferry's migrations and bookkeeping tables (tests also step it to one version). */
export function ferryMigrator(db: Kysely<unknown>, adapter: DialectAdapter): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(allMigrations(adapter)) },
    migrationTableName: 'ferry_migrations',
    migrationLockTableName: 'ferry_migrations_lock',
  });
}
