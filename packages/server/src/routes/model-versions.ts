import {
  MODEL_VERSIONS_TAG,
  REGISTRY_LIMITS,
  canonicalStage,
  parseModelVersion,
  parseModelVersionFilter,
  parseModelVersionOrderBy,
} from '@ferry/core';
import type { AppDeps } from '../deps.js';
import type { Fields } from '../http/message.js';
import { pageBody } from '../http/wire.js';
import { resolveModelsSource, validateModelVersionSource } from '../registry/model-source.js';
import { readKeyValue, readKeyValues } from './read-fields.js';
import { readRegistrySearch } from './registered-models.js';
import type { ApiRoute } from './route.js';

const nameAndVersion = (fields: Fields): [string, number] => [
  fields.string('name'),
  parseModelVersion(fields.string('version')),
];

/** MLflow 3 lists a logged model's registrations in a JSON tag on the model. */
async function recordRegistration(
  deps: AppDeps,
  modelId: string,
  name: string,
  version: string,
): Promise<void> {
  const model = await deps.loggedModels.getLoggedModel(modelId);
  const existing = model.info.tags?.find((t) => t.key === MODEL_VERSIONS_TAG)?.value;
  const list = existing ? (JSON.parse(existing) as { name: string; version: string }[]) : [];
  if (!list.some((r) => r.name === name && String(r.version) === version)) list.push({ name, version });
  await deps.loggedModels.setLoggedModelTags(modelId, [
    { key: MODEL_VERSIONS_TAG, value: JSON.stringify(list) },
  ]);
}

export const modelVersionRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: '/model-versions/create',
    async handle({ fields, deps }) {
      const source = fields.string('source');
      const runIdField = fields.optionalString('run_id');
      const modelIdField = fields.optionalString('model_id') || undefined;
      await validateModelVersionSource(deps, source, {
        ...(runIdField ? { runId: runIdField } : {}),
        ...(modelIdField ? { modelId: modelIdField } : {}),
      });
      const resolved = await resolveModelsSource(deps, source);
      const modelId = modelIdField ?? resolved.modelId;
      let runId = runIdField || resolved.runId;
      if (!runId && modelId) runId = (await deps.loggedModels.getLoggedModel(modelId)).info.source_run_id;
      const name = fields.string('name');
      const mv = await deps.registry.createModelVersion({
        name,
        source,
        storageLocation: resolved.storageLocation,
        // Unset strings read as '' in MLflow's proto requests, and are stored and returned that way.
        runId: runId ?? '',
        runLink: fields.optionalString('run_link') ?? '',
        description: fields.optionalString('description') ?? '',
        tags: readKeyValues(fields, 'tags'),
        ...(modelId ? { modelId } : {}),
      });
      if (modelId) await recordRegistration(deps, modelId, name, mv.version);
      return { model_version: mv };
    },
  },
  {
    method: 'GET',
    path: '/model-versions/get',
    async handle({ fields, deps }) {
      return { model_version: await deps.registry.getModelVersion(...nameAndVersion(fields)) };
    },
  },
  {
    method: 'PATCH',
    path: '/model-versions/update',
    async handle({ fields, deps }) {
      const [name, version] = nameAndVersion(fields);
      return {
        model_version: await deps.registry.updateModelVersion(
          name,
          version,
          fields.optionalString('description'),
        ),
      };
    },
  },
  {
    method: 'POST',
    path: '/model-versions/transition-stage',
    async handle({ fields, deps }) {
      const [name, version] = nameAndVersion(fields);
      const mv = await deps.registry.transitionModelVersionStage(
        name,
        version,
        canonicalStage(fields.string('stage')),
        fields.optionalBool('archive_existing_versions') ?? false,
      );
      return { model_version: mv };
    },
  },
  {
    method: 'DELETE',
    path: '/model-versions/delete',
    async handle({ fields, deps }) {
      await deps.registry.deleteModelVersion(...nameAndVersion(fields));
      return {};
    },
  },
  {
    method: 'GET',
    path: '/model-versions/search',
    async handle({ fields, deps }) {
      const page = await deps.registry.searchModelVersions(
        readRegistrySearch(
          fields,
          { filter: parseModelVersionFilter, orderBy: parseModelVersionOrderBy },
          {
            max: REGISTRY_LIMITS.searchModelVersionsMaxResults,
            fallback: REGISTRY_LIMITS.searchModelVersionsDefault,
          },
        ),
      );
      return pageBody('model_versions', page);
    },
  },
  {
    // Ferry's extension: the version's stage transitions and alias changes, newest first.
    method: 'GET',
    path: '/model-versions/get-history',
    async handle({ fields, deps }) {
      return { events: await deps.registry.getModelVersionHistory(...nameAndVersion(fields)) };
    },
  },
  {
    method: 'GET',
    path: '/model-versions/get-download-uri',
    async handle({ fields, deps }) {
      return { artifact_uri: await deps.registry.getModelVersionDownloadUri(...nameAndVersion(fields)) };
    },
  },
  {
    method: 'POST',
    path: '/model-versions/set-tag',
    async handle({ fields, deps }) {
      const [name, version] = nameAndVersion(fields);
      await deps.registry.setModelVersionTag(name, version, readKeyValue(fields));
      return {};
    },
  },
  {
    method: 'DELETE',
    path: '/model-versions/delete-tag',
    async handle({ fields, deps }) {
      const [name, version] = nameAndVersion(fields);
      await deps.registry.deleteModelVersionTag(name, version, fields.string('key'));
      return {};
    },
  },
];
