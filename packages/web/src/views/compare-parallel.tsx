import { memo, useEffect, useRef, useState } from 'react';
import type { MouseEvent } from 'react';
import { formatNumber } from '../format';
import type { Run } from '../types';
import type { Axis } from './compare-data';
import { axisOf, axisPosition, cellValue, runName, scaleColor } from './compare-data';

const HEIGHT = 340;
const MARGIN = { top: 40, right: 70, bottom: 28, left: 70 };

interface PlotAxis {
  label: string;
  axis: Axis;
  values: (string | number | undefined)[];
}

function tickLabels(axis: Axis): { at: number; text: string }[] {
  if (axis.type === 'categorical') {
    const every = Math.ceil(axis.categories.length / 12);
    return axis.categories
      .map((text, i) => ({ at: axisPosition(axis, text)!, text, i }))
      .filter((t) => t.i % every === 0);
  }
  if (axis.min === axis.max) return [{ at: 0.5, text: formatNumber(axis.min) }];
  return [0, 0.25, 0.5, 0.75, 1].map((at) => ({
    at,
    text: formatNumber(axis.min + (axis.max - axis.min) * at),
  }));
}

const clip = (text: string, n = 14) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

/**
 * Parallel coordinates drawn on a canvas: one vertical axis per chosen param (numeric or categorical)
 * and the chosen metric last; one polyline per run, coloured by that metric (dark blue = lowest,
 * orange = highest). A segment is left out where a run lacks a value. Hovering a line names its run.
 */
export const ParallelCoordinates = memo(function ParallelCoordinates({
  runs,
  params,
  metric,
}: {
  runs: Run[];
  params: string[];
  metric: string | undefined;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const wrapper = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [hovered, setHovered] = useState<number | undefined>();
  const lines = useRef<{ x: number; y: number | undefined }[][]>([]);

  useEffect(() => {
    const element = wrapper.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setWidth(Math.max(400, Math.floor(element.clientWidth))));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const axes: PlotAxis[] = [
    ...params.map((key) => {
      const values = runs.map((r) => cellValue(r, 'param', key));
      return { label: key, axis: axisOf(values), values };
    }),
    ...(metric
      ? [
          (() => {
            const values = runs.map((r) => cellValue(r, 'metric', metric));
            return { label: metric, axis: axisOf(values), values };
          })(),
        ]
      : []),
  ];
  const metricAxis = metric ? axes[axes.length - 1] : undefined;

  useEffect(() => {
    const element = canvas.current;
    if (!element || width === 0) return;
    const ratio = window.devicePixelRatio || 1;
    element.width = width * ratio;
    element.height = HEIGHT * ratio;
    element.style.width = `${width}px`;
    element.style.height = `${HEIGHT}px`;
    const ctx = element.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, HEIGHT);
    const plotWidth = width - MARGIN.left - MARGIN.right;
    const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
    const xOf = (i: number) =>
      MARGIN.left + (axes.length === 1 ? plotWidth / 2 : (plotWidth * i) / (axes.length - 1));
    const yOf = (t: number) => MARGIN.top + plotHeight * (1 - t);

    // Lines first, the hovered one last and thicker; runs without the metric in grey.
    lines.current = runs.map((_, r) =>
      axes.map((a, i) => {
        const t = axisPosition(a.axis, a.values[r]);
        return { x: xOf(i), y: t === undefined ? undefined : yOf(t) };
      }),
    );
    const colorOf = (r: number) => {
      if (!metricAxis) return '#4e79a7';
      const t = axisPosition(metricAxis.axis, metricAxis.values[r]);
      return t === undefined ? '#9ca3af' : scaleColor(t);
    };
    const order = runs.map((_, r) => r).filter((r) => r !== hovered);
    if (hovered !== undefined && hovered < runs.length) order.push(hovered);
    for (const r of order) {
      const points = lines.current[r]!;
      ctx.strokeStyle = colorOf(r);
      ctx.lineWidth = r === hovered ? 3 : 1.5;
      ctx.globalAlpha = hovered === undefined || r === hovered ? 0.85 : 0.25;
      ctx.beginPath();
      let drawing = false;
      for (const p of points) {
        if (p.y === undefined) {
          drawing = false;
          continue;
        }
        if (drawing) ctx.lineTo(p.x, p.y);
        else ctx.moveTo(p.x, p.y);
        drawing = true;
      }
      ctx.stroke();
    }
    ctx.globalAlpha = 1;

    // Axes with their labels and ticks.
    ctx.font = '12px system-ui, sans-serif';
    axes.forEach((a, i) => {
      const x = xOf(i);
      ctx.strokeStyle = '#374151';
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x, yOf(0));
      ctx.lineTo(x, yOf(1));
      ctx.stroke();
      ctx.fillStyle = '#111827';
      ctx.textAlign = 'center';
      ctx.font = '600 12px system-ui, sans-serif';
      ctx.fillText(clip(a.label, 20), x, MARGIN.top - 22);
      ctx.font = '11px system-ui, sans-serif';
      ctx.fillStyle = '#4b5563';
      ctx.textAlign = 'left';
      for (const tick of tickLabels(a.axis)) {
        const y = yOf(tick.at);
        ctx.beginPath();
        ctx.moveTo(x - 3, y);
        ctx.lineTo(x + 3, y);
        ctx.stroke();
        ctx.fillText(clip(tick.text), x + 5, y + 4);
      }
    });
    element.dataset.ready = 'true';
    // `axes` and `metricAxis` derive from runs, params and metric.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [runs, params, metric, width, hovered]);

  const onMove = (event: MouseEvent<HTMLCanvasElement>) => {
    const rect = event.currentTarget.getBoundingClientRect();
    const [mx, my] = [event.clientX - rect.left, event.clientY - rect.top];
    let best: number | undefined;
    let bestDistance = 8;
    lines.current.forEach((points, r) => {
      for (let i = 0; i + 1 < points.length; i++) {
        const [a, b] = [points[i]!, points[i + 1]!];
        if (a.y === undefined || b.y === undefined || mx < a.x || mx > b.x) continue;
        const y = a.y + ((b.y - a.y) * (mx - a.x)) / (b.x - a.x || 1);
        const distance = Math.abs(y - my);
        if (distance < bestDistance) [best, bestDistance] = [r, distance];
      }
    });
    if (best !== hovered) setHovered(best);
  };

  const range = metricAxis?.axis.type === 'numeric' ? metricAxis.axis : undefined;
  return (
    <div ref={wrapper} style={{ position: 'relative' }}>
      {axes.length === 0 ? (
        <p className="muted">Choose params or a metric to draw.</p>
      ) : (
        <>
          <canvas
            ref={canvas}
            data-testid="parallel-coordinates"
            data-axes={axes.length}
            data-lines={runs.length}
            aria-label={`Parallel coordinates of ${axes.map((a) => a.label).join(', ')}`}
            role="img"
            onMouseMove={onMove}
            onMouseLeave={() => setHovered(undefined)}
          />
          <div className="muted" style={{ display: 'flex', gap: 16, alignItems: 'center', fontSize: 12 }}>
            {range && (
              <span>
                {metric}: {formatNumber(range.min)}{' '}
                <span
                  style={{
                    display: 'inline-block',
                    width: 120,
                    height: 8,
                    verticalAlign: 'middle',
                    background: `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map(scaleColor).join(', ')})`,
                  }}
                />{' '}
                {formatNumber(range.max)}
              </span>
            )}
            <span data-testid="parallel-hover">
              {hovered !== undefined && runs[hovered] ? runName(runs[hovered]) : ''}
            </span>
          </div>
        </>
      )}
    </div>
  );
});
