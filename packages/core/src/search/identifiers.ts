import { invalidParam } from '../errors.js';
import type { EntityType } from './ast.js';
import { pySet } from './py-repr.js';

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
export function resolveRunIdentifier(text: string, attributeKeys: readonly string[]): Identifier {
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
  checkAttributeKey(entity, key, attributeKeys);
  if (entity === 'dataset' && !DATASET_KEYS.includes(key)) {
    throw invalidParam(`Invalid dataset key '${key}' specified. Valid keys are '${pySet(DATASET_KEYS)}'`);
  }
  return { entity, key };
}

/** Experiments accept only `attribute.`, `tag.` and `tags.` prefixes, checked before backticks are trimmed. */
export function resolveExperimentIdentifier(text: string, attributeKeys: readonly string[]): Identifier {
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
  const key = trimBackticks(stripQuotes(keyText));
  checkAttributeKey(entity, key, attributeKeys);
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

function isQuoted(text: string, quote: string): boolean {
  return text.length >= 2 && text.startsWith(quote) && text.endsWith(quote);
}

function splitIdentifier(text: string): [entity: string | undefined, key: string] {
  const dot = text.indexOf('.');
  return dot < 0 ? [undefined, text] : [text.slice(0, dot), text.slice(dot + 1)];
}

function checkAttributeKey(entity: MlflowEntity, key: string, attributeKeys: readonly string[]): void {
  if (entity === 'attribute' && !attributeKeys.includes(key)) {
    throw invalidParam(`Invalid attribute key '${key}' specified. Valid keys are '${pySet(attributeKeys)}'`);
  }
}
