import type { DatasetInput, Metric, Param, Run, RunInfo, Tag } from '@ferry/core';
import { sql } from 'kysely';
import type { Database } from '../schema.js';
import type { StoreContext } from './context.js';
import { chunks } from './context.js';

export type RunRow = Database['runs'];

export function toRunInfo(row: RunRow): RunInfo {
  const info: RunInfo = {
    run_uuid: row.run_uuid,
    experiment_id: String(row.experiment_id),
    run_name: row.name,
    user_id: row.user_id,
    status: row.status as RunInfo['status'],
    start_time: row.start_time,
    artifact_uri: row.artifact_uri,
    lifecycle_stage: row.lifecycle_stage as RunInfo['lifecycle_stage'],
    run_id: row.run_uuid,
  };
  if (row.end_time !== null) info.end_time = row.end_time;
  return info;
}

function group<T>(rows: { run_uuid: string }[], map: (r: never) => T): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const list = out.get(r.run_uuid);
    const item = map(r as never);
    if (list) list.push(item);
    else out.set(r.run_uuid, [item]);
  }
  return out;
}

/** Full runs for a list of run ids, in the order given (ids of missing runs are skipped). */
export async function loadRunsById(ctx: StoreContext, ids: string[]): Promise<Run[]> {
  if (ids.length === 0) return [];
  const byId = new Map<string, RunRow>();
  for (const part of chunks(ids, ctx.adapter.maxParameters)) {
    for (const row of await ctx.db.selectFrom('runs').selectAll().where('run_uuid', 'in', part).execute()) {
      byId.set(row.run_uuid, row);
    }
  }
  return loadRuns(
    ctx,
    ids.flatMap((id) => byId.get(id) ?? []),
  );
}

/**
 * Full runs (info, params, tags, latest metrics, dataset inputs) for a list of run rows, in four
 * bulk reads whatever the number of runs. The order of `rows` is kept.
 */
export async function loadRuns(ctx: StoreContext, rows: RunRow[]): Promise<Run[]> {
  if (rows.length === 0) return [];
  const params = new Map<string, Param[]>();
  const tags = new Map<string, Tag[]>();
  const metrics = new Map<string, Metric[]>();
  const inputs = new Map<string, DatasetInput[]>();
  for (const ids of chunks(
    rows.map((r) => r.run_uuid),
    Math.floor(ctx.adapter.maxParameters / 2),
  )) {
    const [p, t, m, i] = await Promise.all([
      ctx.db.selectFrom('params').select(['run_uuid', 'key', 'value']).where('run_uuid', 'in', ids).execute(),
      ctx.db.selectFrom('tags').select(['run_uuid', 'key', 'value']).where('run_uuid', 'in', ids).execute(),
      ctx.db
        .selectFrom('latest_metrics')
        // NaN folded into the value (NULL) here: one column less to read per metric of every run.
        .select([
          'run_uuid',
          'key',
          sql<number | null>`case when is_nan = 1 then null else value end`.as('value'),
          'timestamp',
          'step',
        ])
        .where('run_uuid', 'in', ids)
        .execute(),
      ctx.db
        .selectFrom('run_inputs')
        .innerJoin('datasets', 'datasets.dataset_uuid', 'run_inputs.dataset_uuid')
        .leftJoin('input_tags', (join) =>
          join
            .onRef('input_tags.run_uuid', '=', 'run_inputs.run_uuid')
            .onRef('input_tags.dataset_uuid', '=', 'run_inputs.dataset_uuid'),
        )
        .select([
          'input_tags.key as tag_key',
          'input_tags.value as tag_value',
          'run_inputs.run_uuid',
          'datasets.dataset_uuid',
          'datasets.name',
          'datasets.digest',
          'datasets.source_type',
          'datasets.source',
          'datasets.schema',
          'datasets.profile',
        ])
        .where('run_inputs.run_uuid', 'in', ids)
        .execute(),
    ]);
    for (const [k, v] of group(p, (r: Param) => ({ key: r.key, value: r.value }))) params.set(k, v);
    for (const [k, v] of group(t, (r: Tag) => ({ key: r.key, value: r.value }))) tags.set(k, v);
    for (const [k, v] of group(
      m,
      (r: { key: string; value: number | null; timestamp: number; step: number }) => ({
        key: r.key,
        value: r.value ?? NaN,
        timestamp: r.timestamp,
        step: r.step,
      }),
    ))
      metrics.set(k, v);
    // One row per (input, tag): fold the tags back into their input.
    const byInput = new Map<string, DatasetInput>();
    for (const r of i) {
      const id = `${r.run_uuid}/${r.dataset_uuid}`;
      let input = byInput.get(id);
      if (!input) {
        const dataset: DatasetInput['dataset'] = {
          name: r.name,
          digest: r.digest,
          source_type: r.source_type,
          source: r.source,
        };
        if (r.schema !== null) dataset.schema = r.schema;
        if (r.profile !== null) dataset.profile = r.profile;
        input = { dataset };
        byInput.set(id, input);
        inputs.set(r.run_uuid, [...(inputs.get(r.run_uuid) ?? []), input]);
      }
      if (r.tag_key !== null && r.tag_value !== null)
        (input.tags ??= []).push({ key: r.tag_key, value: r.tag_value });
    }
  }
  return rows.map((row) => {
    const data: Run['data'] = {};
    const m = metrics.get(row.run_uuid);
    const p = params.get(row.run_uuid);
    const t = tags.get(row.run_uuid);
    if (m) data.metrics = m;
    if (p) data.params = p;
    if (t) data.tags = t;
    const di = inputs.get(row.run_uuid);
    return { info: toRunInfo(row), data, inputs: di ? { dataset_inputs: di } : {}, outputs: {} };
  });
}
