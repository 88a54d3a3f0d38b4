import { invalidParam } from '../errors.js';
import type { LoggedModelOrderBy } from './ast.js';
import { loggedModelAttribute } from './identifiers.js';

/** One search_logged_models `order_by` object as the request carries it. */
export interface LoggedModelOrderByEntry {
  field_name?: string;
  /** Defaults to true. */
  ascending?: boolean;
  dataset_name?: string;
  dataset_digest?: string;
}

/**
 * Reads search_logged_models `order_by` objects as MLflow's SQL tracking store does. `field_name` is
 * an attribute — the filter's attribute names, times canonicalised to `creation_timestamp_ms` and
 * `last_updated_timestamp_ms` — or `metrics.<key>` (the key as written, backticks included), whose
 * `dataset_name` and `dataset_digest` (each optional, empty meaning absent) restrict the metric values
 * considered; they are dropped for attributes. A missing field_name reads as empty, and is refused.
 *
 * Adds no tie-breaker. MLflow sorts rows lacking the value last in either direction, orders a metric
 * by its latest value (by timestamp, then step), and appends `creation_timestamp_ms DESC` unless the
 * entries order by creation time already.
 */
export function parseLoggedModelOrderBy(entries?: LoggedModelOrderByEntry[]): LoggedModelOrderBy[] {
  return (entries ?? []).map((entry) => {
    const field = entry.field_name ?? '';
    const ascending = entry.ascending ?? true;
    const dot = field.indexOf('.');
    if (dot < 0) {
      const key = loggedModelAttribute(field);
      if (key === undefined) throw invalidParam(`Invalid order by field name: ${field}`);
      return { type: 'attribute', key, ascending };
    }
    if (field.slice(0, dot) !== 'metrics') {
      throw invalidParam(`Invalid order by field name: ${field}. Only metrics are supported.`);
    }
    const order: LoggedModelOrderBy = { type: 'metric', key: field.slice(dot + 1), ascending };
    if (entry.dataset_name) order.datasetName = entry.dataset_name;
    if (entry.dataset_digest) order.datasetDigest = entry.dataset_digest;
    return order;
  });
}
