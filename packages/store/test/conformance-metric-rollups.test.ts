import { describe, expect, it } from 'vitest';
import type { Metric } from '@ferry/core';
import type { DownsampledPoint } from '../src/index.js';
import { newStore, BACKENDS } from './backends.js';
import { metric, range, runMakers, useFreshStore } from './helpers.js';
import { ROLLUP_MIN_POINTS, planRollupRead, rollupWidth } from '../src/sql/metric-rollups.js';

type Axis = 'step' | 'timestamp';

/** A long, noisy series: deterministic pseudo-random values, two spikes, a stretch of NaN. */
function longSeries(n: number, seed = 7): Metric[] {
  let state = seed;
  const next = () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  return range(n).map((i) => {
    const value = i === 12_345 ? 500 : i === 23_456 ? -500 : i >= 5000 && i < 6000 ? NaN : next();
    return metric('loss', value, i, 1_700_000_000_000 + i * 7 + (i % 3));
  });
}

const xOf = (p: { step: number; timestamp: number }, axis: Axis) => (axis === 'step' ? p.step : p.timestamp);

/**
 * Checks a downsampled series against the whole one: every chart bucket (by the read plan the store
 * uses) shows its exact least and greatest values, or a NaN point when it holds only NaN, and nothing
 * else but the series' first and last points.
 */
function expectEnvelope(all: Metric[], kept: DownsampledPoint[], axis: Axis, maxPoints: number): void {
  const sorted = [...all].sort((a, b) => xOf(a, axis) - xOf(b, axis));
  const lo = xOf(sorted[0]!, axis);
  const hi = xOf(sorted.at(-1)!, axis);
  const { level, group } = planRollupRead({ lo, hi }, Math.floor((maxPoints - 2) / 2));
  const bucketOf = (p: { step: number; timestamp: number }) =>
    Math.floor(Math.floor(xOf(p, axis) / rollupWidth(level)) / group);
  const expected = new Map<number, { min: number; max: number }>();
  for (const m of all) {
    const k = bucketOf(m);
    const e = expected.get(k) ?? { min: Infinity, max: -Infinity };
    if (!Number.isNaN(m.value))
      Object.assign(e, { min: Math.min(e.min, m.value), max: Math.max(e.max, m.value) });
    expected.set(k, e);
  }
  expect(kept.length).toBeLessThanOrEqual(maxPoints);
  const xs = kept.map((p) => xOf(p, axis));
  expect(xs).toEqual([...xs].sort((a, b) => a - b));
  const byStep = new Map(all.map((m) => [m.step, m]));
  for (const p of kept) {
    const real = byStep.get(p.step)!;
    expect(p.timestamp).toBe(real.timestamp);
    expect(Object.is(p.value, real.value) || p.value === real.value).toBe(true);
  }
  expect(kept[0]!.step).toBe(sorted[0]!.step);
  expect(kept.at(-1)!.step).toBe(sorted.at(-1)!.step);
  for (const [k, e] of expected) {
    const inBucket = kept.filter((p) => bucketOf(p) === k);
    if (e.min === Infinity) {
      expect(inBucket.length, `bucket ${k}`).toBeGreaterThan(0);
      expect(inBucket.every((p) => Number.isNaN(p.value))).toBe(true);
      continue;
    }
    const values = inBucket.map((p) => p.value);
    expect(values, `bucket ${k}`).toContain(e.min);
    expect(values, `bucket ${k}`).toContain(e.max);
    for (const p of inBucket) {
      const endpoint = p.step === kept[0]!.step || p.step === kept.at(-1)!.step;
      expect(endpoint || p.value === e.min || p.value === e.max, `bucket ${k} step ${p.step}`).toBe(true);
    }
  }
}

describe.each(BACKENDS)('metric summaries (rollups) on $name', (backend) => {
  const { store, opened } = useFreshStore(backend);
  const { runId } = runMakers(store);
  const N = 30_000;
  expect(N).toBeGreaterThan(ROLLUP_MIN_POINTS);

  const logAll = async (id: string, metrics: Metric[], via = store) => {
    for (let i = 0; i < metrics.length; i += 1000)
      await via.logBatch(id, { metrics: metrics.slice(i, i + 1000) });
  };
  const downsampled = (id: string, xAxis: Axis, maxPoints: number) =>
    store.getMetricHistoryDownsampled({ runIds: [id], key: 'loss', xAxis, maxPoints }).then((s) => s[0]!);

  it('a long series keeps every chart bucket’s exact extremes on both axes', async () => {
    const id = await runId(await store.createExperiment({ name: 'rollups' }));
    const all = longSeries(N);
    // Out of order: summaries merge, whatever order points arrive in.
    await logAll(id, [...all.slice(N / 2), ...all.slice(0, N / 2)]);
    for (const xAxis of ['step', 'timestamp'] as const) {
      for (const maxPoints of [4, 100, 1000, 10_000]) {
        const series = await downsampled(id, xAxis, maxPoints);
        expect(series).toMatchObject({ totalPoints: N, downsampled: true });
        expectEnvelope(all, series.points, xAxis, maxPoints);
        expect(series.points).toContainEqual({ step: 12_345, timestamp: all[12_345]!.timestamp, value: 500 });
        expect(series.points).toContainEqual({
          step: 23_456,
          timestamp: all[23_456]!.timestamp,
          value: -500,
        });
      }
    }
  });

  it('counts each point once: duplicates logged again change nothing', async () => {
    const id = await runId(await store.createExperiment({ name: 'rollups' }));
    const all = longSeries(N);
    await logAll(id, all);
    await logAll(id, all.slice(100, 3100));
    await store.logBatch(id, { metrics: [all[5]!, all[5]!, metric('loss', 9, N, all[0]!.timestamp)] });
    const series = await downsampled(id, 'step', 1000);
    expect(series.totalPoints).toBe(N + 1);
    expectEnvelope([...all, metric('loss', 9, N, all[0]!.timestamp)], series.points, 'step', 1000);
  });

  it('concurrent writers from two stores leave exact counts and extremes', async () => {
    const id = await runId(await store.createExperiment({ name: 'rollups' }));
    const second = newStore(opened.database.adapter());
    await second.open();
    try {
      const all = longSeries(N);
      const odd = all.filter((m) => m.step % 2 === 1);
      const even = all.filter((m) => m.step % 2 === 0);
      await Promise.all([
        logAll(id, odd, store),
        logAll(id, even, second),
        logAll(id, even.slice(0, 4000), store),
      ]);
      const series = await downsampled(id, 'timestamp', 1000);
      expect(series.totalPoints).toBe(N);
      expectEnvelope(all, series.points, 'timestamp', 1000);
    } finally {
      await second.close();
    }
  });

  it('a series logged before summaries existed is summarised once, on its first read', async () => {
    const exp = await store.createExperiment({ name: 'rollups' });
    const [id, other] = [await runId(exp), await runId(exp)];
    const all = longSeries(N);
    await logAll(id, all);
    await logAll(other, longSeries(N, 3));
    const before = await downsampled(id, 'step', 1000);
    // What the migration leaves for history that predates it: no summaries, the series' state unknown.
    await opened.database.query('delete from metric_rollups');
    await opened.database.query('update latest_metrics set rollup_state = 2, points_sent = 0');
    // A point logged meanwhile is stored but not summarised (the series is not known to be long yet).
    const late = metric('loss', -900, N + 5, all.at(-1)!.timestamp + 50);
    await store.logBatch(id, { metrics: [late] });
    const reads = await Promise.all([downsampled(id, 'step', 1000), downsampled(id, 'step', 1000)]);
    for (const series of reads) {
      expect(series.totalPoints).toBe(N + 1);
      expectEnvelope([...all, late], series.points, 'step', 1000);
    }
    expect(before.points.length).toBeGreaterThan(0);
    const unknown = 'select series_id from latest_metrics where rollup_state = 2';
    expect(await opened.database.query(unknown)).toHaveLength(1);
    expect((await downsampled(other, 'timestamp', 500)).totalPoints).toBe(N);
    expect(await opened.database.query(unknown)).toHaveLength(0);
  });

  it('purging a run removes its summaries, and only its own', async () => {
    const exp = await store.createExperiment({ name: 'rollups' });
    const [gone, kept] = [await runId(exp), await runId(exp)];
    await logAll(gone, longSeries(N));
    await logAll(kept, longSeries(N, 5));
    const rollups = async () =>
      Number((await opened.database.query('select count(*) as n from metric_rollups'))[0]?.n);
    const both = await rollups();
    await store.deleteRun(gone);
    await store.purgeRuns([gone]);
    expect(await rollups()).toBe(both / 2);
    expect((await downsampled(kept, 'step', 1000)).totalPoints).toBe(N);
  });
});
