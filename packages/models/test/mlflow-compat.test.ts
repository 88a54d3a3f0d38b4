import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  dataFrameRecords,
  loadModel,
  parseModelConfig,
  parseScoringRequest,
  predictionsResponse,
  readInputExample,
  readModelConfig,
  readSignature,
  serializeModelConfig,
  tensorToNested,
  writeModelConfig,
} from '../src/index.js';
import type { DataFrame, Tensor } from '../src/index.js';
import { fixtureFiles } from './helpers/fixtures.js';
import { linearOnnxModel } from './helpers/onnx-linear.js';

/**
 * Models as MLflow 3.11 writes them:
 * - fixtures/mlflow-3.11-onnx.json: `mlflow.onnx.log_model` with a tensor signature and an ndarray
 *   example, built from MLflow 3.11's source and serialised with PyYAML/json exactly as MLflow does (see
 *   fixtures/generate-mlflow-fixtures.py); the model file is our linear test model;
 * - fixtures/mlflow-3.11-sklearn.json: the MLmodel a real MLflow 3.11.2.dev0 wrote for a scikit-learn
 *   model (the observed file of the API notes, byte for byte) with its input example files.
 * Each fixture maps the files of the model directory to their exact contents (JSON keeps them byte for
 * byte, where a formatter would rewrite YAML and JSON files).
 */

describe('models written by MLflow 3.11', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'ferry-mlflow-compat-'));
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  const copyFixture = async (name: string): Promise<string> => {
    const dir = join(base, name);
    await mkdir(dir);
    for (const [file, content] of Object.entries(await fixtureFiles(name)))
      await writeFile(join(dir, file), content);
    return dir;
  };

  describe('mlflow.onnx.log_model', () => {
    const onnxModel = async () => {
      const dir = await copyFixture('mlflow-3.11-onnx');
      await writeFile(join(dir, 'model.onnx'), linearOnnxModel());
      return dir;
    };

    it('reads every field', async () => {
      const config = await readModelConfig(await onnxModel());
      expect(config).toMatchObject({
        artifact_path: 'mlflow-artifacts:/1/models/m-4f7c2a9e81d34b0c9a6e5d2f1b3c8a70/artifacts',
        run_id: '5d0e8c7b3a9f4e21b6c4d8a1f0e2b3c4',
        model_id: 'm-4f7c2a9e81d34b0c9a6e5d2f1b3c8a70',
        mlflow_version: '3.11.2.dev0',
        utc_time_created: '2026-11-27 14:05:41.118734',
        model_size_bytes: 359,
        prompts: null,
        flavors: { onnx: { onnx_version: '1.17.0', onnx_session_options: null, code: null } },
      });
      expect(readSignature(config)).toEqual({
        inputs: { kind: 'tensors', tensors: [{ dtype: 'float32', shape: [-1, 4] }] },
        outputs: { kind: 'tensors', tensors: [{ dtype: 'float32', shape: [-1, 1] }] },
      });
    });

    it('loads and scores it: its own input example, a tensor request and a data frame request', async () => {
      const dir = await onnxModel();
      const model = await loadModel(dir);
      expect(model.flavor).toBe('onnx');
      const example = await readInputExample(dir, model.config, model.signature?.inputs);
      expect(example?.input).toMatchObject({ kind: 'tensor', dtype: 'float32', shape: [2, 4] });
      const fromExample = await model.predict(example!.input as Tensor);
      expect(predictionsResponse(fromExample)).toBe('{"predictions": {"y": [[30.5], [0.5]]}}');

      const serving = await readFile(join(dir, 'serving_input_example.json'), 'utf8');
      const request = parseScoringRequest(serving, model.signature?.inputs);
      expect(predictionsResponse(await model.predict(request.input))).toBe(
        '{"predictions": {"y": [[30.5], [0.5]]}}',
      );

      const split = parseScoringRequest(
        { dataframe_split: { columns: ['a', 'b', 'c', 'd'], data: [[1, 1, 1, 1]] } },
        model.signature?.inputs,
      );
      // The tensor signature turns the data frame into one float32 tensor, so the graph's outputs come
      // back as tensors, as in MLflow.
      expect(predictionsResponse(await model.predict(split.input))).toBe('{"predictions": {"y": [[10.5]]}}');
      await model.close();
    });

    it('loads a model whose only Ferry-readable block is python_function with loader mlflow.onnx', async () => {
      const dir = await onnxModel();
      const { onnx: _onnx, ...flavors } = (await readModelConfig(dir)).flavors;
      await writeModelConfig(dir, { ...(await readModelConfig(dir)), flavors });
      const model = await loadModel(dir);
      expect(model.flavor).toBe('onnx');
      await model.close();
    });

    it('round-trips the MLmodel without loss', async () => {
      const text = (await fixtureFiles('mlflow-3.11-onnx'))['MLmodel']!;
      const config = parseModelConfig(text);
      expect(parseModelConfig(serializeModelConfig(config))).toEqual(config);
      // PyYAML folds the long signature line after column 80 where we fold before it; all else is equal.
      const unfold = (yaml: string) => yaml.replace(/\n {4}(?=\d|"|\w)/g, ' ');
      expect(unfold(serializeModelConfig(config))).toBe(unfold(text));
    });
  });

  describe('a scikit-learn model', () => {
    it('is refused by loadModel, naming its flavors and the ones Ferry loads', async () => {
      const dir = await copyFixture('mlflow-3.11-sklearn');
      await expect(loadModel(dir)).rejects.toMatchObject({
        code: 'INVALID_PARAMETER_VALUE',
        message:
          `Ferry cannot load the model at '${dir}': it has the flavors ['python_function', 'sklearn'] ` +
          "(python_function loader_module 'mlflow.sklearn'); Ferry loads ['js_function', 'onnx'] or " +
          "python_function with loader_module 'mlflow.onnx'. Save the model as ONNX or as a js_function " +
          'model to serve it with Ferry.',
      });
    });

    it('is read, listed and re-written without loss', async () => {
      const dir = await copyFixture('mlflow-3.11-sklearn');
      const config = await readModelConfig(dir);
      expect(Object.keys(config.flavors)).toEqual(['python_function', 'sklearn']);
      expect(config.flavors['sklearn']).toEqual({
        code: null,
        pickled_model: 'model.pkl',
        serialization_format: 'cloudpickle',
        sklearn_version: '1.2.1',
        skops_trusted_types: null,
      });
      expect(readSignature(config)).toEqual({
        inputs: {
          kind: 'columns',
          columns: [
            { name: 'a', type: 'double', required: true },
            { name: 'b', type: 'double', required: true },
          ],
        },
        outputs: { kind: 'columns', columns: [{ type: 'long', required: true }] },
      });
      await writeModelConfig(dir, config);
      const rewritten = await readModelConfig(dir);
      expect(rewritten).toEqual(config);
      // The signature strings are kept as MLflow wrote them, not re-serialised.
      expect(rewritten.signature?.inputs).toBe(
        '[{"type": "double", "name": "a", "required": true}, {"type": "double", "name": "b", "required": true}]',
      );
      const example = await readInputExample(dir, config);
      expect(dataFrameRecords(example!.input as DataFrame)).toEqual([
        { a: 0, b: 1 },
        { a: 1, b: 0 },
      ]);
    });

    it('keeps unknown keys and flavors Ferry has never heard of', () => {
      const config = parseModelConfig(
        'flavors:\n  custom_flavor:\n    nested: {deep: [1, 2]}\n    enabled: yes\nfuture_key: {a: 1}\nutc_time_created: 2026-01-01 00:00:00\n',
      );
      expect(config).toMatchObject({
        flavors: { custom_flavor: { nested: { deep: [1, 2] }, enabled: true } },
        future_key: { a: 1 },
        utc_time_created: '2026-01-01 00:00:00',
      });
      expect(parseModelConfig(serializeModelConfig(config))).toEqual(config);
    });
  });

  it('tensorToNested gives back the example as MLflow stored it', () => {
    const t: Tensor = {
      kind: 'tensor',
      dtype: 'float32',
      shape: [2, 2],
      data: new Float32Array([1, 2, 3, 4]),
    };
    expect(tensorToNested(t)).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });
});
