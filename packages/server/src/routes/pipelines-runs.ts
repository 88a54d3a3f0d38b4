import { invalidParam } from '@ferry/core';
import type { Json, PipelineSpec } from '@ferry/pipeline';
import { PIPELINE_RUN_STATUSES } from '@ferry/store';
import type { PipelineRunStatus } from '@ferry/store';
import type { AppDeps } from '../deps.js';
import type { Fields } from '../http/message.js';
import { taskLogResponse } from '../pipelines/logs.js';
import { wireRun, wireRunSummary, wireTask } from '../pipelines/wire.js';
import { requestSpec } from './pipelines.js';
import {
  controllerOf,
  given,
  listBody,
  optionalObject,
  optionalPositiveInt,
  paging,
  pipelinesOf,
} from './pipelines-common.js';
import type { ApiRoute } from './route.js';

/** The spec a run is created from: inline, or a stored version (the latest when none is named). */
async function runSource(
  fields: Fields,
  deps: AppDeps,
): Promise<{ spec: PipelineSpec; pipelineId?: string; pipelineVersion?: number }> {
  const inline = optionalObject(fields, 'spec');
  const pipelineRef = given(fields, 'pipeline_id');
  if (inline && pipelineRef) throw invalidParam("Give either 'spec' or 'pipeline_id', not both.");
  if (inline) {
    if (fields.has('version'))
      throw invalidParam("'version' goes with 'pipeline_id', not with an inline 'spec'.");
    return { spec: requestSpec(inline) };
  }
  if (!pipelineRef) throw invalidParam("Missing 'spec' or 'pipeline_id': a run needs a pipeline to run.");
  const store = pipelinesOf(deps);
  const pipeline = await store.getPipeline(pipelineRef);
  const version = optionalPositiveInt(fields, 'version') ?? pipeline.latestVersion;
  if (version === null) {
    throw invalidParam(
      `Pipeline '${pipeline.name}' has no versions yet; create one with pipelines/versions/create.`,
    );
  }
  const stored = await store.getPipelineVersion(pipeline.id, version);
  return { spec: stored.spec as PipelineSpec, pipelineId: pipeline.id, pipelineVersion: stored.version };
}

function readStatuses(fields: Fields): PipelineRunStatus[] {
  return fields.stringList('status').map((status) => {
    if (!(PIPELINE_RUN_STATUSES as readonly string[]).includes(status)) {
      throw invalidParam(
        `Invalid value "${status}" for parameter 'status' supplied. It must be one of ${PIPELINE_RUN_STATUSES.join(', ')}.`,
      );
    }
    return status as PipelineRunStatus;
  });
}

/** Pipeline runs: create, read, cancel, retry, task logs. */
export const pipelineRunRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: '/pipelines/runs/create',
    async handle({ fields, deps }) {
      const controller = controllerOf(deps);
      const experimentId = given(fields, 'experiment_id') ?? '0';
      const name = given(fields, 'name');
      const parameters = optionalObject(fields, 'parameters') as Record<string, Json> | undefined;
      const noCache = fields.optionalBool('no_cache');
      const source = await runSource(fields, deps);
      // Before anything is stored: an unknown experiment is a 404, not a half-created run.
      await deps.store.getExperiment(experimentId);
      const run = await controller.submit({
        spec: source.spec,
        experimentId,
        ...(parameters ? { parameters } : {}),
        ...(name ? { name } : {}),
        ...(noCache !== undefined ? { noCache } : {}),
        ...(source.pipelineId ? { pipelineId: source.pipelineId } : {}),
        ...(source.pipelineVersion !== undefined ? { pipelineVersion: source.pipelineVersion } : {}),
      });
      return { run: wireRun(run) };
    },
  },
  {
    method: 'GET',
    path: '/pipelines/runs/get',
    async handle({ fields, deps }) {
      const store = pipelinesOf(deps);
      const run = await store.getPipelineRun(fields.string('run_id'));
      const tasks = await store.listTasks(run.id);
      return { run: wireRun(run), tasks: tasks.map(wireTask) };
    },
  },
  {
    method: 'GET',
    path: '/pipelines/runs/list',
    async handle({ fields, deps }) {
      const store = pipelinesOf(deps);
      const pipelineRef = given(fields, 'pipeline_id');
      const scheduleRef = given(fields, 'schedule_id');
      const statuses = readStatuses(fields);
      const pipelineId = pipelineRef ? (await store.getPipeline(pipelineRef)).id : undefined;
      const scheduleId = scheduleRef ? (await store.getSchedule(scheduleRef)).id : undefined;
      const page = await store.listPipelineRuns({
        ...paging(fields),
        ...(pipelineId ? { pipelineId } : {}),
        ...(scheduleId ? { scheduleId } : {}),
        ...(statuses.length > 0 ? { statuses } : {}),
      });
      return listBody('runs', page, wireRunSummary);
    },
  },
  {
    method: 'POST',
    path: '/pipelines/runs/cancel',
    async handle({ fields, deps }) {
      return { run: wireRun(await controllerOf(deps).cancel(fields.string('run_id'))) };
    },
  },
  {
    method: 'POST',
    path: '/pipelines/runs/retry',
    async handle({ fields, deps }) {
      return { run: wireRun(await controllerOf(deps).retry(fields.string('run_id'))) };
    },
  },
  {
    method: 'GET',
    path: '/pipelines/runs/logs',
    async handle({ fields, deps }) {
      const runId = fields.string('run_id');
      const taskId = fields.string('task_id');
      const attempt = fields.optionalInt('attempt');
      if (attempt !== undefined && attempt < 0)
        throw invalidParam(`'attempt' must be at least 0 (got ${attempt}).`);
      return taskLogResponse(deps, runId, taskId, attempt);
    },
  },
];
