import { invalidParam } from './errors.js';
import { MODEL_VERSION_STAGES, type ModelVersionStage } from './registry.js';
import { validateKey, validateLength, validateUniquePath } from './validation.js';

/** MLflow's registry limits (mlflow/utils/validation.py). */
export const REGISTRY_LIMITS = {
  tagKeyLength: 250,
  tagValueLength: 100_000,
  aliasLength: 255,
  searchRegisteredModelsMaxResults: 1000,
  searchRegisteredModelsDefault: 100,
  searchModelVersionsMaxResults: 200_000,
  searchModelVersionsDefault: 10_000,
} as const;

export const missingValue = (path: string) => invalidParam(`Missing value for required parameter '${path}'.`);

/** A registered model name: non-blank, no `/` or `:` (they would break `models:/` URIs), no path tricks. */
export function validateModelName(name: string | undefined, path = 'name'): asserts name is string {
  if (name === undefined || name.trim() === '') throw missingValue(path);
  if (name.includes('/') || name.includes(':')) {
    throw invalidParam(`Invalid model name '${name}'. Names cannot contain '/' or ':'.`);
  }
  validateUniquePath(name, 'name');
}

/** Version numbers arrive as strings; MLflow requires them to read as integers. */
export function parseModelVersion(version: string | number | undefined): number {
  const text = String(version ?? '').trim();
  if (!/^[+-]?\d+$/.test(text))
    throw invalidParam(`Parameter 'version' must be an integer, got '${version}'.`);
  return Number(text);
}

export function validateAliasName(alias: string | undefined): asserts alias is string {
  if (alias === undefined || alias === '') throw invalidParam('Registered model alias name cannot be empty.');
  if (!/^[\p{L}\p{N}_-]*$/u.test(alias)) {
    throw invalidParam(
      `Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`,
    );
  }
  validateLength('Registered model alias name', alias, REGISTRY_LIMITS.aliasLength);
}

/** `latest` and `v<N>` would shadow `models:/name@latest` and version references, so they cannot be set. */
export function validateAliasNotReserved(alias: string): void {
  if (alias.toLowerCase() === 'latest')
    throw invalidParam("'latest' alias name (case insensitive) is reserved.");
  if (/^[vV]\d+$/.test(alias)) throw invalidParam(`Version alias name '${alias}' is reserved.`);
}

export function validateRegistryTag(key: string | undefined, value: string | undefined): void {
  if (key === undefined) throw missingValue('key');
  validateKey(key);
  validateLength('key', key, REGISTRY_LIMITS.tagKeyLength);
  validateLength('value', value ?? '', REGISTRY_LIMITS.tagValueLength);
}

/** Stage names are matched case-insensitively and stored in their canonical spelling. */
export function canonicalStage(stage: string): ModelVersionStage {
  const found = MODEL_VERSION_STAGES.find((s) => s.toLowerCase() === stage.toLowerCase());
  if (found === undefined) {
    throw invalidParam(
      `Invalid Model Version stage: ${stage}. Value must be one of ${MODEL_VERSION_STAGES.join(', ')}.`,
    );
  }
  return found;
}
