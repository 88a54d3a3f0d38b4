import type { IncomingMessage } from 'node:http';
import { Hono } from 'hono';
import type { Context } from 'hono';
import { DEFAULT_MAX_BODY_BYTES } from './body.js';
import { ServingMetrics, gauge, renderMetrics } from './metrics.js';
import type { MetricsSnapshot } from './metrics.js';
import { invocations, ping, version } from './mlflow.js';
import {
  PLATFORM,
  SERVER_VERSION,
  findSlot,
  infer,
  live,
  modelMetadata,
  modelReady,
  serverReady,
  v2Error,
} from './open-inference.js';
import type { ModelSlot, ServingTarget, ServingTargetProvider } from './slots.js';

/** MLflow's default request timeout (`MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT`), in milliseconds. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** The response header naming the model version that answered. */
export const MODEL_VERSION_HEADER = 'x-ferry-model-version';

export interface ScoringAppOptions {
  /**
   * Called once at the start of each request; the request uses the target it returns until answered,
   * then calls its `release`. The first slot answers the MLflow routes.
   */
  target: ServingTargetProvider;
  /** Largest request body accepted, in bytes (default 50 MiB); larger bodies get 413. */
  maxBodyBytes?: number;
  /** Where request metrics are counted (default: a new ServingMetrics); `false` serves no `/metrics`. */
  metrics?: ServingMetrics | false;
  /** Include `stack_trace` in MLflow error bodies of unexpected model errors, as MLflow does (default false). */
  stackTraces?: boolean;
  /**
   * Longest time a request may take, in milliseconds, before it is answered 504 (default 60 s, as
   * MLflow's `--timeout`; 0: no limit). The prediction cannot be interrupted: it runs on, and its model
   * is held (not closed by a swap) until it ends.
   */
  requestTimeoutMs?: number;
  /**
   * The metrics `/metrics` shows, when they are more than this app's own (e.g. every worker process of
   * a cluster); default: this app's `metrics`.
   */
  gatherMetrics?: () => Promise<MetricsSnapshot[]>;
  /** Unexpected errors (a model throwing a non-Ferry error, a failing provider). */
  log?: (message: string, error?: unknown) => void;
}

interface Env {
  Variables: { target: ServingTarget; slot: ModelSlot | undefined; protocol: string | undefined };
  /** Under @hono/node-server: the Node request (absent with `app.request()` in tests). */
  Bindings: { incoming?: IncomingMessage };
}

type Ctx = Context<Env>;

/**
 * The scoring HTTP app (not listening): MLflow's scoring protocol for the first slot (`GET /ping`,
 * `/health`, `/version`, `POST /invocations`), the Open Inference Protocol v2 for every slot
 * (`/v2/health/{live,ready}`, `GET /v2/models/{name}[/versions/{v}][/ready]`, `POST …/infer`), and
 * `GET /metrics` in the Prometheus text format. Responses a model answered carry `x-ferry-model-version`.
 */
export function createScoringApp(options: ScoringAppOptions): Hono<Env> {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const metrics = options.metrics === false ? undefined : (options.metrics ?? new ServingMetrics());
  const log = options.log ?? (() => undefined);
  const stackTraces = options.stackTraces ?? false;
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const app = new Hono<Env>();

  app.use('*', async (c, next) => {
    const start = performance.now();
    let target: ServingTarget;
    try {
      target = options.target();
    } catch (err) {
      log('the serving target provider failed', err);
      return c.json({ error: 'No model is available to serve this request' }, 503);
    }
    c.set('target', target);
    const work = next();
    if ((await settledWithin(work, timeoutMs)) === 'late') {
      // The handler goes on; the models it holds stay open until it ends.
      void work.then(release(target), release(target));
      c.res = timeoutResponse(c.req.path);
    } else {
      release(target)();
      await work;
    }
    const slot = c.get('slot');
    if (slot?.version !== undefined) {
      try {
        c.res.headers.set(MODEL_VERSION_HEADER, slot.version);
      } catch {
        // An immutable response keeps its headers.
      }
    }
    const protocol = c.get('protocol');
    if (protocol !== undefined && metrics !== undefined) {
      const labels = { model: slot?.name ?? '', version: slot?.version ?? '', protocol };
      metrics.observe(labels, c.res.status, (performance.now() - start) / 1000);
    }
  });

  const first = (c: Ctx): ModelSlot | undefined => {
    const slot = c.get('target').models[0];
    c.set('slot', slot);
    return slot;
  };

  // MLflow scoring protocol.
  app.get('/ping', (c) => ping(first(c)));
  app.get('/health', (c) => ping(first(c)));
  app.get('/version', (c) => version(first(c)));
  app.post('/invocations', (c) => {
    c.set('protocol', 'mlflow');
    return invocations(first(c), c.req.raw, { maxBodyBytes, stackTraces, log }, c.env?.incoming);
  });

  // Open Inference Protocol v2.
  app.get('/v2', (c) => c.json({ name: PLATFORM, version: SERVER_VERSION, extensions: [] }));
  app.get('/v2/health/live', () => live());
  app.get('/v2/health/ready', (c) => serverReady(c.get('target').models));

  const slotOf = (c: Ctx): ModelSlot | Response => {
    const found = findSlot(c.get('target').models, c.req.param('name')!, c.req.param('version'));
    if (!(found instanceof Response)) c.set('slot', found);
    return found;
  };
  for (const base of ['/v2/models/:name', '/v2/models/:name/versions/:version']) {
    app.get(base, (c) => {
      const slot = slotOf(c);
      return slot instanceof Response ? slot : modelMetadata(slot, c.get('target').models);
    });
    app.get(`${base}/ready`, (c) => {
      const slot = slotOf(c);
      return slot instanceof Response ? slot : modelReady(slot);
    });
    app.post(`${base}/infer`, (c) => {
      c.set('protocol', 'v2');
      const slot = slotOf(c);
      return slot instanceof Response ? slot : infer(slot, c.req.raw, { maxBodyBytes, log }, c.env?.incoming);
    });
  }

  if (metrics !== undefined) {
    app.get('/metrics', async (c) => {
      const models = c.get('target').models;
      const ready = gauge(
        'ferry_serving_model_ready',
        'Whether the model of each slot is loaded (1) or failed to load (0).',
        models.map((m) => ({ labels: { model: m.name, version: m.version ?? '' }, value: m.model ? 1 : 0 })),
      );
      const snapshots = options.gatherMetrics ? await options.gatherMetrics() : [metrics.snapshot()];
      return new Response(renderMetrics(snapshots, ready), {
        headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
      });
    });
  }

  app.notFound((c) =>
    c.req.path.startsWith('/v2/')
      ? v2Error(404, `Not found: ${c.req.method} ${c.req.path}`)
      : c.text('Not Found', 404),
  );
  app.onError((err, c) => {
    log(`unexpected error answering ${c.req.method} ${c.req.path}`, err);
    return c.req.path.startsWith('/v2/')
      ? v2Error(500, 'Internal server error')
      : c.json({ error_code: 'INTERNAL_ERROR', message: 'Internal server error' }, 500);
  });
  return app;
}

const release = (target: ServingTarget) => () => target.release?.();

/** Whether `work` settles within `ms` (0: no limit, wait for it). */
async function settledWithin(work: Promise<unknown>, ms: number): Promise<'settled' | 'late'> {
  if (ms <= 0)
    return work.then(
      () => 'settled',
      () => 'settled',
    );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  try {
    return await Promise.race([
      work.then(
        () => 'settled' as const,
        () => 'settled' as const,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** 504 in the protocol of the path: MLflow's plain message, or the Open Inference Protocol's `{"error"}`. */
function timeoutResponse(path: string): Response {
  const message = 'Request processing time exceeded limit';
  return path.startsWith('/v2/')
    ? v2Error(504, message)
    : new Response(message, { status: 504, headers: { 'content-type': 'application/json' } });
}
