import { sql } from 'kysely';
import type { RawBuilder, SqlBool } from 'kysely';
import type { Comparison, OrderBy } from '@ferry/core';
import { compare, nullsLast } from './compare.js';
import type { OrderTerm } from './compare.js';

/** Run attributes MLflow's grammar names, and the column each lives in. */
const RUN_ATTRIBUTE_COLUMNS: Record<string, string> = {
  run_id: 'runs.run_uuid',
  run_name: 'runs.name',
  status: 'runs.status',
  user_id: 'runs.user_id',
  artifact_uri: 'runs.artifact_uri',
  start_time: 'runs.start_time',
  end_time: 'runs.end_time',
  lifecycle_stage: 'runs.lifecycle_stage',
};

const DATASET_CONTEXT_TAG = 'mlflow.data.context';

function keyValueExists(table: 'params' | 'tags', clause: Comparison): RawBuilder<SqlBool> {
  const t = sql.table(table);
  if (clause.comparator === 'IS NULL') {
    return sql<SqlBool>`not exists (select 1 from ${t} kv where kv.run_uuid = runs.run_uuid and kv.key = ${clause.key})`;
  }
  const cond =
    clause.comparator === 'IS NOT NULL'
      ? sql`1 = 1`
      : compare(sql.ref('kv.value'), clause.comparator, clause.value);
  return sql<SqlBool>`exists (select 1 from ${t} kv where kv.run_uuid = runs.run_uuid and kv.key = ${clause.key} and ${cond})`;
}

/**
 * One parsed run-filter clause as a WHERE condition on `runs`. Metrics compare the latest value
 * (one primary-key probe per run, never a history scan); a run lacking the key never matches.
 */
export function compileRunFilter(clause: Comparison): RawBuilder<SqlBool> {
  switch (clause.type) {
    case 'metric': {
      const cond =
        clause.comparator === '!='
          ? sql`(lm.is_nan = 1 or lm.value != ${clause.value})`
          : sql`lm.is_nan = 0 and ${compare(sql.ref('lm.value'), clause.comparator, clause.value)}`;
      return sql<SqlBool>`exists (select 1 from latest_metrics lm where lm.run_uuid = runs.run_uuid and lm.key = ${clause.key} and ${cond})`;
    }
    case 'param':
      return keyValueExists('params', clause);
    case 'tag':
      return keyValueExists('tags', clause);
    case 'dataset': {
      if (clause.key === 'context') {
        return sql<SqlBool>`exists (select 1 from input_tags it where it.run_uuid = runs.run_uuid and it.key = ${DATASET_CONTEXT_TAG} and ${compare(sql.ref('it.value'), clause.comparator, clause.value)})`;
      }
      const column = sql.ref(clause.key === 'digest' ? 'd.digest' : 'd.name');
      return sql<SqlBool>`exists (select 1 from run_inputs ri join datasets d on d.dataset_uuid = ri.dataset_uuid where ri.run_uuid = runs.run_uuid and ${compare(column, clause.comparator, clause.value)})`;
    }
    case 'attribute':
      return compare(
        sql.ref(RUN_ATTRIBUTE_COLUMNS[clause.key] ?? 'runs.name'),
        clause.comparator,
        clause.value,
      );
  }
}

/** A LEFT JOIN an ORDER BY key needs: one probe per run for the key's value. */
export interface OrderJoin {
  table: 'latest_metrics' | 'params' | 'tags';
  alias: string;
  key: string;
}

/**
 * ORDER BY terms for a run search: missing values last in both directions, NaN after numbers when
 * ascending and before them when descending, then MLflow's tie-breakers (start_time DESC, run_id ASC).
 */
export function runOrderBy(orderBy: OrderBy[]): { joins: OrderJoin[]; terms: OrderTerm[] } {
  const joins: OrderJoin[] = [];
  const terms: OrderTerm[] = [];
  orderBy.forEach((o, i) => {
    const alias = `o${i}`;
    const direction = o.ascending ? 'asc' : 'desc';
    if (o.type === 'metric') {
      joins.push({ table: 'latest_metrics', alias, key: o.key });
      terms.push({
        expr: sql`(case when ${sql.ref(`${alias}.value`)} is null then 1 else 0 end)`,
        direction: 'asc',
      });
      terms.push({ expr: sql.ref(`${alias}.is_nan`), direction });
      terms.push({ expr: sql.ref(`${alias}.value`), direction });
    } else if (o.type === 'param' || o.type === 'tag') {
      joins.push({ table: o.type === 'param' ? 'params' : 'tags', alias, key: o.key });
      terms.push(...nullsLast(sql.ref(`${alias}.value`), o.ascending));
    } else {
      terms.push(...nullsLast(sql.ref(RUN_ATTRIBUTE_COLUMNS[o.key] ?? 'runs.start_time'), o.ascending));
    }
  });
  if (!orderBy.some((o) => o.type === 'attribute' && o.key === 'start_time')) {
    terms.push({ expr: sql.ref('runs.start_time'), direction: 'desc' });
  }
  terms.push({ expr: sql.ref('runs.run_uuid'), direction: 'asc' });
  return { joins, terms };
}
