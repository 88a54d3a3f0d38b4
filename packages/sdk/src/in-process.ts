import { dirname, resolve } from 'node:path';
import type { FetchLike } from './tracking-client.js';

/** A fetch handler served by Ferry's own server app in this process, plus a way to shut it down. */
export interface InProcessServer {
  fetch: FetchLike;
  close(): Promise<void>;
}

/** Where artifacts go beside a database: next to a SQLite file, as `ferry server`'s defaults lay them out. */
function artifactsRootFor(uri: string, env: Record<string, string | undefined>): string {
  const configured = env.FERRY_ARTIFACTS_DESTINATION;
  if (configured) return resolve(configured);
  const sqliteFile = /^sqlite:\/\/\/(.+)$/.exec(uri)?.[1];
  if (sqliteFile && sqliteFile !== ':memory:') return resolve(dirname(resolve(sqliteFile)), 'artifacts');
  return resolve('ferry-data', 'artifacts');
}

/**
 * The server's app on a database URI, in this process: no port, the same request path as over
 * HTTP. The server packages are loaded on first use, so programs that log over HTTP never load them.
 */
export function inProcessServer(uri: string, env: Record<string, string | undefined>): InProcessServer {
  let opened: Promise<{ handle: FetchLike; close(): Promise<void> }> | undefined;
  const open = async () => {
    const [{ createApp }, { SqlTrackingStore, adapterForUri, sqlStores }, { LocalArtifactStore }] =
      await Promise.all([import('@ferry/server'), import('@ferry/store'), import('@ferry/artifacts')]);
    const store = new SqlTrackingStore({
      adapter: adapterForUri(uri),
      defaultArtifactRoot: 'mlflow-artifacts:/',
    });
    await store.open();
    const app = createApp({
      ...sqlStores(store),
      artifactProxy: new LocalArtifactStore({ root: artifactsRootFor(uri, env) }),
    });
    return { handle: (request: Request) => app.fetch(request), close: () => store.close() };
  };
  return {
    fetch: async (request) => (await (opened ??= open())).handle(request),
    async close() {
      if (opened) await (await opened).close();
      opened = undefined;
    },
  };
}
