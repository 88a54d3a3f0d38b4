import { describe, expect, it } from 'vitest';
import type { PipelineRunStatus } from '../src/index.js';
import { BACKENDS } from './backends.js';
import { allPages, expectFerryError, freezeTime, range } from './helpers.js';
import { SPEC, usePipelineStore } from './pipelines-fixture.js';

describe.each(BACKENDS)('pipeline runs on $name', (backend) => {
  const { store, withTwoStores, pipelineWithVersions, newRun } = usePipelineStore(backend);

  describe('creation and reading', () => {
    it('creates a pending run and reads it back', async () => {
      freezeTime(1_700_000_000_000);
      const s = store();
      const pipelineId = await pipelineWithVersions('p', 2);
      const run = await s.createPipelineRun({
        name: 'nightly',
        pipelineId,
        pipelineVersion: 2,
        spec: SPEC,
        parameters: { lr: 0.1, layers: [1, 2], name: 'x', nested: { ok: true } },
        experimentId: '7',
        options: { retries: 2 },
      });
      expect(run).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        name: 'nightly',
        pipelineId,
        pipelineVersion: 2,
        spec: SPEC,
        parameters: { lr: 0.1, layers: [1, 2], name: 'x', nested: { ok: true } },
        status: 'pending',
        experimentId: '7',
        trackingRunId: null,
        scheduleId: null,
        createdAt: 1_700_000_000_000,
        startedAt: null,
        finishedAt: null,
        error: null,
        owner: null,
        leaseExpiresAt: null,
        options: { retries: 2 },
      });
      expect(await s.getPipelineRun(run.id)).toEqual(run);
      // A run of an inline spec, with no pipeline, gets empty options.
      const inline = await newRun();
      expect(inline).toMatchObject({ pipelineId: null, pipelineVersion: null, options: {} });
      expect(await s.getPipelineRun(inline.id)).toEqual(inline);
    });

    it('rejects unknown references and bad input', async () => {
      const s = store();
      const pipelineId = await pipelineWithVersions('p', 1);
      const base = { name: 'r', spec: SPEC, parameters: {}, experimentId: '0' };
      await expectFerryError(s.getPipelineRun('0'.repeat(32)), 'RESOURCE_DOES_NOT_EXIST');
      await expectFerryError(s.createPipelineRun({ ...base, pipelineId: 'nope' }), 'RESOURCE_DOES_NOT_EXIST');
      await expectFerryError(
        s.createPipelineRun({ ...base, pipelineId, pipelineVersion: 2 }),
        'RESOURCE_DOES_NOT_EXIST',
      );
      await expectFerryError(s.createPipelineRun({ ...base, scheduleId: 'nope' }), 'RESOURCE_DOES_NOT_EXIST');
      await expectFerryError(s.createPipelineRun({ ...base, pipelineVersion: 1 }), 'INVALID_PARAMETER_VALUE');
      await expectFerryError(s.createPipelineRun({ ...base, name: '' }), 'INVALID_PARAMETER_VALUE');
      await expectFerryError(s.createPipelineRun({ ...base, experimentId: '' }), 'INVALID_PARAMETER_VALUE');
      await expectFerryError(
        s.createPipelineRun({ ...base, parameters: [] as unknown as Record<string, unknown> }),
        'INVALID_PARAMETER_VALUE',
      );
      await expectFerryError(s.createPipelineRun({ ...base, spec: undefined }), 'INVALID_PARAMETER_VALUE');
      expect((await s.listPipelineRuns({})).items).toEqual([]);
    });

    it('lists newest first, filtered by pipeline, schedule and status, page by page', async () => {
      const s = store();
      const p1 = await pipelineWithVersions('p1', 1);
      const p2 = await pipelineWithVersions('p2', 1);
      const schedule = await s.createSchedule({
        name: 'sched',
        pipelineId: p1,
        pipelineVersion: null,
        parameters: {},
        experimentId: '0',
        cron: null,
        timezone: null,
        intervalMs: 60_000,
        maxConcurrency: 2,
        catchup: false,
        enabled: true,
        nextFireAt: null,
      });
      const ids: string[] = [];
      for (const i of range(8)) {
        freezeTime(1_000 + i);
        const run = await newRun({
          pipelineId: i % 2 === 0 ? p1 : p2,
          ...(i < 3 ? { scheduleId: schedule.id } : {}),
        });
        ids.push(run.id);
      }
      await s.updatePipelineRun(ids[1]!, { status: 'running' });
      await s.updatePipelineRun(ids[4]!, { status: 'failed' });

      const all = await allPages(3, (pageToken) => s.listPipelineRuns({ maxResults: 3, pageToken }));
      expect(all.items.map((r) => r.id)).toEqual([...ids].reverse());
      const idsOf = async (input: Parameters<typeof s.listPipelineRuns>[0]) =>
        (await s.listPipelineRuns(input)).items.map((r) => r.id);
      expect(await idsOf({ pipelineId: p1 })).toEqual([ids[6], ids[4], ids[2], ids[0]]);
      expect(await idsOf({ scheduleId: schedule.id })).toEqual([ids[2], ids[1], ids[0]]);
      expect(await idsOf({ statuses: ['running', 'failed'] })).toEqual([ids[4], ids[1]]);
      expect(await idsOf({ pipelineId: p2, statuses: ['running'] })).toEqual([ids[1]]);
      expect(await idsOf({ statuses: [] })).toHaveLength(8);
      await expectFerryError(
        s.listPipelineRuns({ statuses: ['bogus' as PipelineRunStatus] }),
        'INVALID_PARAMETER_VALUE',
      );
      await expectFerryError(s.listPipelineRuns({ pageToken: 'abc' }), 'INVALID_PARAMETER_VALUE');
      await expectFerryError(s.listPipelineRuns({ maxResults: 1001 }), 'INVALID_PARAMETER_VALUE');
      await expectFerryError(s.listPipelineRuns({ maxResults: -5 }), 'INVALID_PARAMETER_VALUE');
    });
  });

  describe('compare-and-set updates', () => {
    it('applies a patch unconditionally without an expectation', async () => {
      const s = store();
      const run = await newRun();
      const updated = await s.updatePipelineRun(run.id, {
        status: 'running',
        startedAt: 5,
        trackingRunId: 'a'.repeat(32),
      });
      expect(updated).toEqual({ ...run, status: 'running', startedAt: 5, trackingRunId: 'a'.repeat(32) });
      expect(await s.getPipelineRun(run.id)).toEqual(updated);
      const finished = await s.updatePipelineRun(run.id, { status: 'failed', finishedAt: 9, error: 'boom' });
      expect(finished).toMatchObject({ status: 'failed', startedAt: 5, finishedAt: 9, error: 'boom' });
      // null clears a field; an empty patch returns the run as it is.
      expect(await s.updatePipelineRun(run.id, { error: null })).toMatchObject({ error: null });
      expect(await s.updatePipelineRun(run.id, {})).toEqual(await s.getPipelineRun(run.id));
    });

    it('applies the patch only when the status is expected', async () => {
      const s = store();
      const run = await newRun();
      expect(await s.updatePipelineRun(run.id, { status: 'succeeded' }, ['running'])).toBeUndefined();
      expect(await s.getPipelineRun(run.id)).toEqual(run);
      const running = await s.updatePipelineRun(run.id, { status: 'running' }, ['pending']);
      expect(running?.status).toBe('running');
      expect(await s.updatePipelineRun(run.id, { status: 'running' }, ['pending'])).toBeUndefined();
      expect(
        await s.updatePipelineRun(run.id, { status: 'cancelling' }, ['pending', 'running']),
      ).toMatchObject({
        status: 'cancelling',
      });
      expect(await s.updatePipelineRun(run.id, {}, ['pending'])).toBeUndefined();
      expect(await s.updatePipelineRun(run.id, {}, ['cancelling'])).toMatchObject({ status: 'cancelling' });
      expect(await s.updatePipelineRun(run.id, { status: 'failed' }, [])).toBeUndefined();
      expect((await s.getPipelineRun(run.id)).status).toBe('cancelling');
    });

    it('lets exactly one of many concurrent transitions from the same status win', async () => {
      await withTwoStores(async (stores) => {
        const run = await newRun();
        const results = await Promise.all(
          range(10).map((i) =>
            stores[i % 2]!.updatePipelineRun(run.id, { status: 'running', error: `w${i}` }, ['pending']),
          ),
        );
        const winners = results.filter((r) => r !== undefined);
        expect(winners).toHaveLength(1);
        expect(await stores[0].getPipelineRun(run.id)).toEqual(winners[0]);
      });
    });

    it('reports unknown runs and rejects bad patches', async () => {
      const s = store();
      const run = await newRun();
      await expectFerryError(s.updatePipelineRun('nope', { status: 'running' }), 'RESOURCE_DOES_NOT_EXIST');
      await expectFerryError(
        s.updatePipelineRun('nope', { status: 'running' }, ['pending']),
        'RESOURCE_DOES_NOT_EXIST',
      );
      await expectFerryError(s.updatePipelineRun('nope', {}), 'RESOURCE_DOES_NOT_EXIST');
      await expectFerryError(
        s.updatePipelineRun(run.id, { status: 'done' as PipelineRunStatus }),
        'INVALID_PARAMETER_VALUE',
      );
      await expectFerryError(
        s.updatePipelineRun(run.id, {}, ['done' as PipelineRunStatus]),
        'INVALID_PARAMETER_VALUE',
      );
      await expectFerryError(s.updatePipelineRun(run.id, { startedAt: 1.5 }), 'INVALID_PARAMETER_VALUE');
      expect(await s.getPipelineRun(run.id)).toEqual(run);
    });
  });

  describe('leases', () => {
    it('takes, renews, releases and lists claimable runs', async () => {
      const s = store();
      const a = await newRun({ name: 'a' });
      const b = await newRun({ name: 'b' });
      const done = await newRun({ name: 'done' });
      await s.updatePipelineRun(done.id, { status: 'succeeded' });
      const claimable = async (now: number) =>
        (await s.listClaimablePipelineRuns(now)).map((r) => r.name).sort();
      expect(await claimable(100)).toEqual(['a', 'b']);

      expect(await s.claimPipelineRun(a.id, 'ctl-1', 1_000, 100)).toBe(true);
      expect(await s.getPipelineRun(a.id)).toMatchObject({ owner: 'ctl-1', leaseExpiresAt: 1_100 });
      expect(await claimable(100)).toEqual(['b']);
      expect(await claimable(1_099)).toEqual(['b']);
      // Expired at its expiry time.
      expect(await claimable(1_100)).toEqual(['a', 'b']);

      // Another owner cannot take a live lease; the owner renews it.
      expect(await s.claimPipelineRun(a.id, 'ctl-2', 1_000, 500)).toBe(false);
      expect(await s.claimPipelineRun(a.id, 'ctl-1', 1_000, 500)).toBe(true);
      expect(await s.getPipelineRun(a.id)).toMatchObject({ owner: 'ctl-1', leaseExpiresAt: 1_500 });

      // Releasing by someone else does nothing; by the owner frees the run.
      await s.releasePipelineRun(a.id, 'ctl-2');
      expect(await s.getPipelineRun(a.id)).toMatchObject({ owner: 'ctl-1' });
      await s.releasePipelineRun(a.id, 'ctl-1');
      expect(await s.getPipelineRun(a.id)).toMatchObject({ owner: null, leaseExpiresAt: null });
      expect(await claimable(600)).toEqual(['a', 'b']);
      expect(await s.claimPipelineRun(a.id, 'ctl-2', 1_000, 600)).toBe(true);

      // Running and cancelling runs are claimable too; finished ones never.
      await s.updatePipelineRun(b.id, { status: 'cancelling' });
      expect(await claimable(10_000)).toEqual(['a', 'b']);
      await s.updatePipelineRun(a.id, { status: 'failed' });
      expect(await claimable(10_000)).toEqual(['b']);
    });

    it('lets an expired lease be taken over', async () => {
      const s = store();
      const run = await newRun();
      expect(await s.claimPipelineRun(run.id, 'old', 1_000, 0)).toBe(true);
      expect(await s.claimPipelineRun(run.id, 'new', 1_000, 999)).toBe(false);
      expect(await s.claimPipelineRun(run.id, 'new', 1_000, 1_000)).toBe(true);
      expect(await s.getPipelineRun(run.id)).toMatchObject({ owner: 'new', leaseExpiresAt: 2_000 });
      expect(await s.claimPipelineRun(run.id, 'old', 1_000, 1_500)).toBe(false);
      // The old owner's release no longer touches the lease.
      await s.releasePipelineRun(run.id, 'old');
      expect(await s.getPipelineRun(run.id)).toMatchObject({ owner: 'new', leaseExpiresAt: 2_000 });
    });

    it('gives a free run to exactly one of two racing owners', async () => {
      await withTwoStores(async (stores) => {
        for (const i of range(5)) {
          const run = await newRun({ name: `r${i}` });
          const results = await Promise.all(
            range(10).map((j) => stores[j % 2]!.claimPipelineRun(run.id, `owner-${j % 2}`, 60_000, 1_000)),
          );
          const got = await stores[0].getPipelineRun(run.id);
          // Every call by the winner succeeds (a renewal), every call by the other fails.
          const winner = got.owner === 'owner-0' ? 0 : 1;
          expect(got.owner).toMatch(/^owner-[01]$/);
          expect(results).toEqual(range(10).map((j) => j % 2 === winner));
          expect(got.leaseExpiresAt).toBe(61_000);
        }
      });
    });

    it('reports unknown runs and rejects bad arguments', async () => {
      const s = store();
      const run = await newRun();
      await expectFerryError(s.claimPipelineRun('nope', 'me', 1_000, 0), 'RESOURCE_DOES_NOT_EXIST');
      await expectFerryError(s.claimPipelineRun(run.id, '', 1_000, 0), 'INVALID_PARAMETER_VALUE');
      await expectFerryError(s.claimPipelineRun(run.id, 'me', -1, 0), 'INVALID_PARAMETER_VALUE');
      await expect(s.releasePipelineRun('nope', 'me')).resolves.toBeUndefined();
    });
  });
});
