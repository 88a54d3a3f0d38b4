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

/** The tracking URI as an HTTP base URL; other forms are refused with a message that says what to do. */
export function httpBaseUrl(uri: string): string {
  if (/^https?:\/\//.test(uri)) return uri;
  if (/^(sqlite|postgres(ql)?)(\+\w+)?:/.test(uri)) {
    throw new FerryError(
      'NOT_IMPLEMENTED',
      `Tracking straight into a database (${uri.split(':')[0]}:) is not available in this version of the SDK: ` +
        'start `ferry server --backend-store-uri <uri>` and set FERRY_TRACKING_URI=http://127.0.0.1:5000.',
    );
  }
  throw new FerryError(
    'INVALID_PARAMETER_VALUE',
    `Unsupported tracking URI '${uri}': use http(s)://host:port.`,
  );
}
