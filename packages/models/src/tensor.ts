import { invalidParam } from '@ferry/core';
import { pyRepr, pyShape, pyStr } from './py-repr.js';

/** Element types of a tensor, by their numpy names (the names MLflow writes in a `tensor-spec`). */
export const TENSOR_DTYPES = [
  'bool',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'float32',
  'float64',
  'str',
  'object',
] as const;
export type TensorDType = (typeof TENSOR_DTYPES)[number];

export type NumericTypedArray =
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/**
 * A dense n-dimensional array in row-major order. Numeric dtypes hold a typed array (`bool` a
 * Uint8Array of 0/1, `int64` a BigInt64Array, as onnxruntime does), `str` a string array and `object`
 * any values. A shape of `[]` is a scalar.
 */
export interface Tensor {
  readonly kind: 'tensor';
  readonly dtype: TensorDType;
  readonly shape: readonly number[];
  readonly data: NumericTypedArray | readonly unknown[];
}

/** Named tensors (numpy's `dict[str, ndarray]`), e.g. the feeds of a multi-input ONNX graph. */
export interface TensorMap {
  readonly kind: 'tensors';
  readonly tensors: Readonly<Record<string, Tensor>>;
}

const TYPED: Partial<Record<TensorDType, new (length: number) => NumericTypedArray>> = {
  bool: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
  float32: Float32Array,
  float64: Float64Array,
};

const INT_RANGE: Partial<Record<TensorDType, [number, number]>> = {
  int8: [-(2 ** 7), 2 ** 7 - 1],
  int16: [-(2 ** 15), 2 ** 15 - 1],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint8: [0, 2 ** 8 - 1],
  uint16: [0, 2 ** 16 - 1],
  uint32: [0, 2 ** 32 - 1],
};

export const isTensorDType = (name: string): name is TensorDType =>
  (TENSOR_DTYPES as readonly string[]).includes(name);

export const isFloatDType = (dtype: string): boolean => dtype === 'float32' || dtype === 'float64';

export const isIntDType = (dtype: string): boolean => /^u?int(8|16|32|64)$/.test(dtype);

/** Bytes per element of a numeric dtype (numpy's `itemsize`); 0 for str/object. */
export function itemSize(dtype: TensorDType): number {
  const ctor = TYPED[dtype];
  return ctor ? (ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT : 0;
}

/**
 * A tensor of `dtype` and `shape` from flat row-major values, converted to the dtype. Conversion is
 * value-preserving only: a fraction into an integer dtype, an out-of-range integer or a non-numeric
 * string into a number is INVALID_PARAMETER_VALUE (numpy would truncate or wrap silently).
 */
export function tensor(dtype: TensorDType, shape: readonly number[], values: ArrayLike<unknown>): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0) || size !== values.length) {
    throw invalidParam(`cannot reshape array of size ${values.length} into shape ${pyShape(shape)}`);
  }
  return { kind: 'tensor', dtype, shape: [...shape], data: convertValues(values, dtype) };
}

/** Named tensors. */
export function tensors(record: Record<string, Tensor>): TensorMap {
  return { kind: 'tensors', tensors: { ...record } };
}

/**
 * A tensor from nested arrays (JSON's way of writing one), like `np.array(value, dtype)`: the shape is
 * read from the nesting, which must be rectangular unless the dtype is `object`; without a dtype it is
 * inferred (bool, int64 when every number is whole, float64, str, else object).
 */
export function tensorFromNested(value: unknown, dtype?: TensorDType): Tensor {
  const shape: number[] = [];
  for (let level: unknown = value; Array.isArray(level); level = level[0]) {
    shape.push(level.length);
    if (level.length === 0) break;
  }
  const flat: unknown[] = [];
  const ragged = !flatten(value, shape, 0, flat);
  if (ragged) {
    if (dtype !== 'object') {
      throw invalidParam(
        'setting an array element with a sequence. The requested array has an inhomogeneous shape ' +
          `after ${raggedDepth(value, shape)} dimensions.`,
      );
    }
    const outer = Array.isArray(value) ? value : [value];
    return tensor(
      'object',
      Array.isArray(value) ? [outer.length] : [],
      Array.isArray(value) ? outer : [value],
    );
  }
  return tensor(dtype ?? inferDType(flat), shape, flat);
}

/** Appends the leaves of `value` to `out`; false when the nesting does not match `shape`. */
function flatten(value: unknown, shape: readonly number[], depth: number, out: unknown[]): boolean {
  if (depth === shape.length) {
    if (Array.isArray(value)) return false;
    out.push(value);
    return true;
  }
  if (!Array.isArray(value) || value.length !== shape[depth]) return false;
  return value.every((item) => flatten(item, shape, depth + 1, out));
}

function raggedDepth(value: unknown, shape: readonly number[]): number {
  let depth = 0;
  let level: unknown[] = [value];
  while (depth < shape.length) {
    const next: unknown[] = [];
    for (const item of level) {
      if (!Array.isArray(item) || item.length !== shape[depth]) return depth;
      next.push(...item);
    }
    level = next;
    depth++;
  }
  return depth;
}

/** numpy's dtype for a list of JSON scalars. */
export function inferDType(values: ArrayLike<unknown>): TensorDType {
  const list = Array.from(values);
  if (list.length === 0) return 'float64';
  if (list.every((v) => typeof v === 'boolean')) return 'bool';
  if (list.every((v) => typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))))
    return 'int64';
  if (list.every((v) => typeof v === 'number' || typeof v === 'bigint')) return 'float64';
  if (list.every((v) => typeof v === 'string')) return 'str';
  return 'object';
}

/** Converts values to a dtype's storage (see `tensor` for the rules). */
export function convertValues(values: ArrayLike<unknown>, dtype: TensorDType): Tensor['data'] {
  const ctor = TYPED[dtype];
  if (!ctor) {
    if (dtype === 'str') return Array.from(values, (v) => toStr(v));
    return Array.from(values);
  }
  if (values instanceof ctor && dtype !== 'bool') return values;
  const out = new ctor(values.length);
  const slots = out as unknown as (number | bigint)[];
  for (let i = 0; i < values.length; i++) slots[i] = toElement(values[i], dtype);
  return out;
}

function toElement(value: unknown, dtype: TensorDType): number | bigint {
  if (dtype === 'bool') {
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value === 'number' || typeof value === 'bigint') return Number(value) !== 0 ? 1 : 0;
    throw invalidParam(`could not convert ${pyRepr(value)} to bool`);
  }
  const number = toNumber(value, dtype);
  if (isFloatDType(dtype)) return number;
  if (!Number.isInteger(number) && typeof value !== 'bigint') {
    throw invalidParam(`could not convert ${pyRepr(value)} to ${dtype} without losing its fraction`);
  }
  if (dtype === 'int64' || dtype === 'uint64') {
    const big = typeof value === 'bigint' ? value : BigInt(number);
    if (dtype === 'uint64' && big < 0n) throw invalidParam(`${big} is out of bounds for uint64`);
    return big;
  }
  const [min, max] = INT_RANGE[dtype]!;
  if (number < min || number > max) throw invalidParam(`${number} is out of bounds for ${dtype}`);
  return number;
}

function toNumber(value: unknown, dtype: TensorDType): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) && !isFloatDType(dtype)) {
      throw invalidParam(`cannot convert float ${Number.isNaN(value) ? 'NaN' : 'infinity'} to integer`);
    }
    return value;
  }
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === null || value === undefined) {
    if (isFloatDType(dtype)) return NaN;
    throw invalidParam(
      `int() argument must be a string, a bytes-like object or a real number, not 'NoneType'`,
    );
  }
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  const kind = isFloatDType(dtype) ? 'float' : 'int';
  if (typeof value === 'string') throw invalidParam(`could not convert string to ${kind}: ${pyStr(value)}`);
  throw invalidParam(`could not convert ${pyRepr(value)} to ${dtype}`);
}

function toStr(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return pyRepr(value);
  }
  throw invalidParam(`could not convert ${pyRepr(value)} to str`);
}

/** The element at a flat index as a plain JS value (bigints become numbers, bools booleans). */
export function elementAt(t: Tensor, index: number): unknown {
  const value = t.data[index];
  if (t.dtype === 'bool') return value === 1;
  if (typeof value === 'bigint') return Number(value);
  return value;
}

/** The tensor as nested JS arrays (a scalar for shape `[]`), the form JSON responses carry. */
export function tensorToNested(t: Tensor): unknown {
  const build = (depth: number, offset: number): unknown => {
    if (depth === t.shape.length) return elementAt(t, offset);
    const stride = t.shape.slice(depth + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: t.shape[depth]! }, (_, i) => build(depth + 1, offset + i * stride));
  };
  return build(0, 0);
}

/** The flat values of a tensor as plain JS values. */
export function tensorValues(t: Tensor): unknown[] {
  return Array.from({ length: t.data.length }, (_, i) => elementAt(t, i));
}
