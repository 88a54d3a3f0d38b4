import { describe, expect, it } from 'vitest';
import { encodePageToken } from '@ferry/core';
import { PIPELINE_LIMITS } from '../src/index.js';
import { BACKENDS } from './backends.js';
import { allPages, expectFerryError, freezeTime, range } from './helpers.js';
import { SPEC, usePipelineStore } from './pipelines-fixture.js';

describe.each(BACKENDS)('pipelines and versions on $name', (backend) => {
  const { store, withTwoStores, pipelineWithVersions, newRun } = usePipelineStore(backend);

  describe('pipelines', () => {
    it('creates a pipeline and reads it back by id and by name', async () => {
      freezeTime(1_700_000_000_000);
      const s = store();
      const created = await s.createPipeline({ name: 'etl', description: 'nightly' });
      expect(created).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        name: 'etl',
        description: 'nightly',
        createdAt: 1_700_000_000_000,
        latestVersion: null,
      });
      expect(await s.getPipeline(created.id)).toEqual(created);
      expect(await s.getPipeline('etl')).toEqual(created);
      expect((await s.createPipeline({ name: 'bare' })).description).toBeNull();
    });

    it('rejects a duplicate name and bad names', async () => {
      const s = store();
      await s.createPipeline({ name: 'etl' });
      await expectFerryError(s.createPipeline({ name: 'etl' }), 'RESOURCE_ALREADY_EXISTS', /etl/);
      await expectFerryError(s.createPipeline({ name: '' }), 'INVALID_PARAMETER_VALUE');
      await expectFerryError(
        s.createPipeline({ name: 'x'.repeat(PIPELINE_LIMITS.nameLength + 1) }),
        'INVALID_PARAMETER_VALUE',
      );
    });

    it('reports unknown pipelines', async () => {
      const s = store();
      await expectFerryError(s.getPipeline('nope'), 'RESOURCE_DOES_NOT_EXIST', /nope/);
      await expectFerryError(s.deletePipeline('nope'), 'RESOURCE_DOES_NOT_EXIST');
      await expectFerryError(s.getPipelineVersion('nope', 1), 'RESOURCE_DOES_NOT_EXIST');
      await expectFerryError(s.listPipelineVersions('nope', {}), 'RESOURCE_DOES_NOT_EXIST');
      await expectFerryError(
        s.createPipelineVersion('nope', { spec: SPEC, specDigest: 'd' }),
        'RESOURCE_DOES_NOT_EXIST',
      );
    });

    it('lists by name, page by page, with a name prefix', async () => {
      const s = store();
      // Letters and digits only, so any database collation orders them as JavaScript does.
      const names = [...range(7).map((i) => `b${i}`), 'a', 'c'];
      for (const name of [...names].reverse()) await s.createPipeline({ name });
      const all = await allPages(3, (pageToken) => s.listPipelines({ maxResults: 3, pageToken }));
      expect(all.items.map((p) => p.name)).toEqual([...names].sort());
      expect(all.pages).toBe(3);

      for (const name of ['b%x', 'b_y', 'B1']) await s.createPipeline({ name });
      const prefixed = (await s.listPipelines({ namePrefix: 'b' })).items.map((p) => p.name);
      expect(prefixed.sort()).toEqual([...range(7).map((i) => `b${i}`), 'b%x', 'b_y'].sort());
      // The prefix is case-sensitive, and LIKE's wildcards in it are literal characters.
      expect((await s.listPipelines({ namePrefix: 'B' })).items.map((p) => p.name)).toEqual(['B1']);
      expect((await s.listPipelines({ namePrefix: 'b%' })).items.map((p) => p.name)).toEqual(['b%x']);
      expect((await s.listPipelines({ namePrefix: 'b_' })).items.map((p) => p.name)).toEqual(['b_y']);
      expect((await s.listPipelines({ namePrefix: 'zz' })).items).toEqual([]);
      const page = await s.listPipelines({});
      expect(page.items).toHaveLength(names.length + 3);
      expect(page.nextPageToken).toBeUndefined();
    });

    it('rejects bad page tokens and max_results out of bounds', async () => {
      const s = store();
      await s.createPipeline({ name: 'p' });
      await expectFerryError(s.listPipelines({ pageToken: 'not a token' }), 'INVALID_PARAMETER_VALUE');
      await expectFerryError(
        s.listPipelines({ pageToken: Buffer.from('{"offset": -1}').toString('base64') }),
        'INVALID_PARAMETER_VALUE',
      );
      await expectFerryError(s.listPipelines({ maxResults: -1 }), 'INVALID_PARAMETER_VALUE', /max_results/);
      await expectFerryError(
        s.listPipelines({ maxResults: PIPELINE_LIMITS.maxResults + 1 }),
        'INVALID_PARAMETER_VALUE',
      );
      await expectFerryError(s.listPipelines({ maxResults: 1.5 }), 'INVALID_PARAMETER_VALUE');
      expect((await s.listPipelines({ maxResults: 0 })).items).toHaveLength(1);
      expect((await s.listPipelines({ maxResults: PIPELINE_LIMITS.maxResults })).items).toHaveLength(1);
      // A token past the end is an empty page.
      expect(await s.listPipelines({ pageToken: encodePageToken(50) })).toEqual({ items: [] });
    });
  });

  describe('versions', () => {
    it('numbers versions from 1 and keeps their spec as JSON', async () => {
      freezeTime(1_700_000_000_000);
      const s = store();
      const { id } = await s.createPipeline({ name: 'p' });
      const spec = { nested: { list: [1, 'two', null, true], n: 1.5 }, unicode: 'é✓' };
      const v1 = await s.createPipelineVersion(id, { spec, specDigest: 'sha256:a', description: 'first' });
      expect(v1).toEqual({
        pipelineId: id,
        version: 1,
        spec,
        specDigest: 'sha256:a',
        description: 'first',
        createdAt: 1_700_000_000_000,
      });
      const v2 = await s.createPipelineVersion(id, { spec: [1, 2], specDigest: 'sha256:b' });
      expect(v2).toMatchObject({ version: 2, spec: [1, 2], description: null });
      expect(await s.getPipelineVersion(id, 1)).toEqual(v1);
      expect(await s.getPipelineVersion(id, 2)).toEqual(v2);
      expect((await s.getPipeline(id)).latestVersion).toBe(2);
      expect((await s.getPipeline('p')).latestVersion).toBe(2);
    });

    it('reports unknown versions and rejects bad input', async () => {
      const s = store();
      const id = await pipelineWithVersions('p', 1);
      await expectFerryError(s.getPipelineVersion(id, 2), 'RESOURCE_DOES_NOT_EXIST');
      await expectFerryError(s.getPipelineVersion(id, 0), 'INVALID_PARAMETER_VALUE');
      await expectFerryError(
        s.createPipelineVersion(id, { spec: undefined, specDigest: 'd' }),
        'INVALID_PARAMETER_VALUE',
      );
      await expectFerryError(
        s.createPipelineVersion(id, { spec: SPEC, specDigest: '' }),
        'INVALID_PARAMETER_VALUE',
      );
      // Failed attempts hand out no number.
      expect((await s.createPipelineVersion(id, { spec: SPEC, specDigest: 'd' })).version).toBe(2);
    });

    it('lists versions newest first, page by page', async () => {
      const s = store();
      const id = await pipelineWithVersions('p', 7);
      await pipelineWithVersions('other', 2);
      const all = await allPages(3, (pageToken) => s.listPipelineVersions(id, { maxResults: 3, pageToken }));
      expect(all.items.map((v) => v.version)).toEqual([7, 6, 5, 4, 3, 2, 1]);
      expect(all.items[0]).toMatchObject({ pipelineId: id, spec: { ...SPEC, i: 6 }, specDigest: 'sha256:6' });
      await expectFerryError(s.listPipelineVersions(id, { pageToken: 'x' }), 'INVALID_PARAMETER_VALUE');
      await expectFerryError(s.listPipelineVersions(id, { maxResults: 1001 }), 'INVALID_PARAMETER_VALUE');
    });

    it('gives 30 concurrent creators distinct, gap-free numbers', async () => {
      await withTwoStores(async (stores) => {
        const { id } = await stores[0].createPipeline({ name: 'busy' });
        const results = await Promise.all(
          range(30).map((i) =>
            stores[i % 2]!.createPipelineVersion(id, { spec: { i }, specDigest: `d${i}` }),
          ),
        );
        expect(results.map((v) => v.version).sort((a, b) => a - b)).toEqual(range(30).map((i) => i + 1));
        for (const v of results) expect(v.spec).toEqual({ i: Number(v.specDigest.slice(1)) });
        expect((await stores[1].getPipeline(id)).latestVersion).toBe(30);
      });
    });
  });

  describe('deletion', () => {
    it('cascades versions and schedules; runs keep their spec with the pipeline and schedule unset', async () => {
      const s = store();
      const id = await pipelineWithVersions('doomed', 2);
      const keep = await pipelineWithVersions('kept', 1);
      const schedule = await s.createSchedule({
        name: 'hourly',
        pipelineId: id,
        pipelineVersion: 2,
        parameters: {},
        experimentId: '0',
        cron: '0 * * * *',
        timezone: null,
        intervalMs: null,
        maxConcurrency: 1,
        catchup: false,
        enabled: true,
        nextFireAt: 10,
      });
      const keptSchedule = await s.createSchedule({
        name: 'kept-schedule',
        pipelineId: keep,
        pipelineVersion: null,
        parameters: {},
        experimentId: '0',
        cron: null,
        timezone: null,
        intervalMs: 1000,
        maxConcurrency: 1,
        catchup: false,
        enabled: true,
        nextFireAt: 10,
      });
      const run = await s.createPipelineRun({
        name: 'r',
        pipelineId: id,
        pipelineVersion: 2,
        spec: SPEC,
        parameters: { a: 1 },
        experimentId: '0',
        scheduleId: schedule.id,
      });
      const keptRun = await newRun({ pipelineId: keep, scheduleId: keptSchedule.id });

      await s.deletePipeline(id);

      await expectFerryError(s.getPipeline(id), 'RESOURCE_DOES_NOT_EXIST');
      await expectFerryError(s.getPipeline('doomed'), 'RESOURCE_DOES_NOT_EXIST');
      await expectFerryError(s.getPipelineVersion(id, 1), 'RESOURCE_DOES_NOT_EXIST');
      await expectFerryError(s.getSchedule(schedule.id), 'RESOURCE_DOES_NOT_EXIST');
      expect(await s.getPipelineRun(run.id)).toEqual({
        ...run,
        pipelineId: null,
        pipelineVersion: null,
        scheduleId: null,
      });
      expect(await s.getPipelineRun(keptRun.id)).toEqual(keptRun);
      expect((await s.listSchedules({})).items.map((x) => x.name)).toEqual(['kept-schedule']);
      expect((await s.listPipelines({})).items.map((p) => p.name)).toEqual(['kept']);
      // The name is free again, and numbering starts over for the new pipeline.
      const again = await pipelineWithVersions('doomed', 1);
      expect((await s.getPipeline(again)).latestVersion).toBe(1);
    });
  });
});
