import { Hono } from 'hono';
import type { Context } from 'hono';
import { FerryError } from '@ferry/core';
import type { AppDeps } from './deps.js';
import { errorResponse } from './http/errors.js';
import { Fields } from './http/message.js';
import { readMessage } from './http/read-message.js';
import { registerUi } from './http/ui.js';
import { artifactListRoutes } from './routes/artifacts-list.js';
import { experimentRoutes } from './routes/experiments.js';
import { ajaxMetricRoutes, metricRoutes } from './routes/metrics.js';
import { downsampledMetricRoutes } from './routes/metrics-downsampled.js';
import { registerArtifactProxy } from './routes/mlflow-artifacts.js';
import type { ApiRoute } from './routes/route.js';
import { loggedModelRoutes, runOutputRoutes } from './routes/logged-models.js';
import { modelVersionRoutes } from './routes/model-versions.js';
import { pipelineDefinitionRoutes } from './routes/pipelines.js';
import { pipelineLineageRoutes } from './routes/pipelines-lineage.js';
import { pipelineRunRoutes } from './routes/pipelines-runs.js';
import { projectRoutes } from './routes/projects.js';
import { pipelineScheduleRoutes } from './routes/pipelines-schedules.js';
import { registeredModelRoutes } from './routes/registered-models.js';
import { runRoutes } from './routes/runs.js';
import { webhookRoutes } from './routes/webhooks.js';

export const FERRY_VERSION = '0.1.0';

/** The MLflow tracking and registry surface, mounted at both prefixes MLflow serves it under. */
const TRACKING_ROUTES: ApiRoute[] = [
  ...experimentRoutes,
  ...runRoutes,
  ...metricRoutes,
  ...downsampledMetricRoutes,
  ...artifactListRoutes,
  ...registeredModelRoutes,
  ...modelVersionRoutes,
  ...loggedModelRoutes,
  ...runOutputRoutes,
  ...webhookRoutes,
];
const PREFIXES = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'];

/** Ferry's own API (pipelines; docs/pipelines.md, "REST API"), under its own two prefixes. */
const FERRY_ROUTES: ApiRoute[] = [
  ...pipelineDefinitionRoutes,
  ...pipelineRunRoutes,
  ...pipelineLineageRoutes,
  ...pipelineScheduleRoutes,
  ...projectRoutes,
];
const FERRY_PREFIXES = ['/api/2.0/ferry', '/ajax-api/2.0/ferry'];

function mount(app: Hono, deps: AppDeps, prefix: string, route: ApiRoute): void {
  app.on(route.method, `${prefix}${route.path}`, async (c: Context) => {
    const { message, bodyBytes } = await readMessage(c);
    const body = await route.handle({ fields: new Fields(message), bodyBytes, deps, context: c });
    return body instanceof Response ? body : c.json(body as object);
  });
}

export interface AppOptions {
  /** Serve every route under this path prefix (`mlflow server --static-prefix`), e.g. `/mlflow`. */
  staticPrefix?: string;
  /** Receives unexpected errors (bugs, lost database connections); expected ones are answered, not logged. */
  log?: (message: string, error: unknown) => void;
  /**
   * A folder holding the built web UI (`index.html` and `assets/`, as `@ferry/web` builds it); when
   * set, `GET /` and the files under it are served after every API route.
   */
  uiRoot?: string;
}

/**
 * The Ferry server as a fetch handler (`app.fetch(request) -> Response`): no port, no environment, no
 * I/O of its own. Tests and the SDK's local mode call it directly; `ferry server` puts it on a socket.
 */
export function createApp(deps: AppDeps, options: AppOptions = {}): Hono {
  const log = options.log ?? ((message, error) => console.error(`ferry: ${message}:`, error));
  const basePath = normalizePrefix(options.staticPrefix);
  const root = new Hono();
  root.onError((error) => errorResponse(error, log));
  const app = basePath ? root.basePath(basePath) : root;
  const version = deps.version ?? FERRY_VERSION;
  const allRoutes: { prefix: string; route: ApiRoute }[] = [];
  for (const prefix of PREFIXES) {
    for (const route of TRACKING_ROUTES) allRoutes.push({ prefix, route });
  }
  for (const prefix of FERRY_PREFIXES) {
    for (const route of FERRY_ROUTES) allRoutes.push({ prefix, route });
  }
  for (const route of ajaxMetricRoutes) allRoutes.push({ prefix: '/ajax-api/2.0/mlflow', route });
  for (const { prefix, route } of allRoutes) mount(app, deps, prefix, route);

  app.get('/health', (c) => c.text('OK'));
  app.get('/version', (c) => c.text(version));
  app.get('/api/3.0/mlflow/server-info', (c) =>
    c.json({ store_type: 'SqlStore', workspaces_enabled: false }),
  );
  registerArtifactProxy(app, deps);
  if (options.uiRoot) registerUi(app, options.uiRoot, basePath);

  const knownPaths = new Map<string, Set<string>>();
  for (const { prefix, route } of allRoutes) {
    const path = `${prefix}${route.path}`;
    knownPaths.set(
      `${basePath}${path}`,
      (knownPaths.get(`${basePath}${path}`) ?? new Set()).add(route.method),
    );
  }
  root.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    const methods = knownPaths.get(path);
    if (methods) {
      return c.json(
        {
          error_code: 'BAD_REQUEST',
          message: `Method ${c.req.method} is not allowed for ${path}; use ${[...methods].join(' or ')}.`,
        },
        405,
        { allow: [...methods].join(', ') },
      );
    }
    return c.json({ error_code: 'ENDPOINT_NOT_FOUND', message: `No endpoint ${c.req.method} ${path}` }, 404);
  });
  return root;
}

function normalizePrefix(prefix: string | undefined): string {
  if (!prefix || prefix === '/') return '';
  if (!prefix.startsWith('/'))
    throw new FerryError('INVALID_PARAMETER_VALUE', `--static-prefix must start with '/': ${prefix}`);
  return prefix.replace(/\/+$/, '');
}
