import { invalidParam } from '@ferry/core';
import type { Page } from '@ferry/core';
import type { Updateable } from 'kysely';
import type { CreateScheduleInput, PipelineSchedule, PipelineSchedulePatch } from '../../pipeline-store.js';
import type { Database } from '../../schema.js';
import { retryTransient, type StoreContext } from '../context.js';
import {
  alreadyExists,
  newId,
  pageWindow,
  requirePipelineById,
  requireScheduleById,
  requireVersionRow,
  scheduleNotFound,
  toJson,
  toPage,
  toSchedule,
  validateInteger,
  validateName,
  validateObject,
  validateTime,
  type Db,
  type ScheduleRow,
} from './common.js';

type ScheduleChanges = Updateable<Database['pipeline_schedules']>;

function nullableText(field: string, value: unknown): string | null {
  if (value === null) return null;
  if (typeof value !== 'string' || value.length === 0)
    throw invalidParam(`${field} must be a non-empty string or null.`);
  return value;
}

function flag(field: string, value: unknown): number {
  if (typeof value !== 'boolean') throw invalidParam(`${field} must be a boolean.`);
  return value ? 1 : 0;
}

/** The columns the fields present in `patch` set, validated one by one. */
function scheduleChanges(patch: PipelineSchedulePatch): ScheduleChanges {
  const c: ScheduleChanges = {};
  if (patch.name !== undefined) {
    validateName('name', patch.name);
    c.name = patch.name;
  }
  if (patch.pipelineId !== undefined) {
    validateName('pipelineId', patch.pipelineId);
    c.pipeline_id = patch.pipelineId;
  }
  if (patch.pipelineVersion !== undefined) {
    if (patch.pipelineVersion !== null) validateInteger('pipelineVersion', patch.pipelineVersion, 1);
    c.pipeline_version = patch.pipelineVersion;
  }
  if (patch.parameters !== undefined) {
    validateObject('parameters', patch.parameters);
    c.parameters = toJson('parameters', patch.parameters);
  }
  if (patch.experimentId !== undefined) {
    validateName('experimentId', patch.experimentId);
    c.experiment_id = patch.experimentId;
  }
  if (patch.cron !== undefined) c.cron = nullableText('cron', patch.cron);
  if (patch.timezone !== undefined) c.timezone = nullableText('timezone', patch.timezone);
  if (patch.intervalMs !== undefined) {
    if (patch.intervalMs !== null) validateInteger('intervalMs', patch.intervalMs, 1);
    c.interval_ms = patch.intervalMs;
  }
  if (patch.maxConcurrency !== undefined) {
    validateInteger('maxConcurrency', patch.maxConcurrency, 1);
    c.max_concurrency = patch.maxConcurrency;
  }
  if (patch.catchup !== undefined) c.catchup = flag('catchup', patch.catchup);
  if (patch.enabled !== undefined) c.enabled = flag('enabled', patch.enabled);
  if (patch.nextFireAt !== undefined) {
    validateTime('nextFireAt', patch.nextFireAt);
    c.next_fire_at = patch.nextFireAt;
  }
  if (patch.lastFiredAt !== undefined) {
    validateTime('lastFiredAt', patch.lastFiredAt);
    c.last_fired_at = patch.lastFiredAt;
  }
  return c;
}

/** What must hold of a whole schedule: one trigger at most, and an existing pipeline (and version). */
async function checkSchedule(db: Db, row: ScheduleRow): Promise<void> {
  if (row.cron !== null && row.interval_ms !== null) {
    throw invalidParam('A schedule has a cron expression or an interval, not both.');
  }
  await requirePipelineById(db, row.pipeline_id);
  if (row.pipeline_version !== null) await requireVersionRow(db, row.pipeline_id, row.pipeline_version);
}

const nameTaken = (name: string | undefined) => alreadyExists(`Pipeline schedule '${name}' already exists.`);

export async function createSchedule(
  ctx: StoreContext,
  input: CreateScheduleInput,
): Promise<PipelineSchedule> {
  validateName('name', input.name);
  validateName('pipelineId', input.pipelineId);
  validateObject('parameters', input.parameters);
  validateName('experimentId', input.experimentId);
  const now = Date.now();
  const row: ScheduleRow = {
    schedule_id: newId(),
    name: input.name,
    pipeline_id: input.pipelineId,
    pipeline_version: null,
    parameters: '{}',
    experiment_id: input.experimentId,
    cron: null,
    timezone: null,
    interval_ms: null,
    max_concurrency: 1,
    catchup: 0,
    enabled: 1,
    next_fire_at: null,
    last_fired_at: null,
    creation_time: now,
    last_updated_time: now,
    ...scheduleChanges(input),
  };
  await checkSchedule(ctx.db, row);
  try {
    await ctx.db.insertInto('pipeline_schedules').values(row).execute();
  } catch (error) {
    throw ctx.adapter.isUniqueViolation(error) ? nameTaken(input.name) : error;
  }
  return toSchedule(row);
}

/** The schedule with this id, else the one with this name. */
export async function getSchedule(ctx: StoreContext, idOrName: string): Promise<PipelineSchedule> {
  const rows = await ctx.db
    .selectFrom('pipeline_schedules')
    .selectAll()
    .where((eb) => eb.or([eb('schedule_id', '=', idOrName), eb('name', '=', idOrName)]))
    .execute();
  const row = rows.find((r) => r.schedule_id === idOrName) ?? rows[0];
  if (!row) throw scheduleNotFound(idOrName);
  return toSchedule(row);
}

export async function listSchedules(
  ctx: StoreContext,
  input: { pipelineId?: string; maxResults?: number; pageToken?: string },
): Promise<Page<PipelineSchedule>> {
  const window = pageWindow(input);
  let query = ctx.db.selectFrom('pipeline_schedules').selectAll();
  if (input.pipelineId !== undefined) query = query.where('pipeline_id', '=', input.pipelineId);
  const rows = await query
    .orderBy('name')
    .limit(window.limit + 1)
    .offset(window.offset)
    .execute();
  return toPage(rows, window, toSchedule);
}

export async function updateSchedule(
  ctx: StoreContext,
  id: string,
  patch: PipelineSchedulePatch,
): Promise<PipelineSchedule> {
  const changes = scheduleChanges(patch);
  try {
    const row = await retryTransient(ctx, () =>
      ctx.db.transaction().execute(async (tx) => {
        const current = await requireScheduleById(tx, id);
        const merged = { ...current, ...changes, last_updated_time: Date.now() } as ScheduleRow;
        await checkSchedule(tx, merged);
        const updated = await tx
          .updateTable('pipeline_schedules')
          .set({ ...changes, last_updated_time: merged.last_updated_time })
          .where('schedule_id', '=', id)
          .returningAll()
          .executeTakeFirst();
        if (!updated) throw scheduleNotFound(id);
        return updated;
      }),
    );
    return toSchedule(row);
  } catch (error) {
    throw ctx.adapter.isUniqueViolation(error) ? nameTaken(patch.name) : error;
  }
}

export async function deleteSchedule(ctx: StoreContext, id: string): Promise<void> {
  // Its runs stay, with the schedule id set to NULL (ON DELETE SET NULL).
  const result = await ctx.db
    .deleteFrom('pipeline_schedules')
    .where('schedule_id', '=', id)
    .executeTakeFirst();
  if (result.numDeletedRows === 0n) throw scheduleNotFound(id);
}

export async function listDueSchedules(ctx: StoreContext, now: number): Promise<PipelineSchedule[]> {
  validateTime('now', now, false);
  const rows = await ctx.db
    .selectFrom('pipeline_schedules')
    .selectAll()
    .where('enabled', '=', 1)
    .where('next_fire_at', '<=', now)
    .orderBy('next_fire_at')
    .orderBy('schedule_id')
    .execute();
  return rows.map(toSchedule);
}

/**
 * One conditional UPDATE on the expected next fire time: concurrent callers with the same `expected`
 * serialize on the row, and only the first finds the value it expects. False also for an unknown
 * (e.g. just deleted) schedule.
 */
export async function advanceSchedule(
  ctx: StoreContext,
  id: string,
  expected: number,
  next: number | null,
): Promise<boolean> {
  validateTime('expected', expected, false);
  validateTime('next', next);
  const result = await ctx.db
    .updateTable('pipeline_schedules')
    .set({ next_fire_at: next, last_fired_at: expected })
    .where('schedule_id', '=', id)
    .where('next_fire_at', '=', expected)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
