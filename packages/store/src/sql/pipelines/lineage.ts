import { invalidParam } from '@ferry/core';
import type { ArtifactLineage, CacheEntry } from '../../pipeline-store.js';
import { chunks, type StoreContext } from '../context.js';
import {
  toArtifact,
  toCacheEntry,
  toJson,
  validateName,
  validateObject,
  validateTime,
  type ArtifactRow,
} from './common.js';

export async function getCacheEntry(
  ctx: StoreContext,
  cacheKey: string,
  notBefore?: number,
): Promise<CacheEntry | undefined> {
  let query = ctx.db.selectFrom('pipeline_cache').selectAll().where('cache_key', '=', cacheKey);
  if (notBefore !== undefined) {
    validateTime('notBefore', notBefore, false);
    query = query.where('creation_time', '>=', notBefore);
  }
  const row = await query.executeTakeFirst();
  return row ? toCacheEntry(row) : undefined;
}

export async function putCacheEntry(ctx: StoreContext, entry: CacheEntry): Promise<void> {
  validateName('cacheKey', entry.cacheKey);
  validateName('runId', entry.runId);
  validateName('taskId', entry.taskId);
  validateObject('outputs', entry.outputs);
  validateTime('createdAt', entry.createdAt, false);
  const values = {
    outputs: toJson('outputs', entry.outputs),
    run_id: entry.runId,
    task_id: entry.taskId,
    creation_time: entry.createdAt,
  };
  await ctx.db
    .insertInto('pipeline_cache')
    .values({ cache_key: entry.cacheKey, ...values })
    .onConflict((oc) => oc.column('cache_key').doUpdateSet(values))
    .execute();
}

const ARTIFACT_COLUMNS = 8;

export async function recordArtifacts(ctx: StoreContext, rows: ArtifactLineage[]): Promise<void> {
  const values: ArtifactRow[] = rows.map((r) => {
    validateName('uri', r.uri);
    validateName('runId', r.runId);
    validateName('taskId', r.taskId);
    if (typeof r.name !== 'string') throw invalidParam('name must be a string.');
    if (r.role !== 'output' && r.role !== 'input') throw invalidParam(`role must be 'output' or 'input'.`);
    if (typeof r.artifactType !== 'string') throw invalidParam('artifactType must be a string.');
    validateTime('createdAt', r.createdAt, false);
    return {
      uri: r.uri,
      run_id: r.runId,
      task_id: r.taskId,
      role: r.role,
      name: r.name,
      artifact_type: r.artifactType,
      digest: r.digest ?? null,
      creation_time: r.createdAt,
    };
  });
  for (const chunk of chunks(values, Math.floor(ctx.adapter.maxParameters / ARTIFACT_COLUMNS))) {
    await ctx.db
      .insertInto('pipeline_artifacts')
      .values(chunk)
      .onConflict((oc) => oc.columns(['uri', 'run_id', 'task_id', 'role', 'name']).doNothing())
      .execute();
  }
}

export async function findArtifactProducer(
  ctx: StoreContext,
  uri: string,
): Promise<ArtifactLineage | undefined> {
  const row = await ctx.db
    .selectFrom('pipeline_artifacts')
    .selectAll()
    .where('uri', '=', uri)
    .where('role', '=', 'output')
    .orderBy('creation_time')
    .orderBy('run_id')
    .orderBy('task_id')
    .orderBy('name')
    .limit(1)
    .executeTakeFirst();
  return row ? toArtifact(row) : undefined;
}

export async function listArtifactLineage(
  ctx: StoreContext,
  input: { runId?: string; uri?: string },
): Promise<ArtifactLineage[]> {
  if (input.runId === undefined && input.uri === undefined) {
    throw invalidParam('listArtifactLineage needs a runId or a uri.');
  }
  let query = ctx.db.selectFrom('pipeline_artifacts').selectAll();
  if (input.runId !== undefined) query = query.where('run_id', '=', input.runId);
  if (input.uri !== undefined) query = query.where('uri', '=', input.uri);
  const rows = await query
    .orderBy('creation_time')
    .orderBy('run_id')
    .orderBy('task_id')
    .orderBy('role')
    .orderBy('name')
    .orderBy('uri')
    .execute();
  return rows.map(toArtifact);
}
