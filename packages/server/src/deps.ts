import type { ArtifactStore } from '@ferry/artifacts';
import type { TrackingStore } from '@ferry/store';

/** Everything the app needs, built by the caller: createApp reads no environment and opens nothing. */
export interface AppDeps {
  store: TrackingStore;
  /** Where proxied artifacts (`mlflow-artifacts:/...`) live; undefined when artifacts are not served. */
  artifactProxy?: ArtifactStore;
  /** Reported by /version and /api/3.0/mlflow/server-info. */
  version?: string;
}
