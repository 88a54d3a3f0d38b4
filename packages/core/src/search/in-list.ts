import { invalidParam } from '../errors.js';
import { pyFloat, pyStr } from '../py-repr.js';

/**
 * The value list of an `IN (...)` / `NOT IN (...)` clause. MLflow evaluates the parenthesised text
 * with Python's `ast.literal_eval`, so this reads the subset of Python literals a list can
 * sensibly hold — strings (either quote, backslash escapes, implicit concatenation), numbers,
 * True/False/None, nested tuples and lists — to give the same values and the same errors.
 */

type PyNumber = { kind: 'int'; value: bigint } | { kind: 'float'; value: number };
type PyValue =
  | PyNumber
  | { kind: 'str'; value: string }
  | { kind: 'const'; text: string }
  | { kind: 'tuple' | 'list'; items: PyValue[] };

const ILL_FORMED =
  'While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.';
const EMPTY =
  'While parsing a list in the query, expected a non-empty list of string values, but got empty list';
const NOT_STRINGS =
  'While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: ';

/** Parses `(...)` text into its strings; throws MLflow's list errors. */
export function parseStringList(text: string): string[] {
  const reader = new LiteralReader(text);
  const parsed = reader.expression();
  reader.skipSpace();
  if (!reader.atEnd()) throw invalidParam(ILL_FORMED);
  // A parenthesised single value is not a tuple in Python; MLflow wraps it as one.
  const items = parsed.kind === 'tuple' ? parsed.items : [parsed];
  if (items.length === 0) throw invalidParam(EMPTY);
  if (!items.every((item) => item.kind === 'str')) {
    throw invalidParam(NOT_STRINGS + repr({ kind: 'tuple', items }));
  }
  return items.map((item) => (item as { value: string }).value);
}

function repr(value: PyValue): string {
  switch (value.kind) {
    case 'str':
      return pyStr(value.value);
    case 'int':
      return value.value.toString();
    case 'float':
      return pyFloat(value.value);
    case 'const':
      return value.text;
    case 'list':
      return `[${value.items.map(repr).join(', ')}]`;
    case 'tuple':
      return `(${value.items.map(repr).join(', ')}${value.items.length === 1 ? ',' : ''})`;
  }
}

const DIGITS = String.raw`\d(?:_?\d)*`;
const EXPONENT = String.raw`[eE][+-]?${DIGITS}`;
const FLOAT = new RegExp(
  String.raw`(?:(?:${DIGITS})?\.${DIGITS}|${DIGITS}\.)(?:${EXPONENT})?|${DIGITS}${EXPONENT}`,
  'y',
);
const INT = /0[xX](?:_?[\da-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|[1-9](?:_?\d)*|0(?:_?0)*/y;
const NAME = /[\p{L}_][\p{L}\p{N}_]*/uy;
const SPACE = /(?:[ \t\f\r\n]|\\\r?\n)*/y;
const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

const HEX_ESCAPE_WIDTHS: Record<string, number> = { x: 2, u: 4, U: 8 };

class LiteralReader {
  private pos = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipSpace(): void {
    this.match(SPACE);
  }

  expression(): PyValue {
    this.skipSpace();
    const char = this.text[this.pos];
    if (char === '(') return this.sequence(')', 'tuple');
    if (char === '[') return this.sequence(']', 'list');
    if (char === '-' || char === '+') {
      this.pos++;
      this.skipSpace();
      const operand = this.number() ?? this.fail();
      if (char === '+') return operand;
      return operand.kind === 'int'
        ? { kind: 'int', value: -operand.value }
        : { kind: 'float', value: -operand.value };
    }
    const number = this.number();
    if (number) return number;
    const name = this.match(NAME);
    if (name !== undefined) {
      const quote = this.text[this.pos];
      if ((quote === "'" || quote === '"') && /^[uUrR]$/.test(name)) return this.strings(name);
      if (name === 'True' || name === 'False' || name === 'None') return { kind: 'const', text: name };
      return this.fail();
    }
    if (char === "'" || char === '"') return this.strings('');
    return this.fail();
  }

  private sequence(close: string, kind: 'tuple' | 'list'): PyValue {
    this.pos++;
    const items: PyValue[] = [];
    let comma = false;
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) break;
      items.push(this.expression());
      this.skipSpace();
      if (this.text[this.pos] === close) break;
      if (this.text[this.pos] !== ',') return this.fail();
      this.pos++;
      comma = true;
    }
    this.pos++;
    if (kind === 'tuple' && items.length === 1 && !comma) return items[0]!;
    return { kind, items };
  }

  /** One or more adjacent string literals, concatenated as Python does. */
  private strings(prefix: string): PyValue {
    let value = this.string(/r/i.test(prefix));
    for (;;) {
      const resume = this.pos;
      this.skipSpace();
      const prefixed = this.match(/[uUrR](?=['"])/y);
      const quote = this.text[this.pos];
      if (quote !== "'" && quote !== '"') {
        this.pos = resume;
        return { kind: 'str', value };
      }
      value += this.string(prefixed !== undefined && /r/i.test(prefixed));
    }
  }

  private string(raw: boolean): string {
    const quote = this.text[this.pos++];
    let value = '';
    for (;;) {
      const char = this.text[this.pos++];
      if (char === undefined || char === '\n' || char === '\r') return this.fail();
      if (char === quote) return value;
      if (char !== '\\') {
        value += char;
        continue;
      }
      const next = this.text[this.pos++];
      if (next === undefined) return this.fail();
      if (raw) value += char + next;
      else value += this.escape(next);
    }
  }

  private escape(char: string): string {
    if (char === '\n') return '';
    const simple = SIMPLE_ESCAPES[char];
    if (simple !== undefined) return simple;
    if (/[0-7]/.test(char)) {
      const digits = char + (this.match(/[0-7]{1,2}/y) ?? '');
      return String.fromCodePoint(parseInt(digits, 8));
    }
    const width = HEX_ESCAPE_WIDTHS[char];
    if (width === undefined) return `\\${char}`;
    const hex = this.match(new RegExp(`[\\da-fA-F]{${width}}`, 'y'));
    const code = hex === undefined ? NaN : parseInt(hex, 16);
    if (!(code <= 0x10ffff)) return this.fail();
    return String.fromCodePoint(code);
  }

  private number(): PyNumber | undefined {
    const float = this.match(FLOAT);
    const text = float ?? this.match(INT);
    if (text === undefined) return undefined;
    // `1abc`, `01`, `1j`: Python rejects (or makes a complex of) what directly follows a number.
    if (/[\p{L}\p{N}_.]/u.test(this.text[this.pos] ?? '')) return this.fail();
    const digits = text.replaceAll('_', '');
    return float !== undefined
      ? { kind: 'float', value: Number(digits) }
      : { kind: 'int', value: BigInt(digits) };
  }

  private match(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.pos;
    const found = pattern.exec(this.text)?.[0];
    if (found !== undefined) this.pos += found.length;
    return found;
  }

  private fail(): never {
    throw invalidParam(ILL_FORMED);
  }
}
