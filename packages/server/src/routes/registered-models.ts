import {
  REGISTRY_LIMITS,
  canonicalStage,
  parseModelVersion,
  parseRegisteredModelFilter,
  parseRegisteredModelOrderBy,
} from '@ferry/core';
import type { Filter, OrderBy } from '@ferry/core';
import type { SearchRegistryInput } from '@ferry/store';
import type { Fields } from '../http/message.js';
import { wrongType } from '../http/message.js';
import { pageBody, withList } from '../http/wire.js';
import { readKeyValue, readKeyValues } from './read-fields.js';
import type { ApiRoute } from './route.js';

/**
 * A registry search request as MLflow's handlers read it: the filter and order_by in the entity's
 * grammar, and max_results as an int-like value up to `max` (reported as sent when over).
 */
export function readRegistrySearch(
  fields: Fields,
  grammar: { filter: (text?: string) => Filter; orderBy: (clauses?: string[]) => OrderBy[] },
  limits: { max: number; fallback: number },
): SearchRegistryInput {
  const maxResults = fields.optionalInt('max_results') ?? limits.fallback;
  if (maxResults > limits.max) throw wrongType('max_results', fields.raw('max_results'));
  const pageToken = fields.optionalString('page_token');
  return {
    filter: grammar.filter(fields.optionalString('filter')),
    maxResults,
    orderBy: grammar.orderBy(fields.stringList('order_by')),
    ...(pageToken ? { pageToken } : {}),
  };
}

const name = (fields: Fields) => fields.string('name');

export const registeredModelRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: '/registered-models/create',
    async handle({ fields, deps }) {
      const description = fields.optionalString('description');
      const deploymentJobId = fields.optionalString('deployment_job_id');
      const registeredModel = await deps.registry.createRegisteredModel({
        name: name(fields),
        tags: readKeyValues(fields, 'tags'),
        ...(description !== undefined ? { description } : {}),
        ...(deploymentJobId ? { deploymentJobId } : {}),
      });
      return { registered_model: registeredModel };
    },
  },
  {
    method: 'GET',
    path: '/registered-models/get',
    async handle({ fields, deps }) {
      return { registered_model: await deps.registry.getRegisteredModel(name(fields)) };
    },
  },
  {
    method: 'POST',
    path: '/registered-models/rename',
    async handle({ fields, deps }) {
      const model = await deps.registry.renameRegisteredModel(name(fields), fields.string('new_name'));
      return { registered_model: model };
    },
  },
  {
    method: 'PATCH',
    path: '/registered-models/update',
    async handle({ fields, deps }) {
      const model = await deps.registry.updateRegisteredModel(
        name(fields),
        fields.optionalString('description'),
      );
      return { registered_model: model };
    },
  },
  {
    method: 'DELETE',
    path: '/registered-models/delete',
    async handle({ fields, deps }) {
      await deps.registry.deleteRegisteredModel(name(fields));
      return {};
    },
  },
  {
    method: 'GET',
    path: '/registered-models/search',
    async handle({ fields, deps }) {
      const page = await deps.registry.searchRegisteredModels(
        readRegistrySearch(
          fields,
          { filter: parseRegisteredModelFilter, orderBy: parseRegisteredModelOrderBy },
          {
            max: REGISTRY_LIMITS.searchRegisteredModelsMaxResults,
            fallback: REGISTRY_LIMITS.searchRegisteredModelsDefault,
          },
        ),
      );
      return pageBody('registered_models', page);
    },
  },
  ...(['POST', 'GET'] as const).map((method): ApiRoute => ({
    method,
    path: '/registered-models/get-latest-versions',
    async handle({ fields, deps }) {
      const stages = fields.stringList('stages').map(canonicalStage);
      return withList({}, 'model_versions', await deps.registry.getLatestVersions(name(fields), stages));
    },
  })),
  {
    method: 'POST',
    path: '/registered-models/set-tag',
    async handle({ fields, deps }) {
      await deps.registry.setRegisteredModelTag(name(fields), readKeyValue(fields));
      return {};
    },
  },
  {
    method: 'DELETE',
    path: '/registered-models/delete-tag',
    async handle({ fields, deps }) {
      await deps.registry.deleteRegisteredModelTag(name(fields), fields.string('key'));
      return {};
    },
  },
  {
    method: 'POST',
    path: '/registered-models/alias',
    async handle({ fields, deps }) {
      await deps.registry.setRegisteredModelAlias(
        name(fields),
        fields.string('alias'),
        parseModelVersion(fields.string('version')),
      );
      return {};
    },
  },
  {
    method: 'DELETE',
    path: '/registered-models/alias',
    async handle({ fields, deps }) {
      await deps.registry.deleteRegisteredModelAlias(name(fields), fields.string('alias'));
      return {};
    },
  },
  {
    method: 'GET',
    path: '/registered-models/alias',
    async handle({ fields, deps }) {
      return {
        model_version: await deps.registry.getModelVersionByAlias(name(fields), fields.string('alias')),
      };
    },
  },
];
