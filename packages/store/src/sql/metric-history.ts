import { decodePageToken, encodePageToken, invalidParam } from '@ferry/core';
import type { Page } from '@ferry/core';
import type { Database } from '../schema.js';
import type { HistoryBulkIntervalInput, MetricPoint } from '../tracking-store.js';
import type { StoreContext } from './context.js';
import { findRunRow } from './runs.js';

type Row = Pick<Database['metrics'], 'value' | 'is_nan' | 'timestamp' | 'step'> & { run_uuid?: string };

const POINT_COLUMNS = ['metrics.timestamp', 'metrics.step', 'metrics.value', 'metrics.is_nan'] as const;

/** History rows of one key for some runs: the series directory joined to its narrow history rows. */
function historyOf(ctx: StoreContext, key: string) {
  return ctx.db
    .selectFrom('latest_metrics as s')
    .innerJoin('metrics', 'metrics.series_id', 's.series_id')
    .where('s.key', '=', key);
}

function toPoint(key: string, row: Row): MetricPoint {
  const point: MetricPoint = {
    key,
    value: row.is_nan ? NaN : row.value,
    timestamp: row.timestamp,
    step: row.step,
  };
  if (row.run_uuid !== undefined) point.run_id = row.run_uuid;
  return point;
}

/** History of one metric ordered by (timestamp, step, value) — the primary key order, one range scan. */
export async function getMetricHistory(
  ctx: StoreContext,
  runId: string,
  key: string,
  options: { maxResults?: number; pageToken?: string } = {},
): Promise<Page<MetricPoint>> {
  await findRunRow(ctx.db, runId);
  const offset = decodePageToken(options.pageToken);
  let query = historyOf(ctx, key)
    .select(POINT_COLUMNS)
    .where('s.run_uuid', '=', runId)
    .orderBy('metrics.timestamp')
    .orderBy('metrics.step')
    .orderBy('metrics.value');
  const limit = options.maxResults;
  if (limit !== undefined) query = query.limit(limit + 1).offset(offset);
  else if (offset > 0) query = query.limit(Number.MAX_SAFE_INTEGER).offset(offset);
  const rows = await query.execute();
  const page = limit !== undefined ? rows.slice(0, limit) : rows;
  const result: Page<MetricPoint> = { items: page.map((r) => toPoint(key, r)) };
  if (limit !== undefined && rows.length > limit) result.nextPageToken = encodePageToken(offset + limit);
  return result;
}

export async function getMetricHistoryBulk(
  ctx: StoreContext,
  runIds: string[],
  key: string,
  maxResults: number,
): Promise<MetricPoint[]> {
  if (runIds.length === 0) return [];
  const rows = await historyOf(ctx, key)
    .select([...POINT_COLUMNS, 's.run_uuid'])
    .where('s.run_uuid', 'in', runIds)
    .orderBy('s.run_uuid')
    .orderBy('metrics.timestamp')
    .orderBy('metrics.step')
    .orderBy('metrics.value')
    .limit(maxResults)
    .execute();
  return rows.map((r) => toPoint(key, r));
}

/** Up to maxResults steps spread evenly over the sorted steps within [start, end], plus the last one. */
function sampleSteps(start: number, end: number, maxResults: number, allSteps: number[]): Set<number> {
  const inRange = allSteps.filter((s) => s >= start && s <= end);
  if (inRange.length <= maxResults) return new Set(inRange);
  const interval = inRange.length / maxResults;
  const sampled = new Set<number>();
  for (let i = 0; i < maxResults; i++) sampled.add(inRange[Math.floor(i * interval)] as number);
  sampled.add(inRange[inRange.length - 1] as number);
  return sampled;
}

/**
 * MLflow's sampled history for charts: steps are sampled on the union of all runs' steps, and each
 * run's own first and last step within the range are always kept so lines reach both ends.
 */
export async function getMetricHistoryBulkInterval(
  ctx: StoreContext,
  input: HistoryBulkIntervalInput,
): Promise<MetricPoint[]> {
  const { runIds, key, maxResults } = input;
  if ((input.startStep === undefined) !== (input.endStep === undefined)) {
    throw invalidParam('If either start step or end step are specified, both must be specified.');
  }
  if (input.startStep !== undefined && input.endStep !== undefined && input.startStep > input.endStep) {
    throw invalidParam(
      `end_step must be greater than start_step. Found start_step=${input.startStep} and end_step=${input.endStep}.`,
    );
  }
  if (runIds.length === 0) return [];
  const stepRows = await historyOf(ctx, key)
    .select(['s.run_uuid', 'metrics.step'])
    .distinct()
    .where('s.run_uuid', 'in', runIds)
    .execute();
  const perRun = new Map<string, { min: number; max: number }>();
  const all = new Set<number>();
  for (const r of stepRows) {
    all.add(r.step);
    const mm = perRun.get(r.run_uuid);
    if (!mm) perRun.set(r.run_uuid, { min: r.step, max: r.step });
    else {
      mm.min = Math.min(mm.min, r.step);
      mm.max = Math.max(mm.max, r.step);
    }
  }
  const allSteps = [...all].sort((a, b) => a - b);
  const start = input.startStep ?? 0;
  const end = input.endStep ?? allSteps[allSteps.length - 1] ?? 0;
  const steps = sampleSteps(start, end, maxResults, allSteps);
  for (const { min, max } of perRun.values()) {
    for (const s of [min, max]) if (s >= start && s <= end) steps.add(s);
  }
  if (steps.size === 0) return [];
  const wanted = [...steps];
  const out: MetricPoint[] = [];
  for (const runId of runIds) {
    const rows = await historyOf(ctx, key)
      .select(POINT_COLUMNS)
      .where('s.run_uuid', '=', runId)
      .where('metrics.step', 'in', wanted)
      .orderBy('metrics.step')
      .orderBy('metrics.timestamp')
      .orderBy('metrics.value')
      .limit(25_000)
      .execute();
    for (const r of rows) out.push({ ...toPoint(key, r), run_id: runId });
  }
  return out;
}
