import { invalidParam } from '../errors.js';
import { pyList } from '../py-repr.js';
import { shlexSplit } from './shlex.js';
import { keywordOf, tokenize, type Token } from './tokenize.js';

/**
 * Splits one order_by clause into its key and direction, as MLflow does for every entity it orders
 * with clause strings. MLflow accepts a clause that sqlparse reads as one identifier: a name,
 * optionally followed by ASC/DESC or by a second name (an SQL alias) — nothing else, not even
 * surrounding whitespace. It then shell-splits the clause (backticks read as double quotes) into key
 * and direction; a one-word clause is used as written, quotes and all.
 */
export function splitOrderBy(clause: string): { identifier: string; ascending: boolean } {
  if (!isSingleIdentifier(tokenize(clause))) throw unparsable(clause);
  const words = shlexSplit(clause.replaceAll('`', '"'));
  if (words === undefined || words.length > 2) throw unparsable(clause);
  if (words.length < 2) return { identifier: clause, ascending: true };
  const direction = words[1]!.toLowerCase();
  if (direction !== 'asc' && direction !== 'desc') {
    throw invalidParam(`Invalid ordering key in order_by clause '${clause}'.`);
  }
  return { identifier: words[0]!, ascending: direction === 'asc' };
}

/** Records `field` in `seen`; a field ordered on twice is an error naming every clause. */
export function rejectDuplicate(seen: Set<string>, field: string, clauses: readonly string[]): void {
  if (seen.has(field)) throw invalidParam(`\`order_by\` contains duplicate fields: ${pyList(clauses)}`);
  seen.add(field);
}

function isSingleIdentifier(tokens: readonly Token[]): boolean {
  const [name, ...rest] = tokens;
  if (name?.kind !== 'name') return false;
  if (/^timestamp$/i.test(name.text)) return isTimestampClause(name.text, rest);
  if (rest.length === 0) return true;
  const spaced = rest[0]!.kind === 'space';
  const tail = spaced ? rest.slice(1) : rest;
  if (tail.length !== 1) return false;
  return isDirection(tail[0]) || (spaced && tail[0]!.kind === 'name');
}

/**
 * sqlparse reads `timestamp` as a type name rather than an identifier. MLflow lets it through only
 * in lower case, alone or followed by whitespace and a direction (the registry orders by it).
 */
function isTimestampClause(text: string, rest: readonly Token[]): boolean {
  if (text !== 'timestamp') return false;
  return rest.length === 0 || (rest.length === 2 && rest[0]!.kind === 'space' && isDirection(rest[1]));
}

function isDirection(token: Token | undefined): boolean {
  const keyword = keywordOf(token);
  return keyword === 'ASC' || keyword === 'DESC';
}

function unparsable(clause: string) {
  return invalidParam(`Invalid order_by clause '${clause}'. Could not be parsed.`);
}
