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
  /** Append-only history; exact duplicates collapse (the primary key), as in MLflow's SQL store. */
  metrics: {
    run_uuid: string;
    key: string;
    timestamp: number;
    step: number;
    value: number;
    is_nan: number;
    model_id: string | null;
    dataset_name: string | null;
    dataset_digest: string | null;
  };
  /** One row per (run, key) holding the max by (step, timestamp, is_nan, value): what search and listings read. */
  latest_metrics: {
    run_uuid: string;
    key: string;
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
