import { LIMITS, invalidParam } from '@ferry/core';
import { sql } from 'kysely';
import type { DownsampledSeries, DownsampleInput, DownsampledPoint } from '../tracking-store.js';
import type { StoreContext } from './context.js';
import { ROLLUP_STATE, downsampleFromRollups, rollupExtent, settledRollupState } from './metric-rollups.js';
import { findRunRow } from './runs.js';

/** Bounds of `maxPoints`: 4 is the least that holds one bucket's min and max plus the first and last. */
export const DOWNSAMPLE_LIMITS = { minPoints: 4, maxPoints: 10_000, defaultPoints: 1000 } as const;

/** A point as the database hands it over (the primary key's columns: one stored point). */
type Row = { timestamp: number; step: number; value: number; is_nan: number };

const COLUMNS = ['timestamp', 'step', 'value', 'is_nan'];

/** Sorts points along x: by step then time on a step axis, by time then step otherwise, then value. */
function xCompare(xAxis: 'step' | 'timestamp'): (a: Row, b: Row) => number {
  const [first, second] =
    xAxis === 'step' ? (['step', 'timestamp'] as const) : (['timestamp', 'step'] as const);
  return (a, b) => a[first] - b[first] || a[second] - b[second] || a.is_nan - b.is_nan || a.value - b.value;
}

function numeric(row: Record<string, unknown>): Row {
  return {
    timestamp: Number(row.timestamp),
    step: Number(row.step),
    value: Number(row.value),
    is_nan: Number(row.is_nan),
  };
}

/** The points kept, each once, in x order. */
function dedupeAlongX(rows: Row[], xAxis: 'step' | 'timestamp'): Row[] {
  const kept = new Map<string, Row>();
  for (const row of rows) kept.set(`${row.timestamp}|${row.step}|${row.is_nan}|${row.value}`, row);
  return [...kept.values()].sort(xCompare(xAxis));
}

/**
 * Min/max (M4-style) downsampling of one series of `count` points whose x runs over [lo, hi].
 *
 * The x range is cut into `buckets` intervals of equal width; each bucket keeps the point with its
 * smallest and the point with its largest value (NaN points take no part in that choice; a bucket
 * holding nothing but NaN keeps one of them, so the chart still shows the gap). The series' first
 * and last points along x are kept too, so the line spans the whole range: at most 2 * buckets + 2
 * points. Unlike LTTB, which keeps one point per bucket by triangle area and so can drop a one-point
 * spike, every bucket's exact extremes survive: a loss spike or a divergence is never hidden, and the
 * envelope drawn at a bucket or two per pixel column is the one the full series would draw.
 *
 * This computes it from the points themselves: the database does the work in one pass per extreme,
 * grouping by bucket with an arg-min/arg-max aggregate (no sort, no window), and the points never
 * leave it. A long series is read from its per-bucket summaries instead (see metric-rollups.ts): its
 * buckets are then aligned on multiples of their width rather than starting at lo, and there may be
 * fewer of them, but each still keeps its exact extremes.
 */
async function scanSeries(
  ctx: StoreContext,
  seriesId: number,
  xAxis: 'step' | 'timestamp',
  range: { lo: number; hi: number },
  buckets: number,
): Promise<Row[]> {
  const x = sql.ref(xAxis);
  // In doubles: ms timestamps times thousands of buckets overflow nothing, and both databases floor alike.
  const span = range.hi - range.lo + 1;
  const bucket = sql`cast(floor(cast(${x} - ${sql.lit(range.lo)} as double precision) * ${sql.lit(buckets)} / ${sql.lit(span)}) as bigint)`;
  const points = sql`select timestamp, step, value, is_nan, ${bucket} as k from metrics where series_id = ${seriesId}`;
  const nanAsNull = sql`case when is_nan = 1 then null else value end`;
  const { extremeRow } = ctx.adapter;
  const lowest = sql`select ${sql.join(extremeRow('min', nanAsNull, COLUMNS))} from (${points}) as b group by k`;
  const highest = sql`select ${sql.join(extremeRow('max', sql.ref('value'), COLUMNS))} from (${points}) as b where is_nan = 0 group by k`;
  // The first and last points sit at x = lo and x = hi: a filter, no sort (an index seek for time).
  const second = xAxis === 'step' ? 'timestamp' : 'step';
  const end = (at: number, dir: 'asc' | 'desc') =>
    sql`select timestamp, step, value, is_nan from metrics where series_id = ${seriesId} and ${x} = ${sql.lit(at)}
      order by ${sql.join([second, 'is_nan', 'value'].map((c) => sql`${sql.ref(c)} ${sql.raw(dir)}`))} limit 1`;
  const [low, high, ends] = await Promise.all([
    sql<Record<string, unknown>>`${lowest}`.execute(ctx.db),
    sql<Record<string, unknown>>`${highest}`.execute(ctx.db),
    sql<
      Record<string, unknown>
    >`select * from (${end(range.lo, 'asc')}) as f union all select * from (${end(range.hi, 'desc')}) as l`.execute(
      ctx.db,
    ),
  ]);
  return [...low.rows, ...high.rows, ...ends.rows].map(numeric);
}

/** Every point of a series in x order: used when it is short enough to send whole. */
async function wholeSeries(ctx: StoreContext, seriesId: number, xAxis: 'step' | 'timestamp'): Promise<Row[]> {
  const { rows } = await sql<Record<string, unknown>>`
    select timestamp, step, value, is_nan from metrics where series_id = ${seriesId}`.execute(ctx.db);
  return rows.map(numeric).sort(xCompare(xAxis));
}

/** Series id of one metric key per run (runs without the metric have none). */
async function seriesOf(
  ctx: StoreContext,
  runIds: string[],
  key: string,
): Promise<Map<string, { id: number; rollupState: number }>> {
  const rows = await ctx.db
    .selectFrom('latest_metrics')
    .select(['run_uuid', 'series_id', 'rollup_state'])
    .where('key', '=', key)
    .where('run_uuid', 'in', runIds)
    .execute();
  return new Map(rows.map((r) => [r.run_uuid, { id: r.series_id, rollupState: Number(r.rollup_state) }]));
}

/** Point count and x range of a series, from its points. */
async function extent(
  ctx: StoreContext,
  seriesId: number,
  xAxis: 'step' | 'timestamp',
): Promise<{ count: number; lo: number; hi: number }> {
  const x = sql.ref(xAxis);
  const { rows } = await sql<{ n: unknown; lo: unknown; hi: unknown }>`
    select count(*) as n, min(${x}) as lo, max(${x}) as hi from metrics where series_id = ${seriesId}`.execute(
    ctx.db,
  );
  const row = rows[0]!;
  return { count: Number(row.n), lo: Number(row.lo), hi: Number(row.hi) };
}

export function validateDownsample(input: DownsampleInput): void {
  const { minPoints, maxPoints } = DOWNSAMPLE_LIMITS;
  if (!Number.isSafeInteger(input.maxPoints) || input.maxPoints < minPoints || input.maxPoints > maxPoints) {
    throw invalidParam(`max_points must be an integer between ${minPoints} and ${maxPoints}.`);
  }
  if (input.runIds.length === 0) throw invalidParam(`Missing value for required parameter 'run_id'.`);
  if (input.runIds.length > LIMITS.historyBulkRuns) {
    throw invalidParam(
      `A downsampled history request may name at most ${LIMITS.historyBulkRuns} runs. Received ${input.runIds.length}.`,
    );
  }
  if (input.key === '') throw invalidParam(`Missing value for required parameter 'metric_key'.`);
  if (input.xAxis !== 'step' && input.xAxis !== 'timestamp') {
    throw invalidParam(`x_axis must be 'step' or 'timestamp'.`);
  }
}

/**
 * Each run's history of one metric along x (step or timestamp), at most `maxPoints` points per run:
 * whole when it fits, otherwise reduced to each x bucket's extremes (see downsampleSeries). Runs come
 * back in the order asked, once each; an unknown run is RESOURCE_DOES_NOT_EXIST.
 */
export async function getMetricHistoryDownsampled(
  ctx: StoreContext,
  input: DownsampleInput,
): Promise<DownsampledSeries[]> {
  validateDownsample(input);
  const runIds = [...new Set(input.runIds)];
  for (const runId of runIds) await findRunRow(ctx.db, runId);
  const series = await seriesOf(ctx, runIds, input.key);
  const buckets = Math.floor((input.maxPoints - 2) / 2);
  const out: DownsampledSeries[] = [];
  for (const runId of runIds) {
    const found = series.get(runId);
    const result: DownsampledSeries = {
      runId,
      key: input.key,
      totalPoints: 0,
      downsampled: false,
      points: [],
    };
    out.push(result);
    if (found === undefined) continue;
    const seriesId = found.id;
    const summarised =
      (await settledRollupState(ctx, seriesId, found.rollupState)) === ROLLUP_STATE.summarised;
    const { count, lo, hi } = summarised
      ? await rollupExtent(ctx, seriesId, input.xAxis)
      : await extent(ctx, seriesId, input.xAxis);
    result.totalPoints = count;
    if (count === 0) continue;
    result.downsampled = count > input.maxPoints;
    const rows = !result.downsampled
      ? await wholeSeries(ctx, seriesId, input.xAxis)
      : summarised
        ? await downsampleFromRollups(ctx, seriesId, input.xAxis, { lo, hi }, buckets)
        : await scanSeries(ctx, seriesId, input.xAxis, { lo, hi }, buckets);
    result.points = dedupeAlongX(rows, input.xAxis).map((r): DownsampledPoint => ({
      step: r.step,
      timestamp: r.timestamp,
      value: r.is_nan ? NaN : r.value,
    }));
  }
  return out;
}
