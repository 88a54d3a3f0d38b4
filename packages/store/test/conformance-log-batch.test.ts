import { beforeEach, describe, expect, it } from 'vitest';
import { RUN_NAME_TAG } from '@ferry/core';
import type { LogBatch, Metric, Tag } from '@ferry/core';
import { SqlLoggedModelStore } from '../src/index.js';
import { BACKENDS } from './backends.js';
import {
  MAX,
  expectFerryError,
  latestMetric,
  metric,
  paramsOf,
  points,
  range,
  runMakers,
  tagsOf,
  useFreshStore,
} from './helpers.js';

describe.each(BACKENDS)('TrackingStore conformance on $name', (backend) => {
  const { store } = useFreshStore(backend);
  const { runId } = runMakers(store);

  // ------------------------------------------------------------------------------------------------
  describe('logBatch', () => {
    let exp: string;
    let run: string;
    beforeEach(async () => {
      exp = await store.createExperiment({ name: 'batch' });
      run = await runId(exp, { runName: 'batch-run' });
    });
    const history = async (key: string, id = run) => (await store.getMetricHistory(id, key)).items;

    it('rejects writes to unknown runs', async () => {
      await expectFerryError(
        store.logBatch('b'.repeat(32), { metrics: [metric('m', 1)] }),
        'RESOURCE_DOES_NOT_EXIST',
        `Run with id=${'b'.repeat(32)} not found`,
      );
    });

    it('keeps params immutable: the same value again is fine, another value is rejected', async () => {
      await store.logBatch(run, {
        params: [
          { key: 'lr', value: '0.1' },
          { key: 'empty', value: '' },
        ],
      });
      await store.logBatch(run, { params: [{ key: 'lr', value: '0.1' }] });
      await expectFerryError(
        store.logBatch(run, { params: [{ key: 'lr', value: '0.2' }] }),
        'INVALID_PARAMETER_VALUE',
        `Changing param values is not allowed. Param with key='lr' was already logged with value='0.1' for run ID='${run}'. Attempted logging new value '0.2'.`,
      );
      expect(paramsOf(await store.getRun(run))).toEqual({ lr: '0.1', empty: '' });
      await expectFerryError(
        store.logBatch(run, {
          params: [
            { key: 'd', value: '1' },
            { key: 'd', value: '1' },
          ],
        }),
        'INVALID_PARAMETER_VALUE',
        "Duplicate parameter keys have been submitted: ['d']",
      );
      expect(paramsOf(await store.getRun(run))).toEqual({ lr: '0.1', empty: '' });
    });

    it('is atomic: nothing of a batch rejected for a param change is stored', async () => {
      await store.logBatch(run, { params: [{ key: 'p', value: '1' }] });
      await expectFerryError(
        store.logBatch(run, {
          metrics: [metric('m', 1), metric('m', 2, 1)],
          params: [
            { key: 'new', value: 'x' },
            { key: 'p', value: '2' },
            { key: 'newer', value: 'y' },
          ],
          tags: [
            { key: 't', value: 'v' },
            { key: RUN_NAME_TAG, value: 'renamed' },
          ],
        }),
        'INVALID_PARAMETER_VALUE',
        'Changing param values is not allowed',
      );
      const after = await store.getRun(run);
      expect(paramsOf(after)).toEqual({ p: '1' });
      expect(tagsOf(after)).toEqual({ [RUN_NAME_TAG]: 'batch-run' });
      expect(after.info.run_name).toBe('batch-run');
      expect(after.data.metrics).toBeUndefined();
      expect(await history('m')).toEqual([]);
    });

    it('is atomic: nothing of a batch with one invalid entry is stored', async () => {
      await expectFerryError(
        store.logBatch(run, {
          metrics: [metric('good', 1)],
          params: [{ key: 'good', value: '1' }],
          tags: [
            { key: 'good', value: '1' },
            { key: 'bad*key', value: '1' },
          ],
        }),
        'INVALID_PARAMETER_VALUE',
      );
      const after = await store.getRun(run);
      expect(after.data.params).toBeUndefined();
      expect(tagsOf(after)).toEqual({ [RUN_NAME_TAG]: 'batch-run' });
      expect(after.data.metrics).toBeUndefined();
    });

    it('overwrites tags, the last value of a key given twice winning', async () => {
      await store.logBatch(run, { tags: [{ key: 't', value: 'a' }] });
      await store.logBatch(run, { tags: [{ key: 't', value: 'b' }] });
      expect(tagsOf(await store.getRun(run))['t']).toBe('b');
      await store.logBatch(run, {
        tags: [
          { key: 't', value: 'x' },
          { key: 'u', value: '' },
          { key: 't', value: 'y' },
        ],
      });
      expect(tagsOf(await store.getRun(run))).toEqual({ [RUN_NAME_TAG]: 'batch-run', t: 'y', u: '' });
    });

    it('returns metric history ordered by (timestamp, step, value)', async () => {
      const model = await new SqlLoggedModelStore(store).createLoggedModel({ experimentId: exp });
      await store.logBatch(run, {
        metrics: [metric('h', 3, 0, 300), metric('h', 1, 2, 100), metric('h', 5, 1, 100)],
      });
      await store.logBatch(run, { metrics: [metric('h', 2, 1, 100), metric('h', 0, 0, 200)] });
      await store.logBatch(run, {
        metrics: [
          {
            key: 'h2',
            value: 1,
            step: 3,
            timestamp: 7,
            dataset_name: 'ds',
            dataset_digest: 'abc',
            model_id: model.info.model_id,
          },
        ],
      });
      const h = await history('h');
      expect(points(h)).toEqual([
        [1, 100, 2],
        [1, 100, 5],
        [2, 100, 1],
        [0, 200, 0],
        [0, 300, 3],
      ]);
      expect(h[0]).toStrictEqual({ key: 'h', value: 2, timestamp: 100, step: 1 });
      // History keeps the point without its dataset and model context (MLflow keeps that with the
      // logged model; see the logged-model suite).
      const h2 = await history('h2');
      expect(h2).toHaveLength(1);
      expect(h2[0]).toMatchObject({ key: 'h2', value: 1, timestamp: 7, step: 3 });
    });

    it('collapses exact duplicate points, within a batch and across batches', async () => {
      const batch: LogBatch = {
        metrics: [metric('d', 1, 0, 10), metric('d', 1, 0, 10), metric('n', NaN, 0, 10)],
      };
      await store.logBatch(run, batch);
      await store.logBatch(run, batch);
      await store.logBatch(run, { metrics: [metric('n', NaN, 0, 10)] });
      expect(points(await history('d'))).toEqual([[0, 10, 1]]);
      expect(await history('n')).toHaveLength(1);
      await store.logBatch(run, {
        metrics: [metric('d', 2, 0, 10), metric('d', 1, 1, 10), metric('d', 1, 0, 11)],
      });
      expect(await history('d')).toHaveLength(4);
    });

    describe('latest value', () => {
      type Point = [step: number, timestamp: number, value: number];
      const scenarios: { name: string; logged: Point[]; latest: Point }[] = [
        {
          name: 'higher step wins',
          logged: [
            [5, 1, 1],
            [3, 100, 100],
          ],
          latest: [5, 1, 1],
        },
        {
          name: 'later timestamp wins at equal step',
          logged: [
            [1, 200, 1],
            [1, 100, 100],
          ],
          latest: [1, 200, 1],
        },
        {
          name: 'larger value wins at equal step and time',
          logged: [
            [1, 9, 3],
            [1, 9, 7],
            [1, 9, 5],
          ],
          latest: [1, 9, 7],
        },
        {
          name: 'NaN beats a number',
          logged: [
            [1, 9, 1e300],
            [1, 9, NaN],
            [1, 9, -1],
          ],
          latest: [1, 9, NaN],
        },
        {
          name: 'a later step beats NaN',
          logged: [
            [1, 9, NaN],
            [2, 1, -5],
          ],
          latest: [2, 1, -5],
        },
        {
          name: 'a later timestamp beats NaN',
          logged: [
            [1, 9, NaN],
            [1, 10, 0],
          ],
          latest: [1, 10, 0],
        },
        {
          name: 'negative values',
          logged: [
            [0, 1, -3],
            [0, 1, -2],
            [0, 1, -7],
          ],
          latest: [0, 1, -2],
        },
        {
          name: 'infinity clamps',
          logged: [
            [0, 1, 5],
            [0, 1, Infinity],
            [0, 1, -Infinity],
          ],
          latest: [0, 1, MAX],
        },
      ];

      it.each(scenarios)('$name', async ({ logged, latest }) => {
        const toMetric = (key: string) => (p: Point) => metric(key, p[2], p[0], p[1]);
        // One batch, one call per point in order, one call per point in reverse order: same answer.
        await store.logBatch(run, { metrics: logged.map(toMetric('one-batch')) });
        for (const p of logged) await store.logBatch(run, { metrics: [toMetric('in-order')(p)] });
        for (const p of [...logged].reverse())
          await store.logBatch(run, { metrics: [toMetric('reversed')(p)] });
        const got = await store.getRun(run);
        for (const key of ['one-batch', 'in-order', 'reversed']) {
          const m = latestMetric(got, key);
          expect(m, key).toBeDefined();
          expect([m?.step, m?.timestamp, m?.value], key).toEqual(latest);
        }
        expect(got.data.metrics).toHaveLength(3);
      });
    });

    it('round-trips NaN and clamps ±Infinity to ±Number.MAX_VALUE', async () => {
      await store.logBatch(run, {
        metrics: [metric('nan', NaN), metric('pos', Infinity), metric('neg', -Infinity), metric('zero', 0)],
      });
      const got = await store.getRun(run);
      expect(latestMetric(got, 'nan')?.value).toBeNaN();
      expect(latestMetric(got, 'pos')?.value).toBe(MAX);
      expect(latestMetric(got, 'neg')?.value).toBe(-MAX);
      expect(Object.is(latestMetric(got, 'zero')?.value, 0)).toBe(true);
      expect((await history('nan'))[0]?.value).toBeNaN();
      expect(points(await history('pos'))).toEqual([[0, 1000, MAX]]);
      expect(points(await history('neg'))).toEqual([[0, 1000, -MAX]]);
      // NaN and 0 at the same step and time are different points; +inf and MAX collapse after clamping.
      await store.logBatch(run, { metrics: [metric('nan', 0), metric('pos', MAX)] });
      const nan = await history('nan');
      expect(nan).toHaveLength(2);
      expect(nan.filter((m) => Number.isNaN(m.value))).toHaveLength(1);
      expect(await history('pos')).toHaveLength(1);
      expect(latestMetric(await store.getRun(run), 'nan')?.value).toBeNaN();
    });

    it('enforces the batch size limits', async () => {
      const metrics = (n: number): Metric[] => range(n).map((i) => metric('m', i, i));
      const params = (n: number): Tag[] => range(n).map((i) => ({ key: `p${i}`, value: 'v' }));
      await expectFerryError(
        store.logBatch(run, { metrics: metrics(1001) }),
        'INVALID_PARAMETER_VALUE',
        'A batch logging request can contain at most 1000 metrics. Got 1001 metrics.',
      );
      await expectFerryError(
        store.logBatch(run, { params: params(101) }),
        'INVALID_PARAMETER_VALUE',
        'A batch logging request can contain at most 100 params. Got 101 params.',
      );
      await expectFerryError(
        store.logBatch(run, { tags: params(101) }),
        'INVALID_PARAMETER_VALUE',
        'A batch logging request can contain at most 100 tags. Got 101 tags.',
      );
      await expectFerryError(
        store.logBatch(run, { metrics: metrics(1000), params: params(1) }),
        'INVALID_PARAMETER_VALUE',
        'at most 1000 metrics, params, and tags',
      );
      expect(await history('m')).toEqual([]);
      expect((await store.getRun(run)).data.params).toBeUndefined();

      await store.logBatch(run, { metrics: metrics(1000) });
      await store.logBatch(run, { params: params(100), tags: params(100) });
      expect(await history('m')).toHaveLength(1000);
      expect(Object.keys(paramsOf(await store.getRun(run)))).toHaveLength(100);
    });

    it('validates key characters and path safety for metrics, params and tags', async () => {
      const bad = [
        'a*b',
        'semi;colon',
        'quote"',
        'tab\tkey',
        '../x',
        '/abs',
        'a/../b',
        'a//b',
        './a',
        '.',
        'a/',
      ];
      for (const key of bad) {
        await expectFerryError(store.logBatch(run, { metrics: [metric(key, 1)] }), 'INVALID_PARAMETER_VALUE');
        await expectFerryError(
          store.logBatch(run, { params: [{ key, value: 'v' }] }),
          'INVALID_PARAMETER_VALUE',
        );
        await expectFerryError(
          store.logBatch(run, { tags: [{ key, value: 'v' }] }),
          'INVALID_PARAMETER_VALUE',
        );
      }
      await expectFerryError(
        store.logBatch(run, { metrics: [metric('a*b', 1)] }),
        'INVALID_PARAMETER_VALUE',
        'Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).',
      );
      await expectFerryError(
        store.logBatch(run, { params: [{ key: '../x', value: 'v' }] }),
        'INVALID_PARAMETER_VALUE',
        'must not resolve to other names',
      );
      const good = ['a/b', 'a.b-c d:e_f', 'UPPER', '0', 'x.', '.a'];
      await store.logBatch(run, {
        metrics: good.map((key) => metric(key, 1)),
        params: good.map((key) => ({ key, value: 'v' })),
        tags: good.map((key) => ({ key, value: 'v' })),
      });
      const got = await store.getRun(run);
      expect(Object.keys(paramsOf(got)).sort()).toEqual([...good].sort());
      expect(got.data.metrics?.map((m) => m.key).sort()).toEqual([...good].sort());
    });

    it("accepts keys with non-ASCII letters and digits, as Python's Unicode \\w does", async () => {
      // MLflow checks names with re.compile(r"^[/\w.\- :]*$") on str, where \w is Unicode-aware.
      const keys = ['précision', '損失', 'λ_1'];
      await store.logBatch(run, {
        metrics: keys.map((key) => metric(key, 1)),
        params: keys.map((key) => ({ key, value: 'v' })),
        tags: keys.map((key) => ({ key, value: 'v' })),
      });
      const got = await store.getRun(run);
      expect(Object.keys(paramsOf(got)).sort()).toEqual([...keys].sort());
    });

    it('rejects keys over 250 characters and truncates long param and tag values', async () => {
      const k251 = 'k'.repeat(251);
      await expectFerryError(
        store.logBatch(run, { metrics: [metric(k251, 1)] }),
        'INVALID_PARAMETER_VALUE',
        "'Metric name' exceeds the maximum length of 250 characters",
      );
      await expectFerryError(
        store.logBatch(run, { params: [{ key: k251, value: 'v' }] }),
        'INVALID_PARAMETER_VALUE',
        "'Param key' exceeds the maximum length of 250 characters",
      );
      await expectFerryError(
        store.logBatch(run, { tags: [{ key: k251, value: 'v' }] }),
        'INVALID_PARAMETER_VALUE',
        "'Tag key' exceeds the maximum length of 250 characters",
      );
      const k250 = 'k'.repeat(250);
      const longParam = `${'p'.repeat(5999)}#${'q'.repeat(100)}`;
      const longTag = `${'t'.repeat(7999)}#${'u'.repeat(100)}`;
      await store.logBatch(run, {
        metrics: [metric(k250, 1)],
        params: [{ key: k250, value: longParam }],
        tags: [{ key: k250, value: longTag }],
      });
      const got = await store.getRun(run);
      expect(paramsOf(got)[k250]).toBe(longParam.slice(0, 6000));
      expect(tagsOf(got)[k250]).toBe(longTag.slice(0, 8000));
      expect(latestMetric(got, k250)?.value).toBe(1);
      // Re-logging the same over-long value is not a change once both are truncated.
      await store.logBatch(run, { params: [{ key: k250, value: longParam }] });
    });

    it('keeps 64-bit steps and millisecond timestamps exactly', async () => {
      const step = 2 ** 40 + 1;
      const timestamp = 1_700_000_000_456;
      await store.logBatch(run, { metrics: [metric('big', 0.25, step, timestamp)] });
      expect(latestMetric(await store.getRun(run), 'big')).toStrictEqual({
        key: 'big',
        value: 0.25,
        step,
        timestamp,
      });
      expect(points(await history('big'))).toEqual([[step, timestamp, 0.25]]);
      const id = await runId(exp, { startTime: 1_700_000_000_123 });
      await store.updateRun(id, { endTime: 1_700_000_999_999 });
      expect((await store.getRun(id)).info).toMatchObject({
        start_time: 1_700_000_000_123,
        end_time: 1_700_000_999_999,
      });
    });

    it('validates metric steps and timestamps', async () => {
      await expectFerryError(
        store.logBatch(run, { metrics: [metric('m', 1, 1.5)] }),
        'INVALID_PARAMETER_VALUE',
        'step',
      );
      await expectFerryError(
        store.logBatch(run, { metrics: [metric('m', 1, 0, -1)] }),
        'INVALID_PARAMETER_VALUE',
        'timestamp',
      );
      await store.logBatch(run, { metrics: [metric('m', 1, -3, 0)] });
      expect(points(await history('m'))).toEqual([[-3, 0, 1]]);
    });
  });
});
