import { decodePageToken, encodePageToken, validateExperimentId } from '@ferry/core';
import type { Page, Run } from '@ferry/core';
import { sql } from 'kysely';
import type { SqlBool } from 'kysely';
import type { SearchRunsInput } from '../tracking-store.js';
import type { StoreContext } from './context.js';
import { compileRunFilter, runOrderBy } from './compile-run-search.js';
import { loadRunsById } from './run-loader.js';
import { lifecycleStages } from './lifecycle.js';

/**
 * One query picks the page of run ids (filters as joins, the sort carrying only ids); a second pass
 * loads those runs and their data.
 */
export async function searchRuns(ctx: StoreContext, input: SearchRunsInput): Promise<Page<Run>> {
  if (input.experimentIds.length === 0) return { items: [] };
  input.experimentIds.forEach(validateExperimentId);
  const offset = decodePageToken(input.pageToken);
  let query = ctx.db
    .selectFrom('runs')
    .select('runs.run_uuid')
    .where('runs.experiment_id', 'in', [...input.experimentIds.map(Number).filter(Number.isSafeInteger), -1])
    .where('runs.lifecycle_stage', 'in', lifecycleStages(input.viewType));
  for (const [i, clause] of (input.filter ?? []).entries()) {
    const compiled = compileRunFilter(clause, i);
    if ('where' in compiled) {
      query = query.where(compiled.where);
    } else {
      const { table, alias, key, condition } = compiled.join;
      query = query.innerJoin(sql.table(table).as(alias) as never, (join) =>
        join.on(
          sql<SqlBool>`${sql.ref(`${alias}.run_uuid`)} = runs.run_uuid and ${sql.ref(`${alias}.key`)} = ${key} and ${condition}`,
        ),
      );
    }
  }
  const { joins, terms } = runOrderBy(input.orderBy ?? []);
  for (const j of joins) {
    query = query.leftJoin(sql.table(j.table).as(j.alias) as never, (join) =>
      join.on(
        sql<SqlBool>`${sql.ref(`${j.alias}.run_uuid`)} = runs.run_uuid and ${sql.ref(`${j.alias}.key`)} = ${j.key}`,
      ),
    );
  }
  for (const term of terms) query = query.orderBy(term.expr, term.direction);
  const rows = await query
    .limit(input.maxResults + 1)
    .offset(offset)
    .execute();
  const runs = await loadRunsById(
    ctx,
    rows.slice(0, input.maxResults).map((r) => r.run_uuid),
  );
  const page: Page<Run> = { items: runs };
  if (rows.length > input.maxResults) page.nextPageToken = encodePageToken(offset + input.maxResults);
  return page;
}
