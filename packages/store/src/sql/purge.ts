import { invalidParam, notFound, validateExperimentId } from '@ferry/core';
import type { DeletedEntities } from '../tracking-store.js';
import type { StoreContext } from './context.js';

/** Runs and experiments deleted before `before`: what a garbage collection may remove. */
export async function findDeleted(ctx: StoreContext, before: number): Promise<DeletedEntities> {
  const [runs, experiments] = await Promise.all([
    ctx.db
      .selectFrom('runs')
      .select(['run_uuid', 'experiment_id', 'artifact_uri', 'deleted_time'])
      .where('lifecycle_stage', '=', 'deleted')
      .where('deleted_time', '<', before)
      .orderBy('deleted_time')
      .execute(),
    ctx.db
      .selectFrom('experiments')
      .select(['experiment_id', 'name', 'artifact_location', 'last_update_time'])
      .where('lifecycle_stage', '=', 'deleted')
      .where('last_update_time', '<', before)
      .orderBy('last_update_time')
      .execute(),
  ]);
  return {
    runs: runs.map((r) => ({
      runId: r.run_uuid,
      experimentId: String(r.experiment_id),
      artifactUri: r.artifact_uri,
      deletedTime: r.deleted_time ?? 0,
    })),
    experiments: experiments.map((e) => ({
      experimentId: String(e.experiment_id),
      name: e.name,
      artifactLocation: e.artifact_location,
      deletedTime: e.last_update_time,
    })),
  };
}

/** Every id must exist and be in the deleted stage; the whole purge is refused otherwise. */
function requireDeleted<K>(
  ids: K[],
  stages: Map<K, string>,
  missing: (id: K) => Error,
  notDeleted: (id: K) => Error,
): void {
  for (const id of ids) {
    const stage = stages.get(id);
    if (stage === undefined) throw missing(id);
    if (stage !== 'deleted') throw notDeleted(id);
  }
}

/** Hard delete of deleted runs; every row logged to them goes with them (foreign keys cascade). */
export async function purgeRuns(ctx: StoreContext, runIds: string[]): Promise<void> {
  if (runIds.length === 0) return;
  await ctx.db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('runs')
      .select(['run_uuid', 'lifecycle_stage'])
      .where('run_uuid', 'in', runIds)
      .execute();
    requireDeleted(
      runIds,
      new Map(rows.map((r) => [r.run_uuid, r.lifecycle_stage])),
      (id) => notFound(`Run with id=${id} not found`),
      (id) => invalidParam(`Run ${id} is not deleted: only deleted runs can be removed permanently.`),
    );
    await trx.deleteFrom('runs').where('run_uuid', 'in', runIds).execute();
  });
}

/** Hard delete of deleted experiments with their runs and datasets. */
export async function purgeExperiments(ctx: StoreContext, experimentIds: string[]): Promise<void> {
  if (experimentIds.length === 0) return;
  experimentIds.forEach(validateExperimentId);
  const ids = experimentIds.map(Number);
  await ctx.db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('experiments')
      .select(['experiment_id', 'lifecycle_stage'])
      .where('experiment_id', 'in', ids)
      .execute();
    const stage = new Map(rows.map((r) => [r.experiment_id, r.lifecycle_stage]));
    for (const id of ids) {
      if (!stage.has(id)) throw notFound(`No Experiment with id=${id} exists`);
      if (stage.get(id) !== 'deleted') {
        throw invalidParam(
          `Experiment ${id} is not deleted: only deleted experiments can be removed permanently.`,
        );
      }
    }
    // Runs first: their rows reference the experiment, and history hangs off the runs.
    await trx.deleteFrom('runs').where('experiment_id', 'in', ids).execute();
    await trx.deleteFrom('experiments').where('experiment_id', 'in', ids).execute();
  });
}
