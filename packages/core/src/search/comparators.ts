import { invalidParam } from '../errors.js';
import type { Comparator } from './ast.js';
import type { MlflowEntity } from './identifiers.js';
import { pySet, pyStr, pyTuple } from '../py-repr.js';

/**
 * Which comparators each kind of key accepts, with MLflow's error texts — including their quirks:
 * some messages lack the closing quote, and some numeric-key ones list the string comparators.
 */

// Orders in which the sets are printed; the parameter/tag one is the order a real 3.11 server printed.
const NUMERIC: readonly Comparator[] = ['>', '>=', '!=', '=', '<', '<='];
const PARAM_OR_TAG: readonly Comparator[] = ['LIKE', '=', 'IS NOT NULL', 'ILIKE', '!=', 'IS NULL'];
const STRING_ATTRIBUTE: readonly Comparator[] = ['!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];
const DATASET: readonly Comparator[] = STRING_ATTRIBUTE;
const EXPERIMENT_STRING: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE'];
const EXPERIMENT_TAG: readonly Comparator[] = [...EXPERIMENT_STRING, 'IS NULL', 'IS NOT NULL'];
const REGISTRY_STRING: readonly Comparator[] = EXPERIMENT_STRING;
const REGISTRY_RUN_ID: readonly Comparator[] = [...REGISTRY_STRING, 'IN'];
// Logged models: MLflow's SQL store compares the comparator as written, so only upper case passes.
const LOGGED_MODEL_NUMERIC: readonly Comparator[] = ['<', '<=', '>', '>=', '=', '!='];
const LOGGED_MODEL_STRING: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];

/** Checks an (upper-cased) comparator for a run search key; returns it typed. */
export function checkRunComparator(
  entity: MlflowEntity,
  key: string,
  comparator: string,
  numericKeys: ReadonlySet<string>,
): Comparator {
  switch (entity) {
    case 'attribute':
      return numericKeys.has(key)
        ? allowed(comparator, NUMERIC, `'${pySet(STRING_ATTRIBUTE)}`)
        : allowed(comparator, STRING_ATTRIBUTE, `'${pySet(STRING_ATTRIBUTE)}'`);
    case 'metric':
      return allowed(comparator, NUMERIC, `'${pySet(NUMERIC)}`);
    case 'parameter':
      return allowed(comparator, PARAM_OR_TAG, `'${pySet(PARAM_OR_TAG)}'`);
    case 'tag':
      return allowed(comparator, PARAM_OR_TAG, `'${pySet(PARAM_OR_TAG)}`);
    case 'dataset':
      return allowed(comparator, DATASET, `'${pySet(DATASET)}`);
  }
}

/** Experiments: MLflow's generic attribute check first, then the experiment store's narrower one. */
export function checkExperimentComparator(
  entity: MlflowEntity,
  key: string,
  comparator: string,
  numericKeys: ReadonlySet<string>,
): Comparator {
  if (entity === 'tag') return oneOf(comparator, EXPERIMENT_TAG, `Invalid comparator for tag: ${comparator}`);
  if (numericKeys.has(key)) return allowed(comparator, NUMERIC, `'${pySet(STRING_ATTRIBUTE)}`);
  allowed(comparator, STRING_ATTRIBUTE, `'${pySet(STRING_ATTRIBUTE)}'`);
  return oneOf(comparator, EXPERIMENT_STRING, `Invalid comparator for string attribute: ${comparator}`);
}

/**
 * Registered models: MLflow's parser lets any comparator through; its SQL registry store then allows
 * `=`, `!=`, `LIKE` and `ILIKE` on `name` and on tags.
 */
export function checkRegisteredModelComparator(entity: MlflowEntity, comparator: string): Comparator {
  const what = entity === 'tag' ? 'tag' : 'attribute';
  return oneOf(comparator, REGISTRY_STRING, `Invalid comparator for ${what}: ${comparator}`);
}

/** Model versions: as registered models, plus numeric comparators for numeric keys and `run_id IN`. */
export function checkModelVersionComparator(
  entity: MlflowEntity,
  key: string,
  comparator: string,
  numericKeys: readonly string[],
): Comparator {
  if (entity === 'tag') return checkRegisteredModelComparator(entity, comparator);
  if (numericKeys.includes(key)) {
    return oneOf(comparator, NUMERIC, `Invalid comparator for attribute ${key}: ${comparator}`);
  }
  const valid = key === 'run_id' ? REGISTRY_RUN_ID : REGISTRY_STRING;
  return oneOf(comparator, valid, `Invalid comparator for attribute: ${comparator}`);
}

/**
 * Logged models: numeric keys (metrics, timestamps) take `< <= > >= = !=`, the others
 * `= != LIKE ILIKE IN NOT IN` — in exactly that spelling. The message always lists the string set.
 */
export function checkLoggedModelComparator(label: string, numeric: boolean, comparator: string): Comparator {
  return oneOf(
    comparator,
    numeric ? LOGGED_MODEL_NUMERIC : LOGGED_MODEL_STRING,
    `Invalid comparison operator for ${label}: ${pyStr(comparator)}. Expected one of ${pyTuple(LOGGED_MODEL_STRING)}.`,
  );
}

function allowed(comparator: string, valid: readonly Comparator[], printed: string): Comparator {
  return oneOf(comparator, valid, `Invalid comparator '${comparator}' not one of ${printed}`);
}

function oneOf(comparator: string, valid: readonly Comparator[], message: string): Comparator {
  if (!(valid as readonly string[]).includes(comparator)) throw invalidParam(message);
  return comparator as Comparator;
}
