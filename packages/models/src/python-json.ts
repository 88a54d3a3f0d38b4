import { pyFloat } from './py-repr.js';

/**
 * A number that must print as a Python float (`1.0`, not `1`). JavaScript has one number type, so the
 * writer of a value that Python would hold as a float (a double column, a float parameter default)
 * marks it.
 */
export class PyFloat {
  constructor(readonly value: number) {}
}

/**
 * JSON text already written in `pythonJson`'s form (for large numeric tensors, whose elements would
 * otherwise each become an object first); `pythonJson` copies it as is. Only without `indent`.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

/**
 * Serialises like Python's `json.dumps(value)` with its defaults (`ensure_ascii`, `", "`/`": "`
 * separators, `NaN`/`Infinity` literals) or, with `indent`, like `json.dumps(value, indent=n)`. MLflow
 * writes signatures, input examples and scoring responses this way; matching it byte for byte keeps
 * files and responses identical to the reference.
 *
 * Elements of Float32Array/Float64Array and PyFloat print as floats; other numbers print as ints when
 * whole; bigints as ints; Dates as ISO strings; undefined object members are skipped.
 */
export function pythonJson(value: unknown, options: { indent?: number } = {}): string {
  return write(value, options.indent, 0);
}

function write(value: unknown, indent: number | undefined, depth: number): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof PyFloat) return floatLiteral(value.value);
  if (value instanceof RawJson) return value.text;
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Number.isInteger(value) && !Object.is(value, -0) ? String(value) : floatLiteral(value);
    case 'bigint':
      return String(value);
    case 'string':
      return quote(value);
  }
  if (value instanceof Date) return quote(value.toISOString());
  if (value instanceof Float32Array || value instanceof Float64Array) {
    return list(
      Array.from(value, (x) => new PyFloat(x)),
      indent,
      depth,
    );
  }
  if (ArrayBuffer.isView(value)) {
    return list(Array.from(value as unknown as ArrayLike<number | bigint>), indent, depth);
  }
  if (Array.isArray(value)) return list(value, indent, depth);
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  const items = entries.map(([k, v]) => `${quote(k)}: ${write(v, indent, depth + 1)}`);
  return `{${join(items, indent, depth)}}`;
}

function list(items: readonly unknown[], indent: number | undefined, depth: number): string {
  if (items.length === 0) return '[]';
  return `[${join(
    items.map((item) => write(item, indent, depth + 1)),
    indent,
    depth,
  )}]`;
}

function join(items: string[], indent: number | undefined, depth: number): string {
  if (indent === undefined) return items.join(', ');
  const inner = '\n' + ' '.repeat(indent * (depth + 1));
  return inner + items.join(',' + inner) + '\n' + ' '.repeat(indent * depth);
}

export function floatLiteral(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  return pyFloat(value);
}

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** A JSON string literal with every non-ASCII UTF-16 unit escaped, as `ensure_ascii=True` does. */
function quote(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    const code = text.charCodeAt(i);
    if (ESCAPES[char] !== undefined) out += ESCAPES[char];
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += char;
  }
  return out + '"';
}
