import type { Page } from '@ferry/core';

/**
 * Persistence of pipelines: definitions and their numbered versions, runs of them with their tasks,
 * the task cache, artifact lineage and schedules. Times are milliseconds since the epoch; ids are 32
 * lowercase hex digits, like tracking run ids. Errors are FerryErrors: RESOURCE_DOES_NOT_EXIST for
 * unknown ids, RESOURCE_ALREADY_EXISTS for taken names, INVALID_PARAMETER_VALUE for bad input
 * (including page tokens and max_results outside 1..PIPELINE_LIMITS.maxResults; 0 means the default).
 */

export type PipelineRunStatus = 'pending' | 'running' | 'cancelling' | 'succeeded' | 'failed' | 'cancelled';
export type PipelineTaskStatus =
  'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cached' | 'cancelled';

export const PIPELINE_RUN_STATUSES: readonly PipelineRunStatus[] = [
  'pending',
  'running',
  'cancelling',
  'succeeded',
  'failed',
  'cancelled',
];
/** Statuses of runs not finished: the ones a controller must drive and a schedule's concurrency counts. */
export const ACTIVE_PIPELINE_RUN_STATUSES: readonly PipelineRunStatus[] = [
  'pending',
  'running',
  'cancelling',
];
export const PIPELINE_TASK_STATUSES: readonly PipelineTaskStatus[] = [
  'pending',
  'running',
  'succeeded',
  'failed',
  'skipped',
  'cached',
  'cancelled',
];

export const PIPELINE_LIMITS = {
  /** Page size when none (or 0) is asked for. */
  defaultMaxResults: 100,
  maxResults: 1000,
  nameLength: 256,
} as const;

export interface Pipeline {
  id: string;
  name: string;
  description: string | null;
  createdAt: number;
  /** The highest version number, null before the first version. */
  latestVersion: number | null;
}

export interface PipelineVersion {
  pipelineId: string;
  version: number;
  spec: unknown;
  specDigest: string;
  description: string | null;
  createdAt: number;
}

export interface PipelineRun {
  id: string;
  name: string;
  pipelineId: string | null;
  pipelineVersion: number | null;
  spec: unknown;
  parameters: Record<string, unknown>;
  status: PipelineRunStatus;
  experimentId: string;
  trackingRunId: string | null;
  scheduleId: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  error: string | null;
  owner: string | null;
  leaseExpiresAt: number | null;
  options: Record<string, unknown>;
}

export interface PipelineTask {
  runId: string;
  taskId: string;
  name: string;
  parentTaskId: string | null;
  status: PipelineTaskStatus;
  /** 0 unless given: the controller counts attempts. */
  attempt: number;
  inputs: Record<string, unknown> | null;
  outputs: Record<string, unknown> | null;
  cacheKey: string | null;
  cachedFrom: { runId: string; taskId: string } | null;
  trackingRunId: string | null;
  executorHandle: string | null;
  logUri: string | null;
  error: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface CacheEntry {
  cacheKey: string;
  outputs: Record<string, unknown>;
  runId: string;
  taskId: string;
  createdAt: number;
}

export interface ArtifactLineage {
  uri: string;
  runId: string;
  taskId: string;
  name: string;
  role: 'output' | 'input';
  artifactType: string;
  digest: string | null;
  createdAt: number;
}

export interface PipelineSchedule {
  id: string;
  name: string;
  pipelineId: string;
  /** null: the pipeline's latest version when the schedule fires. */
  pipelineVersion: number | null;
  parameters: Record<string, unknown>;
  experimentId: string;
  cron: string | null;
  timezone: string | null;
  intervalMs: number | null;
  maxConcurrency: number;
  catchup: boolean;
  enabled: boolean;
  nextFireAt: number | null;
  lastFiredAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface CreatePipelineRunInput {
  name: string;
  pipelineId?: string;
  pipelineVersion?: number;
  spec: unknown;
  parameters: Record<string, unknown>;
  experimentId: string;
  scheduleId?: string;
  options?: Record<string, unknown>;
}

export type NewPipelineTask = Pick<PipelineTask, 'runId' | 'taskId' | 'name' | 'parentTaskId' | 'status'> &
  Partial<PipelineTask>;

export type PipelineRunPatch = Partial<
  Pick<PipelineRun, 'status' | 'trackingRunId' | 'startedAt' | 'finishedAt' | 'error'>
>;
export type PipelineTaskPatch = Partial<Omit<PipelineTask, 'runId' | 'taskId' | 'createdAt'>>;
export type CreateScheduleInput = Omit<PipelineSchedule, 'id' | 'createdAt' | 'updatedAt' | 'lastFiredAt'>;
export type PipelineSchedulePatch = Partial<Omit<PipelineSchedule, 'id' | 'createdAt' | 'updatedAt'>>;

export interface PipelineStore {
  /** Duplicate name: RESOURCE_ALREADY_EXISTS. */
  createPipeline(input: { name: string; description?: string }): Promise<Pipeline>;
  /** By id, else by name; RESOURCE_DOES_NOT_EXIST. */
  getPipeline(idOrName: string): Promise<Pipeline>;
  /** Ordered by name. */
  listPipelines(input: {
    maxResults?: number;
    pageToken?: string;
    namePrefix?: string;
  }): Promise<Page<Pipeline>>;
  /** Cascades versions and schedules; runs keep their spec (pipelineId, pipelineVersion and scheduleId set null). */
  deletePipeline(id: string): Promise<void>;

  /** The next number under the pipeline row's lock: concurrent creators get distinct numbers. */
  createPipelineVersion(
    pipelineId: string,
    input: { spec: unknown; specDigest: string; description?: string },
  ): Promise<PipelineVersion>;
  getPipelineVersion(pipelineId: string, version: number): Promise<PipelineVersion>;
  /** Newest first. */
  listPipelineVersions(
    pipelineId: string,
    input: { maxResults?: number; pageToken?: string },
  ): Promise<Page<PipelineVersion>>;

  /** Status 'pending'; the pipeline, its version and the schedule, when named, must exist. */
  createPipelineRun(input: CreatePipelineRunInput): Promise<PipelineRun>;
  getPipelineRun(id: string): Promise<PipelineRun>;
  /** Newest first. */
  listPipelineRuns(input: {
    pipelineId?: string;
    scheduleId?: string;
    statuses?: PipelineRunStatus[];
    maxResults?: number;
    pageToken?: string;
  }): Promise<Page<PipelineRun>>;
  /**
   * Compare-and-set: applies the patch only when the run's status is one of `expect` (when given);
   * returns the updated run, or undefined when the expectation failed. RESOURCE_DOES_NOT_EXIST for an
   * unknown run.
   */
  updatePipelineRun(
    id: string,
    patch: PipelineRunPatch,
    expect?: PipelineRunStatus[],
  ): Promise<PipelineRun | undefined>;
  /**
   * Takes or renews the run's lease for `owner` until now+leaseMs when it is free, expired (at or
   * before `now`) or already owner's; false otherwise. RESOURCE_DOES_NOT_EXIST for an unknown run.
   */
  claimPipelineRun(id: string, owner: string, leaseMs: number, now: number): Promise<boolean>;
  /** Gives the lease up when `owner` holds it; otherwise does nothing. */
  releasePipelineRun(id: string, owner: string): Promise<void>;
  /** Runs not finished (pending/running/cancelling) whose lease is null or expired at `now`; oldest first. */
  listClaimablePipelineRuns(now: number): Promise<PipelineRun[]>;

  /** Existing (runId, taskId) rows are left as they are. The runs must exist. */
  createTasks(tasks: NewPipelineTask[]): Promise<void>;
  /** Compare-and-set like updatePipelineRun, on (runId, taskId). */
  updateTask(
    runId: string,
    taskId: string,
    patch: PipelineTaskPatch,
    expect?: PipelineTaskStatus[],
  ): Promise<PipelineTask | undefined>;
  getTask(runId: string, taskId: string): Promise<PipelineTask>;
  /** By createdAt then taskId; RESOURCE_DOES_NOT_EXIST for an unknown run. */
  listTasks(runId: string): Promise<PipelineTask[]>;

  /** The entry of the key when its createdAt >= notBefore (one entry per key). */
  getCacheEntry(cacheKey: string, notBefore?: number): Promise<CacheEntry | undefined>;
  /** Upsert on the key. */
  putCacheEntry(entry: CacheEntry): Promise<void>;

  /** Idempotent on (uri, runId, taskId, role, name): a row already there is kept as it is. */
  recordArtifacts(rows: ArtifactLineage[]): Promise<void>;
  /** The earliest 'output' row of the uri. */
  findArtifactProducer(uri: string): Promise<ArtifactLineage | undefined>;
  /** Rows of a run and/or a uri (at least one must be given), by createdAt. */
  listArtifactLineage(input: { runId?: string; uri?: string }): Promise<ArtifactLineage[]>;

  /** Duplicate name: RESOURCE_ALREADY_EXISTS; the pipeline (and version, when given) must exist. */
  createSchedule(input: CreateScheduleInput): Promise<PipelineSchedule>;
  /** By id, else by name. */
  getSchedule(idOrName: string): Promise<PipelineSchedule>;
  /** Ordered by name. */
  listSchedules(input: {
    pipelineId?: string;
    maxResults?: number;
    pageToken?: string;
  }): Promise<Page<PipelineSchedule>>;
  updateSchedule(id: string, patch: PipelineSchedulePatch): Promise<PipelineSchedule>;
  deleteSchedule(id: string): Promise<void>;
  /** Enabled schedules whose nextFireAt <= now, the most overdue first. */
  listDueSchedules(now: number): Promise<PipelineSchedule[]>;
  /**
   * Atomically moves nextFireAt from `expected` to `next` (and lastFiredAt to `expected`); true for
   * exactly one of several concurrent callers. This is how two server replicas never fire a schedule
   * twice.
   */
  advanceSchedule(id: string, expected: number, next: number | null): Promise<boolean>;
  /** Number of the schedule's runs not finished (for maxConcurrency). */
  countActiveRuns(scheduleId: string): Promise<number>;
}
