import { FerryError } from '@ferry/core';
import type { Page } from '@ferry/core';
import type { IODecls, PipelineDef, PipelineSpec } from '@ferry/pipeline';
import { sleep } from './retry.js';
import type { TrackingClient } from './tracking-client.js';

// Ferry's own pipelines REST API (`/api/2.0/ferry/pipelines/...`, snake_case JSON), as typed camelCase
// objects. The contract is documented in docs/pipelines.md ("REST API").

export type PipelineRunStatus = 'pending' | 'running' | 'cancelling' | 'succeeded' | 'failed' | 'cancelled';
export type PipelineTaskStatus =
  'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cached' | 'cancelled';

/** Run statuses a run does not leave. */
export const FINISHED_PIPELINE_RUN_STATUSES: readonly PipelineRunStatus[] = [
  'succeeded',
  'failed',
  'cancelled',
];

/** A pipeline: a name under which numbered versions of a spec are kept. Times are ms since the epoch. */
export interface Pipeline {
  pipelineId: string;
  name: string;
  description: string | null;
  createdAt: number;
  /** The highest version number; null before the first version. */
  latestVersion: number | null;
}

export interface PipelineVersion {
  pipelineId: string;
  version: number;
  spec: PipelineSpec;
  specDigest: string;
  description: string | null;
  createdAt: number;
}

export interface PipelineRun {
  runId: string;
  name: string;
  pipelineId: string | null;
  pipelineVersion: number | null;
  status: PipelineRunStatus;
  parameters: Record<string, unknown>;
  experimentId: string;
  /** The tracking (MLflow) run that records this pipeline run. */
  trackingRunId: string | null;
  scheduleId: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  error: string | null;
  /** The spec the run executes; lists leave it out. */
  spec?: PipelineSpec;
}

export interface PipelineTask {
  taskId: string;
  name: string;
  parentTaskId: string | null;
  status: PipelineTaskStatus;
  attempt: number;
  inputs: Record<string, unknown> | null;
  outputs: Record<string, unknown> | null;
  cacheKey: string | null;
  cachedFrom: { runId: string; taskId: string } | null;
  trackingRunId: string | null;
  logUri: string | null;
  error: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface PipelineSchedule {
  scheduleId: string;
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

/** One artifact a task produced (`output`) or consumed (`input`). */
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

export interface PageRequest {
  maxResults?: number;
  pageToken?: string;
}

/** What a run executes: an inline spec, or a stored pipeline's version (default: its latest). */
export type RunSource = { spec: PipelineSpec } | { pipelineId: string; version?: number };

export interface CreatePipelineRunRequest {
  /** Default "0" (the server's default experiment). */
  experimentId?: string;
  name?: string;
  parameters?: Record<string, unknown>;
  /** Run every task, reusing no cached outputs. */
  noCache?: boolean;
}

export interface CreateScheduleRequest {
  name: string;
  pipelineId: string;
  /** Default: the latest version when the schedule fires. */
  pipelineVersion?: number;
  parameters?: Record<string, unknown>;
  experimentId?: string;
  /** Exactly one of `cron` and `intervalMs`. */
  cron?: string;
  timezone?: string;
  intervalMs?: number;
  maxConcurrency?: number;
  catchup?: boolean;
  enabled?: boolean;
}

export type UpdateScheduleRequest = Partial<
  Pick<
    CreateScheduleRequest,
    'enabled' | 'cron' | 'timezone' | 'intervalMs' | 'maxConcurrency' | 'catchup' | 'parameters'
  >
>;

export interface WaitForRunOptions {
  /** Poll period (default 1000 ms). */
  pollMs?: number;
  /** Called after every poll with the run and its tasks. */
  onUpdate?: (run: PipelineRun, tasks: PipelineTask[]) => void | Promise<void>;
  /** Give up with DEADLINE_EXCEEDED after this long (default: wait forever). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface RunPipelineOptions extends CreatePipelineRunRequest {
  /** Wait until the run finishes (polling `waitForRun`) and return it finished. */
  wait?: boolean | WaitForRunOptions;
}

// ---- wire mapping --------------------------------------------------------------------------------

type Wire = Record<string, unknown>;
type Query = Record<string, string | number | string[] | undefined>;

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const strOrNull = (v: unknown): string | null =>
  v === undefined || v === null || v === '' ? null : String(v);
const num = (v: unknown): number => (v === undefined || v === null || v === '' ? 0 : Number(v));
const numOrNull = (v: unknown): number | null =>
  v === undefined || v === null || v === '' ? null : Number(v);
const record = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
const recordOrNull = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : null;

export function pipelineFromWire(w: Wire): Pipeline {
  return {
    pipelineId: str(w.pipeline_id),
    name: str(w.name),
    description: strOrNull(w.description),
    createdAt: num(w.created_at),
    latestVersion: numOrNull(w.latest_version),
  };
}

export function versionFromWire(w: Wire): PipelineVersion {
  return {
    pipelineId: str(w.pipeline_id),
    version: num(w.version),
    spec: w.spec as PipelineSpec,
    specDigest: str(w.spec_digest),
    description: strOrNull(w.description),
    createdAt: num(w.created_at),
  };
}

export function runFromWire(w: Wire): PipelineRun {
  return {
    runId: str(w.run_id),
    name: str(w.name),
    pipelineId: strOrNull(w.pipeline_id),
    pipelineVersion: numOrNull(w.pipeline_version),
    status: str(w.status) as PipelineRunStatus,
    parameters: record(w.parameters),
    experimentId: str(w.experiment_id),
    trackingRunId: strOrNull(w.tracking_run_id),
    scheduleId: strOrNull(w.schedule_id),
    createdAt: num(w.created_at),
    startedAt: numOrNull(w.started_at),
    finishedAt: numOrNull(w.finished_at),
    error: strOrNull(w.error),
    ...(w.spec !== undefined && w.spec !== null ? { spec: w.spec as PipelineSpec } : {}),
  };
}

export function taskFromWire(w: Wire): PipelineTask {
  const from = recordOrNull(w.cached_from);
  return {
    taskId: str(w.task_id),
    name: str(w.name),
    parentTaskId: strOrNull(w.parent_task_id),
    status: str(w.status) as PipelineTaskStatus,
    attempt: num(w.attempt),
    inputs: recordOrNull(w.inputs),
    outputs: recordOrNull(w.outputs),
    cacheKey: strOrNull(w.cache_key),
    cachedFrom: from ? { runId: str(from.run_id), taskId: str(from.task_id) } : null,
    trackingRunId: strOrNull(w.tracking_run_id),
    logUri: strOrNull(w.log_uri),
    error: strOrNull(w.error),
    createdAt: num(w.created_at),
    startedAt: numOrNull(w.started_at),
    finishedAt: numOrNull(w.finished_at),
  };
}

export function scheduleFromWire(w: Wire): PipelineSchedule {
  return {
    scheduleId: str(w.schedule_id),
    name: str(w.name),
    pipelineId: str(w.pipeline_id),
    pipelineVersion: numOrNull(w.pipeline_version),
    parameters: record(w.parameters),
    experimentId: str(w.experiment_id),
    cron: strOrNull(w.cron),
    timezone: strOrNull(w.timezone),
    intervalMs: numOrNull(w.interval_ms),
    maxConcurrency: num(w.max_concurrency),
    catchup: w.catchup === true,
    enabled: w.enabled === true,
    nextFireAt: numOrNull(w.next_fire_at),
    lastFiredAt: numOrNull(w.last_fired_at),
    createdAt: num(w.created_at),
    updatedAt: num(w.updated_at),
  };
}

export function lineageFromWire(w: Wire): ArtifactLineage {
  return {
    uri: str(w.uri),
    runId: str(w.run_id),
    taskId: str(w.task_id),
    name: str(w.name),
    role: str(w.role) as 'output' | 'input',
    artifactType: str(w.artifact_type),
    digest: strOrNull(w.digest),
    createdAt: num(w.created_at),
  };
}

/** The request fields present, in snake_case (undefined ones left out). */
function defined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

function page<T>(items: T[], next: unknown): Page<T> {
  const out: Page<T> = { items };
  if (typeof next === 'string' && next) out.nextPageToken = next;
  return out;
}

/** Whether a value is a pipeline definition (what `pipeline()` returns) rather than a compiled spec. */
const isDefinition = (value: unknown): boolean => typeof value === 'function';

/**
 * Pipelines, their versions, runs, tasks, logs, lineage and schedules, over Ferry's own REST API
 * (`/api/2.0/ferry/pipelines/...`) on the same server (or in-process database) as the tracking client.
 */
export class PipelinesClient {
  constructor(private readonly client: TrackingClient) {}

  private get<T = Wire>(path: string, query: Query = {}): Promise<T> {
    return this.client.call<T>('GET', `pipelines/${path}`, query, 'ferry');
  }

  private post<T = Wire>(path: string, body: Record<string, unknown>): Promise<T> {
    return this.client.call<T>('POST', `pipelines/${path}`, defined(body), 'ferry');
  }

  // ---- pipelines and versions ----

  async createPipeline(name: string, options: { description?: string } = {}): Promise<Pipeline> {
    const res = await this.post<{ pipeline: Wire }>('create', { name, description: options.description });
    return pipelineFromWire(res.pipeline);
  }

  /** By id or name. */
  async getPipeline(idOrName: string): Promise<Pipeline> {
    return pipelineFromWire((await this.get<{ pipeline: Wire }>('get', { pipeline_id: idOrName })).pipeline);
  }

  /** The pipeline of that name, created first when it does not exist yet (by this caller or another). */
  async ensurePipeline(name: string, options: { description?: string } = {}): Promise<Pipeline> {
    try {
      return await this.getPipeline(name);
    } catch (error) {
      if (!(error instanceof FerryError && error.code === 'RESOURCE_DOES_NOT_EXIST')) throw error;
    }
    try {
      return await this.createPipeline(name, options);
    } catch (error) {
      if (error instanceof FerryError && error.code === 'RESOURCE_ALREADY_EXISTS')
        return this.getPipeline(name);
      throw error;
    }
  }

  /** One page of pipelines, ordered by name. */
  async listPipelines(input: PageRequest & { namePrefix?: string } = {}): Promise<Page<Pipeline>> {
    const res = await this.get<{ pipelines?: Wire[]; next_page_token?: string }>('list', {
      max_results: input.maxResults,
      page_token: input.pageToken,
      name_prefix: input.namePrefix,
    });
    return page((res.pipelines ?? []).map(pipelineFromWire), res.next_page_token);
  }

  /** Deletes the pipeline with its versions and schedules; its runs stay. */
  async deletePipeline(pipelineId: string): Promise<void> {
    await this.post('delete', { pipeline_id: pipelineId });
  }

  /** A new numbered version of the pipeline (the server validates the spec). */
  async createVersion(
    pipelineId: string,
    spec: PipelineSpec,
    options: { description?: string } = {},
  ): Promise<PipelineVersion> {
    const res = await this.post<{ version: Wire }>('versions/create', {
      pipeline_id: pipelineId,
      spec,
      description: options.description,
    });
    return versionFromWire(res.version);
  }

  async getVersion(pipelineId: string, version: number): Promise<PipelineVersion> {
    const res = await this.get<{ version: Wire }>('versions/get', { pipeline_id: pipelineId, version });
    return versionFromWire(res.version);
  }

  /** One page of the pipeline's versions, newest first. */
  async listVersions(pipelineId: string, input: PageRequest = {}): Promise<Page<PipelineVersion>> {
    const res = await this.get<{ versions?: Wire[]; next_page_token?: string }>('versions/list', {
      pipeline_id: pipelineId,
      max_results: input.maxResults,
      page_token: input.pageToken,
    });
    return page((res.versions ?? []).map(versionFromWire), res.next_page_token);
  }

  // ---- runs ----

  /** Starts a run of an inline spec or of a stored pipeline version; it is `pending` until a controller takes it. */
  async createRun(source: RunSource, options: CreatePipelineRunRequest = {}): Promise<PipelineRun> {
    const res = await this.post<{ run: Wire }>('runs/create', {
      experiment_id: options.experimentId ?? '0',
      name: options.name,
      parameters: options.parameters,
      no_cache: options.noCache,
      ...('spec' in source
        ? { spec: source.spec }
        : { pipeline_id: source.pipelineId, version: source.version }),
    });
    return runFromWire(res.run);
  }

  /** The run (with its spec) and its tasks. */
  async getRun(runId: string): Promise<{ run: PipelineRun; tasks: PipelineTask[] }> {
    const res = await this.get<{ run: Wire; tasks?: Wire[] }>('runs/get', { run_id: runId });
    return { run: runFromWire(res.run), tasks: (res.tasks ?? []).map(taskFromWire) };
  }

  /** One page of runs, newest first. */
  async listRuns(
    input: PageRequest & { pipelineId?: string; scheduleId?: string; statuses?: PipelineRunStatus[] } = {},
  ): Promise<Page<PipelineRun>> {
    const res = await this.get<{ runs?: Wire[]; next_page_token?: string }>('runs/list', {
      pipeline_id: input.pipelineId,
      schedule_id: input.scheduleId,
      status: input.statuses?.length ? input.statuses : undefined,
      max_results: input.maxResults,
      page_token: input.pageToken,
    });
    return page((res.runs ?? []).map(runFromWire), res.next_page_token);
  }

  /** Asks the run to stop: `cancelling` until its running tasks are stopped, then `cancelled`. */
  async cancelRun(runId: string): Promise<PipelineRun> {
    return runFromWire((await this.post<{ run: Wire }>('runs/cancel', { run_id: runId })).run);
  }

  /** Runs a failed or cancelled run again, reusing what succeeded. */
  async retryRun(runId: string): Promise<PipelineRun> {
    return runFromWire((await this.post<{ run: Wire }>('runs/retry', { run_id: runId })).run);
  }

  /** A task's log as text (default: its latest attempt); live while the task runs. */
  async logs(runId: string, taskId: string, attempt?: number): Promise<string> {
    return this.client.callText(
      'GET',
      'pipelines/runs/logs',
      { run_id: runId, task_id: taskId, attempt },
      'ferry',
    );
  }

  /**
   * Polls the run until it is succeeded, failed or cancelled and returns it with its tasks;
   * `onUpdate` sees every poll.
   */
  async waitForRun(
    runId: string,
    options: WaitForRunOptions = {},
  ): Promise<{ run: PipelineRun; tasks: PipelineTask[] }> {
    const pollMs = options.pollMs ?? 1000;
    const deadline = options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : Infinity;
    for (;;) {
      options.signal?.throwIfAborted();
      const state = await this.getRun(runId);
      await options.onUpdate?.(state.run, state.tasks);
      if (FINISHED_PIPELINE_RUN_STATUSES.includes(state.run.status)) return state;
      if (Date.now() + pollMs > deadline) {
        throw new FerryError(
          'DEADLINE_EXCEEDED',
          `pipeline run ${runId} is still ${state.run.status} after ${options.timeoutMs} ms`,
        );
      }
      await sleep(pollMs);
    }
  }

  /**
   * Runs a pipeline: a compiled spec, or a definition from `@ferry/pipeline`'s `pipeline()`, which is
   * compiled here first (loading `@ferry/pipeline` only then). Returns the created run, or with `wait`
   * the finished run.
   */
  async runPipeline<P extends IODecls, O extends string>(
    source: PipelineSpec | PipelineDef<P, O>,
    options: RunPipelineOptions = {},
  ): Promise<PipelineRun> {
    const spec = isDefinition(source)
      ? await (await import('@ferry/pipeline')).compilePipeline(source as PipelineDef<P, O>)
      : (source as PipelineSpec);
    const { wait, ...request } = options;
    const run = await this.createRun({ spec }, request);
    if (!wait) return run;
    return (await this.waitForRun(run.runId, wait === true ? {} : wait)).run;
  }

  // ---- lineage ----

  /** Lineage rows of an artifact URI or of a run's tasks. */
  async lineage(input: { uri?: string; runId?: string }): Promise<ArtifactLineage[]> {
    const res = await this.get<{ artifacts?: Wire[] }>('lineage', { uri: input.uri, run_id: input.runId });
    return (res.artifacts ?? []).map(lineageFromWire);
  }

  /** The task output that produced the artifact, or undefined when the URI is unknown. */
  async artifactProducer(uri: string): Promise<ArtifactLineage | undefined> {
    try {
      return lineageFromWire((await this.get<{ artifact: Wire }>('lineage/producer', { uri })).artifact);
    } catch (error) {
      if (error instanceof FerryError && error.code === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw error;
    }
  }

  // ---- schedules ----

  async createSchedule(input: CreateScheduleRequest): Promise<PipelineSchedule> {
    const res = await this.post<{ schedule: Wire }>('schedules/create', {
      name: input.name,
      pipeline_id: input.pipelineId,
      pipeline_version: input.pipelineVersion,
      parameters: input.parameters,
      experiment_id: input.experimentId,
      cron: input.cron,
      timezone: input.timezone,
      interval_ms: input.intervalMs,
      max_concurrency: input.maxConcurrency,
      catchup: input.catchup,
      enabled: input.enabled,
    });
    return scheduleFromWire(res.schedule);
  }

  /** By id or name. */
  async getSchedule(idOrName: string): Promise<PipelineSchedule> {
    const res = await this.get<{ schedule: Wire }>('schedules/get', { schedule_id: idOrName });
    return scheduleFromWire(res.schedule);
  }

  /** One page of schedules, ordered by name. */
  async listSchedules(input: PageRequest & { pipelineId?: string } = {}): Promise<Page<PipelineSchedule>> {
    const res = await this.get<{ schedules?: Wire[]; next_page_token?: string }>('schedules/list', {
      pipeline_id: input.pipelineId,
      max_results: input.maxResults,
      page_token: input.pageToken,
    });
    return page((res.schedules ?? []).map(scheduleFromWire), res.next_page_token);
  }

  async updateSchedule(scheduleId: string, patch: UpdateScheduleRequest): Promise<PipelineSchedule> {
    const res = await this.post<{ schedule: Wire }>('schedules/update', {
      schedule_id: scheduleId,
      enabled: patch.enabled,
      cron: patch.cron,
      timezone: patch.timezone,
      interval_ms: patch.intervalMs,
      max_concurrency: patch.maxConcurrency,
      catchup: patch.catchup,
      parameters: patch.parameters,
    });
    return scheduleFromWire(res.schedule);
  }

  async deleteSchedule(scheduleId: string): Promise<void> {
    await this.post('schedules/delete', { schedule_id: scheduleId });
  }
}
