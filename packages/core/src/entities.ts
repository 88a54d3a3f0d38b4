/**
 * Tracking entities as the MLflow REST API shapes them (snake_case, int64 as numbers). Optional fields
 * are omitted from responses when unset, as MLflow's proto-to-JSON does.
 */

export interface Tag {
  key: string;
  value: string;
}

export type Param = Tag;

export interface Metric {
  key: string;
  /** NaN and ±Infinity allowed; the store keeps NaN and clamps infinities as MLflow does. */
  value: number;
  timestamp: number;
  step: number;
  dataset_name?: string;
  dataset_digest?: string;
  model_id?: string;
  run_id?: string;
}

export type LifecycleStage = 'active' | 'deleted';

export const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const VIEW_TYPES = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'] as const;
export type ViewType = (typeof VIEW_TYPES)[number];

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: LifecycleStage;
  last_update_time: number;
  creation_time: number;
  tags?: Tag[];
}

export interface RunInfo {
  run_id: string;
  run_uuid: string;
  run_name: string;
  experiment_id: string;
  user_id: string;
  status: RunStatus;
  start_time: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: LifecycleStage;
}

export interface Dataset {
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema?: string;
  profile?: string;
}

export interface DatasetInput {
  tags?: Tag[];
  dataset: Dataset;
}

export interface ModelInput {
  model_id: string;
}

export interface RunInputs {
  dataset_inputs?: DatasetInput[];
  model_inputs?: ModelInput[];
}

export interface RunOutputs {
  model_outputs?: { model_id: string; step: number }[];
}

export interface Run {
  info: RunInfo;
  data: { metrics?: Metric[]; params?: Param[]; tags?: Tag[] };
  /** Always present, `{}` when empty, as MLflow 3.x sends it. */
  inputs: RunInputs;
  /** Present (`{}` when empty) on runs that are read back; MLflow omits it from runs/create. */
  outputs?: RunOutputs;
}

/** What one log-batch carries; log-metric, log-parameter and set-tag are batches of one. */
export interface LogBatch {
  metrics?: Metric[];
  params?: Param[];
  tags?: Tag[];
}

/** A page of results; `next_page_token` only when more rows exist. */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

/** Reserved tag that mirrors a run's name. */
export const RUN_NAME_TAG = 'mlflow.runName';
export const PARENT_RUN_TAG = 'mlflow.parentRunId';
export const USER_TAG = 'mlflow.user';
