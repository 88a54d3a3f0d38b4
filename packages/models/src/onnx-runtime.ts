import { FerryError, invalidParam } from '@ferry/core';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import type { Tensor, TensorDType } from './tensor.js';
import { convertValues } from './tensor.js';

/**
 * The slice of onnxruntime-node the onnx flavor uses, behind one module. The runtime (a native
 * binding) is imported on first use, so that reading, writing and serving other flavors never load it.
 */

/** An ONNX graph input or output: its name and, for tensors, element type and shape. */
export interface OnnxValueInfo {
  name: string;
  /** Ferry's dtype name; undefined for non-tensor values (sequences, maps). */
  dtype?: TensorDType;
  /** onnxruntime's element type name, e.g. `float32`, `string`. */
  ortType?: string;
  /** Dimensions; a symbolic dimension (a string in the graph) is -1. */
  shape?: number[];
}

export interface OnnxSession {
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  /** Runs the graph; every output is returned, in graph order. */
  run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>>;
  close(): Promise<void>;
}

/** MLflow's `onnx_session_options` (the keys `_OnnxModelWrapper` reads). */
export interface OnnxSessionOptions {
  intra_op_num_threads?: number;
  inter_op_num_threads?: number;
  execution_mode?: string;
  graph_optimization_level?: number;
  extra_session_config?: Record<string, string>;
}

/** onnxruntime element types and Ferry dtypes, both ways (`string` ↔ numpy's `str`). */
const FROM_ORT: Record<string, TensorDType> = {
  float32: 'float32',
  float64: 'float64',
  int8: 'int8',
  int16: 'int16',
  int32: 'int32',
  int64: 'int64',
  uint8: 'uint8',
  uint16: 'uint16',
  uint32: 'uint32',
  uint64: 'uint64',
  bool: 'bool',
  string: 'str',
};
const TO_ORT = Object.fromEntries(Object.entries(FROM_ORT).map(([ort, dtype]) => [dtype, ort]));

/** The Ferry (numpy) dtype of an onnxruntime element type, or undefined when Ferry has none (float16, …). */
export const dtypeFromOrt = (ortType: string): TensorDType | undefined => FROM_ORT[ortType];

/** The installed onnxruntime-node's version, e.g. `1.30.0`. */
export async function onnxRuntimeVersion(): Promise<string> {
  const ort = await import('onnxruntime-node');
  return ort.env.versions.node ?? ort.env.versions.common;
}

/**
 * Opens a model file on the CPU. Opening by path lets onnxruntime find tensors the `onnx` Python
 * package saved as external data beside the model (MLflow saves with `save_as_external_data=True`).
 * An unreadable or invalid model is INVALID_PARAMETER_VALUE.
 */
export async function openOnnxSession(path: string, options: OnnxSessionOptions = {}): Promise<OnnxSession> {
  const ort = await import('onnxruntime-node');
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, sessionOptions(options));
  } catch (err) {
    throw invalidParam(`Failed to load the ONNX model '${path}': ${(err as Error).message}`);
  }
  const inputs = session.inputMetadata.map(valueInfo);
  const outputs = session.outputMetadata.map(valueInfo);
  return {
    inputs,
    outputs,
    async run(feeds) {
      const ortFeeds: Record<string, OrtTensor> = {};
      for (const [name, value] of Object.entries(feeds)) {
        const type = TO_ORT[value.dtype];
        if (type === undefined) throw invalidParam(`ONNX inputs cannot be of dtype ${value.dtype}`);
        ortFeeds[name] = new ort.Tensor(type as 'float32', value.data as Float32Array, value.shape);
      }
      let results: InferenceSession.ReturnType;
      try {
        results = await session.run(ortFeeds);
      } catch (err) {
        throw new FerryError(
          'BAD_REQUEST',
          `ONNX Runtime failed to run the model: ${(err as Error).message}`,
        );
      }
      const out: Record<string, Tensor> = {};
      for (const name of session.outputNames) {
        const result = results[name]!;
        const dtype = dtypeFromOrt(result.type);
        if (dtype === undefined) {
          throw invalidParam(
            `ONNX output '${name}' has element type ${result.type}, which Ferry cannot return`,
          );
        }
        out[name] = {
          kind: 'tensor',
          dtype,
          shape: [...result.dims],
          data: convertValues(result.data as never, dtype),
        };
      }
      return out;
    },
    close: () => session.release(),
  };
}

function valueInfo(meta: InferenceSession.ValueMetadata): OnnxValueInfo {
  if (!meta.isTensor) return { name: meta.name };
  const dtype = dtypeFromOrt(meta.type);
  return {
    name: meta.name,
    ...(dtype === undefined ? {} : { dtype }),
    ortType: meta.type,
    shape: meta.shape.map((d) => (typeof d === 'number' ? d : -1)),
  };
}

const OPTIMIZATION: Record<number, 'disabled' | 'basic' | 'extended' | 'all'> = {
  0: 'disabled',
  1: 'basic',
  2: 'extended',
  99: 'all',
};

function sessionOptions(options: OnnxSessionOptions): InferenceSession.SessionOptions {
  const mode = options.execution_mode?.toLowerCase();
  const level = options.graph_optimization_level;
  return {
    // onnxruntime-node ships CPU binaries; MLflow's provider list (CUDA first) has no meaning here.
    executionProviders: ['cpu'],
    ...(options.intra_op_num_threads ? { intraOpNumThreads: options.intra_op_num_threads } : {}),
    ...(options.inter_op_num_threads ? { interOpNumThreads: options.inter_op_num_threads } : {}),
    ...(mode === 'sequential' || mode === 'parallel' ? { executionMode: mode } : {}),
    ...(level !== undefined && OPTIMIZATION[level] ? { graphOptimizationLevel: OPTIMIZATION[level] } : {}),
    // Full config keys (`session.x`) are what onnxruntime's flattened `extra` entries become anyway.
    ...(options.extra_session_config ? { extra: options.extra_session_config } : {}),
  } as InferenceSession.SessionOptions;
}
