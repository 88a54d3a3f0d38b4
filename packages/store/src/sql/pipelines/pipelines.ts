import type { Page } from '@ferry/core';
import { sql } from 'kysely';
import type { Pipeline, PipelineVersion } from '../../pipeline-store.js';
import { retryTransient, type StoreContext } from '../context.js';
import {
  alreadyExists,
  findPipeline,
  newId,
  pageWindow,
  pipelineNotFound,
  requirePipelineById,
  requireVersionRow,
  toJson,
  toPage,
  toPipeline,
  toVersion,
  validateInteger,
  validateName,
} from './common.js';

export async function createPipeline(
  ctx: StoreContext,
  input: { name: string; description?: string },
): Promise<Pipeline> {
  validateName('name', input.name);
  const row = {
    pipeline_id: newId(),
    name: input.name,
    description: input.description ?? null,
    creation_time: Date.now(),
    last_version: 0,
  };
  try {
    await ctx.db.insertInto('pipelines').values(row).execute();
  } catch (error) {
    throw ctx.adapter.isUniqueViolation(error)
      ? alreadyExists(`Pipeline '${input.name}' already exists.`)
      : error;
  }
  return toPipeline(row);
}

export async function getPipeline(ctx: StoreContext, idOrName: string): Promise<Pipeline> {
  const row = await findPipeline(ctx.db, idOrName);
  if (!row) throw pipelineNotFound(idOrName);
  return toPipeline(row);
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export async function listPipelines(
  ctx: StoreContext,
  input: { maxResults?: number; pageToken?: string; namePrefix?: string },
): Promise<Page<Pipeline>> {
  const window = pageWindow(input);
  let query = ctx.db.selectFrom('pipelines').selectAll();
  if (input.namePrefix) {
    const pattern = `${escapeLike(input.namePrefix)}%`;
    query = query.where(sql<boolean>`name like ${pattern} escape '\\'`);
  }
  const rows = await query
    .orderBy('name')
    .limit(window.limit + 1)
    .offset(window.offset)
    .execute();
  return toPage(rows, window, toPipeline);
}

/** Versions and schedules go through the foreign keys' cascades; runs keep their spec. */
export async function deletePipeline(ctx: StoreContext, id: string): Promise<void> {
  await retryTransient(ctx, () =>
    ctx.db.transaction().execute(async (tx) => {
      await requirePipelineById(tx, id);
      await tx
        .updateTable('pipeline_runs')
        .set({ pipeline_id: null, pipeline_version: null })
        .where('pipeline_id', '=', id)
        .execute();
      // Runs of its schedules lose the schedule id through that foreign key (ON DELETE SET NULL).
      await tx.deleteFrom('pipelines').where('pipeline_id', '=', id).execute();
    }),
  );
}

/**
 * The number comes from the pipeline row's counter, incremented under that row's lock in the same
 * transaction as the insert: concurrent creators get distinct, gap-free numbers.
 */
export async function createPipelineVersion(
  ctx: StoreContext,
  pipelineId: string,
  input: { spec: unknown; specDigest: string; description?: string },
): Promise<PipelineVersion> {
  const spec = toJson('spec', input.spec);
  validateName('specDigest', input.specDigest);
  const row = await retryTransient(ctx, () =>
    ctx.db.transaction().execute(async (tx) => {
      const counter = await tx
        .updateTable('pipelines')
        .set((eb) => ({ last_version: eb('last_version', '+', 1) }))
        .where('pipeline_id', '=', pipelineId)
        .returning('last_version')
        .executeTakeFirst();
      if (!counter) throw pipelineNotFound(pipelineId);
      return tx
        .insertInto('pipeline_versions')
        .values({
          pipeline_id: pipelineId,
          version: counter.last_version,
          spec,
          spec_digest: input.specDigest,
          description: input.description ?? null,
          creation_time: Date.now(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    }),
  );
  return toVersion(row);
}

export async function getPipelineVersion(
  ctx: StoreContext,
  pipelineId: string,
  version: number,
): Promise<PipelineVersion> {
  validateInteger('version', version, 1);
  return toVersion(await requireVersionRow(ctx.db, pipelineId, version));
}

export async function listPipelineVersions(
  ctx: StoreContext,
  pipelineId: string,
  input: { maxResults?: number; pageToken?: string },
): Promise<Page<PipelineVersion>> {
  const window = pageWindow(input);
  await requirePipelineById(ctx.db, pipelineId);
  const rows = await ctx.db
    .selectFrom('pipeline_versions')
    .selectAll()
    .where('pipeline_id', '=', pipelineId)
    .orderBy('version', 'desc')
    .limit(window.limit + 1)
    .offset(window.offset)
    .execute();
  return toPage(rows, window, toVersion);
}
