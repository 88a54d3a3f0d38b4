import { validateModelName, validateRegistryTag } from '@ferry/core';
import type { RegisteredModel, Tag } from '@ferry/core';
import type { CreateRegisteredModelInput } from '../../registry-store.js';
import type { StoreContext } from '../context.js';
import { loadModels, modelExists, requireModel } from './load.js';

/** Last value wins for repeated keys, as MLflow builds its tag dict. */
export function uniqueTags(tags: Tag[] | undefined): Tag[] {
  return [...new Map((tags ?? []).map((t) => [t.key, t.value])).entries()].map(([key, value]) => ({
    key,
    value,
  }));
}

export async function createRegisteredModel(
  ctx: StoreContext,
  input: CreateRegisteredModelInput,
): Promise<RegisteredModel> {
  validateModelName(input.name);
  const tags = uniqueTags(input.tags);
  tags.forEach((t) => validateRegistryTag(t.key, t.value));
  const now = Date.now();
  try {
    const row = await ctx.db.transaction().execute(async (tx) => {
      const inserted = await tx
        .insertInto('registered_models')
        .values({
          name: input.name,
          creation_time: now,
          last_updated_time: now,
          description: input.description ?? null,
          user_id: input.userId ?? null,
          deployment_job_id: input.deploymentJobId ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      if (tags.length > 0) {
        await tx
          .insertInto('registered_model_tags')
          .values(tags.map((t) => ({ model_id: inserted.model_id, key: t.key, value: t.value })))
          .execute();
      }
      return inserted;
    });
    const [model] = await loadModels(ctx, ctx.db, [row]);
    return model!;
  } catch (error) {
    throw ctx.adapter.isUniqueViolation(error) ? modelExists(input.name) : error;
  }
}

export async function getRegisteredModel(ctx: StoreContext, name: string): Promise<RegisteredModel> {
  validateModelName(name);
  const [model] = await loadModels(ctx, ctx.db, [await requireModel(ctx.db, name)]);
  return model!;
}

/** Versions keep their numbers and move with the model; their update time changes, as in MLflow. */
export async function renameRegisteredModel(
  ctx: StoreContext,
  name: string,
  newName: string,
): Promise<RegisteredModel> {
  validateModelName(newName, 'new_name');
  validateModelName(name);
  const now = Date.now();
  try {
    await ctx.db.transaction().execute(async (tx) => {
      const model = await requireModel(tx, name);
      await tx
        .updateTable('registered_models')
        .set({ name: newName, last_updated_time: now })
        .where('model_id', '=', model.model_id)
        .execute();
      await tx
        .updateTable('model_versions')
        .set({ last_updated_time: now })
        .where('model_id', '=', model.model_id)
        .execute();
    });
  } catch (error) {
    throw ctx.adapter.isUniqueViolation(error) ? modelExists(newName) : error;
  }
  return getRegisteredModel(ctx, newName);
}

export async function updateRegisteredModel(
  ctx: StoreContext,
  name: string,
  description: string | undefined,
): Promise<RegisteredModel> {
  validateModelName(name);
  const model = await requireModel(ctx.db, name);
  await ctx.db
    .updateTable('registered_models')
    .set({ description: description ?? null, last_updated_time: Date.now() })
    .where('model_id', '=', model.model_id)
    .execute();
  return getRegisteredModel(ctx, name);
}

export async function deleteRegisteredModel(ctx: StoreContext, name: string): Promise<void> {
  validateModelName(name);
  const model = await requireModel(ctx.db, name);
  // Versions, tags and aliases go with it through the foreign keys' cascades.
  await ctx.db.deleteFrom('registered_models').where('model_id', '=', model.model_id).execute();
}

export async function setRegisteredModelTag(ctx: StoreContext, name: string, tag: Tag): Promise<void> {
  validateModelName(name);
  validateRegistryTag(tag.key, tag.value);
  const model = await requireModel(ctx.db, name);
  await ctx.db
    .insertInto('registered_model_tags')
    .values({ model_id: model.model_id, key: tag.key, value: tag.value })
    .onConflict((oc) => oc.columns(['model_id', 'key']).doUpdateSet({ value: tag.value }))
    .execute();
}

export async function deleteRegisteredModelTag(ctx: StoreContext, name: string, key: string): Promise<void> {
  validateModelName(name);
  validateRegistryTag(key, '');
  const model = await requireModel(ctx.db, name);
  await ctx.db
    .deleteFrom('registered_model_tags')
    .where('model_id', '=', model.model_id)
    .where('key', '=', key)
    .execute();
}
