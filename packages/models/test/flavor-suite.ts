import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LoadedModel, ModelConfig, ModelSpec, SaveModelOptions, Signature } from '../src/index.js';
import {
  columnSchema,
  dataFrame,
  loadModel,
  parseScoringRequest,
  predictionsResponse,
  readModelConfig,
  readSignature,
  saveModel,
  tensor,
  tensorSchema,
  tensors,
} from '../src/index.js';
import { linear } from './helpers/onnx-linear.js';

/** One flavor under test: how to describe the linear model y = x·W + b in it, and its MLmodel blocks. */
export interface FlavorFixture {
  /** The flavor key `loadModel` reports. */
  flavor: string;
  model(): ModelSpec;
  /** Checks the flavor's blocks under `flavors` in the written MLmodel. */
  checkBlocks(flavors: ModelConfig['flavors']): void;
  /** Files the flavor writes into the model directory, besides MLmodel and the examples. */
  files: string[];
}

const FEATURES = ['f1', 'f2', 'f3', 'f4'];
const columnsSignature: Signature = {
  inputs: columnSchema(FEATURES.map((name) => ({ name, type: 'double', required: true }))),
  outputs: columnSchema([{ name: 'y', type: 'float', required: true }]),
};
const tensorSignature: Signature = {
  inputs: tensorSchema([{ name: 'x', dtype: 'float32', shape: [-1, 4] }]),
  outputs: tensorSchema([{ name: 'y', dtype: 'float32', shape: [-1, 1] }]),
};

const ROWS = [
  [1, 0, 0, 0],
  [1, 2, 3, 4],
  [0, 0, 0, 0],
];
const frame = (rows: number[][]) =>
  dataFrame(Object.fromEntries(FEATURES.map((name, i) => [name, rows.map((row) => row[i])])));

/**
 * The flavor contract, run against every flavor: save → MLmodel contents → load → predict with data
 * frame and tensor inputs, and the schema enforcement errors MLflow's pyfunc raises.
 */
export function describeFlavor(name: string, fixture: FlavorFixture): void {
  describe(`flavor contract: ${name}`, () => {
    let base: string;
    let model: LoadedModel | undefined;
    const dir = () => join(base, 'model');
    const save = (options: SaveModelOptions) => saveModel(dir(), fixture.model(), options);

    beforeEach(async () => {
      base = await mkdtemp(join(tmpdir(), `ferry-flavor-${name}-`));
    });
    afterEach(async () => {
      await model?.close();
      model = undefined;
      await rm(base, { recursive: true, force: true });
    });

    it('writes an MLmodel MLflow reads: flavor blocks, signature, metadata, identity', async () => {
      const createdAt = new Date(Date.UTC(2026, 10, 27, 14, 0, 16, 217));
      const written = await save({
        signature: columnsSignature,
        metadata: { owner: 'ferry' },
        runId: 'eda7a2aa2fd74d87b10f66fca745bef9',
        artifactPath: 'mlflow-artifacts:/3/models/m-f09f91032c7c42a7a5afa0c495ac0e54/artifacts',
        modelId: 'm-f09f91032c7c42a7a5afa0c495ac0e54',
        createdAt,
      });
      const config = await readModelConfig(dir());
      expect(config).toEqual(written);
      fixture.checkBlocks(config.flavors);
      expect(config).toMatchObject({
        run_id: 'eda7a2aa2fd74d87b10f66fca745bef9',
        model_id: 'm-f09f91032c7c42a7a5afa0c495ac0e54',
        model_uuid: 'm-f09f91032c7c42a7a5afa0c495ac0e54',
        mlflow_version: '3.11.1',
        utc_time_created: '2026-11-27 14:00:16.217000',
        metadata: { owner: 'ferry' },
        is_signature_from_type_hint: false,
        type_hint_from_example: false,
        prompts: null,
        signature: {
          inputs:
            '[{"type": "double", "name": "f1", "required": true}, {"type": "double", "name": "f2", "required": true}, ' +
            '{"type": "double", "name": "f3", "required": true}, {"type": "double", "name": "f4", "required": true}]',
          outputs: '[{"type": "float", "name": "y", "required": true}]',
          params: null,
        },
      });
      expect(config.model_size_bytes).toBeGreaterThan(0);
      expect(config.saved_input_example_info).toBeUndefined();
      const text = await readFile(join(dir(), 'MLmodel'), 'utf8');
      expect(
        text
          .split('\n')
          .filter((line) => /^\S/.test(line))
          .map((line) => line.split(':')[0]),
      ).toEqual([...Object.keys(config)].sort());
    });

    it('omits unset optional fields and invents a model uuid, as MLflow does', async () => {
      const config = await save({});
      expect(config).not.toHaveProperty('run_id');
      expect(config).not.toHaveProperty('artifact_path');
      expect(config).not.toHaveProperty('signature');
      expect(config.model_id).toBeNull();
      expect(config.model_uuid).toMatch(/^[0-9a-f]{32}$/);
      expect(config.utc_time_created).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$/);
      for (const file of fixture.files) await expect(readFile(join(dir(), file))).resolves.toBeDefined();
    });

    it('predicts a data frame with a column signature (integers widen to double)', async () => {
      await save({ signature: columnsSignature });
      model = await loadModel(dir());
      expect(model.flavor).toBe(fixture.flavor);
      const out = await model.predict(frame(ROWS));
      expect(predictionsResponse(out)).toBe(
        `{"predictions": [${linear(ROWS)
          .map(([y]) => `{"y": ${y!.toFixed(1)}}`)
          .join(', ')}]}`,
      );
    });

    it('predicts named tensors with a tensor signature (int64 cast to float32)', async () => {
      await save({ signature: tensorSignature });
      model = await loadModel(dir());
      const out = await model.predict(tensors({ x: tensor('int64', [3, 4], ROWS.flat()) }));
      expect(out).toMatchObject({ kind: 'tensors', tensors: { y: { dtype: 'float32', shape: [3, 1] } } });
      expect(predictionsResponse(out)).toBe('{"predictions": {"y": [[1.5], [30.5], [0.5]]}}');
    });

    it('scores the JSON request formats of the scoring protocol', async () => {
      await save({ signature: columnsSignature });
      model = await loadModel(dir());
      const inputs = model.signature!.inputs;
      const bodies = [
        { dataframe_split: { columns: FEATURES, data: ROWS } },
        { dataframe_records: ROWS.map((row) => Object.fromEntries(FEATURES.map((f, i) => [f, row[i]]))) },
        { instances: ROWS.map((row) => Object.fromEntries(FEATURES.map((f, i) => [f, row[i]]))) },
        { inputs: Object.fromEntries(FEATURES.map((f, i) => [f, ROWS.map((row) => row[i])])) },
      ];
      for (const body of bodies) {
        const request = parseScoringRequest(JSON.stringify(body), inputs);
        const out = await model.predict(request.input, request.params);
        expect(predictionsResponse(out)).toBe('{"predictions": [{"y": 1.5}, {"y": 30.5}, {"y": 0.5}]}');
      }
    });

    it('infers the signature from an input example and saves the example', async () => {
      const config = await save({ inputExample: tensors({ x: tensor('float32', [1, 4], [1, 2, 3, 4]) }) });
      expect(readSignature(config)).toEqual(tensorSignature);
      expect(config.saved_input_example_info).toEqual({
        artifact_path: 'input_example.json',
        serving_input_path: 'serving_input_example.json',
        type: 'ndarray',
      });
      expect(await readFile(join(dir(), 'input_example.json'), 'utf8')).toBe('{"x": [[1.0, 2.0, 3.0, 4.0]]}');
    });

    it('refuses a data frame missing a required column with MLflow’s message', async () => {
      await save({ signature: columnsSignature });
      model = await loadModel(dir());
      const input = dataFrame({ f1: [0], f2: [1], f4: [2], extra: [3] });
      await expect(model.predict(input)).rejects.toMatchObject({
        code: 'INVALID_PARAMETER_VALUE',
        message:
          "Failed to enforce schema of data '   f1  f2  f4  extra\n0   0   1   2      3' with schema " +
          "'['f1': double (required), 'f2': double (required), 'f3': double (required), 'f4': double (required)]'. " +
          "Error: Model is missing inputs ['f3']. Note that there were extra inputs: ['extra'].",
      });
      await expect(model.predict(input)).rejects.toSatisfy((err: { toJSON(): object }) =>
        JSON.stringify(err.toJSON()).includes('"sqlstate":"KAM01","error_class":"SCHEMA_ENFORCEMENT_FAILED"'),
      );
    });

    it('refuses a column of the wrong type and a tensor of the wrong shape', async () => {
      await save({ signature: columnsSignature });
      model = await loadModel(dir());
      const strings = dataFrame({ f1: ['a'], f2: [1], f3: [1], f4: [1] });
      await expect(model.predict(strings)).rejects.toThrow(
        'Error: Incompatible input types for column f1. Can not safely convert object to float64.',
      );
      await model.close();
      await rm(dir(), { recursive: true });
      await save({ signature: tensorSignature });
      model = await loadModel(dir());
      await expect(model.predict(tensors({ x: tensor('float32', [1, 3], [1, 2, 3]) }))).rejects.toThrow(
        'Error: Shape of input (1, 3) does not match expected shape (-1, 4).',
      );
    });

    it('drops params when the model declares no params schema', async () => {
      await save({ signature: tensorSignature });
      model = await loadModel(dir());
      const out = await model.predict(tensors({ x: tensor('float32', [1, 4], [1, 1, 1, 1]) }), {
        scale: 100,
      });
      expect(predictionsResponse(out)).toBe('{"predictions": {"y": [[10.5]]}}');
    });
  });
}
