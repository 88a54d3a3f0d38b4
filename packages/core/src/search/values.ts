import { invalidParam } from '../errors.js';
import type { Comparison } from './ast.js';
import { stripQuotes, type MlflowEntity } from './identifiers.js';
import { parseStringList } from './in-list.js';
import { pySet } from '../py-repr.js';
import type { Token } from './tokenize.js';

/**
 * The right-hand value of a comparison, read with the per-entity type rules and messages of MLflow's
 * search utilities.
 */

const LIST_ONLY_FOR_RUN_ID =
  "Only the 'run_id' attribute supports comparison with a list of quoted string values.";

/** Runs and experiments (MLflow's `SearchUtils._get_value`). */
export function readSearchValue(
  entity: MlflowEntity,
  key: string,
  token: Token,
  numericKeys: ReadonlySet<string>,
): Comparison['value'] {
  switch (entity) {
    case 'metric':
      if (token.kind !== 'number') {
        throw invalidParam(`Expected numeric value type for metric. Found ${token.text}`);
      }
      return Number(token.text);
    case 'parameter':
    case 'tag':
      return readTagValue(entity, token);
    case 'attribute':
      if (numericKeys.has(key)) {
        if (token.kind !== 'number') {
          throw invalidParam(
            `Expected numeric value type for numeric attribute: ${key}. Found ${token.text}`,
          );
        }
        return Number(token.text);
      }
      if (isTextual(token)) return quotedString(token.text);
      if (token.kind === 'group') return readRunIds(key, token);
      throw invalidParam(`Expected a quoted string value for attributes. Got value ${token.text}`);
    case 'dataset':
      if (isTextual(token)) return quotedString(token.text);
      if (token.kind === 'group') return lowerCaseOnly(parseStringList(token.text));
      throw invalidParam(`Expected a quoted string value for dataset attributes. Got value ${token.text}`);
  }
}

/**
 * Registered models and model versions (their own `_get_value`s). Only model versions have numeric
 * attributes: `numericKeys` lists them in the order MLflow's message prints them, and a quoted value
 * stays a string here even for a numeric key (MLflow passes it on to SQL as written).
 */
export function readRegistryValue(
  entity: MlflowEntity,
  key: string,
  token: Token,
  numericKeys?: readonly string[],
): Comparison['value'] {
  if (entity !== 'attribute') return readTagValue(entity, token);
  if (isTextual(token)) return quotedString(token.text);
  if (token.kind === 'group') return readRunIds(key, token);
  if (token.kind === 'number' && numericKeys !== undefined) {
    if (!numericKeys.includes(key)) {
      throw invalidParam(
        `Only the '${pySet(numericKeys)}' attributes support comparison with numeric values.`,
      );
    }
    return Number(token.text);
  }
  throw invalidParam(
    `Expected a quoted string value or a list of quoted string values for attributes. Got value ${token.text}`,
  );
}

/**
 * The number a quoted value stands for where SQL compares it with a numeric column (SQLite's
 * affinity rule: a well-formed decimal literal, surrounding spaces allowed); undefined otherwise.
 */
export function numericText(text: string): number | undefined {
  return /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?\s*$/i.test(text) ? Number(text) : undefined;
}

/** A quoted value loses its quotes and nothing else: MLflow does not unescape `''` or `\'`. */
export function quotedString(text: string): string {
  const inner = stripQuotes(text);
  if (inner === text) {
    throw invalidParam(
      `Parameter value is either not quoted or unidentified quote types used for string value ${text}. ` +
        'Use either single or double quotes.',
    );
  }
  return inner;
}

function readTagValue(entity: MlflowEntity, token: Token): string {
  if (isTextual(token)) return quotedString(token.text);
  throw invalidParam(
    `Expected a quoted string value for ${entity} (e.g. 'my-value'). Got value ${token.text}`,
  );
}

function readRunIds(key: string, token: Token): string[] {
  if (key !== 'run_id') throw invalidParam(LIST_ONLY_FOR_RUN_ID);
  return lowerCaseOnly(parseStringList(token.text));
}

/** What MLflow takes for a string: a quoted literal, or anything sqlparse calls an identifier. */
function isTextual(token: Token): boolean {
  return token.kind === 'string' || token.kind === 'name';
}

/**
 * MLflow drops list entries that are not lower case (Python's `str.islower`): run ids are lower-case
 * hex, and MySQL's IN would otherwise match case-insensitively. It applies this to dataset lists too.
 */
function lowerCaseOnly(values: string[]): string[] {
  return values.filter((value) => value === value.toLowerCase() && value !== value.toUpperCase());
}
