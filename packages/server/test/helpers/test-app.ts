import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { LocalArtifactStore } from '@ferry/artifacts';
import { SqlTrackingStore, sqliteAdapter } from '@ferry/store';
import { createApp } from '../../src/index.js';

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

/**
 * A fresh Ferry server as `ferry server` builds it by default (SQLite, artifacts served under
 * `mlflow-artifacts:/`), in a temporary folder, with no port and no logging.
 */
export async function createTestApp(): Promise<TestApp> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-server-'));
  const store = new SqlTrackingStore({
    adapter: sqliteAdapter(join(dir, 'ferry.db')),
    defaultArtifactRoot: 'mlflow-artifacts:/',
  });
  await store.open();
  const artifacts = new LocalArtifactStore({ root: join(dir, 'artifacts') });
  const app = createApp({ store, artifactProxy: artifacts }, { log: () => {} });
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
      await rm(dir, { recursive: true, force: true });
    },
  };
}
