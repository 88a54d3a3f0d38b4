import { describe, expect, it } from 'vitest';
import type { ModelVersion, RegisteredModel } from '@ferry/core';
import { SqlRegistryStore } from '../src/index.js';
import { BACKENDS, newStore } from './backends.js';
import { allPages, cmp, expectFerryError, freezeTime, order, range, useFreshStore } from './helpers.js';

const versionsOf = (mvs: ModelVersion[]) => mvs.map((mv) => `${mv.version}:${mv.current_stage}`);
const names = (models: RegisteredModel[]) => models.map((m) => m.name);

describe.each(BACKENDS)('model registry on $name', (backend) => {
  const fresh = useFreshStore(backend);
  const registry = () => new SqlRegistryStore(fresh.store);

  const source = 'mlflow-artifacts:/1/abc/artifacts/model';
  async function modelWithVersions(name: string, count: number): Promise<SqlRegistryStore> {
    const reg = registry();
    await reg.createRegisteredModel({ name });
    for (const _ of range(count)) await reg.createModelVersion({ name, source });
    return reg;
  }

  describe('registered models', () => {
    it('creates a model with tags and description, and reads it back', async () => {
      freezeTime(1_700_000_000_000);
      const reg = registry();
      const created = await reg.createRegisteredModel({
        name: 'churn',
        description: 'predicts churn',
        tags: [
          { key: 'team', value: 'a' },
          { key: 'team', value: 'b' },
        ],
      });
      expect(created).toEqual({
        name: 'churn',
        creation_timestamp: 1_700_000_000_000,
        last_updated_timestamp: 1_700_000_000_000,
        description: 'predicts churn',
        tags: [{ key: 'team', value: 'b' }],
      });
      expect(await reg.getRegisteredModel('churn')).toEqual(created);
    });

    it("rejects duplicates, unknown names and names with '/' or ':' with MLflow's errors", async () => {
      const reg = registry();
      await reg.createRegisteredModel({ name: 'm' });
      await expectFerryError(
        reg.createRegisteredModel({ name: 'm' }),
        'RESOURCE_ALREADY_EXISTS',
        'Registered Model (name=m) already exists.',
      );
      await expectFerryError(
        reg.getRegisteredModel('nope'),
        'RESOURCE_DOES_NOT_EXIST',
        'Registered Model with name=nope not found',
      );
      await expectFerryError(
        reg.createRegisteredModel({ name: 'a/b' }),
        'INVALID_PARAMETER_VALUE',
        "Invalid model name 'a/b'. Names cannot contain '/' or ':'.",
      );
      await expectFerryError(
        reg.createRegisteredModel({ name: '  ' }),
        'INVALID_PARAMETER_VALUE',
        /Missing value/,
      );
      await expectFerryError(reg.createRegisteredModel({ name: '..' }), 'INVALID_PARAMETER_VALUE', /resolve/);
    });

    it('renames a model with its versions, tags and aliases, and refuses a taken name', async () => {
      const reg = await modelWithVersions('old', 2);
      await reg.setRegisteredModelTag('old', { key: 'k', value: 'v' });
      await reg.setRegisteredModelAlias('old', 'champion', 2);
      await reg.createRegisteredModel({ name: 'taken' });
      await expectFerryError(reg.renameRegisteredModel('old', 'taken'), 'RESOURCE_ALREADY_EXISTS');

      const renamed = await reg.renameRegisteredModel('old', 'new');
      expect(renamed.name).toBe('new');
      expect(renamed.tags).toEqual([{ key: 'k', value: 'v' }]);
      expect(renamed.aliases).toEqual([{ alias: 'champion', version: '2' }]);
      expect((await reg.getModelVersion('new', 1)).name).toBe('new');
      expect((await reg.getModelVersionByAlias('new', 'champion')).version).toBe('2');
      await expectFerryError(reg.getRegisteredModel('old'), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('updates the description and the update time', async () => {
      const reg = registry();
      freezeTime(1000);
      await reg.createRegisteredModel({ name: 'm', description: 'a' });
      freezeTime(2000);
      const updated = await reg.updateRegisteredModel('m', 'b');
      expect(updated).toMatchObject({
        description: 'b',
        creation_timestamp: 1000,
        last_updated_timestamp: 2000,
      });
    });

    it('deletes a model with every version, tag and alias; the name can be used again', async () => {
      const reg = await modelWithVersions('m', 2);
      await reg.setModelVersionTag('m', 1, { key: 'a', value: 'b' });
      await reg.setRegisteredModelAlias('m', 'prod', 1);
      await reg.deleteRegisteredModel('m');
      await expectFerryError(reg.getRegisteredModel('m'), 'RESOURCE_DOES_NOT_EXIST');
      await expectFerryError(reg.deleteRegisteredModel('m'), 'RESOURCE_DOES_NOT_EXIST');
      for (const table of ['model_versions', 'model_version_tags', 'registered_model_aliases']) {
        expect(await fresh.opened.database.query(`select * from ${table}`)).toEqual([]);
      }
      await reg.createRegisteredModel({ name: 'm' });
      expect((await reg.createModelVersion({ name: 'm', source })).version).toBe('1');
    });

    it('sets, overwrites and deletes tags; deleting a missing tag is not an error', async () => {
      const reg = registry();
      await reg.createRegisteredModel({ name: 'm' });
      await reg.setRegisteredModelTag('m', { key: 'k', value: '1' });
      await reg.setRegisteredModelTag('m', { key: 'k', value: '2' });
      expect((await reg.getRegisteredModel('m')).tags).toEqual([{ key: 'k', value: '2' }]);
      await reg.deleteRegisteredModelTag('m', 'k');
      await reg.deleteRegisteredModelTag('m', 'k');
      expect((await reg.getRegisteredModel('m')).tags).toBeUndefined();
      await expectFerryError(
        reg.setRegisteredModelTag('nope', { key: 'k', value: '' }),
        'RESOURCE_DOES_NOT_EXIST',
      );
      await expectFerryError(
        reg.setRegisteredModelTag('m', { key: 'k', value: 'x'.repeat(100_001) }),
        'INVALID_PARAMETER_VALUE',
        "'value' exceeds the maximum length of 100000 characters",
      );
    });
  });

  describe('model versions', () => {
    it('numbers versions from 1, keeps tags, and never reuses a deleted number', async () => {
      freezeTime(5000);
      const reg = registry();
      await reg.createRegisteredModel({ name: 'm' });
      const v1 = await reg.createModelVersion({
        name: 'm',
        source,
        runId: 'r1',
        runLink: '',
        description: '',
        tags: [{ key: 'a', value: 'b' }],
      });
      expect(v1).toEqual({
        name: 'm',
        version: '1',
        creation_timestamp: 5000,
        last_updated_timestamp: 5000,
        current_stage: 'None',
        description: '',
        source,
        run_id: 'r1',
        status: 'READY',
        tags: [{ key: 'a', value: 'b' }],
        run_link: '',
      });
      expect((await reg.createModelVersion({ name: 'm', source })).version).toBe('2');
      await reg.deleteModelVersion('m', 2);
      await expectFerryError(
        reg.getModelVersion('m', 2),
        'RESOURCE_DOES_NOT_EXIST',
        'Model Version (name=m, version=2) not found',
      );
      expect((await reg.createModelVersion({ name: 'm', source })).version).toBe('3');
      expect((await reg.getRegisteredModel('m')).last_updated_timestamp).toBe(5000);
    });

    it('refuses a version for an unknown model', async () => {
      await expectFerryError(
        registry().createModelVersion({ name: 'nope', source }),
        'RESOURCE_DOES_NOT_EXIST',
      );
    });

    it('records the storage location separately from the source, and the logged model', async () => {
      const reg = registry();
      await reg.createRegisteredModel({ name: 'm' });
      const mv = await reg.createModelVersion({
        name: 'm',
        source: 'models:/m-abc',
        storageLocation: 'mlflow-artifacts:/1/models/m-abc/artifacts',
        modelId: 'm-abc',
      });
      expect(mv).toMatchObject({ source: 'models:/m-abc', model_id: 'm-abc' });
      expect(await reg.getModelVersionDownloadUri('m', 1)).toBe('mlflow-artifacts:/1/models/m-abc/artifacts');
    });

    it('updates a description', async () => {
      const reg = await modelWithVersions('m', 1);
      expect((await reg.updateModelVersion('m', 1, 'better')).description).toBe('better');
      await expectFerryError(reg.updateModelVersion('m', 9, 'x'), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('transitions stages, archiving the others in the stage when asked', async () => {
      const reg = await modelWithVersions('m', 3);
      await reg.transitionModelVersionStage('m', 1, 'Production', false);
      await reg.transitionModelVersionStage('m', 2, 'Production', false);
      const v3 = await reg.transitionModelVersionStage('m', 3, 'Production', true);
      expect(v3.current_stage).toBe('Production');
      const all = await reg.searchModelVersions({
        maxResults: 10,
        orderBy: [order('attribute', 'version_number', true)],
      });
      expect(versionsOf(all.items)).toEqual(['1:Archived', '2:Archived', '3:Production']);
      await expectFerryError(
        reg.transitionModelVersionStage('m', 1, 'None', true),
        'INVALID_PARAMETER_VALUE',
        "Model version transition cannot archive existing model versions because 'None' is not an Active stage. Valid stages are ['Staging', 'Production']",
      );
    });

    it('reports the latest version per stage', async () => {
      const reg = await modelWithVersions('m', 4);
      await reg.transitionModelVersionStage('m', 1, 'Production', false);
      await reg.transitionModelVersionStage('m', 2, 'Staging', false);
      await reg.transitionModelVersionStage('m', 3, 'Staging', false);
      const latest = (await reg.getLatestVersions('m'))
        .map((mv) => `${mv.version}:${mv.current_stage}`)
        .sort();
      expect(latest).toEqual(['1:Production', '3:Staging', '4:None']);
      expect(versionsOf(await reg.getLatestVersions('m', ['Staging']))).toEqual(['3:Staging']);
      expect(versionsOf(await reg.getLatestVersions('m', ['Archived']))).toEqual([]);
      const model = await reg.getRegisteredModel('m');
      expect(versionsOf(model.latest_versions!).sort()).toEqual(['1:Production', '3:Staging', '4:None']);
    });

    it('sets and deletes version tags', async () => {
      const reg = await modelWithVersions('m', 1);
      await reg.setModelVersionTag('m', 1, { key: 'k', value: 'v' });
      expect((await reg.getModelVersion('m', 1)).tags).toEqual([{ key: 'k', value: 'v' }]);
      await reg.deleteModelVersionTag('m', 1, 'k');
      expect((await reg.getModelVersion('m', 1)).tags).toBeUndefined();
      await expectFerryError(
        reg.setModelVersionTag('m', 5, { key: 'k', value: 'v' }),
        'RESOURCE_DOES_NOT_EXIST',
      );
    });
  });

  describe('aliases', () => {
    it('points, moves and deletes an alias; single-version reads list it', async () => {
      const reg = await modelWithVersions('m', 2);
      await reg.setRegisteredModelAlias('m', 'champion', 1);
      expect((await reg.getModelVersionByAlias('m', 'champion')).aliases).toEqual(['champion']);
      await reg.setRegisteredModelAlias('m', 'champion', 2);
      const moved = await reg.getModelVersionByAlias('m', 'champion');
      expect(moved.version).toBe('2');
      expect((await reg.getModelVersion('m', 2)).aliases).toEqual(['champion']);
      expect((await reg.getModelVersion('m', 1)).aliases).toBeUndefined();
      expect((await reg.getRegisteredModel('m')).aliases).toEqual([{ alias: 'champion', version: '2' }]);
      await reg.deleteRegisteredModelAlias('m', 'champion');
      await expectFerryError(
        reg.getModelVersionByAlias('m', 'champion'),
        'INVALID_PARAMETER_VALUE',
        'Registered model alias champion not found.',
      );
    });

    it("resolves 'latest' to the highest version", async () => {
      const reg = await modelWithVersions('m', 3);
      expect((await reg.getModelVersionByAlias('m', 'Latest')).version).toBe('3');
      await reg.createRegisteredModel({ name: 'empty' });
      await expectFerryError(reg.getModelVersionByAlias('empty', 'latest'), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('drops the aliases of a deleted version', async () => {
      const reg = await modelWithVersions('m', 2);
      await reg.setRegisteredModelAlias('m', 'a', 2);
      await reg.deleteModelVersion('m', 2);
      expect((await reg.getRegisteredModel('m')).aliases).toBeUndefined();
    });

    it('rejects reserved, malformed and dangling aliases', async () => {
      const reg = await modelWithVersions('m', 1);
      await expectFerryError(
        reg.setRegisteredModelAlias('m', 'latest', 1),
        'INVALID_PARAMETER_VALUE',
        /reserved/,
      );
      await expectFerryError(
        reg.setRegisteredModelAlias('m', 'V12', 1),
        'INVALID_PARAMETER_VALUE',
        /reserved/,
      );
      await expectFerryError(
        reg.setRegisteredModelAlias('m', 'a b', 1),
        'INVALID_PARAMETER_VALUE',
        /Invalid alias/,
      );
      await expectFerryError(reg.setRegisteredModelAlias('m', 'x'.repeat(256), 1), 'INVALID_PARAMETER_VALUE');
      await expectFerryError(reg.setRegisteredModelAlias('m', 'ok', 7), 'RESOURCE_DOES_NOT_EXIST');
    });
  });

  describe('search', () => {
    it('filters models by name and tags, orders and pages', async () => {
      const reg = registry();
      for (const i of range(7)) {
        freezeTime(1000 + i);
        await reg.createRegisteredModel({
          name: `model-${i}`,
          tags: [{ key: 'parity', value: String(i % 2) }],
        });
      }
      freezeTime(2000);
      await reg.createRegisteredModel({ name: 'other' });
      const like = await reg.searchRegisteredModels({
        maxResults: 100,
        filter: [cmp('attribute', 'name', 'LIKE', 'model-%')],
      });
      expect(like.items).toHaveLength(7);
      const odd = await reg.searchRegisteredModels({
        maxResults: 100,
        filter: [cmp('tag', 'parity', '=', '1')],
      });
      expect(names(odd.items)).toEqual(['model-1', 'model-3', 'model-5']);
      const byTime = await reg.searchRegisteredModels({
        maxResults: 3,
        orderBy: [order('attribute', 'last_updated_timestamp', false)],
      });
      expect(names(byTime.items)).toEqual(['other', 'model-6', 'model-5']);
      const { items, pages } = await allPages(3, (pageToken) =>
        reg.searchRegisteredModels({ maxResults: 3, ...(pageToken ? { pageToken } : {}) }),
      );
      expect(pages).toBe(3);
      expect(names(items)).toEqual([...range(7).map((i) => `model-${i}`), 'other']);
    });

    it('leaves prompts out unless the filter asks for them', async () => {
      const reg = registry();
      await reg.createRegisteredModel({ name: 'model' });
      await reg.createRegisteredModel({
        name: 'prompt',
        tags: [{ key: 'mlflow.prompt.is_prompt', value: 'true' }],
      });
      const search = async (...filter: ReturnType<typeof cmp>[]) =>
        names((await reg.searchRegisteredModels({ maxResults: 10, filter })).items);
      expect(await search()).toEqual(['model']);
      expect(await search(cmp('tag', 'mlflow.prompt.is_prompt', '!=', 'true'))).toEqual(['model']);
      expect(await search(cmp('tag', 'mlflow.prompt.is_prompt', '=', 'false'))).toEqual(['model']);
      expect(await search(cmp('tag', 'mlflow.prompt.is_prompt', '=', 'true'))).toEqual(['prompt']);
    });

    it('filters versions by name, run id list, version number, source and tags', async () => {
      const reg = registry();
      await reg.createRegisteredModel({ name: 'a' });
      await reg.createRegisteredModel({ name: 'b' });
      for (const i of range(3))
        await reg.createModelVersion({ name: 'a', source: `s3://x/${i}`, runId: `run${i}` });
      await reg.createModelVersion({
        name: 'b',
        source: 's3://y',
        runId: 'run0',
        tags: [{ key: 't', value: 'v' }],
      });
      const search = async (...filter: ReturnType<typeof cmp>[]) =>
        (await reg.searchModelVersions({ maxResults: 100, filter })).items.map(
          (mv) => `${mv.name}/${mv.version}`,
        );
      expect(
        await search(cmp('attribute', 'name', '=', 'a'), cmp('attribute', 'version_number', '>', 1)),
      ).toEqual(['a/3', 'a/2']);
      expect((await search(cmp('attribute', 'run_id', 'IN', ['run0', 'run2']))).sort()).toEqual([
        'a/1',
        'a/3',
        'b/1',
      ]);
      expect(await search(cmp('attribute', 'source_path', 'LIKE', 's3://y%'))).toEqual(['b/1']);
      expect(await search(cmp('tag', 't', '=', 'v'))).toEqual(['b/1']);
      const page = await reg.searchModelVersions({
        maxResults: 2,
        orderBy: [order('attribute', 'version_number', true)],
      });
      expect(page.items.map((mv) => `${mv.name}/${mv.version}`)).toEqual(['a/1', 'b/1']);
      expect(page.nextPageToken).toBeDefined();
      expect(page.items.every((mv) => mv.aliases === undefined)).toBe(true);
    });
  });

  describe('concurrency', () => {
    // SQLite's driver is synchronous, so a second store in this process would block on the first one's
    // lock; concurrency there comes from one store's interleaved transactions. PostgreSQL gets two pools.
    it('gives 30 concurrent registrations distinct, gap-free numbers', async () => {
      const other = backend.name === 'postgresql' ? newStore(fresh.opened.database.adapter()) : undefined;
      await other?.open();
      try {
        const regs = [registry(), other ? new SqlRegistryStore(other) : registry()];
        await regs[0]!.createRegisteredModel({ name: 'm' });
        const results = await Promise.all(
          range(30).map((i) => regs[i % 2]!.createModelVersion({ name: 'm', source: `s3://b/${i}` })),
        );
        const numbers = results.map((mv) => Number(mv.version)).sort((a, b) => a - b);
        expect(numbers).toEqual(range(30).map((i) => i + 1));
      } finally {
        await other?.close();
      }
    });
  });
});
