import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dataFrame, loadModel, saveModel, tensor, tensors, tensorToNested } from '../src/index.js';
import { describeFlavor } from './flavor-suite.js';
import { linearOnnxModel, twoInputOnnxModel } from './helpers/onnx-linear.js';

describeFlavor('onnx', {
  flavor: 'onnx',
  model: () => ({ flavor: 'onnx', onnx: linearOnnxModel() }),
  files: ['model.onnx', 'conda.yaml', 'python_env.yaml', 'requirements.txt'],
  checkBlocks(flavors) {
    // Exactly what mlflow.onnx.save_model writes (mlflow/onnx/__init__.py, MLflow 3.11).
    expect(flavors).toEqual({
      onnx: {
        code: null,
        data: 'model.onnx',
        onnx_session_options: null,
        onnx_version: '1.17.0',
        providers: ['CUDAExecutionProvider', 'CPUExecutionProvider'],
      },
      python_function: {
        data: 'model.onnx',
        env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' },
        loader_module: 'mlflow.onnx',
        python_version: '3.11.2',
      },
    });
  },
});

describe('onnx flavor', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'ferry-onnx-'));
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  it('writes the Python environment MLflow restores to serve the model', async () => {
    const dir = join(base, 'model');
    await saveModel(dir, { flavor: 'onnx', onnx: linearOnnxModel(), onnxVersion: '1.18.0' });
    expect(await readFile(join(dir, 'requirements.txt'), 'utf8')).toBe(
      'mlflow==3.11.1\nonnx==1.18.0\nonnxruntime==1.30.0',
    );
    expect(await readFile(join(dir, 'python_env.yaml'), 'utf8')).toBe(
      'python: 3.11.2\nbuild_dependencies:\n- pip\n- setuptools\n- wheel\ndependencies:\n- -r requirements.txt\n',
    );
    expect(await readFile(join(dir, 'conda.yaml'), 'utf8')).toBe(
      'channels:\n- conda-forge\ndependencies:\n- python=3.11.2\n- pip\n- pip:\n' +
        '  - mlflow==3.11.1\n  - onnx==1.18.0\n  - onnxruntime==1.30.0\nname: mlflow-env\n',
    );
  });

  it('copies a model given by path and records session options', async () => {
    const source = join(base, 'linear.onnx');
    await import('node:fs/promises').then((fs) => fs.writeFile(source, linearOnnxModel()));
    const dir = join(base, 'model');
    const options = { intra_op_num_threads: 1, execution_mode: 'sequential', graph_optimization_level: 99 };
    const config = await saveModel(dir, { flavor: 'onnx', onnx: source, sessionOptions: options });
    expect(config.flavors['onnx']?.['onnx_session_options']).toEqual(options);
    const model = await loadModel(dir);
    const out = await model.predict(tensor('float32', [1, 4], [1, 1, 1, 1]));
    expect(out).toMatchObject({ kind: 'tensors' });
    await model.close();
  });

  describe('without a signature, like _OnnxModelWrapper', () => {
    it('stacks data frame columns for a single-input graph and returns a data frame', async () => {
      const dir = join(base, 'model');
      await saveModel(dir, {
        flavor: 'onnx',
        onnx: linearOnnxModel({
          weights: [
            [1, 0],
            [0, 1],
          ],
          bias: [0, 10],
        }),
      });
      const model = await loadModel(dir);
      const out = await model.predict(dataFrame({ p: [1, 2], q: [3, 4] }));
      // Each output is flattened into one column, as MLflow does ([rows, 2] gives 2·rows values).
      expect(out).toMatchObject({ kind: 'dataframe', columns: ['y'] });
      expect(Array.from((out as { data: Float32Array[] }).data[0]!)).toEqual([1, 13, 2, 14]);
      await model.close();
    });

    it('feeds a multi-input graph one column per input, by name', async () => {
      const dir = join(base, 'model');
      await saveModel(dir, { flavor: 'onnx', onnx: twoInputOnnxModel() });
      const model = await loadModel(dir);
      const out = await model.predict(dataFrame({ b: [1, 0], a: [0, 1], ignored: ['x', 'y'] }));
      expect(Array.from((out as { data: Float32Array[] }).data[0]!)).toEqual([4, 3]);
      const named = await model.predict(
        tensors({ a: tensor('float64', [1], [1]), b: tensor('float64', [1], [1]) }),
      );
      expect(tensorToNested((named as { tensors: Record<string, never> }).tensors['y']!)).toEqual([6]);
      await expect(model.predict(tensor('float32', [1], [1]))).rejects.toThrow(
        "Numpy arrays can only be used as input for MLflow ONNX models that have a single input. This model requires 2 inputs. Please pass in data as either a dictionary or a DataFrame with the following tensors: ['a', 'b'].",
      );
      await model.close();
    });

    it('reports a runtime failure as BAD_REQUEST', async () => {
      const dir = join(base, 'model');
      await saveModel(dir, { flavor: 'onnx', onnx: linearOnnxModel() });
      const model = await loadModel(dir);
      await expect(model.predict(tensor('float32', [1, 3], [1, 2, 3]))).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
      await model.close();
    });
  });

  it('refuses bytes that are not an ONNX model when loading', async () => {
    const dir = join(base, 'model');
    await saveModel(dir, { flavor: 'onnx', onnx: new Uint8Array([1, 2, 3]) });
    await expect(loadModel(dir)).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
  });
});
