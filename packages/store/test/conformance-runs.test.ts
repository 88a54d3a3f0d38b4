import { describe, expect, it } from 'vitest';
import { RUN_NAME_TAG, RUN_STATUSES } from '@ferry/core';
import type { DatasetInput } from '@ferry/core';
import { BACKENDS } from './backends.js';
import {
  canonical,
  cmp,
  dataset,
  expectFerryError,
  metric,
  runMakers,
  sortByKey,
  tagsOf,
  useFreshStore,
} from './helpers.js';

describe.each(BACKENDS)('TrackingStore conformance on $name', (backend) => {
  const { store, opened } = useFreshStore(backend);
  const { createRun, runId } = runMakers(store);

  // ------------------------------------------------------------------------------------------------
  describe('runs', () => {
    it('creates a run with a generated name, the mlflow.runName tag and an artifact URI', async () => {
      const exp = await store.createExperiment({ name: 'runs' });
      const run = await createRun(exp, {
        userId: 'alice',
        startTime: 12_345,
        tags: [{ key: 'mlflow.source.name', value: 'train.py' }],
      });
      const id = run.info.run_id;
      expect(run.info).toStrictEqual({
        run_id: expect.stringMatching(/^[0-9a-f]{32}$/),
        run_uuid: id,
        run_name: expect.stringMatching(/^[a-z]+-[a-z]+-\d{1,3}$/),
        experiment_id: exp,
        user_id: 'alice',
        status: 'RUNNING',
        start_time: 12_345,
        artifact_uri: `mlflow-artifacts:/${exp}/${id}/artifacts`,
        lifecycle_stage: 'active',
      });
      expect(tagsOf(run)).toEqual({ 'mlflow.source.name': 'train.py', [RUN_NAME_TAG]: run.info.run_name });
      expect(run.data.params).toBeUndefined();
      expect(run.data.metrics).toBeUndefined();
      expect(run.inputs).toEqual({});
      // Runs read back also carry `outputs` ({} when empty); runs/create omits it, as MLflow does.
      const { outputs, ...got } = await store.getRun(id);
      expect(outputs ?? {}).toEqual({});
      expect(canonical(got)).toStrictEqual(canonical(run));

      const second = await createRun(exp);
      expect(second.info.run_id).not.toBe(id);
      expect(second.info.start_time).toEqual(expect.any(Number));
    });

    it('takes the name from run_name or the mlflow.runName tag, and rejects a mismatch', async () => {
      const exp = await store.createExperiment({ name: 'names' });
      const named = await createRun(exp, { runName: 'my-run' });
      expect(named.info.run_name).toBe('my-run');
      expect(tagsOf(named)[RUN_NAME_TAG]).toBe('my-run');

      const tagged = await createRun(exp, { tags: [{ key: RUN_NAME_TAG, value: 'from-tag' }] });
      expect(tagged.info.run_name).toBe('from-tag');
      expect(tagsOf(tagged)[RUN_NAME_TAG]).toBe('from-tag');

      const both = await createRun(exp, { runName: 'same', tags: [{ key: RUN_NAME_TAG, value: 'same' }] });
      expect(both.info.run_name).toBe('same');
      expect(both.data.tags?.filter((t) => t.key === RUN_NAME_TAG)).toHaveLength(1);

      await expectFerryError(
        createRun(exp, { runName: 'one', tags: [{ key: RUN_NAME_TAG, value: 'other' }] }),
        'INVALID_PARAMETER_VALUE',
        /run_name.*mlflow\.runName/s,
      );
      const all = await store.searchRuns({ experimentIds: [exp], maxResults: 100, viewType: 'ALL' });
      expect(all.items.map((r) => r.info.run_name).sort()).toEqual(['from-tag', 'my-run', 'same']);
    });

    it('validates tags given at creation and requires an active experiment', async () => {
      const exp = await store.createExperiment({ name: 'create-rules' });
      await expectFerryError(
        createRun(exp, { tags: [{ key: 'a*b', value: 'v' }] }),
        'INVALID_PARAMETER_VALUE',
      );
      await expectFerryError(
        createRun(exp, { tags: [{ key: 'k'.repeat(251), value: 'v' }] }),
        'INVALID_PARAMETER_VALUE',
      );
      const long = await createRun(exp, { tags: [{ key: 'long', value: 'v'.repeat(8001) }] });
      expect(tagsOf(long)['long']).toHaveLength(8000);
      await store.deleteExperiment(exp);
      await expectFerryError(createRun(exp), 'INVALID_PARAMETER_VALUE', "must be in the 'active' state");
      const all = await store.searchRuns({ experimentIds: [exp], maxResults: 100, viewType: 'ALL' });
      expect(all.items.map((r) => r.info.run_id)).toEqual([long.info.run_id]);
    });

    it('gets runs, deleted ones included, and reports unknown runs', async () => {
      const exp = await store.createExperiment({ name: 'get' });
      const id = await runId(exp);
      await store.deleteRun(id);
      expect((await store.getRun(id)).info.lifecycle_stage).toBe('deleted');
      const unknown = 'f'.repeat(32);
      await expectFerryError(
        store.getRun(unknown),
        'RESOURCE_DOES_NOT_EXIST',
        `Run with id=${unknown} not found`,
      );
      await expectFerryError(store.getRun('bad id!'), 'INVALID_PARAMETER_VALUE');
    });

    it('updates status, end_time and name; only given fields change', async () => {
      const exp = await store.createExperiment({ name: 'update' });
      const run = await createRun(exp, { startTime: 100, runName: 'before' });
      const id = run.info.run_id;

      const finished = await store.updateRun(id, { status: 'FINISHED', endTime: 200 });
      expect(finished).toStrictEqual({ ...run.info, status: 'FINISHED', end_time: 200 });
      expect((await store.getRun(id)).info).toStrictEqual(finished);

      const failed = await store.updateRun(id, { status: 'FAILED' });
      expect(failed).toMatchObject({ status: 'FAILED', end_time: 200, run_name: 'before', start_time: 100 });

      const renamed = await store.updateRun(id, { runName: 'after' });
      expect(renamed).toMatchObject({ status: 'FAILED', end_time: 200, run_name: 'after' });
      const got = await store.getRun(id);
      expect(got.info.run_name).toBe('after');
      expect(tagsOf(got)[RUN_NAME_TAG]).toBe('after');

      // No transition rules: any status may follow any other.
      for (const status of [...RUN_STATUSES].reverse()) {
        expect((await store.updateRun(id, { status })).status).toBe(status);
      }
      expect((await store.getRun(id)).info.status).toBe(RUN_STATUSES[0]);

      await expectFerryError(
        store.updateRun('0'.repeat(32), { status: 'FINISHED' }),
        'RESOURCE_DOES_NOT_EXIST',
      );
    });

    it('keeps run_name in sync when the mlflow.runName tag is set through logBatch', async () => {
      const exp = await store.createExperiment({ name: 'sync' });
      const id = await runId(exp, { runName: 'first' });
      await store.logBatch(id, { tags: [{ key: RUN_NAME_TAG, value: 'second' }] });
      const run = await store.getRun(id);
      expect(run.info.run_name).toBe('second');
      expect(tagsOf(run)[RUN_NAME_TAG]).toBe('second');
      const found = await store.searchRuns({
        experimentIds: [exp],
        maxResults: 10,
        filter: [cmp('attribute', 'run_name', '=', 'second')],
      });
      expect(found.items.map((r) => r.info.run_id)).toEqual([id]);
    });

    it('deletes and restores runs; writes to a deleted run are rejected', async () => {
      const exp = await store.createExperiment({ name: 'lifecycle' });
      const id = await runId(exp);
      await store.logBatch(id, { tags: [{ key: 't', value: 'v' }] });
      await store.deleteRun(id);
      expect((await store.getRun(id)).info.lifecycle_stage).toBe('deleted');
      expect((await store.searchRuns({ experimentIds: [exp], maxResults: 10 })).items).toEqual([]);

      const inactive = `The run ${id} must be in the 'active' state. Current state is deleted.`;
      const writes: (() => Promise<unknown>)[] = [
        () => store.logBatch(id, { metrics: [metric('m', 1)] }),
        () => store.logBatch(id, { params: [{ key: 'p', value: '1' }] }),
        () => store.logBatch(id, { tags: [{ key: 't', value: 'w' }] }),
        () => store.updateRun(id, { status: 'FINISHED' }),
        () => store.deleteTag(id, 't'),
        () => store.logInputs(id, [{ dataset: dataset('d', 'x') }]),
      ];
      for (const write of writes) await expectFerryError(write(), 'INVALID_PARAMETER_VALUE', inactive);
      const after = await store.getRun(id);
      expect(after.info.status).toBe('RUNNING');
      expect(tagsOf(after)['t']).toBe('v');
      expect(after.data.metrics).toBeUndefined();
      expect(after.data.params).toBeUndefined();
      expect(after.inputs).toEqual({});

      await store.restoreRun(id);
      expect((await store.getRun(id)).info.lifecycle_stage).toBe('active');
      await store.logBatch(id, { metrics: [metric('m', 1)] });
      expect((await store.searchRuns({ experimentIds: [exp], maxResults: 10 })).items).toHaveLength(1);

      await expectFerryError(store.deleteRun('a'.repeat(32)), 'RESOURCE_DOES_NOT_EXIST');
      await expectFerryError(store.restoreRun('a'.repeat(32)), 'RESOURCE_DOES_NOT_EXIST');
    });
  });

  // ------------------------------------------------------------------------------------------------
  describe('deleteTag', () => {
    it('deletes a run tag; a missing tag is RESOURCE_DOES_NOT_EXIST', async () => {
      const exp = await store.createExperiment({ name: 'del-tag' });
      const id = await runId(exp, { runName: 'r' });
      await store.logBatch(id, {
        tags: [
          { key: 'a', value: '1' },
          { key: 'b', value: '2' },
        ],
      });
      await store.deleteTag(id, 'a');
      expect(tagsOf(await store.getRun(id))).toEqual({ b: '2', [RUN_NAME_TAG]: 'r' });
      await expectFerryError(
        store.deleteTag(id, 'a'),
        'RESOURCE_DOES_NOT_EXIST',
        `No tag with name: a in run with id ${id}`,
      );
      await expectFerryError(store.deleteTag('c'.repeat(32), 'b'), 'RESOURCE_DOES_NOT_EXIST');
      const found = await store.searchRuns({
        experimentIds: [exp],
        maxResults: 10,
        filter: [cmp('tag', 'a', 'IS NULL', null)],
      });
      expect(found.items).toHaveLength(1);
    });
  });

  // ------------------------------------------------------------------------------------------------
  describe('logInputs', () => {
    it('records dataset inputs with their tags, shown in getRun', async () => {
      const exp = await store.createExperiment({ name: 'inputs' });
      const id = await runId(exp);
      const train = dataset('train', 'd1', { schema: '{"mlflow_colspec": []}', profile: '{"num_rows": 10}' });
      await store.logInputs(id, [
        {
          dataset: train,
          tags: [
            { key: 'mlflow.data.context', value: 'training' },
            { key: 'note', value: 'x' },
          ],
        },
        { dataset: dataset('eval', 'd2') },
      ]);
      const inputs = (await store.getRun(id)).inputs.dataset_inputs ?? [];
      const byName = [...inputs].sort((a, b) => a.dataset.name.localeCompare(b.dataset.name));
      expect(byName).toHaveLength(2);
      expect(byName[0]).toStrictEqual({ dataset: dataset('eval', 'd2') });
      expect(byName[1]?.dataset).toStrictEqual(train);
      expect(sortByKey(byName[1]?.tags)).toEqual([
        { key: 'mlflow.data.context', value: 'training' },
        { key: 'note', value: 'x' },
      ]);

      // Logging the same input again does not duplicate it.
      await store.logInputs(id, [
        { dataset: train, tags: [{ key: 'mlflow.data.context', value: 'training' }] },
      ]);
      expect((await store.getRun(id)).inputs.dataset_inputs).toHaveLength(2);
    });

    it('stores a dataset once per experiment by (name, digest)', async () => {
      const exp = await store.createExperiment({ name: 'dedupe' });
      const other = await store.createExperiment({ name: 'dedupe-other' });
      const r1 = await runId(exp);
      const r2 = await runId(exp);
      const r3 = await runId(other);
      await store.logInputs(r1, [{ dataset: dataset('train', 'd1') }]);
      await store.logInputs(r2, [{ dataset: dataset('train', 'd1', { source: 'file:///elsewhere' }) }]);
      await store.logInputs(r3, [{ dataset: dataset('train', 'd1', { source: 'file:///elsewhere' }) }]);
      await store.logInputs(r2, [{ dataset: dataset('train', 'd9') }]);

      const sourceOf = async (id: string, digest: string) =>
        (await store.getRun(id)).inputs.dataset_inputs?.find((i) => i.dataset.digest === digest)?.dataset
          .source;
      // r2 shares the dataset r1 created in the same experiment; r3's experiment has its own.
      expect(await sourceOf(r1, 'd1')).toBe('file:///data/train');
      expect(await sourceOf(r2, 'd1')).toBe('file:///data/train');
      expect(await sourceOf(r3, 'd1')).toBe('file:///elsewhere');
      expect(await sourceOf(r2, 'd9')).toBe('file:///data/train');
      const rows = await opened!.database.query(
        "select experiment_id, digest from datasets where name = 'train' order by experiment_id, digest",
      );
      expect(rows.map((r) => [String(r['experiment_id']), r['digest']])).toEqual([
        [exp, 'd1'],
        [exp, 'd9'],
        [other, 'd1'],
      ]);
    });

    it('validates datasets and input tags, storing nothing on error', async () => {
      const exp = await store.createExperiment({ name: 'input-rules' });
      const id = await runId(exp);
      const ok: DatasetInput = { dataset: dataset('fine', 'd') };
      const bad: DatasetInput[] = [
        { dataset: dataset('n'.repeat(501), 'd') },
        { dataset: dataset('x', 'd'.repeat(37)) },
        { dataset: dataset('x', 'd'), tags: [{ key: 'k'.repeat(256), value: 'v' }] },
        { dataset: dataset('x', 'd'), tags: [{ key: 'k', value: 'v'.repeat(501) }] },
      ];
      for (const input of bad)
        await expectFerryError(store.logInputs(id, [ok, input]), 'INVALID_PARAMETER_VALUE');
      expect((await store.getRun(id)).inputs).toEqual({});
      await store.logInputs(id, [{ dataset: dataset('n'.repeat(500), 'd'.repeat(36)) }]);
      expect((await store.getRun(id)).inputs.dataset_inputs).toHaveLength(1);
      await expectFerryError(store.logInputs('e'.repeat(32), [ok]), 'RESOURCE_DOES_NOT_EXIST');
    });
  });
});
