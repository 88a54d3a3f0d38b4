import { randomUUID } from 'node:crypto';
import { LIMITS, validateLength } from '@ferry/core';
import type { DatasetInput, ModelInput } from '@ferry/core';
import type { StoreContext } from './context.js';
import { activeRunRow } from './runs.js';

function validateInput(input: DatasetInput): void {
  const d = input.dataset;
  validateLength('Dataset name', d.name, LIMITS.datasetName);
  validateLength('Dataset digest', d.digest, LIMITS.datasetDigest);
  validateLength('Dataset source', d.source, LIMITS.datasetSource);
  if (d.schema) validateLength('Dataset schema', d.schema, LIMITS.datasetSchema);
  if (d.profile) validateLength('Dataset profile', d.profile, LIMITS.datasetProfile);
  for (const t of input.tags ?? []) {
    validateLength('Input tag key', t.key, LIMITS.inputTagKey);
    validateLength('Input tag value', t.value, LIMITS.inputTagValue);
  }
}

/**
 * Records datasets as inputs of a run. A dataset is stored once per experiment by (name, digest) and
 * shared by every run that uses it; logging the same input again is a no-op apart from its tags.
 */
export async function logInputs(
  ctx: StoreContext,
  runId: string,
  inputs: DatasetInput[],
  models: ModelInput[] = [],
): Promise<void> {
  inputs.forEach(validateInput);
  await ctx.db.transaction().execute(async (trx) => {
    const run = await activeRunRow(trx, runId);
    for (const input of inputs) {
      const d = input.dataset;
      await trx
        .insertInto('datasets')
        .values({
          dataset_uuid: randomUUID().replaceAll('-', ''),
          experiment_id: run.experiment_id,
          name: d.name,
          digest: d.digest,
          source_type: d.source_type,
          source: d.source,
          schema: d.schema ?? null,
          profile: d.profile ?? null,
        })
        .onConflict((oc) => oc.columns(['experiment_id', 'name', 'digest']).doNothing())
        .execute();
      const { dataset_uuid } = await trx
        .selectFrom('datasets')
        .select('dataset_uuid')
        .where('experiment_id', '=', run.experiment_id)
        .where('name', '=', d.name)
        .where('digest', '=', d.digest)
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('run_inputs')
        .values({ run_uuid: runId, dataset_uuid })
        .onConflict((oc) => oc.columns(['run_uuid', 'dataset_uuid']).doNothing())
        .execute();
      const tags = [...new Map((input.tags ?? []).map((t) => [t.key, t])).values()];
      if (tags.length > 0) {
        await trx
          .insertInto('input_tags')
          .values(tags.map((t) => ({ run_uuid: runId, dataset_uuid, key: t.key, value: t.value })))
          .onConflict((oc) =>
            oc
              .columns(['run_uuid', 'dataset_uuid', 'key'])
              .doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })),
          )
          .execute();
      }
    }
    for (const model of models) {
      await trx
        .insertInto('run_model_inputs')
        .values({ run_uuid: runId, model_id: model.model_id })
        .onConflict((oc) => oc.columns(['run_uuid', 'model_id']).doNothing())
        .execute();
    }
  });
}
