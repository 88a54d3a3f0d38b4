import { pyFloat, pyStr } from '@ferry/core';

/**
 * Python `repr()`/`str()` of the model values MLflow interpolates into its error messages; the string,
 * float, list and set forms are core's.
 */
export { pyFloat, pyList, pySet, pyStr } from '@ferry/core';

/** `repr(tuple_of_int)`, e.g. a tensor shape: `(-1, 4)`, `(-1,)`. */
export function pyShape(shape: readonly number[]): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

/**
 * `repr()` of a JSON-like value as Python would print the decoded value: numbers that are whole print
 * as ints (JSON cannot tell `1.0` from `1` once parsed).
 */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pyFloat(value);
  if (typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return pyStr(value);
  if (value instanceof Date) return `datetime.datetime(${value.toISOString()})`;
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (ArrayBuffer.isView(value)) return pyRepr(Array.from(value as unknown as ArrayLike<unknown>));
  if (typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => `${pyStr(k)}: ${pyRepr(v)}`);
    return `{${entries.join(', ')}}`;
  }
  return String(value);
}

/** `str()` of a value: like `pyRepr` except that a top-level string prints bare. */
export function pyStrValue(value: unknown): string {
  return typeof value === 'string' ? value : pyRepr(value);
}

/** `type(value).__name__` for a JSON-like value. */
export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'string') return 'str';
  if (value instanceof Date) return 'datetime';
  if (value instanceof Uint8Array) return 'bytes';
  if (Array.isArray(value)) return 'list';
  if (ArrayBuffer.isView(value)) return 'ndarray';
  return 'dict';
}

/** `str(type(value))`, e.g. `<class 'str'>`. */
export function pyClass(value: unknown): string {
  return `<class '${pyTypeName(value)}'>`;
}

/** `datetime.isoformat()` of a naive UTC datetime: microseconds, left out when zero. */
export function pyIsoFormat(date: Date): string {
  const micros = date.getUTCMilliseconds() * 1000;
  return date.toISOString().slice(0, 19) + (micros === 0 ? '' : `.${String(micros).padStart(6, '0')}`);
}
