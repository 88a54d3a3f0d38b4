import { invalidParam } from '../errors.js';
import type { OrderBy } from './ast.js';
import {
  EXPERIMENT_ORDER_BY_KEYS,
  RUN_ORDER_BY_EXTENSION_KEYS,
  RUN_ORDER_BY_KEYS,
  astEntity,
  canonicalKey,
  resolveExperimentIdentifier,
  resolveRunIdentifier,
} from './identifiers.js';
import { rejectDuplicate, splitOrderBy } from './order-by-clause.js';

/**
 * Parses search_runs `order_by` entries: `<identifier> [ASC|DESC]`, metrics, params, tags and run
 * attributes (`created` becomes `start_time`), plus Ferry's `attributes.duration`. No tie-breakers are
 * added here.
 */
export function parseRunOrderBy(clauses: string[] | undefined): OrderBy[] {
  const seen = new Set<string>();
  return (clauses ?? []).map((clause) => {
    const { identifier, ascending } = splitOrderBy(clause);
    const { entity, key } = resolveRunIdentifier(
      identifier.trim(),
      RUN_ORDER_BY_KEYS,
      RUN_ORDER_BY_EXTENSION_KEYS,
    );
    if (entity === 'dataset') throw invalidParam("Invalid identifier type 'dataset'");
    const canonical = canonicalKey(entity, key);
    rejectDuplicate(seen, `${entity}.${canonical}`, clauses!);
    return { type: astEntity(entity), key: canonical, ascending };
  });
}

/** Parses search_experiments `order_by` entries: `name`, `experiment_id`, `creation_time`, `last_update_time`. */
export function parseExperimentOrderBy(clauses: string[] | undefined): OrderBy[] {
  return (clauses ?? []).map((clause) => {
    const { identifier, ascending } = splitOrderBy(clause);
    const { entity, key } = resolveExperimentIdentifier(identifier.trim(), EXPERIMENT_ORDER_BY_KEYS);
    if (entity !== 'attribute') throw invalidParam(`Invalid order_by entity: ${entity}`);
    return { type: 'attribute', key, ascending };
  });
}
