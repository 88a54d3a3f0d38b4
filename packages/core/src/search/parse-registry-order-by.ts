import { invalidParam } from '../errors.js';
import type { OrderBy } from './ast.js';
import {
  MODEL_VERSION_ORDER_BY_KEYS,
  REGISTERED_MODEL_ORDER_BY_KEYS,
  REGISTERED_MODEL_ORDER_BY_LISTED,
  resolveExperimentIdentifier,
} from './identifiers.js';
import { rejectDuplicate, splitOrderBy } from './order-by-clause.js';
import { pySet } from '../py-repr.js';

/**
 * Parses search_registered_models `order_by` entries, `<key> [ASC|DESC]`, as MLflow's SQL registry
 * store does: `name`, or `timestamp` / `last_updated_timestamp`, which both order by the last-update
 * time and come back as `last_updated_timestamp`; each at most once. The key is taken as written
 * (no `attribute.` prefix).
 *
 * Adds no tie-breaker. MLflow appends `name ASC` unless the clauses order by name already, which
 * also makes `name ASC` the order when there are no clauses.
 */
export function parseRegisteredModelOrderBy(clauses?: string[]): OrderBy[] {
  const seen = new Set<string>();
  return (clauses ?? []).map((clause) => {
    const { identifier, ascending } = splitOrderBy(clause);
    const key = identifier.trim();
    if (!REGISTERED_MODEL_ORDER_BY_KEYS.includes(key)) {
      throw invalidParam(
        `Invalid order by key '${key}' specified. Valid keys are '${pySet(REGISTERED_MODEL_ORDER_BY_LISTED)}'`,
      );
    }
    const canonical = key === 'name' ? 'name' : 'last_updated_timestamp';
    rejectDuplicate(seen, canonical, clauses!);
    return { type: 'attribute', key: canonical, ascending };
  });
}

/**
 * Parses search_model_versions `order_by` entries: `name`, `version_number`, `creation_timestamp`,
 * `last_updated_timestamp` (bare or `attribute.`), each at most once. Like MLflow it keeps only the
 * key of a `tag.`/`tags.` identifier, so `tags.name` orders by the name attribute.
 *
 * Adds no tie-breaker. MLflow appends `name ASC` and then `version_number DESC` where the clauses do
 * not order by them; with no clauses the order is `last_updated_timestamp DESC, name ASC,
 * version_number DESC`.
 */
export function parseModelVersionOrderBy(clauses?: string[]): OrderBy[] {
  const seen = new Set<string>();
  return (clauses ?? []).map((clause) => {
    const { identifier, ascending } = splitOrderBy(clause);
    const { key } = resolveExperimentIdentifier(identifier.trim(), MODEL_VERSION_ORDER_BY_KEYS);
    if (!MODEL_VERSION_ORDER_BY_KEYS.includes(key)) {
      throw invalidParam(
        `Invalid order by key '${key}' specified. Valid keys are ${pySet(MODEL_VERSION_ORDER_BY_KEYS)}`,
      );
    }
    rejectDuplicate(seen, key, clauses!);
    return { type: 'attribute', key, ascending };
  });
}
