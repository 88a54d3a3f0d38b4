import type { Metric, Page, Run } from '@ferry/core';

/** A double as MLflow's proto JSON writes it: NaN as the string "NaN" (±inf never reach here: clamped). */
export function wireDouble(value: number): number | string {
  return Number.isNaN(value) ? 'NaN' : value;
}

export function wireMetric<M extends Metric>(m: M): Omit<M, 'value'> & { value: number | string } {
  return Number.isNaN(m.value) ? { ...m, value: 'NaN' } : m;
}

export function wireMetrics<M extends Metric>(
  metrics: M[],
): (Omit<M, 'value'> & { value: number | string })[] {
  return metrics.some((m) => Number.isNaN(m.value)) ? metrics.map(wireMetric) : metrics;
}

export function wireRun(run: Run): unknown {
  const metrics = run.data.metrics;
  if (!metrics) return run;
  return { ...run, data: { ...run.data, metrics: wireMetrics(metrics) } };
}

/** Drops empty lists, as proto JSON omits empty repeated fields. */
export function withList<T extends object>(body: T, key: string, list: unknown[]): T {
  return list.length > 0 ? { ...body, [key]: list } : body;
}

/** A search response: the page's items under `key` (omitted when empty) and `next_page_token` when more exist. */
export function pageBody<T>(key: string, page: Page<T>, wire: (item: T) => unknown = (item) => item): object {
  const body = withList({}, key, page.items.map(wire));
  return page.nextPageToken ? { ...body, next_page_token: page.nextPageToken } : body;
}
