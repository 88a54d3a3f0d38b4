import { ApiError, appBase } from './api';

// Ferry's pipelines REST API (docs/pipelines.md, "REST API"), under `ajax-api/2.0/ferry/pipelines/`:
// snake_case JSON, every field present (null when unset), times in ms since the epoch.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type RunStatus = 'pending' | 'running' | 'cancelling' | 'succeeded' | 'failed' | 'cancelled';
export type TaskStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cached' | 'cancelled';
export const RUN_STATUSES: RunStatus[] = [
  'pending',
  'running',
  'cancelling',
  'succeeded',
  'failed',
  'cancelled',
];

/** The parts of a `ferry.pipeline/v1` spec the UI reads (packages/pipeline/src/spec.ts has all of it). */
export interface ParameterSpec {
  schema?: { type?: string | string[]; [key: string]: unknown };
  default?: Json;
  description?: string;
}
export type IOSpec =
  | { kind: 'parameter'; schema?: Record<string, unknown>; description?: string; optional?: boolean }
  | { kind: 'artifact'; type: string; description?: string; optional?: boolean };
export interface ComponentSpec {
  name: string;
  description?: string;
  inputs?: Record<string, IOSpec>;
  outputs?: Record<string, IOSpec>;
  implementation: {
    command?: string[];
    function?: { module: string; export: string };
    pipeline?: PipelineSpec;
  };
}
export interface TaskSpec {
  component: ComponentSpec;
  arguments?: Record<string, unknown>;
  dependsOn?: string[];
  when?: unknown;
  forEach?: { items: unknown; parallelism?: number };
}
export interface PipelineSpec {
  apiVersion?: string;
  name: string;
  description?: string;
  parameters?: Record<string, ParameterSpec>;
  tasks: Record<string, TaskSpec>;
  exitTask?: string;
}

export interface Pipeline {
  pipeline_id: string;
  name: string;
  description: string | null;
  created_at: number;
  latest_version: number | null;
}
export interface PipelineVersion {
  pipeline_id: string;
  version: number;
  spec: PipelineSpec;
  spec_digest: string;
  description: string | null;
  created_at: number;
}
export interface PipelineRun {
  run_id: string;
  name: string;
  pipeline_id: string | null;
  pipeline_version: number | null;
  status: RunStatus;
  parameters: Record<string, Json> | null;
  experiment_id: string;
  tracking_run_id: string | null;
  schedule_id: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  error: string | null;
  /** Left out by runs/list. */
  spec?: PipelineSpec;
}
export interface PipelineTask {
  task_id: string;
  name: string;
  parent_task_id: string | null;
  status: TaskStatus;
  attempt: number;
  inputs: Record<string, Json> | null;
  outputs: Record<string, Json> | null;
  cache_key: string | null;
  cached_from: { run_id: string; task_id: string } | null;
  tracking_run_id: string | null;
  log_uri: string | null;
  error: string | null;
  created_at: number | null;
  started_at: number | null;
  finished_at: number | null;
}
export interface RunWithTasks {
  run: PipelineRun;
  tasks: PipelineTask[];
}

type Query = Record<string, string | number | undefined | string[]>;

function url(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
  }
  const text = params.toString();
  return `${appBase()}ajax-api/2.0/ferry/pipelines/${path}${text ? `?${text}` : ''}`;
}

async function failure(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let error: { error_code?: string; message?: string } = {};
  try {
    error = JSON.parse(text) as typeof error;
  } catch {
    error = { message: text };
  }
  return new ApiError(
    error.message || `${response.status} ${response.statusText}`,
    error.error_code ?? 'INTERNAL_ERROR',
    response.status,
  );
}

async function call<T>(method: 'GET' | 'POST', path: string, query: Query, body?: unknown): Promise<T> {
  const response = await fetch(url(path, query), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw await failure(response);
  const text = await response.text();
  return (text ? JSON.parse(text) : {}) as T;
}

export const listPipelines = () =>
  call<{ pipelines: Pipeline[]; next_page_token?: string }>('GET', 'list', { max_results: 1000 });
export const getPipeline = (pipelineId: string) =>
  call<{ pipeline: Pipeline }>('GET', 'get', { pipeline_id: pipelineId }).then((r) => r.pipeline);
export const listVersions = (pipelineId: string) =>
  call<{ versions: PipelineVersion[]; next_page_token?: string }>('GET', 'versions/list', {
    pipeline_id: pipelineId,
    max_results: 1000,
  }).then((r) => r.versions);
export const listRuns = (query: { pipeline_id?: string; status?: string[]; max_results?: number }) =>
  call<{ runs: PipelineRun[]; next_page_token?: string }>('GET', 'runs/list', {
    max_results: 100,
    ...query,
  });
export const getRun = (runId: string) => call<RunWithTasks>('GET', 'runs/get', { run_id: runId });
export const createRun = (body: {
  pipeline_id: string;
  version?: number;
  experiment_id?: string;
  name?: string;
  parameters?: Record<string, Json>;
  no_cache?: boolean;
}) => call<{ run: PipelineRun }>('POST', 'runs/create', {}, body).then((r) => r.run);
export const cancelRun = (runId: string) =>
  call<{ run: PipelineRun }>('POST', 'runs/cancel', {}, { run_id: runId }).then((r) => r.run);
export const retryRun = (runId: string) =>
  call<{ run: PipelineRun }>('POST', 'runs/retry', {}, { run_id: runId }).then((r) => r.run);

/** One attempt's log (the latest without `attempt`); undefined when there is none (404). */
export async function taskLog(runId: string, taskId: string, attempt?: number): Promise<string | undefined> {
  const response = await fetch(url('runs/logs', { run_id: runId, task_id: taskId, attempt }));
  if (response.status === 404) return undefined;
  if (!response.ok) throw await failure(response);
  return response.text();
}

/** A run that may still change: polled until it ends. */
export const isRunLive = (status: string | undefined): boolean =>
  status === 'pending' || status === 'running' || status === 'cancelling';

/** The parameters a run ran with: the given values over the spec's defaults (`given` false for defaults). */
export function effectiveParameters(
  run: PipelineRun,
): { name: string; value: Json | undefined; given: boolean }[] {
  const given = run.parameters ?? {};
  const declared = run.spec?.parameters ?? {};
  const names = [...new Set([...Object.keys(declared), ...Object.keys(given)])].sort();
  return names.map((name) =>
    name in given
      ? { name, value: given[name], given: true }
      : { name, value: declared[name]?.default, given: false },
  );
}

/** A JSON value as one line of text (strings bare). */
export function showJson(value: Json | undefined): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Where an artifact URI of the server's artifact store lives as a run artifact:
 * `mlflow-artifacts:/<exp>/<run id>/artifacts/<path>` → `{runId, path}`.
 */
export function artifactLocation(uri: string): { runId: string; path: string } | undefined {
  const match = /\/([0-9a-f]{32})\/artifacts\/(.+)$/.exec(uri);
  return match ? { runId: match[1]!, path: match[2]! } : undefined;
}
