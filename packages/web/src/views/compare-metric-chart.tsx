import { memo, useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import { ErrorBox } from '../components';
import { formatNumber } from '../format';
import { useLoad } from '../use-load';
import { alignSeries, loadHistories } from './compare-data';

export interface ChartRun {
  id: string;
  name: string;
  color: string;
}

const HEIGHT = 320;

/**
 * One metric of every compared run on one uPlot chart (x = step), with client-side smoothing and an
 * optional log scale. Changing the smoothing only swaps the chart's data; the chart is rebuilt when the
 * runs or the scale change. The figure gets `data-ready="true"` once the chart has been drawn.
 */
export const CompareMetricChart = memo(function CompareMetricChart({
  metricKey,
  runs,
  smoothing,
  logScale,
}: {
  metricKey: string;
  runs: ChartRun[];
  smoothing: number;
  logScale: boolean;
}) {
  const runIds = useMemo(() => runs.map((r) => r.id), [runs]);
  const loaded = useLoad(`${metricKey}\n${runIds.join(',')}`, () => loadHistories(runIds, metricKey));
  const histories = loaded.data;
  const data = useMemo(
    () => (histories ? alignSeries(runIds, histories, smoothing, logScale) : undefined),
    [histories, runIds, smoothing, logScale],
  );
  const figure = useRef<HTMLElement>(null);
  const plot = useRef<HTMLDivElement>(null);
  const hover = useRef<HTMLSpanElement>(null);
  const chart = useRef<{ plot: uPlot; structure: string } | undefined>(undefined);
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const withData = histories ? runs.filter((r) => histories.has(r.id)).length : 0;

  // The chart's shape: rebuilt when it changes, otherwise only fed new data.
  const structure = `${logScale}\n${runs.map((r) => `${r.id}:${r.name}:${r.color}`).join('\n')}`;
  useEffect(() => {
    const element = plot.current;
    if (!data || !element || !figure.current) return;
    const current = chart.current;
    if (current && current.structure === structure) {
      current.plot.setData(data as uPlot.AlignedData);
      return;
    }
    current?.plot.destroy();
    const fig = figure.current;
    fig.dataset.ready = 'false';
    const names = runs.map((r) => r.name);
    const options: uPlot.Options = {
      width: Math.max(300, element.clientWidth),
      height: HEIGHT,
      scales: { x: { time: false }, y: logScale ? { distr: 3 } : {} },
      axes: [{ label: 'step' }, { size: 64 }],
      legend: { show: false },
      focus: { alpha: 0.25 },
      cursor: { focus: { prox: 24 }, points: { show: false } },
      series: [
        { label: 'step' },
        ...runs.map((r) => ({
          label: r.name,
          stroke: r.color,
          width: 1.5,
          spanGaps: true,
          points: { show: data[0]!.length < 30 },
        })),
      ],
      hooks: {
        draw: [
          () => {
            fig.dataset.ready = 'true';
            fig.dataset.drawnAt = String(Math.round(performance.now()));
          },
        ],
        setSeries: [
          (u, index) => {
            if (!hover.current) return;
            const idx = u.cursor.idx;
            const value = index && idx != null ? u.data[index]?.[idx] : undefined;
            hover.current.textContent =
              index != null && index > 0
                ? `${names[index - 1]}${value != null ? ` · step ${u.data[0][idx!]}: ${formatNumber(value)}` : ''}`
                : '';
          },
        ],
      },
    };
    chart.current = { plot: new uPlot(options, data as uPlot.AlignedData, element), structure };
    setHidden(new Set());
    // `runs` and `logScale` are part of `structure`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data, structure]);
  useEffect(
    () => () => {
      chart.current?.plot.destroy();
      chart.current = undefined;
    },
    [],
  );
  useEffect(() => {
    const element = plot.current;
    if (!element) return;
    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        const width = Math.max(300, element.clientWidth);
        const current = chart.current?.plot;
        if (current && Math.abs(current.width - width) > 2) current.setSize({ width, height: HEIGHT });
      });
    });
    observer.observe(element);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
    };
  }, []);

  const toggle = (index: number, id: string) => {
    const next = new Set(hidden);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setHidden(next);
    chart.current?.plot.setSeries(index + 1, { show: !next.has(id) });
  };

  return (
    <figure
      className="chart card"
      ref={figure}
      style={{ flex: '1 1 640px', minWidth: 0 }}
      data-testid="compare-chart"
      data-metric={metricKey}
      data-series={withData}
    >
      <figcaption style={{ display: 'flex', gap: 12 }}>
        <span>{metricKey}</span>
        <span className="muted" style={{ fontWeight: 400 }}>
          {loaded.loading ? 'Loading…' : `${withData} of ${runs.length} runs logged it`}
        </span>
        <span ref={hover} className="push-right" data-testid="compare-hover" style={{ fontWeight: 400 }} />
      </figcaption>
      <ErrorBox error={loaded.error} />
      <div ref={plot} style={{ width: '100%', minHeight: HEIGHT }} />
      <ul
        data-testid="compare-legend"
        aria-label={`Runs on the ${metricKey} chart`}
        style={{
          display: 'flex',
          flexWrap: 'wrap',
          gap: '2px 12px',
          listStyle: 'none',
          margin: '6px 0 0',
          padding: 0,
          maxHeight: 120,
          overflow: 'auto',
          fontSize: 12,
        }}
      >
        {runs.map((r, i) => (
          <li key={r.id}>
            <button
              type="button"
              className="link"
              title={hidden.has(r.id) ? 'Show this run' : 'Hide this run'}
              aria-pressed={!hidden.has(r.id)}
              onClick={() => toggle(i, r.id)}
              style={{ color: 'inherit', opacity: hidden.has(r.id) || !histories?.has(r.id) ? 0.4 : 1 }}
            >
              <span
                style={{
                  display: 'inline-block',
                  width: 14,
                  height: 3,
                  marginRight: 4,
                  verticalAlign: 'middle',
                  background: r.color,
                }}
              />
              {r.name}
            </button>
          </li>
        ))}
      </ul>
    </figure>
  );
});
