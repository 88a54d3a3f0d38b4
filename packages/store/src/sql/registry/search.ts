import { PROMPT_TAG, decodePageToken, encodePageToken } from '@ferry/core';
import type { Comparison, ModelVersion, OrderBy, Page, RegisteredModel } from '@ferry/core';
import { sql } from 'kysely';
import type { RawBuilder, SqlBool } from 'kysely';
import type { SearchRegistryInput } from '../../registry-store.js';
import { compare, type OrderTerm } from '../compare.js';
import type { StoreContext } from '../context.js';
import { loadModels, loadVersions } from './load.js';

function tagClause(table: string, owner: RawBuilder<unknown>, clause: Comparison): RawBuilder<SqlBool> {
  return sql<SqlBool>`exists (select 1 from ${sql.table(table)} t where ${owner} and t.key = ${clause.key} and ${compare(sql.ref('t.value'), clause.comparator, clause.value)})`;
}

/**
 * Prompts (MLflow's prompt registry) are registered models tagged `mlflow.prompt.is_prompt=true`.
 * Searches return ordinary models unless the first clause on that tag asks for prompts; otherwise
 * every clause on the tag is dropped and prompts are left out, since models lack the tag entirely.
 */
function splitPromptClauses(filter: Comparison[]): { clauses: Comparison[]; excludePrompts: boolean } {
  const first = filter.find((c) => c.type === 'tag' && c.key === PROMPT_TAG);
  const value = typeof first?.value === 'string' ? first.value.toLowerCase() : undefined;
  const asksForPrompts =
    (first?.comparator === '=' && value === 'true') || (first?.comparator === '!=' && value === 'false');
  if (asksForPrompts) return { clauses: filter, excludePrompts: false };
  return { clauses: filter.filter((c) => !(c.type === 'tag' && c.key === PROMPT_TAG)), excludePrompts: true };
}

const isPrompt = (table: string, owner: RawBuilder<unknown>) =>
  sql<SqlBool>`exists (select 1 from ${sql.table(table)} t where ${owner} and t.key = ${PROMPT_TAG} and t.value = 'true')`;

const MODEL_COLUMNS: Record<string, string> = {
  name: 'm.name',
  last_updated_timestamp: 'm.last_updated_time',
  creation_timestamp: 'm.creation_time',
};

function modelClause(clause: Comparison): RawBuilder<SqlBool> {
  if (clause.type === 'tag') return tagClause('registered_model_tags', sql`t.model_id = m.model_id`, clause);
  return compare(sql.ref(MODEL_COLUMNS[clause.key] ?? 'm.name'), clause.comparator, clause.value);
}

/** MLflow's SQL store order: the keys given, then `name ASC` unless name was among them; default `name ASC`. */
function modelOrder(orderBy: OrderBy[]): OrderTerm[] {
  const terms = orderBy.map((o) => ({
    expr: sql.ref(MODEL_COLUMNS[o.key] ?? 'm.name'),
    direction: o.ascending ? ('asc' as const) : ('desc' as const),
  }));
  if (!orderBy.some((o) => o.key === 'name')) terms.push({ expr: sql.ref('m.name'), direction: 'asc' });
  return terms;
}

export async function searchRegisteredModels(
  ctx: StoreContext,
  input: SearchRegistryInput,
): Promise<Page<RegisteredModel>> {
  const offset = decodePageToken(input.pageToken);
  const { clauses, excludePrompts } = splitPromptClauses(input.filter ?? []);
  let query = ctx.db.selectFrom('registered_models as m').selectAll('m');
  for (const clause of clauses) query = query.where(() => modelClause(clause));
  if (excludePrompts) {
    query = query.where(({ not }) => not(isPrompt('registered_model_tags', sql`t.model_id = m.model_id`)));
  }
  for (const term of modelOrder(input.orderBy ?? [])) query = query.orderBy(term.expr, term.direction);
  const rows = await query
    .limit(input.maxResults + 1)
    .offset(offset)
    .execute();
  const page: Page<RegisteredModel> = {
    items: await loadModels(ctx, ctx.db, rows.slice(0, input.maxResults)),
  };
  if (rows.length > input.maxResults) page.nextPageToken = encodePageToken(offset + input.maxResults);
  return page;
}

const VERSION_COLUMNS: Record<string, string> = {
  name: 'm.name',
  run_id: 'v.run_id',
  source_path: 'v.source',
  version_number: 'v.version',
  creation_timestamp: 'v.creation_time',
  last_updated_timestamp: 'v.last_updated_time',
  current_stage: 'v.current_stage',
  status: 'v.status',
  model_id: 'v.logged_model_id',
};

function versionClause(clause: Comparison): RawBuilder<SqlBool> {
  if (clause.type === 'tag') {
    return tagClause('model_version_tags', sql`t.model_id = v.model_id and t.version = v.version`, clause);
  }
  return compare(sql.ref(VERSION_COLUMNS[clause.key] ?? 'm.name'), clause.comparator, clause.value);
}

/** MLflow's default order, and its tie-breakers `name ASC`, `version_number DESC` when absent. */
function versionOrder(orderBy: OrderBy[]): OrderTerm[] {
  const keys: OrderBy[] =
    orderBy.length > 0
      ? [...orderBy]
      : [{ type: 'attribute', key: 'last_updated_timestamp', ascending: false }];
  if (!keys.some((o) => o.key === 'name')) keys.push({ type: 'attribute', key: 'name', ascending: true });
  if (!keys.some((o) => o.key === 'version_number')) {
    keys.push({ type: 'attribute', key: 'version_number', ascending: false });
  }
  return keys.map((o) => ({
    expr: sql.ref(VERSION_COLUMNS[o.key] ?? 'm.name'),
    direction: o.ascending ? ('asc' as const) : ('desc' as const),
  }));
}

export async function searchModelVersions(
  ctx: StoreContext,
  input: SearchRegistryInput,
): Promise<Page<ModelVersion>> {
  const offset = decodePageToken(input.pageToken);
  let query = ctx.db
    .selectFrom('model_versions as v')
    .innerJoin('registered_models as m', 'm.model_id', 'v.model_id')
    .selectAll('v')
    .select('m.name as model_name');
  const { clauses, excludePrompts } = splitPromptClauses(input.filter ?? []);
  for (const clause of clauses) query = query.where(() => versionClause(clause));
  // As in MLflow, a model counts as a prompt when any of its versions carries the tag.
  if (excludePrompts) {
    query = query.where(({ not }) => not(isPrompt('model_version_tags', sql`t.model_id = v.model_id`)));
  }
  for (const term of versionOrder(input.orderBy ?? [])) query = query.orderBy(term.expr, term.direction);
  const rows = await query
    .limit(input.maxResults + 1)
    .offset(offset)
    .execute();
  const pageRows = rows.slice(0, input.maxResults);
  const names = new Map(pageRows.map((r) => [r.model_id, r.model_name]));
  const versions = pageRows.map(({ model_name: _ignored, ...row }) => row);
  const page: Page<ModelVersion> = { items: await loadVersions(ctx, ctx.db, versions, names, false) };
  if (rows.length > input.maxResults) page.nextPageToken = encodePageToken(offset + input.maxResults);
  return page;
}
