import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidParam } from '@ferry/core';
import type { DataFrame } from './data-frame.js';
import { columnDType, dataFrameFromRows, isMissing, rowCount } from './data-frame.js';
import type { InputExampleInfo, ModelConfig } from './model-config.js';
import type { ModelInput } from './model-input.js';
import { pyIsoFormat } from './py-repr.js';
import { PyFloat, pythonJson } from './python-json.js';
import type { Schema } from './schema.js';
import type { Tensor } from './tensor.js';
import { isFloatDType, isTensorDType, tensorFromNested, tensorToNested } from './tensor.js';

export const INPUT_EXAMPLE_FILE = 'input_example.json';
export const SERVING_INPUT_EXAMPLE_FILE = 'serving_input_example.json';

/** An input example as read back from a model directory. */
export interface InputExample {
  /** A DataFrame (`dataframe`), Tensor or TensorMap (`ndarray`), or the raw JSON (`json_object`). */
  input: ModelInput | unknown;
  params?: Record<string, unknown>;
}

/**
 * Writes `input_example.json` and `serving_input_example.json` as MLflow 3.11's `_Example` does and
 * returns the `saved_input_example_info` to record:
 * - a DataFrame: `{"columns": [...], "data": [[...]]}` (pandas `split` without the index) and the
 *   serving payload `{"dataframe_split": ...}`; type `dataframe`, `pandas_orient: split`;
 * - a Tensor: its nested list; a TensorMap: `{name: nested list}`; serving payload `{"inputs": ...}`;
 *   type `ndarray`;
 * - with params: the example is `{"inputs": <data>, "params": {...}}`, the serving payload gains
 *   `"params"` and the info `params: 'true'`.
 * Values print as Python would hold them: float columns (typed, or declared float/double in `schema`)
 * as floats, missing values as null, binary as base64 (`base64.encodebytes`), datetimes in ISO form.
 */
export async function saveInputExample(
  dir: string,
  input: ModelInput,
  options: { params?: Record<string, unknown>; schema?: Schema } = {},
): Promise<InputExampleInfo> {
  const data = input.kind === 'dataframe' ? dataFrameJson(input, options.schema) : tensorsJson(input);
  const servingKey = input.kind === 'dataframe' ? 'dataframe_split' : 'inputs';
  const { params } = options;
  const example = params ? { inputs: data, params } : data;
  const serving = { [servingKey]: data, ...(params ? { params } : {}) };
  await writeFile(join(dir, INPUT_EXAMPLE_FILE), pythonJson(example));
  await writeFile(join(dir, SERVING_INPUT_EXAMPLE_FILE), pythonJson(serving, { indent: 2 }));
  return {
    artifact_path: INPUT_EXAMPLE_FILE,
    type: input.kind === 'dataframe' ? 'dataframe' : 'ndarray',
    ...(input.kind === 'dataframe' ? { pandas_orient: 'split' } : {}),
    ...(params ? { params: 'true' } : {}),
    serving_input_path: SERVING_INPUT_EXAMPLE_FILE,
  };
}

/**
 * The input example of a model directory, or undefined when the model has none. Data frames come back
 * with untyped (JSON) columns and tensors with the dtypes of the signature's tensor specs where it has
 * them. INVALID_PARAMETER_VALUE for an example type MLflow does not define.
 */
export async function readInputExample(
  dir: string,
  config: Pick<ModelConfig, 'saved_input_example_info'>,
  inputSchema?: Schema,
): Promise<InputExample | undefined> {
  const info = config.saved_input_example_info;
  if (!info) return undefined;
  let parsed: unknown = JSON.parse(await readFile(join(dir, info.artifact_path), 'utf8'));
  let params: Record<string, unknown> | undefined;
  if (info.params) {
    const wrapped = parsed as { inputs: unknown; params: Record<string, unknown> };
    [parsed, params] = [wrapped.inputs, wrapped.params];
  }
  const withParams = (input: unknown): InputExample => (params ? { input, params } : { input });
  switch (info.type) {
    case 'json_object':
      return withParams(parsed);
    case 'dataframe': {
      const split = parsed as { columns?: string[]; data: unknown[] };
      return withParams(dataFrameFromRows(split.data, split.columns?.map(String)));
    }
    case 'ndarray':
      return withParams(tensorsFromJson(parsed, inputSchema));
  }
  throw invalidParam(`This version of Ferry can not load example of type ${info.type}`);
}

function dataFrameJson(df: DataFrame, schema?: Schema): { columns: string[]; data: unknown[][] } {
  const declared = new Map(
    schema?.kind === 'columns' ? schema.columns.map((c) => [c.name, c.type] as const) : [],
  );
  const floats = df.columns.map((name, i) => {
    const type = declared.get(name);
    return type === 'double' || type === 'float' || isFloatDType(columnDType(df.data[i]!));
  });
  const data = Array.from({ length: rowCount(df) }, (_, row) =>
    df.data.map((column, c) => jsonCell(column[row], floats[c]!)),
  );
  return { columns: [...df.columns], data };
}

function jsonCell(value: unknown, float: boolean): unknown {
  if (isMissing(value)) return null;
  if (typeof value === 'number') return float ? new PyFloat(value) : value;
  if (typeof value === 'bigint') return float ? new PyFloat(Number(value)) : value;
  if (value instanceof Uint8Array) return encodeBytes(value);
  if (value instanceof Date) return pyIsoFormat(value);
  return value;
}

function tensorsJson(
  input: Tensor | { kind: 'tensors'; tensors: Readonly<Record<string, Tensor>> },
): unknown {
  const one = (t: Tensor): unknown => {
    const nested = tensorToNested(t);
    return isFloatDType(t.dtype) ? markFloats(nested) : nested;
  };
  if (input.kind === 'tensor') return one(input);
  return Object.fromEntries(Object.entries(input.tensors).map(([name, t]) => [name, one(t)]));
}

function markFloats(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(markFloats);
  if (typeof value === 'number') return Number.isNaN(value) ? null : new PyFloat(value);
  return value;
}

function tensorsFromJson(value: unknown, schema?: Schema): ModelInput {
  const specs = schema?.kind === 'tensors' ? schema.tensors : [];
  const dtypeOf = (name?: string) => {
    const dtype = specs.find((s) => s.name === name)?.dtype;
    return dtype !== undefined && isTensorDType(dtype) ? dtype : undefined;
  };
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value).map(([name, v]) => [name, tensorFromNested(v, dtypeOf(name))]);
    return { kind: 'tensors', tensors: Object.fromEntries(entries) };
  }
  return tensorFromNested(value, dtypeOf(undefined));
}

/** Python's `base64.encodebytes`: lines of at most 76 characters, each ending in a newline. */
export function encodeBytes(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString('base64');
  let out = '';
  for (let i = 0; i < text.length; i += 76) out += text.slice(i, i + 76) + '\n';
  return out;
}
