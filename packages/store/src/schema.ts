import type { Generated } from 'kysely';

/** Table shapes as kysely sees them. Times are int64 milliseconds; ids of runs are 32-hex strings. */
export interface Database {
  experiments: {
    experiment_id: Generated<number>;
    name: string;
    artifact_location: string;
    lifecycle_stage: string;
    creation_time: number;
    last_update_time: number;
  };
  experiment_tags: { experiment_id: number; key: string; value: string };
  runs: {
    run_uuid: string;
    name: string;
    experiment_id: number;
    user_id: string;
    status: string;
    start_time: number;
    end_time: number | null;
    deleted_time: number | null;
    artifact_uri: string;
    lifecycle_stage: string;
  };
  params: { run_uuid: string; key: string; value: string };
  tags: { run_uuid: string; key: string; value: string };
  /**
   * One row per (run, metric key): the series id history rows hang off, and the latest value — the max
   * by (step, timestamp, is_nan, value) — which search and listings read without touching history.
   */
  latest_metrics: {
    series_id: Generated<number>;
    run_uuid: string;
    key: string;
    timestamp: number;
    step: number;
    value: number;
    is_nan: number;
    /** Points sent to the series, duplicates included: tells when it becomes long enough to summarise. */
    points_sent: Generated<number>;
    /** 0: not summarised (short); 1: summarised in metric_rollups; 2: not yet looked at (predates them). */
    rollup_state: Generated<number>;
  };
  /**
   * Append-only history, kept narrow (no run id or key per row) because reads return up to millions of
   * rows. Exact duplicates collapse (the primary key), as in MLflow's SQL store. A metric's logged-model
   * and dataset context belongs to the logged-model tables, as in MLflow.
   */
  metrics: {
    series_id: number;
    timestamp: number;
    step: number;
    value: number;
    is_nan: number;
  };
  /**
   * Summary of the points of one series whose x (step or timestamp, per `axis`) falls in one bucket of
   * one level's width (see sql/metric-rollups.ts): the count, the first and last points along x, the
   * least and greatest non-NaN values, and one NaN point. `y` is each point's other coordinate.
   */
  metric_rollups: {
    series_id: number;
    axis: number;
    level: number;
    bucket: number;
    count: number;
    first_x: number;
    first_y: number;
    first_value: number;
    first_nan: number;
    last_x: number;
    last_y: number;
    last_value: number;
    last_nan: number;
    min_x: number | null;
    min_y: number | null;
    min_value: number | null;
    max_x: number | null;
    max_y: number | null;
    max_value: number | null;
    nan_x: number | null;
    nan_y: number | null;
  };
  datasets: {
    dataset_uuid: string;
    experiment_id: number;
    name: string;
    digest: string;
    source_type: string;
    source: string;
    schema: string | null;
    profile: string | null;
  };
  run_inputs: { run_uuid: string; dataset_uuid: string };
  input_tags: { run_uuid: string; dataset_uuid: string; key: string; value: string };

  registered_models: {
    model_id: Generated<number>;
    name: string;
    creation_time: number;
    last_updated_time: number;
    description: string | null;
    user_id: string | null;
    deployment_job_id: string | null;
    last_version: Generated<number>;
  };
  registered_model_tags: { model_id: number; key: string; value: string };
  model_versions: {
    model_id: number;
    version: number;
    creation_time: number;
    last_updated_time: number;
    description: string | null;
    user_id: string | null;
    current_stage: string;
    source: string;
    storage_location: string;
    run_id: string | null;
    run_link: string | null;
    status: string;
    status_message: string | null;
    logged_model_id: string | null;
  };
  model_version_tags: { model_id: number; version: number; key: string; value: string };
  registered_model_aliases: { model_id: number; alias: string; version: number };
  /** What happened to a model version, oldest first by event_id (migration 0005-registry-history). */
  model_version_events: {
    event_id: Generated<number>;
    model_id: number;
    version: number;
    kind: string;
    from_stage: string | null;
    to_stage: string | null;
    alias: string | null;
    user_id: string | null;
    timestamp: number;
  };
  logged_models: {
    model_id: string;
    experiment_id: number;
    name: string;
    artifact_location: string;
    creation_timestamp_ms: number;
    last_updated_timestamp_ms: number;
    status: string;
    status_message: string | null;
    lifecycle_stage: string;
    model_type: string;
    source_run_id: string | null;
  };
  logged_model_params: { model_id: string; key: string; value: string };
  logged_model_tags: { model_id: string; key: string; value: string };
  logged_model_metrics: {
    model_id: string;
    key: string;
    timestamp: number;
    step: number;
    run_id: string;
    dataset_name: string;
    dataset_digest: string;
    value: number;
    is_nan: number;
  };
  run_model_outputs: { run_uuid: string; model_id: string; step: number };
  run_model_inputs: { run_uuid: string; model_id: string };

  /** Registry webhooks; `secret` is an encrypted envelope (see sql-webhook-store.ts), never clear text. */
  webhooks: {
    webhook_id: string;
    name: string;
    description: string | null;
    url: string;
    status: string;
    secret: string | null;
    creation_timestamp: number;
    last_updated_timestamp: number;
  };
  webhook_events: { webhook_id: string; entity: string; action: string; position: number };
  /** The database's own webhook-secret key, made on first use when no key is configured. */
  webhook_secret_keys: { key_id: string; key: string; creation_timestamp: number };

  /** Pipelines (migration 0006-pipelines); `last_version` is the version counter, 0 before any. */
  pipelines: {
    pipeline_id: string;
    name: string;
    description: string | null;
    creation_time: number;
    last_version: Generated<number>;
  };
  /** `spec` is JSON text. */
  pipeline_versions: {
    pipeline_id: string;
    version: number;
    spec: string;
    spec_digest: string;
    description: string | null;
    creation_time: number;
  };
  /** `spec`, `parameters` and `options` are JSON text. */
  pipeline_runs: {
    run_id: string;
    name: string;
    pipeline_id: string | null;
    pipeline_version: number | null;
    spec: string;
    parameters: string;
    status: string;
    experiment_id: string;
    tracking_run_id: string | null;
    schedule_id: string | null;
    creation_time: number;
    start_time: number | null;
    end_time: number | null;
    error: string | null;
    owner: string | null;
    lease_expires_at: number | null;
    options: string;
  };
  /** `inputs` and `outputs` are JSON text. */
  pipeline_tasks: {
    run_id: string;
    task_id: string;
    name: string;
    parent_task_id: string | null;
    status: string;
    attempt: number;
    inputs: string | null;
    outputs: string | null;
    cache_key: string | null;
    cached_from_run_id: string | null;
    cached_from_task_id: string | null;
    tracking_run_id: string | null;
    executor_handle: string | null;
    log_uri: string | null;
    error: string | null;
    creation_time: number;
    start_time: number | null;
    end_time: number | null;
  };
  /** `outputs` is JSON text. */
  pipeline_cache: {
    cache_key: string;
    outputs: string;
    run_id: string;
    task_id: string;
    creation_time: number;
  };
  pipeline_artifacts: {
    uri: string;
    run_id: string;
    task_id: string;
    role: string;
    name: string;
    artifact_type: string;
    digest: string | null;
    creation_time: number;
  };
  /** `parameters` is JSON text; `catchup` and `enabled` are 0/1. */
  pipeline_schedules: {
    schedule_id: string;
    name: string;
    pipeline_id: string;
    pipeline_version: number | null;
    parameters: string;
    experiment_id: string;
    cron: string | null;
    timezone: string | null;
    interval_ms: number | null;
    max_concurrency: number;
    catchup: number;
    enabled: number;
    next_fire_at: number | null;
    last_fired_at: number | null;
    creation_time: number;
    last_updated_time: number;
  };
}
