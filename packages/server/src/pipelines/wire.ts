import type {
  ArtifactLineage,
  Pipeline,
  PipelineRun,
  PipelineSchedule,
  PipelineTask,
  PipelineVersion,
} from '@ferry/store';

// The pipelines REST API's objects (docs/pipelines.md, "REST API"): snake_case, every field present,
// null when unset (unlike the proto-shaped MLflow API, nothing is left out).

export function wirePipeline(p: Pipeline): Record<string, unknown> {
  return {
    pipeline_id: p.id,
    name: p.name,
    description: p.description,
    created_at: p.createdAt,
    latest_version: p.latestVersion,
  };
}

export function wireVersion(v: PipelineVersion): Record<string, unknown> {
  return {
    pipeline_id: v.pipelineId,
    version: v.version,
    spec: v.spec,
    spec_digest: v.specDigest,
    description: v.description,
    created_at: v.createdAt,
  };
}

/** A run; lists leave the spec out (`withSpec` false). */
export function wireRun(r: PipelineRun, withSpec = true): Record<string, unknown> {
  return {
    run_id: r.id,
    name: r.name,
    pipeline_id: r.pipelineId,
    pipeline_version: r.pipelineVersion,
    status: r.status,
    parameters: r.parameters,
    experiment_id: r.experimentId,
    tracking_run_id: r.trackingRunId,
    schedule_id: r.scheduleId,
    created_at: r.createdAt,
    started_at: r.startedAt,
    finished_at: r.finishedAt,
    error: r.error,
    ...(withSpec ? { spec: r.spec } : {}),
  };
}

export const wireRunSummary = (r: PipelineRun): Record<string, unknown> => wireRun(r, false);

export function wireTask(t: PipelineTask): Record<string, unknown> {
  return {
    task_id: t.taskId,
    name: t.name,
    parent_task_id: t.parentTaskId,
    status: t.status,
    attempt: t.attempt,
    inputs: t.inputs,
    outputs: t.outputs,
    cache_key: t.cacheKey,
    cached_from: t.cachedFrom ? { run_id: t.cachedFrom.runId, task_id: t.cachedFrom.taskId } : null,
    tracking_run_id: t.trackingRunId,
    log_uri: t.logUri,
    error: t.error,
    created_at: t.createdAt,
    started_at: t.startedAt,
    finished_at: t.finishedAt,
  };
}

export function wireSchedule(s: PipelineSchedule): Record<string, unknown> {
  return {
    schedule_id: s.id,
    name: s.name,
    pipeline_id: s.pipelineId,
    pipeline_version: s.pipelineVersion,
    parameters: s.parameters,
    experiment_id: s.experimentId,
    cron: s.cron,
    timezone: s.timezone,
    interval_ms: s.intervalMs,
    max_concurrency: s.maxConcurrency,
    catchup: s.catchup,
    enabled: s.enabled,
    next_fire_at: s.nextFireAt,
    last_fired_at: s.lastFiredAt,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

export function wireLineage(a: ArtifactLineage): Record<string, unknown> {
  return {
    uri: a.uri,
    run_id: a.runId,
    task_id: a.taskId,
    name: a.name,
    role: a.role,
    artifact_type: a.artifactType,
    digest: a.digest,
    created_at: a.createdAt,
  };
}
