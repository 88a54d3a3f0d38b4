/**
 * Python `repr()` of the value shapes MLflow interpolates into its error messages (search filters,
 * schema enforcement), so ours read byte for byte like the reference implementation's.
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
    else if (UNPRINTABLE.test(char)) out += escapeCodePoint(char.codePointAt(0)!);
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

/** `repr(set_of_str)` for a set whose iteration order we fix (Python's varies per process). */
export function pySet(items: readonly string[]): string {
  return items.length === 0 ? 'set()' : `{${items.map(pyStr).join(', ')}}`;
}

/** `repr(list_of_str)`. */
export function pyList(items: readonly string[]): string {
  return `[${items.map(pyStr).join(', ')}]`;
}

/** `repr(tuple_of_str)`: a one-item tuple keeps its trailing comma. */
export function pyTuple(items: readonly string[]): string {
  return `(${items.map(pyStr).join(', ')}${items.length === 1 ? ',' : ''})`;
}

// Python's str.isprintable() is false for control, format, surrogate, private-use, unassigned and
// separator characters other than the plain space.
const UNPRINTABLE = /[\p{C}\p{Zl}\p{Zp}]|(?! )\p{Zs}/u;

function escapeCodePoint(code: number): string {
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\U${code.toString(16).padStart(8, '0')}`;
}
