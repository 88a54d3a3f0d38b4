import { invalidParam } from '../errors.js';
import type { OrderBy } from './ast.js';
import {
  EXPERIMENT_ORDER_BY_KEYS,
  RUN_ORDER_BY_KEYS,
  astEntity,
  canonicalKey,
  resolveExperimentIdentifier,
  resolveRunIdentifier,
} from './identifiers.js';
import { pyList } from './py-repr.js';
import { shlexSplit } from './shlex.js';
import { keywordOf, tokenize, type Token } from './tokenize.js';

/**
 * Parses search_runs `order_by` entries: `<identifier> [ASC|DESC]`, metrics, params, tags and run
 * attributes (`created` becomes `start_time`). No tie-breakers are added here.
 */
export function parseRunOrderBy(clauses: string[] | undefined): OrderBy[] {
  const seen = new Set<string>();
  return (clauses ?? []).map((clause) => {
    const { identifier, ascending } = splitOrderBy(clause);
    const { entity, key } = resolveRunIdentifier(identifier.trim(), RUN_ORDER_BY_KEYS);
    if (entity === 'dataset') throw invalidParam("Invalid identifier type 'dataset'");
    const canonical = canonicalKey(entity, key);
    const field = `${entity}.${canonical}`;
    if (seen.has(field)) throw invalidParam(`\`order_by\` contains duplicate fields: ${pyList(clauses!)}`);
    seen.add(field);
    return { type: astEntity(entity), key: canonical, ascending };
  });
}

/** Parses search_experiments `order_by` entries: `name`, `experiment_id`, `creation_time`, `last_update_time`. */
export function parseExperimentOrderBy(clauses: string[] | undefined): OrderBy[] {
  return (clauses ?? []).map((clause) => {
    const { identifier, ascending } = splitOrderBy(clause);
    const { entity, key } = resolveExperimentIdentifier(identifier.trim(), EXPERIMENT_ORDER_BY_KEYS);
    if (entity !== 'attribute') throw invalidParam(`Invalid order_by entity: ${entity}`);
    return { type: 'attribute', key, ascending };
  });
}

/**
 * MLflow accepts a clause that sqlparse reads as one identifier: a name, optionally followed by
 * ASC/DESC or by a second name (an SQL alias) — nothing else, not even surrounding whitespace. It
 * then shell-splits the clause (backticks read as double quotes) into key and direction; a
 * one-word clause is used as written, quotes and all.
 */
function splitOrderBy(clause: string): { identifier: string; ascending: boolean } {
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

function isSingleIdentifier(tokens: readonly Token[]): boolean {
  const [name, ...rest] = tokens;
  if (name?.kind !== 'name') return false;
  if (rest.length === 0) return true;
  const spaced = rest[0]!.kind === 'space';
  const tail = spaced ? rest.slice(1) : rest;
  if (tail.length !== 1) return false;
  const direction = keywordOf(tail[0]);
  return direction === 'ASC' || direction === 'DESC' || (spaced && tail[0]!.kind === 'name');
}

function unparsable(clause: string) {
  return invalidParam(`Invalid order_by clause '${clause}'. Could not be parsed.`);
}
