import { LIMITS, VIEW_TYPES, invalidParam, parseExperimentFilter, parseExperimentOrderBy } from '@ferry/core';
import type { Fields } from '../http/message.js';
import { pageBody, withList } from '../http/wire.js';
import { VIEW_TYPE_NUMBERS, readKeyValue, readKeyValues } from './read-fields.js';
import type { ApiRoute } from './route.js';

/** max_results of experiment search: MLflow's range and messages; absent means 1000 (see docs). */
function experimentsMaxResults(fields: Fields): number {
  const n = fields.optionalInt('max_results') ?? 1000;
  if (n <= 0)
    throw invalidParam(
      `Invalid value ${n} for parameter 'max_results' supplied. It must be a positive integer`,
    );
  if (n > LIMITS.searchExperimentsMaxResults) {
    throw invalidParam(
      `Invalid value ${n} for parameter 'max_results' supplied. It must be at most ${LIMITS.searchExperimentsMaxResults}`,
    );
  }
  return n;
}

const search: ApiRoute['handle'] = async ({ fields, deps }) => {
  const page = await deps.store.searchExperiments({
    maxResults: experimentsMaxResults(fields),
    viewType: fields.optionalEnum('view_type', VIEW_TYPES, VIEW_TYPE_NUMBERS),
    filter: parseExperimentFilter(fields.optionalString('filter')),
    orderBy: parseExperimentOrderBy(fields.stringList('order_by')),
    pageToken: fields.optionalString('page_token'),
  });
  return pageBody('experiments', page);
};

export const experimentRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: '/experiments/create',
    async handle({ fields, deps }) {
      const artifactLocation = fields.optionalString('artifact_location');
      const experimentId = await deps.store.createExperiment({
        name: fields.string('name'),
        tags: readKeyValues(fields, 'tags'),
        ...(artifactLocation ? { artifactLocation } : {}),
      });
      return { experiment_id: experimentId };
    },
  },
  {
    method: 'GET',
    path: '/experiments/get',
    async handle({ fields, deps }) {
      return { experiment: await deps.store.getExperiment(fields.string('experiment_id')) };
    },
  },
  {
    method: 'GET',
    path: '/experiments/get-by-name',
    async handle({ fields, deps }) {
      return { experiment: await deps.store.getExperimentByName(fields.string('experiment_name')) };
    },
  },
  { method: 'GET', path: '/experiments/search', handle: search },
  {
    // MLflow 1.x's listing, removed in 2.0 but still called by older clients (the npm `mlflow` package).
    method: 'GET',
    path: '/experiments/list',
    async handle({ fields, deps }) {
      const viewType = fields.optionalEnum('view_type', VIEW_TYPES, VIEW_TYPE_NUMBERS);
      const experiments = [];
      let pageToken: string | undefined;
      do {
        const page = await deps.store.searchExperiments({
          maxResults: LIMITS.searchExperimentsMaxResults,
          ...(viewType ? { viewType } : {}),
          ...(pageToken ? { pageToken } : {}),
        });
        experiments.push(...page.items);
        pageToken = page.nextPageToken;
      } while (pageToken);
      return withList({}, 'experiments', experiments);
    },
  },
  { method: 'POST', path: '/experiments/search', handle: search },
  {
    method: 'POST',
    path: '/experiments/delete',
    async handle({ fields, deps }) {
      await deps.store.deleteExperiment(fields.string('experiment_id'));
      return {};
    },
  },
  {
    method: 'POST',
    path: '/experiments/restore',
    async handle({ fields, deps }) {
      await deps.store.restoreExperiment(fields.string('experiment_id'));
      return {};
    },
  },
  {
    method: 'POST',
    path: '/experiments/update',
    async handle({ fields, deps }) {
      await deps.store.renameExperiment(fields.string('experiment_id'), fields.string('new_name'));
      return {};
    },
  },
  {
    method: 'POST',
    path: '/experiments/set-experiment-tag',
    async handle({ fields, deps }) {
      await deps.store.setExperimentTag(fields.string('experiment_id'), readKeyValue(fields));
      return {};
    },
  },
  {
    method: 'POST',
    path: '/experiments/delete-experiment-tag',
    async handle({ fields, deps }) {
      await deps.store.deleteExperimentTag(fields.string('experiment_id'), fields.string('key'));
      return {};
    },
  },
];
