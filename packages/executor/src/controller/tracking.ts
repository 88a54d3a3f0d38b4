import type { Json } from '@ferry/pipeline';
import type { TrackingStore } from '@ferry/store';
import type { Param, RunStatus, Tag } from '@ferry/core';

/** MLflow's limit on a param value; longer inputs are cut (the full values stay on the task row). */
const PARAM_VALUE_LIMIT = 6000;

/** Tags that tie tracking runs to pipeline runs and tasks (searchable: `tags.ferry.pipeline.run_id = '…'`). */
export const PIPELINE_RUN_TAG = 'ferry.pipeline.run_id';
export const PIPELINE_TASK_TAG = 'ferry.pipeline.task_id';

const asText = (value: Json): string => (typeof value === 'string' ? value : JSON.stringify(value));

export function paramsOf(values: Record<string, Json>): Param[] {
  return Object.entries(values)
    .slice(0, 100)
    .map(([key, value]) => ({ key, value: asText(value).slice(0, PARAM_VALUE_LIMIT) }));
}

export interface TrackedRun {
  runId: string;
  artifactUri: string;
}

/** A tracking run for a pipeline run or one of its tasks (nested under `parentRunId`). */
export async function createTrackedRun(
  tracking: TrackingStore,
  input: {
    experimentId: string;
    name: string;
    parentRunId?: string;
    tags: Record<string, string>;
    params: Record<string, Json>;
    startTime: number;
  },
): Promise<TrackedRun> {
  const tags: Tag[] = Object.entries(input.tags).map(([key, value]) => ({ key, value }));
  if (input.parentRunId) tags.push({ key: 'mlflow.parentRunId', value: input.parentRunId });
  const run = await tracking.createRun({
    experimentId: input.experimentId,
    runName: input.name,
    startTime: input.startTime,
    tags,
  });
  const params = paramsOf(input.params);
  if (params.length > 0) await tracking.logBatch(run.info.run_id, { params });
  return { runId: run.info.run_id, artifactUri: run.info.artifact_uri };
}

export async function finishTrackedRun(
  tracking: TrackingStore,
  runId: string,
  status: RunStatus,
  endTime: number,
): Promise<void> {
  await tracking.updateRun(runId, { status, endTime });
}

/** Numeric outputs become metrics of the task's run, the others tags (`ferry.output.<name>`). */
export async function logOutputs(
  tracking: TrackingStore,
  runId: string,
  outputs: Record<string, Json>,
  timestamp: number,
): Promise<void> {
  const metrics = [];
  const tags: Tag[] = [];
  for (const [key, value] of Object.entries(outputs)) {
    if (typeof value === 'number' && Number.isFinite(value)) metrics.push({ key, value, timestamp, step: 0 });
    else tags.push({ key: `ferry.output.${key}`, value: asText(value).slice(0, 8000) });
  }
  if (metrics.length > 0 || tags.length > 0) await tracking.logBatch(runId, { metrics, tags });
}
