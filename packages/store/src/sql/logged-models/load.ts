import { notFound } from '@ferry/core';
import type { LoggedModel, LoggedModelStatus, Metric, Tag } from '@ferry/core';
import type { Selectable } from 'kysely';
import type { Database } from '../../schema.js';
import { chunks, type StoreContext } from '../context.js';
import type { Db } from '../registry/load.js';

export type LoggedModelRow = Selectable<Database['logged_models']>;

export const loggedModelNotFound = (id: string) => notFound(`Logged model with ID '${id}' not found.`);

/** The model's row unless it is missing or deleted (deleted models are invisible, as in MLflow). */
export async function requireLoggedModel(db: Db, modelId: string): Promise<LoggedModelRow> {
  const row = await db
    .selectFrom('logged_models')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('lifecycle_stage', '=', 'active')
    .executeTakeFirst();
  if (!row) throw loggedModelNotFound(modelId);
  return row;
}

/** Logged models with their tags, params and metrics, in the order of `rows`: three reads for any number. */
export async function loadLoggedModels(
  ctx: StoreContext,
  db: Db,
  rows: LoggedModelRow[],
): Promise<LoggedModel[]> {
  const tags = new Map<string, Tag[]>();
  const params = new Map<string, Tag[]>();
  const metrics = new Map<string, Metric[]>();
  const push = <T>(map: Map<string, T[]>, id: string, item: T) => map.set(id, [...(map.get(id) ?? []), item]);
  for (const ids of chunks(
    rows.map((r) => r.model_id),
    ctx.adapter.maxParameters,
  )) {
    if (ids.length === 0) continue;
    const [tagRows, paramRows, metricRows] = await Promise.all([
      db.selectFrom('logged_model_tags').selectAll().where('model_id', 'in', ids).orderBy('key').execute(),
      db.selectFrom('logged_model_params').selectAll().where('model_id', 'in', ids).orderBy('key').execute(),
      db
        .selectFrom('logged_model_metrics')
        .selectAll()
        .where('model_id', 'in', ids)
        .orderBy('key')
        .orderBy('timestamp')
        .orderBy('step')
        .execute(),
    ]);
    for (const t of tagRows) push(tags, t.model_id, { key: t.key, value: t.value });
    for (const p of paramRows) push(params, p.model_id, { key: p.key, value: p.value });
    for (const m of metricRows) {
      const metric: Metric = {
        key: m.key,
        value: m.is_nan ? NaN : m.value,
        timestamp: m.timestamp,
        step: m.step,
      };
      if (m.dataset_name) metric.dataset_name = m.dataset_name;
      if (m.dataset_digest) metric.dataset_digest = m.dataset_digest;
      metric.model_id = m.model_id;
      metric.run_id = m.run_id;
      push(metrics, m.model_id, metric);
    }
  }
  return rows.map((r) => {
    const info: LoggedModel['info'] = {
      model_id: r.model_id,
      experiment_id: String(r.experiment_id),
      name: r.name,
      creation_timestamp_ms: r.creation_timestamp_ms,
      last_updated_timestamp_ms: r.last_updated_timestamp_ms,
      artifact_uri: r.artifact_location,
      status: r.status as LoggedModelStatus,
      model_type: r.model_type,
    };
    if (r.source_run_id !== null) info.source_run_id = r.source_run_id;
    const t = tags.get(r.model_id);
    if (t) info.tags = t;
    const data: LoggedModel['data'] = {};
    const p = params.get(r.model_id);
    if (p) data.params = p;
    const m = metrics.get(r.model_id);
    if (m) data.metrics = m;
    return { info, data };
  });
}
