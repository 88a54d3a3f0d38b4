import { FerryError, decodePageToken, encodePageToken, invalidParam, newRunId, notFound } from '@ferry/core';
import type { Page } from '@ferry/core';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { PIPELINE_LIMITS } from '../../pipeline-store.js';
import type {
  ArtifactLineage,
  CacheEntry,
  Pipeline,
  PipelineRun,
  PipelineRunStatus,
  PipelineSchedule,
  PipelineTask,
  PipelineTaskStatus,
  PipelineVersion,
} from '../../pipeline-store.js';
import type { Database } from '../../schema.js';

/** The store's connection or a transaction on it. */
export type Db = Kysely<Database> | Transaction<Database>;

export type PipelineRow = Selectable<Database['pipelines']>;
export type VersionRow = Selectable<Database['pipeline_versions']>;
export type RunRow = Selectable<Database['pipeline_runs']>;
export type TaskRow = Selectable<Database['pipeline_tasks']>;
export type CacheRow = Selectable<Database['pipeline_cache']>;
export type ArtifactRow = Selectable<Database['pipeline_artifacts']>;
export type ScheduleRow = Selectable<Database['pipeline_schedules']>;

/** A new pipeline, run or schedule id: 32 lowercase hex digits. */
export const newId = newRunId;

export const alreadyExists = (message: string): FerryError =>
  new FerryError('RESOURCE_ALREADY_EXISTS', message);
export const pipelineNotFound = (idOrName: string) => notFound(`Pipeline '${idOrName}' not found.`);
export const runNotFound = (id: string) => notFound(`Pipeline run '${id}' not found.`);
export const scheduleNotFound = (idOrName: string) => notFound(`Pipeline schedule '${idOrName}' not found.`);

// JSON values are stored as text.
export function toJson(field: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw invalidParam(`${field} is not serializable as JSON: ${(error as Error).message}`);
  }
  if (text === undefined) throw invalidParam(`${field} is not serializable as JSON.`);
  return text;
}
export const fromJson = (text: string): unknown => JSON.parse(text) as unknown;
const fromJsonObject = (text: string | null): Record<string, unknown> | null =>
  text === null ? null : (JSON.parse(text) as Record<string, unknown>);

// ---- validation ----

export function validateName(field: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0)
    throw invalidParam(`${field} must be a non-empty string.`);
  if (name.length > PIPELINE_LIMITS.nameLength) {
    throw invalidParam(`${field} must be at most ${PIPELINE_LIMITS.nameLength} characters.`);
  }
}

export function validateObject(field: string, value: unknown): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidParam(`${field} must be a JSON object.`);
  }
}

export function validateInteger(field: string, value: unknown, min: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw invalidParam(`${field} must be an integer >= ${min}.`);
  }
}

/** A time in milliseconds, or null when `nullable`. */
export function validateTime(field: string, value: unknown, nullable = true): void {
  if (value === null && nullable) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw invalidParam(`${field} must be an integer number of milliseconds${nullable ? ' or null' : ''}.`);
  }
}

export function validateStatuses<S extends string>(
  field: string,
  statuses: readonly unknown[],
  allowed: readonly S[],
): asserts statuses is S[] {
  for (const s of statuses) {
    if (!allowed.includes(s as S)) {
      throw invalidParam(`${field}: '${String(s)}' is not one of ${allowed.join(', ')}.`);
    }
  }
}

// ---- paging ----

/** The limit and offset of a listing; 0 or no max_results means the default. */
export function pageWindow(input: { maxResults?: number; pageToken?: string }): {
  limit: number;
  offset: number;
} {
  const limit = input.maxResults || PIPELINE_LIMITS.defaultMaxResults;
  if (!Number.isInteger(limit) || limit < 1 || limit > PIPELINE_LIMITS.maxResults) {
    throw invalidParam(`max_results must be between 1 and ${PIPELINE_LIMITS.maxResults}.`);
  }
  return { limit, offset: decodePageToken(input.pageToken) };
}

/** Rows read with `limit + 1` as a page of at most `limit` items. */
export function toPage<R, T>(
  rows: R[],
  window: { limit: number; offset: number },
  map: (row: R) => T,
): Page<T> {
  const page: Page<T> = { items: rows.slice(0, window.limit).map(map) };
  if (rows.length > window.limit) page.nextPageToken = encodePageToken(window.offset + window.limit);
  return page;
}

// ---- rows to entities ----

export const toPipeline = (r: PipelineRow): Pipeline => ({
  id: r.pipeline_id,
  name: r.name,
  description: r.description,
  createdAt: r.creation_time,
  latestVersion: r.last_version > 0 ? r.last_version : null,
});

export const toVersion = (r: VersionRow): PipelineVersion => ({
  pipelineId: r.pipeline_id,
  version: r.version,
  spec: fromJson(r.spec),
  specDigest: r.spec_digest,
  description: r.description,
  createdAt: r.creation_time,
});

export const toRun = (r: RunRow): PipelineRun => ({
  id: r.run_id,
  name: r.name,
  pipelineId: r.pipeline_id,
  pipelineVersion: r.pipeline_version,
  spec: fromJson(r.spec),
  parameters: fromJsonObject(r.parameters)!,
  status: r.status as PipelineRunStatus,
  experimentId: r.experiment_id,
  trackingRunId: r.tracking_run_id,
  scheduleId: r.schedule_id,
  createdAt: r.creation_time,
  startedAt: r.start_time,
  finishedAt: r.end_time,
  error: r.error,
  owner: r.owner,
  leaseExpiresAt: r.lease_expires_at,
  options: fromJsonObject(r.options)!,
});

export const toTask = (r: TaskRow): PipelineTask => ({
  runId: r.run_id,
  taskId: r.task_id,
  name: r.name,
  parentTaskId: r.parent_task_id,
  status: r.status as PipelineTaskStatus,
  attempt: r.attempt,
  inputs: fromJsonObject(r.inputs),
  outputs: fromJsonObject(r.outputs),
  cacheKey: r.cache_key,
  cachedFrom:
    r.cached_from_run_id !== null && r.cached_from_task_id !== null
      ? { runId: r.cached_from_run_id, taskId: r.cached_from_task_id }
      : null,
  trackingRunId: r.tracking_run_id,
  executorHandle: r.executor_handle,
  logUri: r.log_uri,
  error: r.error,
  createdAt: r.creation_time,
  startedAt: r.start_time,
  finishedAt: r.end_time,
});

export const toCacheEntry = (r: CacheRow): CacheEntry => ({
  cacheKey: r.cache_key,
  outputs: fromJsonObject(r.outputs)!,
  runId: r.run_id,
  taskId: r.task_id,
  createdAt: r.creation_time,
});

export const toArtifact = (r: ArtifactRow): ArtifactLineage => ({
  uri: r.uri,
  runId: r.run_id,
  taskId: r.task_id,
  name: r.name,
  role: r.role as ArtifactLineage['role'],
  artifactType: r.artifact_type,
  digest: r.digest,
  createdAt: r.creation_time,
});

export const toSchedule = (r: ScheduleRow): PipelineSchedule => ({
  id: r.schedule_id,
  name: r.name,
  pipelineId: r.pipeline_id,
  pipelineVersion: r.pipeline_version,
  parameters: fromJsonObject(r.parameters)!,
  experimentId: r.experiment_id,
  cron: r.cron,
  timezone: r.timezone,
  intervalMs: r.interval_ms,
  maxConcurrency: r.max_concurrency,
  catchup: r.catchup === 1,
  enabled: r.enabled === 1,
  nextFireAt: r.next_fire_at,
  lastFiredAt: r.last_fired_at,
  createdAt: r.creation_time,
  updatedAt: r.last_updated_time,
});

// ---- lookups shared by several files ----

/** The pipeline with this id, else the one with this name. */
export async function findPipeline(db: Db, idOrName: string): Promise<PipelineRow | undefined> {
  const rows = await db
    .selectFrom('pipelines')
    .selectAll()
    .where((eb) => eb.or([eb('pipeline_id', '=', idOrName), eb('name', '=', idOrName)]))
    .execute();
  return rows.find((r) => r.pipeline_id === idOrName) ?? rows[0];
}

export async function requirePipelineById(db: Db, id: string): Promise<PipelineRow> {
  const row = await db.selectFrom('pipelines').selectAll().where('pipeline_id', '=', id).executeTakeFirst();
  if (!row) throw pipelineNotFound(id);
  return row;
}

export async function requireVersionRow(db: Db, pipelineId: string, version: number): Promise<VersionRow> {
  const row = await db
    .selectFrom('pipeline_versions')
    .selectAll()
    .where('pipeline_id', '=', pipelineId)
    .where('version', '=', version)
    .executeTakeFirst();
  if (!row) throw notFound(`Version ${version} of pipeline '${pipelineId}' not found.`);
  return row;
}

export async function requireScheduleById(db: Db, id: string): Promise<ScheduleRow> {
  const row = await db
    .selectFrom('pipeline_schedules')
    .selectAll()
    .where('schedule_id', '=', id)
    .executeTakeFirst();
  if (!row) throw scheduleNotFound(id);
  return row;
}

export async function requireRunRow(db: Db, id: string): Promise<RunRow> {
  const row = await db.selectFrom('pipeline_runs').selectAll().where('run_id', '=', id).executeTakeFirst();
  if (!row) throw runNotFound(id);
  return row;
}
