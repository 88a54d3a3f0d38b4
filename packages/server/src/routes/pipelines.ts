import { invalidParam } from '@ferry/core';
import { PipelineCompileError, parseSpec, specDigest } from '@ferry/pipeline';
import type { PipelineSpec } from '@ferry/pipeline';
import { wirePipeline, wireVersion } from '../pipelines/wire.js';
import { given, listBody, optionalObject, paging, pipelinesOf } from './pipelines-common.js';
import type { ApiRoute } from './route.js';

/** A spec from a request, validated in full; its compile errors become a 400 naming each problem. */
export function requestSpec(value: Record<string, unknown>): PipelineSpec {
  try {
    return parseSpec(value);
  } catch (error) {
    if (error instanceof PipelineCompileError) throw invalidParam(`Invalid pipeline spec: ${error.message}`);
    throw error;
  }
}

/** Pipelines and their versions, under `/api/2.0/ferry` (docs/pipelines.md, "REST API"). */
export const pipelineDefinitionRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: '/pipelines/create',
    async handle({ fields, deps }) {
      const name = fields.string('name');
      const description = given(fields, 'description');
      const pipeline = await pipelinesOf(deps).createPipeline({
        name,
        ...(description ? { description } : {}),
      });
      return { pipeline: wirePipeline(pipeline) };
    },
  },
  {
    method: 'GET',
    path: '/pipelines/get',
    async handle({ fields, deps }) {
      return { pipeline: wirePipeline(await pipelinesOf(deps).getPipeline(fields.string('pipeline_id'))) };
    },
  },
  {
    method: 'GET',
    path: '/pipelines/list',
    async handle({ fields, deps }) {
      const namePrefix = given(fields, 'name_prefix');
      const page = await pipelinesOf(deps).listPipelines({
        ...paging(fields),
        ...(namePrefix ? { namePrefix } : {}),
      });
      return listBody('pipelines', page, wirePipeline);
    },
  },
  {
    method: 'POST',
    path: '/pipelines/delete',
    async handle({ fields, deps }) {
      const store = pipelinesOf(deps);
      const pipeline = await store.getPipeline(fields.string('pipeline_id'));
      await store.deletePipeline(pipeline.id);
      return {};
    },
  },
  {
    method: 'POST',
    path: '/pipelines/versions/create',
    async handle({ fields, deps }) {
      const store = pipelinesOf(deps);
      const pipeline = await store.getPipeline(fields.string('pipeline_id'));
      const raw = optionalObject(fields, 'spec');
      if (!raw)
        throw invalidParam("Missing value for required parameter 'spec' (a ferry.pipeline/v1 spec object).");
      const spec = requestSpec(raw);
      const description = given(fields, 'description');
      const version = await store.createPipelineVersion(pipeline.id, {
        spec,
        specDigest: specDigest(spec),
        ...(description ? { description } : {}),
      });
      return { version: wireVersion(version) };
    },
  },
  {
    method: 'GET',
    path: '/pipelines/versions/get',
    async handle({ fields, deps }) {
      const store = pipelinesOf(deps);
      const pipeline = await store.getPipeline(fields.string('pipeline_id'));
      return { version: wireVersion(await store.getPipelineVersion(pipeline.id, fields.int('version'))) };
    },
  },
  {
    method: 'GET',
    path: '/pipelines/versions/list',
    async handle({ fields, deps }) {
      const store = pipelinesOf(deps);
      const pipeline = await store.getPipeline(fields.string('pipeline_id'));
      const page = await store.listPipelineVersions(pipeline.id, paging(fields));
      return listBody('versions', page, wireVersion);
    },
  },
];
