import { FerryError } from '@ferry/core';

type Env = Record<string, string | undefined>;

const first = (env: Env, ...names: string[]): string | undefined =>
  names.map((n) => env[n]).find((v) => v !== undefined && v !== '');

/** Where to log: FERRY_TRACKING_URI, else MLflow's MLFLOW_TRACKING_URI, else a local server. */
export function trackingUriFromEnv(env: Env = process.env): string {
  return first(env, 'FERRY_TRACKING_URI', 'MLFLOW_TRACKING_URI') ?? 'http://127.0.0.1:5000';
}

/** The experiment named or numbered by the environment, if any (as MLflow's client reads it). */
export function experimentFromEnv(env: Env = process.env): { name?: string; id?: string } {
  const name = first(env, 'FERRY_EXPERIMENT_NAME', 'MLFLOW_EXPERIMENT_NAME');
  const id = first(env, 'FERRY_EXPERIMENT_ID', 'MLFLOW_EXPERIMENT_ID');
  return { ...(name ? { name } : {}), ...(id ? { id } : {}) };
}

/** A run that a project or pipeline started for this process to log into. */
export function runIdFromEnv(env: Env = process.env): string | undefined {
  return first(env, 'FERRY_RUN_ID', 'MLFLOW_RUN_ID');
}

/** True for a database URI (`sqlite:///…`, `postgresql://…`): the SDK then serves itself in process. */
export function isDatabaseUri(uri: string): boolean {
  return /^(sqlite|postgres(ql)?)(\+\w+)?:/.test(uri);
}

/** The tracking URI as an HTTP base URL; anything else is refused with a message that says what to use. */
export function httpBaseUrl(uri: string): string {
  if (/^https?:\/\//.test(uri)) return uri;
  throw new FerryError(
    'INVALID_PARAMETER_VALUE',
    `Unsupported tracking URI '${uri}': use http(s)://host:port, sqlite:///path.db or postgresql://user:pw@host:port/db.`,
  );
}
