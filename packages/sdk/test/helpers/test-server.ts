import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { LocalArtifactStore } from '@ferry/artifacts';
import { createApp } from '@ferry/server';
import { SqlTrackingStore, sqlStores, sqliteAdapter } from '@ferry/store';

/**
 * Ferry's server app on a fresh SQLite database in a new temporary folder (removed by the caller),
 * with artifacts served from `<dir>/served`: what the SDK talks to through `fetch`, with no port.
 */
export async function openTestServer(
  prefix: string,
): Promise<{ dir: string; store: SqlTrackingStore; app: Hono }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const store = new SqlTrackingStore({
    adapter: sqliteAdapter(join(dir, 'f.db')),
    defaultArtifactRoot: 'mlflow-artifacts:/',
  });
  await store.open();
  const app = createApp(
    { ...sqlStores(store), artifactProxy: new LocalArtifactStore({ root: join(dir, 'served') }) },
    { log: () => {} },
  );
  return { dir, store, app };
}
