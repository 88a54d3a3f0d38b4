import { beforeEach, describe, expect, it } from 'vitest';
import { RUN_NAME_TAG } from '@ferry/core';
import type { Comparison, Filter, OrderBy, Run, ViewType } from '@ferry/core';
import { BACKENDS } from './backends.js';
import {
  MAX,
  allPages,
  canonical,
  cmp,
  dataset,
  expectFerryError,
  latestMetric,
  metric,
  order,
  range,
  runMakers,
  useFreshStore,
} from './helpers.js';

describe.each(BACKENDS)('TrackingStore conformance on $name', (backend) => {
  const { store } = useFreshStore(backend);
  const { runId } = runMakers(store);

  // ------------------------------------------------------------------------------------------------
  describe('searchRuns', () => {
    interface Fixture {
      exp: string;
      other: string;
      ids: Record<string, string>;
      nameOf: Map<string, string>;
    }

    /**
     * run-a: alice t=1000 FINISHED(1500) acc=0.9 loss=0.5 lr=0.1 opt=Adam team=Vision priority=p2 dataset train/d1 (training)
     * run-b: bob   t=2000 RUNNING        acc=0.7 loss=NaN lr=0.01 opt=sgd team=vision priority=p1 dataset eval/d2 (eval)
     * Run-C: alice t=3000 FAILED(3500)   acc=NaN                            priority=p3 dataset train/d3 (training)
     * other: carol t=4000 RUNNING        nothing
     * gone:  alice t=5000 deleted        acc=0.8 lr=0.1
     * elsewhere (second experiment): alice t=6000 acc=0.95 lr=0.1
     */
    async function seed(): Promise<Fixture> {
      const exp = await store.createExperiment({ name: 'search' });
      const other = await store.createExperiment({ name: 'search-other' });
      const ids: Record<string, string> = {};
      const make = async (experimentId: string, runName: string, userId: string, startTime: number) => {
        ids[runName] = await runId(experimentId, { runName, userId, startTime });
        return ids[runName] as string;
      };
      const a = await make(exp, 'run-a', 'alice', 1000);
      await store.logBatch(a, {
        metrics: [metric('acc', 0.9, 1), metric('acc', 0.1, 0), metric('loss', 0.5, 1)],
        params: [
          { key: 'lr', value: '0.1' },
          { key: 'opt', value: 'Adam' },
        ],
        tags: [
          { key: 'team', value: 'Vision' },
          { key: 'priority', value: 'p2' },
        ],
      });
      await store.updateRun(a, { status: 'FINISHED', endTime: 1500 });
      await store.logInputs(a, [
        { dataset: dataset('train', 'd1'), tags: [{ key: 'mlflow.data.context', value: 'training' }] },
      ]);

      const b = await make(exp, 'run-b', 'bob', 2000);
      await store.logBatch(b, {
        metrics: [metric('acc', 0.7, 1), metric('loss', NaN, 1)],
        params: [
          { key: 'lr', value: '0.01' },
          { key: 'opt', value: 'sgd' },
        ],
        tags: [
          { key: 'team', value: 'vision' },
          { key: 'priority', value: 'p1' },
        ],
      });
      await store.logInputs(b, [
        { dataset: dataset('eval', 'd2'), tags: [{ key: 'mlflow.data.context', value: 'eval' }] },
      ]);

      const c = await make(exp, 'Run-C', 'alice', 3000);
      await store.logBatch(c, { metrics: [metric('acc', NaN, 1)], tags: [{ key: 'priority', value: 'p3' }] });
      await store.updateRun(c, { status: 'FAILED', endTime: 3500 });
      await store.logInputs(c, [
        { dataset: dataset('train', 'd3'), tags: [{ key: 'mlflow.data.context', value: 'training' }] },
      ]);

      await make(exp, 'other', 'carol', 4000);

      const gone = await make(exp, 'gone', 'alice', 5000);
      await store.logBatch(gone, { metrics: [metric('acc', 0.8, 1)], params: [{ key: 'lr', value: '0.1' }] });
      await store.deleteRun(gone);

      const elsewhere = await make(other, 'elsewhere', 'alice', 6000);
      await store.logBatch(elsewhere, {
        metrics: [metric('acc', 0.95, 1)],
        params: [{ key: 'lr', value: '0.1' }],
      });

      const nameOf = new Map(Object.entries(ids).map(([name, id]) => [id, name]));
      return { exp, other, ids, nameOf };
    }

    let fx: Fixture;
    beforeEach(async () => {
      fx = await seed();
    });

    const search = async (
      input: { filter?: Filter; orderBy?: OrderBy[]; viewType?: ViewType; experimentIds?: string[] } = {},
    ): Promise<string[]> => {
      const page = await store.searchRuns({ experimentIds: [fx.exp], maxResults: 1000, ...input });
      expect(page.nextPageToken).toBeUndefined();
      return page.items.map((r) => fx.nameOf.get(r.info.run_id) ?? r.info.run_id);
    };
    const where = (...filter: Filter) => search({ filter });
    const orderedBy = (...orderBy: OrderBy[]) => search({ orderBy });

    it('returns active runs of the given experiments, start_time DESC by default, with their data', async () => {
      expect(await search()).toEqual(['other', 'Run-C', 'run-b', 'run-a']);
      expect(await search({ experimentIds: [fx.other] })).toEqual(['elsewhere']);
      expect(await search({ experimentIds: [fx.exp, fx.other] })).toEqual([
        'elsewhere',
        'other',
        'Run-C',
        'run-b',
        'run-a',
      ]);
      expect(await search({ experimentIds: ['999999'] })).toEqual([]);
      expect((await store.searchRuns({ experimentIds: [], maxResults: 10 })).items).toEqual([]);

      const page = await store.searchRuns({ experimentIds: [fx.exp], maxResults: 1000 });
      const a = page.items.find((r) => r.info.run_name === 'run-a') as Run;
      expect(canonical(a)).toStrictEqual(canonical(await store.getRun(fx.ids['run-a'] as string)));
      expect(latestMetric(a, 'acc')).toStrictEqual({ key: 'acc', value: 0.9, step: 1, timestamp: 1000 });
      expect(a.inputs.dataset_inputs?.[0]?.dataset.name).toBe('train');
    });

    it('selects runs by view type', async () => {
      expect(await search({ viewType: 'ACTIVE_ONLY' })).toEqual(['other', 'Run-C', 'run-b', 'run-a']);
      expect(await search({ viewType: 'DELETED_ONLY' })).toEqual(['gone']);
      expect(await search({ viewType: 'ALL' })).toEqual(['gone', 'other', 'Run-C', 'run-b', 'run-a']);
    });

    it('filters on the latest metric value with numeric comparators', async () => {
      const acc = (comparator: Comparison['comparator'], value: number) =>
        where(cmp('metric', 'acc', comparator, value));
      expect(await acc('>', 0.75)).toEqual(['run-a']);
      expect(await acc('>=', 0.7)).toEqual(['run-b', 'run-a']);
      expect(await acc('<', 0.8)).toEqual(['run-b']);
      expect(await acc('<=', 0.9)).toEqual(['run-b', 'run-a']);
      expect(await acc('=', 0.9)).toEqual(['run-a']);
      // The latest value counts, not history: run-a once logged 0.1 at step 0.
      expect(await acc('=', 0.1)).toEqual([]);
      // A run lacking the metric never matches; NaN only matches !=.
      expect(await acc('!=', 0.9)).toEqual(['Run-C', 'run-b']);
      expect(await acc('>', -MAX)).toEqual(['run-b', 'run-a']);
      expect(await where(cmp('metric', 'loss', '>=', 0))).toEqual(['run-a']);
      expect(await where(cmp('metric', 'nope', '<', 1e9))).toEqual([]);
    });

    it('filters on params with =, !=, LIKE, ILIKE, IS NULL and IS NOT NULL', async () => {
      expect(await where(cmp('param', 'lr', '=', '0.1'))).toEqual(['run-a']);
      expect(await where(cmp('param', 'lr', '!=', '0.1'))).toEqual(['run-b']);
      expect(await where(cmp('param', 'opt', 'LIKE', 'A%'))).toEqual(['run-a']);
      expect(await where(cmp('param', 'opt', 'LIKE', 'a%'))).toEqual([]);
      expect(await where(cmp('param', 'opt', 'LIKE', '_gd'))).toEqual(['run-b']);
      expect(await where(cmp('param', 'opt', 'ILIKE', 'a%'))).toEqual(['run-a']);
      expect(await where(cmp('param', 'opt', 'ILIKE', '%G%'))).toEqual(['run-b']);
      expect(await where(cmp('param', 'lr', 'IS NULL', null))).toEqual(['other', 'Run-C']);
      expect(await where(cmp('param', 'lr', 'IS NOT NULL', null))).toEqual(['run-b', 'run-a']);
      expect(await where(cmp('param', 'nope', '=', '0.1'))).toEqual([]);
    });

    it('filters on tags with =, !=, LIKE, ILIKE, IS NULL and IS NOT NULL', async () => {
      expect(await where(cmp('tag', 'team', '=', 'vision'))).toEqual(['run-b']);
      expect(await where(cmp('tag', 'team', '=', 'Vision'))).toEqual(['run-a']);
      expect(await where(cmp('tag', 'team', '!=', 'vision'))).toEqual(['run-a']);
      expect(await where(cmp('tag', 'team', 'LIKE', 'V%'))).toEqual(['run-a']);
      expect(await where(cmp('tag', 'team', 'ILIKE', 'V%'))).toEqual(['run-b', 'run-a']);
      expect(await where(cmp('tag', 'team', 'IS NULL', null))).toEqual(['other', 'Run-C']);
      expect(await where(cmp('tag', 'team', 'IS NOT NULL', null))).toEqual(['run-b', 'run-a']);
      expect(await where(cmp('tag', RUN_NAME_TAG, '=', 'run-b'))).toEqual(['run-b']);
    });

    it('filters on string attributes: run_name, status, user_id, artifact_uri', async () => {
      const attr = (key: string, comparator: Comparison['comparator'], value: string) =>
        where(cmp('attribute', key, comparator, value));
      expect(await attr('run_name', '=', 'run-a')).toEqual(['run-a']);
      expect(await attr('run_name', '!=', 'run-a')).toEqual(['other', 'Run-C', 'run-b']);
      expect(await attr('run_name', 'LIKE', 'run-%')).toEqual(['run-b', 'run-a']);
      expect(await attr('run_name', 'ILIKE', 'run-%')).toEqual(['Run-C', 'run-b', 'run-a']);
      expect(await attr('status', '=', 'FINISHED')).toEqual(['run-a']);
      expect(await attr('status', '!=', 'RUNNING')).toEqual(['Run-C', 'run-a']);
      expect(await attr('status', 'LIKE', 'F%')).toEqual(['Run-C', 'run-a']);
      expect(await attr('user_id', '=', 'alice')).toEqual(['Run-C', 'run-a']);
      expect(await attr('user_id', 'ILIKE', 'BO%')).toEqual(['run-b']);
      expect(await attr('artifact_uri', 'LIKE', `%${fx.ids['run-a']}%`)).toEqual(['run-a']);
    });

    it('filters on numeric attributes start_time and end_time', async () => {
      const attr = (key: string, comparator: Comparison['comparator'], value: number) =>
        cmp('attribute', key, comparator, value);
      expect(await where(attr('start_time', '>', 1500))).toEqual(['other', 'Run-C', 'run-b']);
      expect(await where(attr('start_time', '>=', 2000), attr('start_time', '<', 4000))).toEqual([
        'Run-C',
        'run-b',
      ]);
      expect(await where(attr('start_time', '=', 3000))).toEqual(['Run-C']);
      expect(await where(attr('start_time', '!=', 3000))).toEqual(['other', 'run-b', 'run-a']);
      expect(await where(attr('start_time', '<=', 1000))).toEqual(['run-a']);
      expect(await where(attr('end_time', '>', 0))).toEqual(['Run-C', 'run-a']);
      expect(await where(attr('end_time', '<', 2000))).toEqual(['run-a']);
    });

    it('filters on run_id with =, IN and NOT IN', async () => {
      const { ids } = fx;
      const a = ids['run-a'] as string;
      const c = ids['Run-C'] as string;
      expect(await where(cmp('attribute', 'run_id', '=', a))).toEqual(['run-a']);
      expect(await where(cmp('attribute', 'run_id', 'IN', [a, c]))).toEqual(['Run-C', 'run-a']);
      expect(await where(cmp('attribute', 'run_id', 'IN', [a, 'f'.repeat(32)]))).toEqual(['run-a']);
      expect(await where(cmp('attribute', 'run_id', 'NOT IN', [a, c]))).toEqual(['other', 'run-b']);
      expect(
        await search({
          filter: [cmp('attribute', 'run_id', 'IN', [ids['gone'] as string])],
          viewType: 'ALL',
        }),
      ).toEqual(['gone']);
    });

    it('filters on dataset name, digest and context', async () => {
      const ds = (key: string, comparator: Comparison['comparator'], value: string | string[]) =>
        where(cmp('dataset', key, comparator, value));
      expect(await ds('name', '=', 'train')).toEqual(['Run-C', 'run-a']);
      expect(await ds('name', '!=', 'train')).toEqual(['run-b']);
      expect(await ds('name', 'LIKE', 'tr%')).toEqual(['Run-C', 'run-a']);
      expect(await ds('name', 'ILIKE', 'EV%')).toEqual(['run-b']);
      expect(await ds('name', 'IN', ['train', 'eval'])).toEqual(['Run-C', 'run-b', 'run-a']);
      expect(await ds('name', 'NOT IN', ['train'])).toEqual(['run-b']);
      expect(await ds('digest', '=', 'd1')).toEqual(['run-a']);
      expect(await ds('digest', 'IN', ['d1', 'd2'])).toEqual(['run-b', 'run-a']);
      expect(await ds('context', '=', 'training')).toEqual(['Run-C', 'run-a']);
      expect(await ds('context', '=', 'eval')).toEqual(['run-b']);
      expect(await ds('context', 'IN', ['eval', 'training'])).toEqual(['Run-C', 'run-b', 'run-a']);
      expect(await ds('context', 'LIKE', 'train%')).toEqual(['Run-C', 'run-a']);
    });

    it('ANDs clauses of different kinds', async () => {
      expect(await where(cmp('metric', 'acc', '>', 0.5), cmp('param', 'opt', '=', 'sgd'))).toEqual(['run-b']);
      expect(await where(cmp('attribute', 'user_id', '=', 'alice'), cmp('metric', 'acc', '>', 0))).toEqual([
        'run-a',
      ]);
      expect(
        await where(
          cmp('dataset', 'name', '=', 'train'),
          cmp('tag', 'priority', 'IS NOT NULL', null),
          cmp('attribute', 'status', '=', 'FAILED'),
        ),
      ).toEqual(['Run-C']);
      expect(await where()).toEqual(['other', 'Run-C', 'run-b', 'run-a']);
      expect(
        await search({
          experimentIds: [fx.exp, fx.other],
          viewType: 'ALL',
          filter: [cmp('param', 'lr', '=', '0.1')],
        }),
      ).toEqual(['elsewhere', 'gone', 'run-a']);
    });

    it('orders by metrics with missing values last and NaN after numbers ascending, before descending', async () => {
      expect(await orderedBy(order('metric', 'acc', true))).toEqual(['run-b', 'run-a', 'Run-C', 'other']);
      expect(await orderedBy(order('metric', 'acc', false))).toEqual(['Run-C', 'run-a', 'run-b', 'other']);
      expect(await search({ orderBy: [order('metric', 'acc', true)], viewType: 'ALL' })).toEqual([
        'run-b',
        'gone',
        'run-a',
        'Run-C',
        'other',
      ]);
      // Two runs lack `loss`: they come last, in the default start_time DESC order.
      expect(await orderedBy(order('metric', 'loss', true))).toEqual(['run-a', 'run-b', 'other', 'Run-C']);
      expect(await orderedBy(order('metric', 'loss', false))).toEqual(['run-b', 'run-a', 'other', 'Run-C']);
    });

    it('orders by params and tags with missing values last', async () => {
      expect(await orderedBy(order('param', 'lr', true))).toEqual(['run-b', 'run-a', 'other', 'Run-C']);
      expect(await orderedBy(order('param', 'lr', false))).toEqual(['run-a', 'run-b', 'other', 'Run-C']);
      expect(await orderedBy(order('tag', 'priority', true))).toEqual(['run-b', 'run-a', 'Run-C', 'other']);
      expect(await orderedBy(order('tag', 'priority', false))).toEqual(['Run-C', 'run-a', 'run-b', 'other']);
    });

    it('orders by attributes, then start_time DESC, then run_id', async () => {
      expect(await orderedBy(order('attribute', 'start_time', true))).toEqual([
        'run-a',
        'run-b',
        'Run-C',
        'other',
      ]);
      expect(await orderedBy(order('attribute', 'start_time', false))).toEqual([
        'other',
        'Run-C',
        'run-b',
        'run-a',
      ]);
      expect(await orderedBy(order('attribute', 'user_id', true))).toEqual([
        'Run-C',
        'run-a',
        'run-b',
        'other',
      ]);
      expect(await orderedBy(order('attribute', 'user_id', false))).toEqual([
        'other',
        'run-b',
        'Run-C',
        'run-a',
      ]);
      expect(await orderedBy(order('attribute', 'status', true))).toEqual([
        'Run-C',
        'run-a',
        'other',
        'run-b',
      ]);
      expect(await orderedBy(order('attribute', 'end_time', true))).toEqual([
        'run-a',
        'Run-C',
        'other',
        'run-b',
      ]);
      expect(await orderedBy(order('attribute', 'end_time', false))).toEqual([
        'Run-C',
        'run-a',
        'other',
        'run-b',
      ]);
      expect(await orderedBy(order('attribute', 'user_id', true), order('metric', 'acc', true))).toEqual([
        'run-a',
        'Run-C',
        'run-b',
        'other',
      ]);
      expect(await orderedBy(order('attribute', 'user_id', true), order('metric', 'acc', false))).toEqual([
        'Run-C',
        'run-a',
        'run-b',
        'other',
      ]);
      const byId = await store.searchRuns({
        experimentIds: [fx.exp],
        maxResults: 100,
        orderBy: [order('attribute', 'run_id', false)],
      });
      const ids = byId.items.map((r) => r.info.run_id);
      expect(ids).toEqual([...ids].sort().reverse());
    });

    it('orders by the duration extension, with runs that have not ended last in both directions', async () => {
      // run-a and Run-C both lasted 500 ms: the start_time DESC tie-breaker puts Run-C first.
      expect(await orderedBy(order('attribute', 'duration', true))).toEqual([
        'Run-C',
        'run-a',
        'other',
        'run-b',
      ]);
      const timed = await store.createExperiment({ name: 'timed' });
      const lasting: Record<string, number> = { short: 10, long: 9000, middle: 300 };
      const names = new Map<string, string>();
      for (const [name, ms] of Object.entries(lasting)) {
        const id = await runId(timed, { runName: name, startTime: 10_000 + ms });
        await store.updateRun(id, { status: 'FINISHED', endTime: 10_000 + 2 * ms });
        names.set(id, name);
      }
      names.set(await runId(timed, { runName: 'running', startTime: 50 }), 'running');
      const byDuration = async (ascending: boolean) => {
        const page = await store.searchRuns({
          experimentIds: [timed],
          maxResults: 100,
          orderBy: [order('attribute', 'duration', ascending)],
        });
        return page.items.map((r) => names.get(r.info.run_id));
      };
      expect(await byDuration(true)).toEqual(['short', 'middle', 'long', 'running']);
      expect(await byDuration(false)).toEqual(['long', 'middle', 'short', 'running']);
      // Pages of one run each follow the same order.
      const paged = await allPages(1, (pageToken) =>
        store.searchRuns({
          experimentIds: [timed],
          maxResults: 1,
          orderBy: [order('attribute', 'duration', false)],
          ...(pageToken ? { pageToken } : {}),
        }),
      );
      expect(paged.items.map((r) => names.get(r.info.run_id))).toEqual([
        'long',
        'middle',
        'short',
        'running',
      ]);
    });

    it('breaks start_time ties by run_id ascending', async () => {
      const tied = await store.createExperiment({ name: 'tied' });
      const ids = [];
      for (const _ of range(5)) ids.push(await runId(tied, { startTime: 7777 }));
      ids.push(await runId(tied, { startTime: 9999 }));
      const expected = [ids[5], ...ids.slice(0, 5).sort()];
      const page = await store.searchRuns({ experimentIds: [tied], maxResults: 100 });
      expect(page.items.map((r) => r.info.run_id)).toEqual(expected);
      const asc = await store.searchRuns({
        experimentIds: [tied],
        maxResults: 100,
        orderBy: [order('attribute', 'start_time', true)],
      });
      expect(asc.items.map((r) => r.info.run_id)).toEqual([...ids.slice(0, 5).sort(), ids[5]]);
    });

    it('pages through results with tokens, without duplicates or gaps', async () => {
      const cases: { filter?: Filter; orderBy?: OrderBy[]; viewType?: ViewType; experimentIds?: string[] }[] =
        [
          {},
          { viewType: 'ALL', experimentIds: [fx.exp, fx.other] },
          { orderBy: [order('metric', 'acc', false)], viewType: 'ALL' },
          { orderBy: [order('param', 'lr', true)], filter: [cmp('attribute', 'user_id', '!=', 'nobody')] },
        ];
      for (const query of cases) {
        const full = await store.searchRuns({ experimentIds: [fx.exp], maxResults: 1000, ...query });
        const total = full.items.length;
        expect(total).toBeGreaterThanOrEqual(4);
        for (const size of [1, 2, 3, total]) {
          const paged = await allPages(size, (pageToken) =>
            store.searchRuns({
              experimentIds: [fx.exp],
              maxResults: size,
              ...query,
              ...(pageToken ? { pageToken } : {}),
            }),
          );
          expect(paged.pages).toBe(Math.ceil(total / size));
          const ids = paged.items.map((r) => r.info.run_id);
          expect(new Set(ids).size).toBe(total);
          expect(ids).toEqual(full.items.map((r) => r.info.run_id));
        }
      }
      await expectFerryError(
        store.searchRuns({ experimentIds: [fx.exp], maxResults: 10, pageToken: '%%%' }),
        'INVALID_PARAMETER_VALUE',
        'Invalid page token',
      );
    });
  });
});
