import { DOWNSAMPLE_LIMITS } from '@ferry/store';
import { wireDouble } from '../http/wire.js';
import type { ApiRoute } from './route.js';

/**
 * A Ferry extension for charts: each run's history of one metric reduced to at most `max_points`
 * points per run (min/max per x bucket plus the first and last point; see the store), so a
 * million-point series reaches the browser as a few thousand points.
 */
export const downsampledMetricRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/metrics/get-history-downsampled',
    async handle({ fields, deps }) {
      const series = await deps.store.getMetricHistoryDownsampled({
        runIds: fields.stringList('run_id'),
        key: fields.string('metric_key'),
        maxPoints: fields.optionalInt('max_points') ?? DOWNSAMPLE_LIMITS.defaultPoints,
        xAxis: fields.optionalEnum('x_axis', ['step', 'timestamp'] as const) ?? 'step',
      });
      return {
        series: series.map((s) => ({
          run_id: s.runId,
          metric_key: s.key,
          total_points: s.totalPoints,
          downsampled: s.downsampled,
          points: s.points.map((p) => ({ step: p.step, timestamp: p.timestamp, value: wireDouble(p.value) })),
        })),
      };
    },
  },
];
