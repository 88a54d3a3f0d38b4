import { clampInfinity, invalidParam, validateBatch } from '@ferry/core';
import type { LogBatch, Metric, Param } from '@ferry/core';
import { sql } from 'kysely';
import type { Transaction } from 'kysely';
import type { Database } from '../schema.js';
import type { StoreContext } from './context.js';
import { chunks } from './context.js';
import { activeRunRow, upsertTags } from './runs.js';

type MetricRow = Database['metrics'];

function toMetricRow(runId: string, m: Metric): MetricRow {
  const nan = Number.isNaN(m.value);
  return {
    run_uuid: runId,
    key: m.key,
    timestamp: m.timestamp,
    step: m.step,
    // NaN cannot be stored in every database (SQLite turns it into NULL): keep a flag, as MLflow does.
    value: nan ? 0 : clampInfinity(m.value),
    is_nan: nan ? 1 : 0,
    model_id: m.model_id ?? null,
    dataset_name: m.dataset_name ?? null,
    dataset_digest: m.dataset_digest ?? null,
  };
}

/** True when a is after b in MLflow's "latest" order: (step, timestamp, NaN above numbers, value). */
function isLater(a: MetricRow, b: MetricRow): boolean {
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
          `for run ID='${runId}'. Attempted logging new value '${p.value}'.\n\nThe cause of this error is typically ` +
          'due to repeated calls to an individual run_id event logging.',
      );
    }
  }
}

async function insertMetrics(ctx: StoreContext, trx: Transaction<Database>, runId: string, metrics: Metric[]) {
  if (metrics.length === 0) return;
  const rows = metrics.map((m) => toMetricRow(runId, m));
  for (const part of chunks(rows, Math.floor(ctx.adapter.maxParameters / 9))) {
    await trx
      .insertInto('metrics')
      .values(part)
      .onConflict((oc) => oc.columns(['run_uuid', 'key', 'timestamp', 'step', 'value', 'is_nan']).doNothing())
      .execute();
  }
  const latest = new Map<string, MetricRow>();
  for (const row of rows) {
    const current = latest.get(row.key);
    if (!current || isLater(row, current)) latest.set(row.key, row);
  }
  await trx
    .insertInto('latest_metrics')
    .values(
      [...latest.values()].map((r) => ({
        run_uuid: r.run_uuid,
        key: r.key,
        timestamp: r.timestamp,
        step: r.step,
        value: r.value,
        is_nan: r.is_nan,
      })),
    )
    .onConflict((oc) =>
      oc
        .columns(['run_uuid', 'key'])
        .doUpdateSet((eb) => ({
          timestamp: eb.ref('excluded.timestamp'),
          step: eb.ref('excluded.step'),
          value: eb.ref('excluded.value'),
          is_nan: eb.ref('excluded.is_nan'),
        }))
        .where(
          sql<boolean>`(excluded.step, excluded.timestamp, excluded.is_nan, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.is_nan, latest_metrics.value)`,
        ),
    )
    .execute();
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
  await ctx.db.transaction().execute(async (trx) => {
    await activeRunRow(trx, runId);
    await insertParams(trx, runId, params);
    await upsertTags(trx, runId, tags);
    await insertMetrics(ctx, trx, runId, metrics);
  });
}
