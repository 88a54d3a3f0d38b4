import { Hono } from 'hono';
import type { Context } from 'hono';
import { DEFAULT_MAX_BODY_BYTES } from './body.js';
import { ServingMetrics, gauge } from './metrics.js';
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
  /** Unexpected errors (a model throwing a non-Ferry error, a failing provider). */
  log?: (message: string, error?: unknown) => void;
}

interface Env {
  Variables: { target: ServingTarget; slot: ModelSlot | undefined; protocol: string | undefined };
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
    try {
      await next();
    } finally {
      target.release?.();
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
    return invocations(first(c), c.req.raw, { maxBodyBytes, stackTraces, log });
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
      return slot instanceof Response ? slot : modelMetadata(slot);
    });
    app.get(`${base}/ready`, (c) => {
      const slot = slotOf(c);
      return slot instanceof Response ? slot : modelReady(slot);
    });
    app.post(`${base}/infer`, (c) => {
      c.set('protocol', 'v2');
      const slot = slotOf(c);
      return slot instanceof Response ? slot : infer(slot, c.req.raw, { maxBodyBytes, log });
    });
  }

  if (metrics !== undefined) {
    app.get('/metrics', (c) => {
      const models = c.get('target').models;
      const ready = gauge(
        'ferry_serving_model_ready',
        'Whether the model of each slot is loaded (1) or failed to load (0).',
        models.map((m) => ({ labels: { model: m.name, version: m.version ?? '' }, value: m.model ? 1 : 0 })),
      );
      return new Response(metrics.render(ready), {
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
