import { FerryError } from '@ferry/core';
import { cellValue, columnDType, makeDataFrame, rowCount } from './data-frame.js';
import { isModelInput } from './model-input.js';
import type { ModelInput, ModelOutput } from './model-input.js';
import { pyShape } from './py-repr.js';
import type { Tensor, TensorDType } from './tensor.js';
import { tensor, tensorFromNested, tensorValues } from './tensor.js';

/**
 * The Open Inference Protocol (KServe v2, `POST /v2/models/{name}/infer`) request and response bodies,
 * for named-tensor clients (Triton, KServe, MLServer).
 */
export interface InferenceTensor {
  name: string;
  shape: number[];
  datatype: string;
  parameters?: Record<string, unknown>;
  /** Row-major values, flat or nested. */
  data: unknown[];
}

export interface InferenceRequest {
  id?: string;
  parameters?: Record<string, unknown>;
  inputs: InferenceTensor[];
  outputs?: { name: string; parameters?: Record<string, unknown> }[];
}

export interface InferenceResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: Record<string, unknown>;
  outputs: InferenceTensor[];
}

const FROM_V2: Record<string, TensorDType> = {
  BOOL: 'bool',
  UINT8: 'uint8',
  UINT16: 'uint16',
  UINT32: 'uint32',
  UINT64: 'uint64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP32: 'float32',
  FP64: 'float64',
  BYTES: 'str',
};
const TO_V2 = Object.fromEntries(Object.entries(FROM_V2).map(([v2, dtype]) => [dtype, v2])) as Record<
  string,
  string
>;

const badRequest = (message: string): FerryError => new FerryError('BAD_REQUEST', message);

/**
 * Named tensors from a v2 inference request, with the request's `parameters` as inference params
 * (`content_type` aside). With `parameters.content_type: "pd"` (MLServer's convention) the inputs are
 * instead the columns of a DataFrame. BAD_REQUEST for a malformed body, an unknown datatype or data
 * that does not fill its shape.
 */
export function parseInferenceRequest(body: unknown): {
  input: ModelInput;
  params?: Record<string, unknown>;
  id?: string;
} {
  const request = body as Partial<InferenceRequest> | null;
  if (
    typeof request !== 'object' ||
    request === null ||
    !Array.isArray(request.inputs) ||
    request.inputs.length === 0
  ) {
    throw badRequest('The inference request must be a JSON object with a non-empty "inputs" list');
  }
  const tensors: Record<string, Tensor> = {};
  for (const item of request.inputs) {
    if (typeof item?.name !== 'string' || !Array.isArray(item.shape) || !Array.isArray(item.data)) {
      throw badRequest('Each inference input needs "name", "shape", "datatype" and "data"');
    }
    const dtype = FROM_V2[item.datatype];
    if (dtype === undefined)
      throw badRequest(`Unsupported datatype '${item.datatype}' for input '${item.name}'`);
    const flat = tensorValues(tensorFromNested(item.data));
    try {
      tensors[item.name] = tensor(dtype, item.shape, flat);
    } catch (err) {
      throw badRequest(`Input '${item.name}' of shape ${pyShape(item.shape)}: ${(err as Error).message}`);
    }
  }
  const { content_type: contentType, ...params } = request.parameters ?? {};
  const input: ModelInput =
    contentType === 'pd'
      ? makeDataFrame(
          Object.keys(tensors),
          Object.values(tensors).map((t) => tensorValues(t)),
        )
      : { kind: 'tensors', tensors };
  return {
    input,
    ...(Object.keys(params).length > 0 ? { params } : {}),
    ...(typeof request.id === 'string' ? { id: request.id } : {}),
  };
}

/**
 * A v2 inference response for a prediction: named tensors as outputs of those names, a DataFrame as one
 * output per column, a single tensor or a plain list as the output `predictions`. INVALID_PARAMETER_VALUE
 * for a prediction that is not tensor-like.
 */
export function inferenceResponse(
  output: ModelOutput,
  model: { name: string; version?: string; id?: string },
): InferenceResponse {
  return {
    model_name: model.name,
    ...(model.version === undefined ? {} : { model_version: model.version }),
    ...(model.id === undefined ? {} : { id: model.id }),
    outputs: outputTensors(output),
  };
}

function outputTensors(output: ModelOutput): InferenceTensor[] {
  const value: ModelInput = isModelInput(output) ? output : asTensor(output);
  if (value.kind === 'tensor') return [v2Tensor('predictions', value)];
  if (value.kind === 'tensors') return Object.entries(value.tensors).map(([name, t]) => v2Tensor(name, t));
  const rows = rowCount(value);
  return value.columns.map((name, c) => {
    const column = value.data[c]!;
    const dtype = columnDType(column);
    const values = Array.from({ length: rows }, (_, r) => cellValue(column, r));
    const t =
      dtype === 'object' || dtype === 'datetime64[ns]'
        ? tensorFromNested(values)
        : tensor(dtype, [rows], values);
    return v2Tensor(name, t);
  });
}

function asTensor(output: unknown): ModelInput {
  try {
    return tensorFromNested(output);
  } catch {
    throw new FerryError(
      'INVALID_PARAMETER_VALUE',
      'The prediction cannot be expressed as inference protocol tensors',
    );
  }
}

function v2Tensor(name: string, t: Tensor): InferenceTensor {
  const datatype = TO_V2[t.dtype];
  if (datatype === undefined) {
    throw new FerryError(
      'INVALID_PARAMETER_VALUE',
      `Output '${name}' of dtype ${t.dtype} has no inference protocol datatype`,
    );
  }
  return { name, shape: [...t.shape], datatype, data: tensorValues(t) };
}
