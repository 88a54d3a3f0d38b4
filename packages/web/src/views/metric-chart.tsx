import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { get } from '../api';
import { ErrorBox } from '../components';
import type { Metric } from '../types';
import { useLoad } from '../use-load';

/** Every logged value of one metric of a run, following page tokens. */
async function history(runId: string, key: string): Promise<Metric[]> {
  const out: Metric[] = [];
  let pageToken: string | undefined;
  do {
    const page = await get<{ metrics?: Metric[]; next_page_token?: string }>('metrics/get-history', {
      run_id: runId,
      metric_key: key,
      max_results: 25000,
      ...(pageToken ? { page_token: pageToken } : {}),
    });
    out.push(...(page.metrics ?? []));
    pageToken = page.next_page_token;
  } while (pageToken);
  return out;
}

/** A uPlot line chart of one metric's history against its step. */
export function MetricChart({ runId, metricKey }: { runId: string; metricKey: string }) {
  const loaded = useLoad(`${runId}|${metricKey}`, () => history(runId, metricKey));
  const element = useRef<HTMLDivElement>(null);
  const points = loaded.data;
  useEffect(() => {
    if (!points || !element.current) return;
    const sorted = [...points].sort((a, b) => Number(a.step) - Number(b.step) || a.timestamp - b.timestamp);
    const data: uPlot.AlignedData = [sorted.map((m) => Number(m.step)), sorted.map((m) => Number(m.value))];
    const chart = new uPlot(
      {
        width: 420,
        height: 220,
        scales: { x: { time: false } },
        axes: [{ label: 'step' }, {}],
        series: [
          { label: 'step' },
          { label: metricKey, stroke: '#2563eb', width: 2, points: { show: sorted.length < 50 } },
        ],
        legend: { show: true },
      },
      data,
      element.current,
    );
    return () => chart.destroy();
  }, [points, metricKey]);
  return (
    <figure className="chart" data-testid={`chart-${metricKey}`}>
      <figcaption>{metricKey}</figcaption>
      <ErrorBox error={loaded.error} />
      <div ref={element} />
    </figure>
  );
}
