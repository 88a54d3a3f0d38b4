import type { DatasetInput, Metric, ModelInput, Param, Run, RunInfo, Tag } from '@ferry/core';
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

type KeyValueJson = [string, string][];
/** [key, value, timestamp, step, is_nan]: NaN is stored as a flag, JSON has no NaN. */
type MetricJson = [string, number, number, number, number][];

/** The run rows of `ids` with their params, tags and latest metrics as JSON array text, in one read. */
function runsWithData(ctx: StoreContext, ids: string[]) {
  const { jsonArray, jsonArrayAgg } = ctx.adapter;
  const keyValues = (table: 'params' | 'tags') =>
    sql<string>`(select ${jsonArrayAgg(jsonArray([sql.ref('kv.key'), sql.ref('kv.value')]))} from ${sql.table(table)} kv where kv.run_uuid = runs.run_uuid)`;
  const metricItem = jsonArray(
    ['key', 'value', 'timestamp', 'step', 'is_nan'].map((c) => sql.ref(`lm.${c}`)),
  );
  return ctx.db
    .selectFrom('runs')
    .selectAll('runs')
    .select([
      keyValues('params').as('params_json'),
      keyValues('tags').as('tags_json'),
      sql<string>`(select ${jsonArrayAgg(metricItem)} from latest_metrics lm where lm.run_uuid = runs.run_uuid)`.as(
        'metrics_json',
      ),
    ])
    .where('runs.run_uuid', 'in', ids)
    .execute();
}

/** Dataset inputs of the runs, with their tags (one row per input and tag). */
async function datasetInputs(ctx: StoreContext, ids: string[]): Promise<Map<string, DatasetInput[]>> {
  const rows = await ctx.db
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
    .execute();
  const inputs = new Map<string, DatasetInput[]>();
  const byInput = new Map<string, DatasetInput>();
  for (const r of rows) {
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
  return inputs;
}

/** MLflow 3's model inputs and outputs of the runs. */
async function modelLinks(ctx: StoreContext, ids: string[]) {
  const [inputs, outputs] = await Promise.all([
    ctx.db
      .selectFrom('run_model_inputs')
      .selectAll()
      .where('run_uuid', 'in', ids)
      .orderBy('model_id')
      .execute(),
    ctx.db
      .selectFrom('run_model_outputs')
      .selectAll()
      .where('run_uuid', 'in', ids)
      .orderBy('model_id')
      .execute(),
  ]);
  const modelInputs = new Map<string, ModelInput[]>();
  for (const r of inputs)
    modelInputs.set(r.run_uuid, [...(modelInputs.get(r.run_uuid) ?? []), { model_id: r.model_id }]);
  const modelOutputs = new Map<string, { model_id: string; step: number }[]>();
  for (const r of outputs) {
    modelOutputs.set(r.run_uuid, [
      ...(modelOutputs.get(r.run_uuid) ?? []),
      { model_id: r.model_id, step: r.step },
    ]);
  }
  return { modelInputs, modelOutputs };
}

const keyValues = (json: string): Tag[] =>
  (JSON.parse(json) as KeyValueJson).map(([key, value]) => ({ key, value }));

/**
 * Full runs (info, params, tags, latest metrics, dataset inputs) for a list of run ids, in the order
 * given; ids of missing runs are skipped. Two reads whatever the number of runs.
 */
export async function loadRunsById(ctx: StoreContext, ids: string[]): Promise<Run[]> {
  if (ids.length === 0) return [];
  const byId = new Map<string, Run>();
  for (const part of chunks(ids, ctx.adapter.maxParameters)) {
    const [rows, inputs, links] = await Promise.all([
      runsWithData(ctx, part),
      datasetInputs(ctx, part),
      modelLinks(ctx, part),
    ]);
    for (const { params_json, tags_json, metrics_json, ...row } of rows) {
      const data: Run['data'] = {};
      const metrics = (JSON.parse(metrics_json) as MetricJson).map(
        ([key, value, timestamp, step, isNan]): Metric => ({
          key,
          value: isNan ? NaN : value,
          timestamp,
          step,
        }),
      );
      const params: Param[] = keyValues(params_json);
      const tags = keyValues(tags_json);
      if (metrics.length > 0) data.metrics = metrics;
      if (params.length > 0) data.params = params;
      if (tags.length > 0) data.tags = tags;
      const di = inputs.get(row.run_uuid);
      const mi = links.modelInputs.get(row.run_uuid);
      const mo = links.modelOutputs.get(row.run_uuid);
      byId.set(row.run_uuid, {
        info: toRunInfo(row),
        data,
        inputs: { ...(di ? { dataset_inputs: di } : {}), ...(mi ? { model_inputs: mi } : {}) },
        outputs: mo ? { model_outputs: mo } : {},
      });
    }
  }
  return ids.flatMap((id) => byId.get(id) ?? []);
}
