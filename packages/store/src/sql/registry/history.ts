import { validateModelName } from '@ferry/core';
import type { ModelVersionStage } from '@ferry/core';
import type { Insertable } from 'kysely';
import type { ModelVersionEvent, ModelVersionEventKind } from '../../registry-store.js';
import type { Database } from '../../schema.js';
import type { StoreContext } from '../context.js';
import { requireVersion, type Db } from './load.js';

/**
 * The model version history: events are written by the registry's writes, in their transactions, so
 * a change and its event commit (or fail) together; this file holds the writing and reading.
 */

export type EventRow = Insertable<Database['model_version_events']>;

/** An event for a version of the model with surrogate id `modelId`; unset fields are stored as NULL. */
export function versionEvent(
  modelId: number,
  version: number,
  kind: ModelVersionEventKind,
  timestamp: number,
  fields: { fromStage?: string; toStage?: string; alias?: string; userId?: string | undefined } = {},
): EventRow {
  return {
    model_id: modelId,
    version,
    kind,
    from_stage: fields.fromStage ?? null,
    to_stage: fields.toStage ?? null,
    alias: fields.alias ?? null,
    user_id: fields.userId ?? null,
    timestamp,
  };
}

export async function recordEvents(tx: Db, events: EventRow[]): Promise<void> {
  if (events.length > 0) await tx.insertInto('model_version_events').values(events).execute();
}

/**
 * Takes the model row's write lock until the transaction ends (a no-op update: PostgreSQL locks the
 * row, SQLite the database), so a change that reads state to describe it (the alias's old target, the
 * stage before) reads what no concurrent change of the same model can move before it commits.
 */
export async function lockModel(tx: Db, modelId: number): Promise<void> {
  await tx
    .updateTable('registered_models')
    .set((eb) => ({ last_version: eb.ref('last_version') }))
    .where('model_id', '=', modelId)
    .execute();
}

export async function getModelVersionHistory(
  ctx: StoreContext,
  name: string,
  version: number,
): Promise<ModelVersionEvent[]> {
  validateModelName(name);
  const row = await requireVersion(ctx.db, name, version);
  const rows = await ctx.db
    .selectFrom('model_version_events')
    .selectAll()
    .where('model_id', '=', row.model_id)
    .where('version', '=', version)
    .orderBy('event_id', 'desc')
    .execute();
  return rows.map((r) => {
    const event: ModelVersionEvent = {
      id: String(r.event_id),
      // Looked up by its current name, so events from before a rename read under the new one.
      name,
      version: String(r.version),
      kind: r.kind as ModelVersionEventKind,
      timestamp: Number(r.timestamp),
    };
    if (r.from_stage !== null) event.from_stage = r.from_stage as ModelVersionStage;
    if (r.to_stage !== null) event.to_stage = r.to_stage as ModelVersionStage;
    if (r.alias !== null) event.alias = r.alias;
    if (r.user_id !== null) event.user_id = r.user_id;
    return event;
  });
}
