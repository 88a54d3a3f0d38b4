import { RUN_NAME_TAG, invalidParam, newRunId, notFound, validateBatch, validateRunId } from '@ferry/core';
import type { Run, RunInfo, Tag } from '@ferry/core';
import type { Transaction } from 'kysely';
import { generateRunName } from '../run-names.js';
import type { Database } from '../schema.js';
import type { CreateRunInput, UpdateRunInput } from '../tracking-store.js';
import type { StoreContext } from './context.js';
import { activeExperiment } from './experiments.js';
import { requireActive } from './lifecycle.js';
import { loadRunsById, toRunInfo } from './run-loader.js';
import type { RunRow } from './run-loader.js';

type Db = StoreContext['db'] | Transaction<Database>;

export async function findRunRow(db: Db, runId: string): Promise<RunRow> {
  const row = await db.selectFrom('runs').selectAll().where('run_uuid', '=', runId).executeTakeFirst();
  if (!row) throw notFound(`Run with id=${runId} not found`);
  return row;
}

/** The run, required to be active: every write into a run goes through here. */
export async function activeRunRow(db: Db, runId: string): Promise<RunRow> {
  const row = await findRunRow(db, runId);
  requireActive('run', runId, row.lifecycle_stage);
  return row;
}

export async function createRun(ctx: StoreContext, input: CreateRunInput): Promise<Run> {
  // The same rules as tags logged later: key checks, long values truncated.
  const { tags } = validateBatch({ metrics: [], params: [], tags: input.tags ?? [] });
  const nameTag = tags.find((t) => t.key === RUN_NAME_TAG)?.value;
  if (input.runName && nameTag && input.runName !== nameTag) {
    throw invalidParam(
      `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values ` +
        `(run_name='${input.runName}', mlflow.runName='${nameTag}').`,
    );
  }
  const runName = input.runName || nameTag || generateRunName();
  const runId = newRunId();
  const row = await ctx.db.transaction().execute(async (trx) => {
    const experiment = await activeExperiment({ db: trx }, input.experimentId);
    const row: RunRow = {
      run_uuid: runId,
      name: runName,
      experiment_id: experiment.experiment_id,
      user_id: input.userId ?? '',
      status: 'RUNNING',
      start_time: input.startTime ?? Date.now(),
      end_time: null,
      deleted_time: null,
      artifact_uri: `${experiment.artifact_location.replace(/\/+$/, '')}/${runId}/artifacts`,
      lifecycle_stage: 'active',
    };
    await trx.insertInto('runs').values(row).execute();
    const allTags = new Map<string, Tag>(tags.map((t) => [t.key, t]));
    allTags.set(RUN_NAME_TAG, { key: RUN_NAME_TAG, value: runName });
    await trx
      .insertInto('tags')
      .values([...allTags.values()].map((t) => ({ run_uuid: runId, key: t.key, value: t.value })))
      .execute();
    return row;
  });
  const [{ outputs: _outputs, ...run }] = (await loadRunsById(ctx, [row.run_uuid])) as [Run];
  return run;
}

export async function getRun(ctx: StoreContext, runId: string): Promise<Run> {
  validateRunId(runId);
  const [run] = await loadRunsById(ctx, [runId]);
  if (!run) throw notFound(`Run with id=${runId} not found`);
  return run;
}

export async function updateRun(ctx: StoreContext, runId: string, input: UpdateRunInput): Promise<RunInfo> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await activeRunRow(trx, runId);
    const changes: Partial<RunRow> = {};
    if (input.status !== undefined) changes.status = input.status;
    if (input.endTime !== undefined) changes.end_time = input.endTime;
    if (input.runName) {
      changes.name = input.runName;
      await upsertTags(trx, runId, [{ key: RUN_NAME_TAG, value: input.runName }]);
    }
    if (Object.keys(changes).length > 0) {
      await trx.updateTable('runs').set(changes).where('run_uuid', '=', runId).execute();
    }
    return toRunInfo({ ...row, ...changes });
  });
}

export async function setRunLifecycle(
  ctx: StoreContext,
  runId: string,
  stage: 'active' | 'deleted',
): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await findRunRow(trx, runId);
    await trx
      .updateTable('runs')
      .set({ lifecycle_stage: stage, deleted_time: stage === 'deleted' ? Date.now() : null })
      .where('run_uuid', '=', runId)
      .execute();
  });
}

export async function upsertTags(trx: Transaction<Database>, runId: string, tags: Tag[]): Promise<void> {
  if (tags.length === 0) return;
  const unique = [...new Map(tags.map((t) => [t.key, t])).values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  await trx
    .insertInto('tags')
    .values(unique.map((t) => ({ run_uuid: runId, key: t.key, value: t.value })))
    .onConflict((oc) =>
      oc.columns(['run_uuid', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })),
    )
    .execute();
  const name = unique.find((t) => t.key === RUN_NAME_TAG);
  if (name) await trx.updateTable('runs').set({ name: name.value }).where('run_uuid', '=', runId).execute();
}

export async function deleteTag(ctx: StoreContext, runId: string, key: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await activeRunRow(trx, runId);
    const result = await trx
      .deleteFrom('tags')
      .where('run_uuid', '=', runId)
      .where('key', '=', key)
      .executeTakeFirst();
    if (result.numDeletedRows === 0n) throw notFound(`No tag with name: ${key} in run with id ${runId}`);
  });
}
