import { decodePageToken, encodePageToken, invalidParam } from '@ferry/core';
import type { Page } from '@ferry/core';
import type { Database } from '../schema.js';
import type { HistoryBulkIntervalInput, MetricPoint } from '../tracking-store.js';
import type { StoreContext } from './context.js';
import { findRunRow } from './runs.js';

type Row = Pick<Database['metrics'], 'key' | 'value' | 'is_nan' | 'timestamp' | 'step' | 'run_uuid'> &
  Partial<Pick<Database['metrics'], 'model_id' | 'dataset_name' | 'dataset_digest'>>;

function toPoint(row: Row, withRunId: boolean): MetricPoint {
  const point: MetricPoint = {
    key: row.key,
    value: row.is_nan ? NaN : row.value,
    timestamp: row.timestamp,
    step: row.step,
  };
  if (row.dataset_name) point.dataset_name = row.dataset_name;
  if (row.dataset_digest) point.dataset_digest = row.dataset_digest;
  if (row.model_id) point.model_id = row.model_id;
  if (withRunId) point.run_id = row.run_uuid;
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
  let query = ctx.db
    .selectFrom('metrics')
    .selectAll()
    .where('run_uuid', '=', runId)
    .where('key', '=', key)
    .orderBy('timestamp')
    .orderBy('step')
    .orderBy('value');
  const limit = options.maxResults;
  if (limit !== undefined) query = query.limit(limit + 1).offset(offset);
  else if (offset > 0) query = query.limit(Number.MAX_SAFE_INTEGER).offset(offset);
  const rows = await query.execute();
  const page = limit !== undefined ? rows.slice(0, limit) : rows;
  const result: Page<MetricPoint> = { items: page.map((r) => toPoint(r, false)) };
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
  const rows = await ctx.db
    .selectFrom('metrics')
    .selectAll()
    .where('run_uuid', 'in', runIds)
    .where('key', '=', key)
    .orderBy('run_uuid')
    .orderBy('timestamp')
    .orderBy('step')
    .orderBy('value')
    .limit(maxResults)
    .execute();
  return rows.map((r) => toPoint(r, true));
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
  const stepRows = await ctx.db
    .selectFrom('metrics')
    .select(['run_uuid', 'step'])
    .distinct()
    .where('run_uuid', 'in', runIds)
    .where('key', '=', key)
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
    const rows = await ctx.db
      .selectFrom('metrics')
      .selectAll()
      .where('run_uuid', '=', runId)
      .where('key', '=', key)
      .where('step', 'in', wanted)
      .orderBy('step')
      .orderBy('timestamp')
      .orderBy('value')
      .limit(25_000)
      .execute();
    for (const r of rows) out.push(toPoint(r, true));
  }
  return out;
}
