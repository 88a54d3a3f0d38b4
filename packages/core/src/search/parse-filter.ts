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
  type Identifier,
  type MlflowEntity,
} from './identifiers.js';
import type { Token } from './tokenize.js';
import { readSearchValue } from './values.js';

/**
 * Parses a search_runs filter (MLflow's `SearchUtils.parse_search_filter` plus the comparator checks
 * its SQL store applies). Errors come in MLflow's order: clause structure, then each clause's
 * identifier and value, then each clause's comparator.
 */
export function parseRunFilter(filter: string | undefined): Filter {
  return parseClauses(
    filter,
    'quoted',
    (text) => resolveRunIdentifier(text, RUN_SEARCH_KEYS),
    (entity, key, token) => readSearchValue(entity, key, token, RUN_NUMERIC_KEYS),
  ).map(({ entity, key, comparator, value }) => {
    const canonical = canonicalKey(entity, key);
    const checked = checkRunComparator(entity, canonical, comparator, RUN_NUMERIC_KEYS);
    return toComparison(entity, canonical, checked, value);
  });
}

/** Parses a search_experiments filter: `name`, `creation_time`, `last_update_time` and tags. */
export function parseExperimentFilter(filter: string | undefined): Filter {
  return parseClauses(
    filter,
    'plain',
    (text) => resolveExperimentIdentifier(text, EXPERIMENT_SEARCH_KEYS),
    (entity, key, token) => readSearchValue(entity, key, token, EXPERIMENT_NUMERIC_KEYS),
  ).map(({ entity, key, comparator, value }) => {
    const checked = checkExperimentComparator(entity, key, comparator, EXPERIMENT_NUMERIC_KEYS);
    return toComparison(entity, key, checked, value);
  });
}

export interface ParsedClause extends Identifier {
  /** Upper-cased. */
  comparator: string;
  value: Comparison['value'];
}

/**
 * The part MLflow's search utilities share: splits the filter, then resolves each clause's identifier
 * and reads its value, clause by clause. The caller checks comparators afterwards, as MLflow does.
 */
export function parseClauses(
  filter: string | undefined,
  style: ClauseListStyle,
  resolve: (text: string) => Identifier,
  readValue: (entity: MlflowEntity, key: string, token: Token) => Comparison['value'],
): ParsedClause[] {
  if (filter === undefined || filter.trim() === '') return [];
  return splitComparisons(filter, style).map((raw: RawComparison) => {
    if (raw.left.kind !== 'name') {
      throw invalidParam(`Invalid comparison clause. Expected 'Identifier' found '${raw.left.text}'`);
    }
    const { entity, key } = resolve(raw.left.text);
    const value = raw.right === undefined ? null : readValue(entity, key, raw.right);
    return { entity, key, comparator: raw.comparator.toUpperCase(), value };
  });
}

export function toComparison(
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
