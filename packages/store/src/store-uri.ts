import { resolve } from 'node:path';
import { FerryError } from '@ferry/core';
import type { DialectAdapter } from './dialect/adapter.js';
import { postgresAdapter } from './dialect/postgres.js';
import { sqliteAdapter } from './dialect/sqlite.js';

/**
 * The adapter for a backend store URI in MLflow's forms: `sqlite:///relative.db`,
 * `sqlite:////absolute.db`, `sqlite://:memory:`... and `postgresql://user:pw@host:port/db`
 * (`postgres://` and `postgresql+psycopg2://` too, so MLflow configs work unchanged).
 */
export function adapterForUri(uri: string): DialectAdapter {
  if (uri.startsWith('sqlite:')) {
    const rest = uri.slice('sqlite:'.length);
    if (rest === '' || rest === '//' || rest === '//:memory:' || rest === '///:memory:')
      return sqliteAdapter(':memory:');
    if (!rest.startsWith('///')) {
      throw new FerryError(
        'INVALID_PARAMETER_VALUE',
        `Invalid SQLite URI '${uri}': use sqlite:///path/to/file.db`,
      );
    }
    return sqliteAdapter(resolve(decodeURIComponent(rest.slice(3).split('?')[0] ?? '')));
  }
  const pg = /^postgres(?:ql)?(?:\+[a-z0-9]+)?:\/\//.exec(uri);
  if (pg) return postgresAdapter(uri.replace(pg[0], 'postgresql://'));
  throw new FerryError(
    'INVALID_PARAMETER_VALUE',
    `Unsupported backend store URI '${uri}': use sqlite:///path.db or postgresql://user:password@host:port/database`,
  );
}
