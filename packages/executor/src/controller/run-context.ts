import type { TrackingStore, PipelineRun, PipelineStore } from '@ferry/store';
import type { Executor } from '../executor.js';
import type { ArtifactResolver } from './artifact-staging.js';

/** What the controller needs from the rest of Ferry. */
/** `ferry run`, found on the PATH. */
export const DEFAULT_PROJECT_COMMAND: readonly string[] = ['ferry', 'run'];

export interface ControllerDeps {
  pipelines: PipelineStore;
  tracking: TrackingStore;
  executor: Executor;
  /** Maps artifact URIs to stores (the server's resolveArtifactUri with its proxy store). */
  resolveArtifact: ArtifactResolver;
  /** Local scratch space: staged inputs and outputs, logs while tasks run. */
  workDir: string;
  /** Given to every task as FERRY_TRACKING_URI / MLFLOW_TRACKING_URI. */
  trackingUri: string;
  /**
   * The argv that starts `ferry run` for project steps (default DEFAULT_PROJECT_COMMAND, `ferry run`
   * from the PATH); `ferry server` passes its own Node and CLI so the same Ferry runs them.
   */
  projectCommand?: readonly string[];
  now?: () => number;
  /** Diagnostics (never task output). */
  log?: (message: string) => void;
}

/** One pipeline run being driven by this controller. */
export interface RunContext {
  deps: ControllerDeps;
  run: PipelineRun;
  /** The pipeline run's own tracking run. */
  trackingRunId: string;
  /** Aborted when the run is cancelled (or the controller stops driving it). */
  signal: AbortSignal;
  /** True when the controller is stopping rather than the run being cancelled: tasks are left to re-attach. */
  detaching: () => boolean;
  noCache: boolean;
  now: () => number;
}
