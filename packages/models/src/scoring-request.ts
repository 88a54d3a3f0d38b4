import { FerryError } from '@ferry/core';
import type { DataFrame } from './data-frame.js';
import { dataFrame, dataFrameFromRecords, dataFrameFromRows, makeDataFrame } from './data-frame.js';
import type { ModelInput } from './model-input.js';
import { pyClass, pyList, pySet } from './py-repr.js';
import type { ColSpec, DataType, Schema } from './schema.js';
import { isDataType } from './schema.js';
import type { Tensor, TensorDType } from './tensor.js';
import { isTensorDType, tensorFromNested } from './tensor.js';

/** A parsed `/invocations` JSON body. */
export interface ScoringRequest {
  input: ModelInput;
  /** The body's `params`, unchecked (LoadedModel.predict enforces them). */
  params?: Record<string, unknown>;
}

const FORMATS = ['inputs', 'dataframe_split', 'instances', 'dataframe_records'] as const;
type Format = (typeof FORMATS)[number];

/** MLflow prints the set of formats in this order; clients may match the text. */
export const REQUIRED_INPUT_FORMAT = `The input must be a JSON dictionary with exactly one of the input fields ${pySet([...FORMATS])}`;
export const SCORING_PROTOCOL_CHANGE_INFO =
  'IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0. If you are seeing this ' +
  'error, you are likely using an outdated scoring request format. To resolve the error, either update ' +
  "your request format or adjust your MLflow Model's requirements file to specify an older version of " +
  "MLflow (for example, change the 'mlflow' requirement specifier to 'mlflow==1.30.0'). If you are making " +
  'a request using the MLflow client (e.g. via `mlflow.pyfunc.spark_udf()`), upgrade your MLflow client ' +
  'to a version >= 2.0 in order to use the new request format. For more information about the updated ' +
  'MLflow Model scoring protocol in MLflow 2.0, see https://mlflow.org/docs/latest/models.html#deploy-mlflow-models.';

const badRequest = (message: string): FerryError => new FerryError('BAD_REQUEST', message);
const invalidInput = (message: string): FerryError => badRequest(`Invalid input. ${message}`);

/**
 * Parses an `/invocations` JSON body (text or already decoded) as MLflow's pyfunc scoring server does:
 * exactly one of `dataframe_split`, `dataframe_records`, `instances`, `inputs`, plus optional `params`.
 * - `dataframe_split` / `dataframe_records` → a DataFrame (binary columns of the schema base64-decoded);
 * - `instances` as records → their columns; `inputs` as a dict → named inputs; either as a list → one
 *   input; with a column-based schema these become a DataFrame (a dict of scalars is one row), else
 *   tensors (cast to the schema's tensor dtypes; dtypes inferred without a schema).
 * Errors are BAD_REQUEST with MLflow's messages (`The input must be a JSON dictionary with exactly one of
 * the input fields …`, `Invalid input. …`).
 */
export function parseScoringRequest(body: unknown, schema?: Schema): ScoringRequest {
  const decoded = decode(body);
  const present = Object.keys(decoded).filter((key): key is Format =>
    (FORMATS as readonly string[]).includes(key),
  );
  if (present.length !== 1) {
    throw badRequest(
      `${REQUIRED_INPUT_FORMAT}. Received dictionary with input fields: ${pyList(present)}. ${SCORING_PROTOCOL_CHANGE_INFO}`,
    );
  }
  const format = present[0]!;
  const value = decoded[format];
  const params = decoded['params'] as Record<string, unknown> | undefined;
  const input =
    format === 'dataframe_split'
      ? decodeBinary(splitFrame(value), schema)
      : format === 'dataframe_records'
        ? decodeBinary(recordsFrame(value), schema)
        : format === 'instances'
          ? instances(value, schema)
          : castToSchema(value, schema);
  return params === undefined ? { input } : { input, params };
}

function decode(body: unknown): Record<string, unknown> {
  let value = body;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw invalidInput(
        `Ensure that input is a valid JSON formatted string. Error: '${(err as Error).message}'\nInput: \n${text}\n`,
      );
    }
  }
  if (Array.isArray(value)) throw invalidInput(`${REQUIRED_INPUT_FORMAT}. Received a list.`);
  if (!isRecord(value)) {
    throw invalidInput(`${REQUIRED_INPUT_FORMAT}. Received unexpected input type '${pyClass(value)}.`);
  }
  return value;
}

function splitFrame(value: unknown): DataFrame {
  if (!isRecord(value)) {
    throw invalidInput(
      `Dataframe split format must be a dictionary. Got ${Array.isArray(value) ? 'list' : `type ${pyClass(value)}`}.`,
    );
  }
  const keys = Object.keys(value);
  if (!('data' in value) || keys.some((k) => !['columns', 'data', 'index'].includes(k))) {
    throw invalidInput(
      "Dataframe split format must have 'data' field and optionally 'columns' and 'index' fields. " +
        `Got ${pySet(keys)}.'`,
    );
  }
  return frame('split', () => {
    const { columns, data } = value;
    if (!Array.isArray(data)) throw new Error('DataFrame constructor not properly called!');
    if (columns !== undefined && columns !== null && !Array.isArray(columns)) {
      throw new Error('columns must be a list');
    }
    return dataFrameFromRows(data, columns?.map(String));
  });
}

function recordsFrame(value: unknown): DataFrame {
  if (!Array.isArray(value)) {
    throw invalidInput(
      `Dataframe records format must be a list of records. Got ${isRecord(value) ? 'dictionary' : `type ${pyClass(value)}`}.`,
    );
  }
  return frame('records', () =>
    value.every(isRecord) ? dataFrameFromRecords(value) : dataFrameFromRows(value.map((row) => row)),
  );
}

function frame(orient: 'split' | 'records', build: () => DataFrame): DataFrame {
  try {
    return build();
  } catch (err) {
    throw invalidInput(
      `Provided dataframe_${orient} field is not a valid dataframe representation in '${orient}' format. ` +
        `Error: '${(err as Error).message}'`,
    );
  }
}

/** Binary columns travel base64-encoded in JSON; MLflow decodes them while parsing. */
function decodeBinary(df: DataFrame, schema?: Schema): DataFrame {
  if (schema?.kind !== 'columns') return df;
  const binary = new Set(schema.columns.filter((c) => c.type === 'binary').map((c) => c.name));
  if (binary.size === 0) return df;
  return makeDataFrame(
    df.columns,
    df.data.map((column, i) =>
      binary.has(df.columns[i]) && Array.isArray(column)
        ? column.map((cell) =>
            typeof cell === 'string' ? new Uint8Array(Buffer.from(cell, 'base64')) : cell,
          )
        : column,
    ),
  );
}

/** TF-serving row format: a list of records is turned into columns; anything else is `inputs`. */
function instances(value: unknown, schema?: Schema): ModelInput {
  if (!Array.isArray(value) || value.length === 0 || !isRecord(value[0])) return castToSchema(value, schema);
  const columns: Record<string, unknown[]> = {};
  for (const item of value) {
    if (!isRecord(item)) throw invalidInput('Expecting data to have `instances` as a list of records.');
    for (const [key, v] of Object.entries(item)) (columns[key] ??= []).push(v);
  }
  const lengths = lengthsToCheck(columns, schema);
  if (lengths.some((n) => n !== lengths[0])) {
    throw invalidInput('The length of values for each input/column name are not the same');
  }
  return castToSchema(columns, schema, true);
}

/** MLflow checks equal lengths only on required, non-array columns when the schema names them. */
function lengthsToCheck(columns: Record<string, unknown[]>, schema?: Schema): number[] {
  if (!schema || (schema.kind === 'columns' ? schema.columns : schema.tensors)[0]?.name === undefined) {
    return Object.values(columns).map((c) => c.length);
  }
  const checked =
    schema.kind === 'columns'
      ? schema.columns
          .filter((c) => c.required && (isDataType(c.type) || c.type.type !== 'array'))
          .map((c) => c.name!)
      : schema.tensors.map((t) => t.name!);
  return checked.filter((name) => name in columns).map((name) => columns[name]!.length);
}

/**
 * MLflow's `_cast_schema_type` on the value of `inputs` (or of `instances` after turning records into
 * columns, `columnar`).
 */
function castToSchema(value: unknown, schema?: Schema, columnar = false): ModelInput {
  const specs = schema ? (schema.kind === 'columns' ? schema.columns : schema.tensors) : [];
  const named = specs[0]?.name !== undefined;
  let data = value;
  if (named && specs.length === 1 && Array.isArray(data) && !data.some(isRecord)) {
    data = { [specs[0]!.name!]: data };
  } else if (schema && !named && !(Array.isArray(data) || isScalar(data))) {
    throw invalidInput(
      'Failed to parse input data. This model contains an un-named  model signature which expects a single ' +
        `n-dimensional array or a single value as input, however, an input of type ${pyClass(data)} was found.`,
    );
  }
  return convert(() => {
    if (isRecord(data)) return namedInputs(data, schema, columnar);
    if (Array.isArray(data) && data.length > 0 && data.every(isRecord)) return dataFrameFromRecords(data);
    return tensorFromNested(data, specDType(specs[0], schema));
  });
}

function namedInputs(
  data: Record<string, unknown>,
  schema: Schema | undefined,
  columnar: boolean,
): ModelInput {
  if (schema?.kind === 'columns') {
    const entries = Object.entries(data);
    const nested = schema.columns.some(
      (c) => !isDataType(c.type) && ['array', 'object'].includes(c.type.type),
    );
    if (!columnar && (nested || entries.every(([, v]) => !Array.isArray(v)))) {
      return makeDataFrame(
        entries.map(([k]) => k),
        entries.map(([, v]) => [v]),
      );
    }
    const rows = Math.max(...entries.map(([, v]) => (Array.isArray(v) ? v.length : 1)));
    return dataFrame(
      Object.fromEntries(entries.map(([k, v]) => [k, Array.isArray(v) ? v : Array(rows).fill(v)])),
    );
  }
  const byName = new Map((schema?.kind === 'tensors' ? schema.tensors : []).map((t) => [t.name, t]));
  const tensors: Record<string, Tensor> = {};
  for (const [name, v] of Object.entries(data))
    tensors[name] = tensorFromNested(v, specDType(byName.get(name), schema));
  return { kind: 'tensors', tensors };
}

/** The dtype a value is cast to: the tensor spec's, or the numpy dtype of a scalar column type. */
function specDType(spec: ColSpec | { dtype: string } | undefined, schema?: Schema): TensorDType | undefined {
  if (spec === undefined || schema === undefined) return undefined;
  if ('dtype' in spec) return isTensorDType(spec.dtype) ? spec.dtype : undefined;
  return isDataType(spec.type) ? COLUMN_DTYPE[spec.type] : 'object';
}

const COLUMN_DTYPE: Record<DataType, TensorDType | undefined> = {
  boolean: 'bool',
  integer: 'int32',
  long: 'int64',
  float: 'float32',
  double: 'float64',
  string: 'str',
  binary: 'object',
  datetime: 'object',
};

function convert(build: () => ModelInput): ModelInput {
  try {
    return build();
  } catch (err) {
    if (err instanceof FerryError && err.code === 'BAD_REQUEST') throw err;
    throw invalidInput((err as Error).message);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isScalar = (value: unknown): boolean => value === null || typeof value !== 'object';
