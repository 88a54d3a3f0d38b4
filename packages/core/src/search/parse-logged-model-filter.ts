import { invalidParam } from '../errors.js';
import type { Comparator, Comparison, Filter } from './ast.js';
import { holdsSeveralStatements, scanStatement, type RawComparison } from './clauses.js';
import { checkLoggedModelComparator } from './comparators.js';
import {
  LOGGED_MODEL_NUMERIC_KEYS,
  checkLoggedModelAttribute,
  loggedModelAttribute,
  resolveLoggedModelIdentifier,
  type LoggedModelIdentifier,
} from './identifiers.js';
import { parseStringList } from './in-list.js';
import { toComparison } from './parse-filter.js';
import { pyStr } from '../py-repr.js';
import type { Token } from './tokenize.js';

/**
 * Parses a search_logged_models filter with the grammar of MLflow's SQL tracking store, which has its
 * own reader, stricter and looser than the other searches':
 *
 * - identifiers: `metrics.<key>`, `params.<key>`, `tags.<key>`, `attributes.<key>` or a bare
 *   attribute, and only these entity spellings. Backticks come off the key, double quotes do not.
 *   Attributes: `model_id`, `name`, `model_type`, `status`, `source_run_id`, and the two times, each
 *   under any of its names, canonicalised to the column: `creation_timestamp_ms` (`creation_time`,
 *   `creation_timestamp`) and `last_updated_timestamp_ms` (`last_updated_time`,
 *   `last_updated_timestamp`).
 * - comparators, in upper case only: metrics and the times `< <= > >= = !=` with a number; the others
 *   `= != LIKE ILIKE` with a string, or `IN` / `NOT IN` with a list of strings.
 * - string values: single quotes come off both ends (several, if there are several); anything else is
 *   kept as written — a bare word, a number, a double-quoted text with its quotes.
 * - clauses are read one at a time, so the first wrong one is the one reported.
 *
 * Where MLflow fails with a server error (an unknown attribute, a non-numeric number, a malformed
 * list) this reports a 400 instead.
 */
export function parseLoggedModelFilter(filter?: string): Filter {
  if (filter === undefined || filter === '') return [];
  if (holdsSeveralStatements(filter)) {
    throw invalidParam(`Invalid filter string: ${pyStr(filter)}. Expected a single SQL expression.`);
  }
  const parsed = scanStatement(filter).flatMap((part) => {
    if (part.comparison !== undefined) return [readComparison(part.comparison)];
    if (part.token.text.toUpperCase() === 'AND') return [];
    throw invalidParam(
      `Invalid filter string: ${pyStr(filter)}. Expected a list of comparisons separated by 'AND' ` +
        "(e.g. 'metrics.loss > 0.1 AND params.lr = 0.01').",
    );
  });
  // Attribute names are looked up only once every clause has been read, as in MLflow.
  return parsed.map(({ identifier, comparator, value }) => {
    const { entity, key } = identifier;
    const canonical = entity === 'attribute' ? checkLoggedModelAttribute(key) : key;
    return toComparison(entity, canonical, comparator, value);
  });
}

interface ReadComparison {
  identifier: LoggedModelIdentifier;
  comparator: Comparator;
  value: Comparison['value'];
}

function readComparison(raw: RawComparison): ReadComparison {
  if (raw.right === undefined) {
    // MLflow rebuilds `x IS NULL` as a two-part comparison, printed without a space.
    throw invalidParam(
      `Invalid comparison: ${raw.left.text}${raw.comparator}. Expected a comparison with 3 tokens.`,
    );
  }
  const identifier = resolveLoggedModelIdentifier(raw.left.text);
  const numeric = isNumeric(identifier);
  const comparator = checkLoggedModelComparator(identifier.label, numeric, raw.comparator);
  const value = numeric ? readNumber(identifier, raw.right) : readString(raw.right);
  return { identifier, comparator, value };
}

function isNumeric({ entity, key }: LoggedModelIdentifier): boolean {
  if (entity === 'metric') return true;
  const attribute = entity === 'attribute' ? loggedModelAttribute(key) : undefined;
  return attribute !== undefined && LOGGED_MODEL_NUMERIC_KEYS.has(attribute);
}

function readNumber({ entity, key }: LoggedModelIdentifier, token: Token): number {
  if (token.kind === 'number') return Number(token.text);
  throw invalidParam(
    entity === 'metric'
      ? `Expected numeric value type for metric. Found ${token.text}`
      : `Expected numeric value type for numeric attribute: ${key}. Found ${token.text}`,
  );
}

function readString(token: Token): string | string[] {
  if (token.kind === 'group') return parseStringList(token.text);
  return token.text.replace(/^'+|'+$/g, '');
}
