import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import { downsampledHistory, pointValue, pointsForWidth } from '../api-metrics';
import type { DownsampledSeries, XAxis } from '../api-metrics';
import { ErrorBox } from '../components';
import { formatNumber } from '../format';

const WIDTH = 420;
const HEIGHT = 220;
const AXIS_LABELS: Record<XAxis, string> = { step: 'step', time: 'time', relative: 'seconds since start' };

/** The x values of a series on an axis: uPlot's time scale counts seconds. */
function xValues(series: DownsampledSeries, xAxis: XAxis, runStart: number | undefined): number[] {
  const points = series.points;
  if (xAxis === 'step') return points.map((p) => Number(p.step));
  if (xAxis === 'time') return points.map((p) => Number(p.timestamp) / 1000);
  const start = runStart || Number(points[0]?.timestamp ?? 0);
  return points.map((p) => (Number(p.timestamp) - start) / 1000);
}

/**
 * The downsampled series of one metric, fetched again when `version` changes (the run page passes
 * the latest logged point, so a live run's chart reloads only when something new was logged). The
 * previous series stays on screen until the next one arrives.
 */
function useSeries(runId: string, metricKey: string, xAxis: XAxis, version: string) {
  const [state, setState] = useState<{ series?: DownsampledSeries; error?: Error }>({});
  useEffect(() => {
    let current = true;
    downsampledHistory([runId], metricKey, pointsForWidth(WIDTH), xAxis).then(
      ([series]) => current && setState({ ...(series ? { series } : {}) }),
      (error: unknown) => current && setState((s) => ({ ...s, error: error as Error })),
    );
    return () => {
      current = false;
    };
  }, [runId, metricKey, xAxis, version]);
  return state;
}

/**
 * A uPlot line chart of one metric's history, drawn from the server's min/max downsampling sized to
 * the chart's pixel width (a million-point history arrives as a couple of thousand points that draw
 * the same envelope). The x axis is the step, the wall-clock time, or the time since the run started;
 * the y axis can be logarithmic when every value is positive.
 */
export function MetricChart({
  runId,
  metricKey,
  runStart,
  version = '',
}: {
  runId: string;
  metricKey: string;
  /** The run's start time (ms since the epoch), the origin of the relative-time axis. */
  runStart?: number | undefined;
  /** Anything that changes when the metric has new points (fetches the series again). */
  version?: string;
}) {
  const [xAxis, setXAxis] = useState<XAxis>('step');
  const [log, setLog] = useState(false);
  const { series, error } = useSeries(runId, metricKey, xAxis, version);
  const element = useRef<HTMLDivElement>(null);
  const values = series?.points.map(pointValue) ?? [];
  const canLog = values.some((v) => v > 0) && values.every((v) => Number.isNaN(v) || v > 0);
  const logScale = log && canLog;

  useEffect(() => {
    if (!series || !element.current) return;
    const ys = series.points.map((p) => {
      const v = pointValue(p);
      return Number.isFinite(v) ? v : null;
    });
    const data: uPlot.AlignedData = [xValues(series, xAxis, runStart), ys];
    const chart = new uPlot(
      {
        width: WIDTH,
        height: HEIGHT,
        scales: { x: { time: xAxis === 'time' }, y: logScale ? { distr: 3 } : {} },
        axes: [{ label: AXIS_LABELS[xAxis] }, {}],
        series: [
          { label: AXIS_LABELS[xAxis] },
          {
            label: metricKey,
            stroke: '#2563eb',
            width: 1.5,
            spanGaps: false,
            points: { show: series.points.length < 50 },
            value: (_u, v) => (v == null ? '' : formatNumber(v)),
          },
        ],
        legend: { show: true },
      },
      data,
      element.current,
    );
    return () => chart.destroy();
  }, [series, metricKey, xAxis, logScale, runStart]);

  return (
    <figure
      className="chart"
      data-testid={`chart-${metricKey}`}
      data-x-axis={xAxis}
      data-points={series?.points.length ?? 0}
      data-total-points={series?.total_points ?? 0}
    >
      <figcaption>
        {metricKey}{' '}
        {series?.downsampled && (
          <span
            className="muted"
            title="Each bucket's lowest and highest value are kept, with the first and last point"
          >
            ({series.points.length.toLocaleString()} of {series.total_points.toLocaleString()} points)
          </span>
        )}
      </figcaption>
      <div style={{ display: 'flex', gap: 12, alignItems: 'center', margin: '4px 0' }}>
        <select
          aria-label={`X axis of ${metricKey}`}
          value={xAxis}
          onChange={(e) => setXAxis(e.target.value as XAxis)}
        >
          <option value="step">Step</option>
          <option value="time">Time</option>
          <option value="relative">Relative time</option>
        </select>
        <label title={canLog ? undefined : 'Needs positive values'}>
          <input
            type="checkbox"
            aria-label={`Log scale for ${metricKey}`}
            checked={logScale}
            disabled={!canLog}
            onChange={(e) => setLog(e.target.checked)}
          />{' '}
          log
        </label>
      </div>
      <ErrorBox error={error} />
      <div ref={element} />
    </figure>
  );
}
