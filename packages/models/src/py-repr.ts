/**
 * Python `repr()`/`str()` of the value shapes MLflow interpolates into its model error messages, so
 * that ours read like the reference implementation's.
 */

/** `repr(str)`: single quotes unless the text holds a single quote and no double quote. */
export function pyStr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of text) {
    if (char === quote || char === '\\') out += `\\${char}`;
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else out += char;
  }
  return out + quote;
}

/** `repr(float)`: shortest round-trip digits, exponent form outside [1e-4, 1e16). */
export function pyFloat(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-4 && magnitude < 1e16) {
    const plain = String(value);
    return plain.includes('.') ? plain : `${plain}.0`;
  }
  const [mantissa, exponent = ''] = value.toExponential().split('e');
  const sign = exponent.startsWith('-') ? '-' : '+';
  return `${mantissa}e${sign}${exponent.replace(/^[+-]/, '').padStart(2, '0')}`;
}

/** `repr(list_of_str)`. */
export function pyList(items: readonly string[]): string {
  return `[${items.map(pyStr).join(', ')}]`;
}

/** `repr(set_of_str)` in the order given (Python's set order varies per process). */
export function pySet(items: readonly string[]): string {
  return items.length === 0 ? 'set()' : `{${items.map(pyStr).join(', ')}}`;
}

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
