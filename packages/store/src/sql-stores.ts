import type { PipelineStore } from './pipeline-store.js';
import type { LoggedModelStore, RegistryStore } from './registry-store.js';
import { SqlLoggedModelStore } from './sql-logged-model-store.js';
import { SqlPipelineStore } from './sql-pipeline-store.js';
import { SqlRegistryStore } from './sql-registry-store.js';
import type { SqlTrackingStore } from './sql-tracking-store.js';

/** Every store Ferry keeps on one SQL database, sharing the tracking store's connections. */
export interface SqlStores {
  store: SqlTrackingStore;
  registry: RegistryStore;
  loggedModels: LoggedModelStore;
  pipelines: PipelineStore;
}

export function sqlStores(tracking: SqlTrackingStore): SqlStores {
  return {
    store: tracking,
    registry: new SqlRegistryStore(tracking),
    loggedModels: new SqlLoggedModelStore(tracking),
    pipelines: new SqlPipelineStore(tracking),
  };
}
