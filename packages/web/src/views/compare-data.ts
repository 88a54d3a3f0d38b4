import { get, post } from '../api';
import type { Metric, Run } from '../types';

/** The bulk endpoints take at most this many runs per call (MLflow's limit). */
const RUNS_PER_CALL = 100;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const quote = (id: string) => `'${id.replace(/'/g, "\\'")}'`;

export interface ComparedRuns {
  /** The runs found, in the order of the URL. */
  runs: Run[];
  /** Ids no run answers to (deleted for good, or mistyped). */
  missing: string[];
}

/**
 * The runs to compare, in few requests: `runs/search` with `attributes.run_id IN (...)` over the
 * experiments they belong to (from the URL, or the first run's), 100 ids a call, in parallel; only
 * runs that search does not find (other experiments) are read one by one with `runs/get`.
 */
export async function loadRuns(runIds: string[], experimentIds: string[]): Promise<ComparedRuns> {
  const found = new Map<string, Run>();
  let experiments = experimentIds;
  if (experiments.length === 0 && runIds.length > 0) {
    const first = await get<{ run: Run }>('runs/get', { run_id: runIds[0]! }).catch(() => undefined);
    if (first) {
      found.set(first.run.info.run_id, first.run);
      experiments = [first.run.info.experiment_id];
    }
  }
  const rest = runIds.filter((id) => !found.has(id));
  if (experiments.length && rest.length) {
    await Promise.all(
      chunks(rest, RUNS_PER_CALL).map(async (ids) => {
        const page = await post<{ runs?: Run[] }>('runs/search', {
          experiment_ids: experiments,
          filter: `attributes.run_id IN (${ids.map(quote).join(', ')})`,
          run_view_type: 'ALL',
          max_results: ids.length,
        });
        for (const run of page.runs ?? []) found.set(run.info.run_id, run);
      }),
    );
  }
  const missing: string[] = [];
  await Promise.all(
    runIds
      .filter((id) => !found.has(id))
      .map((id) =>
        get<{ run: Run }>('runs/get', { run_id: id }).then(
          ({ run }) => void found.set(id, run),
          () => void missing.push(id),
        ),
      ),
  );
  return { runs: runIds.flatMap((id) => found.get(id) ?? []), missing };
}

/** One run's history of one metric: steps ascending, one value per step (the last one logged). */
export interface Series {
  steps: number[];
  values: number[];
}

/**
 * How many sampled steps to ask for: about 40,000 points in all (the server's time and the answer's
 * size grow with it), between 250 and MLflow's maximum of 2,500 per run.
 */
export function pointBudget(runCount: number): number {
  return Math.max(250, Math.min(2500, Math.floor(40_000 / Math.max(1, runCount))));
}

/**
 * Runs per history call: up to 4 calls in parallel (at most 100 runs each), so the browser reads one
 * answer while the server writes the next.
 */
const runsPerHistoryCall = (runCount: number) =>
  Math.min(RUNS_PER_CALL, Math.max(25, Math.ceil(runCount / 4)));

const historyCache = new Map<string, Promise<Map<string, Series>>>();

/**
 * Sampled histories of one metric for many runs through MLflow's `metrics/get-history-bulk-interval`
 * (up to 100 runs a call, calls in parallel). Answers are cached for the page's lifetime, so turning a
 * chart off and on again, or changing smoothing, fetches nothing.
 */
export function loadHistories(runIds: string[], key: string): Promise<Map<string, Series>> {
  const cacheKey = `${key}\n${runIds.join(',')}`;
  const cached = historyCache.get(cacheKey);
  if (cached) return cached;
  const maxResults = pointBudget(runIds.length);
  const loading = Promise.all(
    chunks(runIds, runsPerHistoryCall(runIds.length)).map((ids) =>
      get<{ metrics?: (Metric & { run_id: string })[] }>('metrics/get-history-bulk-interval', {
        run_ids: ids,
        metric_key: key,
        max_results: maxResults,
      }),
    ),
  ).then((answers) => {
    const byRun = new Map<string, Series>();
    for (const answer of answers) {
      for (const m of answer.metrics ?? []) {
        let series = byRun.get(m.run_id);
        if (!series) byRun.set(m.run_id, (series = { steps: [], values: [] }));
        const step = Number(m.step);
        const value = Number(m.value);
        const last = series.steps.length - 1;
        // Points come sorted by step, then time: a repeated step keeps its latest value.
        if (last >= 0 && series.steps[last] === step) series.values[last] = value;
        else {
          series.steps.push(step);
          series.values.push(value);
        }
      }
    }
    return byRun;
  });
  loading.catch(() => historyCache.delete(cacheKey));
  if (historyCache.size > 50) historyCache.delete(historyCache.keys().next().value!);
  historyCache.set(cacheKey, loading);
  return loading;
}

/**
 * TensorBoard's (and MLflow's) smoothing: an exponential moving average with weight `weight`, debiased
 * so the first points are not pulled towards zero. Non-finite values pass through untouched.
 */
export function smooth(values: number[], weight: number): number[] {
  if (weight <= 0) return values;
  let last = 0;
  let count = 0;
  return values.map((y) => {
    if (!Number.isFinite(y)) return y;
    last = last * weight + (1 - weight) * y;
    count++;
    return last / (1 - weight ** count);
  });
}

/**
 * uPlot's aligned data for overlaid runs: the union of their steps as x, one column per run (null
 * where a run has no point; lines span the gaps). Log scale drops values that are not positive.
 */
export function alignSeries(
  runIds: string[],
  histories: Map<string, Series>,
  smoothing: number,
  logScale: boolean,
): (number | null)[][] {
  const stepSet = new Set<number>();
  for (const id of runIds) for (const s of histories.get(id)?.steps ?? []) stepSet.add(s);
  const xs = [...stepSet].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const columns = runIds.map((id) => {
    const column: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    const series = histories.get(id);
    if (!series) return column;
    const values = smooth(series.values, smoothing);
    for (let i = 0; i < series.steps.length; i++) {
      const v = values[i]!;
      column[index.get(series.steps[i]!)!] = Number.isFinite(v) && (!logScale || v > 0) ? v : null;
    }
    return column;
  });
  return [xs, ...columns];
}

/** The metric keys of some runs, sorted, and the param keys likewise. */
export function keysOf(runs: Run[]): { params: string[]; metrics: string[] } {
  const params = new Set<string>();
  const metrics = new Set<string>();
  for (const run of runs) {
    for (const p of run.data.params ?? []) params.add(p.key);
    for (const m of run.data.metrics ?? []) metrics.add(m.key);
  }
  const sorted = (s: Set<string>) => [...s].sort((a, b) => a.localeCompare(b));
  return { params: sorted(params), metrics: sorted(metrics) };
}

export const runName = (run: Run): string => run.info.run_name || run.info.run_id.slice(0, 8);

/** A param's value (text) or a metric's latest value of a run. */
export function cellValue(run: Run, kind: 'param' | 'metric', key: string): string | number | undefined {
  if (kind === 'metric') {
    const m = run.data.metrics?.find((x) => x.key === key);
    return m === undefined ? undefined : Number(m.value);
  }
  return run.data.params?.find((x) => x.key === key)?.value;
}

/**
 * How to lay out the values of one column on an axis: numeric when every present value is a number,
 * otherwise categorical with the distinct values sorted.
 */
export type Axis =
  { type: 'numeric'; min: number; max: number } | { type: 'categorical'; categories: string[] };

export function axisOf(values: (string | number | undefined)[]): Axis {
  const present = values.filter((v): v is string | number => v !== undefined && v !== '');
  const numbers = present.map(Number);
  if (numbers.every(Number.isFinite)) {
    const finite = numbers.length ? numbers : [0];
    return { type: 'numeric', min: Math.min(...finite), max: Math.max(...finite) };
  }
  const categories = [...new Set(present.map(String))].sort((a, b) =>
    a.localeCompare(b, undefined, { numeric: true }),
  );
  return { type: 'categorical', categories };
}

/** A value's position on an axis in [0, 1], or undefined when the run has none. */
export function axisPosition(axis: Axis, value: string | number | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (axis.type === 'categorical') {
    const i = axis.categories.indexOf(String(value));
    if (i === -1) return undefined;
    return axis.categories.length === 1 ? 0.5 : i / (axis.categories.length - 1);
  }
  const n = Number(value);
  if (!Number.isFinite(n)) return undefined;
  return axis.max === axis.min ? 0.5 : (n - axis.min) / (axis.max - axis.min);
}

const TABLEAU = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

/** A distinct colour per run: Tableau's ten, then hues a golden angle apart. */
export function runColor(index: number): string {
  if (index < TABLEAU.length) return TABLEAU[index]!;
  const hue = (index * 137.508) % 360;
  const lightness = 38 + ((index * 7) % 3) * 8;
  return `hsl(${hue.toFixed(1)} 65% ${lightness}%)`;
}

const SCALE = [
  [13, 8, 135],
  [106, 0, 168],
  [177, 42, 144],
  [225, 100, 98],
  [252, 166, 54],
] as const;

/** A sequential colour (plasma-like, dark blue to orange) for t in [0, 1]. */
export function scaleColor(t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (SCALE.length - 1);
  const i = Math.min(SCALE.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [SCALE[i]!, SCALE[i + 1]!];
  const mix = (k: number) => Math.round(a[k]! + (b[k]! - a[k]!) * f);
  return `rgb(${mix(0)} ${mix(1)} ${mix(2)})`;
}
