import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { LocalArtifactStore } from '@ferry/artifacts';
import { SqlTrackingStore, SqlWebhookStore, adapterForUri, sqlStores } from '@ferry/store';
import { createApp } from './app.js';
import {
  createPipelineRunner,
  pipelineConcurrencyFromEnv,
  pipelineLeaseFromEnv,
} from './pipelines/controller.js';
import { WebhookDispatcher, withWebhookEvents } from './webhooks/index.js';

export interface ServerConfig {
  host: string;
  port: number;
  /** `sqlite:///path.db` or `postgresql://user:pw@host:port/db`. */
  backendStoreUri: string;
  /** Where new experiments put artifacts; default `mlflow-artifacts:/` when serving artifacts. */
  defaultArtifactRoot?: string;
  /** Folder (or `file://` URI) where proxied artifacts are kept. */
  artifactsDestination: string;
  serveArtifacts: boolean;
  /** Serve every route under this prefix (`--static-prefix`). */
  staticPrefix?: string;
  /** Run schema migrations before listening (default true; off in workers whose primary migrated). */
  migrate?: boolean;
  /**
   * Folder of the built web UI served at `/`. Default: `@ferry/web`'s `dist` when that package is
   * installed and built; `false` serves no UI.
   */
  uiRoot?: string | false;
  /**
   * Scratch folder of running pipeline tasks. Default: `pipeline-work` beside the artifacts
   * destination (`./ferry-data/pipeline-work` with the default layout).
   */
  pipelineWorkDir?: string;
  /** Pipeline tasks run at once; default `FERRY_PIPELINE_CONCURRENCY`, else the number of CPUs. */
  pipelineConcurrency?: number;
  log?: (message: string) => void;
}

export interface RunningServer {
  url: string;
  /** Stops accepting connections, lets in-flight requests finish, then closes the database. */
  close(): Promise<void>;
}

function localPath(destination: string): string {
  return destination.startsWith('file:') ? fileURLToPath(destination) : resolve(destination);
}

/** The built `@ferry/web` app, when that package is installed and its `dist` holds an `index.html`. */
export function defaultUiRoot(): string | undefined {
  try {
    const packageJson = createRequire(import.meta.url).resolve('@ferry/web/package.json');
    const dist = join(dirname(packageJson), 'dist');
    return existsSync(join(dist, 'index.html')) ? dist : undefined;
  } catch {
    return undefined;
  }
}

/**
 * This server's URL as a local client reaches it (what pipeline tasks log to): a wildcard listen address
 * becomes the loopback one; the static prefix is part of it.
 */
function selfUrl(config: ServerConfig, port: number): string {
  const host =
    config.host === '0.0.0.0' || config.host === ''
      ? '127.0.0.1'
      : config.host === '::'
        ? '::1'
        : config.host;
  const prefix = config.staticPrefix ? config.staticPrefix.replace(/\/+$/, '') : '';
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}${prefix}`;
}

/** How long in-flight requests get to finish on shutdown before their connections are cut. */
const SHUTDOWN_DEADLINE_MS = 30_000;

function trackingStore(config: ServerConfig, destination: string): SqlTrackingStore {
  const defaultArtifactRoot =
    config.defaultArtifactRoot ??
    (config.serveArtifacts ? 'mlflow-artifacts:/' : pathToFileURL(destination).href);
  return new SqlTrackingStore({
    adapter: adapterForUri(config.backendStoreUri),
    defaultArtifactRoot,
    ...(config.migrate === false ? { migrate: false } : {}),
  });
}

/** Brings the database up to date without serving: what a primary does before forking workers. */
export async function prepareDatabase(config: ServerConfig): Promise<void> {
  const store = trackingStore({ ...config, migrate: true }, localPath(config.artifactsDestination));
  try {
    await store.open();
  } finally {
    await store.close();
  }
}

/** Opens the stores (running migrations unless told not to), then listens. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const destination = localPath(config.artifactsDestination);
  const concurrency = config.pipelineConcurrency ?? pipelineConcurrencyFromEnv(process.env);
  const leaseMs = pipelineLeaseFromEnv(process.env);
  const store = trackingStore(config, destination);
  await store.open();
  const artifactProxy = config.serveArtifacts ? new LocalArtifactStore({ root: destination }) : undefined;
  const stores = sqlStores(store);
  // Registry changes notify webhooks (FERRY_WEBHOOK_* settings come from the environment).
  const webhooks = new SqlWebhookStore(store);
  const webhookDispatcher = new WebhookDispatcher({
    store: webhooks,
    log: (message) => config.log?.(message),
  });
  const uiRoot = config.uiRoot === false ? undefined : (config.uiRoot ?? defaultUiRoot());
  // Pipelines run in the server. Tasks log over HTTP to this server; its URL is set once it listens.
  const pipelineRunner = createPipelineRunner({
    pipelines: stores.pipelines,
    tracking: store,
    ...(artifactProxy ? { artifactProxy } : {}),
    workDir: config.pipelineWorkDir
      ? resolve(config.pipelineWorkDir)
      : join(dirname(destination), 'pipeline-work'),
    trackingUri: '',
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(leaseMs !== undefined ? { controllerOptions: { leaseMs } } : {}),
    log: (message) => config.log?.(message),
  });
  const app = createApp(
    {
      ...stores,
      registry: withWebhookEvents(stores.registry, webhookDispatcher),
      webhooks,
      webhookDispatcher,
      ...(artifactProxy ? { artifactProxy } : {}),
      pipelineController: pipelineRunner.controller,
      pipelineWorkDir: pipelineRunner.workDir,
    },
    {
      ...(config.staticPrefix ? { staticPrefix: config.staticPrefix } : {}),
      ...(uiRoot ? { uiRoot } : {}),
    },
  );

  const server = await new Promise<Server>((ready, fail) => {
    const s = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, () => ready(s as Server));
    (s as Server).once('error', fail);
  });
  // Longer than common load balancers' idle timeouts, so they never reuse a socket we just closed.
  server.keepAliveTimeout = 65_000;
  const address = server.address() as AddressInfo;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${address.port}`;
  config.log?.(
    `Ferry tracking server listening on ${url} (store: ${store.adapter.description}, artifacts: ${destination})`,
  );
  const uiUrl = `${url}${config.staticPrefix ? config.staticPrefix.replace(/\/+$/, '') : ''}/`;
  config.log?.(uiRoot ? `Ferry UI: ${uiUrl}` : 'Ferry UI: not served (@ferry/web is not built)');
  pipelineRunner.setTrackingUri(selfUrl(config, address.port));
  pipelineRunner.controller.start();
  pipelineRunner.scheduler.start();

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((done) => server.close(() => done()));
        // Connections busy at close time become idle keep-alive sockets once their response is sent;
        // close those as they appear, and give stragglers a deadline.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        const deadline = setTimeout(() => server.closeAllConnections(), SHUTDOWN_DEADLINE_MS);
        try {
          await closed;
        } finally {
          clearInterval(sweep);
          clearTimeout(deadline);
        }
        // Runs left unfinished stay in the database; the next controller to start resumes them.
        await pipelineRunner.close();
        await webhookDispatcher.close();
        await store.close();
      })();
      return closing;
    },
  };
}
