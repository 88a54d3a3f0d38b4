import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqlTrackingStore, sqlStores } from '@ferry/store';
import type { CreateScheduleInput, PipelineRun, PipelineSchedule, PipelineStore } from '@ferry/store';
import { PipelineController, PipelineScheduler } from '../src/index.js';
import { shell, spec, task, useHarness } from './controller-harness.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const HOUR = 60 * MIN;
const iso = (ms: number): string => new Date(ms).toISOString();

describe.each(['sqlite', 'postgresql'] as const)('pipeline scheduler on %s', (backend) => {
  const h = useHarness(backend);

  /** A fake clock, a log, and schedulers on the harness's stores (or others) reading both. */
  function world() {
    const clock = { now: T0 };
    const logged: string[] = [];
    const scheduler = (
      controller: PipelineController = h.current().controller(),
      pipelines: PipelineStore = h.current().pipelines,
    ) =>
      new PipelineScheduler(
        { pipelines, controller, now: () => clock.now, log: (m) => logged.push(m) },
        { pollMs: 20 },
      );
    return { clock, logged, scheduler };
  }

  /** A pipeline whose versions echo their number and the `tag` parameter into runs.txt. */
  async function pipeline(name = 'p', versions = 1, script?: string): Promise<string> {
    const { pipelines, dir } = h.current();
    const { id } = await pipelines.createPipeline({ name });
    for (let v = 1; v <= versions; v++) {
      const pipelineSpec = spec(
        name,
        {
          t: task(
            shell('t', script ?? `echo "v${v} {{inputs.tag}}" >> ${join(dir, 'runs.txt')}`, {
              inputs: { tag: { kind: 'parameter', schema: { type: 'string' } } },
            }),
            { tag: { parameter: 'tag' } },
          ),
        },
        { parameters: { tag: { schema: { type: 'string' }, default: 'none' } } },
      );
      await pipelines.createPipelineVersion(id, { spec: pipelineSpec, specDigest: `sha256:${name}${v}` });
    }
    return id;
  }

  function schedule(pipelineId: string, over: Partial<CreateScheduleInput> = {}): Promise<PipelineSchedule> {
    return h.current().pipelines.createSchedule({
      name: 'every-minute',
      pipelineId,
      pipelineVersion: null,
      parameters: {},
      experimentId: h.current().experimentId,
      cron: null,
      timezone: null,
      intervalMs: MIN,
      maxConcurrency: 10,
      catchup: false,
      enabled: true,
      nextFireAt: T0 + MIN,
      ...over,
    });
  }

  /** The schedule's runs, oldest first, once all of them have finished. */
  async function finishedRuns(scheduleId: string, controller: PipelineController): Promise<PipelineRun[]> {
    const { items } = await h.current().pipelines.listPipelineRuns({ scheduleId, maxResults: 1000 });
    const runs = await Promise.all(items.map((r) => controller.wait(r.id, 20)));
    return runs.sort((a, b) => a.name.localeCompare(b.name));
  }

  it('fires when due and not before, advances nextFireAt, and runs the latest or the pinned version', async () => {
    const { pipelines } = h.current();
    const { clock, logged, scheduler } = world();
    const controller = h.current().controller();
    const s = scheduler(controller);
    const pipelineId = await pipeline('p', 2);
    const latest = await schedule(pipelineId, { parameters: { tag: 'latest' } });
    const pinned = await schedule(pipelineId, {
      name: 'pinned',
      pipelineVersion: 1,
      parameters: { tag: 'pinned' },
      nextFireAt: T0 + 2 * MIN,
    });

    clock.now = T0 + MIN - 1;
    expect(await s.tick()).toBe(0);
    expect(await pipelines.getSchedule(latest.id)).toMatchObject({ nextFireAt: T0 + MIN, lastFiredAt: null });

    clock.now = T0 + MIN;
    expect(await s.tick()).toBe(1);
    expect(await pipelines.getSchedule(latest.id)).toMatchObject({
      nextFireAt: T0 + 2 * MIN,
      lastFiredAt: T0 + MIN,
    });
    expect(await s.tick()).toBe(0);

    clock.now = T0 + 2 * MIN + 500;
    expect(await s.tick()).toBe(2);
    expect(await pipelines.getSchedule(pinned.id)).toMatchObject({
      nextFireAt: T0 + 3 * MIN,
      lastFiredAt: T0 + 2 * MIN,
    });

    const runs = await finishedRuns(latest.id, controller);
    expect(runs.map((r) => [r.name, r.status, r.pipelineId, r.pipelineVersion, r.scheduleId])).toEqual([
      [`every-minute-${iso(T0 + MIN)}`, 'succeeded', pipelineId, 2, latest.id],
      [`every-minute-${iso(T0 + 2 * MIN)}`, 'succeeded', pipelineId, 2, latest.id],
    ]);
    expect(runs[0]!.parameters).toEqual({ tag: 'latest' });
    const [pinnedRun] = await finishedRuns(pinned.id, controller);
    expect(pinnedRun).toMatchObject({ name: `pinned-${iso(T0 + 2 * MIN)}`, pipelineVersion: 1 });
    // The pinned version and the parameters reached the task (the second 'latest' run may be cached).
    expect([...new Set(await h.current().lines('runs.txt'))].sort()).toEqual(['v1 pinned', 'v2 latest']);
    expect(logged).toEqual([]);
  });

  it('fires a cron schedule in its time zone', async () => {
    const { pipelines } = h.current();
    const { clock, scheduler } = world();
    const controller = h.current().controller();
    const s = scheduler(controller);
    // 09:00 in Berlin is 08:00 UTC in January.
    const cron = await schedule(await pipeline(), {
      name: 'berlin',
      cron: '0 9 * * *',
      timezone: 'Europe/Berlin',
      intervalMs: null,
      nextFireAt: T0 + 8 * HOUR,
    });
    clock.now = T0 + 8 * HOUR;
    expect(await s.tick()).toBe(1);
    expect((await pipelines.getSchedule(cron.id)).nextFireAt).toBe(T0 + 24 * HOUR + 8 * HOUR);
    expect((await finishedRuns(cron.id, controller)).map((r) => r.name)).toEqual([
      `berlin-${iso(T0 + 8 * HOUR)}`,
    ]);
  });

  it('without catch-up runs once for the latest missed time after a gap; with catch-up runs every missed time', async () => {
    const { pipelines } = h.current();
    const { clock, scheduler } = world();
    const controller = h.current().controller();
    const s = scheduler(controller);
    const pipelineId = await pipeline();
    const off = await schedule(pipelineId, { name: 'off' });
    const on = await schedule(pipelineId, { name: 'on', catchup: true });

    // The server was down from before the first fire (T0 + 1 min) until 5.5 minutes in.
    clock.now = T0 + 5.5 * MIN;
    const counts: number[] = [];
    for (let started = await s.tick(); started > 0; started = await s.tick()) counts.push(started);
    // First tick: both; then only the catching-up one, once per tick, for its 4 other misses.
    expect(counts).toEqual([2, 1, 1, 1, 1]);

    expect(await pipelines.getSchedule(off.id)).toMatchObject({
      nextFireAt: T0 + 6 * MIN,
      lastFiredAt: T0 + MIN,
    });
    expect(await pipelines.getSchedule(on.id)).toMatchObject({
      nextFireAt: T0 + 6 * MIN,
      lastFiredAt: T0 + 5 * MIN,
    });
    expect((await finishedRuns(off.id, controller)).map((r) => [r.name, r.status])).toEqual([
      [`off-${iso(T0 + 5 * MIN)}`, 'succeeded'],
    ]);
    expect((await finishedRuns(on.id, controller)).map((r) => [r.name, r.status])).toEqual(
      [1, 2, 3, 4, 5].map((i) => [`on-${iso(T0 + i * MIN)}`, 'succeeded']),
    );
  });

  it('without catch-up moves a cron schedule on to its first time after now', async () => {
    const { pipelines } = h.current();
    const { clock, scheduler } = world();
    const controller = h.current().controller();
    const s = scheduler(controller);
    const hourly = await schedule(await pipeline(), {
      name: 'hourly',
      cron: '0 * * * *',
      intervalMs: null,
      nextFireAt: T0 + HOUR,
    });
    clock.now = T0 + 5.5 * HOUR;
    expect(await s.tick()).toBe(1);
    expect(await s.tick()).toBe(0);
    expect(await pipelines.getSchedule(hourly.id)).toMatchObject({
      nextFireAt: T0 + 6 * HOUR,
      lastFiredAt: T0 + HOUR,
    });
    expect((await finishedRuns(hourly.id, controller)).map((r) => r.name)).toEqual([
      `hourly-${iso(T0 + 5 * HOUR)}`,
    ]);
  });

  it('skips (and still advances) a fire while maxConcurrency runs are active', async () => {
    const { pipelines, dir } = h.current();
    const { clock, logged, scheduler } = world();
    const controller = h.current().controller();
    const s = scheduler(controller);
    const gate = join(dir, 'gate');
    const pipelineId = await pipeline('slow', 1, `while [ ! -f ${gate} ]; do sleep 0.05; done`);
    const one = await schedule(pipelineId, { name: 'one', maxConcurrency: 1 });

    clock.now = T0 + MIN;
    expect(await s.tick()).toBe(1);
    clock.now = T0 + 2 * MIN;
    expect(await s.tick()).toBe(0);
    expect(await pipelines.getSchedule(one.id)).toMatchObject({
      nextFireAt: T0 + 3 * MIN,
      lastFiredAt: T0 + 2 * MIN,
    });
    expect(logged).toEqual([
      expect.stringMatching(
        new RegExp(
          `'one' .* skipped its fire of ${iso(T0 + 2 * MIN)}: 1 run\\(s\\) still active, maxConcurrency 1`,
        ),
      ),
    ]);

    await writeFile(gate, '');
    expect((await finishedRuns(one.id, controller)).map((r) => r.status)).toEqual(['succeeded']);
    clock.now = T0 + 3 * MIN;
    expect(await s.tick()).toBe(1);
    expect((await finishedRuns(one.id, controller)).map((r) => r.name)).toEqual([
      `one-${iso(T0 + MIN)}`,
      `one-${iso(T0 + 3 * MIN)}`,
    ]);
  });

  it('never fires a disabled schedule', async () => {
    const { pipelines } = h.current();
    const { clock, scheduler } = world();
    const s = scheduler();
    const off = await schedule(await pipeline(), { enabled: false, nextFireAt: T0 });
    for (const now of [T0, T0 + MIN, T0 + 24 * HOUR]) {
      clock.now = now;
      expect(await s.tick()).toBe(0);
    }
    expect(await pipelines.getSchedule(off.id)).toMatchObject({ nextFireAt: T0, lastFiredAt: null });
    expect((await pipelines.listPipelineRuns({ scheduleId: off.id })).items).toEqual([]);
  });

  it('logs a failing schedule and fires the others', async () => {
    const { pipelines } = h.current();
    const { clock, logged, scheduler } = world();
    const controller = h.current().controller();
    const s = scheduler(controller);
    const { id: bad } = await pipelines.createPipeline({ name: 'bad' });
    await pipelines.createPipelineVersion(bad, { spec: { apiVersion: 'nope' }, specDigest: 'sha256:bad' });
    const { id: empty } = await pipelines.createPipeline({ name: 'empty' });
    const badSpec = await schedule(bad, { name: 'a-bad-spec' });
    const noVersion = await schedule(empty, { name: 'b-no-version' });
    const good = await schedule(await pipeline(), { name: 'c-good' });

    clock.now = T0 + MIN;
    expect(await s.tick()).toBe(1);
    expect(logged.sort()).toEqual([
      expect.stringMatching(/'a-bad-spec' .* failed to fire: Invalid pipeline spec/),
      expect.stringMatching(/'b-no-version' .* failed to fire: pipeline .* has no versions/),
    ]);
    // Their fires are consumed: they are due again at the next time, not at every tick.
    for (const id of [badSpec.id, noVersion.id, good.id]) {
      expect((await pipelines.getSchedule(id)).nextFireAt).toBe(T0 + 2 * MIN);
    }
    expect((await finishedRuns(good.id, controller)).map((r) => r.status)).toEqual(['succeeded']);
  });

  it('starts exactly one run per fire when two schedulers (two replicas) tick at the same time', async () => {
    const { clock, scheduler } = world();
    const { dir, deps } = h.current();
    // On PostgreSQL the second replica has its own store, with its own connections; SQLite's driver is
    // synchronous, so there both replicas share the store and race through interleaved transactions.
    const otherTracking =
      backend === 'postgresql'
        ? new SqlTrackingStore({
            adapter: h.current().tracking.adapter,
            defaultArtifactRoot: join(dir, 'artifacts'),
            migrate: false,
          })
        : undefined;
    await otherTracking?.open();
    const otherPipelines = otherTracking ? sqlStores(otherTracking).pipelines : deps.pipelines;
    const controllers = [
      h.current().controller(),
      new PipelineController(
        { ...deps, pipelines: otherPipelines, tracking: otherTracking ?? deps.tracking },
        { leaseMs: 2000, pollMs: 100 },
      ),
    ] as const;
    try {
      const replicas = [scheduler(controllers[0]), scheduler(controllers[1], otherPipelines)] as const;
      const pipelineId = await pipeline();
      const schedules = [
        await schedule(pipelineId, { name: 'a' }),
        await schedule(pipelineId, { name: 'b', catchup: true }),
        await schedule(pipelineId, { name: 'c', cron: '* * * * *', intervalMs: null }),
      ];
      const rounds = 4;
      for (let round = 1; round <= rounds; round++) {
        clock.now = T0 + round * MIN;
        const started = await Promise.all([
          replicas[0].tick(),
          replicas[1].tick(),
          replicas[0].tick(),
          replicas[1].tick(),
        ]);
        expect(started.reduce((a, b) => a + b, 0)).toBe(schedules.length);
      }
      for (const { id, name } of schedules) {
        const { items } = await deps.pipelines.listPipelineRuns({ scheduleId: id, maxResults: 1000 });
        expect(items.map((r) => r.name).sort()).toEqual(
          Array.from({ length: rounds }, (_, i) => `${name}-${iso(T0 + (i + 1) * MIN)}`),
        );
        // Each run is waited for on the replica driving it (either controller's wait would do).
        for (const run of items) expect((await controllers[0].wait(run.id, 20)).status).toBe('succeeded');
      }
    } finally {
      await controllers[1].stop();
      await otherTracking?.close();
    }
  });

  it('carries on after a restart from the stored nextFireAt', async () => {
    const { pipelines } = h.current();
    const { clock, scheduler } = world();
    const first = h.current().controller();
    const s1 = scheduler(first);
    const every = await schedule(await pipeline());
    clock.now = T0 + MIN;
    expect(await s1.tick()).toBe(1);
    await finishedRuns(every.id, first);
    await first.stop();

    // A new process: new controller, new scheduler, nothing shared but the database.
    const second = h.current().controller();
    const s2 = scheduler(second);
    expect(await s2.tick()).toBe(0);
    clock.now = T0 + 2 * MIN - 1;
    expect(await s2.tick()).toBe(0);
    clock.now = T0 + 2 * MIN;
    s2.start();
    while ((await pipelines.getSchedule(every.id)).nextFireAt !== T0 + 3 * MIN) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await s2.stop();
    expect((await finishedRuns(every.id, second)).map((r) => [r.name, r.status])).toEqual([
      [`every-minute-${iso(T0 + MIN)}`, 'succeeded'],
      [`every-minute-${iso(T0 + 2 * MIN)}`, 'succeeded'],
    ]);
  });
});
