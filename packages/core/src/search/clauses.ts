import { invalidParam } from '../errors.js';
import { pyStr } from '../py-repr.js';
import { groupParentheses, keywordOf, tokenize, type Token } from './tokenize.js';

/** One `<left> <comparator> <right>` clause before its identifier and value are interpreted. */
export interface RawComparison {
  left: Token;
  /**
   * As written (`like`, `!=`, `in`), except `NOT IN`, `IS NULL` and `IS NOT NULL`, which MLflow
   * rebuilds in this canonical spelling whatever the input's case and spacing.
   */
  comparator: string;
  /** Undefined for `IS [NOT] NULL`. */
  right?: Token;
}

/** A filter statement in order: its comparisons and, between them, every other non-space token. */
export type StatementPart =
  { comparison: RawComparison; token?: never } | { token: Token; comparison?: never };

export type ClauseListStyle = 'quoted' | 'plain';

/**
 * Splits a filter into comparisons. As in MLflow, the statement may hold only comparisons and
 * `AND`s — stray, leading or doubled `AND`s are tolerated, anything else (`OR`, `NOT`,
 * parentheses, dangling tokens) is reported, all at once, before any comparison is looked at.
 * Runs quote each reported clause, experiments and the model registry do not (`style`).
 */
export function splitComparisons(filter: string, style: ClauseListStyle): RawComparison[] {
  if (holdsSeveralStatements(filter)) {
    throw invalidParam(
      `Search filter contained multiple expression ${pyStr(filter)}. Provide AND-ed expression list.`,
    );
  }
  const parts = scanStatement(filter);
  const invalid = parts.flatMap((part) =>
    part.token !== undefined && keywordOf(part.token) !== 'AND' ? [part.token] : [],
  );
  if (invalid.length > 0) {
    const list = invalid.map((t) => (style === 'quoted' ? `'${t.text}'` : t.text)).join(', ');
    throw invalidParam(`Invalid clause(s) in filter string: ${list}`);
  }
  return parts.flatMap((part) => (part.comparison === undefined ? [] : [part.comparison]));
}

/** Whether sqlparse would split the text into more than one statement (something follows a `;`). */
export function holdsSeveralStatements(filter: string): boolean {
  const flat = tokenize(filter);
  const semicolon = flat.findIndex((t) => t.kind === 'other' && t.text === ';');
  return semicolon >= 0 && flat.slice(semicolon + 1).some((t) => t.kind !== 'space');
}

/** Reads one statement into comparisons and the other tokens, in source order. */
export function scanStatement(filter: string): StatementPart[] {
  const tokens = groupParentheses(tokenize(filter)).filter((t) => t.kind !== 'space');
  const parts: StatementPart[] = [];
  let index = 0;
  while (index < tokens.length) {
    const match = matchComparison(tokens, index);
    if (match) {
      parts.push({ comparison: match.comparison });
      index += match.length;
    } else {
      parts.push({ token: tokens[index++]! });
    }
  }
  return parts;
}

function matchComparison(
  tokens: readonly Token[],
  at: number,
): { comparison: RawComparison; length: number } | undefined {
  const [left, second, third, fourth] = tokens.slice(at, at + 4);
  if (left === undefined || second === undefined) return undefined;
  if (isOperand(left) && second.kind === 'operator' && third !== undefined && isOperand(third)) {
    return { comparison: { left, comparator: second.text, right: third }, length: 3 };
  }
  if (left.kind !== 'name') return undefined;
  const [k2, k3] = [keywordOf(second), keywordOf(third)];
  if (k2 === 'IN' && third?.kind === 'group') {
    return { comparison: { left, comparator: second.text, right: third }, length: 3 };
  }
  if (k2 === 'NOT' && k3 === 'IN' && fourth?.kind === 'group') {
    return { comparison: { left, comparator: 'NOT IN', right: fourth }, length: 4 };
  }
  if (k2 === 'IS' && k3 === 'NULL') return { comparison: { left, comparator: 'IS NULL' }, length: 3 };
  if (k2 === 'IS' && k3 === 'NOT NULL') return { comparison: { left, comparator: 'IS NOT NULL' }, length: 3 };
  return undefined;
}

/** What sqlparse lets stand on either side of a comparison operator. */
function isOperand(token: Token): boolean {
  return (
    token.kind === 'name' ||
    token.kind === 'string' ||
    token.kind === 'number' ||
    token.kind === 'hex' ||
    token.kind === 'group' ||
    keywordOf(token) === 'NULL'
  );
}
