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

/**
 * Runs a transaction, retrying it when the database aborted it for reasons that say nothing about
 * the data (a deadlock between concurrent writers, a busy SQLite file held by another process).
 */
export async function retryTransient<T>(ctx: StoreContext, work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !ctx.adapter.isTransient(error)) throw error;
      await new Promise((r) => setTimeout(r, attempt * 5 + Math.random() * 10));
    }
  }
}
