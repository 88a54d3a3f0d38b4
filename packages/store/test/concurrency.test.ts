import { describe, expect, it } from 'vitest';
import { FerryError } from '@ferry/core';
import { BACKENDS } from './backends.js';
import { latestMetric, metric, paramsOf, points, range, tagsOf, useFreshStore } from './helpers.js';

/** The reasons of rejected calls, readable in a failure message. */
function rejections(results: PromiseSettledResult<unknown>[]): string[] {
  return results
    .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    .map((r) => (r.reason instanceof Error ? `${r.reason.name}: ${r.reason.message}` : String(r.reason)));
}

describe.each(BACKENDS)('concurrent writes on $name', (backend) => {
  const { store, opened } = useFreshStore(backend);

  const newRun = async (experimentId: string): Promise<string> =>
    (await store.createRun({ experimentId })).info.run_id;

  it('stores every point of 20 concurrent batches into one run, with the right latest values', async () => {
    const exp = await store.createExperiment({ name: 'many-writers' });
    const run = await newRun(exp);
    const results = await Promise.allSettled(
      range(20).map((i) =>
        store.logBatch(run, {
          metrics: [
            ...range(5).map((s) => metric(`k${i}`, i * 100 + s, s, 1000 + s)),
            metric('shared', i, i, 5000 + i),
          ],
          params: [{ key: `p${i}`, value: String(i) }],
          tags: [{ key: `t${i}`, value: String(i) }],
        }),
      ),
    );
    expect(rejections(results)).toEqual([]);

    for (const i of range(20)) {
      const history = (await store.getMetricHistory(run, `k${i}`)).items;
      expect(points(history)).toEqual(range(5).map((s) => [s, 1000 + s, i * 100 + s]));
    }
    const shared = (await store.getMetricHistory(run, 'shared')).items;
    expect(points(shared)).toEqual(range(20).map((i) => [i, 5000 + i, i]));

    const got = await store.getRun(run);
    expect(got.data.metrics).toHaveLength(21);
    expect(latestMetric(got, 'shared')).toMatchObject({ step: 19, timestamp: 5019, value: 19 });
    for (const i of range(20)) {
      expect(latestMetric(got, `k${i}`)).toMatchObject({ step: 4, value: i * 100 + 4 });
      expect(paramsOf(got)[`p${i}`]).toBe(String(i));
      expect(tagsOf(got)[`t${i}`]).toBe(String(i));
    }
  });

  it('accepts concurrent batches that update the same metric keys and tags in different orders', async () => {
    const exp = await store.createExperiment({ name: 'overlapping-writers' });
    const run = await newRun(exp);
    const keys = range(8).map((k) => `key${k}`);
    // Each call names the same keys, rotated, so concurrent transactions meet the rows in different orders.
    const rotated = (i: number) => [...keys.slice(i % keys.length), ...keys.slice(0, i % keys.length)];
    const results = await Promise.allSettled(
      range(20).map((i) =>
        store.logBatch(run, {
          metrics: rotated(i).map((key) => metric(key, i, i, 1000 + i)),
          tags: rotated(i).map((key) => ({ key, value: String(i) })),
        }),
      ),
    );
    expect(rejections(results)).toEqual([]);

    const got = await store.getRun(run);
    for (const key of keys) {
      const history = (await store.getMetricHistory(run, key)).items;
      expect(history).toHaveLength(20);
      expect(latestMetric(got, key)).toMatchObject({ step: 19, value: 19 });
      expect(range(20).map(String)).toContain(tagsOf(got)[key]);
    }
  });

  it('lets exactly one of many concurrent writers of a param key win; the others fail atomically', async () => {
    const exp = await store.createExperiment({ name: 'param-race' });
    const run = await newRun(exp);
    const results = await Promise.allSettled(
      range(20).map((i) =>
        store.logBatch(run, {
          params: [{ key: 'lr', value: `v${i}` }],
          metrics: [metric(`m${i}`, i)],
          tags: [{ key: `t${i}`, value: 'x' }],
        }),
      ),
    );
    const winners = range(20).filter((i) => results[i]?.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    const winner = winners[0] as number;
    for (const r of results) {
      if (r.status === 'fulfilled') continue;
      expect(r.reason).toBeInstanceOf(FerryError);
      expect((r.reason as FerryError).code).toBe('INVALID_PARAMETER_VALUE');
      expect((r.reason as FerryError).message).toContain('Changing param values is not allowed');
    }

    const got = await store.getRun(run);
    expect(paramsOf(got)).toEqual({ lr: `v${winner}` });
    expect(got.data.metrics?.map((m) => m.key)).toEqual([`m${winner}`]);
    expect(Object.keys(tagsOf(got)).filter((k) => k.startsWith('t'))).toEqual([`t${winner}`]);
  });

  it('accepts concurrent writers of the same param value', async () => {
    const exp = await store.createExperiment({ name: 'param-same' });
    const run = await newRun(exp);
    const results = await Promise.allSettled(
      range(20).map((i) =>
        store.logBatch(run, { params: [{ key: 'lr', value: '0.1' }], metrics: [metric('m', i, i)] }),
      ),
    );
    expect(rejections(results)).toEqual([]);
    expect(paramsOf(await store.getRun(run))).toEqual({ lr: '0.1' });
    expect((await store.getMetricHistory(run, 'm')).items).toHaveLength(20);
  });

  it('creates an experiment name once when many create it concurrently', async () => {
    const results = await Promise.allSettled(
      range(20).map(() => store.createExperiment({ name: 'contested' })),
    );
    const created = results.filter((r) => r.status === 'fulfilled');
    expect(created).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'fulfilled') continue;
      expect(r.reason).toBeInstanceOf(FerryError);
      expect((r.reason as FerryError).code).toBe('RESOURCE_ALREADY_EXISTS');
    }
    const id = (created[0] as PromiseFulfilledResult<string>).value;
    expect(await store.getExperimentByName('contested')).toMatchObject({
      experiment_id: id,
      artifact_location: `mlflow-artifacts:/${id}`,
    });
    const found = await store.searchExperiments({
      maxResults: 100,
      viewType: 'ALL',
      filter: [{ type: 'attribute', key: 'name', comparator: '=', value: 'contested' }],
    });
    expect(found.items).toHaveLength(1);
  });

  it('creates experiments with distinct names concurrently, each with its own id', async () => {
    const ids = await Promise.all(range(20).map((i) => store.createExperiment({ name: `parallel-${i}` })));
    expect(new Set(ids).size).toBe(20);
    for (const i of range(20)) {
      expect((await store.getExperiment(ids[i] as string)).name).toBe(`parallel-${i}`);
    }
  });

  it('creates and fills many runs concurrently', async () => {
    const exp = await store.createExperiment({ name: 'many-runs' });
    const n = 30;
    const results = await Promise.allSettled(
      range(n).map(async (i) => {
        const run = await store.createRun({ experimentId: exp, runName: `r${i}`, startTime: 1000 + i });
        const id = run.info.run_id;
        await store.logBatch(id, {
          metrics: [metric('acc', i / 100, 0), metric('acc', i, 1)],
          params: [{ key: 'i', value: String(i) }],
          tags: [{ key: 'group', value: i % 2 ? 'odd' : 'even' }],
        });
        await store.updateRun(id, { status: 'FINISHED', endTime: 2000 + i });
        return id;
      }),
    );
    expect(rejections(results)).toEqual([]);
    const ids = results.map((r) => (r as PromiseFulfilledResult<string>).value);
    expect(new Set(ids).size).toBe(n);

    const page = await store.searchRuns({ experimentIds: [exp], maxResults: 100 });
    expect(page.items.map((r) => r.info.run_name)).toEqual(range(n).map((i) => `r${n - 1 - i}`));
    for (const run of page.items) {
      const i = Number(run.info.run_name.slice(1));
      expect(run.info.run_id).toBe(ids[i]);
      expect(run.info).toMatchObject({ status: 'FINISHED', end_time: 2000 + i, start_time: 1000 + i });
      expect(latestMetric(run, 'acc')).toMatchObject({ step: 1, value: i });
      expect(paramsOf(run)).toEqual({ i: String(i) });
      expect(tagsOf(run)['group']).toBe(i % 2 ? 'odd' : 'even');
    }
    const odd = await store.searchRuns({
      experimentIds: [exp],
      maxResults: 100,
      filter: [{ type: 'tag', key: 'group', comparator: '=', value: 'odd' }],
    });
    expect(odd.items).toHaveLength(n / 2);
  });

  it('stores a dataset logged concurrently by many runs of one experiment once', async () => {
    const exp = await store.createExperiment({ name: 'shared-dataset' });
    const runs = await Promise.all(range(10).map(() => newRun(exp)));
    const results = await Promise.allSettled(
      runs.map((id, i) =>
        store.logInputs(id, [
          {
            dataset: { name: 'train', digest: 'abc', source_type: 'local', source: `file:///copy-${i}` },
            tags: [{ key: 'mlflow.data.context', value: 'training' }],
          },
        ]),
      ),
    );
    expect(rejections(results)).toEqual([]);
    const sources = new Set<string>();
    for (const id of runs) {
      const inputs = (await store.getRun(id)).inputs.dataset_inputs ?? [];
      expect(inputs).toHaveLength(1);
      sources.add(inputs[0]?.dataset.source ?? '');
    }
    expect(sources.size).toBe(1);
    const rows = await opened!.database.query("select count(*) as n from datasets where name = 'train'");
    expect(Number(rows[0]?.['n'])).toBe(1);
  });
});
