import { sql } from 'kysely';
import type { RawBuilder, SqlBool } from 'kysely';
import type { Comparison } from '@ferry/core';

type Expr = RawBuilder<unknown>;

/**
 * `<expr> <comparator> <value>` for the comparators MLflow allows. LIKE is case-sensitive everywhere
 * (SQLite is switched to case-sensitive LIKE when it opens); ILIKE lowercases both sides.
 */
export function compare(
  expr: Expr,
  comparator: Comparison['comparator'],
  value: Comparison['value'],
): RawBuilder<SqlBool> {
  switch (comparator) {
    case '=':
    case '!=':
    case '>':
    case '>=':
    case '<':
    case '<=':
      return sql<SqlBool>`${expr} ${sql.raw(comparator)} ${value}`;
    case 'LIKE':
      return sql<SqlBool>`${expr} like ${value}`;
    case 'ILIKE':
      return sql<SqlBool>`lower(${expr}) like lower(${value})`;
    case 'IN':
    case 'NOT IN': {
      // MLflow drops some list entries (e.g. run ids with upper case), so a list may end up empty.
      if ((value as string[]).length === 0) return sql<SqlBool>`${sql.lit(comparator === 'IN' ? 0 : 1)} = 1`;
      const list = sql.join((value as string[]).map((v) => sql`${v}`));
      return sql<SqlBool>`${expr} ${sql.raw(comparator.toLowerCase())} (${list})`;
    }
    case 'IS NULL':
      return sql<SqlBool>`${expr} is null`;
    case 'IS NOT NULL':
      return sql<SqlBool>`${expr} is not null`;
  }
}

export type OrderTerm = { expr: RawBuilder<unknown>; direction: 'asc' | 'desc' };

/** Order terms that put rows lacking the value last in both directions, as MLflow does. */
export function nullsLast(expr: RawBuilder<unknown>, ascending: boolean): OrderTerm[] {
  return [
    { expr: sql`(case when ${expr} is null then 1 else 0 end)`, direction: 'asc' },
    { expr, direction: ascending ? 'asc' : 'desc' },
  ];
}
