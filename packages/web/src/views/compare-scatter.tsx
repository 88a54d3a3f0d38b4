import { memo, useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { formatNumber } from '../format';
import type { Run } from '../types';
import type { Axis } from './compare-data';
import { axisOf, cellValue, runName } from './compare-data';
import type { ColumnRef } from './compare-url';

const HEIGHT = 340;

/** Where a value sits on a scatter axis: the number itself, or a category's index. */
function coordinate(axis: Axis, value: string | number | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (axis.type === 'categorical') {
    const i = axis.categories.indexOf(String(value));
    return i === -1 ? undefined : i;
  }
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** uPlot scale and axis settings for a numeric or categorical column. */
function axisSettings(axis: Axis): { scale: uPlot.Scale; axis: Partial<uPlot.Axis> } {
  if (axis.type === 'numeric') {
    const pad = axis.max === axis.min ? Math.abs(axis.max) * 0.1 || 1 : (axis.max - axis.min) * 0.06;
    return { scale: { time: false, range: [axis.min - pad, axis.max + pad] }, axis: {} };
  }
  const categories = axis.categories;
  return {
    scale: { time: false, range: [-0.5, Math.max(0.5, categories.length - 0.5)] },
    axis: {
      splits: () => categories.map((_, i) => i),
      values: (_u, splits) => splits.map((i) => categories[i] ?? ''),
    },
  };
}

const label = (c: ColumnRef) => `${c.key} (${c.kind})`;

/**
 * One point per run at (x, y) of two columns, params or latest metrics, numeric or categorical; the
 * point nearest the cursor is ringed and named in a tooltip.
 */
export const ScatterPlot = memo(function ScatterPlot({
  runs,
  x,
  y,
}: {
  runs: Run[];
  x: ColumnRef;
  y: ColumnRef;
}) {
  const element = useRef<HTMLDivElement>(null);
  const tooltip = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const target = element.current;
    const tip = tooltip.current;
    if (!target || !tip) return;
    const xValues = runs.map((r) => cellValue(r, x.kind, x.key));
    const yValues = runs.map((r) => cellValue(r, y.kind, y.key));
    const [xAxis, yAxis] = [axisOf(xValues), axisOf(yValues)];
    const points = runs
      .map((run, i) => ({ run, x: coordinate(xAxis, xValues[i]), y: coordinate(yAxis, yValues[i]) }))
      .filter((p): p is { run: Run; x: number; y: number } => p.x !== undefined && p.y !== undefined)
      .sort((a, b) => a.x - b.x);
    const xs = points.map((p) => p.x);
    const ys = points.map((p) => p.y);
    const [xSettings, ySettings] = [axisSettings(xAxis), axisSettings(yAxis)];
    const show = (value: string | number | undefined) =>
      typeof value === 'number' ? formatNumber(value) : (value ?? '');

    const options: uPlot.Options = {
      width: Math.max(300, target.clientWidth),
      height: HEIGHT,
      scales: { x: xSettings.scale, y: ySettings.scale },
      axes: [
        { label: label(x), ...xSettings.axis },
        { label: label(y), size: 70, ...ySettings.axis },
      ],
      legend: { show: false },
      cursor: {
        drag: { x: false, y: false },
        points: { size: 14, width: 2, fill: 'transparent' },
        // The point nearest the cursor in both directions, not only along x.
        dataIdx: (u, seriesIdx) => {
          if (seriesIdx === 0 || xs.length === 0) return null as unknown as number;
          const { left = -1, top = -1 } = u.cursor;
          let best = 0;
          let bestDistance = Infinity;
          for (let i = 0; i < xs.length; i++) {
            const dx = u.valToPos(xs[i]!, 'x') - left;
            const dy = u.valToPos(ys[i]!, 'y') - top;
            const distance = dx * dx + dy * dy;
            if (distance < bestDistance) [best, bestDistance] = [i, distance];
          }
          return best;
        },
      },
      series: [
        {},
        {
          label: label(y),
          stroke: '#2563eb',
          fill: 'rgba(37, 99, 235, 0.55)',
          paths: () => null,
          points: { show: true, size: 9, width: 1, fill: 'rgba(37, 99, 235, 0.55)' },
        },
      ],
      hooks: {
        setCursor: [
          (u) => {
            const i = u.cursor.idxs?.[1];
            const p = i == null ? undefined : points[i];
            if (!p || u.cursor.left == null || u.cursor.left < 0) {
              tip.style.display = 'none';
              return;
            }
            const xi = runs.indexOf(p.run);
            tip.textContent = `${runName(p.run)} · ${x.key}: ${show(xValues[xi])} · ${y.key}: ${show(yValues[xi])}`;
            tip.style.display = 'block';
            const base = tip.parentElement!.getBoundingClientRect();
            const over = u.over.getBoundingClientRect();
            tip.style.left = `${over.left - base.left + u.valToPos(p.x, 'x') + 12}px`;
            tip.style.top = `${over.top - base.top + u.valToPos(p.y, 'y') - 10}px`;
          },
        ],
        draw: [
          () => {
            target.dataset.ready = 'true';
            target.dataset.points = String(points.length);
          },
        ],
      },
    };
    const chart = new uPlot(options, [xs, ys], target);
    const observer = new ResizeObserver(() => {
      const width = Math.max(300, target.clientWidth);
      if (Math.abs(chart.width - width) > 2) chart.setSize({ width, height: HEIGHT });
    });
    observer.observe(target);
    return () => {
      observer.disconnect();
      chart.destroy();
    };
  }, [runs, x, y]);

  return (
    <div style={{ position: 'relative' }}>
      <div ref={element} data-testid="scatter-plot" style={{ width: '100%', minHeight: HEIGHT }} />
      <div
        ref={tooltip}
        role="tooltip"
        data-testid="scatter-tooltip"
        style={{
          display: 'none',
          position: 'absolute',
          pointerEvents: 'none',
          background: '#111827',
          color: '#fff',
          padding: '3px 8px',
          borderRadius: 4,
          fontSize: 12,
          whiteSpace: 'nowrap',
          zIndex: 5,
        }}
      />
    </div>
  );
});
