// What the `ferry pipelines` subcommands share: options, `--param` parsing, lookups and formatters.
import { FerryError } from '@ferry/core';
import { trackingUriFromEnv } from '@ferry/sdk';
import type { PipelineRun, PipelineTask, PipelinesClient, TrackingSession } from '@ferry/sdk';
import type { OutputOptions } from '../../output.js';

export type Opts = OutputOptions & { trackingUri?: string };

/**
 * True when the tracking URI is a database (`sqlite:///…`, `postgresql://…`): the SDK serves it in
 * this process, and the pipeline controller runs here too, so runs progress only while we wait.
 */
export const runsInProcess = (opts: { trackingUri?: string }): boolean =>
  /^(sqlite|postgres(ql)?)(\+\w+)?:/.test(opts.trackingUri ?? trackingUriFromEnv());

export const pipelinesOf = (s: TrackingSession): PipelinesClient => s.pipelines;

/** A `--param` value: JSON when it parses as JSON (`3`, `true`, `[1,2]`, `"x"`), else the text as it is. */
export function parseParamValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** `--param key=value`, repeatable: the parameters so far plus this one. */
export function collectParam(text: string, params: Record<string, unknown> = {}): Record<string, unknown> {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`invalid parameter '${text}': use name=value`);
  return { ...params, [text.slice(0, eq)]: parseParamValue(text.slice(eq + 1)) };
}

export const positiveInteger =
  (what: string) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`invalid ${what} '${v}': use a whole number above 0`);
    return n;
  };

/** The id of an experiment given by id or name; a name not known yet is created. */
export async function experimentIdOf(s: TrackingSession, nameOrId: string | undefined): Promise<string> {
  if (nameOrId === undefined) return '0';
  if (/^\d+$/.test(nameOrId)) {
    try {
      return (await s.client.getExperiment(nameOrId)).experiment_id;
    } catch (error) {
      if (!(error instanceof FerryError && error.code === 'RESOURCE_DOES_NOT_EXIST')) throw error;
    }
  }
  return s.setExperiment(nameOrId);
}

/** A duration for tables: `850ms`, `12.3s`, `4m05s`, `2h03m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** How long something started has run: until it finished, else until now; empty before it started. */
export function elapsed(
  item: { startedAt: number | null; finishedAt: number | null },
  now = Date.now(),
): string {
  if (item.startedAt === null) return '';
  return formatDuration((item.finishedAt ?? now) - item.startedAt);
}

/** Tasks in tree order (children after their parent), with their nesting depth. */
export function taskTree(tasks: PipelineTask[]): { task: PipelineTask; depth: number }[] {
  const ids = new Set(tasks.map((t) => t.taskId));
  const children = new Map<string | null, PipelineTask[]>();
  for (const t of tasks) {
    const parent = t.parentTaskId !== null && ids.has(t.parentTaskId) ? t.parentTaskId : null;
    children.set(parent, [...(children.get(parent) ?? []), t]);
  }
  const out: { task: PipelineTask; depth: number }[] = [];
  const visit = (parent: string | null, depth: number): void => {
    for (const task of children.get(parent) ?? []) {
      out.push({ task, depth });
      visit(task.taskId, depth + 1);
    }
  };
  visit(null, 0);
  return out;
}

/** The rows of a tasks table: task (indented under its parent), status, attempt, duration. */
export function taskRows(tasks: PipelineTask[], now = Date.now()) {
  return taskTree(tasks).map(({ task, depth }) => ({
    task: `${'  '.repeat(depth)}${task.name}`,
    status: task.status,
    attempt: task.attempt,
    duration: elapsed(task, now),
    task_id: task.taskId,
  }));
}

export const TASK_COLUMNS = ['task', 'status', 'attempt', 'duration'];

/** A run as `--json` prints it and as `get-run` shows it (the spec left out of tables). */
export function runSummary(run: PipelineRun) {
  return {
    run_id: run.runId,
    name: run.name,
    status: run.status,
    pipeline_id: run.pipelineId,
    pipeline_version: run.pipelineVersion,
    experiment_id: run.experimentId,
    tracking_run_id: run.trackingRunId,
    schedule_id: run.scheduleId,
    parameters: run.parameters,
    created_at: run.createdAt,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    error: run.error,
  };
}
