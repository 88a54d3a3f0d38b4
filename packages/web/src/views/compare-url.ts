import { href } from '../router';

/**
 * A list of ids from the compare URL: `a,b,c` (Ferry's form), `["a","b"]` (MLflow's
 * `#/compare-runs?runs=[...]` links) or the key repeated. Duplicates and blanks are dropped.
 */
export function parseIdList(values: string[]): string[] {
  const out: string[] = [];
  for (const value of values) {
    let items: unknown = undefined;
    const text = value.trim();
    if (text.startsWith('[')) {
      try {
        items = JSON.parse(text);
      } catch {
        items = undefined;
      }
    }
    const list = Array.isArray(items)
      ? items.map(String)
      : text
          .replace(/^\[|\]$/g, '')
          .split(',')
          .map((s) => s.trim().replace(/^["']|["']$/g, ''));
    for (const id of list) if (id && !out.includes(id)) out.push(id);
  }
  return out;
}

/** A column of the scatter plot or an axis of the parallel coordinates: `param:lr`, `metric:acc`. */
export interface ColumnRef {
  kind: 'param' | 'metric';
  key: string;
}

export function parseColumn(id: string | null | undefined): ColumnRef | undefined {
  if (!id) return undefined;
  const at = id.indexOf(':');
  const kind = id.slice(0, at);
  const key = id.slice(at + 1);
  if (at === -1 || !key || (kind !== 'param' && kind !== 'metric')) return undefined;
  return { kind, key };
}

export const columnId = (c: ColumnRef): string => `${c.kind}:${c.key}`;

/** Everything the compare view shows, as its URL keeps it. */
export interface CompareState {
  runIds: string[];
  experimentIds: string[];
  /** Metric keys with an overlaid chart (`metric`, repeated); none means "the first key". */
  metrics: string[];
  /** Exponential-moving-average weight in [0, 0.99] (`smooth`). */
  smoothing: number;
  /** Logarithmic y axis on the metric charts (`log=1`). */
  logScale: boolean;
  /** Param keys that are axes of the parallel coordinates (`pc`, repeated); none means "all, up to 6". */
  parallelParams: string[];
  /** The metric that is the last axis of the parallel coordinates and colours its lines (`pcm`). */
  parallelMetric: string | undefined;
  /** Scatter plot axes (`x`, `y`). */
  scatterX: ColumnRef | undefined;
  scatterY: ColumnRef | undefined;
  /** Diff table shows only rows whose values differ (`diff=1`). */
  onlyDifferences: boolean;
}

export function parseCompareQuery(query: URLSearchParams): CompareState {
  const smooth = Number(query.get('smooth') ?? 0);
  return {
    runIds: parseIdList(query.getAll('runs')),
    experimentIds: parseIdList(query.getAll('experiments')),
    metrics: query.getAll('metric').filter(Boolean),
    smoothing: Number.isFinite(smooth) ? Math.min(0.99, Math.max(0, smooth)) : 0,
    logScale: query.get('log') === '1',
    parallelParams: query.getAll('pc').filter(Boolean),
    parallelMetric: query.get('pcm') || undefined,
    scatterX: parseColumn(query.get('x')),
    scatterY: parseColumn(query.get('y')),
    onlyDifferences: query.get('diff') === '1',
  };
}

/** The link that compares some runs: `#/compare?runs=a,b&experiments=1`. */
export function compareHref(runIds: string[], experimentIds: string[] = []): string {
  const query = new URLSearchParams({ runs: runIds.join(',') });
  if (experimentIds.length) query.set('experiments', experimentIds.join(','));
  return `${href('compare')}?${query.toString().replace(/%2C/g, ',')}`;
}
