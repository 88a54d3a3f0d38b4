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

/** The URI pipeline tasks log to: the database itself, a relative SQLite path made absolute (tasks run elsewhere). */
function taskTrackingUri(uri: string): string {
  const sqliteFile = /^sqlite:\/\/\/(.+)$/.exec(uri)?.[1];
  if (!sqliteFile || sqliteFile === ':memory:' || sqliteFile.startsWith('/')) return uri;
  return `sqlite:///${resolve(sqliteFile)}`;
}

/**
 * The server's app on a database URI, in this process: no port, the same request path as over
 * HTTP. The server packages are loaded on first use, so programs that log over HTTP never load them.
 * Pipelines run here too: runs created (or retried) through this app are driven by a controller in
 * this process, tasks logging straight to the database; close() stops it.
 */
export function inProcessServer(uri: string, env: Record<string, string | undefined>): InProcessServer {
  let opened: Promise<{ handle: FetchLike; close(): Promise<void> }> | undefined;
  const open = async () => {
    const [
      { createApp, createPipelineRunner, pipelineConcurrencyFromEnv },
      { SqlTrackingStore, adapterForUri, sqlStores },
      { LocalArtifactStore },
    ] = await Promise.all([import('@ferry/server'), import('@ferry/store'), import('@ferry/artifacts')]);
    const store = new SqlTrackingStore({
      adapter: adapterForUri(uri),
      defaultArtifactRoot: 'mlflow-artifacts:/',
    });
    await store.open();
    const artifactsRoot = artifactsRootFor(uri, env);
    const artifactProxy = new LocalArtifactStore({ root: artifactsRoot });
    const stores = sqlStores(store);
    const concurrency = pipelineConcurrencyFromEnv(env);
    const pipelines = createPipelineRunner({
      pipelines: stores.pipelines,
      tracking: store,
      artifactProxy,
      workDir: resolve(dirname(artifactsRoot), 'pipeline-work'),
      trackingUri: taskTrackingUri(uri),
      ...(concurrency !== undefined ? { concurrency } : {}),
    });
    const app = createApp({
      ...stores,
      artifactProxy,
      pipelineController: pipelines.controller,
      pipelineWorkDir: pipelines.workDir,
    });
    return {
      // The controller drives the runs created or retried through this app, and only those: a
      // short-lived program (a CLI command, a script) must not take over runs it cannot see through.
      // Runs it leaves unfinished are resumed by a `ferry server` on the same database.
      handle: (request: Request) => app.fetch(request),
      close: async () => {
        await pipelines.close();
        await store.close();
      },
    };
  };
  return {
    fetch: async (request) => (await (opened ??= open())).handle(request),
    async close() {
      if (opened) await (await opened).close();
      opened = undefined;
    },
  };
}
