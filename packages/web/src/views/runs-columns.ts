import { formatDuration, formatNumber, formatTime, tagValue } from '../format';
import type { Run } from '../types';

export type ColumnKind = 'attr' | 'metric' | 'param' | 'tag';

/** A runs-table column. Its id (`metric:acc`, `attr:start_time`) is what the URL keeps. */
export interface Column {
  id: string;
  label: string;
  width: number;
  /** The `order_by` key runs/search sorts by; absent when the server cannot sort on it. */
  orderKey?: string;
  value(run: Run): string;
}

/** Backtick-quotes a key for the MLflow grammar (`metrics.\`val loss\``). */
const quoted = (key: string) => `\`${key}\``;

export const ATTRIBUTE_COLUMNS: Column[] = [
  {
    id: 'attr:status',
    label: 'Status',
    width: 100,
    orderKey: 'attributes.status',
    value: (r) => r.info.status,
  },
  {
    id: 'attr:run_name',
    label: 'Run name',
    width: 220,
    orderKey: 'attributes.run_name',
    value: (r) => r.info.run_name ?? r.info.run_id,
  },
  {
    id: 'attr:start_time',
    label: 'Start time',
    width: 170,
    orderKey: 'attributes.start_time',
    value: (r) => formatTime(r.info.start_time),
  },
  {
    id: 'attr:duration',
    label: 'Duration',
    width: 90,
    // A Ferry extension of order_by: end_time - start_time, runs still going last either way.
    orderKey: 'attributes.duration',
    value: (r) => formatDuration(r.info.start_time, r.info.end_time),
  },
  {
    id: 'attr:user_id',
    label: 'User',
    width: 120,
    orderKey: 'attributes.user_id',
    value: (r) => tagValue(r.data.tags, 'mlflow.user') ?? r.info.user_id ?? '',
  },
  {
    id: 'attr:source',
    label: 'Source',
    width: 200,
    orderKey: `tags.${quoted('mlflow.source.name')}`,
    value: (r) => tagValue(r.data.tags, 'mlflow.source.name') ?? '',
  },
];

const PREFIX: Record<Exclude<ColumnKind, 'attr'>, string> = {
  metric: 'metrics',
  param: 'params',
  tag: 'tags',
};

/** The column for a chosen id (`metric:acc`, `param:lr`, `tag:team`), or undefined for a malformed one. */
export function columnFor(id: string): Column | undefined {
  const attribute = ATTRIBUTE_COLUMNS.find((c) => c.id === id);
  if (attribute) return attribute;
  const at = id.indexOf(':');
  const kind = id.slice(0, at) as ColumnKind;
  const key = id.slice(at + 1);
  if (at === -1 || !key || !(kind in PREFIX)) return undefined;
  const base = {
    id,
    label: key,
    width: 130,
    orderKey: `${PREFIX[kind as keyof typeof PREFIX]}.${quoted(key)}`,
  };
  if (kind === 'metric') {
    return {
      ...base,
      value: (r) => {
        const m = r.data.metrics?.find((x) => x.key === key);
        return m ? formatNumber(m.value) : '';
      },
    };
  }
  const list = (r: Run) => (kind === 'param' ? r.data.params : r.data.tags);
  return { ...base, value: (r) => list(r)?.find((x) => x.key === key)?.value ?? '' };
}

export type RunKeys = Record<'param' | 'metric' | 'tag', string[]>;

/**
 * The param, metric and tag keys present in the loaded runs, each sorted: what the column chooser,
 * the group-by selector and the filter box's completion offer.
 */
export function discoverKeys(runs: Run[]): RunKeys {
  const params = new Set<string>();
  const metrics = new Set<string>();
  const tags = new Set<string>();
  for (const run of runs) {
    for (const p of run.data.params ?? []) params.add(p.key);
    for (const m of run.data.metrics ?? []) metrics.add(m.key);
    for (const t of run.data.tags ?? []) if (!t.key.startsWith('mlflow.')) tags.add(t.key);
  }
  const sorted = (s: Set<string>) => [...s].sort((a, b) => a.localeCompare(b));
  return { param: sorted(params), metric: sorted(metrics), tag: sorted(tags) };
}
