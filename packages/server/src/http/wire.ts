import type { Metric, Run } from '@ferry/core';

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

/**
 * `{"metrics": [...]}` written directly: history responses carry up to hundreds of thousands of points,
 * and building the text from fields skips JSON.stringify's generic walk over every object.
 */
export function metricsJson(
  metrics: (Metric & { run_id?: string })[],
  extra: Record<string, string> = {},
): string {
  const parts: string[] = [];
  const keyJson = new Map<string, string>();
  for (const m of metrics) {
    let key = keyJson.get(m.key);
    if (key === undefined) keyJson.set(m.key, (key = JSON.stringify(m.key)));
    const value = Number.isNaN(m.value) ? '"NaN"' : String(m.value);
    const runId = m.run_id === undefined ? '' : `,"run_id":${JSON.stringify(m.run_id)}`;
    parts.push(`{"key":${key},"value":${value},"timestamp":${m.timestamp},"step":${m.step}${runId}}`);
  }
  const fields = Object.entries(extra).map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`);
  if (parts.length === 0) return `{${fields.join('').slice(1)}}`;
  return `{"metrics":[${parts.join(',')}]${fields.join('')}}`;
}
