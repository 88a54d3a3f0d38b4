import { describe, expect, it } from 'vitest';
import { BACKENDS } from './backends.js';
import { dataset, expectFerryError, metric, range, runMakers, useFreshStore } from './helpers.js';

describe.each(BACKENDS)('TrackingStore conformance on $name', (backend) => {
  const { store, opened } = useFreshStore(backend);
  const { runId } = runMakers(store);

  describe('garbage collection', () => {
    it('finds what was deleted before a time, with its artifact locations', async () => {
      const exp = await store.createExperiment({ name: 'gc' });
      const kept = await runId(exp);
      const gone = await runId(exp);
      await store.deleteRun(gone);
      const doomed = await store.createExperiment({ name: 'gc-doomed' });
      await store.deleteExperiment(doomed);
      const found = await store.findDeleted(Date.now() + 1000);
      expect(found.runs.map((r) => r.runId)).toContain(gone);
      expect(found.runs.map((r) => r.runId)).not.toContain(kept);
      expect(found.runs.find((r) => r.runId === gone)).toMatchObject({
        experimentId: exp,
        artifactUri: `mlflow-artifacts:/${exp}/${gone}/artifacts`,
      });
      expect(found.experiments).toEqual([
        expect.objectContaining({
          experimentId: doomed,
          name: 'gc-doomed',
          artifactLocation: `mlflow-artifacts:/${doomed}`,
        }),
      ]);
      const none = await store.findDeleted(0);
      expect(none).toEqual({ runs: [], experiments: [] });
    });

    it('purges deleted runs with everything logged to them, and nothing else', async () => {
      const exp = await store.createExperiment({ name: 'purge' });
      const gone = await runId(exp);
      const kept = await runId(exp);
      for (const id of [gone, kept]) {
        await store.logBatch(id, {
          metrics: range(50).map((i) => metric('m', i, i)),
          params: [{ key: 'p', value: 'v' }],
          tags: [{ key: 't', value: 'v' }],
        });
        await store.logInputs(id, [{ dataset: dataset('d', 'x') }]);
      }
      await store.deleteRun(gone);
      await store.purgeRuns([gone]);
      await expectFerryError(store.getRun(gone), 'RESOURCE_DOES_NOT_EXIST');
      expect((await store.getMetricHistory(kept, 'm')).items).toHaveLength(50);
      expect((await store.getRun(kept)).inputs.dataset_inputs).toHaveLength(1);
      for (const table of ['params', 'tags', 'latest_metrics', 'run_inputs']) {
        const rows = await opened.database.query(
          `select count(*) as n from ${table} where run_uuid = '${gone}'`,
        );
        expect(Number(rows[0]?.n), table).toBe(0);
      }
      for (const table of ['metrics', 'metric_rollups']) {
        const orphans = await opened.database.query(
          `select count(*) as n from ${table} where series_id not in (select series_id from latest_metrics)`,
        );
        expect(Number(orphans[0]?.n), table).toBe(0);
      }
    });

    it('refuses to purge a run that is not deleted, and purges nothing of the request then', async () => {
      const exp = await store.createExperiment({ name: 'purge-refused' });
      const deleted = await runId(exp);
      const active = await runId(exp);
      await store.deleteRun(deleted);
      await expectFerryError(store.purgeRuns([deleted, active]), 'INVALID_PARAMETER_VALUE');
      expect((await store.getRun(deleted)).info.lifecycle_stage).toBe('deleted');
      await expectFerryError(store.purgeRuns(['0'.repeat(32)]), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('purges deleted experiments with their runs, tags and datasets', async () => {
      const exp = await store.createExperiment({ name: 'purge-exp', tags: [{ key: 'k', value: 'v' }] });
      const run = await runId(exp);
      await store.logBatch(run, { metrics: [metric('m', 1)] });
      await store.logInputs(run, [{ dataset: dataset('d', 'x') }]);
      await expectFerryError(store.purgeExperiments([exp]), 'INVALID_PARAMETER_VALUE');
      await store.deleteExperiment(exp);
      await store.purgeExperiments([exp]);
      await expectFerryError(store.getExperiment(exp), 'RESOURCE_DOES_NOT_EXIST');
      await expectFerryError(store.getRun(run), 'RESOURCE_DOES_NOT_EXIST');
      for (const table of ['experiment_tags', 'datasets']) {
        const rows = await opened.database.query(
          `select count(*) as n from ${table} where experiment_id = ${exp}`,
        );
        expect(Number(rows[0]?.n), table).toBe(0);
      }
      // The name is free again.
      expect(await store.createExperiment({ name: 'purge-exp' })).not.toBe(exp);
    });
  });
});
