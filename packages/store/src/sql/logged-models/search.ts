import { decodePageToken, encodePageToken, validateExperimentId } from '@ferry/core';
import type { Comparison, LoggedModel, Page } from '@ferry/core';
import { sql } from 'kysely';
import type { RawBuilder, SqlBool } from 'kysely';
import type {
  LoggedModelDatasetFilter,
  LoggedModelOrder,
  SearchLoggedModelsInput,
} from '../../registry-store.js';
import { compare, nullsLast, type OrderTerm } from '../compare.js';
import type { StoreContext } from '../context.js';
import { loadLoggedModels } from './load.js';

const ATTRIBUTE_COLUMNS: Record<string, string> = {
  model_id: 'lm.model_id',
  name: 'lm.name',
  model_type: 'lm.model_type',
  status: 'lm.status',
  source_run_id: 'lm.source_run_id',
  creation_timestamp_ms: 'lm.creation_timestamp_ms',
  last_updated_timestamp_ms: 'lm.last_updated_timestamp_ms',
};

/** Metrics computed on any of the given datasets (a digest narrows its dataset to one version). */
function onDatasets(datasets: LoggedModelDatasetFilter[]): RawBuilder<unknown> {
  if (datasets.length === 0) return sql`1 = 1`;
  const each = datasets.map((d) =>
    d.dataset_digest === undefined
      ? sql`m.dataset_name = ${d.dataset_name}`
      : sql`(m.dataset_name = ${d.dataset_name} and m.dataset_digest = ${d.dataset_digest})`,
  );
  return sql`(${sql.join(each, sql` or `)})`;
}

function clause(c: Comparison, datasets: LoggedModelDatasetFilter[]): RawBuilder<SqlBool> {
  switch (c.type) {
    case 'metric':
      // As MLflow: a model matches when any of its recorded values for the key satisfies the comparison.
      return sql<SqlBool>`exists (select 1 from logged_model_metrics m where m.model_id = lm.model_id and m.key = ${c.key} and m.is_nan = 0 and ${compare(sql.ref('m.value'), c.comparator, c.value)} and ${onDatasets(datasets)})`;
    case 'param':
      return sql<SqlBool>`exists (select 1 from logged_model_params p where p.model_id = lm.model_id and p.key = ${c.key} and ${compare(sql.ref('p.value'), c.comparator, c.value)})`;
    case 'tag':
      return sql<SqlBool>`exists (select 1 from logged_model_tags t where t.model_id = lm.model_id and t.key = ${c.key} and ${compare(sql.ref('t.value'), c.comparator, c.value)})`;
    default:
      return compare(sql.ref(ATTRIBUTE_COLUMNS[c.key] ?? 'lm.name'), c.comparator, c.value);
  }
}

/** The latest value of a metric (by timestamp, then step) on the order entry's dataset, if any. */
function latestMetric(order: LoggedModelOrder): RawBuilder<unknown> {
  const dataset = [
    order.datasetName !== undefined ? sql`and m.dataset_name = ${order.datasetName}` : sql``,
    order.datasetDigest !== undefined ? sql`and m.dataset_digest = ${order.datasetDigest}` : sql``,
  ];
  return sql`(select m.value from logged_model_metrics m where m.model_id = lm.model_id and m.key = ${order.key} ${dataset[0]} ${dataset[1]} order by m.timestamp desc, m.step desc limit 1)`;
}

/** MLflow's order: the entries given (missing values last), then newest first; model id keeps pages stable. */
function orderTerms(orderBy: LoggedModelOrder[]): OrderTerm[] {
  const terms = orderBy.flatMap((o) =>
    nullsLast(
      o.type === 'metric' ? latestMetric(o) : sql.ref(ATTRIBUTE_COLUMNS[o.key] ?? 'lm.name'),
      o.ascending,
    ),
  );
  if (!orderBy.some((o) => o.type === 'attribute' && o.key === 'creation_timestamp_ms')) {
    terms.push({ expr: sql.ref('lm.creation_timestamp_ms'), direction: 'desc' });
  }
  terms.push({ expr: sql.ref('lm.model_id'), direction: 'asc' });
  return terms;
}

export async function searchLoggedModels(
  ctx: StoreContext,
  input: SearchLoggedModelsInput,
): Promise<Page<LoggedModel>> {
  input.experimentIds.forEach(validateExperimentId);
  const offset = decodePageToken(input.pageToken);
  const datasets = input.datasets ?? [];
  const filter = input.filter ?? [];
  let query = ctx.db
    .selectFrom('logged_models as lm')
    .selectAll('lm')
    .where('lm.lifecycle_stage', '=', 'active')
    .where('lm.experiment_id', 'in', input.experimentIds.length > 0 ? input.experimentIds.map(Number) : [-1]);
  for (const c of filter) query = query.where(() => clause(c, datasets));
  // Datasets without metric filters still restrict the search to models evaluated on them.
  if (datasets.length > 0 && !filter.some((c) => c.type === 'metric')) {
    query = query.where(
      () =>
        sql<SqlBool>`exists (select 1 from logged_model_metrics m where m.model_id = lm.model_id and ${onDatasets(datasets)})`,
    );
  }
  for (const term of orderTerms(input.orderBy ?? [])) query = query.orderBy(term.expr, term.direction);
  const rows = await query
    .limit(input.maxResults + 1)
    .offset(offset)
    .execute();
  const page: Page<LoggedModel> = {
    items: await loadLoggedModels(ctx, ctx.db, rows.slice(0, input.maxResults)),
  };
  if (rows.length > input.maxResults) page.nextPageToken = encodePageToken(offset + input.maxResults);
  return page;
}
