import { describe, expect, it } from 'vitest';
import type { Comparison, Filter, OrderBy, ViewType } from '@ferry/core';
import { BACKENDS } from './backends.js';
import {
  allPages,
  cmp,
  expectFerryError,
  freezeTime,
  metric,
  order,
  range,
  runMakers,
  sortByKey,
  useFreshStore,
} from './helpers.js';

describe.each(BACKENDS)('TrackingStore conformance on $name', (backend) => {
  const { store } = useFreshStore(backend);
  const { createRun, runId } = runMakers(store);

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
});
