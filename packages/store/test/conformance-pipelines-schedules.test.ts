import { describe, expect, it } from 'vitest';
import type { CreateScheduleInput } from '../src/index.js';
import { BACKENDS } from './backends.js';
import { allPages, expectFerryError, freezeTime, range } from './helpers.js';
import { usePipelineStore } from './pipelines-fixture.js';

describe.each(BACKENDS)('pipeline schedules on $name', (backend) => {
  const { store, withTwoStores, pipelineWithVersions, newRun } = usePipelineStore(backend);

  const scheduleInput = (
    pipelineId: string,
    over: Partial<CreateScheduleInput> = {},
  ): CreateScheduleInput => ({
    name: 'nightly',
    pipelineId,
    pipelineVersion: null,
    parameters: { lr: 0.1 },
    experimentId: '3',
    cron: '0 2 * * *',
    timezone: 'Europe/Paris',
    intervalMs: null,
    maxConcurrency: 1,
    catchup: false,
    enabled: true,
    nextFireAt: 1_000,
    ...over,
  });

  it('creates a schedule and reads it back by id and by name', async () => {
    freezeTime(1_700_000_000_000);
    const s = store();
    const pipelineId = await pipelineWithVersions('p', 2);
    const created = await s.createSchedule(scheduleInput(pipelineId, { pipelineVersion: 2, catchup: true }));
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      name: 'nightly',
      pipelineId,
      pipelineVersion: 2,
      parameters: { lr: 0.1 },
      experimentId: '3',
      cron: '0 2 * * *',
      timezone: 'Europe/Paris',
      intervalMs: null,
      maxConcurrency: 1,
      catchup: true,
      enabled: true,
      nextFireAt: 1_000,
      lastFiredAt: null,
      createdAt: 1_700_000_000_000,
      updatedAt: 1_700_000_000_000,
    });
    expect(await s.getSchedule(created.id)).toEqual(created);
    expect(await s.getSchedule('nightly')).toEqual(created);
    const interval = await s.createSchedule(
      scheduleInput(pipelineId, {
        name: 'every-minute',
        cron: null,
        timezone: null,
        intervalMs: 60_000,
        enabled: false,
      }),
    );
    expect(await s.getSchedule(interval.id)).toMatchObject({
      intervalMs: 60_000,
      cron: null,
      enabled: false,
    });
  });

  it('rejects duplicates, unknown pipelines and versions, and bad fields', async () => {
    const s = store();
    const pipelineId = await pipelineWithVersions('p', 1);
    await s.createSchedule(scheduleInput(pipelineId));
    await expectFerryError(s.createSchedule(scheduleInput(pipelineId)), 'RESOURCE_ALREADY_EXISTS', /nightly/);
    await expectFerryError(s.createSchedule(scheduleInput('nope', { name: 'x' })), 'RESOURCE_DOES_NOT_EXIST');
    await expectFerryError(
      s.createSchedule(scheduleInput(pipelineId, { name: 'x', pipelineVersion: 2 })),
      'RESOURCE_DOES_NOT_EXIST',
    );
    for (const bad of [
      { name: '' },
      { maxConcurrency: 0 },
      { intervalMs: 0, cron: null },
      { intervalMs: 1_000 },
      { cron: '' },
      { nextFireAt: 1.5 },
      { pipelineVersion: 0 },
      { parameters: null as unknown as Record<string, unknown> },
      { enabled: 1 as unknown as boolean },
    ]) {
      await expectFerryError(
        s.createSchedule(scheduleInput(pipelineId, { name: 'x', ...bad })),
        'INVALID_PARAMETER_VALUE',
      );
    }
    await expectFerryError(s.getSchedule('nope'), 'RESOURCE_DOES_NOT_EXIST');
    await expectFerryError(s.updateSchedule('nope', { enabled: false }), 'RESOURCE_DOES_NOT_EXIST');
    await expectFerryError(s.deleteSchedule('nope'), 'RESOURCE_DOES_NOT_EXIST');
    expect((await s.listSchedules({})).items.map((x) => x.name)).toEqual(['nightly']);
  });

  it('lists by name, filtered by pipeline, page by page', async () => {
    const s = store();
    const p1 = await pipelineWithVersions('p1', 1);
    const p2 = await pipelineWithVersions('p2', 1);
    const names = range(7).map((i) => `s${i}`);
    for (const [i, name] of [...names].reverse().entries()) {
      await s.createSchedule(scheduleInput(i % 2 === 0 ? p1 : p2, { name }));
    }
    const all = await allPages(3, (pageToken) => s.listSchedules({ maxResults: 3, pageToken }));
    expect(all.items.map((x) => x.name)).toEqual(names);
    expect((await s.listSchedules({ pipelineId: p1 })).items.map((x) => x.name)).toEqual([
      's0',
      's2',
      's4',
      's6',
    ]);
    expect((await s.listSchedules({ pipelineId: 'nope' })).items).toEqual([]);
    await expectFerryError(s.listSchedules({ pageToken: '!!!!' }), 'INVALID_PARAMETER_VALUE');
    await expectFerryError(s.listSchedules({ maxResults: 1001 }), 'INVALID_PARAMETER_VALUE');
  });

  it('updates fields, keeping the others, and checks the result', async () => {
    freezeTime(1_000_000);
    const s = store();
    const p1 = await pipelineWithVersions('p1', 1);
    const p2 = await pipelineWithVersions('p2', 3);
    const created = await s.createSchedule(scheduleInput(p1));
    await s.createSchedule(scheduleInput(p1, { name: 'taken' }));
    freezeTime(2_000_000);
    const updated = await s.updateSchedule(created.id, {
      name: 'renamed',
      pipelineId: p2,
      pipelineVersion: 3,
      parameters: { lr: 0.2 },
      cron: null,
      intervalMs: 5_000,
      maxConcurrency: 4,
      catchup: true,
      enabled: false,
      nextFireAt: null,
      lastFiredAt: 77,
    });
    expect(updated).toEqual({
      ...created,
      name: 'renamed',
      pipelineId: p2,
      pipelineVersion: 3,
      parameters: { lr: 0.2 },
      cron: null,
      intervalMs: 5_000,
      maxConcurrency: 4,
      catchup: true,
      enabled: false,
      nextFireAt: null,
      lastFiredAt: 77,
      updatedAt: 2_000_000,
    });
    expect(await s.getSchedule('renamed')).toEqual(updated);
    expect(await s.updateSchedule(created.id, {})).toMatchObject({ name: 'renamed' });

    await expectFerryError(s.updateSchedule(created.id, { name: 'taken' }), 'RESOURCE_ALREADY_EXISTS');
    await expectFerryError(s.updateSchedule(created.id, { pipelineId: 'nope' }), 'RESOURCE_DOES_NOT_EXIST');
    // p1 has only version 1.
    await expectFerryError(s.updateSchedule(created.id, { pipelineId: p1 }), 'RESOURCE_DOES_NOT_EXIST');
    await expectFerryError(s.updateSchedule(created.id, { cron: '* * * * *' }), 'INVALID_PARAMETER_VALUE');
    await expectFerryError(s.updateSchedule(created.id, { maxConcurrency: 0 }), 'INVALID_PARAMETER_VALUE');
    expect(await s.getSchedule(created.id)).toMatchObject({ name: 'renamed', pipelineId: p2 });
    expect(await s.updateSchedule(created.id, { pipelineId: p1, pipelineVersion: null })).toMatchObject({
      pipelineId: p1,
      pipelineVersion: null,
    });
  });

  it('deletes a schedule; its runs stay without it', async () => {
    const s = store();
    const pipelineId = await pipelineWithVersions('p', 1);
    const schedule = await s.createSchedule(scheduleInput(pipelineId));
    const run = await newRun({ pipelineId, scheduleId: schedule.id });
    await s.deleteSchedule(schedule.id);
    await expectFerryError(s.getSchedule(schedule.id), 'RESOURCE_DOES_NOT_EXIST');
    expect(await s.getPipelineRun(run.id)).toEqual({ ...run, scheduleId: null });
    expect(await s.getPipeline(pipelineId)).toMatchObject({ latestVersion: 1 });
  });

  it('lists due schedules: enabled, with nextFireAt at or before now, most overdue first', async () => {
    const s = store();
    const pipelineId = await pipelineWithVersions('p', 1);
    await s.createSchedule(scheduleInput(pipelineId, { name: 'late', nextFireAt: 500 }));
    await s.createSchedule(scheduleInput(pipelineId, { name: 'now', nextFireAt: 1_000 }));
    await s.createSchedule(scheduleInput(pipelineId, { name: 'later', nextFireAt: 2_000 }));
    await s.createSchedule(scheduleInput(pipelineId, { name: 'off', nextFireAt: 100, enabled: false }));
    await s.createSchedule(scheduleInput(pipelineId, { name: 'never', nextFireAt: null }));
    const due = async (now: number) => (await s.listDueSchedules(now)).map((x) => x.name);
    expect(await due(0)).toEqual([]);
    expect(await due(1_000)).toEqual(['late', 'now']);
    expect(await due(10_000)).toEqual(['late', 'now', 'later']);
  });

  it('advances a schedule only from the expected next fire time', async () => {
    const s = store();
    const pipelineId = await pipelineWithVersions('p', 1);
    const schedule = await s.createSchedule(scheduleInput(pipelineId, { nextFireAt: 1_000 }));
    expect(await s.advanceSchedule(schedule.id, 999, 2_000)).toBe(false);
    expect(await s.getSchedule(schedule.id)).toEqual(schedule);
    expect(await s.advanceSchedule(schedule.id, 1_000, 2_000)).toBe(true);
    expect(await s.getSchedule(schedule.id)).toMatchObject({ nextFireAt: 2_000, lastFiredAt: 1_000 });
    expect(await s.advanceSchedule(schedule.id, 1_000, 3_000)).toBe(false);
    // null ends the schedule: it is never due again, and cannot be advanced further.
    expect(await s.advanceSchedule(schedule.id, 2_000, null)).toBe(true);
    expect(await s.getSchedule(schedule.id)).toMatchObject({ nextFireAt: null, lastFiredAt: 2_000 });
    expect(await s.listDueSchedules(Number.MAX_SAFE_INTEGER)).toEqual([]);
    expect(await s.advanceSchedule('nope', 1, 2)).toBe(false);
    await expectFerryError(s.advanceSchedule(schedule.id, 1.5, 2), 'INVALID_PARAMETER_VALUE');
  });

  it('lets exactly one of 10 concurrent advances with the same expected value succeed', async () => {
    await withTwoStores(async (stores) => {
      const pipelineId = await pipelineWithVersions('p', 1);
      for (const round of range(3)) {
        const schedule = await stores[0].createSchedule(
          scheduleInput(pipelineId, { name: `s${round}`, nextFireAt: 1_000 }),
        );
        const results = await Promise.all(
          range(10).map((i) => stores[i % 2]!.advanceSchedule(schedule.id, 1_000, 2_000 + i)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect(await stores[1].getSchedule(schedule.id)).toMatchObject({
          nextFireAt: 2_000 + winner,
          lastFiredAt: 1_000,
        });
      }
    });
  });

  it('counts the active runs of a schedule', async () => {
    const s = store();
    const pipelineId = await pipelineWithVersions('p', 1);
    const schedule = await s.createSchedule(scheduleInput(pipelineId));
    const other = await s.createSchedule(scheduleInput(pipelineId, { name: 'other' }));
    expect(await s.countActiveRuns(schedule.id)).toBe(0);
    const runs = await Promise.all(range(6).map(() => newRun({ pipelineId, scheduleId: schedule.id })));
    await newRun({ pipelineId, scheduleId: other.id });
    await newRun({ pipelineId });
    await s.updatePipelineRun(runs[0]!.id, { status: 'running' });
    await s.updatePipelineRun(runs[1]!.id, { status: 'cancelling' });
    await s.updatePipelineRun(runs[2]!.id, { status: 'succeeded' });
    await s.updatePipelineRun(runs[3]!.id, { status: 'failed' });
    await s.updatePipelineRun(runs[4]!.id, { status: 'cancelled' });
    // pending, running, cancelling
    expect(await s.countActiveRuns(schedule.id)).toBe(3);
    expect(await s.countActiveRuns(other.id)).toBe(1);
    expect(await s.countActiveRuns('nope')).toBe(0);
  });
});
