import type { Metric, Param, Tag } from './entities.js';

/**
 * Model registry and logged-model entities as MLflow's REST API shapes them. Versions travel as
 * strings ("1", "2", …) on the wire, as MLflow sends them; optional fields are omitted when unset.
 */

export const MODEL_VERSION_STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type ModelVersionStage = (typeof MODEL_VERSION_STAGES)[number];

/** Stages `archive_existing_versions` may be used with, and the ones get-latest-versions reports by default. */
export const ACTIVE_STAGES: readonly ModelVersionStage[] = ['Staging', 'Production'];

export const MODEL_VERSION_STATUSES = ['PENDING_REGISTRATION', 'FAILED_REGISTRATION', 'READY'] as const;
export type ModelVersionStatus = (typeof MODEL_VERSION_STATUSES)[number];

export interface RegisteredModelAlias {
  alias: string;
  version: string;
}

export interface ModelVersion {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id?: string;
  current_stage: ModelVersionStage;
  description: string;
  source: string;
  run_id?: string;
  status: ModelVersionStatus;
  status_message?: string;
  tags?: Tag[];
  run_link: string;
  /** Names of the aliases pointing at this version; MLflow fills it on single-version reads only. */
  aliases?: string[];
  model_id?: string;
}

export interface RegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id?: string;
  description?: string;
  /** The highest version in each stage that has versions. */
  latest_versions?: ModelVersion[];
  tags?: Tag[];
  aliases?: RegisteredModelAlias[];
  deployment_job_id?: string;
}

export const LOGGED_MODEL_STATUSES = [
  'LOGGED_MODEL_STATUS_UNSPECIFIED',
  'LOGGED_MODEL_PENDING',
  'LOGGED_MODEL_READY',
  'LOGGED_MODEL_UPLOAD_FAILED',
] as const;
export type LoggedModelStatus = (typeof LOGGED_MODEL_STATUSES)[number];

export interface LoggedModelRegistration {
  name: string;
  version: string;
}

export interface LoggedModel {
  info: {
    model_id: string;
    experiment_id: string;
    name: string;
    creation_timestamp_ms: number;
    last_updated_timestamp_ms: number;
    artifact_uri: string;
    status: LoggedModelStatus;
    status_message?: string;
    model_type: string;
    source_run_id?: string;
    tags?: Tag[];
    registrations?: LoggedModelRegistration[];
  };
  data: { params?: Param[]; metrics?: Metric[] };
}

/** Tag MLflow 3 keeps on a logged model listing the registry versions made from it (JSON text). */
export const MODEL_VERSIONS_TAG = 'mlflow.modelVersions';
/** Registered models carrying this tag set to "true" are prompts, not models. */
export const PROMPT_TAG = 'mlflow.prompt.is_prompt';
