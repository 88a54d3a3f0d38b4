import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidParam } from '@ferry/core';
import type { Column, DataFrame } from './data-frame.js';
import { cellValue, getColumn, makeDataFrame, rowCount } from './data-frame.js';
import type { Flavor, Scorer } from './flavor.js';
import type { FlavorConfig } from './model-config.js';
import type { ModelInput } from './model-input.js';
import { modelFilePath } from './model-path.js';
import type { OnnxSession, OnnxSessionOptions, OnnxValueInfo } from './onnx-runtime.js';
import { onnxRuntimeVersion, openOnnxSession } from './onnx-runtime.js';
import { pyList } from './py-repr.js';
import { CONDA_ENV_FILE, PYTHON_ENV_FILE, PYTHON_VERSION, pythonEnvironmentFiles } from './python-env.js';
import type { Tensor, TensorMap } from './tensor.js';
import { convertValues, inferDType, tensor, tensorFromNested, tensorValues } from './tensor.js';

export const ONNX_FLAVOR = 'onnx';
/** MLflow's name for the model file (`_MODEL_DATA_SUBPATH`). */
export const ONNX_DATA_FILE = 'model.onnx';
/** MLflow's default `providers` (GPU first); recorded for MLflow, ignored by Ferry's CPU runtime. */
const ONNX_EXECUTION_PROVIDERS = ['CUDAExecutionProvider', 'CPUExecutionProvider'];
/**
 * The Python `onnx` package version recorded as `onnx_version` and pinned in `requirements.txt` when
 * the caller does not say which produced the model: a release that reads the IR versions current
 * exporters write and installs beside the pinned onnxruntime.
 */
export const DEFAULT_ONNX_VERSION = '1.17.0';

/** What to save as an ONNX model. */
export interface OnnxModelSpec {
  flavor: 'onnx';
  /** The serialised ModelProto, or the path of a `.onnx` file (copied; external data files are not). */
  onnx: Uint8Array | string;
  /** MLflow's `onnx_session_options`, recorded and applied when loading. */
  sessionOptions?: OnnxSessionOptions;
  /** The `onnx` Python package version to record; default DEFAULT_ONNX_VERSION. */
  onnxVersion?: string;
}

/**
 * MLflow's `onnx` flavor: `model.onnx` with the `onnx` block and a `python_function` block
 * (`loader_module: mlflow.onnx`) exactly as `mlflow.onnx.save_model` writes them, plus `conda.yaml`,
 * `python_env.yaml` and `requirements.txt` pinning mlflow, onnx and onnxruntime (the onnxruntime
 * version Ferry scores with), so MLflow loads and serves a Ferry-written model. Loads models with an
 * `onnx` block or only a `python_function` block whose loader is `mlflow.onnx`.
 */
export const onnxFlavor: Flavor<OnnxModelSpec> = {
  name: ONNX_FLAVOR,

  async save(spec, dir) {
    const target = join(dir, ONNX_DATA_FILE);
    if (typeof spec.onnx === 'string') await copyFile(spec.onnx, target);
    else await writeFile(target, spec.onnx);
    const onnxVersion = spec.onnxVersion ?? DEFAULT_ONNX_VERSION;
    const onnx: FlavorConfig = {
      code: null,
      data: ONNX_DATA_FILE,
      onnx_session_options: spec.sessionOptions ?? null,
      onnx_version: onnxVersion,
      providers: ONNX_EXECUTION_PROVIDERS,
    };
    const pythonFunction: FlavorConfig = {
      data: ONNX_DATA_FILE,
      env: { conda: CONDA_ENV_FILE, virtualenv: PYTHON_ENV_FILE },
      loader_module: 'mlflow.onnx',
      python_version: PYTHON_VERSION,
    };
    const requirements = [`onnx==${onnxVersion}`, `onnxruntime==${await onnxRuntimeVersion()}`];
    return {
      flavors: { [ONNX_FLAVOR]: onnx, python_function: pythonFunction },
      environmentFiles: pythonEnvironmentFiles(requirements),
    };
  },

  canLoad(config) {
    return (
      ONNX_FLAVOR in config.flavors || config.flavors['python_function']?.['loader_module'] === 'mlflow.onnx'
    );
  },

  async load(dir, config) {
    const block = config.flavors[ONNX_FLAVOR] ?? config.flavors['python_function'] ?? {};
    const data = typeof block['data'] === 'string' ? block['data'] : ONNX_DATA_FILE;
    const options = (config.flavors[ONNX_FLAVOR]?.['onnx_session_options'] ?? {}) as OnnxSessionOptions;
    return onnxScorer(await openOnnxSession(modelFilePath(dir, data), options));
  },
};

/**
 * Predicts as MLflow's `_OnnxModelWrapper`: named tensors feed the graph inputs of those names; one
 * tensor feeds the only input; a data frame feeds a single-input graph all its columns stacked as rows,
 * and a multi-input graph one column per input, by name. Values are cast to each input's element type
 * (MLflow casts float64 to float32; Ferry also casts other numbers when no value changes). A data frame
 * input gives a data frame of the outputs, each flattened to one column; otherwise the outputs come
 * back as named tensors.
 */
function onnxScorer(session: OnnxSession): Scorer {
  const { inputs } = session;
  return {
    async predict(input: ModelInput) {
      const outputs = await session.run(feeds(input, inputs));
      if (input.kind !== 'dataframe') return { kind: 'tensors', tensors: outputs } satisfies TensorMap;
      return makeDataFrame(
        Object.keys(outputs),
        Object.values(outputs).map((t) =>
          ArrayBuffer.isView(t.data) && t.dtype !== 'bool' ? t.data : tensorValues(t),
        ),
      );
    },
    close: () => session.close(),
  };
}

function feeds(input: ModelInput, inputs: readonly OnnxValueInfo[]): Record<string, Tensor> {
  if (input.kind === 'tensors') {
    const byName = new Map(inputs.map((info) => [info.name, info]));
    return Object.fromEntries(
      Object.entries(input.tensors).map(([name, t]) => [name, castTo(t, byName.get(name))]),
    );
  }
  if (input.kind === 'tensor') {
    if (inputs.length !== 1) {
      throw invalidParam(
        'Unable to map numpy array input to the expected model input. Numpy arrays can only be used as ' +
          `input for MLflow ONNX models that have a single input. This model requires ${inputs.length} ` +
          'inputs. Please pass in data as either a dictionary or a DataFrame with the following tensors: ' +
          `${pyList(inputs.map((i) => i.name))}.`,
      );
    }
    return { [inputs[0]!.name]: castTo(input, inputs[0]) };
  }
  if (inputs.length === 1) return { [inputs[0]!.name]: stackColumns(input, inputs[0]!) };
  return Object.fromEntries(
    inputs.map((info) => {
      const column = getColumn(input, info.name);
      if (column === undefined) {
        throw invalidParam(`The data frame has no column for the model input ${pyList([info.name])}.`);
      }
      return [info.name, columnTensor(column, info)];
    }),
  );
}

/** All columns as one [rows, columns] tensor (pandas' `DataFrame.values`). */
function stackColumns(df: DataFrame, info: OnnxValueInfo): Tensor {
  const rows = rowCount(df);
  const width = df.columns.length;
  if (width === 1 && info.shape?.length === 1) return columnTensor(df.data[0]!, info);
  const flat = new Array<unknown>(rows * width);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < width; c++) flat[r * width + c] = cellValue(df.data[c]!, r);
  return tensor(info.dtype ?? inferDType(flat), [rows, width], flat);
}

/** One column as a 1-D tensor ([rows, 1] when the graph input is declared so). */
function columnTensor(column: Column, info: OnnxValueInfo): Tensor {
  const values = Array.from(column as ArrayLike<unknown>);
  const t = tensorFromNested(values, info.dtype);
  const wantsColumn = info.shape?.length === 2 && info.shape[1] === 1 && t.shape.length === 1;
  return wantsColumn ? { ...t, shape: [t.shape[0]!, 1] } : t;
}

function castTo(t: Tensor, info: OnnxValueInfo | undefined): Tensor {
  if (info?.dtype === undefined || info.dtype === t.dtype) return t;
  return { ...t, dtype: info.dtype, data: convertValues(t.data, info.dtype) };
}
