import { beforeEach, describe, expect, it } from 'vitest';
import type { Metric } from '@ferry/core';
import type { DownsampledPoint, DownsampleInput } from '../src/index.js';
import { BACKENDS } from './backends.js';
import { expectFerryError, metric, range, runMakers, useFreshStore } from './helpers.js';

/** Points as [step, timestamp, value], for order-sensitive comparisons. */
const triples = (points: readonly DownsampledPoint[]): [number, number, number][] =>
  points.map((p) => [p.step, p.timestamp, p.value]);

/** A noisy wave with known extremes: a spike up at `up` and down at `down`. */
function wave(n: number, up: number, down: number): Metric[] {
  return range(n).map((i) =>
    metric(
      'loss',
      i === up ? 1000 : i === down ? -1000 : Math.sin(i / 50) + (i % 7) / 100,
      i,
      10_000 + i * 10,
    ),
  );
}

describe.each(BACKENDS)('TrackingStore conformance on $name', (backend) => {
  const { store } = useFreshStore(backend);
  const { runId } = runMakers(store);

  describe('downsampled metric history', () => {
    let exp: string;
    const query = (input: Partial<DownsampleInput> & { runIds: string[] }) =>
      store.getMetricHistoryDownsampled({ key: 'loss', maxPoints: 100, xAxis: 'step', ...input });
    const log = async (id: string, metrics: Metric[]) => {
      for (let i = 0; i < metrics.length; i += 1000)
        await store.logBatch(id, { metrics: metrics.slice(i, i + 1000) });
    };
    beforeEach(async () => {
      exp = await store.createExperiment({ name: 'downsample' });
    });

    it('returns a short series untouched, in x order', async () => {
      const id = await runId(exp);
      const metrics = wave(50, 10, 20).reverse();
      await log(id, metrics);
      const [series] = await query({ runIds: [id] });
      expect(series).toMatchObject({ runId: id, key: 'loss', totalPoints: 50, downsampled: false });
      expect(triples(series!.points)).toEqual(
        range(50).map((i) => [i, 10_000 + i * 10, metrics.find((m) => m.step === i)!.value]),
      );
    });

    it('keeps at most maxPoints, the extremes, and the first and last points', async () => {
      const id = await runId(exp);
      const metrics = wave(5000, 1234, 3210);
      await log(id, metrics);
      for (const xAxis of ['step', 'timestamp'] as const) {
        for (const maxPoints of [4, 100, 999]) {
          const [series] = await query({ runIds: [id], xAxis, maxPoints });
          const points = series!.points;
          expect(series).toMatchObject({ totalPoints: 5000, downsampled: true });
          expect(points.length).toBeLessThanOrEqual(maxPoints);
          expect(points.length).toBeGreaterThan(maxPoints / 2);
          const steps = points.map((p) => p.step);
          expect(steps).toEqual([...steps].sort((a, b) => a - b));
          expect(new Set(steps).size).toBe(steps.length);
          expect(triples([points[0]!])).toEqual([[0, 10_000, metrics[0]!.value]]);
          expect(triples([points.at(-1)!])).toEqual([[4999, 10_000 + 4999 * 10, metrics[4999]!.value]]);
          expect(points).toContainEqual({ step: 1234, timestamp: 10_000 + 12_340, value: 1000 });
          expect(points).toContainEqual({ step: 3210, timestamp: 10_000 + 32_100, value: -1000 });
          // Every point is a real one.
          for (const p of points) expect(p.value).toBe(metrics[p.step]!.value);
        }
      }
    });

    it('keeps each bucket’s minimum and maximum', async () => {
      const id = await runId(exp);
      // 40 buckets of 10 steps (maxPoints 82 -> 40 buckets); each bucket's low at +3, high at +7.
      await log(
        id,
        range(400).map((i) => metric('loss', i % 10 === 3 ? -i : i % 10 === 7 ? i + 1000 : i / 1000, i, i)),
      );
      const [series] = await query({ runIds: [id], maxPoints: 82 });
      const kept = series!.points.map((p) => p.step);
      const expected = range(40).flatMap((b) => [b * 10 + 3, b * 10 + 7]);
      expect(kept).toEqual([0, ...expected, 399]);
    });

    it('leaves NaN out of the extremes but keeps a bucket of only NaN, and NaN first or last points', async () => {
      const id = await runId(exp);
      // Steps 0..199 are NaN, then a wave; the last point is NaN too.
      const metrics = range(1000).map((i) =>
        metric('loss', i < 200 || i === 999 ? NaN : i === 500 ? 7 : Math.cos(i), i, i),
      );
      await log(id, metrics);
      const [series] = await query({ runIds: [id], maxPoints: 22 });
      const points = series!.points;
      expect(points.length).toBeLessThanOrEqual(22);
      expect(points[0]!.step).toBe(0);
      expect(points[0]!.value).toBeNaN();
      expect(points.at(-1)!.step).toBe(999);
      expect(points.at(-1)!.value).toBeNaN();
      expect(points).toContainEqual({ step: 500, timestamp: 500, value: 7 });
      // The first two buckets (steps 0..199; 10 buckets of 100) hold nothing but NaN: one point each,
      // besides the first point (which may be one of them).
      const early = points.filter((p) => p.step < 200);
      expect(early.length).toBeGreaterThanOrEqual(2);
      expect(early.length).toBeLessThanOrEqual(3);
      expect(early.filter((p) => p.step < 100).length).toBeGreaterThanOrEqual(1);
      expect(early.filter((p) => p.step >= 100).length).toBe(1);
      expect(points.filter((p) => p.step < 200).every((p) => Number.isNaN(p.value))).toBe(true);
      // Elsewhere NaN never stands for a bucket's extreme.
      expect(points.filter((p) => p.step >= 200 && p.step < 999).every((p) => !Number.isNaN(p.value))).toBe(
        true,
      );
    });

    it('answers every run asked for, in order, once; runs without the metric are empty', async () => {
      const [a, b, c] = [await runId(exp), await runId(exp), await runId(exp)];
      await log(a, wave(300, 5, 6));
      await log(b, wave(30, 5, 6));
      await store.logBatch(c, { metrics: [metric('other', 1)] });
      const got = await query({ runIds: [b, a, c, b] });
      expect(got.map((s) => [s.runId, s.totalPoints, s.downsampled, s.points.length])).toEqual([
        [b, 30, false, 30],
        [a, 300, true, expect.any(Number)],
        [c, 0, false, 0],
      ]);
      expect(got[1]!.points.length).toBeLessThanOrEqual(100);
    });

    it('orders along time on a timestamp axis', async () => {
      const id = await runId(exp);
      // Steps run backwards in time.
      await log(
        id,
        range(20).map((i) => metric('loss', i, 19 - i, 1000 + i)),
      );
      const [byTime] = await query({ runIds: [id], xAxis: 'timestamp' });
      expect(byTime!.points.map((p) => p.timestamp)).toEqual(range(20).map((i) => 1000 + i));
      const [byStep] = await query({ runIds: [id], xAxis: 'step' });
      expect(byStep!.points.map((p) => p.step)).toEqual(range(20));
    });

    it('rejects unknown runs with RESOURCE_DOES_NOT_EXIST and bad limits with INVALID_PARAMETER_VALUE', async () => {
      const id = await runId(exp);
      const unknown = '9'.repeat(32);
      await expectFerryError(
        query({ runIds: [id, unknown] }),
        'RESOURCE_DOES_NOT_EXIST',
        `Run with id=${unknown} not found`,
      );
      for (const maxPoints of [0, 3, 10_001, 1.5]) {
        await expectFerryError(query({ runIds: [id], maxPoints }), 'INVALID_PARAMETER_VALUE', /max_points/);
      }
      await expectFerryError(query({ runIds: [] }), 'INVALID_PARAMETER_VALUE');
    });
  });
});
