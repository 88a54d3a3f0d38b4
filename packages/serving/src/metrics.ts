/** The labels of a scoring request. */
export interface RequestLabels {
  model: string;
  version: string;
  /** `mlflow` (`/invocations`) or `v2` (`/v2/models/…/infer`). */
  protocol: string;
}

/** Latency buckets, in seconds (Prometheus client defaults plus a few long ones). */
export const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

interface Histogram {
  labels: RequestLabels;
  counts: number[];
  sum: number;
  count: number;
}

/** Counters and histograms of one ServingMetrics, as plain data (sent between worker processes). */
export interface MetricsSnapshot {
  buckets: number[];
  requests: { labels: Record<string, string>; value: number }[];
  errors: { labels: Record<string, string>; value: number }[];
  durations: { labels: Record<string, string>; counts: number[]; sum: number; count: number }[];
}

/**
 * Request metrics of a scoring app in the Prometheus text exposition format (version 0.0.4):
 * `ferry_serving_requests_total{model,version,protocol,status}`,
 * `ferry_serving_request_errors_total{model,version,protocol,status}` (status ≥ 400) and the histogram
 * `ferry_serving_request_duration_seconds{model,version,protocol}`.
 */
export class ServingMetrics {
  readonly #requests = new Map<string, { labels: Record<string, string>; value: number }>();
  readonly #errors = new Map<string, { labels: Record<string, string>; value: number }>();
  readonly #durations = new Map<string, Histogram>();
  readonly #buckets: readonly number[];

  constructor(options: { buckets?: readonly number[] } = {}) {
    this.#buckets = [...(options.buckets ?? DEFAULT_BUCKETS)].sort((a, b) => a - b);
  }

  /** Records one answered request. */
  observe(labels: RequestLabels, status: number, seconds: number): void {
    const withStatus = { ...labels, status: String(status) };
    increment(this.#requests, withStatus);
    if (status >= 400) increment(this.#errors, withStatus);
    const key = labelText(labels);
    let h = this.#durations.get(key);
    if (h === undefined) {
      h = { labels: { ...labels }, counts: this.#buckets.map(() => 0), sum: 0, count: 0 };
      this.#durations.set(key, h);
    }
    this.#buckets.forEach((bound, i) => {
      if (seconds <= bound) h.counts[i]!++;
    });
    h.sum += seconds;
    h.count++;
  }

  /** A copy of the counts so far. */
  snapshot(): MetricsSnapshot {
    const copy = (m: Map<string, { labels: Record<string, string>; value: number }>) =>
      [...m.values()].map((e) => ({ labels: { ...e.labels }, value: e.value }));
    return {
      buckets: [...this.#buckets],
      requests: copy(this.#requests),
      errors: copy(this.#errors),
      durations: [...this.#durations.values()].map((h) => ({
        labels: { ...(h.labels as unknown as Record<string, string>) },
        counts: [...h.counts],
        sum: h.sum,
        count: h.count,
      })),
    };
  }

  /** The exposition text; `extra` lines (already formatted families) are appended. */
  render(extra: readonly string[] = []): string {
    return renderMetrics([this.snapshot()], extra);
  }
}

/**
 * The exposition text of several snapshots added together (the worker processes of one server), with
 * `extra` lines (already formatted families) appended. Histograms of different buckets are not added.
 */
export function renderMetrics(snapshots: readonly MetricsSnapshot[], extra: readonly string[] = []): string {
  const sum = (entries: { labels: Record<string, string>; value: number }[]) => {
    const merged = new Map<string, { labels: Record<string, string>; value: number }>();
    for (const e of entries) {
      const key = labelText(e.labels);
      const found = merged.get(key);
      if (found) found.value += e.value;
      else merged.set(key, { labels: e.labels, value: e.value });
    }
    return merged;
  };
  const buckets = snapshots[0]?.buckets ?? [...DEFAULT_BUCKETS];
  const durations = new Map<string, MetricsSnapshot['durations'][number]>();
  for (const snapshot of snapshots) {
    if (snapshot.buckets.join() !== buckets.join()) continue;
    for (const h of snapshot.durations) {
      const key = labelText(h.labels);
      const found = durations.get(key);
      if (found === undefined) durations.set(key, { ...h, counts: [...h.counts] });
      else {
        h.counts.forEach((n, i) => (found.counts[i]! += n));
        found.sum += h.sum;
        found.count += h.count;
      }
    }
  }
  const lines: string[] = [];
  family(
    lines,
    'ferry_serving_requests_total',
    'counter',
    'Scoring requests answered.',
    sum(snapshots.flatMap((s) => s.requests)),
  );
  family(
    lines,
    'ferry_serving_request_errors_total',
    'counter',
    'Scoring requests answered with an error status (4xx, 5xx).',
    sum(snapshots.flatMap((s) => s.errors)),
  );
  const name = 'ferry_serving_request_duration_seconds';
  lines.push(`# HELP ${name} Time to answer a scoring request, in seconds.`, `# TYPE ${name} histogram`);
  for (const h of durations.values()) {
    buckets.forEach((bound, i) => {
      lines.push(`${name}_bucket${labelText({ ...h.labels, le: formatNumber(bound) })} ${h.counts[i]}`);
    });
    lines.push(`${name}_bucket${labelText({ ...h.labels, le: '+Inf' })} ${h.count}`);
    lines.push(`${name}_sum${labelText(h.labels)} ${formatNumber(h.sum)}`);
    lines.push(`${name}_count${labelText(h.labels)} ${h.count}`);
  }
  return [...lines, ...extra].join('\n') + '\n';
}

/** A gauge family: one sample per label set. */
export function gauge(
  name: string,
  help: string,
  samples: readonly { labels: Record<string, string>; value: number }[],
): string[] {
  return [
    `# HELP ${name} ${help}`,
    `# TYPE ${name} gauge`,
    ...samples.map((s) => `${name}${labelText(s.labels)} ${formatNumber(s.value)}`),
  ];
}

function increment(
  map: Map<string, { labels: Record<string, string>; value: number }>,
  labels: Record<string, string>,
): void {
  const key = labelText(labels);
  const entry = map.get(key);
  if (entry) entry.value++;
  else map.set(key, { labels, value: 1 });
}

function family(
  lines: string[],
  name: string,
  type: string,
  help: string,
  samples: Map<string, { labels: Record<string, string>; value: number }>,
): void {
  lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  for (const s of samples.values()) lines.push(`${name}${labelText(s.labels)} ${s.value}`);
}

function labelText(labels: object): string {
  const entries = Object.entries(labels as Record<string, string>);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

const escapeLabel = (value: string): string =>
  value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
