import { invalidParam } from './errors.js';
import type { Metric, Param, Tag } from './entities.js';

/** MLflow's limits (mlflow/utils/validation.py); clients split their batches by these. */
export const LIMITS = {
  metricsPerBatch: 1000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  entitiesPerBatch: 1000,
  batchRequestBytes: 1_000_000,
  entityKeyLength: 250,
  paramValueLength: 6000,
  runTagValueLength: 8000,
  experimentNameLength: 500,
  experimentTagKeyLength: 250,
  experimentTagValueLength: 5000,
  artifactLocationLength: 2048,
  datasetName: 500,
  datasetDigest: 36,
  datasetSource: 65_535,
  datasetSchema: 1_048_575,
  datasetProfile: 16_777_215,
  inputTagKey: 255,
  inputTagValue: 500,
  searchRunsMaxResults: 50_000,
  searchExperimentsMaxResults: 50_000,
  historyBulkRuns: 100,
  historyBulkMaxResults: 25_000,
  historyIntervalMaxResults: 2500,
} as const;

// Python's `\w` is Unicode-aware: letters and digits of any script, and underscore.
const KEY_CHARS = /^[/\p{L}\p{N}_.\- :]*$/u;

/** Names of params, metrics and tags: MLflow's character set, and no names that resolve to other paths. */
export function validateKey(key: string, path = 'key'): void {
  if (!KEY_CHARS.test(key)) {
    throw invalidParam(
      `Invalid value ${JSON.stringify(key)} for parameter '${path}' supplied: Names may only contain alphanumerics, ` +
        'underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).',
    );
  }
  validateUniquePath(key, path);
}

/** MLflow rejects names that would name a different file once normalised as a path (`a/../b`, `/x`). */
export function validateUniquePath(name: string, path: string): void {
  const normalized = normalizePosix(name);
  if (normalized !== name || name === '.' || name.startsWith('..') || name.startsWith('/')) {
    throw invalidParam(
      `Invalid value ${JSON.stringify(name)} for parameter '${path}' supplied: Names may be treated as files in certain ` +
        `cases, and must not resolve to other names when treated as such. This name would resolve to '${normalized}'`,
    );
  }
}

/** posixpath.normpath, which MLflow's path check compares a key against. */
function normalizePosix(p: string): string {
  if (p === '') return '.';
  const absolute = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else if (seg !== '..' || !absolute) out.push(seg);
  }
  const joined = out.join('/');
  const lead = absolute ? (p.startsWith('//') && !p.startsWith('///') ? '//' : '/') : '';
  return lead + joined || '.';
}

export function validateLength(what: string, value: string, max: number): void {
  if (value.length > max) throw invalidParam(`'${what}' exceeds the maximum length of ${max} characters`);
}

/** Truncates long param/tag values as MLflow does by default (MLFLOW_TRUNCATE_LONG_VALUES=true). */
export function truncate(value: string, max: number): string {
  return value.length > max ? value.slice(0, max) : value;
}

function checkCount(kind: string, count: number, max: number): void {
  if (count > max) {
    throw invalidParam(
      `A batch logging request can contain at most ${max} ${kind}. Got ${count} ${kind}. ` +
        `Please split up ${kind} across multiple requests and try again.`,
    );
  }
}

/**
 * Validates a batch the way MLflow's log-batch does, before anything is written: counts, key names
 * and lengths, duplicate param keys. Returns the batch with over-long values truncated.
 */
export function validateBatch(batch: { metrics: Metric[]; params: Param[]; tags: Tag[] }): {
  metrics: Metric[];
  params: Param[];
  tags: Tag[];
} {
  const { metrics, params, tags } = batch;
  checkCount('metrics', metrics.length, LIMITS.metricsPerBatch);
  checkCount('params', params.length, LIMITS.paramsPerBatch);
  checkCount('tags', tags.length, LIMITS.tagsPerBatch);
  checkCount(
    'metrics, params, and tags',
    metrics.length + params.length + tags.length,
    LIMITS.entitiesPerBatch,
  );
  for (const m of metrics) {
    validateKey(m.key);
    validateLength('Metric name', m.key, LIMITS.entityKeyLength);
    if (!Number.isInteger(m.step)) throw invalidParam(`Got invalid step ${m.step}. Step must be an integer.`);
    if (!(m.timestamp >= 0)) {
      throw invalidParam(
        `Got invalid timestamp ${m.timestamp} for metric '${m.key}' (value=${m.value}). Timestamp must be a nonnegative long (64-bit integer) `,
      );
    }
  }
  const seen = new Set<string>();
  const dupes = new Set<string>();
  for (const p of params) {
    validateKey(p.key);
    validateLength('Param key', p.key, LIMITS.entityKeyLength);
    if (seen.has(p.key)) dupes.add(p.key);
    seen.add(p.key);
  }
  if (dupes.size > 0) {
    throw invalidParam(
      `Duplicate parameter keys have been submitted: [${[...dupes].map((k) => `'${k}'`).join(', ')}]. ` +
        'Please ensure the request contains only one param value per param key.',
    );
  }
  for (const t of tags) {
    validateKey(t.key);
    validateLength('Tag key', t.key, LIMITS.entityKeyLength);
  }
  return {
    metrics,
    params: params.map((p) => ({ key: p.key, value: truncate(p.value, LIMITS.paramValueLength) })),
    tags: tags.map((t) => ({ key: t.key, value: truncate(t.value, LIMITS.runTagValueLength) })),
  };
}

/** MLflow's SQL store requires integer experiment ids. */
export function validateExperimentId(id: string): void {
  if (!/^-?\d+$/.test(id)) {
    throw invalidParam(`Invalid experiment ID '${id}'. Experiment ID must be a valid integer.`);
  }
}

export function validateRunId(id: string): void {
  if (!/^[a-zA-Z0-9][\w-]{0,255}$/.test(id)) throw invalidParam(`Invalid run ID: '${id}'`);
}

/** Doubles that JSON cannot carry come back as MLflow sends them: ±inf clamped to ±max double. */
export function clampInfinity(value: number): number {
  if (value === Infinity) return Number.MAX_VALUE;
  if (value === -Infinity) return -Number.MAX_VALUE;
  return value;
}
