import { LIMITS, RUN_STATUSES, VIEW_TYPES, invalidParam, parseRunFilter, parseRunOrderBy } from '@ferry/core';
import type { DatasetInput, Metric, RunStatus } from '@ferry/core';
import type { Fields } from '../http/message.js';
import { wrongType } from '../http/message.js';
import { pageBody, wireRun } from '../http/wire.js';
import { VIEW_TYPE_NUMBERS, readKeyValue, readKeyValues } from './read-fields.js';
import type { ApiRoute } from './route.js';

const RUN_STATUS_NUMBERS: Record<number, RunStatus> = {
  1: 'RUNNING',
  2: 'SCHEDULED',
  3: 'FINISHED',
  4: 'FAILED',
  5: 'KILLED',
};

const LOG_MODEL_HISTORY_TAG = 'mlflow.log-model.history';

/** run_id, or the deprecated run_uuid that older clients still send. */
const runId = (fields: Fields): string => fields.string('run_id', 'run_uuid');

function readMetric(m: Fields): Metric {
  const metric: Metric = {
    key: m.string('key'),
    value: m.double('value'),
    timestamp: m.int('timestamp'),
    step: m.optionalInt('step') ?? 0,
  };
  const modelId = m.optionalString('model_id');
  const datasetName = m.optionalString('dataset_name');
  const datasetDigest = m.optionalString('dataset_digest');
  if (modelId) metric.model_id = modelId;
  if (datasetName) metric.dataset_name = datasetName;
  if (datasetDigest) metric.dataset_digest = datasetDigest;
  return metric;
}

function readDatasetInput(input: Fields): DatasetInput {
  const d = input.message('dataset');
  if (!d) throw invalidParam(`Missing value for required parameter 'dataset'.`);
  const dataset: DatasetInput['dataset'] = {
    name: d.string('name'),
    digest: d.string('digest'),
    source_type: d.string('source_type'),
    source: d.string('source'),
  };
  const schema = d.optionalString('schema');
  const profile = d.optionalString('profile');
  if (schema) dataset.schema = schema;
  if (profile) dataset.profile = profile;
  const tags = readKeyValues(input, 'tags');
  return tags.length > 0 ? { dataset, tags } : { dataset };
}

function searchMaxResults(fields: Fields): number {
  const n = fields.optionalInt('max_results') ?? 1000;
  if (n <= 0 || n > LIMITS.searchRunsMaxResults) throw wrongType('max_results', n);
  return n;
}

export const runRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: '/runs/create',
    async handle({ fields, deps }) {
      const userId = fields.optionalString('user_id');
      const runName = fields.optionalString('run_name');
      const startTime = fields.optionalInt('start_time');
      const run = await deps.store.createRun({
        // An omitted experiment means the Default experiment (MLflow fails with a database error here).
        experimentId: fields.optionalString('experiment_id') || '0',
        tags: readKeyValues(fields, 'tags'),
        ...(userId !== undefined ? { userId } : {}),
        ...(runName ? { runName } : {}),
        ...(startTime !== undefined ? { startTime } : {}),
      });
      return { run: wireRun(run) };
    },
  },
  {
    method: 'GET',
    path: '/runs/get',
    async handle({ fields, deps }) {
      return { run: wireRun(await deps.store.getRun(runId(fields))) };
    },
  },
  {
    method: 'POST',
    path: '/runs/update',
    async handle({ fields, deps }) {
      const id = runId(fields);
      const status = fields.optionalEnum('status', RUN_STATUSES, RUN_STATUS_NUMBERS);
      const endTime = fields.optionalInt('end_time');
      const runName = fields.optionalString('run_name');
      const info = await deps.store.updateRun(id, {
        ...(status ? { status } : {}),
        ...(endTime !== undefined ? { endTime } : {}),
        ...(runName ? { runName } : {}),
      });
      return { run_info: info };
    },
  },
  {
    method: 'POST',
    path: '/runs/delete',
    async handle({ fields, deps }) {
      await deps.store.deleteRun(runId(fields));
      return {};
    },
  },
  {
    method: 'POST',
    path: '/runs/restore',
    async handle({ fields, deps }) {
      await deps.store.restoreRun(runId(fields));
      return {};
    },
  },
  {
    method: 'POST',
    path: '/runs/log-metric',
    async handle({ fields, deps }) {
      await deps.store.logBatch(runId(fields), { metrics: [readMetric(fields)] });
      return {};
    },
  },
  {
    method: 'POST',
    path: '/runs/log-parameter',
    async handle({ fields, deps }) {
      await deps.store.logBatch(runId(fields), { params: [readKeyValue(fields)] });
      return {};
    },
  },
  {
    method: 'POST',
    path: '/runs/set-tag',
    async handle({ fields, deps }) {
      await deps.store.logBatch(runId(fields), { tags: [readKeyValue(fields)] });
      return {};
    },
  },
  {
    method: 'POST',
    path: '/runs/delete-tag',
    async handle({ fields, deps }) {
      await deps.store.deleteTag(fields.string('run_id'), fields.string('key'));
      return {};
    },
  },
  {
    method: 'POST',
    path: '/runs/log-batch',
    async handle({ fields, deps, bodyBytes }) {
      if (bodyBytes > LIMITS.batchRequestBytes) {
        throw invalidParam(
          `Batched logging API requests must be at most ${LIMITS.batchRequestBytes} bytes, got a request of size ${bodyBytes}.`,
        );
      }
      const id = runId(fields);
      await deps.store.logBatch(id, {
        metrics: fields.messages('metrics').map(readMetric),
        params: readKeyValues(fields, 'params'),
        tags: readKeyValues(fields, 'tags'),
      });
      return {};
    },
  },
  {
    method: 'POST',
    path: '/runs/log-inputs',
    async handle({ fields, deps }) {
      const id = runId(fields);
      await deps.store.logInputs(id, fields.messages('datasets').map(readDatasetInput));
      return {};
    },
  },
  {
    method: 'POST',
    path: '/runs/log-model',
    async handle({ fields, deps }) {
      const id = runId(fields);
      const json = fields.string('model_json');
      let model: Record<string, unknown>;
      try {
        model = JSON.parse(json) as Record<string, unknown>;
      } catch {
        throw invalidParam(`Malformed model info. \n ${json} \n is not a valid JSON.`);
      }
      const missing = ['artifact_path', 'flavors', 'utc_time_created', 'run_id'].filter((k) => !(k in model));
      if (missing.length > 0) {
        throw invalidParam(
          `Model json is missing mandatory fields: {${missing.map((k) => `'${k}'`).join(', ')}}`,
        );
      }
      const run = await deps.store.getRun(id);
      const previous = run.data.tags?.find((t) => t.key === LOG_MODEL_HISTORY_TAG)?.value;
      const history = previous ? (JSON.parse(previous) as unknown[]) : [];
      history.push(model);
      await deps.store.logBatch(id, {
        tags: [{ key: LOG_MODEL_HISTORY_TAG, value: JSON.stringify(history) }],
      });
      return {};
    },
  },
  {
    method: 'POST',
    path: '/runs/search',
    async handle({ fields, deps }) {
      const page = await deps.store.searchRuns({
        experimentIds: fields.stringList('experiment_ids'),
        filter: parseRunFilter(fields.optionalString('filter')),
        viewType: fields.optionalEnum('run_view_type', VIEW_TYPES, VIEW_TYPE_NUMBERS),
        maxResults: searchMaxResults(fields),
        orderBy: parseRunOrderBy(fields.stringList('order_by')),
        pageToken: fields.optionalString('page_token'),
      });
      return pageBody('runs', page, wireRun);
    },
  },
];
