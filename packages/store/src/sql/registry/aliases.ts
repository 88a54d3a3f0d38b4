import {
  invalidParam,
  notFound,
  validateAliasName,
  validateAliasNotReserved,
  validateModelName,
} from '@ferry/core';
import type { ModelVersion } from '@ferry/core';
import type { StoreContext } from '../context.js';
import { loadVersion, requireModel, requireVersion } from './load.js';

export async function setRegisteredModelAlias(
  ctx: StoreContext,
  name: string,
  alias: string,
  version: number,
): Promise<void> {
  validateModelName(name);
  validateAliasName(alias);
  validateAliasNotReserved(alias);
  const row = await requireVersion(ctx.db, name, version);
  await ctx.db
    .insertInto('registered_model_aliases')
    .values({ model_id: row.model_id, alias, version })
    .onConflict((oc) => oc.columns(['model_id', 'alias']).doUpdateSet({ version }))
    .execute();
}

export async function deleteRegisteredModelAlias(
  ctx: StoreContext,
  name: string,
  alias: string,
): Promise<void> {
  validateModelName(name);
  validateAliasName(alias);
  const model = await requireModel(ctx.db, name);
  await ctx.db
    .deleteFrom('registered_model_aliases')
    .where('model_id', '=', model.model_id)
    .where('alias', '=', alias)
    .execute();
}

/** `latest` (any case) is the highest version, which is what `models:/name@latest` means to every client. */
export async function getModelVersionByAlias(
  ctx: StoreContext,
  name: string,
  alias: string,
): Promise<ModelVersion> {
  validateModelName(name);
  validateAliasName(alias);
  const model = await requireModel(ctx.db, name);
  if (alias.toLowerCase() === 'latest') {
    const newest = await ctx.db
      .selectFrom('model_versions')
      .selectAll()
      .where('model_id', '=', model.model_id)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!newest) throw notFound(`Latest version not found for model ${name}.`);
    return loadVersion(ctx, ctx.db, name, newest);
  }
  const pointer = await ctx.db
    .selectFrom('registered_model_aliases')
    .select('version')
    .where('model_id', '=', model.model_id)
    .where('alias', '=', alias)
    .executeTakeFirst();
  if (!pointer) throw invalidParam(`Registered model alias ${alias} not found.`);
  return loadVersion(ctx, ctx.db, name, await requireVersion(ctx.db, name, pointer.version));
}
