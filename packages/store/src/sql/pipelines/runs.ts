import { invalidParam } from '@ferry/core';
import type { Page } from '@ferry/core';
import type { Updateable } from 'kysely';
import { ACTIVE_PIPELINE_RUN_STATUSES, PIPELINE_RUN_STATUSES } from '../../pipeline-store.js';
import type {
  CreatePipelineRunInput,
  PipelineRun,
  PipelineRunPatch,
  PipelineRunStatus,
} from '../../pipeline-store.js';
import type { Database } from '../../schema.js';
import type { StoreContext } from '../context.js';
import {
  newId,
  pageWindow,
  requirePipelineById,
  requireRunRow,
  requireScheduleById,
  requireVersionRow,
  toJson,
  toPage,
  toRun,
  validateInteger,
  validateName,
  validateObject,
  validateStatuses,
  validateTime,
  type RunRow,
} from './common.js';

export async function createPipelineRun(
  ctx: StoreContext,
  input: CreatePipelineRunInput,
): Promise<PipelineRun> {
  validateName('name', input.name);
  validateName('experimentId', input.experimentId);
  validateObject('parameters', input.parameters);
  if (input.options !== undefined) validateObject('options', input.options);
  if (input.pipelineVersion !== undefined) {
    if (input.pipelineId === undefined) throw invalidParam('pipelineVersion needs a pipelineId.');
    validateInteger('pipelineVersion', input.pipelineVersion, 1);
  }
  const row: RunRow = {
    run_id: newId(),
    name: input.name,
    pipeline_id: input.pipelineId ?? null,
    pipeline_version: input.pipelineVersion ?? null,
    spec: toJson('spec', input.spec),
    parameters: toJson('parameters', input.parameters),
    status: 'pending',
    experiment_id: input.experimentId,
    tracking_run_id: null,
    schedule_id: input.scheduleId ?? null,
    creation_time: Date.now(),
    start_time: null,
    end_time: null,
    error: null,
    owner: null,
    lease_expires_at: null,
    options: toJson('options', input.options ?? {}),
  };
  if (input.pipelineId !== undefined) await requirePipelineById(ctx.db, input.pipelineId);
  if (input.pipelineId !== undefined && input.pipelineVersion !== undefined) {
    await requireVersionRow(ctx.db, input.pipelineId, input.pipelineVersion);
  }
  if (input.scheduleId !== undefined) await requireScheduleById(ctx.db, input.scheduleId);
  await ctx.db.insertInto('pipeline_runs').values(row).execute();
  return toRun(row);
}

export async function getPipelineRun(ctx: StoreContext, id: string): Promise<PipelineRun> {
  return toRun(await requireRunRow(ctx.db, id));
}

export async function listPipelineRuns(
  ctx: StoreContext,
  input: {
    pipelineId?: string;
    scheduleId?: string;
    statuses?: PipelineRunStatus[];
    maxResults?: number;
    pageToken?: string;
  },
): Promise<Page<PipelineRun>> {
  const window = pageWindow(input);
  let query = ctx.db.selectFrom('pipeline_runs').selectAll();
  if (input.pipelineId !== undefined) query = query.where('pipeline_id', '=', input.pipelineId);
  if (input.scheduleId !== undefined) query = query.where('schedule_id', '=', input.scheduleId);
  if (input.statuses !== undefined && input.statuses.length > 0) {
    validateStatuses('statuses', input.statuses, PIPELINE_RUN_STATUSES);
    query = query.where('status', 'in', input.statuses);
  }
  const rows = await query
    .orderBy('creation_time', 'desc')
    .orderBy('run_id', 'desc')
    .limit(window.limit + 1)
    .offset(window.offset)
    .execute();
  return toPage(rows, window, toRun);
}

function runChanges(patch: PipelineRunPatch): Updateable<Database['pipeline_runs']> {
  const changes: Updateable<Database['pipeline_runs']> = {};
  if (patch.status !== undefined) {
    validateStatuses('status', [patch.status], PIPELINE_RUN_STATUSES);
    changes.status = patch.status;
  }
  if (patch.trackingRunId !== undefined) changes.tracking_run_id = patch.trackingRunId;
  if (patch.startedAt !== undefined) {
    validateTime('startedAt', patch.startedAt);
    changes.start_time = patch.startedAt;
  }
  if (patch.finishedAt !== undefined) {
    validateTime('finishedAt', patch.finishedAt);
    changes.end_time = patch.finishedAt;
  }
  if (patch.error !== undefined) changes.error = patch.error;
  return changes;
}

/** One conditional UPDATE: the status test and the write are a single atomic statement. */
export async function updatePipelineRun(
  ctx: StoreContext,
  id: string,
  patch: PipelineRunPatch,
  expect?: PipelineRunStatus[],
): Promise<PipelineRun | undefined> {
  if (expect !== undefined) validateStatuses('expect', expect, PIPELINE_RUN_STATUSES);
  const changes = runChanges(patch);
  if (Object.keys(changes).length === 0 || expect?.length === 0) {
    const row = await requireRunRow(ctx.db, id);
    return expect === undefined || expect.includes(row.status as PipelineRunStatus) ? toRun(row) : undefined;
  }
  let query = ctx.db.updateTable('pipeline_runs').set(changes).where('run_id', '=', id);
  if (expect !== undefined) query = query.where('status', 'in', expect);
  const row = await query.returningAll().executeTakeFirst();
  if (row) return toRun(row);
  await requireRunRow(ctx.db, id);
  return undefined;
}

export async function claimPipelineRun(
  ctx: StoreContext,
  id: string,
  owner: string,
  leaseMs: number,
  now: number,
): Promise<boolean> {
  validateName('owner', owner);
  validateInteger('leaseMs', leaseMs, 0);
  validateTime('now', now, false);
  const result = await ctx.db
    .updateTable('pipeline_runs')
    .set({ owner, lease_expires_at: now + leaseMs })
    .where('run_id', '=', id)
    .where((eb) =>
      eb.or([
        eb('owner', 'is', null),
        eb('owner', '=', owner),
        eb('lease_expires_at', 'is', null),
        eb('lease_expires_at', '<=', now),
      ]),
    )
    .executeTakeFirst();
  if (result.numUpdatedRows > 0n) return true;
  await requireRunRow(ctx.db, id);
  return false;
}

export async function releasePipelineRun(ctx: StoreContext, id: string, owner: string): Promise<void> {
  await ctx.db
    .updateTable('pipeline_runs')
    .set({ owner: null, lease_expires_at: null })
    .where('run_id', '=', id)
    .where('owner', '=', owner)
    .execute();
}

export async function listClaimablePipelineRuns(ctx: StoreContext, now: number): Promise<PipelineRun[]> {
  validateTime('now', now, false);
  const rows = await ctx.db
    .selectFrom('pipeline_runs')
    .selectAll()
    .where('status', 'in', ACTIVE_PIPELINE_RUN_STATUSES)
    .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<=', now)]))
    .orderBy('creation_time')
    .orderBy('run_id')
    .execute();
  return rows.map(toRun);
}

/** 0 for a schedule that has no runs or no longer exists. */
export async function countActiveRuns(ctx: StoreContext, scheduleId: string): Promise<number> {
  const { n } = await ctx.db
    .selectFrom('pipeline_runs')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('schedule_id', '=', scheduleId)
    .where('status', 'in', ACTIVE_PIPELINE_RUN_STATUSES)
    .executeTakeFirstOrThrow();
  return Number(n);
}
