import { invalidParam } from '../errors.js';
import type { Comparator } from './ast.js';
import type { MlflowEntity } from './identifiers.js';
import { pySet } from './py-repr.js';

/**
 * Which comparators each kind of key accepts, with MLflow's error texts — including their quirks:
 * some messages lack the closing quote, and the numeric-attribute one lists the string comparators.
 */

// Orders in which the sets are printed; the parameter/tag one is the order a real 3.11 server printed.
const NUMERIC: readonly Comparator[] = ['>', '>=', '!=', '=', '<', '<='];
const PARAM_OR_TAG: readonly Comparator[] = ['LIKE', '=', 'IS NOT NULL', 'ILIKE', '!=', 'IS NULL'];
const STRING_ATTRIBUTE: readonly Comparator[] = ['!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];
const DATASET: readonly Comparator[] = STRING_ATTRIBUTE;
const EXPERIMENT_STRING: readonly string[] = ['=', '!=', 'LIKE', 'ILIKE'];
const NULL_CHECKS: readonly string[] = ['IS NULL', 'IS NOT NULL'];

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
  if (entity === 'tag') {
    if (!EXPERIMENT_STRING.includes(comparator) && !NULL_CHECKS.includes(comparator)) {
      throw invalidParam(`Invalid comparator for tag: ${comparator}`);
    }
    return comparator as Comparator;
  }
  if (numericKeys.has(key)) return allowed(comparator, NUMERIC, `'${pySet(STRING_ATTRIBUTE)}`);
  allowed(comparator, STRING_ATTRIBUTE, `'${pySet(STRING_ATTRIBUTE)}'`);
  if (!EXPERIMENT_STRING.includes(comparator)) {
    throw invalidParam(`Invalid comparator for string attribute: ${comparator}`);
  }
  return comparator as Comparator;
}

function allowed(comparator: string, valid: readonly Comparator[], printed: string): Comparator {
  if (!(valid as readonly string[]).includes(comparator)) {
    throw invalidParam(`Invalid comparator '${comparator}' not one of ${printed}`);
  }
  return comparator as Comparator;
}
