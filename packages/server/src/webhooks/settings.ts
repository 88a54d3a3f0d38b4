/**
 * Delivery settings with MLflow's defaults (mlflow/environment_variables.py, MLFLOW_WEBHOOK_*), each
 * overridable by a FERRY_WEBHOOK_* environment variable of the same meaning.
 */
export interface WebhookSettings {
  /** FERRY_WEBHOOK_ALLOW_PRIVATE_IPS: call URLs resolving to loopback, private or link-local addresses. */
  allowPrivateIps: boolean;
  /** FERRY_WEBHOOK_ALLOWED_SCHEMES (comma-separated): URL schemes webhooks may use. */
  allowedSchemes: string[];
  /** FERRY_WEBHOOK_REQUEST_TIMEOUT (seconds): limit on each attempt, from connecting to the last byte. */
  timeoutMs: number;
  /** FERRY_WEBHOOK_REQUEST_MAX_RETRIES: attempts after the first, on network errors, 429 and 5xx. */
  maxRetries: number;
  /** FERRY_WEBHOOK_DELIVERY_MAX_WORKERS: deliveries in progress at once. */
  maxConcurrency: number;
  /** FERRY_WEBHOOK_CACHE_TTL (seconds): how long the webhooks of an event are remembered. */
  cacheTtlMs: number;
  /** Delay before retry n: `baseMs * 2^(n-1)` plus up to `jitterMs`, at most `maxMs`. */
  backoff: BackoffPolicy;
}

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  jitterMs: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  allowPrivateIps: false,
  // MLflow's default: plain http must be allowed explicitly (signed payloads travel in clear text).
  allowedSchemes: ['https'],
  timeoutMs: 30_000,
  maxRetries: 3,
  maxConcurrency: 10,
  cacheTtlMs: 60_000,
  backoff: { baseMs: 1_000, maxMs: 60_000, jitterMs: 1_000 },
};

type Env = Record<string, string | undefined>;

function number(env: Env, name: string, min: number): number | undefined {
  const text = env[name]?.trim();
  if (!text) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min) {
    throw new Error(`${name} must be a number of at least ${min}, got '${text}'.`);
  }
  return value;
}

function flag(env: Env, name: string): boolean | undefined {
  const text = env[name]?.trim().toLowerCase();
  if (!text) return undefined;
  if (['true', '1', 'yes'].includes(text)) return true;
  if (['false', '0', 'no'].includes(text)) return false;
  throw new Error(`${name} must be true or false, got '${text}'.`);
}

/** The settings the environment overrides; throws on a malformed value (a deployment error). */
export function webhookSettingsFromEnv(env: Env): Partial<WebhookSettings> {
  const settings: Partial<WebhookSettings> = {};
  const allowPrivateIps = flag(env, 'FERRY_WEBHOOK_ALLOW_PRIVATE_IPS');
  if (allowPrivateIps !== undefined) settings.allowPrivateIps = allowPrivateIps;
  const schemes = env['FERRY_WEBHOOK_ALLOWED_SCHEMES']
    ?.split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  if (schemes && schemes.length > 0) settings.allowedSchemes = schemes;
  const timeout = number(env, 'FERRY_WEBHOOK_REQUEST_TIMEOUT', 0.001);
  if (timeout !== undefined) settings.timeoutMs = timeout * 1000;
  const retries = number(env, 'FERRY_WEBHOOK_REQUEST_MAX_RETRIES', 0);
  if (retries !== undefined) settings.maxRetries = Math.floor(retries);
  const workers = number(env, 'FERRY_WEBHOOK_DELIVERY_MAX_WORKERS', 1);
  if (workers !== undefined) settings.maxConcurrency = Math.floor(workers);
  const ttl = number(env, 'FERRY_WEBHOOK_CACHE_TTL', 0);
  if (ttl !== undefined) settings.cacheTtlMs = ttl * 1000;
  return settings;
}
