import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import type { Hono } from 'hono';
import { SqlTrackingStore, SqlWebhookStore, sqlStores } from '@ferry/store';
import { createApp } from '../../src/index.js';
import { WebhookDispatcher, withWebhookEvents } from '../../src/webhooks/index.js';
import type { DeliveryReport, WebhookDispatcherConfig } from '../../src/webhooks/index.js';
import { BACKENDS } from '../../../store/test/backends.js';
import type { TestDatabase } from '../../../store/test/backends.js';
import type { BackendName } from './test-app.js';

// What the webhook tests share: a local receiver, a Ferry app with webhooks on a fresh database,
// and calls to its REST API.

const SECRET_KEY = 'webhook-test-key-0123456789-abcdefghij';

// ---------------------------------------------------------------------------------------------------
// A local receiver: records every request and answers from a script (then 200 "ok").

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  delayMs?: number;
  /** The answer waits for this too. */
  until?: Promise<void>;
}

/** A promise and the function that resolves it. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

export class Receiver {
  readonly requests: Received[] = [];
  readonly replies: Reply[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const reply = this.replies.shift() ?? { status: 200, body: 'ok' };
        const answer = () => {
          if (res.destroyed) return;
          res.writeHead(reply.status, reply.headers ?? {});
          res.end(reply.body ?? '');
        };
        const later = () => (reply.delayMs ? setTimeout(answer, reply.delayMs) : answer());
        if (reply.until) void reply.until.then(later);
        else later();
      });
    });
    await new Promise<void>((ready) => this.server!.listen(0, '127.0.0.1', ready));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }

  reply(...replies: Reply[]): void {
    this.replies.push(...replies);
  }

  json(i: number): { entity: string; action: string; timestamp: string; data: unknown } {
    return JSON.parse(this.requests[i]!.body) as never;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((done) => this.server?.close(done));
  }
}

// ---------------------------------------------------------------------------------------------------
// A Ferry app with webhooks on a fresh database.

export interface Harness {
  app: Hono;
  tracking: SqlTrackingStore;
  webhooks: SqlWebhookStore;
  dispatcher: WebhookDispatcher;
  reports: DeliveryReport[];
  logs: string[];
  cleanup(): Promise<void>;
}

export type HarnessOptions = Partial<WebhookDispatcherConfig> & {
  withoutWebhooks?: boolean;
  withoutDispatcher?: boolean;
};

export async function openHarness(backend: BackendName, options: HarnessOptions = {}): Promise<Harness> {
  const { withoutWebhooks, withoutDispatcher, ...config } = options;
  const database: TestDatabase = await BACKENDS.find((b) => b.name === backend)!.createDatabase();
  const tracking = new SqlTrackingStore({
    adapter: database.adapter(),
    defaultArtifactRoot: 'mlflow-artifacts:/',
  });
  await tracking.open();
  const webhooks = new SqlWebhookStore(tracking, { secretKey: SECRET_KEY });
  const reports: DeliveryReport[] = [];
  const logs: string[] = [];
  const dispatcher = new WebhookDispatcher({
    store: webhooks,
    env: {},
    allowPrivateIps: true,
    allowedSchemes: ['http', 'https'],
    timeoutMs: 2_000,
    backoff: { baseMs: 5, maxMs: 50, jitterMs: 0 },
    log: (message) => logs.push(message),
    onDelivery: (report) => reports.push(report),
    ...config,
  });
  const stores = sqlStores(tracking);
  const app = createApp(
    {
      ...stores,
      registry: withWebhookEvents(stores.registry, dispatcher),
      ...(withoutWebhooks ? {} : { webhooks }),
      ...(withoutDispatcher ? {} : { webhookDispatcher: dispatcher }),
    },
    { log: () => {} },
  );
  return {
    app,
    tracking,
    webhooks,
    dispatcher,
    reports,
    logs,
    async cleanup() {
      await dispatcher.close(1_000);
      await tracking.close();
      await database.drop();
    },
  };
}

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

export async function call(
  app: Hono,
  method: string,
  path: string,
  body?: unknown,
  prefix = '/api/2.0/mlflow',
) {
  const res = await app.request(`${prefix}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  } satisfies Answer;
}

export const MV_CREATED = { entity: 'MODEL_VERSION', action: 'CREATED' };

export function expectError(answer: Answer, status: number, code: string, message?: string | RegExp): void {
  expect(answer.status, JSON.stringify(answer.json)).toBe(status);
  expect(answer.json['error_code']).toBe(code);
  if (message !== undefined) expect(answer.json['message']).toMatch(message);
}
