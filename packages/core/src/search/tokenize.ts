/**
 * Lexer for MLflow search filters and order_by clauses. MLflow feeds these strings to sqlparse, so
 * the lexical rules here follow sqlparse's where the search grammar depends on them: the same input
 * splits into the same tokens, and error messages quote the same text.
 */

export type TokenKind =
  /** Whitespace, newlines included. */
  | 'space'
  /** A dotted name: `metrics.acc`, ``tags.`mlflow.runName` ``, `"my key"`, `metrics."a b"`. */
  | 'name'
  /** A single-quoted string literal. */
  | 'string'
  /** A decimal integer or float literal, sign and exponent included. */
  | 'number'
  /** A hexadecimal literal: a number to sqlparse, but not one MLflow accepts as a value. */
  | 'hex'
  /** A comparison operator: `=`, `!=`, `<=`, …, `LIKE`, `ILIKE`, `NOT LIKE`, … */
  | 'operator'
  /** AND, OR, NOT, IN, IS, NULL, NOT NULL, ASC, DESC (any case). */
  | 'keyword'
  /** A balanced parenthesised group (only produced by `groupParentheses`). */
  | 'group'
  /** Anything else: punctuation, stray quotes, unmatched parentheses. */
  | 'other';

export interface Token {
  kind: TokenKind;
  /** The source text, exactly as written (quotes included). */
  text: string;
}

const SPACE = /\s+/uy;
const WORD = /[\p{L}\p{N}_][\p{L}\p{N}_$#]*/uy;
// Quoted forms follow sqlparse's patterns, escapes included, and are kept raw: MLflow never unescapes.
const BACKTICKED = /`(?:``|[^`])*`/y;
const DOUBLE_QUOTED = /"(?:""|\\"|[^"])*"/y;
const SINGLE_QUOTED = /'(?:''|\\'|[^'])*'/y;
const NUMBERS: ReadonlyArray<[RegExp, TokenKind]> = [
  [/-?0x[0-9a-f]+/iy, 'hex'],
  [/-?\d+(?:\.\d+)?e-?\d+/iy, 'number'],
  [/-?(?:\d+\.\d*|\.\d+)(?![_a-zà-ü])/iuy, 'number'],
  [/-?\d+(?![_a-zà-ü])/iuy, 'number'],
];
const COMPARISON = /[<>=~!]+/y;
const AFTER_NOT = /\s+(?:(LIKE|ILIKE|RLIKE|REGEXP)|NULL)(?![\p{L}\p{N}_])/iuy;
const MATCH_OPERATORS = new Set(['LIKE', 'ILIKE', 'RLIKE', 'REGEXP']);
const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IN', 'IS', 'NULL', 'ASC', 'DESC']);

/** Upper-cased keyword text with inner whitespace collapsed (`not   null` → `NOT NULL`). */
export function keywordOf(token: Token | undefined): string | undefined {
  return token?.kind === 'keyword' ? token.text.toUpperCase().replace(/\s+/g, ' ') : undefined;
}

/** Splits `source` into flat tokens; parentheses stay single `other` tokens. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < source.length) {
    const token = readToken(source, pos);
    tokens.push(token);
    pos += token.text.length;
  }
  return tokens;
}

/**
 * Folds each matched `(` … `)` into one `group` token, innermost first, leaving unmatched
 * parentheses as they are — the same pairing sqlparse does.
 */
export function groupParentheses(tokens: readonly Token[]): Token[] {
  const out: Token[] = [];
  const opens: number[] = [];
  for (const token of tokens) {
    if (token.kind === 'other' && token.text === ')' && opens.length > 0) {
      const start = opens.pop()!;
      const inner = out.splice(start);
      out.push({ kind: 'group', text: inner.map((t) => t.text).join('') + ')' });
      continue;
    }
    if (token.kind === 'other' && token.text === '(') opens.push(out.length);
    out.push(token);
  }
  return out;
}

function readToken(source: string, pos: number): Token {
  const space = matchAt(SPACE, source, pos);
  if (space !== undefined) return { kind: 'space', text: space };
  const char = source[pos]!;
  if (char === '`' || char === '"') return readName(source, pos) ?? { kind: 'other', text: char };
  if (char === "'") {
    const text = matchAt(SINGLE_QUOTED, source, pos);
    return text === undefined ? { kind: 'other', text: char } : { kind: 'string', text };
  }
  if (/[\d.-]/.test(char)) {
    for (const [pattern, kind] of NUMBERS) {
      const text = matchAt(pattern, source, pos);
      if (text !== undefined) return { kind, text };
    }
  }
  if (matchAt(WORD, source, pos) !== undefined) return readWord(source, pos);
  const comparison = matchAt(COMPARISON, source, pos);
  if (comparison !== undefined) return { kind: 'operator', text: comparison };
  return { kind: 'other', text: String.fromCodePoint(source.codePointAt(pos)!) };
}

function readWord(source: string, pos: number): Token {
  const name = readName(source, pos)!;
  // A word followed by `.part` is a name whatever it spells (sqlparse does the same).
  if (name.text.length > matchAt(WORD, source, pos)!.length) return name;
  const upper = name.text.toUpperCase();
  if (upper === 'NOT') {
    const after = execAt(AFTER_NOT, source, pos + name.text.length);
    if (after) {
      const text = name.text + after[0];
      return { kind: after[1] === undefined ? 'keyword' : 'operator', text };
    }
  }
  if (MATCH_OPERATORS.has(upper)) return { kind: 'operator', text: name.text };
  if (KEYWORDS.has(upper)) return { kind: 'keyword', text: name.text };
  return name;
}

/** Reads `part(.part)*`; a part is a word, a backticked or double-quoted name, or (after a dot) a single-quoted one. */
function readName(source: string, pos: number): Token | undefined {
  let end = readPart(source, pos, false);
  if (end === undefined) return undefined;
  while (source[end] === '.') {
    const next = readPart(source, end + 1, true);
    if (next === undefined) break;
    end = next;
  }
  return { kind: 'name', text: source.slice(pos, end) };
}

function readPart(source: string, pos: number, afterDot: boolean): number | undefined {
  const patterns = afterDot
    ? [WORD, BACKTICKED, DOUBLE_QUOTED, SINGLE_QUOTED]
    : [WORD, BACKTICKED, DOUBLE_QUOTED];
  for (const pattern of patterns) {
    const text = matchAt(pattern, source, pos);
    if (text !== undefined) return pos + text.length;
  }
  return undefined;
}

function matchAt(pattern: RegExp, source: string, pos: number): string | undefined {
  return execAt(pattern, source, pos)?.[0];
}

/** Runs a sticky pattern at `pos`. */
function execAt(pattern: RegExp, source: string, pos: number): RegExpExecArray | null {
  pattern.lastIndex = pos;
  return pattern.exec(source);
}
