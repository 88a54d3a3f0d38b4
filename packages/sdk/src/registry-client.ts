import { FerryError, isModelsUri, parseModelUri } from '@ferry/core';
import type { LoggedModel, ModelVersion, Page, RegisteredModel, Tag } from '@ferry/core';
import type { TrackingClient } from './tracking-client.js';

type Query = Record<string, string | number | string[] | undefined>;

export interface SearchRegistryRequest {
  filter?: string;
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

export interface CreateModelVersionRequest {
  source: string;
  runId?: string;
  modelId?: string;
  description?: string;
  tags?: Tag[];
  runLink?: string;
}

const searchQuery = (r: SearchRegistryRequest): Query => ({
  filter: r.filter,
  max_results: r.maxResults,
  order_by: r.orderBy,
  page_token: r.pageToken,
});

/**
 * The model registry and logged models over MLflow's REST API: the same calls MLflow's clients make,
 * so it works against Ferry and MLflow servers alike.
 */
export class RegistryClient {
  constructor(private readonly client: TrackingClient) {}

  async createRegisteredModel(name: string, options: { description?: string; tags?: Tag[] } = {}) {
    const res = await this.client.call<{ registered_model: RegisteredModel }>(
      'POST',
      'registered-models/create',
      {
        name,
        ...options,
      },
    );
    return res.registered_model;
  }

  /** The model, created first when it does not exist yet (by this caller or a concurrent one). */
  async ensureRegisteredModel(name: string): Promise<RegisteredModel> {
    try {
      return await this.createRegisteredModel(name);
    } catch (error) {
      if (error instanceof FerryError && error.code === 'RESOURCE_ALREADY_EXISTS') {
        return this.getRegisteredModel(name);
      }
      throw error;
    }
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return (
      await this.client.call<{ registered_model: RegisteredModel }>('GET', 'registered-models/get', { name })
    ).registered_model;
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    return (
      await this.client.call<{ registered_model: RegisteredModel }>('POST', 'registered-models/rename', {
        name,
        new_name: newName,
      })
    ).registered_model;
  }

  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    return (
      await this.client.call<{ registered_model: RegisteredModel }>('PATCH', 'registered-models/update', {
        name,
        description,
      })
    ).registered_model;
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.client.call('DELETE', 'registered-models/delete', { name });
  }

  async searchRegisteredModels(request: SearchRegistryRequest = {}): Promise<Page<RegisteredModel>> {
    const res = await this.client.call<{ registered_models?: RegisteredModel[]; next_page_token?: string }>(
      'GET',
      'registered-models/search',
      searchQuery(request),
    );
    return {
      items: res.registered_models ?? [],
      ...(res.next_page_token ? { nextPageToken: res.next_page_token } : {}),
    };
  }

  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    await this.client.call('POST', 'registered-models/set-tag', { name, key, value });
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    await this.client.call('DELETE', 'registered-models/delete-tag', { name, key });
  }

  async getLatestVersions(name: string, stages: string[] = []): Promise<ModelVersion[]> {
    return (
      (
        await this.client.call<{ model_versions?: ModelVersion[] }>(
          'POST',
          'registered-models/get-latest-versions',
          {
            name,
            stages,
          },
        )
      ).model_versions ?? []
    );
  }

  async createModelVersion(name: string, request: CreateModelVersionRequest): Promise<ModelVersion> {
    const res = await this.client.call<{ model_version: ModelVersion }>('POST', 'model-versions/create', {
      name,
      source: request.source,
      ...(request.runId ? { run_id: request.runId } : {}),
      ...(request.modelId ? { model_id: request.modelId } : {}),
      ...(request.description ? { description: request.description } : {}),
      ...(request.tags ? { tags: request.tags } : {}),
      ...(request.runLink ? { run_link: request.runLink } : {}),
    });
    return res.model_version;
  }

  async getModelVersion(name: string, version: string | number): Promise<ModelVersion> {
    return (
      await this.client.call<{ model_version: ModelVersion }>('GET', 'model-versions/get', {
        name,
        version: String(version),
      })
    ).model_version;
  }

  async updateModelVersion(
    name: string,
    version: string | number,
    description: string,
  ): Promise<ModelVersion> {
    return (
      await this.client.call<{ model_version: ModelVersion }>('PATCH', 'model-versions/update', {
        name,
        version: String(version),
        description,
      })
    ).model_version;
  }

  async deleteModelVersion(name: string, version: string | number): Promise<void> {
    await this.client.call('DELETE', 'model-versions/delete', { name, version: String(version) });
  }

  async transitionModelVersionStage(
    name: string,
    version: string | number,
    stage: string,
    archiveExistingVersions = false,
  ): Promise<ModelVersion> {
    return (
      await this.client.call<{ model_version: ModelVersion }>('POST', 'model-versions/transition-stage', {
        name,
        version: String(version),
        stage,
        archive_existing_versions: archiveExistingVersions,
      })
    ).model_version;
  }

  async searchModelVersions(request: SearchRegistryRequest = {}): Promise<Page<ModelVersion>> {
    const res = await this.client.call<{ model_versions?: ModelVersion[]; next_page_token?: string }>(
      'GET',
      'model-versions/search',
      searchQuery(request),
    );
    return {
      items: res.model_versions ?? [],
      ...(res.next_page_token ? { nextPageToken: res.next_page_token } : {}),
    };
  }

  async getModelVersionDownloadUri(name: string, version: string | number): Promise<string> {
    return (
      await this.client.call<{ artifact_uri: string }>('GET', 'model-versions/get-download-uri', {
        name,
        version: String(version),
      })
    ).artifact_uri;
  }

  async setModelVersionTag(
    name: string,
    version: string | number,
    key: string,
    value: string,
  ): Promise<void> {
    await this.client.call('POST', 'model-versions/set-tag', { name, version: String(version), key, value });
  }

  async deleteModelVersionTag(name: string, version: string | number, key: string): Promise<void> {
    await this.client.call('DELETE', 'model-versions/delete-tag', { name, version: String(version), key });
  }

  async setAlias(name: string, alias: string, version: string | number): Promise<void> {
    await this.client.call('POST', 'registered-models/alias', { name, alias, version: String(version) });
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.client.call('DELETE', 'registered-models/alias', { name, alias });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return (
      await this.client.call<{ model_version: ModelVersion }>('GET', 'registered-models/alias', {
        name,
        alias,
      })
    ).model_version;
  }

  async createLoggedModel(request: {
    experimentId: string;
    name?: string;
    sourceRunId?: string;
    modelType?: string;
    params?: Tag[];
    tags?: Tag[];
  }): Promise<LoggedModel> {
    const res = await this.client.call<{ model: LoggedModel }>('POST', 'logged-models', {
      experiment_id: request.experimentId,
      ...(request.name ? { name: request.name } : {}),
      ...(request.sourceRunId ? { source_run_id: request.sourceRunId } : {}),
      ...(request.modelType ? { model_type: request.modelType } : {}),
      ...(request.params ? { params: request.params } : {}),
      ...(request.tags ? { tags: request.tags } : {}),
    });
    return res.model;
  }

  async getLoggedModel(modelId: string): Promise<LoggedModel> {
    return (
      await this.client.call<{ model: LoggedModel }>('GET', `logged-models/${encodeURIComponent(modelId)}`)
    ).model;
  }

  async finalizeLoggedModel(modelId: string, status: 'LOGGED_MODEL_READY' | 'LOGGED_MODEL_UPLOAD_FAILED') {
    const path = `logged-models/${encodeURIComponent(modelId)}`;
    return (await this.client.call<{ model: LoggedModel }>('PATCH', path, { model_id: modelId, status }))
      .model;
  }

  /** Marks the logged model deleted; `ferry gc` removes it and its files later. */
  async deleteLoggedModel(modelId: string): Promise<void> {
    await this.client.call('DELETE', `logged-models/${encodeURIComponent(modelId)}`);
  }

  async logRunOutputs(runId: string, models: { model_id: string; step: number }[]): Promise<void> {
    await this.client.call('POST', 'runs/outputs', { run_id: runId, models });
  }

  /**
   * Where the files of a model URI are: `models:/name/<version|stage|latest>`, `models:/name@alias`,
   * `models:/<logged model id>`, `runs:/<run id>/<path>`, or any artifact URI (returned as it is).
   */
  async resolveModelUri(uri: string): Promise<string> {
    const runs = /^runs:\/([^/]+)\/?(.*)$/.exec(uri);
    if (runs) {
      const run = await this.client.getRun(runs[1]!);
      const path = runs[2]!.replace(/\/+$/, '');
      return path ? `${run.info.artifact_uri.replace(/\/+$/, '')}/${path}` : run.info.artifact_uri;
    }
    if (!isModelsUri(uri)) return uri;
    const parsed = parseModelUri(uri);
    switch (parsed.kind) {
      case 'logged-model':
        return (await this.getLoggedModel(parsed.modelId)).info.artifact_uri;
      case 'version':
        return this.getModelVersionDownloadUri(parsed.name, parsed.version);
      case 'alias':
        return this.getModelVersionDownloadUri(
          parsed.name,
          (await this.getModelVersionByAlias(parsed.name, parsed.alias)).version,
        );
      case 'latest':
      case 'stage': {
        const latest = await this.getLatestVersions(
          parsed.name,
          parsed.kind === 'stage' ? [parsed.stage] : [],
        );
        const newest = latest.map((mv) => Number(mv.version)).sort((a, b) => b - a)[0];
        if (newest === undefined) {
          const where = parsed.kind === 'stage' ? ` and stage '${parsed.stage}'` : '';
          throw new FerryError(
            'RESOURCE_DOES_NOT_EXIST',
            `No versions of model with name '${parsed.name}'${where} found`,
          );
        }
        return this.getModelVersionDownloadUri(parsed.name, newest);
      }
    }
  }
}
