import { get } from './api';

/** The x axis a chart draws along: steps, wall-clock time, or seconds since the run started. */
export type XAxis = 'step' | 'time' | 'relative';

/** One point of a downsampled series, as the server sends it (NaN as the string "NaN"). */
export interface WirePoint {
  step: number;
  timestamp: number;
  value: number | 'NaN';
}

/** One run's series of one metric, reduced by the server to at most `max_points` points. */
export interface DownsampledSeries {
  run_id: string;
  metric_key: string;
  /** Points in the full history. */
  total_points: number;
  /** True when `points` is a min/max reduction of the history. */
  downsampled: boolean;
  points: WirePoint[];
}

/** The server's bounds on max_points. */
export const MAX_POINTS = { min: 4, max: 10_000 };

/** How many points a chart `width` CSS pixels wide needs: a min and a max per pixel column. */
export function pointsForWidth(width: number): number {
  const pixels = Math.round(width * (window.devicePixelRatio || 1));
  return Math.max(MAX_POINTS.min, Math.min(MAX_POINTS.max, 2 * pixels));
}

/**
 * `metrics/get-history-downsampled`: each run's history of one metric, at most `maxPoints` points per
 * run, ordered along steps (`step`) or time (`time` and `relative`).
 */
export async function downsampledHistory(
  runIds: string[],
  metricKey: string,
  maxPoints: number,
  xAxis: XAxis,
): Promise<DownsampledSeries[]> {
  const body = await get<{ series?: DownsampledSeries[] }>('metrics/get-history-downsampled', {
    run_id: runIds,
    metric_key: metricKey,
    max_points: maxPoints,
    x_axis: xAxis === 'step' ? 'step' : 'timestamp',
  });
  return body.series ?? [];
}

/** A wire value as a number (NaN for "NaN"). */
export const pointValue = (p: WirePoint): number => Number(p.value);
