export type * from './tracking-store.js';
export type { DialectAdapter } from './dialect/adapter.js';
export { sqliteAdapter } from './dialect/sqlite.js';
export { postgresAdapter } from './dialect/postgres.js';
export { adapterForUri } from './store-uri.js';
export { migrateToLatest } from './migrate.js';
export type { MigrationOutcome } from './migrate.js';
export { SqlTrackingStore } from './sql-tracking-store.js';
export { DOWNSAMPLE_LIMITS } from './sql/metric-downsample.js';
export type { SqlTrackingStoreConfig } from './sql-tracking-store.js';
export type * from './registry-store.js';
export { SqlRegistryStore } from './sql-registry-store.js';
export type * from './webhook-store.js';
export {
  STAGE_TRANSITIONED_EVENT,
  WEBHOOK_ACTIONS,
  WEBHOOK_ENTITIES,
  WEBHOOK_ENTITY_ACTIONS,
  WEBHOOK_LIMITS,
  WEBHOOK_STATUSES,
  parseWebhookEvent,
  splitWebhookEvent,
  validateWebhookEvents,
  validateWebhookName,
  validateWebhookUrlForm,
  webhookEvent,
} from './webhook-store.js';
export { SqlWebhookStore } from './sql-webhook-store.js';
export type { SqlWebhookStoreOptions } from './sql-webhook-store.js';
export { SqlLoggedModelStore } from './sql-logged-model-store.js';
export type * from './pipeline-store.js';
export {
  ACTIVE_PIPELINE_RUN_STATUSES,
  PIPELINE_LIMITS,
  PIPELINE_RUN_STATUSES,
  PIPELINE_TASK_STATUSES,
} from './pipeline-store.js';
export { SqlPipelineStore } from './sql-pipeline-store.js';
export { sqlStores } from './sql-stores.js';
export type { SqlStores } from './sql-stores.js';
