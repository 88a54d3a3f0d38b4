import { CompiledQuery, sql } from 'kysely';
import type { Kysely, RawBuilder } from 'kysely';
import type { Database } from '../schema.js';
import type { StoreContext } from './context.js';
import { chunks } from './context.js';

/**
 * Multi-resolution summaries ("rollups") of metric histories.
 *
 * Each stored point is counted, at every level L (bucket width 32^L along x) and on both x axes, in
 * the bucket `floor(x / width)`; the bucket keeps its point count, its first and last points along x,
 * its least and greatest non-NaN values (as whole points) and one NaN point. Buckets are absolute in
 * x, never relative to a series' current range, so a new point only ever merges into the buckets it
 * falls in: the summaries are maintained in the same transaction as the points, with one upsert per
 * batch whose merge is order-free (a count adds, extremes compare).
 *
 * A chart of a million-point series then reads the few thousand buckets of the coarsest level that
 * still has as many buckets as it needs, instead of scanning the million points. Merged into the
 * chart's buckets, they keep the exact extremes of every chart bucket: every point drawn is a stored
 * point, and a spike is never averaged away.
 */

/** Levels 1..4: widths 32, 1,024, 32,768 and 1,048,576 (steps, or milliseconds for time). */
export const ROLLUP_LEVELS = [1, 2, 3, 4] as const;
const WIDTH_BASE = 32;
const COARSEST = ROLLUP_LEVELS[ROLLUP_LEVELS.length - 1]!;

/**
 * Series are summarised once this many points were sent to them. Shorter ones cost no summary upkeep
 * and are downsampled from their points, which at this size is as quick as reading summaries.
 */
export const ROLLUP_MIN_POINTS = 20_000;

export type RollupAxis = 'step' | 'timestamp';
const AXIS_CODE: Record<RollupAxis, number> = { step: 0, timestamp: 1 };

export const rollupWidth = (level: number): number => WIDTH_BASE ** level;

/** One stored history point. */
export interface SeriesPoint {
  series_id: number;
  timestamp: number;
  step: number;
  value: number;
  is_nan: number;
}

/** A history row as a driver hands it over (PostgreSQL's bigints arrive as strings). */
export function numericPoint(row: Record<keyof SeriesPoint, unknown>): SeriesPoint {
  return {
    series_id: Number(row.series_id),
    timestamp: Number(row.timestamp),
    step: Number(row.step),
    value: Number(row.value),
    is_nan: Number(row.is_nan),
  };
}

type Rollup = Database['metric_rollups'];

/** A point seen along one axis: x is that axis' coordinate, y the other one. */
interface AxisPoint {
  x: number;
  y: number;
  value: number;
  nan: number;
}

/** Order along x, as charts and the unsummarised path sort: x, then y, then NaN last, then value. */
function alongX(a: AxisPoint, b: AxisPoint): number {
  return a.x - b.x || a.y - b.y || a.nan - b.nan || a.value - b.value;
}

function rollupKey(r: Pick<Rollup, 'series_id' | 'axis' | 'level' | 'bucket'>): string {
  return `${r.series_id}|${r.axis}|${r.level}|${r.bucket}`;
}

function newRollup(seriesId: number, axis: number, level: number, bucket: number, p: AxisPoint): Rollup {
  const valued = p.nan === 0;
  return {
    series_id: seriesId,
    axis,
    level,
    bucket,
    count: 1,
    first_x: p.x,
    first_y: p.y,
    first_value: p.value,
    first_nan: p.nan,
    last_x: p.x,
    last_y: p.y,
    last_value: p.value,
    last_nan: p.nan,
    min_x: valued ? p.x : null,
    min_y: valued ? p.y : null,
    min_value: valued ? p.value : null,
    max_x: valued ? p.x : null,
    max_y: valued ? p.y : null,
    max_value: valued ? p.value : null,
    nan_x: valued ? null : p.x,
    nan_y: valued ? null : p.y,
  };
}

/** Merges one point into a bucket's summary, by the same rules the database's upsert applies. */
function mergePoint(r: Rollup, p: AxisPoint): void {
  r.count += 1;
  const first = { x: r.first_x, y: r.first_y, value: r.first_value, nan: r.first_nan };
  if (alongX(p, first) < 0)
    Object.assign(r, { first_x: p.x, first_y: p.y, first_value: p.value, first_nan: p.nan });
  const last = { x: r.last_x, y: r.last_y, value: r.last_value, nan: r.last_nan };
  if (alongX(p, last) > 0)
    Object.assign(r, { last_x: p.x, last_y: p.y, last_value: p.value, last_nan: p.nan });
  if (p.nan) {
    if (r.nan_x === null) Object.assign(r, { nan_x: p.x, nan_y: p.y });
    return;
  }
  if (r.min_value === null || p.value < r.min_value)
    Object.assign(r, { min_x: p.x, min_y: p.y, min_value: p.value });
  if (r.max_value === null || p.value > r.max_value)
    Object.assign(r, { max_x: p.x, max_y: p.y, max_value: p.value });
}

/** Folds points into bucket summaries for every level and both axes (`into` accumulates across calls). */
function foldRollups(points: Iterable<SeriesPoint>, into = new Map<string, Rollup>()): Map<string, Rollup> {
  for (const point of points) {
    for (const axis of ['step', 'timestamp'] as const) {
      const p: AxisPoint =
        axis === 'step'
          ? { x: point.step, y: point.timestamp, value: point.value, nan: point.is_nan }
          : { x: point.timestamp, y: point.step, value: point.value, nan: point.is_nan };
      for (const level of ROLLUP_LEVELS) {
        const bucket = Math.floor(p.x / rollupWidth(level));
        const id = { series_id: point.series_id, axis: AXIS_CODE[axis], level, bucket };
        const existing = into.get(rollupKey(id));
        if (existing) mergePoint(existing, p);
        else into.set(rollupKey(id), newRollup(point.series_id, id.axis, level, bucket, p));
      }
    }
  }
  return into;
}

const current = (column: keyof Rollup): RawBuilder<unknown> => sql.ref(`metric_rollups.${column}`);
const incoming = (column: keyof Rollup): RawBuilder<unknown> => sql.ref(`excluded.${column}`);
const tuple = (source: typeof current, prefix: 'first' | 'last'): RawBuilder<unknown> =>
  sql`(${sql.join([source(`${prefix}_x`), source(`${prefix}_y`), source(`${prefix}_nan`), source(`${prefix}_value`)])})`;

/** `columns` take the incoming bucket's values where `wins`, else keep the stored ones. */
function takeWhen(wins: RawBuilder<unknown>, columns: (keyof Rollup)[]): Record<string, RawBuilder<number>> {
  return Object.fromEntries(
    columns.map((c) => [c, sql<number>`case when ${wins} then ${incoming(c)} else ${current(c)} end`]),
  );
}

/** A stored extreme loses to an incoming one that is strictly beyond it, or when it has none. */
const extremeWins = (column: 'min_value' | 'max_value', beyond: '<' | '>') =>
  sql`(${incoming(column)} ${sql.raw(beyond)} ${current(column)} or (${current(column)} is null and ${incoming(column)} is not null))`;

const MERGE = {
  count: sql<number>`${current('count')} + ${incoming('count')}`,
  ...takeWhen(sql`${tuple(incoming, 'first')} < ${tuple(current, 'first')}`, [
    'first_x',
    'first_y',
    'first_value',
    'first_nan',
  ]),
  ...takeWhen(sql`${tuple(incoming, 'last')} > ${tuple(current, 'last')}`, [
    'last_x',
    'last_y',
    'last_value',
    'last_nan',
  ]),
  ...takeWhen(extremeWins('min_value', '<'), ['min_x', 'min_y', 'min_value']),
  ...takeWhen(extremeWins('max_value', '>'), ['max_x', 'max_y', 'max_value']),
  ...takeWhen(sql`${current('nan_x')} is null`, ['nan_x', 'nan_y']),
};

const COLUMN_COUNT = 21;

/**
 * Adds newly stored points to their buckets' summaries. Pass only points that were really inserted
 * (not duplicates the history ignored), or the counts drift. Rows go in key order, so concurrent
 * writers lock buckets in the same order.
 */
async function addToRollups(
  ctx: StoreContext,
  db: Kysely<Database>,
  points: readonly SeriesPoint[],
): Promise<void> {
  if (points.length === 0) return;
  const rows = [...foldRollups(points).values()].sort(
    (a, b) => a.series_id - b.series_id || a.axis - b.axis || a.level - b.level || a.bucket - b.bucket,
  );
  for (const part of chunks(rows, Math.floor(ctx.adapter.maxParameters / COLUMN_COUNT))) {
    await db.executeQuery(CompiledQuery.raw(upsertText(ctx.db, part.length), part.flatMap(rowValues)));
  }
}

const ROLLUP_COLUMNS = Object.keys(
  newRollup(0, 0, 0, 0, { x: 0, y: 0, value: 0, nan: 0 }),
) as (keyof Rollup)[];
const rowValues = (row: Rollup): unknown[] => ROLLUP_COLUMNS.map((c) => row[c]);

/**
 * The upsert's SQL text for `rows` rows, built once per row count and store (not per transaction):
 * building the 17-expression merge through the query builder costs several times the database's work.
 */
const upsertTexts = new WeakMap<Kysely<Database>, Map<number, string>>();
function upsertText(db: Kysely<Database>, rows: number): string {
  const texts = upsertTexts.get(db) ?? new Map<number, string>();
  upsertTexts.set(db, texts);
  let text = texts.get(rows);
  if (text === undefined) {
    const placeholder = newRollup(0, 0, 0, 0, { x: 0, y: 0, value: 0, nan: 0 });
    const compiled = db
      .insertInto('metric_rollups')
      .values(Array.from({ length: rows }, () => placeholder))
      .onConflict((oc) => oc.columns(['series_id', 'axis', 'level', 'bucket']).doUpdateSet(MERGE))
      .compile();
    // The text binds the rows' values in column order and nothing else.
    if (compiled.parameters.length !== rows * ROLLUP_COLUMNS.length)
      throw new Error('unexpected upsert shape');
    text = compiled.sql;
    if (texts.size > 256) texts.clear();
    texts.set(rows, text);
  }
  return text;
}

/** Points read per query while summarising a series' existing history. */
const BACKFILL_PAGE = 50_000;

/**
 * Summarises a series from its stored points, replacing any summaries it has. Call it inside the
 * transaction that holds the series' latest_metrics row lock (every writer of the series takes it
 * first), so no point lands between the read of the history and the summaries' insert.
 */
async function summariseHistory(ctx: StoreContext, trx: Kysely<Database>, seriesId: number): Promise<number> {
  await trx.deleteFrom('metric_rollups').where('series_id', '=', seriesId).execute();
  const folded = new Map<string, Rollup>();
  let after: SeriesPoint | undefined;
  let count = 0;
  for (;;) {
    let page = trx
      .selectFrom('metrics')
      .select(['series_id', 'timestamp', 'step', 'value', 'is_nan'])
      .where('series_id', '=', seriesId);
    if (after) {
      const a = after;
      page = page.where(
        sql<boolean>`(timestamp, step, value, is_nan) > (${a.timestamp}, ${a.step}, ${a.value}, ${a.is_nan})`,
      );
    }
    const rows = (
      await page
        .orderBy('timestamp')
        .orderBy('step')
        .orderBy('value')
        .orderBy('is_nan')
        .limit(BACKFILL_PAGE)
        .execute()
    ).map(numericPoint);
    foldRollups(rows, folded);
    count += rows.length;
    if (rows.length < BACKFILL_PAGE) break;
    after = rows[rows.length - 1];
  }
  for (const part of chunks([...folded.values()], Math.floor(ctx.adapter.maxParameters / COLUMN_COUNT))) {
    await trx.insertInto('metric_rollups').values(part).execute();
  }
  return count;
}

/** latest_metrics.rollup_state */
export const ROLLUP_STATE = { short: 0, summarised: 1, unknown: 2 } as const;

/** A series as the batch writer's latest_metrics upsert returns it (after the batch's points). */
export interface WrittenSeries {
  series_id: number;
  points_sent: number;
  rollup_state: number;
}

/**
 * Keeps the summaries of the series a batch wrote to: points newly stored in a summarised series are
 * merged in; a short series that this batch made long (ROLLUP_MIN_POINTS points sent) is summarised
 * from its whole history, once. Runs in the batch's transaction, after its points were inserted.
 */
export async function maintainRollups(
  ctx: StoreContext,
  trx: Kysely<Database>,
  series: readonly WrittenSeries[],
  inserted: readonly SeriesPoint[],
): Promise<void> {
  const summarised = new Set(
    series.filter((s) => s.rollup_state === ROLLUP_STATE.summarised).map((s) => s.series_id),
  );
  await addToRollups(
    ctx,
    trx,
    inserted.filter((p) => summarised.has(p.series_id)),
  );
  for (const s of series) {
    if (s.rollup_state === ROLLUP_STATE.short && s.points_sent >= ROLLUP_MIN_POINTS) {
      await summariseHistory(ctx, trx, s.series_id);
      await trx
        .updateTable('latest_metrics')
        .set({ rollup_state: ROLLUP_STATE.summarised })
        .where('series_id', '=', s.series_id)
        .execute();
    }
  }
}

/**
 * The state of a series for reading, settling one that predates summaries: it is counted, and
 * summarised when long. The series' row is locked first, as writers lock it, so a concurrent writer or
 * reader waits and then finds it settled.
 */
export async function settledRollupState(
  ctx: StoreContext,
  seriesId: number,
  state: number,
): Promise<number> {
  if (state !== ROLLUP_STATE.unknown) return state;
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('latest_metrics')
      .set({ rollup_state: sql`rollup_state` })
      .where('series_id', '=', seriesId)
      .returning('rollup_state')
      .executeTakeFirstOrThrow();
    if (Number(row.rollup_state) !== ROLLUP_STATE.unknown) return Number(row.rollup_state);
    const { count } = await trx
      .selectFrom('metrics')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('series_id', '=', seriesId)
      .executeTakeFirstOrThrow();
    const long = Number(count) >= ROLLUP_MIN_POINTS;
    if (long) await summariseHistory(ctx, trx, seriesId);
    const settled = long ? ROLLUP_STATE.summarised : ROLLUP_STATE.short;
    await trx
      .updateTable('latest_metrics')
      .set({ rollup_state: settled, points_sent: Number(count) })
      .where('series_id', '=', seriesId)
      .execute();
    return settled;
  });
}

/** Point count and x range of a series along one axis, from its coarsest summaries. */
export interface SeriesExtent {
  count: number;
  lo: number;
  hi: number;
}

export async function rollupExtent(
  ctx: StoreContext,
  seriesId: number,
  axis: RollupAxis,
): Promise<SeriesExtent> {
  const row = await ctx.db
    .selectFrom('metric_rollups')
    .select((eb) => [
      eb.fn.sum<number>('count').as('count'),
      eb.fn.min<number>('first_x').as('lo'),
      eb.fn.max<number>('last_x').as('hi'),
    ])
    .where('series_id', '=', seriesId)
    .where('axis', '=', AXIS_CODE[axis])
    .where('level', '=', COARSEST)
    .executeTakeFirst();
  return { count: Number(row?.count ?? 0), lo: Number(row?.lo ?? 0), hi: Number(row?.hi ?? 0) };
}

/** A point handed back to the downsampler. */
export interface RolledPoint {
  timestamp: number;
  step: number;
  value: number;
  is_nan: number;
}

/** How a range is read from summaries: the level, and how many of its buckets make one chart bucket. */
export interface RollupPlan {
  level: number;
  group: number;
}

/**
 * Picks the level and grouping that give the most chart buckets, at most `buckets`, over [lo, hi]:
 * from the coarsest level down, stopping at the first that gives three quarters of them or when a
 * level would mean reading more than 32 summaries per chart bucket. Chart bucket k holds the
 * summaries whose bucket b has floor(b / group) = k: equal widths, aligned on multiples of
 * group * 32^level, so each chart bucket's extremes are exactly those of the points inside it.
 */
export function planRollupRead(range: { lo: number; hi: number }, buckets: number): RollupPlan {
  let best: (RollupPlan & { groups: number }) | undefined;
  for (const level of [...ROLLUP_LEVELS].reverse()) {
    const width = rollupWidth(level);
    const [first, last] = [Math.floor(range.lo / width), Math.floor(range.hi / width)];
    if (best && last - first + 1 > 32 * buckets) break;
    let group = Math.max(1, Math.ceil((last - first + 1) / buckets));
    while (Math.floor(last / group) - Math.floor(first / group) + 1 > buckets) group++;
    const groups = Math.floor(last / group) - Math.floor(first / group) + 1;
    if (!best || groups > best.groups) best = { level, group, groups };
    if (groups >= 0.75 * buckets) break;
  }
  return { level: best!.level, group: best!.group };
}

/**
 * The series reduced to at most `buckets` equal x intervals over [lo, hi] (see planRollupRead), each
 * keeping its least and greatest point (or one NaN point when it holds nothing else), plus the first
 * and last points, read from the summaries alone.
 */
export async function downsampleFromRollups(
  ctx: StoreContext,
  seriesId: number,
  axis: RollupAxis,
  range: { lo: number; hi: number },
  buckets: number,
): Promise<RolledPoint[]> {
  const { level, group } = planRollupRead(range, buckets);
  const rows = await ctx.db
    .selectFrom('metric_rollups')
    .selectAll()
    .where('series_id', '=', seriesId)
    .where('axis', '=', AXIS_CODE[axis])
    .where('level', '=', level)
    .orderBy('bucket')
    .execute();
  const toPoint = (x: unknown, y: unknown, value: unknown, nan: unknown): RolledPoint => {
    const [step, timestamp] = axis === 'step' ? [Number(x), Number(y)] : [Number(y), Number(x)];
    return { step, timestamp, value: Number(value), is_nan: Number(nan) };
  };
  type Chosen = { min?: RolledPoint; max?: RolledPoint; nan?: RolledPoint };
  const chosen = new Map<number, Chosen>();
  for (const r of rows) {
    const k = Math.floor(Number(r.bucket) / group);
    const c = chosen.get(k) ?? {};
    chosen.set(k, c);
    if (r.min_value !== null && (c.min === undefined || Number(r.min_value) < c.min.value)) {
      c.min = toPoint(r.min_x, r.min_y, r.min_value, 0);
    }
    if (r.max_value !== null && (c.max === undefined || Number(r.max_value) > c.max.value)) {
      c.max = toPoint(r.max_x, r.max_y, r.max_value, 0);
    }
    if (r.nan_x !== null && c.nan === undefined) c.nan = toPoint(r.nan_x, r.nan_y, 0, 1);
  }
  const out: RolledPoint[] = [];
  for (const c of chosen.values()) {
    if (c.min) out.push(c.min, c.max!);
    else if (c.nan) out.push(c.nan);
  }
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (first) out.push(toPoint(first.first_x, first.first_y, first.first_value, first.first_nan));
  if (last) out.push(toPoint(last.last_x, last.last_y, last.last_value, last.last_nan));
  return out;
}
