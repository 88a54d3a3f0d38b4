import type {
  Filter,
  LoggedModel,
  LoggedModelStatus,
  ModelVersion,
  ModelVersionStage,
  OrderBy,
  Page,
  Param,
  RegisteredModel,
  Tag,
} from '@ferry/core';

export interface CreateRegisteredModelInput {
  name: string;
  tags?: Tag[];
  description?: string;
  userId?: string;
  deploymentJobId?: string;
}

export interface CreateModelVersionInput {
  name: string;
  source: string;
  /** Where the files are when `source` is a reference (`models:/…`, a logged model); defaults to source. */
  storageLocation?: string;
  runId?: string;
  runLink?: string;
  description?: string;
  tags?: Tag[];
  userId?: string;
  /** The logged model this version was made from (MLflow 3). */
  modelId?: string;
}

export type ModelVersionEventKind = 'created' | 'stage_transition' | 'alias_set' | 'alias_removed';

/**
 * One change to a model version, in the wire's snake_case: `created` (to_stage `None`),
 * `stage_transition` (from_stage → to_stage), `alias_set` / `alias_removed` (alias). `user_id` is
 * present only when the change came with one. Ferry's extension; MLflow keeps no such history.
 */
export interface ModelVersionEvent {
  /** Increasing in the order the changes were made. */
  id: string;
  /** The model's current name, also for events from before a rename. */
  name: string;
  version: string;
  kind: ModelVersionEventKind;
  from_stage?: ModelVersionStage;
  to_stage?: ModelVersionStage;
  alias?: string;
  user_id?: string;
  timestamp: number;
}

export interface SearchRegistryInput {
  filter?: Filter;
  maxResults: number;
  orderBy?: OrderBy[];
  pageToken?: string;
}

/**
 * The model registry: named models, their numbered versions (assigned atomically, never reused),
 * stages, aliases and tags. Errors are FerryErrors with MLflow's codes and messages.
 */
export interface RegistryStore {
  createRegisteredModel(input: CreateRegisteredModelInput): Promise<RegisteredModel>;
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel>;
  updateRegisteredModel(name: string, description: string | undefined): Promise<RegisteredModel>;
  /** Removes the model with every version, tag and alias. */
  deleteRegisteredModel(name: string): Promise<void>;
  searchRegisteredModels(input: SearchRegistryInput): Promise<Page<RegisteredModel>>;
  /** The highest version in each of `stages` (every stage when empty) that has one. */
  getLatestVersions(name: string, stages?: ModelVersionStage[]): Promise<ModelVersion[]>;
  setRegisteredModelTag(name: string, tag: Tag): Promise<void>;
  deleteRegisteredModelTag(name: string, key: string): Promise<void>;

  createModelVersion(input: CreateModelVersionInput): Promise<ModelVersion>;
  getModelVersion(name: string, version: number): Promise<ModelVersion>;
  updateModelVersion(name: string, version: number, description: string | undefined): Promise<ModelVersion>;
  transitionModelVersionStage(
    name: string,
    version: number,
    stage: ModelVersionStage,
    archiveExistingVersions: boolean,
  ): Promise<ModelVersion>;
  /** Removes the version, its tags and the aliases pointing at it; its number is not handed out again. */
  deleteModelVersion(name: string, version: number): Promise<void>;
  searchModelVersions(input: SearchRegistryInput): Promise<Page<ModelVersion>>;
  getModelVersionDownloadUri(name: string, version: number): Promise<string>;
  setModelVersionTag(name: string, version: number, tag: Tag): Promise<void>;
  deleteModelVersionTag(name: string, version: number, key: string): Promise<void>;

  /** Points `alias` at `version`, moving it if it pointed elsewhere. */
  setRegisteredModelAlias(name: string, alias: string, version: number): Promise<void>;
  deleteRegisteredModelAlias(name: string, alias: string): Promise<void>;
  /** `latest` (any case) resolves to the highest version. */
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;

  /**
   * The version's events, newest first. RESOURCE_DOES_NOT_EXIST for an unknown model or version; the
   * history goes when the version is deleted and follows the model through renames.
   */
  getModelVersionHistory(name: string, version: number): Promise<ModelVersionEvent[]>;
}

export interface CreateLoggedModelInput {
  experimentId: string;
  name?: string;
  modelType?: string;
  sourceRunId?: string;
  params?: Param[];
  tags?: Tag[];
}

export interface LoggedModelDatasetFilter {
  dataset_name: string;
  dataset_digest?: string;
}

export interface LoggedModelOrder extends OrderBy {
  datasetName?: string;
  datasetDigest?: string;
}

export interface SearchLoggedModelsInput {
  experimentIds: string[];
  filter?: Filter;
  /** Restricts `metrics.*` filters (and metric ordering) to metrics computed on these datasets. */
  datasets?: LoggedModelDatasetFilter[];
  maxResults: number;
  orderBy?: LoggedModelOrder[];
  pageToken?: string;
}

/** MLflow 3's logged models: a model as a first-class tracking entity, with params, tags and metrics. */
export interface LoggedModelStore {
  createLoggedModel(input: CreateLoggedModelInput): Promise<LoggedModel>;
  getLoggedModel(modelId: string): Promise<LoggedModel>;
  finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel>;
  deleteLoggedModel(modelId: string): Promise<void>;
  searchLoggedModels(input: SearchLoggedModelsInput): Promise<Page<LoggedModel>>;
  setLoggedModelTags(modelId: string, tags: Tag[]): Promise<void>;
  deleteLoggedModelTag(modelId: string, key: string): Promise<void>;
  logLoggedModelParams(modelId: string, params: Param[]): Promise<void>;
  /** runs/outputs: records that a run produced these models. */
  logRunOutputs(runId: string, models: { model_id: string; step: number }[]): Promise<void>;
  /** Logged models deleted before `before` (ms): what a garbage collection may remove. */
  findDeletedLoggedModels(before: number): Promise<DeletedLoggedModel[]>;
  /**
   * Removes deleted logged models for good, with their params, tags and metrics. INVALID_PARAMETER_VALUE
   * for one that is not deleted (nothing is removed then); RESOURCE_DOES_NOT_EXIST for an unknown one.
   */
  purgeLoggedModels(modelIds: string[]): Promise<void>;
}

export interface DeletedLoggedModel {
  modelId: string;
  experimentId: string;
  name: string;
  artifactUri: string;
  deletedTime: number;
}
