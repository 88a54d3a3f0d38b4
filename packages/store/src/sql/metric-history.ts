import { decodePageToken, encodePageToken, invalidParam } from '@ferry/core';
import type { Page } from '@ferry/core';
import { sql } from 'kysely';
import type { HistoryBulkIntervalInput, MetricHistoryText, MetricPoint } from '../tracking-store.js';
import type { StoreContext } from './context.js';
import { findRunRow } from './runs.js';

/** A history point in MLflow's wire form. */
type WirePoint = { key: string; value: number | 'NaN'; timestamp: number; step: number };

/** True when the series has a point after the first `count` (is there a next page?). */
async function hasMore(ctx: StoreContext, seriesId: number, count: number): Promise<boolean> {
  return (await seriesPage(ctx, seriesId, { limit: 1, offset: count }).executeTakeFirst()) !== undefined;
}

/** [timestamp, step, value, is_nan]: one history point as the database hands it over. */
type PointJson = [number, number, number, number];

/** Series ids of one metric key for some runs (runs without the metric have none). */
async function seriesOf(ctx: StoreContext, runIds: string[], key: string): Promise<Map<string, number>> {
  if (runIds.length === 0) return new Map();
  const rows = await ctx.db
    .selectFrom('latest_metrics')
    .select(['run_uuid', 'series_id'])
    .where('key', '=', key)
    .where('run_uuid', 'in', runIds)
    .execute();
  return new Map(rows.map((r) => [r.run_uuid, r.series_id]));
}

/** History order, as SQL: timestamp, step, value (NaN is stored as 0 with a flag, so sorts as 0). */
const HISTORY_ORDER = sql`${sql.ref('h.timestamp')}, ${sql.ref('h.step')}, ${sql.ref('h.value')}`;

/**
 * A page of one series' points in history order: a primary-key range scan. Aggregated as `h`, the
 * aggregate names HISTORY_ORDER again, because only an aggregate's own ORDER BY is guaranteed.
 */
function seriesPage(
  ctx: StoreContext,
  seriesId: number,
  options: { limit?: number; offset?: number; steps?: number[] },
) {
  let page = ctx.db
    .selectFrom('metrics')
    .select(['timestamp', 'step', 'value', 'is_nan'])
    .where('series_id', '=', seriesId)
    .orderBy('timestamp')
    .orderBy('step')
    .orderBy('value');
  if (options.steps) page = page.where('step', 'in', options.steps);
  if (options.limit !== undefined) page = page.limit(options.limit);
  else if (options.offset) page = page.limit(Number.MAX_SAFE_INTEGER);
  if (options.offset) page = page.offset(options.offset);
  return page;
}

/**
 * Points of one series in history order, read as one JSON array text: materialising a driver row per
 * point costs several times more than parsing.
 */
async function readSeries(
  ctx: StoreContext,
  seriesId: number,
  options: { limit?: number; offset?: number; steps?: number[] } = {},
): Promise<PointJson[]> {
  const { jsonArray, jsonArrayAgg } = ctx.adapter;
  const point = jsonArray(['timestamp', 'step', 'value', 'is_nan'].map((c) => sql.ref(`h.${c}`)));
  const { points } = await ctx.db
    .selectFrom(seriesPage(ctx, seriesId, options).as('h'))
    .select(jsonArrayAgg(point, HISTORY_ORDER).as('points'))
    .executeTakeFirstOrThrow();
  return JSON.parse(points) as PointJson[];
}

function toPoints(key: string, points: PointJson[], runId?: string): MetricPoint[] {
  return points.map(([timestamp, step, value, isNan]) => {
    const point: MetricPoint = { key, value: isNan ? NaN : value, timestamp, step };
    if (runId !== undefined) point.run_id = runId;
    return point;
  });
}

/**
 * One metric's history in MLflow's wire form, built by the database in history order (the primary
 * key order, one range scan): the text goes to the client as it is. Pages of maxResults when given.
 */
export async function getMetricHistoryText(
  ctx: StoreContext,
  runId: string,
  key: string,
  options: { maxResults?: number; pageToken?: string } = {},
): Promise<MetricHistoryText> {
  await findRunRow(ctx.db, runId);
  const offset = decodePageToken(options.pageToken);
  const seriesId = (await seriesOf(ctx, [runId], key)).get(runId);
  if (seriesId === undefined) return { pointsJson: '[]' };
  const limit = options.maxResults;
  const { jsonObject, jsonMetricValue, jsonArrayAgg } = ctx.adapter;
  const page = seriesPage(ctx, seriesId, { offset, ...(limit !== undefined ? { limit } : {}) });
  const point = jsonObject([
    // Typed, so PostgreSQL knows what the bound key is inside json_build_object.
    ['key', sql`cast(${key} as text)`],
    ['value', jsonMetricValue(sql.ref('h.value'), sql.ref('h.is_nan'))],
    ['timestamp', sql.ref('h.timestamp')],
    ['step', sql.ref('h.step')],
  ]);
  const { points } = await ctx.db
    .selectFrom(page.as('h'))
    .select(jsonArrayAgg(point, HISTORY_ORDER).as('points'))
    .executeTakeFirstOrThrow();
  const result: MetricHistoryText = { pointsJson: points };
  if (limit !== undefined && (await hasMore(ctx, seriesId, offset + limit))) {
    result.nextPageToken = encodePageToken(offset + limit);
  }
  return result;
}

/** History of one metric ordered by (timestamp, step, value); pages of maxResults when given. */
export async function getMetricHistory(
  ctx: StoreContext,
  runId: string,
  key: string,
  options: { maxResults?: number; pageToken?: string } = {},
): Promise<Page<MetricPoint>> {
  const { pointsJson, nextPageToken } = await getMetricHistoryText(ctx, runId, key, options);
  // Number('NaN') is NaN: the wire's string form of NaN comes back as the number.
  const items = (JSON.parse(pointsJson) as WirePoint[]).map((p) => ({ ...p, value: Number(p.value) }));
  return nextPageToken ? { items, nextPageToken } : { items };
}

export async function getMetricHistoryBulk(
  ctx: StoreContext,
  runIds: string[],
  key: string,
  maxResults: number,
): Promise<MetricPoint[]> {
  const series = await seriesOf(ctx, runIds, key);
  const out: MetricPoint[] = [];
  for (const runId of [...series.keys()].sort()) {
    if (out.length >= maxResults) break;
    const points = await readSeries(ctx, series.get(runId)!, { limit: maxResults - out.length });
    out.push(...toPoints(key, points, runId));
  }
  return out;
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

/** The distinct steps of a series, ascending. */
async function stepsOf(ctx: StoreContext, seriesId: number): Promise<number[]> {
  const distinct = ctx.db.selectFrom('metrics').select('step').distinct().where('series_id', '=', seriesId);
  const { steps } = await ctx.db
    .selectFrom(distinct.as('d'))
    .select(ctx.adapter.jsonArrayAgg(sql.ref('d.step'), sql.ref('d.step')).as('steps'))
    .executeTakeFirstOrThrow();
  return JSON.parse(steps) as number[];
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
  const series = await seriesOf(ctx, runIds, key);
  const stepsByRun = new Map<string, number[]>();
  for (const [runId, seriesId] of series) stepsByRun.set(runId, await stepsOf(ctx, seriesId));
  const allSteps = [...new Set([...stepsByRun.values()].flat())].sort((a, b) => a - b);
  const start = input.startStep ?? 0;
  const end = input.endStep ?? allSteps[allSteps.length - 1] ?? 0;
  const steps = sampleSteps(start, end, maxResults, allSteps);
  for (const runSteps of stepsByRun.values()) {
    const [min, max] = [runSteps[0], runSteps[runSteps.length - 1]];
    for (const s of [min, max]) if (s !== undefined && s >= start && s <= end) steps.add(s);
  }
  if (steps.size === 0) return [];
  const wanted = [...steps];
  const out: MetricPoint[] = [];
  for (const runId of runIds) {
    const seriesId = series.get(runId);
    if (seriesId === undefined) continue;
    const points = await readSeries(ctx, seriesId, { steps: wanted, limit: 25_000 });
    // Chart order: by step, then time.
    points.sort((a, b) => a[1] - b[1] || a[0] - b[0] || a[2] - b[2]);
    out.push(...toPoints(key, points, runId));
  }
  return out;
}
