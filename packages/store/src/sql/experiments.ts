import {
  FerryError,
  LIMITS,
  invalidParam,
  notFound,
  validateExperimentId,
  validateKey,
  validateLength,
} from '@ferry/core';
import type { Experiment, Page, Tag } from '@ferry/core';
import { decodePageToken, encodePageToken } from '@ferry/core';
import type { Selectable, Transaction } from 'kysely';
import type { Database } from '../schema.js';
import type { CreateExperimentInput, SearchExperimentsInput } from '../tracking-store.js';
import type { StoreContext } from './context.js';
import { compileExperimentFilter, experimentOrderBy } from './compile-experiment-search.js';
import { lifecycleStages, requireActive } from './lifecycle.js';

type ExperimentRow = Selectable<Database['experiments']>;

function toExperiment(row: ExperimentRow, tags: Tag[]): Experiment {
  const exp: Experiment = {
    experiment_id: String(row.experiment_id),
    name: row.name,
    artifact_location: row.artifact_location,
    lifecycle_stage: row.lifecycle_stage as Experiment['lifecycle_stage'],
    last_update_time: row.last_update_time,
    creation_time: row.creation_time,
  };
  if (tags.length > 0) exp.tags = tags;
  return exp;
}

function validateExperimentTag(tag: Tag): void {
  validateKey(tag.key);
  validateLength('key', tag.key, LIMITS.experimentTagKeyLength);
  validateLength('value', tag.value, LIMITS.experimentTagValueLength);
}

export function validateExperimentName(name: string): void {
  if (name.trim() === '') throw invalidParam(`Invalid experiment name: '${name}'`);
  validateLength('name', name, LIMITS.experimentNameLength);
}

/** A unique-name violation as MLflow reports it (400 RESOURCE_ALREADY_EXISTS); other errors pass through. */
function nameTaken(ctx: StoreContext, error: unknown, name: string): unknown {
  return ctx.adapter.isUniqueViolation(error)
    ? new FerryError('RESOURCE_ALREADY_EXISTS', `Experiment(name=${name}) already exists.`)
    : error;
}

function artifactLocationFor(root: string, id: number): string {
  return `${root.replace(/\/+$/, '')}/${id}`;
}

export async function createExperiment(ctx: StoreContext, input: CreateExperimentInput): Promise<string> {
  validateExperimentName(input.name);
  const tags = input.tags ?? [];
  tags.forEach(validateExperimentTag);
  if (input.artifactLocation) {
    if (input.artifactLocation.startsWith('runs:')) {
      throw invalidParam(
        `Got an invalid artifact location: '${input.artifactLocation}'. 'runs:' URIs are not supported as experiment artifact locations.`,
      );
    }
    validateLength('artifact_location', input.artifactLocation, LIMITS.artifactLocationLength);
  }
  const now = Date.now();
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const { experiment_id: id } = await trx
        .insertInto('experiments')
        .values({
          name: input.name,
          artifact_location: input.artifactLocation ?? '',
          lifecycle_stage: 'active',
          creation_time: now,
          last_update_time: now,
        })
        .returning('experiment_id')
        .executeTakeFirstOrThrow();
      if (!input.artifactLocation) {
        await trx
          .updateTable('experiments')
          .set({ artifact_location: artifactLocationFor(ctx.defaultArtifactRoot, id) })
          .where('experiment_id', '=', id)
          .execute();
      }
      if (tags.length > 0) {
        await trx
          .insertInto('experiment_tags')
          .values(dedupeTags(tags).map((t) => ({ experiment_id: id, key: t.key, value: t.value })))
          .execute();
      }
      return String(id);
    });
  } catch (error) {
    throw nameTaken(ctx, error, input.name);
  }
}

/** Last value wins for a key given twice, as repeated set-tag calls would. */
function dedupeTags(tags: Tag[]): Tag[] {
  return [...new Map(tags.map((t) => [t.key, t])).values()];
}

async function loadTags(ctx: StoreContext, ids: number[]): Promise<Map<number, Tag[]>> {
  const byId = new Map<number, Tag[]>();
  if (ids.length === 0) return byId;
  const rows = await ctx.db
    .selectFrom('experiment_tags')
    .select(['experiment_id', 'key', 'value'])
    .where('experiment_id', 'in', ids)
    .execute();
  for (const r of rows) {
    const list = byId.get(r.experiment_id) ?? [];
    list.push({ key: r.key, value: r.value });
    byId.set(r.experiment_id, list);
  }
  return byId;
}

async function findRow(
  ctx: StoreContext | { db: Transaction<Database> },
  id: string,
): Promise<ExperimentRow> {
  validateExperimentId(id);
  // An integer no experiment id can reach (beyond int64 / 2^53) is simply unknown.
  if (!Number.isSafeInteger(Number(id))) throw notFound(`No Experiment with id=${id} exists`);
  const row = await ctx.db
    .selectFrom('experiments')
    .selectAll()
    .where('experiment_id', '=', Number(id))
    .executeTakeFirst();
  if (!row) throw notFound(`No Experiment with id=${id} exists`);
  return row;
}

/**
 * The Default experiment is created by the schema migration, which cannot know the server's artifact
 * root; it gets `<root>/0` on first open, like any experiment created later.
 */
export async function placeDefaultExperiment(ctx: StoreContext): Promise<void> {
  await ctx.db
    .updateTable('experiments')
    .set({ artifact_location: artifactLocationFor(ctx.defaultArtifactRoot, 0) })
    .where('experiment_id', '=', 0)
    .where('artifact_location', '=', '')
    .execute();
}

export async function getExperiment(ctx: StoreContext, id: string): Promise<Experiment> {
  const row = await findRow(ctx, id);
  const tags = await loadTags(ctx, [row.experiment_id]);
  return toExperiment(row, tags.get(row.experiment_id) ?? []);
}

/** The experiment row, required to be active (for writes into it). */
export async function activeExperiment(
  ctx: { db: Transaction<Database> },
  id: string,
): Promise<ExperimentRow> {
  const row = await findRow(ctx, id);
  requireActive('experiment', id, row.lifecycle_stage);
  return row;
}

export async function getExperimentByName(ctx: StoreContext, name: string): Promise<Experiment> {
  const row = await ctx.db.selectFrom('experiments').selectAll().where('name', '=', name).executeTakeFirst();
  if (!row) throw notFound(`Could not find experiment with name '${name}'`);
  const tags = await loadTags(ctx, [row.experiment_id]);
  return toExperiment(row, tags.get(row.experiment_id) ?? []);
}

export async function searchExperiments(
  ctx: StoreContext,
  input: SearchExperimentsInput,
): Promise<Page<Experiment>> {
  const offset = decodePageToken(input.pageToken);
  let query = ctx.db
    .selectFrom('experiments')
    .selectAll()
    .where('lifecycle_stage', 'in', lifecycleStages(input.viewType));
  for (const clause of input.filter ?? []) query = query.where((eb) => compileExperimentFilter(eb, clause));
  for (const order of experimentOrderBy(input.orderBy ?? []))
    query = query.orderBy(order.expr, order.direction);
  const rows = await query
    .limit(input.maxResults + 1)
    .offset(offset)
    .execute();
  const page = rows.slice(0, input.maxResults);
  const tags = await loadTags(
    ctx,
    page.map((r) => r.experiment_id),
  );
  const result: Page<Experiment> = {
    items: page.map((r) => toExperiment(r, tags.get(r.experiment_id) ?? [])),
  };
  if (rows.length > input.maxResults) result.nextPageToken = encodePageToken(offset + input.maxResults);
  return result;
}

export async function renameExperiment(ctx: StoreContext, id: string, newName: string): Promise<void> {
  validateExperimentName(newName);
  try {
    await ctx.db.transaction().execute(async (trx) => {
      const row = await findRow({ db: trx }, id);
      if (row.lifecycle_stage !== 'active') {
        throw new FerryError('INVALID_STATE', 'Cannot rename a non-active experiment.');
      }
      await trx
        .updateTable('experiments')
        .set({ name: newName, last_update_time: Date.now() })
        .where('experiment_id', '=', row.experiment_id)
        .execute();
    });
  } catch (error) {
    throw nameTaken(ctx, error, newName);
  }
}

/** Soft delete (or restore) of an experiment together with its runs. */
export async function setExperimentLifecycle(
  ctx: StoreContext,
  id: string,
  stage: 'active' | 'deleted',
): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const row = await findRow({ db: trx }, id);
    const now = Date.now();
    await trx
      .updateTable('experiments')
      .set({ lifecycle_stage: stage, last_update_time: now })
      .where('experiment_id', '=', row.experiment_id)
      .execute();
    await trx
      .updateTable('runs')
      .set({ lifecycle_stage: stage, deleted_time: stage === 'deleted' ? now : null })
      .where('experiment_id', '=', row.experiment_id)
      .where('lifecycle_stage', '!=', stage)
      .execute();
  });
}

export async function setExperimentTag(ctx: StoreContext, id: string, tag: Tag): Promise<void> {
  validateExperimentTag(tag);
  await ctx.db.transaction().execute(async (trx) => {
    const row = await activeExperiment({ db: trx }, id);
    await trx
      .insertInto('experiment_tags')
      .values({ experiment_id: row.experiment_id, key: tag.key, value: tag.value })
      .onConflict((oc) => oc.columns(['experiment_id', 'key']).doUpdateSet({ value: tag.value }))
      .execute();
  });
}

export async function deleteExperimentTag(ctx: StoreContext, id: string, key: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const row = await activeExperiment({ db: trx }, id);
    const result = await trx
      .deleteFrom('experiment_tags')
      .where('experiment_id', '=', row.experiment_id)
      .where('key', '=', key)
      .executeTakeFirst();
    if (result.numDeletedRows === 0n) {
      throw notFound(`No tag with name: ${key} in experiment with id ${id}`);
    }
  });
}
