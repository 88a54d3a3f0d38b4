export type * from './tracking-store.js';
export type { DialectAdapter } from './dialect/adapter.js';
export { sqliteAdapter } from './dialect/sqlite.js';
export { postgresAdapter } from './dialect/postgres.js';
export { adapterForUri } from './store-uri.js';
export { migrateToLatest } from './migrate.js';
export type { MigrationOutcome } from './migrate.js';
export { SqlTrackingStore } from './sql-tracking-store.js';
export type { SqlTrackingStoreConfig } from './sql-tracking-store.js';
