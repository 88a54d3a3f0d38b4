import { invalidParam } from '../errors.js';
import type { EntityType } from './ast.js';
import { pyList, pySet, pyStr } from '../py-repr.js';

/**
 * Resolution of `<entity>.<key>` identifiers. Entities are named as MLflow names them internally
 * (`parameter`, not `param`) because its error messages print that name.
 */
export type MlflowEntity = 'metric' | 'parameter' | 'tag' | 'attribute' | 'dataset';

export interface Identifier {
  entity: MlflowEntity;
  key: string;
}

// Key lists in the order their Python sets are printed in errors (MLflow's own order varies per process).
const RUN_ATTRIBUTES = ['artifact_uri', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id'];
export const RUN_SEARCH_KEYS = [...RUN_ATTRIBUTES, 'created', 'Created', 'run name', 'Run name', 'Run Name'];
export const RUN_ORDER_BY_KEYS = [...RUN_ATTRIBUTES, 'created', 'Created'];
/**
 * Ferry's own order_by attributes: `duration` is `end_time - start_time`. They are accepted but left
 * out of the key list error messages print, which stay MLflow's word for word.
 */
export const RUN_ORDER_BY_EXTENSION_KEYS = ['duration'];
export const RUN_NUMERIC_KEYS: ReadonlySet<string> = new Set([
  'start_time',
  'end_time',
  'created',
  'Created',
]);
const DATASET_KEYS = ['name', 'digest', 'context'];

export const EXPERIMENT_SEARCH_KEYS = ['name', 'creation_time', 'last_update_time'];
export const EXPERIMENT_ORDER_BY_KEYS = ['name', 'experiment_id', 'creation_time', 'last_update_time'];
export const EXPERIMENT_NUMERIC_KEYS: ReadonlySet<string> = new Set(['creation_time', 'last_update_time']);

// The model registry (MLflow's SQL registry store). The version search keys and the listed
// registered-model order keys are in the order a 3.11 server printed them.
export const REGISTERED_MODEL_SEARCH_KEYS = ['name'];
export const MODEL_VERSION_SEARCH_KEYS = ['source_path', 'name', 'version_number', 'run_id'];
/** Named in MLflow's "numeric values" message; of these only `version_number` can be searched on. */
export const MODEL_VERSION_NUMERIC_KEYS = ['version_number', 'creation_timestamp', 'last_updated_timestamp'];
export const MODEL_VERSION_ORDER_BY_KEYS = [
  'name',
  'version_number',
  'creation_timestamp',
  'last_updated_timestamp',
];
/** `timestamp` and `last_updated_timestamp` are one key; MLflow's message lists only the first two. */
export const REGISTERED_MODEL_ORDER_BY_KEYS = ['name', 'timestamp', 'last_updated_timestamp'];
export const REGISTERED_MODEL_ORDER_BY_LISTED = ['timestamp', 'name'];

// Logged models. Canonical attribute names are the ones MLflow's SQL store maps its aliases to: the
// table's columns, which are also the REST field names (`creation_timestamp_ms`).
const LOGGED_MODEL_ATTRIBUTES: Readonly<Record<string, string>> = {
  model_id: 'model_id',
  name: 'name',
  model_type: 'model_type',
  status: 'status',
  source_run_id: 'source_run_id',
  creation_time: 'creation_timestamp_ms',
  creation_timestamp: 'creation_timestamp_ms',
  creation_timestamp_ms: 'creation_timestamp_ms',
  last_updated_time: 'last_updated_timestamp_ms',
  last_updated_timestamp: 'last_updated_timestamp_ms',
  last_updated_timestamp_ms: 'last_updated_timestamp_ms',
};
export const LOGGED_MODEL_NUMERIC_KEYS: ReadonlySet<string> = new Set([
  'creation_timestamp_ms',
  'last_updated_timestamp_ms',
]);
// What MLflow renames a bare attribute to before it looks at it (so they show in its messages).
const LOGGED_MODEL_SQL_ALIASES: Readonly<Record<string, string>> = {
  creation_time: 'creation_timestamp_ms',
  creation_timestamp: 'creation_timestamp_ms',
  last_updated_timestamp: 'last_updated_timestamp_ms',
};
const LOGGED_MODEL_ENTITIES: Readonly<Record<string, MlflowEntity>> = {
  attributes: 'attribute',
  metrics: 'metric',
  params: 'parameter',
  tags: 'tag',
};

const RUN_ENTITIES: Readonly<Record<string, MlflowEntity>> = {
  metric: 'metric',
  metrics: 'metric',
  parameter: 'parameter',
  parameters: 'parameter',
  param: 'parameter',
  params: 'parameter',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
};
const EXPERIMENT_ENTITIES: Readonly<Record<string, MlflowEntity>> = {
  attribute: 'attribute',
  tag: 'tag',
  tags: 'tag',
};

const KEY_ALIASES: Readonly<Record<string, string>> = {
  created: 'start_time',
  Created: 'start_time',
  'run name': 'run_name',
  'Run name': 'run_name',
  'Run Name': 'run_name',
};

/**
 * Resolves a run identifier. The text splits at its first dot whatever the quoting, as in MLflow
 * (so `` `a.b` `` on its own is entity `` `a `` — and an error).
 */
export function resolveRunIdentifier(
  text: string,
  attributeKeys: readonly string[],
  extensionKeys: readonly string[] = [],
): Identifier {
  const [entityText, keyText] = splitIdentifier(text);
  let entity: MlflowEntity = 'attribute';
  if (entityText !== undefined) {
    const name = trimBackticks(entityText);
    const resolved = Object.hasOwn(RUN_ENTITIES, name) ? RUN_ENTITIES[name] : undefined;
    if (resolved === undefined) {
      throw invalidParam(
        `Invalid entity type '${name}'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']`,
      );
    }
    entity = resolved;
  }
  const key = trimBackticks(stripQuotes(keyText));
  if (!(entity === 'attribute' && extensionKeys.includes(key))) checkAttributeKey(entity, key, attributeKeys);
  if (entity === 'dataset' && !DATASET_KEYS.includes(key)) {
    throw invalidParam(`Invalid dataset key '${key}' specified. Valid keys are '${pySet(DATASET_KEYS)}'`);
  }
  return { entity, key };
}

/** Experiments accept only `attribute.`, `tag.` and `tags.` prefixes, checked before backticks are trimmed. */
export function resolveExperimentIdentifier(text: string, attributeKeys: readonly string[]): Identifier {
  return resolveAttributeOrTag(text, attributeKeys, 'unquoted');
}

/**
 * The model registry takes the same prefixes as experiments, but checks an attribute key as
 * written: `` `name` `` is not `name`.
 */
export function resolveRegistryIdentifier(text: string, attributeKeys: readonly string[]): Identifier {
  return resolveAttributeOrTag(text, attributeKeys, 'as written');
}

export interface LoggedModelIdentifier extends Identifier {
  /** `<entity>.<key>` as MLflow prints the identifier in its messages (`attributes.name`). */
  label: string;
}

/**
 * Resolves a logged-model identifier as MLflow's SQL tracking store does: a lower-case word and a
 * dot start an entity, which must be spelled `attributes`, `metrics`, `params` or `tags`; anything
 * else is an attribute. Backticks come off both ends of the key; other quotes stay. Attribute keys
 * are not checked here (see `loggedModelAttribute`).
 */
export function resolveLoggedModelIdentifier(text: string): LoggedModelIdentifier {
  const match = /^([a-z]+)\.(.+)$/.exec(text);
  if (match === null) {
    const key = trimAllBackticks(
      Object.hasOwn(LOGGED_MODEL_SQL_ALIASES, text) ? LOGGED_MODEL_SQL_ALIASES[text]! : text,
    );
    return { entity: 'attribute', key, label: `attributes.${key}` };
  }
  const [, entityText = '', keyText = ''] = match;
  if (!Object.hasOwn(LOGGED_MODEL_ENTITIES, entityText)) {
    throw invalidParam(
      `Invalid entity type: ${pyStr(entityText)}. Expected one of ${pyList(Object.keys(LOGGED_MODEL_ENTITIES))}.`,
    );
  }
  const key = trimAllBackticks(keyText);
  return { entity: LOGGED_MODEL_ENTITIES[entityText]!, key, label: `${entityText}.${key}` };
}

/** The canonical name of a logged-model attribute (`creation_time` → `creation_timestamp_ms`), if it is one. */
export function loggedModelAttribute(key: string): string | undefined {
  return Object.hasOwn(LOGGED_MODEL_ATTRIBUTES, key) ? LOGGED_MODEL_ATTRIBUTES[key] : undefined;
}

/** Like `loggedModelAttribute`, reporting an unknown key with the message MLflow's other searches use. */
export function checkLoggedModelAttribute(key: string): string {
  const canonical = loggedModelAttribute(key);
  if (canonical === undefined) throw invalidAttributeKey(key, Object.keys(LOGGED_MODEL_ATTRIBUTES));
  return canonical;
}

function resolveAttributeOrTag(
  text: string,
  attributeKeys: readonly string[],
  checkKey: 'as written' | 'unquoted',
): Identifier {
  const [entityText, keyText] = splitIdentifier(text);
  let entity: MlflowEntity = 'attribute';
  if (entityText !== undefined) {
    const resolved = Object.hasOwn(EXPERIMENT_ENTITIES, entityText)
      ? EXPERIMENT_ENTITIES[entityText]
      : undefined;
    if (resolved === undefined) {
      throw invalidParam(
        `Invalid entity type '${entityText}'. Valid entity types are ('attribute', 'tag', 'tags')`,
      );
    }
    entity = resolved;
  }
  if (checkKey === 'as written') checkAttributeKey(entity, keyText, attributeKeys);
  const key = trimBackticks(stripQuotes(keyText));
  if (checkKey === 'unquoted') checkAttributeKey(entity, key, attributeKeys);
  return { entity, key };
}

/** Attribute aliases (`created`, `Run Name`, …) to the canonical key; other keys unchanged. */
export function canonicalKey(entity: MlflowEntity, key: string): string {
  return entity === 'attribute' && Object.hasOwn(KEY_ALIASES, key) ? KEY_ALIASES[key]! : key;
}

export function astEntity(entity: MlflowEntity): EntityType {
  return entity === 'parameter' ? 'param' : entity;
}

/** Removes one pair of matching single or double quotes, if present. */
export function stripQuotes(text: string): string {
  return isQuoted(text, "'") || isQuoted(text, '"') ? text.slice(1, -1) : text;
}

function trimBackticks(text: string): string {
  return isQuoted(text, '`') ? text.slice(1, -1) : text;
}

/** Python's `str.strip('`')`: every backtick at either end. */
function trimAllBackticks(text: string): string {
  return text.replace(/^`+|`+$/g, '');
}

function isQuoted(text: string, quote: string): boolean {
  return text.length >= 2 && text.startsWith(quote) && text.endsWith(quote);
}

function splitIdentifier(text: string): [entity: string | undefined, key: string] {
  const dot = text.indexOf('.');
  return dot < 0 ? [undefined, text] : [text.slice(0, dot), text.slice(dot + 1)];
}

function checkAttributeKey(entity: MlflowEntity, key: string, attributeKeys: readonly string[]): void {
  if (entity === 'attribute' && !attributeKeys.includes(key)) throw invalidAttributeKey(key, attributeKeys);
}

function invalidAttributeKey(key: string, attributeKeys: readonly string[]) {
  return invalidParam(`Invalid attribute key '${key}' specified. Valid keys are '${pySet(attributeKeys)}'`);
}
