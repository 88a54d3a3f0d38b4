import { notFound } from '@ferry/core';
import type { Insertable, Updateable } from 'kysely';
import { PIPELINE_TASK_STATUSES } from '../../pipeline-store.js';
import type {
  NewPipelineTask,
  PipelineTask,
  PipelineTaskPatch,
  PipelineTaskStatus,
} from '../../pipeline-store.js';
import type { Database } from '../../schema.js';
import { chunks, retryTransient, type StoreContext } from '../context.js';
import {
  requireRunRow,
  runNotFound,
  toJson,
  toTask,
  validateInteger,
  validateName,
  validateObject,
  validateStatuses,
  validateTime,
  type Db,
  type TaskRow,
} from './common.js';

type TaskChanges = Updateable<Database['pipeline_tasks']>;

const taskNotFound = (runId: string, taskId: string) =>
  notFound(`Task '${taskId}' of pipeline run '${runId}' not found.`);

function jsonObjectOrNull(field: string, value: Record<string, unknown> | null): string | null {
  if (value === null) return null;
  validateObject(field, value);
  return toJson(field, value);
}

/** The columns a patch (or the optional fields of a new task) sets; undefined fields are left out. */
function taskChanges(patch: PipelineTaskPatch): TaskChanges {
  const changes: TaskChanges = {};
  if (patch.name !== undefined) {
    validateName('name', patch.name);
    changes.name = patch.name;
  }
  if (patch.parentTaskId !== undefined) changes.parent_task_id = patch.parentTaskId;
  if (patch.status !== undefined) {
    validateStatuses('status', [patch.status], PIPELINE_TASK_STATUSES);
    changes.status = patch.status;
  }
  if (patch.attempt !== undefined) {
    validateInteger('attempt', patch.attempt, 0);
    changes.attempt = patch.attempt;
  }
  if (patch.inputs !== undefined) changes.inputs = jsonObjectOrNull('inputs', patch.inputs);
  if (patch.outputs !== undefined) changes.outputs = jsonObjectOrNull('outputs', patch.outputs);
  if (patch.cacheKey !== undefined) changes.cache_key = patch.cacheKey;
  if (patch.cachedFrom !== undefined) {
    changes.cached_from_run_id = patch.cachedFrom?.runId ?? null;
    changes.cached_from_task_id = patch.cachedFrom?.taskId ?? null;
  }
  if (patch.trackingRunId !== undefined) changes.tracking_run_id = patch.trackingRunId;
  if (patch.executorHandle !== undefined) changes.executor_handle = patch.executorHandle;
  if (patch.logUri !== undefined) changes.log_uri = patch.logUri;
  if (patch.error !== undefined) changes.error = patch.error;
  if (patch.startedAt !== undefined) {
    validateTime('startedAt', patch.startedAt);
    changes.start_time = patch.startedAt;
  }
  if (patch.finishedAt !== undefined) {
    validateTime('finishedAt', patch.finishedAt);
    changes.end_time = patch.finishedAt;
  }
  return changes;
}

function newTaskRow(task: NewPipelineTask, now: number): Insertable<Database['pipeline_tasks']> {
  validateName('runId', task.runId);
  validateName('taskId', task.taskId);
  validateName('name', task.name);
  if (task.createdAt !== undefined) validateTime('createdAt', task.createdAt, false);
  const set = taskChanges(task);
  return {
    run_id: task.runId,
    task_id: task.taskId,
    name: task.name,
    parent_task_id: task.parentTaskId ?? null,
    status: task.status,
    attempt: set.attempt ?? 0,
    inputs: set.inputs ?? null,
    outputs: set.outputs ?? null,
    cache_key: set.cache_key ?? null,
    cached_from_run_id: set.cached_from_run_id ?? null,
    cached_from_task_id: set.cached_from_task_id ?? null,
    tracking_run_id: set.tracking_run_id ?? null,
    executor_handle: set.executor_handle ?? null,
    log_uri: set.log_uri ?? null,
    error: set.error ?? null,
    creation_time: task.createdAt ?? now,
    start_time: set.start_time ?? null,
    end_time: set.end_time ?? null,
  };
}

const TASK_COLUMNS = 18;

export async function createTasks(ctx: StoreContext, tasks: NewPipelineTask[]): Promise<void> {
  if (tasks.length === 0) return;
  const now = Date.now();
  const rows = tasks.map((t) => newTaskRow(t, now));
  const runIds = [...new Set(rows.map((r) => r.run_id))];
  await retryTransient(ctx, () =>
    ctx.db.transaction().execute(async (tx) => {
      const found = new Set<string>();
      for (const ids of chunks(runIds, ctx.adapter.maxParameters)) {
        const existing = await tx
          .selectFrom('pipeline_runs')
          .select('run_id')
          .where('run_id', 'in', ids)
          .execute();
        existing.forEach((r) => found.add(r.run_id));
      }
      const missing = runIds.find((id) => !found.has(id));
      if (missing !== undefined) throw runNotFound(missing);
      for (const chunk of chunks(rows, Math.floor(ctx.adapter.maxParameters / TASK_COLUMNS))) {
        await tx
          .insertInto('pipeline_tasks')
          .values(chunk)
          .onConflict((oc) => oc.columns(['run_id', 'task_id']).doNothing())
          .execute();
      }
    }),
  );
}

async function requireTaskRow(db: Db, runId: string, taskId: string): Promise<TaskRow> {
  const row = await db
    .selectFrom('pipeline_tasks')
    .selectAll()
    .where('run_id', '=', runId)
    .where('task_id', '=', taskId)
    .executeTakeFirst();
  if (!row) throw taskNotFound(runId, taskId);
  return row;
}

/** One conditional UPDATE: the status test and the write are a single atomic statement. */
export async function updateTask(
  ctx: StoreContext,
  runId: string,
  taskId: string,
  patch: PipelineTaskPatch,
  expect?: PipelineTaskStatus[],
): Promise<PipelineTask | undefined> {
  if (expect !== undefined) validateStatuses('expect', expect, PIPELINE_TASK_STATUSES);
  const changes = taskChanges(patch);
  if (Object.keys(changes).length === 0 || expect?.length === 0) {
    const row = await requireTaskRow(ctx.db, runId, taskId);
    return expect === undefined || expect.includes(row.status as PipelineTaskStatus)
      ? toTask(row)
      : undefined;
  }
  let query = ctx.db
    .updateTable('pipeline_tasks')
    .set(changes)
    .where('run_id', '=', runId)
    .where('task_id', '=', taskId);
  if (expect !== undefined) query = query.where('status', 'in', expect);
  const row = await query.returningAll().executeTakeFirst();
  if (row) return toTask(row);
  await requireTaskRow(ctx.db, runId, taskId);
  return undefined;
}

export async function getTask(ctx: StoreContext, runId: string, taskId: string): Promise<PipelineTask> {
  return toTask(await requireTaskRow(ctx.db, runId, taskId));
}

export async function listTasks(ctx: StoreContext, runId: string): Promise<PipelineTask[]> {
  await requireRunRow(ctx.db, runId);
  const rows = await ctx.db
    .selectFrom('pipeline_tasks')
    .selectAll()
    .where('run_id', '=', runId)
    .orderBy('creation_time')
    .orderBy('task_id')
    .execute();
  return rows.map(toTask);
}
