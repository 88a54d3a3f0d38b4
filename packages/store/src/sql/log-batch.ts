import { clampInfinity, invalidParam, notFound, validateBatch } from '@ferry/core';
import type { LogBatch, Metric, Param } from '@ferry/core';
import { sql } from 'kysely';
import type { RawBuilder, Transaction } from 'kysely';
import type { Database } from '../schema.js';
import type { StoreContext } from './context.js';
import { chunks, retryTransient } from './context.js';
import { ROLLUP_STATE, maintainRollups, numericPoint } from './metric-rollups.js';
import type { SeriesPoint } from './metric-rollups.js';
import { activeRunRow, upsertTags } from './runs.js';

/** A point as stored, before its series id is known. */
interface Point {
  key: string;
  timestamp: number;
  step: number;
  value: number;
  is_nan: number;
}

function toPoint(m: Metric): Point {
  const nan = Number.isNaN(m.value);
  return {
    key: m.key,
    timestamp: m.timestamp,
    step: m.step,
    // NaN cannot be stored in every database (SQLite turns it into NULL): keep a flag, as MLflow does.
    value: nan ? 0 : clampInfinity(m.value),
    is_nan: nan ? 1 : 0,
  };
}

/** True when a is after b in MLflow's "latest" order: (step, timestamp, NaN above numbers, value). */
function isLater(a: Point, b: Point): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  if (a.is_nan !== b.is_nan) return a.is_nan > b.is_nan;
  return a.value > b.value;
}

async function insertParams(trx: Transaction<Database>, runId: string, params: Param[]): Promise<void> {
  if (params.length === 0) return;
  await trx
    .insertInto('params')
    .values(params.map((p) => ({ run_uuid: runId, key: p.key, value: p.value })))
    .onConflict((oc) => oc.columns(['run_uuid', 'key']).doNothing())
    .execute();
  // Read back after inserting, so a concurrent writer of the same key with another value is caught too.
  const stored = await trx
    .selectFrom('params')
    .select(['key', 'value'])
    .where('run_uuid', '=', runId)
    .where(
      'key',
      'in',
      params.map((p) => p.key),
    )
    .execute();
  const storedValue = new Map(stored.map((r) => [r.key, r.value]));
  for (const p of params) {
    const old = storedValue.get(p.key);
    if (old !== undefined && old !== p.value) {
      throw invalidParam(
        `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${old}' ` +
          `for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
      );
    }
  }
}

const NEWER = sql<boolean>`(excluded.step, excluded.timestamp, excluded.is_nan, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.is_nan, latest_metrics.value)`;

/** `column` takes the incoming value only when the incoming point is the newer one. */
const ifNewer = (column: keyof Point): RawBuilder<number> =>
  sql<number>`case when ${NEWER} then excluded.${sql.ref(column)} else latest_metrics.${sql.ref(column)} end`;

async function insertMetrics(
  ctx: StoreContext,
  trx: Transaction<Database>,
  runId: string,
  metrics: Metric[],
) {
  if (metrics.length === 0) return;
  const points = metrics.map(toPoint);
  const latest = new Map<string, Point>();
  for (const p of points) {
    const current = latest.get(p.key);
    if (!current || isLater(p, current)) latest.set(p.key, p);
  }
  const sent = new Map<string, number>();
  for (const p of points) sent.set(p.key, (sent.get(p.key) ?? 0) + 1);
  // One upsert per key both advances the latest value and yields the series id (an update that
  // keeps the old values still returns the row, which a conditional DO UPDATE ... WHERE would not).
  const series = await trx
    .insertInto('latest_metrics')
    .values(
      [...latest.values()]
        .sort((a, b) => (a.key < b.key ? -1 : 1))
        .map((p) => ({ run_uuid: runId, ...p, points_sent: sent.get(p.key)! })),
    )
    .onConflict((oc) =>
      oc.columns(['run_uuid', 'key']).doUpdateSet({
        timestamp: ifNewer('timestamp'),
        step: ifNewer('step'),
        value: ifNewer('value'),
        is_nan: ifNewer('is_nan'),
        points_sent: sql<number>`latest_metrics.points_sent + excluded.points_sent`,
      }),
    )
    .returning(['key', 'series_id', 'points_sent', 'rollup_state'])
    .execute();
  const seriesId = new Map(series.map((s) => [s.key, s.series_id]));
  const written = series.map((s) => ({
    series_id: Number(s.series_id),
    points_sent: Number(s.points_sent),
    rollup_state: Number(s.rollup_state),
  }));
  const rows = points.map((p) => ({
    series_id: seriesId.get(p.key) as number,
    timestamp: p.timestamp,
    step: p.step,
    value: p.value,
    is_nan: p.is_nan,
  }));
  // Only summarised series need to know which points were new (a duplicate is ignored): ask for
  // them back only then.
  const summarised = written.some((s) => s.rollup_state === ROLLUP_STATE.summarised);
  const inserted: SeriesPoint[] = [];
  for (const part of chunks(rows, Math.floor(ctx.adapter.maxParameters / 5))) {
    const insert = trx
      .insertInto('metrics')
      .values(part)
      .onConflict((oc) => oc.columns(['series_id', 'timestamp', 'step', 'value', 'is_nan']).doNothing());
    if (summarised) {
      const stored = await insert.returning(['series_id', 'timestamp', 'step', 'value', 'is_nan']).execute();
      inserted.push(...stored.map(numericPoint));
    } else {
      await insert.execute();
    }
  }
  await maintainRollups(ctx, trx, written, inserted);
}

/**
 * Metrics logged with a `model_id` also belong to that logged model (with their dataset, if any), the
 * way MLflow 3 attaches evaluation results to models. An unknown model fails the whole batch.
 */
async function insertModelMetrics(
  trx: Transaction<Database>,
  runId: string,
  metrics: Metric[],
): Promise<void> {
  const linked = metrics.filter((m) => m.model_id);
  if (linked.length === 0) return;
  const modelIds = [...new Set(linked.map((m) => m.model_id!))];
  const known = await trx
    .selectFrom('logged_models')
    .select('model_id')
    .where('model_id', 'in', modelIds)
    .where('lifecycle_stage', '=', 'active')
    .execute();
  const missing = modelIds.find((id) => !known.some((k) => k.model_id === id));
  if (missing !== undefined) throw notFound(`Logged model with ID '${missing}' not found.`);
  for (const m of linked) {
    const { value, is_nan } = toPoint(m);
    await trx
      .insertInto('logged_model_metrics')
      .values({
        model_id: m.model_id!,
        key: m.key,
        timestamp: m.timestamp,
        step: m.step,
        run_id: runId,
        dataset_name: m.dataset_name ?? '',
        dataset_digest: m.dataset_digest ?? '',
        value,
        is_nan,
      })
      .onConflict((oc) =>
        oc
          .columns(['model_id', 'key', 'timestamp', 'step', 'run_id', 'dataset_name', 'dataset_digest'])
          .doUpdateSet({ value, is_nan }),
      )
      .execute();
  }
}

/**
 * Writes metrics, params and tags of one run in one transaction: all or nothing. Params are
 * immutable (same value again is a no-op, another value is INVALID_PARAMETER_VALUE).
 */
export async function logBatch(ctx: StoreContext, runId: string, batch: LogBatch): Promise<void> {
  const { metrics, params, tags } = validateBatch({
    metrics: batch.metrics ?? [],
    params: batch.params ?? [],
    tags: batch.tags ?? [],
  });
  // Rows go in key order, so concurrent batches touching the same keys lock them in the same order.
  const byKey = <T extends { key: string }>(a: T, b: T): number =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  params.sort(byKey);
  tags.sort(byKey);
  await retryTransient(ctx, () =>
    ctx.db.transaction().execute(async (trx) => {
      await activeRunRow(trx, runId);
      await insertParams(trx, runId, params);
      await upsertTags(trx, runId, tags);
      await insertMetrics(ctx, trx, runId, metrics);
      await insertModelMetrics(trx, runId, metrics);
    }),
  );
}
