import {
  LOGGED_MODEL_STATUSES,
  invalidParam,
  parseLoggedModelFilter,
  parseLoggedModelOrderBy,
} from '@ferry/core';
import type { LoggedModel } from '@ferry/core';
import type { LoggedModelDatasetFilter } from '@ferry/store';
import type { Fields } from '../http/message.js';
import { pageBody, wireMetrics } from '../http/wire.js';
import { listArtifactsUnder } from './artifacts-list.js';
import { readKeyValues } from './read-fields.js';
import type { ApiRequest, ApiRoute } from './route.js';

/** MLflow's default page size for logged-model searches. */
const SEARCH_DEFAULT_MAX_RESULTS = 50;

const STATUS_NUMBERS: Record<number, (typeof LOGGED_MODEL_STATUSES)[number]> = {
  0: 'LOGGED_MODEL_STATUS_UNSPECIFIED',
  1: 'LOGGED_MODEL_PENDING',
  2: 'LOGGED_MODEL_READY',
  3: 'LOGGED_MODEL_UPLOAD_FAILED',
};

const modelId = (req: ApiRequest): string => req.context.req.param('model_id') ?? '';

/** A logged model as proto JSON: NaN metric values as "NaN". */
function wireModel(model: LoggedModel): unknown {
  const metrics = model.data.metrics;
  return metrics ? { ...model, data: { ...model.data, metrics: wireMetrics(metrics) } } : model;
}

function readDatasets(fields: Fields): LoggedModelDatasetFilter[] {
  return fields.messages('datasets').map((d) => {
    const name = d.optionalString('dataset_name');
    if (!name) throw invalidParam('`dataset_name` in the `datasets` clause must be specified.');
    const digest = d.optionalString('dataset_digest');
    return digest ? { dataset_name: name, dataset_digest: digest } : { dataset_name: name };
  });
}

export const loggedModelRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: '/logged-models',
    async handle({ fields, deps }) {
      const name = fields.optionalString('name');
      const sourceRunId = fields.optionalString('source_run_id');
      const model = await deps.loggedModels.createLoggedModel({
        experimentId: fields.string('experiment_id'),
        ...(name ? { name } : {}),
        modelType: fields.optionalString('model_type') ?? '',
        ...(sourceRunId ? { sourceRunId } : {}),
        params: readKeyValues(fields, 'params'),
        tags: readKeyValues(fields, 'tags'),
      });
      return { model: wireModel(model) };
    },
  },
  {
    method: 'POST',
    path: '/logged-models/search',
    async handle({ fields, deps }) {
      const experimentIds = fields.stringList('experiment_ids');
      if (experimentIds.length === 0) {
        throw invalidParam("Missing value for required parameter 'experiment_ids'.");
      }
      const pageToken = fields.optionalString('page_token');
      const page = await deps.loggedModels.searchLoggedModels({
        experimentIds,
        filter: parseLoggedModelFilter(fields.optionalString('filter')),
        datasets: readDatasets(fields),
        maxResults: fields.optionalInt('max_results') || SEARCH_DEFAULT_MAX_RESULTS,
        orderBy: parseLoggedModelOrderBy(
          fields.messages('order_by').map((o) => ({
            field_name: o.optionalString('field_name') ?? '',
            ascending: o.optionalBool('ascending') ?? true,
            dataset_name: o.optionalString('dataset_name') ?? '',
            dataset_digest: o.optionalString('dataset_digest') ?? '',
          })),
        ),
        ...(pageToken ? { pageToken } : {}),
      });
      return pageBody('models', page, wireModel);
    },
  },
  {
    method: 'GET',
    path: '/logged-models/:model_id',
    async handle(req) {
      return { model: wireModel(await req.deps.loggedModels.getLoggedModel(modelId(req))) };
    },
  },
  {
    method: 'PATCH',
    path: '/logged-models/:model_id',
    async handle(req) {
      const status = req.fields.optionalEnum('status', LOGGED_MODEL_STATUSES, STATUS_NUMBERS);
      if (status === undefined) throw invalidParam("Missing value for required parameter 'status'.");
      return { model: wireModel(await req.deps.loggedModels.finalizeLoggedModel(modelId(req), status)) };
    },
  },
  {
    method: 'DELETE',
    path: '/logged-models/:model_id',
    async handle(req) {
      await req.deps.loggedModels.deleteLoggedModel(modelId(req));
      return {};
    },
  },
  {
    method: 'PATCH',
    path: '/logged-models/:model_id/tags',
    async handle(req) {
      await req.deps.loggedModels.setLoggedModelTags(modelId(req), readKeyValues(req.fields, 'tags'));
      return {};
    },
  },
  {
    method: 'DELETE',
    path: '/logged-models/:model_id/tags/:tag_key',
    async handle(req) {
      await req.deps.loggedModels.deleteLoggedModelTag(modelId(req), req.context.req.param('tag_key') ?? '');
      return {};
    },
  },
  {
    method: 'POST',
    path: '/logged-models/:model_id/params',
    async handle(req) {
      await req.deps.loggedModels.logLoggedModelParams(modelId(req), readKeyValues(req.fields, 'params'));
      return {};
    },
  },
  {
    method: 'GET',
    path: '/logged-models/:model_id/artifacts/directories',
    async handle(req) {
      const model = await req.deps.loggedModels.getLoggedModel(modelId(req));
      return listArtifactsUnder(
        req.deps,
        model.info.artifact_uri,
        req.fields.optionalString('artifact_directory_path'),
      );
    },
  },
];

/** runs/outputs (MLflow 3): the logged models a run produced. */
export const runOutputRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: '/runs/outputs',
    async handle({ fields, deps }) {
      const runId = fields.string('run_id');
      const models = fields.messages('models').map((m) => ({
        model_id: m.string('model_id'),
        step: m.optionalInt('step') ?? 0,
      }));
      await deps.loggedModels.logRunOutputs(runId, models);
      return {};
    },
  },
];
