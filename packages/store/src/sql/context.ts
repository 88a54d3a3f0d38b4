import type { Kysely } from 'kysely';
import type { DialectAdapter } from '../dialect/adapter.js';
import type { Database } from '../schema.js';

/** What every SQL store function needs: the query builder, the dialect facts and store config. */
export interface StoreContext {
  db: Kysely<Database>;
  adapter: DialectAdapter;
  /** Root under which each new experiment gets `<root>/<experiment_id>` unless it names its own. */
  defaultArtifactRoot: string;
}

/** Splits a list so each chunk fits within the database's bound-parameter limit. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
