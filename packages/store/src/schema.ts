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
}
