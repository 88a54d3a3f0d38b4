import { beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS } from './backends.js';
import { allPages, expectFerryError, metric, points, range, runMakers, useFreshStore } from './helpers.js';

describe.each(BACKENDS)('TrackingStore conformance on $name', (backend) => {
  const { store } = useFreshStore(backend);
  const { runId } = runMakers(store);

  // ------------------------------------------------------------------------------------------------
  describe('metric history', () => {
    let exp: string;
    beforeEach(async () => {
      exp = await store.createExperiment({ name: 'history' });
    });

    it('returns the full history without maxResults, and pages with maxResults and tokens', async () => {
      const id = await runId(exp);
      await store.logBatch(id, { metrics: range(5).map((i) => metric('m', i * 10, i, 100 + i)) });
      const all = await store.getMetricHistory(id, 'm');
      expect(points(all.items)).toEqual(range(5).map((i) => [i, 100 + i, i * 10]));
      expect(all.nextPageToken).toBeUndefined();

      const first = await store.getMetricHistory(id, 'm', { maxResults: 2 });
      expect(points(first.items)).toEqual([
        [0, 100, 0],
        [1, 101, 10],
      ]);
      expect(first.nextPageToken).toEqual(expect.any(String));
      const paged = await allPages(2, (pageToken) =>
        store.getMetricHistory(id, 'm', { maxResults: 2, ...(pageToken ? { pageToken } : {}) }),
      );
      expect(paged.pages).toBe(3);
      expect(paged.items).toEqual(all.items);

      const exact = await store.getMetricHistory(id, 'm', { maxResults: 5 });
      expect(exact.items).toHaveLength(5);
      expect(exact.nextPageToken).toBeUndefined();
      expect((await store.getMetricHistory(id, 'other')).items).toEqual([]);
    });

    it('reports unknown runs with RESOURCE_DOES_NOT_EXIST', async () => {
      const unknown = '9'.repeat(32);
      await expectFerryError(
        store.getMetricHistory(unknown, 'm'),
        'RESOURCE_DOES_NOT_EXIST',
        `Run with id=${unknown} not found`,
      );
      await expectFerryError(
        store.getMetricHistory(unknown, 'm', { maxResults: 10 }),
        'RESOURCE_DOES_NOT_EXIST',
      );
    });

    it('getMetricHistoryBulk returns the history of several runs, each point with its run id', async () => {
      const r1 = await runId(exp);
      const r2 = await runId(exp);
      const r3 = await runId(exp);
      await store.logBatch(r1, { metrics: [metric('m', 2, 1, 20), metric('m', 1, 0, 10), metric('x', 5)] });
      await store.logBatch(r2, { metrics: [metric('m', 3, 0, 5)] });
      await store.logBatch(r3, { metrics: [metric('x', 1)] });
      const got = await store.getMetricHistoryBulk([r1, r2, r3], 'm', 1000);
      const expected = [
        { key: 'm', value: 1, timestamp: 10, step: 0, run_id: r1 },
        { key: 'm', value: 2, timestamp: 20, step: 1, run_id: r1 },
        { key: 'm', value: 3, timestamp: 5, step: 0, run_id: r2 },
      ].sort((a, b) => (a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : a.timestamp - b.timestamp));
      expect(got).toStrictEqual(expected);
      expect(await store.getMetricHistoryBulk([], 'm', 1000)).toEqual([]);
      expect(await store.getMetricHistoryBulk([r3], 'm', 1000)).toEqual([]);
    });

    it('getMetricHistoryBulk returns up to maxResults points in all, ordered by run then time', async () => {
      const r1 = await runId(exp);
      const r2 = await runId(exp);
      for (const id of [r1, r2])
        await store.logBatch(id, { metrics: range(5).map((i) => metric('m', i, i, i)) });
      const [first, second] = [r1, r2].sort();
      const got = await store.getMetricHistoryBulk([r1, r2], 'm', 7);
      const perRun = (id: string) => got.filter((p) => p.run_id === id).map((p) => p.step);
      expect(perRun(first!)).toEqual([0, 1, 2, 3, 4]);
      expect(perRun(second!)).toEqual([0, 1]);
    });

    describe('getMetricHistoryBulkInterval', () => {
      let a: string;
      let b: string;
      beforeEach(async () => {
        a = await runId(exp);
        b = await runId(exp);
        await store.logBatch(a, { metrics: range(100).map((s) => metric('m', s, s, 1000 + s)) });
        // Run b: steps 10..50 (value 1000 + step), and a second value at step 20.
        await store.logBatch(b, {
          metrics: [...range(41).map((i) => metric('m', 1010 + i, 10 + i, 1)), metric('m', 99, 20, 2)],
        });
      });
      const stepsOf = (pts: { run_id?: string; step: number }[], id: string) =>
        pts.filter((p) => p.run_id === id).map((p) => p.step);

      it('returns everything when there are no more steps than maxResults', async () => {
        const got = await store.getMetricHistoryBulkInterval({ runIds: [a, b], key: 'm', maxResults: 2500 });
        expect(got).toHaveLength(100 + 42);
        expect(stepsOf(got, a)).toEqual(range(100));
        const at20 = got.filter((p) => p.run_id === b && p.step === 20).map((p) => p.value);
        expect(at20.sort((x, y) => x - y)).toEqual([99, 1020]);
        expect(got.every((p) => p.key === 'm' && typeof p.timestamp === 'number')).toBe(true);
      });

      it('samples at most maxResults steps, keeping each run’s first and last step', async () => {
        const got = await store.getMetricHistoryBulkInterval({ runIds: [a, b], key: 'm', maxResults: 10 });
        const union = new Set(got.map((p) => p.step));
        // maxResults evenly spread steps, the last step, and each run's min and max.
        expect(union.size).toBeLessThanOrEqual(10 + 1 + 2 * 2);
        expect(union.size).toBeGreaterThanOrEqual(10);
        const sa = stepsOf(got, a);
        const sb = stepsOf(got, b);
        expect(sa).toContain(0);
        expect(sa).toContain(99);
        expect(sb).toContain(10);
        expect(sb).toContain(50);
        expect(sb.every((s) => s >= 10 && s <= 50)).toBe(true);
        expect(new Set(sa).size).toBe(sa.length);
        expect(sa).toEqual([...sa].sort((x, y) => x - y));
        // Every point of a chosen step comes back (step 20 holds two values in run b).
        if (sb.includes(20)) expect(sb.filter((s) => s === 20)).toHaveLength(2);
        for (const p of got) {
          const expected = p.run_id === a ? p.step : p.timestamp === 2 ? 99 : 1000 + p.step;
          expect(p.value).toBe(expected);
        }
      });

      it('restricts to [startStep, endStep]', async () => {
        const got = await store.getMetricHistoryBulkInterval({
          runIds: [a, b],
          key: 'm',
          startStep: 20,
          endStep: 40,
          maxResults: 2500,
        });
        expect(stepsOf(got, a)).toEqual(range(21).map((i) => 20 + i));
        expect(new Set(stepsOf(got, b))).toEqual(new Set(range(21).map((i) => 20 + i)));

        const sampled = await store.getMetricHistoryBulkInterval({
          runIds: [a, b],
          key: 'm',
          startStep: 0,
          endStep: 49,
          maxResults: 5,
        });
        expect(sampled.every((p) => p.step >= 0 && p.step <= 49)).toBe(true);
        expect(stepsOf(sampled, a)).toContain(0);
        expect(stepsOf(sampled, b)).toContain(10);
        expect(new Set(sampled.map((p) => p.step)).size).toBeLessThanOrEqual(5 + 1 + 2 * 2);
      });

      it('validates start and end steps', async () => {
        const both = 'If either start step or end step are specified, both must be specified.';
        await expectFerryError(
          store.getMetricHistoryBulkInterval({ runIds: [a], key: 'm', startStep: 1, maxResults: 10 }),
          'INVALID_PARAMETER_VALUE',
          both,
        );
        await expectFerryError(
          store.getMetricHistoryBulkInterval({ runIds: [a], key: 'm', endStep: 1, maxResults: 10 }),
          'INVALID_PARAMETER_VALUE',
          both,
        );
        await expectFerryError(
          store.getMetricHistoryBulkInterval({
            runIds: [a],
            key: 'm',
            startStep: 5,
            endStep: 1,
            maxResults: 10,
          }),
          'INVALID_PARAMETER_VALUE',
          'end_step must be greater than start_step. Found start_step=5 and end_step=1.',
        );
        const single = await store.getMetricHistoryBulkInterval({
          runIds: [a],
          key: 'm',
          startStep: 7,
          endStep: 7,
          maxResults: 10,
        });
        expect(points(single)).toEqual([[7, 1007, 7]]);
        expect(
          await store.getMetricHistoryBulkInterval({ runIds: [a, b], key: 'nope', maxResults: 10 }),
        ).toEqual([]);
      });
    });
  });
});
