import type { ArtifactStore } from '@ferry/artifacts';
import type { PipelineController } from '@ferry/executor';
import type {
  LoggedModelStore,
  PipelineStore,
  RegistryStore,
  TrackingStore,
  WebhookStore,
} from '@ferry/store';
import type { WebhookDispatcher } from './webhooks/dispatcher.js';

/** Everything the app needs, built by the caller: createApp reads no environment and opens nothing. */
export interface AppDeps {
  store: TrackingStore;
  /** The model registry (registered models, versions, aliases); on the tracking database. */
  registry: RegistryStore;
  /** MLflow 3's logged models; on the tracking database. */
  loggedModels: LoggedModelStore;
  /** Where proxied artifacts (`mlflow-artifacts:/...`) live; undefined when artifacts are not served. */
  artifactProxy?: ArtifactStore;
  /** Reported by /version and /api/3.0/mlflow/server-info. */
  version?: string;
  /** Registry webhooks; the webhook routes answer 501 without it. */
  webhooks?: WebhookStore;
  /** Sends webhook deliveries (and test deliveries); its URL policy also vets saved URLs. */
  webhookDispatcher?: WebhookDispatcher;
  /** Pipelines, runs, schedules and lineage (`sqlStores` builds it); the pipeline routes answer 501 without it. */
  pipelines?: PipelineStore;
  /** Runs pipelines; without it the pipeline routes only read (runs/create, cancel and retry answer 501). */
  pipelineController?: PipelineController;
  /** The controller's work folder, where the logs of running tasks are read from. */
  pipelineWorkDir?: string;
}
