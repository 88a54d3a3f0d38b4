import { invalidParam } from '../errors.js';
import type { Comparison, Filter } from './ast.js';
import { checkModelVersionComparator, checkRegisteredModelComparator } from './comparators.js';
import {
  MODEL_VERSION_NUMERIC_KEYS,
  MODEL_VERSION_SEARCH_KEYS,
  REGISTERED_MODEL_SEARCH_KEYS,
  resolveRegistryIdentifier,
} from './identifiers.js';
import { parseClauses, toComparison } from './parse-filter.js';
import { pyStr } from '../py-repr.js';
import { numericText, readRegistryValue } from './values.js';

/*
 * Prompts. MLflow's prompt registry keeps prompts as registered models (and versions) tagged
 * `mlflow.prompt.is_prompt` = 'true'; ordinary models lack the tag. The parsers below return
 * comparisons on that tag like any other, and the store gives them MLflow's meaning: a missing tag
 * counts as 'false', so ``tags.`mlflow.prompt.is_prompt` = 'false'`` and `!= 'true'` match every
 * ordinary model. MLflow's SQL store gets there by a broader rule a compatible store should follow:
 * unless the first comparison on that tag asks for prompts (`= 'true'` or `!= 'false'`, the value
 * compared case-insensitively), it drops every comparison on the tag and leaves prompts out, so
 * a search finds ordinary models only unless it asks for prompts.
 */

/**
 * Parses a search_registered_models filter: attribute `name` and `tags.<key>`, each with `=`, `!=`,
 * `LIKE`, `ILIKE` and a quoted string. Errors in MLflow's order: clause structure, then each clause's
 * identifier and value, then each clause's comparator (the SQL store's check). See above for the
 * prompt tag.
 */
export function parseRegisteredModelFilter(filter?: string): Filter {
  return parseClauses(
    filter,
    'plain',
    (text) => resolveRegistryIdentifier(text, REGISTERED_MODEL_SEARCH_KEYS),
    (entity, key, token) => readRegistryValue(entity, key, token),
  ).map(({ entity, key, comparator, value }) =>
    toComparison(entity, key, checkRegisteredModelComparator(entity, comparator), value),
  );
}

/**
 * Parses a search_model_versions filter: attributes `name`, `run_id`, `source_path` (the version's
 * `source`) with `=`, `!=`, `LIKE`, `ILIKE` — and `run_id IN (...)`, whose ids that are not lower
 * case are dropped — plus `version_number` with numeric comparators and a number value; and
 * `tags.<key>` as for registered models (the prompt tag included). A quoted `version_number` value
 * is read as the number it spells, as SQL compares it with the integer column.
 */
export function parseModelVersionFilter(filter?: string): Filter {
  return parseClauses(
    filter,
    'plain',
    (text) => resolveRegistryIdentifier(text, MODEL_VERSION_SEARCH_KEYS),
    (entity, key, token) => readRegistryValue(entity, key, token, MODEL_VERSION_NUMERIC_KEYS),
  ).map(({ entity, key, comparator, value }) => {
    const checked = checkModelVersionComparator(entity, key, comparator, MODEL_VERSION_NUMERIC_KEYS);
    const numeric = entity === 'attribute' && MODEL_VERSION_NUMERIC_KEYS.includes(key);
    return toComparison(entity, key, checked, numeric ? asNumber(key, value) : value);
  });
}

/**
 * MLflow hands a quoted value to SQL as it is, where it matches the integer column only if it spells
 * a number (and breaks the query on some databases if not): we read it as that number or refuse it.
 */
function asNumber(key: string, value: Comparison['value']): Comparison['value'] {
  if (typeof value !== 'string') return value;
  const number = numericText(value);
  if (number === undefined) {
    throw invalidParam(`Expected numeric value type for numeric attribute: ${key}. Found ${pyStr(value)}`);
  }
  return number;
}
