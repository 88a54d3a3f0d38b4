import type { LoggedModel, LoggedModelStatus, Page, Param, Tag } from '@ferry/core';
import type {
  CreateLoggedModelInput,
  DeletedLoggedModel,
  LoggedModelStore,
  SearchLoggedModelsInput,
} from './registry-store.js';
import type { SqlTrackingStore } from './sql-tracking-store.js';
import type { StoreContext } from './sql/context.js';
import * as lm from './sql/logged-models/logged-models.js';
import { searchLoggedModels } from './sql/logged-models/search.js';

/** MLflow 3's logged models on the tracking store's database; opening and closing belong to that store. */
export class SqlLoggedModelStore implements LoggedModelStore {
  private readonly ctx: StoreContext;

  constructor(tracking: SqlTrackingStore) {
    this.ctx = tracking.context;
  }

  createLoggedModel = (input: CreateLoggedModelInput): Promise<LoggedModel> =>
    lm.createLoggedModel(this.ctx, input);
  getLoggedModel = (modelId: string): Promise<LoggedModel> => lm.getLoggedModel(this.ctx, modelId);
  finalizeLoggedModel = (modelId: string, status: LoggedModelStatus): Promise<LoggedModel> =>
    lm.finalizeLoggedModel(this.ctx, modelId, status);
  deleteLoggedModel = (modelId: string): Promise<void> => lm.deleteLoggedModel(this.ctx, modelId);
  searchLoggedModels = (input: SearchLoggedModelsInput): Promise<Page<LoggedModel>> =>
    searchLoggedModels(this.ctx, input);
  setLoggedModelTags = (modelId: string, tags: Tag[]): Promise<void> =>
    lm.setLoggedModelTags(this.ctx, modelId, tags);
  deleteLoggedModelTag = (modelId: string, key: string): Promise<void> =>
    lm.deleteLoggedModelTag(this.ctx, modelId, key);
  logLoggedModelParams = (modelId: string, params: Param[]): Promise<void> =>
    lm.logLoggedModelParams(this.ctx, modelId, params);
  logRunOutputs = (runId: string, models: { model_id: string; step: number }[]): Promise<void> =>
    lm.logRunOutputs(this.ctx, runId, models);
  findDeletedLoggedModels = (before: number): Promise<DeletedLoggedModel[]> =>
    lm.findDeletedLoggedModels(this.ctx, before);
  purgeLoggedModels = (modelIds: string[]): Promise<void> => lm.purgeLoggedModels(this.ctx, modelIds);
}
