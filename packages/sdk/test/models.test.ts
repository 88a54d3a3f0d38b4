import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FerryError } from '@ferry/core';
import { parseModelConfig, tensor, tensorToNested, tensors } from '@ferry/models';
import type { ModelOutput, TensorMap } from '@ferry/models';
import type { SqlTrackingStore } from '@ferry/store';
import { openTestServer } from './helpers/test-server.js';
import { TrackingSession, downloadArtifactUri } from '../src/index.js';
import { fixtureFiles } from '../../models/test/helpers/fixtures.js';
import { linear, linearOnnxModel } from '../../models/test/helpers/onnx-linear.js';

let dir: string;
let store: SqlTrackingStore;
let session: TrackingSession;

beforeEach(async () => {
  let app: Awaited<ReturnType<typeof openTestServer>>['app'];
  ({ dir, store, app } = await openTestServer('ferry-sdk-models-'));
  session = new TrackingSession({
    trackingUri: 'http://ferry.test',
    fetch: (r) => app.fetch(r),
    env: {},
    captureSource: false,
  });
});
afterEach(async () => {
  await session.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const ROWS = [
  [1, 2, 3, 4],
  [0, 0, 0, 1],
  [2, 0, 1, 0],
];
const input = (rows: number[][]) => tensors({ x: tensor('float32', [rows.length, 4], rows.flat()) });
const outputRows = (out: ModelOutput) => tensorToNested((out as TensorMap).tensors['y']!);

describe('models through the SDK', () => {
  it('logs an ONNX model, registers it, aliases it, loads it by alias and scores it', async () => {
    await session.setExperiment('models-e2e');
    const run = await session.startRun({ runName: 'train' });
    const logged = await run.logModel(
      { flavor: 'onnx', onnx: linearOnnxModel() },
      { name: 'linear', inputExample: input(ROWS.slice(0, 2)), registeredModelName: 'linear-regressor' },
    );
    await run.end();

    // The logged model: ready, its files where its artifact URI says, lineage to the run.
    const model = await session.registry.getLoggedModel(logged.modelId);
    expect(model.info).toMatchObject({
      status: 'LOGGED_MODEL_READY',
      name: 'linear',
      source_run_id: run.runId,
    });
    expect((await session.getRun(run.runId)).outputs).toEqual({
      model_outputs: [{ model_id: logged.modelId, step: 0 }],
    });
    const mlmodel = parseModelConfig(
      await readFile(
        join(dir, 'served', logged.artifactUri.replace('mlflow-artifacts:/', ''), 'MLmodel'),
        'utf8',
      ),
    );
    expect(mlmodel).toMatchObject({
      artifact_path: logged.artifactUri,
      run_id: run.runId,
      model_id: logged.modelId,
      model_uuid: logged.modelId,
    });
    expect(mlmodel.flavors['onnx']).toBeDefined();
    expect(mlmodel.flavors['python_function']).toMatchObject({ loader_module: 'mlflow.onnx' });
    expect(mlmodel.signature?.inputs).toContain('tensor-spec');

    // The registry version points at the logged model and its run.
    const version = logged.modelVersion!;
    expect(version).toMatchObject({
      name: 'linear-regressor',
      version: '1',
      run_id: run.runId,
      model_id: logged.modelId,
    });
    await session.registry.setAlias('linear-regressor', 'champion', version.version);

    const byAlias = await session.loadModel('models:/linear-regressor@champion');
    try {
      expect(byAlias.flavor).toBe('onnx');
      expect(outputRows(await byAlias.predict(input(ROWS)))).toEqual(linear(ROWS));
    } finally {
      await byAlias.close();
    }
    // The same model by every other kind of URI.
    for (const uri of [
      'models:/linear-regressor/1',
      'models:/linear-regressor/latest',
      logged.modelUri,
      `runs:/${run.runId}/linear`,
    ]) {
      const loaded = await session.loadModel(uri);
      try {
        expect(outputRows(await loaded.predict(input(ROWS))), uri).toEqual(linear(ROWS));
      } finally {
        await loaded.close();
      }
    }
  });

  it('moves the alias to a new version, and the next load follows it', async () => {
    await session.setExperiment('alias-moves');
    const run = await session.startRun();
    const v1 = await run.logModel({ flavor: 'onnx', onnx: linearOnnxModel() }, { registeredModelName: 'm' });
    const v2 = await run.logModel(
      { flavor: 'onnx', onnx: linearOnnxModel({ weights: [[0], [0], [0], [1]], bias: [0] }) },
      { registeredModelName: 'm' },
    );
    await session.registry.setAlias('m', 'prod', v1.modelVersion!.version);
    const first = await session.loadModel('models:/m@prod');
    expect(outputRows(await first.predict(input([[1, 1, 1, 1]])))).toEqual([[10.5]]);
    await first.close();
    await session.registry.setAlias('m', 'prod', v2.modelVersion!.version);
    const second = await session.loadModel('models:/m@prod');
    expect(outputRows(await second.predict(input([[1, 1, 1, 7]])))).toEqual([[7]]);
    await second.close();
  });

  it('rejects input that breaks the signature, and unknown aliases, with clear errors', async () => {
    await session.setExperiment('bad-input');
    const run = await session.startRun();
    await run.logModel(
      { flavor: 'onnx', onnx: linearOnnxModel() },
      { inputExample: input(ROWS), registeredModelName: 'sig' },
    );
    const loaded = await session.loadModel('models:/sig/1');
    try {
      const wrongShape = tensors({ x: tensor('float32', [1, 3], [1, 2, 3]) });
      await expect(loaded.predict(wrongShape)).rejects.toThrow(/Failed to enforce schema/);
      const wrongName = tensors({ z: tensor('float32', [1, 4], [1, 2, 3, 4]) });
      await expect(loaded.predict(wrongName)).rejects.toThrow(FerryError);
    } finally {
      await loaded.close();
    }
    await expect(session.loadModel('models:/sig@nope')).rejects.toThrow(
      /Registered model alias nope not found/,
    );
    await expect(session.loadModel('models:/nope/1')).rejects.toThrow(/not found/);
  });

  /** Uploads a model directory MLflow's Python client wrote (fixture: file name → content) as run artifacts. */
  async function uploadMlflowModel(fixture: string, extra: Record<string, Uint8Array> = {}) {
    const run = await session.startRun();
    const files = { ...(await fixtureFiles(fixture)), ...extra };
    for (const [name, content] of Object.entries(files)) {
      await session.client.putArtifact(
        `${run.info.artifact_uri.replace('mlflow-artifacts:/', '')}/model/${name}`,
        typeof content === 'string' ? new TextEncoder().encode(content) : content,
      );
    }
    await run.end();
    return { run, files };
  }

  it('stores, registers and downloads an MLflow model of another flavor intact, and names the flavor it lacks', async () => {
    await session.setExperiment('from-mlflow');
    const { run, files } = await uploadMlflowModel('mlflow-3.11-sklearn', {
      'model.pkl': new Uint8Array([128, 4, 149, 0]),
    });
    await session.registry.createRegisteredModel('sklearn-model');
    const mv = await session.registry.createModelVersion('sklearn-model', {
      source: `${run.info.artifact_uri}/model`,
      runId: run.runId,
    });
    expect(mv.version).toBe('1');
    const listed = await session.registry.searchModelVersions({ filter: "name = 'sklearn-model'" });
    expect(listed.items.map((v) => v.source)).toEqual([`${run.info.artifact_uri}/model`]);

    const dst = join(dir, 'download');
    const local = await downloadArtifactUri(
      session.client,
      await session.registry.resolveModelUri('models:/sklearn-model/1'),
      dst,
    );
    expect((await readdir(local)).sort()).toEqual(Object.keys(files).sort());
    for (const [name, content] of Object.entries(files)) {
      const bytes = await readFile(join(local, name));
      expect(
        bytes.equals(Buffer.from(typeof content === 'string' ? new TextEncoder().encode(content) : content)),
        name,
      ).toBe(true);
    }
    await expect(session.loadModel('models:/sklearn-model/1')).rejects.toThrow(/sklearn/);
  });

  it('loads and scores an ONNX model as MLflow 3.11 writes it, registered through Ferry', async () => {
    await session.setExperiment('onnx-from-mlflow');
    const { run } = await uploadMlflowModel('mlflow-3.11-onnx', { 'model.onnx': linearOnnxModel() });
    await session.registry.createRegisteredModel('mlflow-onnx');
    await session.registry.createModelVersion('mlflow-onnx', {
      source: `${run.info.artifact_uri}/model`,
      runId: run.runId,
    });
    await session.registry.setAlias('mlflow-onnx', 'champion', 1);
    const loaded = await session.loadModel('models:/mlflow-onnx@champion');
    try {
      expect(loaded.flavor).toBe('onnx');
      // Its signature names no inputs: it takes one array, as MLflow's pyfunc does.
      const out = await loaded.predict(tensor('float32', [ROWS.length, 4], ROWS.flat()));
      expect(outputRows(out)).toEqual(linear(ROWS));
    } finally {
      await loaded.close();
    }
  });
});
