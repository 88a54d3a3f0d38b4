import { invalidParam } from '@ferry/core';
import type { Column, DataFrame } from './data-frame.js';
import { columnDType, dataFrameFromRecords, isMissing } from './data-frame.js';
import { isModelInput } from './model-input.js';
import { pyRepr } from './py-repr.js';
import type { ColSpec, ColumnType, DataType, ParamSpec, Property, Schema, Signature } from './schema.js';
import { sortProperties } from './schema-json.js';
import type { Tensor } from './tensor.js';

/**
 * The schema MLflow's `infer_signature` would give the Python counterpart of a value:
 * - a DataFrame: one column spec per column, type from the column's dtype (plain arrays: whole numbers
 *   `long`, other numbers `double`, …; lists and objects per value), `required` false when a value is
 *   missing;
 * - a Tensor: one unnamed tensor spec with the first dimension variable (-1); a TensorMap: named ones;
 * - an array of records: as the DataFrame of those records; another array: one unnamed column;
 * - a scalar: one unnamed column.
 */
export function inferSchema(value: unknown): Schema {
  if (isModelInput(value)) {
    if (value.kind === 'dataframe') return { kind: 'columns', columns: dataFrameColumns(value) };
    if (value.kind === 'tensor') return { kind: 'tensors', tensors: [tensorSpec(value)] };
    return {
      kind: 'tensors',
      tensors: Object.entries(value.tensors).map(([name, t]) => ({ name, ...tensorSpec(t) })),
    };
  }
  if (Array.isArray(value) && value.length > 0 && value.every(isRecord)) {
    return { kind: 'columns', columns: dataFrameColumns(dataFrameFromRecords(value)) };
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return { kind: 'columns', columns: [{ type: 'string', required: true }] };
    return { kind: 'columns', columns: [{ type: columnType(value), required: true }] };
  }
  const type = valueType(value);
  if (type === undefined) throw invalidParam(`Failed to infer schema. Got ${pyRepr(value)}`);
  return { kind: 'columns', columns: [{ type, required: true }] };
}

/** A signature from an example input and, optionally, the model's output on it and inference params. */
export function inferSignature(
  input: unknown,
  output?: unknown,
  params?: Record<string, unknown>,
): Signature {
  return {
    ...(input === undefined ? {} : { inputs: inferSchema(input) }),
    ...(output === undefined ? {} : { outputs: inferSchema(output) }),
    ...(params === undefined ? {} : { params: inferParams(params) }),
  };
}

/** MLflow's `_infer_param_schema`: scalars, 1-D lists (shape [-1]) and objects, each with its default. */
export function inferParams(params: Record<string, unknown>): ParamSpec[] {
  return Object.entries(params).map(([name, value]): ParamSpec => {
    if (Array.isArray(value)) {
      if (value.some(Array.isArray)) {
        throw invalidParam(`Expected parameters to be 1D array or scalar, got 2D array`);
      }
      return { name, type: paramScalarType(value[0] ?? ''), default: value, shape: [-1] };
    }
    if (isRecord(value)) {
      const type = valueType(value);
      if (type === undefined || typeof type === 'string' || type.type !== 'object') {
        throw invalidParam(`Failed to infer schema for parameters: ${pyRepr(name)}`);
      }
      return { name, type, default: value, shape: null };
    }
    return { name, type: paramScalarType(value), default: value, shape: null };
  });
}

function paramScalarType(value: unknown): Exclude<DataType, 'binary'> {
  const type = valueType(value);
  if (typeof type !== 'string' || type === 'binary') {
    throw invalidParam(`Expected parameters to be 1D array or scalar, got ${pyRepr(value)}`);
  }
  return type;
}

function dataFrameColumns(df: DataFrame): ColSpec[] {
  return df.columns.map((name, i) => {
    const column = df.data[i]!;
    return {
      name,
      type: columnType(column),
      required: !Array.from(column as ArrayLike<unknown>).some(isMissing),
    };
  });
}

function tensorSpec(t: Tensor): { dtype: string; shape: number[] } {
  return { dtype: t.dtype, shape: t.shape.map((d, i) => (i === 0 ? -1 : d)) };
}

/** The type of a column: from its dtype when that decides it, else from its values (pandas `object`). */
function columnType(column: Column): ColumnType {
  switch (columnDType(column)) {
    case 'bool':
      return 'boolean';
    case 'int8':
    case 'int16':
    case 'int32':
    case 'uint8':
    case 'uint16':
      return 'integer';
    case 'int64':
    case 'uint32':
    case 'uint64':
      return 'long';
    case 'float32':
      return 'float';
    case 'float64':
      return 'double';
    case 'datetime64[ns]':
      return 'datetime';
    case 'object': {
      const values = (column as readonly unknown[]).filter((v) => !isMissing(v));
      if (values.length > 0 && values.every((v) => typeof v === 'string')) return 'string';
      return mergeTypes(values.map(valueType)) ?? { type: 'any' };
    }
  }
}

/** MLflow's `_infer_datatype` for one value; undefined for an empty list (undetermined). */
function valueType(value: unknown): ColumnType | undefined {
  if (
    isMissing(value) ||
    (Array.isArray(value) && value.length === 0) ||
    (isRecord(value) && !Object.keys(value).length)
  ) {
    return { type: 'any' };
  }
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'long' : 'double';
  if (typeof value === 'bigint') return 'long';
  if (typeof value === 'string') return 'string';
  if (value instanceof Uint8Array) return 'binary';
  if (value instanceof Date) return 'datetime';
  if (Array.isArray(value)) {
    const items = mergeTypes(value.map(valueType));
    return items === undefined ? undefined : { type: 'array', items };
  }
  if (isRecord(value)) {
    const properties = Object.entries(value).map(([name, v]): Property => {
      const type = valueType(v);
      if (type === undefined) throw invalidParam('Dictionary value must not be an empty numpy array.');
      return { name, type, required: typeof type === 'string' || type.type !== 'any' };
    });
    return { type: 'object', properties: sortProperties(properties) };
  }
  throw invalidParam(`Data ${pyRepr(value)} is not one of the supported DataType`);
}

/**
 * One type for the items of a list, as MLflow merges them: `any` items defer to the others; objects
 * merge their properties (a property missing from some items becomes optional); numbers with and
 * without fractions are `double` (JSON cannot tell `1.0` from `1`); anything else must agree.
 */
function mergeTypes(types: readonly (ColumnType | undefined)[]): ColumnType | undefined {
  let result: ColumnType | undefined;
  for (const type of types) {
    if (type === undefined) continue;
    result = result === undefined ? type : merge(result, type);
  }
  return result;
}

function merge(a: ColumnType, b: ColumnType): ColumnType {
  const isAny = (t: ColumnType): boolean => typeof t !== 'string' && t.type === 'any';
  if (isAny(b)) return a;
  if (isAny(a)) return b;
  if (typeof a === 'string' || typeof b === 'string') {
    if (a === b) return a;
    if ((a === 'long' && b === 'double') || (a === 'double' && b === 'long')) return 'double';
    throw invalidParam('Expected all values in list to be of same type');
  }
  if (a.type === 'array' && b.type === 'array') return { type: 'array', items: merge(a.items, b.items) };
  if (a.type === 'object' && b.type === 'object') {
    const byName = new Map(a.properties.map((p) => [p.name, p]));
    const names = new Set([...byName.keys(), ...b.properties.map((p) => p.name)]);
    const other = new Map(b.properties.map((p) => [p.name, p]));
    const properties = [...names].map((name): Property => {
      const [pa, pb] = [byName.get(name), other.get(name)];
      if (pa && pb) return { name, type: merge(pa.type, pb.type), required: pa.required && pb.required };
      return { ...(pa ?? pb)!, required: false };
    });
    return { type: 'object', properties: sortProperties(properties) };
  }
  if (a.type === 'map' && b.type === 'map') return { type: 'map', values: merge(a.values, b.values) };
  throw invalidParam('Expected all values in list to be of same type');
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  !ArrayBuffer.isView(value) &&
  !(value instanceof Date) &&
  !isModelInput(value);
