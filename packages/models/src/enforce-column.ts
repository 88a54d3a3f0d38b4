import { invalidParam } from '@ferry/core';
import type { Column, ColumnDType } from './data-frame.js';
import { columnDType, isMissing } from './data-frame.js';
import type { DataType } from './schema.js';

/** The numpy dtype MLflow maps each DataType to: kind, itemsize and printed name. */
const NUMPY: Record<DataType, { kind: string; size: number; name: string }> = {
  boolean: { kind: 'b', size: 1, name: 'bool' },
  integer: { kind: 'i', size: 4, name: 'int32' },
  long: { kind: 'i', size: 8, name: 'int64' },
  float: { kind: 'f', size: 4, name: 'float32' },
  double: { kind: 'f', size: 8, name: 'float64' },
  string: { kind: 'U', size: 0, name: '<U0' },
  binary: { kind: 'S', size: 0, name: '|S0' },
  datetime: { kind: 'M', size: 8, name: 'datetime64[ns]' },
};

const KIND_SIZE: Record<ColumnDType, [string, number]> = {
  bool: ['b', 1],
  int8: ['i', 1],
  int16: ['i', 2],
  int32: ['i', 4],
  int64: ['i', 8],
  uint8: ['u', 1],
  uint16: ['u', 2],
  uint32: ['u', 4],
  uint64: ['u', 8],
  float32: ['f', 4],
  float64: ['f', 8],
  'datetime64[ns]': ['M', 8],
  object: ['O', 8],
};

/**
 * Checks one column against a scalar DataType and returns it in the type's canonical form: double a
 * Float64Array (missing values NaN), float a Float32Array, integer an Int32Array, long numbers,
 * datetime Dates; boolean, string and binary columns are returned as given.
 *
 * A typed array follows MLflow's `_enforce_mlflow_datatype` exactly: widening within a kind, small
 * integers to double, 0/1 int64 to floats, nothing else. A plain (untyped, JSON-like) array is
 * converted as MLflow's scoring server converts request columns before enforcing: numbers become
 * double or float, whole numbers integer or long — but only without loss, so a fraction or a missing
 * value in an integer column still fails. Errors are INVALID_PARAMETER_VALUE with MLflow's message
 * (`Incompatible input types for column a. Can not safely convert float64 to int64.`).
 */
export function enforceColumn(name: string, column: Column, type: DataType): Column {
  const dtype = columnDType(column);
  const target = NUMPY[type];
  if (type === 'string' || type === 'binary') {
    if (dtype === 'object') return column;
    throw incompatible(name, dtype, target.name, column);
  }
  if (type === 'boolean' && (dtype === 'bool' || dtype === 'object')) return column;
  if (type === 'datetime') return toDatetime(name, column, dtype);
  const [kind, size] = KIND_SIZE[dtype];
  if (Array.isArray(column)) {
    const numeric = kind === 'i' || kind === 'f';
    if (numeric && target.kind === 'f') return canonical(column, type);
    if (kind === 'i' && target.kind === 'i' && fitsInt(column, target.size)) return canonical(column, type);
    throw incompatible(name, dtype, target.name, column);
  }
  if (dtype === target.name) return canonical(column, type);
  let upcast = false;
  if (kind === target.kind) upcast = size <= target.size;
  else if (kind === 'u' && target.kind === 'i') upcast = size < target.size;
  else if ((kind === 'i' || kind === 'u') && target.name === 'float64') upcast = size <= 6;
  if (upcast) return canonical(column, type);
  if (dtype === 'int64' && target.kind === 'f' && Array.from(column).every((x) => x === 0n || x === 1n)) {
    return canonical(column, type);
  }
  throw incompatible(name, dtype, target.name, column);
}

function fitsInt(column: readonly unknown[], size: number): boolean {
  if (size === 8) return true;
  return column.every((v) => typeof v !== 'number' || (v >= -(2 ** 31) && v < 2 ** 31));
}

function canonical(column: Column, type: DataType): Column {
  const values = Array.from(column as ArrayLike<unknown>, (v) => (typeof v === 'bigint' ? Number(v) : v));
  switch (type) {
    case 'double':
      return column instanceof Float64Array ? column : Float64Array.from(values, toFloat);
    case 'float':
      return column instanceof Float32Array ? column : Float32Array.from(values, toFloat);
    case 'integer':
      return column instanceof Int32Array ? column : Int32Array.from(values as number[]);
    default:
      return column instanceof BigInt64Array ? column : values;
  }
}

const toFloat = (v: unknown): number => (isMissing(v) ? NaN : Number(v));

function toDatetime(name: string, column: Column, dtype: ColumnDType): Column {
  if (dtype === 'datetime64[ns]') return column;
  if (dtype !== 'object' || !Array.isArray(column)) throw incompatible(name, dtype, 'datetime64[ns]', column);
  return column.map((value) => {
    if (value === null || value === undefined || value instanceof Date) return value ?? null;
    const date = typeof value === 'string' ? new Date(value) : undefined;
    if (date === undefined || Number.isNaN(date.getTime())) {
      throw invalidParam(`Failed to convert column ${name} from type object to DataType.datetime.`);
    }
    return date;
  });
}

function incompatible(name: string, from: string, to: string, column: Column): Error {
  // MLflow's hint for the common case of an integer column whose missing values made it float64.
  const hint =
    from === 'float64' &&
    (to.startsWith('int') || to.startsWith('uint')) &&
    Array.from(column as ArrayLike<unknown>).some(isMissing) &&
    Array.from(column as ArrayLike<unknown>).every((v) => isMissing(v) || Number.isInteger(v))
      ? ' Hint: the type mismatch is likely caused by missing values. Integer columns in python can not ' +
        'represent missing values and are therefore encoded as floats. The best way to avoid this ' +
        'problem is to infer the model schema based on a realistic data sample (training dataset) that ' +
        'includes missing values. Alternatively, you can declare integer columns as doubles (float64) ' +
        'whenever these columns may have missing values. See `Handling Integers With Missing Values ' +
        '<https://www.mlflow.org/docs/latest/models.html#handling-integers-with-missing-values>`_ for ' +
        'more details.'
      : '';
  return invalidParam(
    `Incompatible input types for column ${name}. Can not safely convert ${from} to ${to}.${hint}`,
  );
}
