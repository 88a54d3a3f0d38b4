import {
  invalidParam,
  notFound,
  validateAliasName,
  validateAliasNotReserved,
  validateModelName,
} from '@ferry/core';
import type { ModelVersion } from '@ferry/core';
import type { StoreContext } from '../context.js';
import { lockModel, recordEvents, versionEvent } from './history.js';
import type { EventRow } from './history.js';
import { loadVersion, requireModel, requireVersion, type Db } from './load.js';

/** The version an alias points at, if it is set. */
async function aliasTarget(db: Db, modelId: number, alias: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('registered_model_aliases')
    .select('version')
    .where('model_id', '=', modelId)
    .where('alias', '=', alias)
    .executeTakeFirst();
  return row?.version;
}

export async function setRegisteredModelAlias(
  ctx: StoreContext,
  name: string,
  alias: string,
  version: number,
): Promise<void> {
  validateModelName(name);
  validateAliasName(alias);
  validateAliasNotReserved(alias);
  await ctx.db.transaction().execute(async (tx) => {
    const row = await requireVersion(tx, name, version);
    // Locked before the alias's old target is read, so the history records the move that happened.
    await lockModel(tx, row.model_id);
    const before = await aliasTarget(tx, row.model_id, alias);
    if (before === version) return;
    await tx
      .insertInto('registered_model_aliases')
      .values({ model_id: row.model_id, alias, version })
      .onConflict((oc) => oc.columns(['model_id', 'alias']).doUpdateSet({ version }))
      .execute();
    // A move shows in both versions' histories: taken off the old one, set on the new one.
    const now = Date.now();
    const events: EventRow[] = [];
    if (before !== undefined)
      events.push(versionEvent(row.model_id, before, 'alias_removed', now, { alias }));
    events.push(versionEvent(row.model_id, version, 'alias_set', now, { alias }));
    await recordEvents(tx, events);
  });
}

export async function deleteRegisteredModelAlias(
  ctx: StoreContext,
  name: string,
  alias: string,
): Promise<void> {
  validateModelName(name);
  validateAliasName(alias);
  await ctx.db.transaction().execute(async (tx) => {
    const model = await requireModel(tx, name);
    await lockModel(tx, model.model_id);
    const before = await aliasTarget(tx, model.model_id, alias);
    if (before === undefined) return;
    await tx
      .deleteFrom('registered_model_aliases')
      .where('model_id', '=', model.model_id)
      .where('alias', '=', alias)
      .execute();
    await recordEvents(tx, [versionEvent(model.model_id, before, 'alias_removed', Date.now(), { alias })]);
  });
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
  const pointer = await aliasTarget(ctx.db, model.model_id, alias);
  if (pointer === undefined) throw invalidParam(`Registered model alias ${alias} not found.`);
  return loadVersion(ctx, ctx.db, name, await requireVersion(ctx.db, name, pointer));
}
