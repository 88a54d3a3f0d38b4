import type { Page } from '@ferry/core';
import type {
  ArtifactLineage,
  CacheEntry,
  CreatePipelineRunInput,
  CreateScheduleInput,
  NewPipelineTask,
  Pipeline,
  PipelineRun,
  PipelineRunPatch,
  PipelineRunStatus,
  PipelineSchedule,
  PipelineSchedulePatch,
  PipelineStore,
  PipelineTask,
  PipelineTaskPatch,
  PipelineTaskStatus,
  PipelineVersion,
} from './pipeline-store.js';
import type { SqlTrackingStore } from './sql-tracking-store.js';
import type { StoreContext } from './sql/context.js';
import * as lineage from './sql/pipelines/lineage.js';
import * as pipelines from './sql/pipelines/pipelines.js';
import * as runs from './sql/pipelines/runs.js';
import * as schedules from './sql/pipelines/schedules.js';
import * as tasks from './sql/pipelines/tasks.js';

/**
 * Pipelines on the tracking store's database (same connections, same migrations): opening and closing
 * belong to the tracking store.
 */
export class SqlPipelineStore implements PipelineStore {
  private readonly ctx: StoreContext;

  constructor(tracking: SqlTrackingStore) {
    this.ctx = tracking.context;
  }

  createPipeline = (input: { name: string; description?: string }): Promise<Pipeline> =>
    pipelines.createPipeline(this.ctx, input);
  getPipeline = (idOrName: string): Promise<Pipeline> => pipelines.getPipeline(this.ctx, idOrName);
  listPipelines = (input: {
    maxResults?: number;
    pageToken?: string;
    namePrefix?: string;
  }): Promise<Page<Pipeline>> => pipelines.listPipelines(this.ctx, input);
  deletePipeline = (id: string): Promise<void> => pipelines.deletePipeline(this.ctx, id);

  createPipelineVersion = (
    pipelineId: string,
    input: { spec: unknown; specDigest: string; description?: string },
  ): Promise<PipelineVersion> => pipelines.createPipelineVersion(this.ctx, pipelineId, input);
  getPipelineVersion = (pipelineId: string, version: number): Promise<PipelineVersion> =>
    pipelines.getPipelineVersion(this.ctx, pipelineId, version);
  listPipelineVersions = (
    pipelineId: string,
    input: { maxResults?: number; pageToken?: string },
  ): Promise<Page<PipelineVersion>> => pipelines.listPipelineVersions(this.ctx, pipelineId, input);

  createPipelineRun = (input: CreatePipelineRunInput): Promise<PipelineRun> =>
    runs.createPipelineRun(this.ctx, input);
  getPipelineRun = (id: string): Promise<PipelineRun> => runs.getPipelineRun(this.ctx, id);
  listPipelineRuns = (input: {
    pipelineId?: string;
    scheduleId?: string;
    statuses?: PipelineRunStatus[];
    maxResults?: number;
    pageToken?: string;
  }): Promise<Page<PipelineRun>> => runs.listPipelineRuns(this.ctx, input);
  updatePipelineRun = (
    id: string,
    patch: PipelineRunPatch,
    expect?: PipelineRunStatus[],
  ): Promise<PipelineRun | undefined> => runs.updatePipelineRun(this.ctx, id, patch, expect);
  claimPipelineRun = (id: string, owner: string, leaseMs: number, now: number): Promise<boolean> =>
    runs.claimPipelineRun(this.ctx, id, owner, leaseMs, now);
  releasePipelineRun = (id: string, owner: string): Promise<void> =>
    runs.releasePipelineRun(this.ctx, id, owner);
  listClaimablePipelineRuns = (now: number): Promise<PipelineRun[]> =>
    runs.listClaimablePipelineRuns(this.ctx, now);
  countActiveRuns = (scheduleId: string): Promise<number> => runs.countActiveRuns(this.ctx, scheduleId);

  createTasks = (input: NewPipelineTask[]): Promise<void> => tasks.createTasks(this.ctx, input);
  updateTask = (
    runId: string,
    taskId: string,
    patch: PipelineTaskPatch,
    expect?: PipelineTaskStatus[],
  ): Promise<PipelineTask | undefined> => tasks.updateTask(this.ctx, runId, taskId, patch, expect);
  getTask = (runId: string, taskId: string): Promise<PipelineTask> => tasks.getTask(this.ctx, runId, taskId);
  listTasks = (runId: string): Promise<PipelineTask[]> => tasks.listTasks(this.ctx, runId);

  getCacheEntry = (cacheKey: string, notBefore?: number): Promise<CacheEntry | undefined> =>
    lineage.getCacheEntry(this.ctx, cacheKey, notBefore);
  putCacheEntry = (entry: CacheEntry): Promise<void> => lineage.putCacheEntry(this.ctx, entry);
  recordArtifacts = (rows: ArtifactLineage[]): Promise<void> => lineage.recordArtifacts(this.ctx, rows);
  findArtifactProducer = (uri: string): Promise<ArtifactLineage | undefined> =>
    lineage.findArtifactProducer(this.ctx, uri);
  listArtifactLineage = (input: { runId?: string; uri?: string }): Promise<ArtifactLineage[]> =>
    lineage.listArtifactLineage(this.ctx, input);

  createSchedule = (input: CreateScheduleInput): Promise<PipelineSchedule> =>
    schedules.createSchedule(this.ctx, input);
  getSchedule = (idOrName: string): Promise<PipelineSchedule> => schedules.getSchedule(this.ctx, idOrName);
  listSchedules = (input: {
    pipelineId?: string;
    maxResults?: number;
    pageToken?: string;
  }): Promise<Page<PipelineSchedule>> => schedules.listSchedules(this.ctx, input);
  updateSchedule = (id: string, patch: PipelineSchedulePatch): Promise<PipelineSchedule> =>
    schedules.updateSchedule(this.ctx, id, patch);
  deleteSchedule = (id: string): Promise<void> => schedules.deleteSchedule(this.ctx, id);
  listDueSchedules = (now: number): Promise<PipelineSchedule[]> => schedules.listDueSchedules(this.ctx, now);
  advanceSchedule = (id: string, expected: number, next: number | null): Promise<boolean> =>
    schedules.advanceSchedule(this.ctx, id, expected, next);
}
