import { ACTIVE_STAGES, invalidParam, validateModelName, validateRegistryTag } from '@ferry/core';
import type { ModelVersion, ModelVersionStage, Tag } from '@ferry/core';
import type { CreateModelVersionInput } from '../../registry-store.js';
import { retryTransient, type StoreContext } from '../context.js';
import { lockModel, recordEvents, versionEvent, type EventRow } from './history.js';
import { latestVersionRows, loadVersion, loadVersions, requireModel, requireVersion } from './load.js';
import { uniqueTags } from './registered-models.js';

/**
 * The next number comes from the model row's counter, incremented under that row's lock in the same
 * transaction as the insert: concurrent registrations get distinct, gap-free numbers, and a deleted
 * version's number is never handed out again (MLflow keeps deleted versions for the same reason).
 */
export async function createModelVersion(
  ctx: StoreContext,
  input: CreateModelVersionInput,
): Promise<ModelVersion> {
  validateModelName(input.name);
  const tags = uniqueTags(input.tags);
  tags.forEach((t) => validateRegistryTag(t.key, t.value));
  const { row, modelId } = await retryTransient(ctx, () =>
    ctx.db.transaction().execute(async (tx) => {
      const now = Date.now();
      const model = await requireModel(tx, input.name);
      const { last_version: version } = await tx
        .updateTable('registered_models')
        .set((eb) => ({ last_version: eb('last_version', '+', 1), last_updated_time: now }))
        .where('model_id', '=', model.model_id)
        .returning('last_version')
        .executeTakeFirstOrThrow();
      const inserted = await tx
        .insertInto('model_versions')
        .values({
          model_id: model.model_id,
          version,
          creation_time: now,
          last_updated_time: now,
          description: input.description ?? null,
          user_id: input.userId ?? null,
          current_stage: 'None',
          source: input.source,
          storage_location: input.storageLocation ?? input.source,
          run_id: input.runId ?? null,
          run_link: input.runLink ?? null,
          status: 'READY',
          status_message: null,
          logged_model_id: input.modelId ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordEvents(tx, [
        versionEvent(model.model_id, version, 'created', now, { toStage: 'None', userId: input.userId }),
      ]);
      if (tags.length > 0) {
        await tx
          .insertInto('model_version_tags')
          .values(tags.map((t) => ({ model_id: model.model_id, version, key: t.key, value: t.value })))
          .execute();
      }
      return { row: inserted, modelId: model.model_id };
    }),
  );
  const [mv] = await loadVersions(ctx, ctx.db, [row], new Map([[modelId, input.name]]), true);
  return mv!;
}

export async function getModelVersion(
  ctx: StoreContext,
  name: string,
  version: number,
): Promise<ModelVersion> {
  validateModelName(name);
  return loadVersion(ctx, ctx.db, name, await requireVersion(ctx.db, name, version));
}

export async function updateModelVersion(
  ctx: StoreContext,
  name: string,
  version: number,
  description: string | undefined,
): Promise<ModelVersion> {
  validateModelName(name);
  const row = await requireVersion(ctx.db, name, version);
  await ctx.db
    .updateTable('model_versions')
    .set({ description: description ?? null, last_updated_time: Date.now() })
    .where('model_id', '=', row.model_id)
    .where('version', '=', version)
    .execute();
  return getModelVersion(ctx, name, version);
}

export async function transitionModelVersionStage(
  ctx: StoreContext,
  name: string,
  version: number,
  stage: ModelVersionStage,
  archiveExistingVersions: boolean,
): Promise<ModelVersion> {
  if (archiveExistingVersions && !ACTIVE_STAGES.includes(stage)) {
    throw invalidParam(
      `Model version transition cannot archive existing model versions because '${stage}' is not an Active ` +
        `stage. Valid stages are [${ACTIVE_STAGES.map((s) => `'${s}'`).join(', ')}]`,
    );
  }
  validateModelName(name);
  await ctx.db.transaction().execute(async (tx) => {
    const now = Date.now();
    const { model_id: modelId } = await requireVersion(tx, name, version);
    // Locked before the stage is read, so the recorded from-stage is the one this change replaced.
    await lockModel(tx, modelId);
    const row = await requireVersion(tx, name, version);
    const events: EventRow[] = [];
    if (archiveExistingVersions) {
      const archived = await tx
        .updateTable('model_versions')
        .set({ current_stage: 'Archived', last_updated_time: now })
        .where('model_id', '=', row.model_id)
        .where('version', '!=', version)
        .where('current_stage', '=', stage)
        .returning('version')
        .execute();
      // Each archived version's own history says when it left the stage, not only the promoted one's.
      for (const a of archived) {
        events.push(
          versionEvent(row.model_id, a.version, 'stage_transition', now, {
            fromStage: stage,
            toStage: 'Archived',
          }),
        );
      }
    }
    // Re-applying the current stage changes nothing worth a history entry (nor a webhook event).
    if (row.current_stage !== stage) {
      events.push(
        versionEvent(row.model_id, version, 'stage_transition', now, {
          fromStage: row.current_stage,
          toStage: stage,
        }),
      );
    }
    await recordEvents(tx, events);
    await tx
      .updateTable('model_versions')
      .set({ current_stage: stage, last_updated_time: now })
      .where('model_id', '=', row.model_id)
      .where('version', '=', version)
      .execute();
    await tx
      .updateTable('registered_models')
      .set({ last_updated_time: now })
      .where('model_id', '=', row.model_id)
      .execute();
  });
  return getModelVersion(ctx, name, version);
}

export async function deleteModelVersion(ctx: StoreContext, name: string, version: number): Promise<void> {
  validateModelName(name);
  await ctx.db.transaction().execute(async (tx) => {
    const row = await requireVersion(tx, name, version);
    // The model row first, as every registry write that records history locks it: one lock order
    // between this delete and a concurrent transition or alias change, so they cannot deadlock.
    await lockModel(tx, row.model_id);
    // Tags, aliases and history of the version go with it through the foreign keys' cascades.
    await tx
      .deleteFrom('model_versions')
      .where('model_id', '=', row.model_id)
      .where('version', '=', version)
      .execute();
    await tx
      .updateTable('registered_models')
      .set({ last_updated_time: Date.now() })
      .where('model_id', '=', row.model_id)
      .execute();
  });
}

export async function getModelVersionDownloadUri(
  ctx: StoreContext,
  name: string,
  version: number,
): Promise<string> {
  validateModelName(name);
  return (await requireVersion(ctx.db, name, version)).storage_location;
}

export async function getLatestVersions(
  ctx: StoreContext,
  name: string,
  stages?: ModelVersionStage[],
): Promise<ModelVersion[]> {
  validateModelName(name);
  const model = await requireModel(ctx.db, name);
  const wanted = stages && stages.length > 0 ? new Set(stages) : undefined;
  const rows = (await latestVersionRows(ctx, ctx.db, [model.model_id])).filter(
    (r) => !wanted || wanted.has(r.current_stage as ModelVersionStage),
  );
  return loadVersions(ctx, ctx.db, rows, new Map([[model.model_id, name]]), true);
}

export async function setModelVersionTag(
  ctx: StoreContext,
  name: string,
  version: number,
  tag: Tag,
): Promise<void> {
  validateModelName(name);
  validateRegistryTag(tag.key, tag.value);
  const row = await requireVersion(ctx.db, name, version);
  await ctx.db
    .insertInto('model_version_tags')
    .values({ model_id: row.model_id, version, key: tag.key, value: tag.value })
    .onConflict((oc) => oc.columns(['model_id', 'version', 'key']).doUpdateSet({ value: tag.value }))
    .execute();
}

export async function deleteModelVersionTag(
  ctx: StoreContext,
  name: string,
  version: number,
  key: string,
): Promise<void> {
  validateModelName(name);
  validateRegistryTag(key, '');
  const row = await requireVersion(ctx.db, name, version);
  await ctx.db
    .deleteFrom('model_version_tags')
    .where('model_id', '=', row.model_id)
    .where('version', '=', version)
    .where('key', '=', key)
    .execute();
}
