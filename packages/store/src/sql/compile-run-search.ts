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

/**
 * Ferry's `attributes.duration` order key. A run without an end time (still running) has no duration:
 * the NULL sorts last in both directions, as missing attributes do in MLflow.
 */
const RUN_DURATION = sql`(runs.end_time - runs.start_time)`;

const DATASET_CONTEXT_TAG = 'mlflow.data.context';

/**
 * A filter on a metric, param or tag as an INNER JOIN: the (run, key) row must exist and satisfy the
 * condition. (run, key) is unique in each table, so a join never duplicates runs, and it lets the
 * planner start from whichever side is more selective.
 */
export interface FilterJoin {
  table: 'latest_metrics' | 'params' | 'tags';
  alias: string;
  key: string;
  condition: RawBuilder<unknown>;
}

export type CompiledFilter = { join: FilterJoin } | { where: RawBuilder<SqlBool> };

function keyValueFilter(table: 'params' | 'tags', clause: Comparison, alias: string): CompiledFilter {
  if (clause.comparator === 'IS NULL') {
    return {
      where: sql<SqlBool>`not exists (select 1 from ${sql.table(table)} kv where kv.run_uuid = runs.run_uuid and kv.key = ${clause.key})`,
    };
  }
  const condition =
    clause.comparator === 'IS NOT NULL'
      ? sql`1 = 1`
      : compare(sql.ref(`${alias}.value`), clause.comparator, clause.value);
  return { join: { table, alias, key: clause.key, condition } };
}

/**
 * One parsed run-filter clause (the `index`-th) as a join or WHERE condition on `runs`. Metrics
 * compare the latest value — never history; a run lacking the key never matches (but IS NULL).
 */
export function compileRunFilter(clause: Comparison, index: number): CompiledFilter {
  const alias = `f${index}`;
  switch (clause.type) {
    case 'metric': {
      const value = sql.ref(`${alias}.value`);
      const isNan = sql.ref(`${alias}.is_nan`);
      const condition =
        clause.comparator === '!='
          ? sql`(${isNan} = 1 or ${value} != ${clause.value})`
          : sql`${isNan} = 0 and ${compare(value, clause.comparator, clause.value)}`;
      return { join: { table: 'latest_metrics', alias, key: clause.key, condition } };
    }
    case 'param':
      return keyValueFilter('params', clause, alias);
    case 'tag':
      return keyValueFilter('tags', clause, alias);
    case 'dataset': {
      if (clause.key === 'context') {
        return {
          where: sql<SqlBool>`exists (select 1 from input_tags it where it.run_uuid = runs.run_uuid and it.key = ${DATASET_CONTEXT_TAG} and ${compare(sql.ref('it.value'), clause.comparator, clause.value)})`,
        };
      }
      const column = sql.ref(clause.key === 'digest' ? 'd.digest' : 'd.name');
      return {
        where: sql<SqlBool>`exists (select 1 from run_inputs ri join datasets d on d.dataset_uuid = ri.dataset_uuid where ri.run_uuid = runs.run_uuid and ${compare(column, clause.comparator, clause.value)})`,
      };
    }
    case 'attribute':
      return {
        where: compare(
          sql.ref(RUN_ATTRIBUTE_COLUMNS[clause.key] ?? 'runs.name'),
          clause.comparator,
          clause.value,
        ),
      };
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
    } else if (o.key === 'duration') {
      terms.push(...nullsLast(RUN_DURATION, o.ascending));
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
