import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RUN_NAME_TAG, RUN_STATUSES } from '@ferry/core';
import type {
  Comparison,
  Dataset,
  DatasetInput,
  Filter,
  LogBatch,
  Metric,
  OrderBy,
  Run,
  Tag,
  ViewType,
} from '@ferry/core';
import type { CreateRunInput, SqlTrackingStore } from '../src/index.js';
import { BACKENDS } from './backends.js';
import type { OpenedStore } from './backends.js';
import {
  allPages,
  expectFerryError,
  latestMetric,
  metric,
  paramsOf,
  points,
  sortByKey,
  tagsOf,
} from './helpers.js';

const MAX = Number.MAX_VALUE;

/** Freezes Date.now() (and only Date: timers and I/O keep running) so stored times are known exactly. */
function freezeTime(ms: number): void {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(ms);
}

function cmp(
  type: Comparison['type'],
  key: string,
  comparator: Comparison['comparator'],
  value: Comparison['value'],
) {
  return { type, key, comparator, value } satisfies Comparison;
}

function order(type: OrderBy['type'], key: string, ascending: boolean): OrderBy {
  return { type, key, ascending };
}

function dataset(name: string, digest: string, extra: Partial<Dataset> = {}): Dataset {
  return { name, digest, source_type: 'local', source: `file:///data/${name}`, ...extra };
}

/** A run with its lists in a canonical order, for comparing two reads of the same run. */
function canonical(run: Run): Run {
  return {
    ...run,
    data: {
      ...run.data,
      ...(run.data.metrics ? { metrics: sortByKey(run.data.metrics) } : {}),
      ...(run.data.params ? { params: sortByKey(run.data.params) } : {}),
      ...(run.data.tags ? { tags: sortByKey(run.data.tags) } : {}),
    },
  };
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe.each(BACKENDS)('TrackingStore conformance on $name', (backend) => {
  let opened: OpenedStore | undefined;
  let store: SqlTrackingStore;

  beforeEach(async () => {
    opened = undefined;
    opened = await backend.create();
    store = opened.store;
  });

  afterEach(async () => {
    vi.useRealTimers();
    await opened?.cleanup();
  });

  const createRun = (experimentId: string, input: Partial<CreateRunInput> = {}): Promise<Run> =>
    store.createRun({ experimentId, ...input });
  const runId = async (experimentId: string, input: Partial<CreateRunInput> = {}): Promise<string> =>
    (await createRun(experimentId, input)).info.run_id;

  // ------------------------------------------------------------------------------------------------
  describe('experiments', () => {
    it('has the Default experiment with id 0, active, and findable by name', async () => {
      const exp = await store.getExperiment('0');
      expect(exp).toMatchObject({ experiment_id: '0', name: 'Default', lifecycle_stage: 'active' });
      expect(exp.creation_time).toEqual(expect.any(Number));
      expect(exp.last_update_time).toEqual(expect.any(Number));
      expect(await store.getExperimentByName('Default')).toEqual(exp);
      const page = await store.searchExperiments({ maxResults: 10 });
      expect(page.items.map((e) => e.experiment_id)).toEqual(['0']);
      expect(page.nextPageToken).toBeUndefined();
    });

    it('gives the Default experiment, and runs in it, locations under the default artifact root', async () => {
      // MLflow creates experiment 0 with artifact_location `<default-artifact-root>/0`.
      expect((await store.getExperiment('0')).artifact_location).toBe('mlflow-artifacts:/0');
      const run = await createRun('0', { startTime: 1 });
      expect(run.info.artifact_uri).toBe(`mlflow-artifacts:/0/${run.info.run_id}/artifacts`);
    });

    it('creates experiments with new integer ids, default artifact locations and no tags', async () => {
      freezeTime(1_700_000_000_000);
      const id1 = await store.createExperiment({ name: 'first' });
      const id2 = await store.createExperiment({ name: 'second' });
      expect(id1).toMatch(/^[1-9]\d*$/);
      expect(id2).toMatch(/^[1-9]\d*$/);
      expect(Number(id2)).toBeGreaterThan(Number(id1));
      expect(await store.getExperiment(id1)).toStrictEqual({
        experiment_id: id1,
        name: 'first',
        artifact_location: `mlflow-artifacts:/${id1}`,
        lifecycle_stage: 'active',
        creation_time: 1_700_000_000_000,
        last_update_time: 1_700_000_000_000,
      });
      expect((await store.getExperiment(id2)).artifact_location).toBe(`mlflow-artifacts:/${id2}`);
    });

    it('keeps an explicit artifact location and derives run artifact URIs from it', async () => {
      const id = await store.createExperiment({ name: 'custom', artifactLocation: 's3://bucket/prefix' });
      expect((await store.getExperiment(id)).artifact_location).toBe('s3://bucket/prefix');
      const run = await createRun(id);
      expect(run.info.artifact_uri).toBe(`s3://bucket/prefix/${run.info.run_id}/artifacts`);
    });

    it('rejects runs: URIs and over-long artifact locations, creating nothing', async () => {
      await expectFerryError(
        store.createExperiment({ name: 'bad', artifactLocation: 'runs:/0123/model' }),
        'INVALID_PARAMETER_VALUE',
        'runs:',
      );
      await expectFerryError(
        store.createExperiment({ name: 'long', artifactLocation: `s3://${'a'.repeat(2050)}` }),
        'INVALID_PARAMETER_VALUE',
      );
      await expectFerryError(store.getExperimentByName('bad'), 'RESOURCE_DOES_NOT_EXIST');
      await expectFerryError(store.getExperimentByName('long'), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('stores tags given at creation', async () => {
      const id = await store.createExperiment({
        name: 'tagged',
        tags: [
          { key: 'team', value: 'ml' },
          { key: 'mlflow.note.content', value: 'hello' },
        ],
      });
      expect(sortByKey((await store.getExperiment(id)).tags)).toEqual([
        { key: 'mlflow.note.content', value: 'hello' },
        { key: 'team', value: 'ml' },
      ]);
      expect(sortByKey((await store.getExperimentByName('tagged')).tags)).toHaveLength(2);
    });

    it('validates the experiment name length', async () => {
      await expectFerryError(
        store.createExperiment({ name: 'n'.repeat(501) }),
        'INVALID_PARAMETER_VALUE',
        "'name' exceeds the maximum length of 500 characters",
      );
      const id = await store.createExperiment({ name: 'n'.repeat(500) });
      expect((await store.getExperiment(id)).name).toHaveLength(500);
    });

    it('rejects a duplicate name with RESOURCE_ALREADY_EXISTS, also when the holder is deleted', async () => {
      const id = await store.createExperiment({ name: 'dup' });
      await expectFerryError(store.createExperiment({ name: 'dup' }), 'RESOURCE_ALREADY_EXISTS', 'dup');
      await expectFerryError(store.createExperiment({ name: 'Default' }), 'RESOURCE_ALREADY_EXISTS');
      await store.deleteExperiment(id);
      await expectFerryError(store.createExperiment({ name: 'dup' }), 'RESOURCE_ALREADY_EXISTS');
      // Names are case-sensitive.
      const other = await store.createExperiment({ name: 'DUP' });
      expect(other).not.toBe(id);
      const all = await store.searchExperiments({ maxResults: 100, viewType: 'ALL' });
      expect(all.items.map((e) => e.name).sort()).toEqual(['DUP', 'Default', 'dup']);
    });

    it('finds experiments by name, deleted ones included', async () => {
      const id = await store.createExperiment({ name: 'by-name' });
      expect((await store.getExperimentByName('by-name')).experiment_id).toBe(id);
      await store.deleteExperiment(id);
      expect(await store.getExperimentByName('by-name')).toMatchObject({
        experiment_id: id,
        lifecycle_stage: 'deleted',
      });
      await expectFerryError(
        store.getExperimentByName('nope'),
        'RESOURCE_DOES_NOT_EXIST',
        "Could not find experiment with name 'nope'",
      );
      await expectFerryError(store.getExperimentByName('BY-NAME'), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('rejects experiment ids that are not integers with INVALID_PARAMETER_VALUE', async () => {
      const message = "Invalid experiment ID 'abc'. Experiment ID must be a valid integer.";
      const calls: (() => Promise<unknown>)[] = [
        () => store.getExperiment('abc'),
        () => store.renameExperiment('abc', 'x'),
        () => store.deleteExperiment('abc'),
        () => store.restoreExperiment('abc'),
        () => store.setExperimentTag('abc', { key: 'k', value: 'v' }),
        () => store.deleteExperimentTag('abc', 'k'),
        () => store.createRun({ experimentId: 'abc' }),
        () => store.searchRuns({ experimentIds: ['0', 'abc'], maxResults: 10 }),
      ];
      for (const call of calls) await expectFerryError(call(), 'INVALID_PARAMETER_VALUE', message);
      await expectFerryError(store.getExperiment('1.5'), 'INVALID_PARAMETER_VALUE');
      await expectFerryError(store.getExperiment('0x1'), 'INVALID_PARAMETER_VALUE');
    });

    it('reports unknown experiments with RESOURCE_DOES_NOT_EXIST', async () => {
      await expectFerryError(
        store.getExperiment('999999'),
        'RESOURCE_DOES_NOT_EXIST',
        'No Experiment with id=999999 exists',
      );
      const calls: (() => Promise<unknown>)[] = [
        () => store.renameExperiment('999999', 'x'),
        () => store.deleteExperiment('999999'),
        () => store.restoreExperiment('999999'),
        () => store.setExperimentTag('999999', { key: 'k', value: 'v' }),
        () => store.deleteExperimentTag('999999', 'k'),
        () => store.createRun({ experimentId: '999999' }),
      ];
      for (const call of calls) await expectFerryError(call(), 'RESOURCE_DOES_NOT_EXIST', 'id=999999');
    });

    it('reports integer experiment ids beyond the 64-bit range as unknown, on every backend', async () => {
      // No experiment can have these ids; the answer must be a FerryError, not a driver error.
      for (const id of ['99999999999999999999', '9223372036854775807', '-9223372036854775809']) {
        await expectFerryError(
          store.getExperiment(id),
          'RESOURCE_DOES_NOT_EXIST',
          `No Experiment with id=${id}`,
        );
        await expectFerryError(store.createRun({ experimentId: id }), 'RESOURCE_DOES_NOT_EXIST');
        const page = await store.searchRuns({ experimentIds: [id], maxResults: 10 });
        expect(page.items).toEqual([]);
      }
    });

    it('renames active experiments, freeing the old name and bumping last_update_time', async () => {
      freezeTime(1_000_000);
      const id = await store.createExperiment({ name: 'old' });
      freezeTime(2_000_000);
      await store.renameExperiment(id, 'new');
      expect(await store.getExperiment(id)).toMatchObject({
        name: 'new',
        creation_time: 1_000_000,
        last_update_time: 2_000_000,
      });
      expect((await store.getExperimentByName('new')).experiment_id).toBe(id);
      await expectFerryError(store.getExperimentByName('old'), 'RESOURCE_DOES_NOT_EXIST');
      const reused = await store.createExperiment({ name: 'old' });
      expect(reused).not.toBe(id);
    });

    it('rejects renaming to a taken name, too long a name, or a deleted experiment', async () => {
      const id = await store.createExperiment({ name: 'mine' });
      await store.createExperiment({ name: 'taken' });
      await expectFerryError(store.renameExperiment(id, 'taken'), 'RESOURCE_ALREADY_EXISTS', 'taken');
      await expectFerryError(store.renameExperiment(id, 'x'.repeat(501)), 'INVALID_PARAMETER_VALUE');
      expect((await store.getExperiment(id)).name).toBe('mine');

      await store.deleteExperiment(id);
      await expectFerryError(
        store.renameExperiment(id, 'renamed'),
        'INVALID_STATE',
        'Cannot rename a non-active experiment.',
      );
      expect((await store.getExperiment(id)).name).toBe('mine');
    });

    it('soft-deletes an experiment with its runs and restores both', async () => {
      freezeTime(1_000_000);
      const id = await store.createExperiment({ name: 'doomed' });
      const kept = await store.createExperiment({ name: 'kept' });
      const r1 = await runId(id, { startTime: 10 });
      const r2 = await runId(id, { startTime: 20 });
      const rk = await runId(kept, { startTime: 30 });
      await store.deleteRun(r2);

      freezeTime(2_000_000);
      await store.deleteExperiment(id);
      expect(await store.getExperiment(id)).toMatchObject({
        lifecycle_stage: 'deleted',
        last_update_time: 2_000_000,
        creation_time: 1_000_000,
      });
      expect((await store.getRun(r1)).info.lifecycle_stage).toBe('deleted');
      expect((await store.getRun(r2)).info.lifecycle_stage).toBe('deleted');
      expect((await store.getRun(rk)).info.lifecycle_stage).toBe('active');
      expect((await store.searchRuns({ experimentIds: [id], maxResults: 10 })).items).toEqual([]);
      const deleted = await store.searchRuns({
        experimentIds: [id],
        maxResults: 10,
        viewType: 'DELETED_ONLY',
      });
      expect(deleted.items.map((r) => r.info.run_id)).toEqual([r2, r1]);
      await expectFerryError(
        store.createRun({ experimentId: id }),
        'INVALID_PARAMETER_VALUE',
        `The experiment ${id} must be in the 'active' state`,
      );
      await expectFerryError(
        store.logBatch(r1, { metrics: [metric('m', 1)] }),
        'INVALID_PARAMETER_VALUE',
        `The run ${r1} must be in the 'active' state. Current state is deleted.`,
      );

      freezeTime(3_000_000);
      await store.restoreExperiment(id);
      expect(await store.getExperiment(id)).toMatchObject({
        lifecycle_stage: 'active',
        last_update_time: 3_000_000,
      });
      // MLflow's restore marks every run of the experiment active again.
      expect((await store.getRun(r1)).info.lifecycle_stage).toBe('active');
      expect((await store.getRun(r2)).info.lifecycle_stage).toBe('active');
      const active = await store.searchRuns({ experimentIds: [id], maxResults: 10 });
      expect(active.items.map((r) => r.info.run_id)).toEqual([r2, r1]);
      await store.logBatch(r1, { metrics: [metric('m', 1)] });
      await createRun(id);
    });

    it('sets, overwrites and deletes experiment tags', async () => {
      const id = await store.createExperiment({ name: 'tags' });
      await store.setExperimentTag(id, { key: 'team', value: 'a' });
      await store.setExperimentTag(id, { key: 'team', value: 'b' });
      await store.setExperimentTag(id, { key: 'mlflow.note.content', value: '' });
      expect(sortByKey((await store.getExperiment(id)).tags)).toEqual([
        { key: 'mlflow.note.content', value: '' },
        { key: 'team', value: 'b' },
      ]);

      await store.deleteExperimentTag(id, 'team');
      expect((await store.getExperiment(id)).tags).toEqual([{ key: 'mlflow.note.content', value: '' }]);
      await expectFerryError(
        store.deleteExperimentTag(id, 'team'),
        'RESOURCE_DOES_NOT_EXIST',
        `No tag with name: team in experiment with id ${id}`,
      );
      await store.deleteExperimentTag(id, 'mlflow.note.content');
      expect((await store.getExperiment(id)).tags).toBeUndefined();
    });

    it('validates experiment tags (no truncation) and requires an active experiment', async () => {
      const id = await store.createExperiment({ name: 'tag-rules' });
      await expectFerryError(
        store.setExperimentTag(id, { key: 'a*b', value: 'v' }),
        'INVALID_PARAMETER_VALUE',
      );
      await expectFerryError(
        store.setExperimentTag(id, { key: '../x', value: 'v' }),
        'INVALID_PARAMETER_VALUE',
      );
      await expectFerryError(
        store.setExperimentTag(id, { key: 'k'.repeat(251), value: 'v' }),
        'INVALID_PARAMETER_VALUE',
      );
      await expectFerryError(
        store.setExperimentTag(id, { key: 'k', value: 'v'.repeat(5001) }),
        'INVALID_PARAMETER_VALUE',
        '5000',
      );
      await expectFerryError(
        store.createExperiment({ name: 'bad-tags', tags: [{ key: 'a*b', value: 'v' }] }),
        'INVALID_PARAMETER_VALUE',
      );
      await expectFerryError(store.getExperimentByName('bad-tags'), 'RESOURCE_DOES_NOT_EXIST');
      expect((await store.getExperiment(id)).tags).toBeUndefined();

      await store.setExperimentTag(id, { key: 'k'.repeat(250), value: 'v'.repeat(5000) });
      expect((await store.getExperiment(id)).tags?.[0]?.value).toHaveLength(5000);

      await store.deleteExperiment(id);
      await expectFerryError(store.setExperimentTag(id, { key: 'k', value: 'v' }), 'INVALID_PARAMETER_VALUE');
      await expectFerryError(store.deleteExperimentTag(id, 'k'.repeat(250)), 'INVALID_PARAMETER_VALUE');
    });
  });

  // ------------------------------------------------------------------------------------------------
  describe('searchExperiments', () => {
    const names = async (input: { filter?: Filter; orderBy?: OrderBy[]; viewType?: ViewType }) =>
      (await store.searchExperiments({ maxResults: 1000, ...input })).items.map((e) => e.name);
    const sortedNames = async (filter: Filter, viewType?: ViewType) =>
      (await names(viewType ? { filter, viewType } : { filter })).sort();

    it('selects experiments by view type (ACTIVE_ONLY by default)', async () => {
      const a = await store.createExperiment({ name: 'view-a' });
      const b = await store.createExperiment({ name: 'view-b' });
      const c = await store.createExperiment({ name: 'view-c' });
      await store.deleteExperiment(b);
      const ids = async (viewType?: ViewType) =>
        (await store.searchExperiments(viewType ? { maxResults: 100, viewType } : { maxResults: 100 })).items
          .map((e) => e.experiment_id)
          .sort((x, y) => Number(x) - Number(y));
      expect(await ids()).toEqual(['0', a, c]);
      expect(await ids('ACTIVE_ONLY')).toEqual(['0', a, c]);
      expect(await ids('DELETED_ONLY')).toEqual([b]);
      expect(await ids('ALL')).toEqual(['0', a, b, c]);
      const deleted = await store.searchExperiments({ maxResults: 10, viewType: 'DELETED_ONLY' });
      expect(deleted.items[0]).toMatchObject({ name: 'view-b', lifecycle_stage: 'deleted' });
    });

    it('returns tags with each experiment', async () => {
      await store.createExperiment({ name: 'with-tags', tags: [{ key: 'k', value: 'v' }] });
      const page = await store.searchExperiments({
        maxResults: 10,
        filter: [cmp('attribute', 'name', '=', 'with-tags')],
      });
      expect(page.items).toHaveLength(1);
      expect(page.items[0]?.tags).toEqual([{ key: 'k', value: 'v' }]);
    });

    it('filters on name with =, !=, case-sensitive LIKE and ILIKE', async () => {
      for (const name of ['alpha-Exp', 'beta-exp', 'Gamma', 'gamma_2'])
        await store.createExperiment({ name });
      const byName = (comparator: Comparison['comparator'], value: string) =>
        sortedNames([cmp('attribute', 'name', comparator, value)]);
      expect(await byName('=', 'Gamma')).toEqual(['Gamma']);
      expect(await byName('=', 'gamma')).toEqual([]);
      expect(await byName('!=', 'Gamma')).toEqual(['Default', 'alpha-Exp', 'beta-exp', 'gamma_2']);
      expect(await byName('LIKE', '%exp')).toEqual(['beta-exp']);
      expect(await byName('LIKE', '%Exp')).toEqual(['alpha-Exp']);
      expect(await byName('LIKE', 'gamma%')).toEqual(['gamma_2']);
      expect(await byName('LIKE', 'Gamm_')).toEqual(['Gamma']);
      expect(await byName('ILIKE', '%EXP')).toEqual(['alpha-Exp', 'beta-exp']);
      expect(await byName('ILIKE', 'GAMMA%')).toEqual(['Gamma', 'gamma_2']);
      expect(await byName('ILIKE', 'default')).toEqual(['Default']);
    });

    it('filters on creation_time and last_update_time with numeric comparators', async () => {
      freezeTime(1_000_000);
      await store.createExperiment({ name: 'ct-a' });
      freezeTime(2_000_000);
      await store.createExperiment({ name: 'ct-b' });
      freezeTime(3_000_000);
      await store.createExperiment({ name: 'ct-c' });
      freezeTime(4_000_000);
      await store.setExperimentTag((await store.getExperimentByName('ct-a')).experiment_id, {
        key: 'k',
        value: 'v',
      });
      await store.renameExperiment((await store.getExperimentByName('ct-a')).experiment_id, 'ct-a2');

      const ours = cmp('attribute', 'name', 'LIKE', 'ct-%');
      const byTime = (key: string, comparator: Comparison['comparator'], value: number) =>
        sortedNames([ours, cmp('attribute', key, comparator, value)]);
      expect(await byTime('creation_time', '>', 1_500_000)).toEqual(['ct-b', 'ct-c']);
      expect(await byTime('creation_time', '>=', 2_000_000)).toEqual(['ct-b', 'ct-c']);
      expect(await byTime('creation_time', '<', 2_000_000)).toEqual(['ct-a2']);
      expect(await byTime('creation_time', '<=', 2_000_000)).toEqual(['ct-a2', 'ct-b']);
      expect(await byTime('creation_time', '=', 2_000_000)).toEqual(['ct-b']);
      expect(await byTime('creation_time', '!=', 2_000_000)).toEqual(['ct-a2', 'ct-c']);
      expect(await byTime('last_update_time', '>', 3_500_000)).toEqual(['ct-a2']);
      expect(await byTime('last_update_time', '=', 3_000_000)).toEqual(['ct-c']);
    });

    it('filters on tags with =, !=, LIKE, ILIKE, IS NULL and IS NOT NULL, clauses ANDed', async () => {
      await store.createExperiment({
        name: 'e1',
        tags: [
          { key: 'team', value: 'Vision' },
          { key: 'stage', value: 'prod' },
        ],
      });
      await store.createExperiment({ name: 'e2', tags: [{ key: 'team', value: 'vision' }] });
      await store.createExperiment({ name: 'e3', tags: [{ key: 'mlflow.note.content', value: 'x' }] });
      const byTag = (...filter: Filter) => sortedNames(filter);
      expect(await byTag(cmp('tag', 'team', '=', 'vision'))).toEqual(['e2']);
      expect(await byTag(cmp('tag', 'team', '!=', 'vision'))).toEqual(['e1']);
      expect(await byTag(cmp('tag', 'team', 'LIKE', 'V%'))).toEqual(['e1']);
      expect(await byTag(cmp('tag', 'team', 'ILIKE', 'V%'))).toEqual(['e1', 'e2']);
      expect(await byTag(cmp('tag', 'team', 'IS NULL', null))).toEqual(['Default', 'e3']);
      expect(await byTag(cmp('tag', 'team', 'IS NOT NULL', null))).toEqual(['e1', 'e2']);
      expect(await byTag(cmp('tag', 'mlflow.note.content', '=', 'x'))).toEqual(['e3']);
      expect(await byTag(cmp('tag', 'team', 'ILIKE', 'vision'), cmp('tag', 'stage', '=', 'prod'))).toEqual([
        'e1',
      ]);
      expect(await byTag(cmp('tag', 'team', '=', 'vision'), cmp('attribute', 'name', '=', 'e1'))).toEqual([]);
      expect(await byTag(cmp('tag', 'nope', '=', 'x'))).toEqual([]);
    });

    it('orders by creation_time DESC, experiment_id ASC by default', async () => {
      freezeTime(1_000_000);
      const b = await store.createExperiment({ name: 'ord-b' });
      freezeTime(2_000_000);
      const c = await store.createExperiment({ name: 'ord-c' });
      const a = await store.createExperiment({ name: 'ord-a' });
      expect(Number(b)).toBeLessThan(Number(c));
      expect(Number(c)).toBeLessThan(Number(a));
      const ours = [cmp('attribute', 'name', 'LIKE', 'ord-%')];
      expect(await names({ filter: ours })).toEqual(['ord-c', 'ord-a', 'ord-b']);
      // The Default experiment was created at migration time, long after the frozen clock.
      expect(await names({})).toEqual(['Default', 'ord-c', 'ord-a', 'ord-b']);
    });

    it('orders by name, experiment_id, creation_time and last_update_time, several keys in turn', async () => {
      freezeTime(1_000_000);
      await store.createExperiment({ name: 'ord-b' });
      freezeTime(2_000_000);
      await store.createExperiment({ name: 'ord-c' });
      freezeTime(3_000_000);
      await store.createExperiment({ name: 'ord-a' });
      freezeTime(4_000_000);
      await store.renameExperiment((await store.getExperimentByName('ord-b')).experiment_id, 'ord-b2');
      const ours = [cmp('attribute', 'name', 'LIKE', 'ord-%')];
      const ordered = (...orderBy: OrderBy[]) => names({ filter: ours, orderBy });
      expect(await ordered(order('attribute', 'name', true))).toEqual(['ord-a', 'ord-b2', 'ord-c']);
      expect(await ordered(order('attribute', 'name', false))).toEqual(['ord-c', 'ord-b2', 'ord-a']);
      expect(await ordered(order('attribute', 'experiment_id', true))).toEqual(['ord-b2', 'ord-c', 'ord-a']);
      expect(await ordered(order('attribute', 'experiment_id', false))).toEqual(['ord-a', 'ord-c', 'ord-b2']);
      expect(await ordered(order('attribute', 'creation_time', true))).toEqual(['ord-b2', 'ord-c', 'ord-a']);
      expect(await ordered(order('attribute', 'creation_time', false))).toEqual(['ord-a', 'ord-c', 'ord-b2']);
      expect(await ordered(order('attribute', 'last_update_time', false))).toEqual([
        'ord-b2',
        'ord-a',
        'ord-c',
      ]);
      expect(await ordered(order('attribute', 'last_update_time', true))).toEqual([
        'ord-c',
        'ord-a',
        'ord-b2',
      ]);
    });

    it('breaks ties with experiment_id DESC when order_by does not name experiment_id (as MLflow)', async () => {
      freezeTime(1_000_000);
      const x = await store.createExperiment({ name: 'tie-x' });
      const y = await store.createExperiment({ name: 'tie-y' });
      const z = await store.createExperiment({ name: 'tie-z' });
      const ours = [cmp('attribute', 'name', 'LIKE', 'tie-%')];
      const ids = async (...orderBy: OrderBy[]) =>
        (await store.searchExperiments({ maxResults: 10, filter: ours, orderBy })).items.map(
          (e) => e.experiment_id,
        );
      // mlflow/store/tracking/sqlalchemy_store.py appends `experiment_id DESC` as the tie-breaker.
      expect(await ids(order('attribute', 'creation_time', true))).toEqual([z, y, x]);
      expect(await ids(order('attribute', 'creation_time', false))).toEqual([z, y, x]);
      expect(
        await ids(order('attribute', 'creation_time', false), order('attribute', 'experiment_id', true)),
      ).toEqual([x, y, z]);
    });

    it('pages through results with tokens, without duplicates or gaps', async () => {
      for (const i of range(7)) {
        freezeTime(1_000_000 + (i % 3) * 1000);
        await store.createExperiment({ name: `page-${i}` });
      }
      freezeTime(2_000_000);
      await store.deleteExperiment((await store.getExperimentByName('page-3')).experiment_id);
      const cases: { filter?: Filter; orderBy?: OrderBy[]; viewType?: ViewType; total: number }[] = [
        { total: 7 },
        { viewType: 'ALL', total: 8 },
        { filter: [cmp('attribute', 'name', 'LIKE', 'page-%')], total: 6 },
        { orderBy: [order('attribute', 'name', false)], viewType: 'ALL', total: 8 },
        { orderBy: [order('attribute', 'creation_time', true)], total: 7 },
      ];
      for (const { total, ...query } of cases) {
        const full = await store.searchExperiments({ maxResults: 1000, ...query });
        expect(full.items).toHaveLength(total);
        expect(full.nextPageToken).toBeUndefined();
        for (const size of [1, 3, total]) {
          const paged = await allPages(size, (pageToken) =>
            store.searchExperiments({ maxResults: size, ...query, ...(pageToken ? { pageToken } : {}) }),
          );
          expect(paged.pages).toBe(Math.ceil(total / size));
          const ids = paged.items.map((e) => e.experiment_id);
          expect(new Set(ids).size).toBe(ids.length);
          expect(ids).toEqual(full.items.map((e) => e.experiment_id));
        }
      }
    });

    it('rejects malformed page tokens', async () => {
      await expectFerryError(
        store.searchExperiments({ maxResults: 10, pageToken: 'not a token!' }),
        'INVALID_PARAMETER_VALUE',
        'Invalid page token',
      );
      await expectFerryError(
        store.searchExperiments({ maxResults: 10, pageToken: Buffer.from('{"nope": 1}').toString('base64') }),
        'INVALID_PARAMETER_VALUE',
        'Invalid page token',
      );
    });
  });

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
            model_id: 'm-1',
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
      // Dataset and model context is accepted; history keeps the point (MLflow keeps the context with
      // logged models, not in metric history).
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
