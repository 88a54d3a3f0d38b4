import { describe, expect, it } from 'vitest';
import { SqlLoggedModelStore } from '../src/index.js';
import { BACKENDS } from './backends.js';
import { allPages, cmp, expectFerryError, freezeTime, range, useFreshStore } from './helpers.js';

describe.each(BACKENDS)('logged models on $name', (backend) => {
  const fresh = useFreshStore(backend);
  const models = () => new SqlLoggedModelStore(fresh.store);

  it('creates a pending model under the experiment, finalizes it and reads it back', async () => {
    freezeTime(1_700_000_000_000);
    const exp = await fresh.store.createExperiment({ name: 'e' });
    const run = await fresh.store.createRun({ experimentId: exp });
    const created = await models().createLoggedModel({
      experimentId: exp,
      name: 'lm',
      sourceRunId: run.info.run_id,
      params: [{ key: 'a', value: '1' }],
      tags: [{ key: 't', value: '1' }],
    });
    expect(created.info.model_id).toMatch(/^m-[0-9a-f]{32}$/);
    expect(created).toEqual({
      info: {
        model_id: created.info.model_id,
        experiment_id: exp,
        name: 'lm',
        creation_timestamp_ms: 1_700_000_000_000,
        last_updated_timestamp_ms: 1_700_000_000_000,
        artifact_uri: `mlflow-artifacts:/${exp}/models/${created.info.model_id}/artifacts`,
        status: 'LOGGED_MODEL_PENDING',
        model_type: '',
        source_run_id: run.info.run_id,
        tags: [{ key: 't', value: '1' }],
      },
      data: { params: [{ key: 'a', value: '1' }] },
    });
    freezeTime(1_700_000_000_500);
    const ready = await models().finalizeLoggedModel(created.info.model_id, 'LOGGED_MODEL_READY');
    expect(ready.info).toMatchObject({
      status: 'LOGGED_MODEL_READY',
      last_updated_timestamp_ms: 1_700_000_000_500,
    });
    expect(await models().getLoggedModel(created.info.model_id)).toEqual(ready);
  });

  it('names unnamed models, and rejects bad names, unknown and deleted experiments', async () => {
    const exp = await fresh.store.createExperiment({ name: 'e' });
    expect((await models().createLoggedModel({ experimentId: exp })).info.name).toMatch(
      /^[a-z]+-[a-z]+-\d+$/,
    );
    await expectFerryError(
      models().createLoggedModel({ experimentId: exp, name: 'a/b' }),
      'INVALID_PARAMETER_VALUE',
      `Invalid model name ('a/b') provided. Model name must be a non-empty string and cannot contain the following characters: ('/', ':', '.', '%', '"', "'")`,
    );
    await expectFerryError(models().createLoggedModel({ experimentId: '999' }), 'RESOURCE_DOES_NOT_EXIST');
    await fresh.store.deleteExperiment(exp);
    await expectFerryError(
      models().createLoggedModel({ experimentId: exp }),
      'INVALID_PARAMETER_VALUE',
      /active/,
    );
  });

  it('sets, overwrites and deletes tags; params are immutable', async () => {
    const exp = await fresh.store.createExperiment({ name: 'e' });
    const { info } = await models().createLoggedModel({ experimentId: exp });
    await models().setLoggedModelTags(info.model_id, [
      { key: 'x', value: '1' },
      { key: 'y', value: '2' },
    ]);
    await models().setLoggedModelTags(info.model_id, [{ key: 'x', value: '3' }]);
    await models().deleteLoggedModelTag(info.model_id, 'y');
    expect((await models().getLoggedModel(info.model_id)).info.tags).toEqual([{ key: 'x', value: '3' }]);
    await expectFerryError(
      models().deleteLoggedModelTag(info.model_id, 'y'),
      'RESOURCE_DOES_NOT_EXIST',
      `No tag with key 'y' found for model with ID '${info.model_id}'.`,
    );
    await models().logLoggedModelParams(info.model_id, [{ key: 'p', value: '1' }]);
    await models().logLoggedModelParams(info.model_id, [{ key: 'p', value: '1' }]);
    await expectFerryError(
      models().logLoggedModelParams(info.model_id, [{ key: 'p', value: '2' }]),
      'INVALID_PARAMETER_VALUE',
    );
  });

  it('attaches metrics logged with a model id, with their dataset, and refuses unknown models', async () => {
    const exp = await fresh.store.createExperiment({ name: 'e' });
    const run = (await fresh.store.createRun({ experimentId: exp })).info.run_id;
    const { info } = await models().createLoggedModel({ experimentId: exp, sourceRunId: run });
    await fresh.store.logBatch(run, {
      metrics: [
        { key: 'acc', value: 0.9, timestamp: 10, step: 0, model_id: info.model_id },
        {
          key: 'acc',
          value: 0.8,
          timestamp: 11,
          step: 0,
          model_id: info.model_id,
          dataset_name: 'val',
          dataset_digest: 'd1',
        },
        { key: 'loss', value: 1, timestamp: 10, step: 0 },
      ],
    });
    const got = await models().getLoggedModel(info.model_id);
    expect(got.data.metrics).toEqual([
      { key: 'acc', value: 0.9, timestamp: 10, step: 0, model_id: info.model_id, run_id: run },
      {
        key: 'acc',
        value: 0.8,
        timestamp: 11,
        step: 0,
        dataset_name: 'val',
        dataset_digest: 'd1',
        model_id: info.model_id,
        run_id: run,
      },
    ]);
    expect((await fresh.store.getRun(run)).data.metrics?.map((m) => m.key).sort()).toEqual(['acc', 'loss']);
    await expectFerryError(
      fresh.store.logBatch(run, {
        metrics: [{ key: 'acc', value: 1, timestamp: 1, step: 0, model_id: 'm-nope' }],
      }),
      'RESOURCE_DOES_NOT_EXIST',
      "Logged model with ID 'm-nope' not found.",
    );
    expect((await fresh.store.getMetricHistory(run, 'acc')).items).toHaveLength(2);
  });

  it('records run outputs and model inputs on the run', async () => {
    const exp = await fresh.store.createExperiment({ name: 'e' });
    const run = (await fresh.store.createRun({ experimentId: exp })).info.run_id;
    const { info } = await models().createLoggedModel({ experimentId: exp, sourceRunId: run });
    await models().logRunOutputs(run, [{ model_id: info.model_id, step: 3 }]);
    await fresh.store.logInputs(run, [], [{ model_id: info.model_id }]);
    const got = await fresh.store.getRun(run);
    expect(got.outputs).toEqual({ model_outputs: [{ model_id: info.model_id, step: 3 }] });
    expect(got.inputs).toEqual({ model_inputs: [{ model_id: info.model_id }] });
    await expectFerryError(
      models().logRunOutputs(run, [{ model_id: 'm-x', step: 0 }]),
      'RESOURCE_DOES_NOT_EXIST',
    );
  });

  it('deletes softly: the model disappears from reads and searches', async () => {
    const exp = await fresh.store.createExperiment({ name: 'e' });
    const { info } = await models().createLoggedModel({ experimentId: exp });
    await models().deleteLoggedModel(info.model_id);
    await expectFerryError(models().getLoggedModel(info.model_id), 'RESOURCE_DOES_NOT_EXIST');
    expect((await models().searchLoggedModels({ experimentIds: [exp], maxResults: 10 })).items).toEqual([]);
  });

  it('finds deleted models for garbage collection and purges only deleted ones', async () => {
    const exp = await fresh.store.createExperiment({ name: 'e' });
    const run = (await fresh.store.createRun({ experimentId: exp })).info.run_id;
    freezeTime(1000);
    const doomed = (await models().createLoggedModel({ experimentId: exp, name: 'doomed' })).info.model_id;
    const kept = (await models().createLoggedModel({ experimentId: exp, name: 'kept' })).info.model_id;
    await fresh.store.logBatch(run, {
      metrics: [{ key: 'acc', value: 1, timestamp: 1, step: 0, model_id: doomed }],
    });
    freezeTime(2000);
    await models().deleteLoggedModel(doomed);
    expect(await models().findDeletedLoggedModels(2000)).toEqual([]);
    expect(await models().findDeletedLoggedModels(2001)).toEqual([
      {
        modelId: doomed,
        experimentId: exp,
        name: 'doomed',
        artifactUri: `mlflow-artifacts:/${exp}/models/${doomed}/artifacts`,
        deletedTime: 2000,
      },
    ]);
    await expectFerryError(
      models().purgeLoggedModels([doomed, kept]),
      'INVALID_PARAMETER_VALUE',
      /not deleted/,
    );
    await expectFerryError(models().purgeLoggedModels(['m-nope']), 'RESOURCE_DOES_NOT_EXIST');
    await models().purgeLoggedModels([doomed]);
    expect(await models().findDeletedLoggedModels(Date.now() + 1)).toEqual([]);
    expect(await fresh.opened.database.query('select * from logged_model_metrics')).toEqual([]);
    expect((await models().getLoggedModel(kept)).info.name).toBe('kept');
  });

  it('searches by attributes, params, tags and metrics on datasets, orders by metrics and pages', async () => {
    const exp = await fresh.store.createExperiment({ name: 'e' });
    const other = await fresh.store.createExperiment({ name: 'other' });
    const run = (await fresh.store.createRun({ experimentId: exp })).info.run_id;
    const ids: string[] = [];
    for (const i of range(5)) {
      freezeTime(1000 + i);
      const { info } = await models().createLoggedModel({
        experimentId: exp,
        name: `m${i}`,
        params: [{ key: 'depth', value: String(i % 2) }],
        tags: [{ key: 'kind', value: i < 3 ? 'tree' : 'linear' }],
      });
      ids.push(info.model_id);
      await fresh.store.logBatch(run, {
        metrics: [
          { key: 'acc', value: i / 10, timestamp: 1, step: 0, model_id: info.model_id, dataset_name: 'val' },
          {
            key: 'acc',
            value: 1 - i / 10,
            timestamp: 1,
            step: 0,
            model_id: info.model_id,
            dataset_name: 'test',
          },
        ],
      });
    }
    await models().createLoggedModel({ experimentId: other, name: 'elsewhere' });
    const search = async (input: Partial<Parameters<SqlLoggedModelStore['searchLoggedModels']>[0]>) =>
      (await models().searchLoggedModels({ experimentIds: [exp], maxResults: 50, ...input })).items.map(
        (m) => m.info.name,
      );
    expect(await search({})).toEqual(['m4', 'm3', 'm2', 'm1', 'm0']);
    expect(await search({ filter: [cmp('attribute', 'name', '=', 'm2')] })).toEqual(['m2']);
    expect(await search({ filter: [cmp('param', 'depth', '=', '1')] })).toEqual(['m3', 'm1']);
    expect(await search({ filter: [cmp('tag', 'kind', '=', 'linear')] })).toEqual(['m4', 'm3']);
    expect(
      await search({ filter: [cmp('metric', 'acc', '>=', 0.3)], datasets: [{ dataset_name: 'val' }] }),
    ).toEqual(['m4', 'm3']);
    expect(
      await search({ filter: [cmp('metric', 'acc', '>=', 0.85)], datasets: [{ dataset_name: 'test' }] }),
    ).toEqual(['m1', 'm0']);
    expect(
      await search({ orderBy: [{ type: 'metric', key: 'acc', ascending: false, datasetName: 'val' }] }),
    ).toEqual(['m4', 'm3', 'm2', 'm1', 'm0']);
    expect(
      await search({ orderBy: [{ type: 'metric', key: 'acc', ascending: false, datasetName: 'test' }] }),
    ).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    const { items, pages } = await allPages(2, (pageToken) =>
      models().searchLoggedModels({
        experimentIds: [exp, other],
        maxResults: 2,
        ...(pageToken ? { pageToken } : {}),
      }),
    );
    expect(pages).toBe(3);
    expect(items.map((m) => m.info.name).sort()).toEqual(['elsewhere', 'm0', 'm1', 'm2', 'm3', 'm4']);
  });
});
