import { sql } from 'kysely';
import type { RawBuilder, SqlBool, ExpressionBuilder } from 'kysely';
import type { Comparison, OrderBy } from '@ferry/core';
import type { Database } from '../schema.js';
import { compare, nullsLast } from './compare.js';
import type { OrderTerm } from './compare.js';

const ATTRIBUTE_COLUMNS: Record<string, string> = {
  name: 'experiments.name',
  experiment_id: 'experiments.experiment_id',
  creation_time: 'experiments.creation_time',
  last_update_time: 'experiments.last_update_time',
};

/** One parsed experiment-filter clause as a WHERE condition on `experiments`. */
export function compileExperimentFilter(
  _eb: ExpressionBuilder<Database, 'experiments'>,
  clause: Comparison,
): RawBuilder<SqlBool> {
  if (clause.type === 'tag') {
    const value = sql.ref('t.value');
    if (clause.comparator === 'IS NULL') {
      return sql<SqlBool>`not exists (select 1 from experiment_tags t where t.experiment_id = experiments.experiment_id and t.key = ${clause.key})`;
    }
    const cond =
      clause.comparator === 'IS NOT NULL' ? sql`1 = 1` : compare(value, clause.comparator, clause.value);
    return sql<SqlBool>`exists (select 1 from experiment_tags t where t.experiment_id = experiments.experiment_id and t.key = ${clause.key} and ${cond})`;
  }
  const column = ATTRIBUTE_COLUMNS[clause.key] ?? 'experiments.name';
  return compare(sql.ref(column), clause.comparator, clause.value);
}

/** ORDER BY terms for an experiment search: MLflow's default order, else the keys then `experiment_id DESC`. */
export function experimentOrderBy(orderBy: OrderBy[]): OrderTerm[] {
  if (orderBy.length === 0) {
    return [
      { expr: sql.ref('experiments.creation_time'), direction: 'desc' },
      { expr: sql.ref('experiments.experiment_id'), direction: 'asc' },
    ];
  }
  const terms: OrderTerm[] = orderBy.flatMap((o) =>
    nullsLast(sql.ref(ATTRIBUTE_COLUMNS[o.key] ?? 'experiments.name'), o.ascending),
  );
  if (!orderBy.some((o) => o.key === 'experiment_id')) {
    terms.push({ expr: sql.ref('experiments.experiment_id'), direction: 'desc' });
  }
  return terms;
}
