import { FerryError, notFound } from '@ferry/core';
import type { ModelVersion, ModelVersionStage, RegisteredModel, Tag } from '@ferry/core';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from '../../schema.js';
import { chunks, type StoreContext } from '../context.js';

/**
 * Reading registry rows into MLflow's entities. Pages are loaded with one query per related table
 * (tags, aliases, latest versions) for all models of the page, never one per model.
 */

export type Db = Kysely<Database> | Transaction<Database>;
export type ModelRow = Selectable<Database['registered_models']>;
export type VersionRow = Selectable<Database['model_versions']>;

export const modelNotFound = (name: string) => notFound(`Registered Model with name=${name} not found`);
export const versionNotFound = (name: string, version: number | string) =>
  notFound(`Model Version (name=${name}, version=${version}) not found`);
export const modelExists = (name: string) =>
  new FerryError('RESOURCE_ALREADY_EXISTS', `Registered Model (name=${name}) already exists.`);

export async function requireModel(db: Db, name: string): Promise<ModelRow> {
  const row = await db
    .selectFrom('registered_models')
    .selectAll()
    .where('name', '=', name)
    .executeTakeFirst();
  if (!row) throw modelNotFound(name);
  return row;
}

export async function requireVersion(db: Db, name: string, version: number): Promise<VersionRow> {
  const model = await requireModel(db, name);
  const row = await db
    .selectFrom('model_versions')
    .selectAll()
    .where('model_id', '=', model.model_id)
    .where('version', '=', version)
    .executeTakeFirst();
  if (!row) throw versionNotFound(name, version);
  return row;
}

function toVersion(name: string, row: VersionRow, tags: Tag[], aliases?: string[]): ModelVersion {
  const mv: ModelVersion = {
    name,
    version: String(row.version),
    creation_timestamp: row.creation_time,
    last_updated_timestamp: row.last_updated_time,
    current_stage: row.current_stage as ModelVersionStage,
    description: row.description ?? '',
    source: row.source,
    status: row.status as ModelVersion['status'],
    run_link: row.run_link ?? '',
  };
  if (row.user_id !== null) mv.user_id = row.user_id;
  if (row.run_id !== null) mv.run_id = row.run_id;
  if (row.status_message) mv.status_message = row.status_message;
  if (tags.length > 0) mv.tags = tags;
  if (aliases && aliases.length > 0) mv.aliases = aliases;
  if (row.logged_model_id !== null) mv.model_id = row.logged_model_id;
  return mv;
}

const versionKey = (modelId: number, version: number) => `${modelId}:${version}`;

/**
 * Versions as entities, in the order given. `names` maps model ids to names; aliases are attached
 * only when asked, as MLflow does for single-version reads but not for searches.
 */
export async function loadVersions(
  ctx: StoreContext,
  db: Db,
  rows: VersionRow[],
  names: Map<number, string>,
  withAliases: boolean,
): Promise<ModelVersion[]> {
  if (rows.length === 0) return [];
  const tags = new Map<string, Tag[]>();
  const aliases = new Map<string, string[]>();
  const modelIds = [...new Set(rows.map((r) => r.model_id))];
  const wanted = new Set(rows.map((r) => versionKey(r.model_id, r.version)));
  for (const ids of chunks(modelIds, ctx.adapter.maxParameters)) {
    const tagRows = await db
      .selectFrom('model_version_tags')
      .selectAll()
      .where('model_id', 'in', ids)
      .orderBy('key')
      .execute();
    for (const t of tagRows) {
      const key = versionKey(t.model_id, t.version);
      if (!wanted.has(key)) continue;
      const list = tags.get(key) ?? [];
      list.push({ key: t.key, value: t.value });
      tags.set(key, list);
    }
    if (!withAliases) continue;
    const aliasRows = await db
      .selectFrom('registered_model_aliases')
      .selectAll()
      .where('model_id', 'in', ids)
      .orderBy('alias')
      .execute();
    for (const a of aliasRows) {
      const key = versionKey(a.model_id, a.version);
      aliases.set(key, [...(aliases.get(key) ?? []), a.alias]);
    }
  }
  return rows.map((r) => {
    const key = versionKey(r.model_id, r.version);
    return toVersion(
      names.get(r.model_id)!,
      r,
      tags.get(key) ?? [],
      withAliases ? aliases.get(key) : undefined,
    );
  });
}

export async function loadVersion(
  ctx: StoreContext,
  db: Db,
  name: string,
  row: VersionRow,
): Promise<ModelVersion> {
  const [mv] = await loadVersions(ctx, db, [row], new Map([[row.model_id, name]]), true);
  return mv!;
}

/** The highest version per stage of each model, stage by stage in MLflow's stage order. */
export async function latestVersionRows(
  ctx: StoreContext,
  db: Db,
  modelIds: number[],
): Promise<VersionRow[]> {
  const out: VersionRow[] = [];
  for (const ids of chunks(modelIds, ctx.adapter.maxParameters)) {
    if (ids.length === 0) continue;
    const rows = await db
      .selectFrom('model_versions as v')
      .selectAll('v')
      .where('v.model_id', 'in', ids)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('model_versions as newer')
              .select('newer.version')
              .whereRef('newer.model_id', '=', 'v.model_id')
              .whereRef('newer.current_stage', '=', 'v.current_stage')
              .whereRef('newer.version', '>', 'v.version'),
          ),
        ),
      )
      .orderBy('v.model_id')
      .orderBy('v.version')
      .execute();
    out.push(...rows);
  }
  return out;
}

/** Registered models as entities with tags, aliases and latest versions, in the order given. */
export async function loadModels(ctx: StoreContext, db: Db, rows: ModelRow[]): Promise<RegisteredModel[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.model_id);
  const names = new Map(rows.map((r) => [r.model_id, r.name]));
  const tags = new Map<number, Tag[]>();
  const aliases = new Map<number, { alias: string; version: string }[]>();
  for (const part of chunks(ids, ctx.adapter.maxParameters)) {
    for (const t of await db
      .selectFrom('registered_model_tags')
      .selectAll()
      .where('model_id', 'in', part)
      .orderBy('key')
      .execute()) {
      tags.set(t.model_id, [...(tags.get(t.model_id) ?? []), { key: t.key, value: t.value }]);
    }
    for (const a of await db
      .selectFrom('registered_model_aliases')
      .selectAll()
      .where('model_id', 'in', part)
      .orderBy('alias')
      .execute()) {
      aliases.set(a.model_id, [
        ...(aliases.get(a.model_id) ?? []),
        { alias: a.alias, version: String(a.version) },
      ]);
    }
  }
  const latest = await loadVersions(ctx, db, await latestVersionRows(ctx, db, ids), names, false);
  const latestByModel = new Map<string, ModelVersion[]>();
  for (const mv of latest) latestByModel.set(mv.name, [...(latestByModel.get(mv.name) ?? []), mv]);
  return rows.map((r) => {
    const rm: RegisteredModel = {
      name: r.name,
      creation_timestamp: r.creation_time,
      last_updated_timestamp: r.last_updated_time,
    };
    if (r.user_id !== null) rm.user_id = r.user_id;
    if (r.description) rm.description = r.description;
    const versions = latestByModel.get(r.name);
    if (versions) rm.latest_versions = versions;
    const t = tags.get(r.model_id);
    if (t) rm.tags = t;
    const a = aliases.get(r.model_id);
    if (a) rm.aliases = a;
    if (r.deployment_job_id) rm.deployment_job_id = r.deployment_job_id;
    return rm;
  });
}
