import type { ModelVersion, ModelVersionStage, Page, RegisteredModel, Tag } from '@ferry/core';
import type {
  CreateModelVersionInput,
  CreateRegisteredModelInput,
  ModelVersionEvent,
  RegistryStore,
  SearchRegistryInput,
} from './registry-store.js';
import type { SqlTrackingStore } from './sql-tracking-store.js';
import type { StoreContext } from './sql/context.js';
import * as aliases from './sql/registry/aliases.js';
import { getModelVersionHistory } from './sql/registry/history.js';
import * as versions from './sql/registry/model-versions.js';
import * as models from './sql/registry/registered-models.js';
import { searchModelVersions, searchRegisteredModels } from './sql/registry/search.js';

/**
 * The model registry on the tracking store's database (same connections, same migrations): opening
 * and closing belong to the tracking store.
 */
export class SqlRegistryStore implements RegistryStore {
  private readonly ctx: StoreContext;

  constructor(tracking: SqlTrackingStore) {
    this.ctx = tracking.context;
  }

  createRegisteredModel = (input: CreateRegisteredModelInput): Promise<RegisteredModel> =>
    models.createRegisteredModel(this.ctx, input);
  getRegisteredModel = (name: string): Promise<RegisteredModel> => models.getRegisteredModel(this.ctx, name);
  renameRegisteredModel = (name: string, newName: string): Promise<RegisteredModel> =>
    models.renameRegisteredModel(this.ctx, name, newName);
  updateRegisteredModel = (name: string, description: string | undefined): Promise<RegisteredModel> =>
    models.updateRegisteredModel(this.ctx, name, description);
  deleteRegisteredModel = (name: string): Promise<void> => models.deleteRegisteredModel(this.ctx, name);
  searchRegisteredModels = (input: SearchRegistryInput): Promise<Page<RegisteredModel>> =>
    searchRegisteredModels(this.ctx, input);
  getLatestVersions = (name: string, stages?: ModelVersionStage[]): Promise<ModelVersion[]> =>
    versions.getLatestVersions(this.ctx, name, stages);
  setRegisteredModelTag = (name: string, tag: Tag): Promise<void> =>
    models.setRegisteredModelTag(this.ctx, name, tag);
  deleteRegisteredModelTag = (name: string, key: string): Promise<void> =>
    models.deleteRegisteredModelTag(this.ctx, name, key);

  createModelVersion = (input: CreateModelVersionInput): Promise<ModelVersion> =>
    versions.createModelVersion(this.ctx, input);
  getModelVersion = (name: string, version: number): Promise<ModelVersion> =>
    versions.getModelVersion(this.ctx, name, version);
  updateModelVersion = (
    name: string,
    version: number,
    description: string | undefined,
  ): Promise<ModelVersion> => versions.updateModelVersion(this.ctx, name, version, description);
  transitionModelVersionStage = (
    name: string,
    version: number,
    stage: ModelVersionStage,
    archiveExistingVersions: boolean,
  ): Promise<ModelVersion> =>
    versions.transitionModelVersionStage(this.ctx, name, version, stage, archiveExistingVersions);
  deleteModelVersion = (name: string, version: number): Promise<void> =>
    versions.deleteModelVersion(this.ctx, name, version);
  searchModelVersions = (input: SearchRegistryInput): Promise<Page<ModelVersion>> =>
    searchModelVersions(this.ctx, input);
  getModelVersionDownloadUri = (name: string, version: number): Promise<string> =>
    versions.getModelVersionDownloadUri(this.ctx, name, version);
  setModelVersionTag = (name: string, version: number, tag: Tag): Promise<void> =>
    versions.setModelVersionTag(this.ctx, name, version, tag);
  deleteModelVersionTag = (name: string, version: number, key: string): Promise<void> =>
    versions.deleteModelVersionTag(this.ctx, name, version, key);

  setRegisteredModelAlias = (name: string, alias: string, version: number): Promise<void> =>
    aliases.setRegisteredModelAlias(this.ctx, name, alias, version);
  deleteRegisteredModelAlias = (name: string, alias: string): Promise<void> =>
    aliases.deleteRegisteredModelAlias(this.ctx, name, alias);
  getModelVersionByAlias = (name: string, alias: string): Promise<ModelVersion> =>
    aliases.getModelVersionByAlias(this.ctx, name, alias);
  getModelVersionHistory = (name: string, version: number): Promise<ModelVersionEvent[]> =>
    getModelVersionHistory(this.ctx, name, version);
}
