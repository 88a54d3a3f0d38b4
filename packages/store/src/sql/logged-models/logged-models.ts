import { LOGGED_MODEL_STATUSES, invalidParam, notFound, validateExperimentId } from '@ferry/core';
import type { LoggedModel, LoggedModelStatus, Param, Tag } from '@ferry/core';
import { randomUUID } from 'node:crypto';
import type { CreateLoggedModelInput, DeletedLoggedModel } from '../../registry-store.js';
import { generateRunName } from '../../run-names.js';
import type { StoreContext } from '../context.js';
import { requireActive } from '../lifecycle.js';
import { uniqueTags } from '../registry/registered-models.js';
import { loadLoggedModels, loggedModelNotFound, requireLoggedModel } from './load.js';

const BAD_NAME_CHARS = ['/', ':', '.', '%', '"', "'"];

/** Names end up in `models:/<id>` URIs and artifact paths, hence MLflow's list of forbidden characters. */
function validateLoggedModelName(name: string | undefined): void {
  if (name === undefined) return;
  if (name === '' || BAD_NAME_CHARS.some((c) => name.includes(c))) {
    throw invalidParam(
      `Invalid model name ('${name}') provided. Model name must be a non-empty string and cannot contain the ` +
        `following characters: (${BAD_NAME_CHARS.map((c) => (c === "'" ? `"'"` : `'${c}'`)).join(', ')})`,
    );
  }
}

export async function createLoggedModel(
  ctx: StoreContext,
  input: CreateLoggedModelInput,
): Promise<LoggedModel> {
  validateLoggedModelName(input.name);
  validateExperimentId(input.experimentId);
  const experiment = await ctx.db
    .selectFrom('experiments')
    .select(['experiment_id', 'artifact_location', 'lifecycle_stage'])
    .where('experiment_id', '=', Number(input.experimentId))
    .executeTakeFirst();
  if (!experiment) throw notFound(`No Experiment with id=${input.experimentId} exists`);
  requireActive('experiment', input.experimentId, experiment.lifecycle_stage);
  const modelId = `m-${randomUUID().replaceAll('-', '')}`;
  const now = Date.now();
  await ctx.db.transaction().execute(async (tx) => {
    await tx
      .insertInto('logged_models')
      .values({
        model_id: modelId,
        experiment_id: experiment.experiment_id,
        name: input.name ?? generateRunName(),
        artifact_location: `${experiment.artifact_location.replace(/\/+$/, '')}/models/${modelId}/artifacts`,
        creation_timestamp_ms: now,
        last_updated_timestamp_ms: now,
        status: 'LOGGED_MODEL_PENDING',
        status_message: null,
        lifecycle_stage: 'active',
        model_type: input.modelType ?? '',
        source_run_id: input.sourceRunId || null,
      })
      .execute();
    const params = uniqueTags(input.params);
    if (params.length > 0) {
      await tx
        .insertInto('logged_model_params')
        .values(params.map((p) => ({ model_id: modelId, ...p })))
        .execute();
    }
    const tags = uniqueTags(input.tags);
    if (tags.length > 0) {
      await tx
        .insertInto('logged_model_tags')
        .values(tags.map((t) => ({ model_id: modelId, ...t })))
        .execute();
    }
  });
  return getLoggedModel(ctx, modelId);
}

export async function getLoggedModel(ctx: StoreContext, modelId: string): Promise<LoggedModel> {
  const [model] = await loadLoggedModels(ctx, ctx.db, [await requireLoggedModel(ctx.db, modelId)]);
  return model!;
}

export async function finalizeLoggedModel(
  ctx: StoreContext,
  modelId: string,
  status: LoggedModelStatus,
): Promise<LoggedModel> {
  if (!LOGGED_MODEL_STATUSES.includes(status)) throw invalidParam(`Invalid logged model status: ${status}`);
  await requireLoggedModel(ctx.db, modelId);
  await ctx.db
    .updateTable('logged_models')
    .set({ status, last_updated_timestamp_ms: Date.now() })
    .where('model_id', '=', modelId)
    .execute();
  return getLoggedModel(ctx, modelId);
}

/** Soft delete, as MLflow: the model disappears from reads and searches; `ferry gc` may purge it later. */
export async function deleteLoggedModel(ctx: StoreContext, modelId: string): Promise<void> {
  await requireLoggedModel(ctx.db, modelId);
  await ctx.db
    .updateTable('logged_models')
    .set({ lifecycle_stage: 'deleted', last_updated_timestamp_ms: Date.now() })
    .where('model_id', '=', modelId)
    .execute();
}

export async function setLoggedModelTags(ctx: StoreContext, modelId: string, tags: Tag[]): Promise<void> {
  await requireLoggedModel(ctx.db, modelId);
  const unique = uniqueTags(tags);
  if (unique.length === 0) return;
  await ctx.db
    .insertInto('logged_model_tags')
    .values(unique.map((t) => ({ model_id: modelId, ...t })))
    .onConflict((oc) =>
      oc.columns(['model_id', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })),
    )
    .execute();
}

export async function deleteLoggedModelTag(ctx: StoreContext, modelId: string, key: string): Promise<void> {
  await requireLoggedModel(ctx.db, modelId);
  const result = await ctx.db
    .deleteFrom('logged_model_tags')
    .where('model_id', '=', modelId)
    .where('key', '=', key)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) {
    throw notFound(`No tag with key '${key}' found for model with ID '${modelId}'.`);
  }
}

/** Params are immutable like run params: the same value again is accepted, a different one is not. */
export async function logLoggedModelParams(
  ctx: StoreContext,
  modelId: string,
  params: Param[],
): Promise<void> {
  await requireLoggedModel(ctx.db, modelId);
  const unique = uniqueTags(params);
  if (unique.length === 0) return;
  await ctx.db.transaction().execute(async (tx) => {
    const existing = await tx
      .selectFrom('logged_model_params')
      .selectAll()
      .where('model_id', '=', modelId)
      .where(
        'key',
        'in',
        unique.map((p) => p.key),
      )
      .execute();
    const old = new Map(existing.map((p) => [p.key, p.value]));
    for (const p of unique) {
      const before = old.get(p.key);
      if (before !== undefined && before !== p.value) {
        throw invalidParam(
          `Changing param values is not allowed. Param with key='${p.key}' was already logged with ` +
            `value='${before}' for logged model ID='${modelId}'. Attempted logging new value '${p.value}'.`,
        );
      }
    }
    const fresh = unique.filter((p) => !old.has(p.key));
    if (fresh.length > 0) {
      await tx
        .insertInto('logged_model_params')
        .values(fresh.map((p) => ({ model_id: modelId, ...p })))
        .execute();
    }
  });
}

export async function logRunOutputs(
  ctx: StoreContext,
  runId: string,
  models: { model_id: string; step: number }[],
): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    const run = await tx
      .selectFrom('runs')
      .select('lifecycle_stage')
      .where('run_uuid', '=', runId)
      .executeTakeFirst();
    if (!run) throw notFound(`Run with id=${runId} not found`);
    requireActive('run', runId, run.lifecycle_stage);
    for (const m of models) {
      await requireLoggedModel(tx, m.model_id);
      await tx
        .insertInto('run_model_outputs')
        .values({ run_uuid: runId, model_id: m.model_id, step: m.step })
        .onConflict((oc) => oc.columns(['run_uuid', 'model_id']).doUpdateSet({ step: m.step }))
        .execute();
    }
  });
}

export async function findDeletedLoggedModels(
  ctx: StoreContext,
  before: number,
): Promise<DeletedLoggedModel[]> {
  const rows = await ctx.db
    .selectFrom('logged_models')
    .select(['model_id', 'experiment_id', 'name', 'artifact_location', 'last_updated_timestamp_ms'])
    .where('lifecycle_stage', '=', 'deleted')
    .where('last_updated_timestamp_ms', '<', before)
    .orderBy('last_updated_timestamp_ms')
    .execute();
  return rows.map((r) => ({
    modelId: r.model_id,
    experimentId: String(r.experiment_id),
    name: r.name,
    artifactUri: r.artifact_location,
    deletedTime: r.last_updated_timestamp_ms,
  }));
}

/** Hard delete of deleted logged models; params, tags and metrics go with them (foreign keys cascade). */
export async function purgeLoggedModels(ctx: StoreContext, modelIds: string[]): Promise<void> {
  if (modelIds.length === 0) return;
  await ctx.db.transaction().execute(async (tx) => {
    const rows = await tx
      .selectFrom('logged_models')
      .select(['model_id', 'lifecycle_stage'])
      .where('model_id', 'in', modelIds)
      .execute();
    const stages = new Map(rows.map((r) => [r.model_id, r.lifecycle_stage]));
    for (const id of modelIds) {
      if (!stages.has(id)) throw loggedModelNotFound(id);
      if (stages.get(id) !== 'deleted') {
        throw invalidParam(
          `Logged model ${id} is not deleted: only deleted models can be removed permanently.`,
        );
      }
    }
    await tx.deleteFrom('logged_models').where('model_id', 'in', modelIds).execute();
  });
}
