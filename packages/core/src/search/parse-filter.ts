import { invalidParam } from '../errors.js';
import type { Comparator, Comparison, Filter } from './ast.js';
import { splitComparisons, type ClauseListStyle, type RawComparison } from './clauses.js';
import { checkExperimentComparator, checkRunComparator } from './comparators.js';
import {
  EXPERIMENT_NUMERIC_KEYS,
  EXPERIMENT_SEARCH_KEYS,
  RUN_NUMERIC_KEYS,
  RUN_SEARCH_KEYS,
  astEntity,
  canonicalKey,
  resolveExperimentIdentifier,
  resolveRunIdentifier,
  stripQuotes,
  type Identifier,
  type MlflowEntity,
} from './identifiers.js';
import { parseStringList } from './in-list.js';
import type { Token } from './tokenize.js';

/**
 * Parses a search_runs filter (MLflow's `SearchUtils.parse_search_filter` plus the comparator checks
 * its SQL store applies). Errors come in MLflow's order: clause structure, then each clause's
 * identifier and value, then each clause's comparator.
 */
export function parseRunFilter(filter: string | undefined): Filter {
  return parseFilter(
    filter,
    'quoted',
    (text) => resolveRunIdentifier(text, RUN_SEARCH_KEYS),
    RUN_NUMERIC_KEYS,
  ).map(({ entity, key, comparator, value }) => {
    const canonical = canonicalKey(entity, key);
    const checked = checkRunComparator(entity, canonical, comparator, RUN_NUMERIC_KEYS);
    return comparison(entity, canonical, checked, value);
  });
}

/** Parses a search_experiments filter: `name`, `creation_time`, `last_update_time` and tags. */
export function parseExperimentFilter(filter: string | undefined): Filter {
  return parseFilter(
    filter,
    'plain',
    (text) => resolveExperimentIdentifier(text, EXPERIMENT_SEARCH_KEYS),
    EXPERIMENT_NUMERIC_KEYS,
  ).map(({ entity, key, comparator, value }) => {
    const checked = checkExperimentComparator(entity, key, comparator, EXPERIMENT_NUMERIC_KEYS);
    return comparison(entity, key, checked, value);
  });
}

interface ParsedClause extends Identifier {
  /** Upper-cased. */
  comparator: string;
  value: Comparison['value'];
}

function parseFilter(
  filter: string | undefined,
  style: ClauseListStyle,
  resolve: (text: string) => Identifier,
  numericKeys: ReadonlySet<string>,
): ParsedClause[] {
  if (filter === undefined || filter.trim() === '') return [];
  return splitComparisons(filter, style).map((raw: RawComparison) => {
    if (raw.left.kind !== 'name') {
      throw invalidParam(`Invalid comparison clause. Expected 'Identifier' found '${raw.left.text}'`);
    }
    const { entity, key } = resolve(raw.left.text);
    const value = raw.right === undefined ? null : readValue(entity, key, raw.right, numericKeys);
    return { entity, key, comparator: raw.comparator.toUpperCase(), value };
  });
}

function comparison(
  entity: MlflowEntity,
  key: string,
  comparator: Comparator,
  value: Comparison['value'],
): Comparison {
  // MLflow would hand `run_id = ('a')` to SQL as-is and fail there; a list only makes sense with IN.
  if (Array.isArray(value) && comparator !== 'IN' && comparator !== 'NOT IN') {
    throw invalidParam(`Invalid comparator '${comparator}' for a list of values. Use IN or NOT IN.`);
  }
  return { type: astEntity(entity), key, comparator, value };
}

/** The value of a clause, with MLflow's per-entity type rules and messages. */
function readValue(
  entity: MlflowEntity,
  key: string,
  token: Token,
  numericKeys: ReadonlySet<string>,
): Comparison['value'] {
  const textual = token.kind === 'string' || token.kind === 'name';
  switch (entity) {
    case 'metric':
      if (token.kind !== 'number') {
        throw invalidParam(`Expected numeric value type for metric. Found ${token.text}`);
      }
      return Number(token.text);
    case 'parameter':
    case 'tag':
      if (textual) return quotedString(token.text);
      throw invalidParam(
        `Expected a quoted string value for ${entity} (e.g. 'my-value'). Got value ${token.text}`,
      );
    case 'attribute':
      if (numericKeys.has(key)) {
        if (token.kind !== 'number') {
          throw invalidParam(
            `Expected numeric value type for numeric attribute: ${key}. Found ${token.text}`,
          );
        }
        return Number(token.text);
      }
      if (textual) return quotedString(token.text);
      if (token.kind === 'group') {
        if (key !== 'run_id') {
          throw invalidParam(
            "Only the 'run_id' attribute supports comparison with a list of quoted string values.",
          );
        }
        return lowerCaseOnly(parseStringList(token.text));
      }
      throw invalidParam(`Expected a quoted string value for attributes. Got value ${token.text}`);
    case 'dataset':
      if (textual) return quotedString(token.text);
      if (token.kind === 'group') return lowerCaseOnly(parseStringList(token.text));
      throw invalidParam(`Expected a quoted string value for dataset attributes. Got value ${token.text}`);
  }
}

/** A quoted value loses its quotes and nothing else: MLflow does not unescape `''` or `\'`. */
function quotedString(text: string): string {
  const inner = stripQuotes(text);
  if (inner === text) {
    throw invalidParam(
      `Parameter value is either not quoted or unidentified quote types used for string value ${text}. ` +
        'Use either single or double quotes.',
    );
  }
  return inner;
}

/**
 * MLflow drops list entries that are not lower case (Python's `str.islower`): run ids are lower-case
 * hex, and MySQL's IN would otherwise match case-insensitively. It applies this to dataset lists too.
 */
function lowerCaseOnly(values: string[]): string[] {
  return values.filter((value) => value === value.toLowerCase() && value !== value.toUpperCase());
}
