import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { LocalArtifactStore } from '@ferry/artifacts';
import { SqlTrackingStore, sqlStores, sqliteAdapter } from '@ferry/store';
import { createApp } from '../../src/index.js';
// The store's test databases (a fresh PostgreSQL database per test, failing loudly when unreachable).
import { BACKENDS } from '../../../store/test/backends.js';

export interface TestApp {
  /** The server as a fetch handler: `app.request(path, init)`. */
  app: Hono;
  store: SqlTrackingStore;
  /** The proxied-artifacts destination (`mlflow-artifacts:/` resolves here). */
  artifacts: LocalArtifactStore;
  /** Temporary folder holding the database and the artifacts. */
  dir: string;
  /** Closes the store and removes the folder. */
  cleanup(): Promise<void>;
}

export type BackendName = 'sqlite' | 'postgresql';

/** Both databases: server tests that touch the store run on each, like the store's own suite. */
export const BACKEND_NAMES: BackendName[] = ['sqlite', 'postgresql'];

/**
 * A fresh Ferry server as `ferry server` builds it by default (artifacts served under
 * `mlflow-artifacts:/`), on a fresh database of the given backend (SQLite in a temporary folder by
 * default), with no port and no logging.
 */
export async function createTestApp(backend: BackendName = 'sqlite'): Promise<TestApp> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-server-'));
  const database =
    backend === 'sqlite'
      ? { adapter: () => sqliteAdapter(join(dir, 'ferry.db')), drop: async () => {} }
      : await BACKENDS.find((b) => b.name === 'postgresql')!.createDatabase();
  const store = new SqlTrackingStore({
    adapter: database.adapter(),
    defaultArtifactRoot: 'mlflow-artifacts:/',
  });
  await store.open();
  const artifacts = new LocalArtifactStore({ root: join(dir, 'artifacts') });
  const app = createApp({ ...sqlStores(store), artifactProxy: artifacts }, { log: () => {} });
  let closed = false;
  return {
    app,
    store,
    artifacts,
    dir,
    async cleanup() {
      if (closed) return;
      closed = true;
      await store.close();
      await database.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
