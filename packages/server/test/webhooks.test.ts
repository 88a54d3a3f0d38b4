import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Hono } from 'hono';
import { SqlRegistryStore, SqlTrackingStore, SqlWebhookStore, sqlStores } from '@ferry/store';
import type { RegistryStore, WebhookEventName } from '@ferry/store';
import { createApp } from '../src/index.js';
import { retryDelayMs } from '../src/webhooks/delivery.js';
import {
  EXAMPLE_PAYLOADS,
  WebhookDispatcher,
  isGlobalAddress,
  verifyDelivery,
  withWebhookEvents,
} from '../src/webhooks/index.js';
import type {
  DeliveryReport,
  EmittedEvent,
  WebhookDispatcherConfig,
  WebhookEmitter,
  WebhookPayloads,
} from '../src/webhooks/index.js';
import { BACKENDS } from '../../store/test/backends.js';
import type { TestDatabase } from '../../store/test/backends.js';
import { BACKEND_NAMES } from './helpers/test-app.js';
import type { BackendName } from './helpers/test-app.js';

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
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

class Receiver {
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

interface Harness {
  app: Hono;
  tracking: SqlTrackingStore;
  webhooks: SqlWebhookStore;
  dispatcher: WebhookDispatcher;
  reports: DeliveryReport[];
  logs: string[];
  cleanup(): Promise<void>;
}

type HarnessOptions = Partial<WebhookDispatcherConfig> & {
  withoutWebhooks?: boolean;
  withoutDispatcher?: boolean;
};

async function openHarness(backend: BackendName, options: HarnessOptions = {}): Promise<Harness> {
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

async function call(app: Hono, method: string, path: string, body?: unknown, prefix = '/api/2.0/mlflow') {
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

const MV_CREATED = { entity: 'MODEL_VERSION', action: 'CREATED' };

function expectError(answer: Answer, status: number, code: string, message?: string | RegExp): void {
  expect(answer.status, JSON.stringify(answer.json)).toBe(status);
  expect(answer.json['error_code']).toBe(code);
  if (message !== undefined) expect(answer.json['message']).toMatch(message);
}

// ---------------------------------------------------------------------------------------------------

describe.each(BACKEND_NAMES)('webhook REST API on %s', (backend) => {
  let h: Harness;
  beforeEach(async () => {
    h = await openHarness(backend);
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it('creates, gets, lists, updates and deletes webhooks in MLflow wire format, never showing secrets', async () => {
    const created = await call(h.app, 'POST', '/webhooks', {
      name: 'ci-notifier',
      url: 'https://example.com/hook',
      events: [MV_CREATED, { entity: 'MODEL_VERSION_ALIAS', action: 'DELETED' }],
      description: 'tell CI',
      secret: 'shh',
    });
    expect(created.status).toBe(200);
    const webhook = created.json['webhook'] as Record<string, unknown>;
    expect(webhook).toStrictEqual({
      webhook_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'ci-notifier',
      description: 'tell CI',
      url: 'https://example.com/hook',
      events: [MV_CREATED, { entity: 'MODEL_VERSION_ALIAS', action: 'DELETED' }],
      status: 'ACTIVE',
      creation_timestamp: expect.any(Number),
      last_updated_timestamp: expect.any(Number),
    });
    const id = webhook['webhook_id'] as string;

    expect((await call(h.app, 'GET', `/webhooks/${id}`)).json).toStrictEqual({ webhook });
    expect((await call(h.app, 'GET', '/webhooks')).json).toStrictEqual({ webhooks: [webhook] });
    expect(
      (await call(h.app, 'GET', `/webhooks/${id}`, undefined, '/ajax-api/2.0/mlflow')).json,
    ).toStrictEqual({
      webhook,
    });

    const patched = await call(h.app, 'PATCH', `/webhooks/${id}`, { status: 'DISABLED', description: '' });
    expect(patched.status).toBe(200);
    expect(patched.json['webhook']).toMatchObject({
      ...webhook,
      status: 'DISABLED',
      last_updated_timestamp: expect.any(Number),
    });

    const renamed = await call(h.app, 'PATCH', `/webhooks/${id}`, {
      name: 'renamed',
      events: ['registered_model.created'],
      status: 1,
    });
    expect(renamed.json['webhook']).toMatchObject({
      name: 'renamed',
      url: 'https://example.com/hook',
      description: 'tell CI',
      status: 'ACTIVE',
      events: [{ entity: 'REGISTERED_MODEL', action: 'CREATED' }],
    });
    expect(JSON.stringify(renamed.json)).not.toContain('shh');

    expect(await call(h.app, 'DELETE', `/webhooks/${id}`)).toEqual({ status: 200, json: {} });
    expectError(
      await call(h.app, 'GET', `/webhooks/${id}`),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      `Webhook with ID ${id} not found.`,
    );
    expect((await call(h.app, 'GET', '/webhooks')).json).toStrictEqual({});
  });

  it('accepts events by proto number and as `entity.action` strings, and a DISABLED status', async () => {
    const created = await call(h.app, 'POST', '/webhooks', {
      name: 'numbers',
      url: 'https://example.com/hook',
      events: [{ entity: 3, action: 4 }, 'model_version.stage_transitioned'],
      status: 'DISABLED',
    });
    expect(created.json['webhook']).toMatchObject({
      events: [
        { entity: 'MODEL_VERSION_TAG', action: 'SET' },
        { entity: 'MODEL_VERSION', action: 'STAGE_TRANSITIONED' },
      ],
      status: 'DISABLED',
    });
  });

  it('pages listings with max_results and page_token', async () => {
    for (let i = 0; i < 3; i++) {
      await call(h.app, 'POST', '/webhooks', {
        name: `hook${i}`,
        url: 'https://example.com/h',
        events: [MV_CREATED],
      });
    }
    const first = await call(h.app, 'GET', '/webhooks?max_results=2');
    expect(first.json['webhooks']).toHaveLength(2);
    const token = first.json['next_page_token'] as string;
    expect(token).toEqual(expect.any(String));
    const second = await call(
      h.app,
      'GET',
      `/webhooks?max_results=2&page_token=${encodeURIComponent(token)}`,
    );
    expect(second.json['webhooks']).toHaveLength(1);
    expect(second.json['next_page_token']).toBeUndefined();
    const names = [
      ...(first.json['webhooks'] as { name: string }[]),
      ...(second.json['webhooks'] as { name: string }[]),
    ];
    expect(names.map((w) => w.name).sort()).toEqual(['hook0', 'hook1', 'hook2']);
    expectError(
      await call(h.app, 'GET', '/webhooks?max_results=1001'),
      400,
      'INVALID_PARAMETER_VALUE',
      'max_results must be between 1 and 1000.',
    );
  });

  it('rejects bad input with MLflow codes and messages', async () => {
    const ok = { name: 'hook', url: 'https://example.com/hook', events: [MV_CREATED] };
    const cases: [Record<string, unknown>, string | RegExp][] = [
      [{ ...ok, name: undefined }, "Missing value for required parameter 'name'."],
      [{ ...ok, url: undefined }, "Missing value for required parameter 'url'."],
      [{ ...ok, events: undefined }, "Missing value for required parameter 'events'."],
      [
        { ...ok, name: 'bad name!' },
        /^Webhook name 'bad name!' is invalid\. It must start and end with a letter or digit/,
      ],
      [{ ...ok, url: '   ' }, "Webhook URL cannot be empty or just whitespace: '   '"],
      [
        { ...ok, url: 'ftp://example.com/x' },
        "Invalid webhook URL scheme: 'ftp'. Allowed schemes are: http, https.",
      ],
      [{ ...ok, url: 'http://[invalid' }, /^Invalid webhook URL 'http:\/\/\[invalid'/],
      [{ ...ok, events: [] }, 'Webhook events must be a non-empty list of WebhookEvent objects: [].'],
      [
        { ...ok, events: [{ entity: 'REGISTERED_MODEL', action: 'DELETED' }] },
        "Invalid action 'deleted' for entity 'registered_model'. Valid actions are: ['created']",
      ],
      [
        { ...ok, events: [{ entity: 'EXPERIMENT', action: 'CREATED' }] },
        /parameter 'events\[0\]\.entity'.*It must be one of/,
      ],
      [
        { ...ok, events: [{ entity: 'MODEL_VERSION' }] },
        /Missing value for required parameter 'events\[0\]\.action'/,
      ],
      [{ ...ok, events: ['model_version.exploded'] }, /Invalid action 'exploded' for entity 'model_version'/],
      [{ ...ok, events: 'model_version.created' }, /parameter 'events'.*type 'str'/],
      [{ ...ok, status: 'PAUSED' }, /parameter 'status'.*It must be one of ACTIVE, DISABLED/],
    ];
    for (const [body, message] of cases) {
      expectError(await call(h.app, 'POST', '/webhooks', body), 400, 'INVALID_PARAMETER_VALUE', message);
    }
    expect((await call(h.app, 'GET', '/webhooks')).json).toStrictEqual({});

    for (const [method, path] of [
      ['GET', '/webhooks/nope'],
      ['PATCH', '/webhooks/nope'],
      ['DELETE', '/webhooks/nope'],
      ['POST', '/webhooks/nope/test'],
    ] as const) {
      expectError(
        await call(h.app, method, path, method === 'PATCH' ? { name: 'bad name!' } : undefined),
        404,
        'RESOURCE_DOES_NOT_EXIST',
        'Webhook with ID nope not found.',
      );
    }

    const id = ((await call(h.app, 'POST', '/webhooks', ok)).json['webhook'] as { webhook_id: string })
      .webhook_id;
    expectError(
      await call(h.app, 'PATCH', `/webhooks/${id}`, { url: 'gopher://x' }),
      400,
      'INVALID_PARAMETER_VALUE',
      /scheme/,
    );
    expect(((await call(h.app, 'GET', `/webhooks/${id}`)).json['webhook'] as { url: string }).url).toBe(
      ok.url,
    );
  });
});

describe('webhook URL policy', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('refuses private addresses unless allowed, and plain http by default (as MLflow)', async () => {
    const strict = await openHarness('sqlite', { allowPrivateIps: false, allowedSchemes: ['https', 'http'] });
    cleanups.push(() => strict.cleanup());
    const body = (url: string) => ({ name: 'hook', url, events: [MV_CREATED] });
    for (const [url, address] of [
      ['http://127.0.0.1:9/x', '127.0.0.1'],
      ['http://10.1.2.3/x', '10.1.2.3'],
      ['http://169.254.169.254/latest/meta-data', '169.254.169.254'],
      ['http://[::1]/x', '::1'],
      ['http://[::ffff:192.168.0.1]/x', '::ffff:c0a8:1'],
    ]) {
      const host = new URL(url!).hostname.replace(/^\[|\]$/g, '');
      expectError(
        await call(strict.app, 'POST', '/webhooks', body(url!)),
        400,
        'INVALID_PARAMETER_VALUE',
        `Webhook URL must not resolve to a non-public IP address. '${host}' resolves to ${address === '::ffff:c0a8:1' ? host : address}.`,
      );
    }
    expectError(
      await call(strict.app, 'POST', '/webhooks', body('http://localhost:9/x')),
      400,
      'INVALID_PARAMETER_VALUE',
      /^Webhook URL must not resolve to a non-public IP address\. 'localhost' resolves to /,
    );

    // Without a dispatcher, saved URLs follow MLflow's defaults: https only, public addresses only.
    const defaults = await openHarness('sqlite', { withoutDispatcher: true });
    cleanups.push(() => defaults.cleanup());
    expectError(
      await call(defaults.app, 'POST', '/webhooks', body('http://8.8.8.8/x')),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid webhook URL scheme: 'http'. Allowed schemes are: https.",
    );
    expect((await call(defaults.app, 'POST', '/webhooks', body('https://8.8.8.8/x'))).status).toBe(200);
    expectError(
      await call(defaults.app, 'POST', '/webhooks/whatever/test'),
      501,
      'NOT_IMPLEMENTED',
      /FEATURE_DISABLED/,
    );
  });

  it('classifies addresses as Python’s is_global does', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      expect(isGlobalAddress(address), address).toBe(true);
    }
    for (const address of [
      '127.0.0.1',
      '0.0.0.0',
      '10.0.0.1',
      '100.64.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '198.18.0.1',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '2001:db8::1',
      '::ffff:127.0.0.1',
      'not-an-ip',
    ]) {
      expect(isGlobalAddress(address), address).toBe(false);
    }
  });

  it('answers 501 when the server runs without webhooks', async () => {
    const off = await openHarness('sqlite', { withoutWebhooks: true });
    cleanups.push(() => off.cleanup());
    for (const [method, path] of [
      ['POST', '/webhooks'],
      ['GET', '/webhooks'],
      ['GET', '/webhooks/x'],
      ['PATCH', '/webhooks/x'],
      ['DELETE', '/webhooks/x'],
      ['POST', '/webhooks/x/test'],
    ] as const) {
      expectError(
        await call(off.app, method, path, method === 'GET' || method === 'DELETE' ? undefined : {}),
        501,
        'NOT_IMPLEMENTED',
        /disabled/,
      );
    }
  });
});

describe('webhook delivery', () => {
  let h: Harness;
  let receiver: Receiver;
  const harnessOptions: { current: HarnessOptions } = { current: {} };

  async function start(options: HarnessOptions = {}): Promise<void> {
    harnessOptions.current = options;
    h = await openHarness('sqlite', options);
  }

  async function hook(
    events: WebhookEventName[] = ['model_version.created'],
    extra: Record<string, unknown> = {},
  ) {
    const created = await call(h.app, 'POST', '/webhooks', {
      name: 'hook',
      url: receiver.url,
      events,
      ...extra,
    });
    expect(created.status, JSON.stringify(created.json)).toBe(200);
    return (created.json['webhook'] as { webhook_id: string }).webhook_id;
  }

  const payload: WebhookPayloads['model_version.created'] = {
    name: 'm',
    version: '1',
    source: 's3://b/m',
    run_id: null,
    tags: {},
    description: null,
  };

  beforeEach(async () => {
    receiver = await new Receiver().start();
  });
  afterEach(async () => {
    await h?.cleanup();
    await receiver.stop();
  });

  it('signs deliveries as MLflow does: delivery id, timestamp and HMAC-SHA256 over id.timestamp.body', async () => {
    await start();
    await hook(['model_version.created'], { secret: 'top-secret' });
    const before = Math.floor(Date.now() / 1000);
    h.dispatcher.emit('model_version.created', payload);
    await h.dispatcher.flush();

    expect(receiver.requests).toHaveLength(1);
    const { headers, body } = receiver.requests[0]!;
    expect(headers['content-type']).toBe('application/json');
    const deliveryId = headers['x-mlflow-delivery-id'] as string;
    const timestamp = headers['x-mlflow-timestamp'] as string;
    expect(deliveryId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number(timestamp)).toBeGreaterThanOrEqual(before);
    expect(Number(timestamp)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    const expected = createHmac('sha256', 'top-secret')
      .update(`${deliveryId}.${timestamp}.${body}`)
      .digest('base64');
    expect(headers['x-mlflow-signature']).toBe(`v1,${expected}`);
    expect(
      verifyDelivery('top-secret', deliveryId, timestamp, body, headers['x-mlflow-signature'] as string),
    ).toBe(true);
    expect(
      verifyDelivery('wrong', deliveryId, timestamp, body, headers['x-mlflow-signature'] as string),
    ).toBe(false);

    expect(receiver.json(0)).toStrictEqual({
      entity: 'model_version',
      action: 'created',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/),
      data: payload,
    });
    expect(h.reports).toMatchObject([
      { success: true, attempts: 1, event: 'model_version.created', deliveryId },
    ]);
  });

  it('sends unsigned requests for webhooks without a secret, and nothing to disabled or unsubscribed ones', async () => {
    await start();
    await hook();
    await hook(['model_version.created'], { status: 'DISABLED' });
    await hook(['registered_model.created']);
    h.dispatcher.emit('model_version.created', payload);
    await h.dispatcher.flush();
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.headers['x-mlflow-signature']).toBeUndefined();
    expect(receiver.requests[0]!.headers['x-mlflow-delivery-id']).toEqual(expect.any(String));
  });

  it('retries after 500 and 429 with the same delivery id and signature, then succeeds', async () => {
    await start();
    await hook(['model_version.created'], { secret: 's' });
    receiver.reply(
      { status: 500 },
      { status: 429, headers: { 'retry-after': '0' } },
      { status: 200, body: 'fine' },
    );
    h.dispatcher.emit('model_version.created', payload);
    await h.dispatcher.flush();
    expect(receiver.requests).toHaveLength(3);
    const ids = receiver.requests.map((r) => r.headers['x-mlflow-delivery-id']);
    const signatures = receiver.requests.map((r) => r.headers['x-mlflow-signature']);
    expect(new Set(ids).size).toBe(1);
    expect(new Set(signatures).size).toBe(1);
    expect(new Set(receiver.requests.map((r) => r.body)).size).toBe(1);
    expect(h.reports).toMatchObject([
      { success: true, attempts: 3, response: { status: 200, body: 'fine' } },
    ]);
  });

  it('gives up after max retries on 5xx, and does not retry 4xx other than 429', async () => {
    await start({ maxRetries: 2 });
    await hook();
    receiver.reply({ status: 503 }, { status: 502 }, { status: 504 }, { status: 200 });
    h.dispatcher.emit('model_version.created', payload);
    await h.dispatcher.flush();
    expect(receiver.requests).toHaveLength(3);
    expect(h.reports).toMatchObject([{ success: false, attempts: 3, response: { status: 504 } }]);
    expect(h.logs.join('\n')).toMatch(/failed for model_version\.created after 3 attempt\(s\): HTTP 504/);

    receiver.requests.length = 0;
    receiver.replies.length = 0;
    receiver.reply({ status: 400, body: 'no' });
    h.dispatcher.emit('model_version.created', payload);
    await h.dispatcher.flush();
    expect(receiver.requests).toHaveLength(1);
    expect(h.reports[1]).toMatchObject({
      success: false,
      attempts: 1,
      response: { status: 400, body: 'no' },
    });
  });

  it('times out slow receivers and retries them', async () => {
    await start({ timeoutMs: 100, maxRetries: 1 });
    await hook();
    receiver.reply({ status: 200, delayMs: 1_000 }, { status: 200, delayMs: 1_000 });
    h.dispatcher.emit('model_version.created', payload);
    await h.dispatcher.flush();
    expect(receiver.requests).toHaveLength(2);
    expect(h.reports).toHaveLength(1);
    expect(h.reports[0]).toMatchObject({ success: false, attempts: 2 });
    expect(h.reports[0]!.error?.message).toMatch(/timed out after 100 ms/);
  });

  it('retries network errors', async () => {
    await start({ maxRetries: 1 });
    await hook();
    await receiver.stop();
    h.dispatcher.emit('model_version.created', payload);
    await h.dispatcher.flush();
    expect(h.reports).toMatchObject([{ success: false, attempts: 2 }]);
    expect(h.reports[0]!.error?.message).toMatch(/ECONNREFUSED/);
  });

  it('never delays the emitter: emit returns before the receiver answers', async () => {
    await start();
    await hook();
    const held = gate();
    receiver.reply({ status: 200, until: held.promise });
    h.dispatcher.emit('model_version.created', payload);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(h.reports).toHaveLength(0);
    held.open();
    await h.dispatcher.flush();
    expect(h.reports).toMatchObject([{ success: true }]);
  });

  it('re-checks the URL policy at delivery time', async () => {
    await start({ allowPrivateIps: false });
    // Saved directly in the store, bypassing the API's check (as a webhook saved under an older policy).
    await h.webhooks.createWebhook({ name: 'old', url: receiver.url, events: ['model_version.created'] });
    h.dispatcher.emit('model_version.created', payload);
    await h.dispatcher.flush();
    expect(receiver.requests).toHaveLength(0);
    expect(h.reports).toMatchObject([{ success: false, attempts: 0 }]);
    expect(h.reports[0]!.error?.message).toMatch(/non-public IP address/);
  });

  it('sees webhooks created through the API at once, despite its cache', async () => {
    await start();
    h.dispatcher.emit('model_version.created', payload);
    await h.dispatcher.flush();
    await hook();
    h.dispatcher.emit('model_version.created', payload);
    await h.dispatcher.flush();
    expect(receiver.requests).toHaveLength(1);
  });

  it('does not deliver when the secret cannot be decrypted', async () => {
    await start();
    const id = await hook(['model_version.created'], { secret: 's' });
    const other = new WebhookDispatcher({
      store: new SqlWebhookStore(h.tracking, { secretKey: 'another-key-another-key-another-key-0' }),
      env: {},
      allowPrivateIps: true,
      allowedSchemes: ['http'],
      log: () => {},
      onDelivery: (r) => h.reports.push(r),
    });
    other.emit('model_version.created', payload);
    await other.close();
    expect(receiver.requests).toHaveLength(0);
    expect(h.reports).toMatchObject([{ webhookId: id, success: false }]);
    expect(h.reports[0]!.error?.message).toMatch(/encrypted with a key this server does not have/);
  });

  it('close() waits for deliveries in progress and then refuses new events', async () => {
    await start();
    await hook();
    receiver.reply({ status: 200, delayMs: 200 });
    h.dispatcher.emit('model_version.created', payload);
    await h.dispatcher.close();
    expect(h.reports).toMatchObject([{ success: true }]);
    h.dispatcher.emit('model_version.created', payload);
    await h.dispatcher.flush();
    expect(receiver.requests).toHaveLength(1);
    expect(h.logs.join('\n')).toMatch(/dropped: the dispatcher is closed/);
  });

  it('limits deliveries in progress to maxConcurrency', async () => {
    await start({ maxConcurrency: 2 });
    for (let i = 0; i < 5; i++) await hook();
    let inProgress = 0;
    let most = 0;
    for (let i = 0; i < 5; i++) receiver.reply({ status: 200, delayMs: 50 });
    const counting = setInterval(() => {
      inProgress = receiver.requests.length - h.reports.length;
      most = Math.max(most, inProgress);
    }, 5);
    h.dispatcher.emit('model_version.created', payload);
    await h.dispatcher.flush();
    clearInterval(counting);
    expect(receiver.requests).toHaveLength(5);
    expect(most).toBeLessThanOrEqual(2);
  });

  it('delivers events of registry writes made through the REST API', async () => {
    await start();
    await hook(['registered_model.created', 'model_version.created', 'model_version.stage_transitioned']);
    expect((await call(h.app, 'POST', '/registered-models/create', { name: 'rest-model' })).status).toBe(200);
    const mv = await call(h.app, 'POST', '/model-versions/create', {
      name: 'rest-model',
      source: 's3://bucket/model',
      tags: [{ key: 'k', value: 'v' }],
    });
    expect(mv.status, JSON.stringify(mv.json)).toBe(200);
    const moved = await call(h.app, 'POST', '/model-versions/transition-stage', {
      name: 'rest-model',
      version: '1',
      stage: 'production',
      archive_existing_versions: false,
    });
    expect(moved.status, JSON.stringify(moved.json)).toBe(200);
    await h.dispatcher.flush();
    const bodies = receiver.requests.map(
      (r) => JSON.parse(r.body) as { entity: string; action: string; data: unknown },
    );
    expect(bodies.map((b) => ({ entity: b.entity, action: b.action, data: b.data }))).toEqual(
      expect.arrayContaining([
        {
          entity: 'registered_model',
          action: 'created',
          data: { name: 'rest-model', tags: {}, description: '' },
        },
        {
          entity: 'model_version',
          action: 'created',
          data: {
            name: 'rest-model',
            version: '1',
            source: 's3://bucket/model',
            run_id: null,
            tags: { k: 'v' },
            description: null,
          },
        },
        {
          entity: 'model_version',
          action: 'stage_transitioned',
          data: { name: 'rest-model', version: '1', from_stage: 'None', to_stage: 'Production' },
        },
      ]),
    );
    expect(bodies).toHaveLength(3);
  });

  describe('test endpoint', () => {
    it('sends the example payload of the first event, signed, and reports the answer', async () => {
      await start();
      const id = await hook(['model_version_tag.set', 'model_version.created'], { secret: 'k' });
      receiver.reply({ status: 201, body: 'received' });
      const answer = await call(h.app, 'POST', `/webhooks/${id}/test`, {});
      expect(answer).toEqual({
        status: 200,
        json: { result: { success: true, response_status: 201, response_body: 'received' } },
      });
      expect(receiver.json(0)).toMatchObject({
        entity: 'model_version_tag',
        action: 'set',
        data: EXAMPLE_PAYLOADS['model_version_tag.set'],
      });
      const { headers, body } = receiver.requests[0]!;
      expect(
        verifyDelivery(
          'k',
          headers['x-mlflow-delivery-id'] as string,
          headers['x-mlflow-timestamp'] as string,
          body,
          headers['x-mlflow-signature'] as string,
        ),
      ).toBe(true);
    });

    it('uses the event asked for, even on a disabled webhook', async () => {
      await start();
      const id = await hook(['model_version.created'], { status: 'DISABLED' });
      const answer = await call(h.app, 'POST', `/webhooks/${id}/test`, {
        event: { entity: 'REGISTERED_MODEL', action: 'CREATED' },
      });
      expect(answer.json).toEqual({ result: { success: true, response_status: 200, response_body: 'ok' } });
      expect(receiver.json(0)).toMatchObject({
        entity: 'registered_model',
        action: 'created',
        data: {
          name: 'example_model',
          tags: { example_key: 'example_value' },
          description: 'An example registered model',
        },
      });
    });

    it('reports failing statuses and unreachable receivers', async () => {
      await start({ maxRetries: 0 });
      const id = await hook();
      receiver.reply({ status: 404, body: 'nothing here' });
      expect((await call(h.app, 'POST', `/webhooks/${id}/test`)).json).toEqual({
        result: { success: false, response_status: 404, response_body: 'nothing here' },
      });
      await receiver.stop();
      const { json } = await call(h.app, 'POST', `/webhooks/${id}/test`);
      expect(json).toEqual({
        result: {
          success: false,
          error_message: expect.stringMatching(/^Failed to test webhook: .*ECONNREFUSED/),
        },
      });
    });
  });
});

describe('retry delays', () => {
  it("follow MLflow's defaults: 1s, 2s, 4s… plus up to 1s of jitter, at most 60s, and honour Retry-After", () => {
    const policy = { baseMs: 1_000, maxMs: 60_000, jitterMs: 1_000 };
    for (const [n, base] of [
      [1, 1_000],
      [2, 2_000],
      [3, 4_000],
    ] as const) {
      const delay = retryDelayMs(policy, n);
      expect(delay).toBeGreaterThanOrEqual(base);
      expect(delay).toBeLessThan(base + 1_000);
    }
    expect(retryDelayMs(policy, 10)).toBe(60_000);
    const asking = (value: string) => ({ status: 429, headers: { 'retry-after': value }, body: '' });
    expect(retryDelayMs(policy, 1, asking('30'))).toBe(30_000);
    expect(retryDelayMs(policy, 1, asking('3600'))).toBe(60_000);
    expect(retryDelayMs({ ...policy, jitterMs: 0 }, 2, asking('1'))).toBe(2_000);
  });
});

// ---------------------------------------------------------------------------------------------------

class RecordingEmitter implements WebhookEmitter {
  readonly events: EmittedEvent[] = [];
  private readonly pending: Promise<unknown>[] = [];

  emit<E extends WebhookEventName>(event: E, payload: WebhookPayloads[E]): void {
    this.events.push({ event, payload } as EmittedEvent);
  }

  emitLater(resolve: () => Promise<EmittedEvent | undefined>): void {
    this.pending.push(resolve().then((e) => e && this.events.push(e)));
  }

  async settled(): Promise<EmittedEvent[]> {
    await Promise.all(this.pending.splice(0));
    return this.events.splice(0);
  }
}

describe('registry events decorator', () => {
  let h: Harness;
  let emitter: RecordingEmitter;
  let registry: RegistryStore;
  beforeEach(async () => {
    h = await openHarness('sqlite');
    emitter = new RecordingEmitter();
    registry = withWebhookEvents(new SqlRegistryStore(h.tracking), emitter);
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it("emits MLflow's model events with MLflow's payloads after each successful write", async () => {
    await registry.createRegisteredModel({ name: 'm', tags: [{ key: 't', value: '1' }] });
    expect(await emitter.settled()).toEqual([
      { event: 'registered_model.created', payload: { name: 'm', tags: { t: '1' }, description: '' } },
    ]);

    await registry.createModelVersion({
      name: 'm',
      source: 's3://bucket/model',
      runId: 'abc123',
      description: 'first',
      tags: [{ key: 'k', value: 'v' }],
    });
    await registry.createModelVersion({ name: 'm', source: 's3://bucket/model2' });
    expect(await emitter.settled()).toEqual([
      {
        event: 'model_version.created',
        payload: {
          name: 'm',
          version: '1',
          source: 's3://bucket/model',
          run_id: 'abc123',
          tags: { k: 'v' },
          description: 'first',
        },
      },
      {
        event: 'model_version.created',
        payload: {
          name: 'm',
          version: '2',
          source: 's3://bucket/model2',
          run_id: null,
          tags: {},
          description: null,
        },
      },
    ]);

    await registry.setModelVersionTag('m', 1, { key: 'stage', value: 'qa' });
    await registry.deleteModelVersionTag('m', 1, 'stage');
    await registry.setRegisteredModelAlias('m', 'champion', 2);
    await registry.deleteRegisteredModelAlias('m', 'champion');
    await registry.setRegisteredModelTag('m', { key: 'team', value: 'a' });
    await registry.deleteRegisteredModelTag('m', 'team');
    expect(await emitter.settled()).toEqual([
      { event: 'model_version_tag.set', payload: { name: 'm', version: '1', key: 'stage', value: 'qa' } },
      { event: 'model_version_tag.deleted', payload: { name: 'm', version: '1', key: 'stage' } },
      { event: 'model_version_alias.created', payload: { name: 'm', alias: 'champion', version: '2' } },
      { event: 'model_version_alias.deleted', payload: { name: 'm', alias: 'champion' } },
    ]);
  });

  it('emits model_version.stage_transitioned (a Ferry extension) when the stage changes', async () => {
    await registry.createRegisteredModel({ name: 'm' });
    await registry.createModelVersion({ name: 'm', source: 's3://b/m' });
    await emitter.settled();
    await registry.transitionModelVersionStage('m', 1, 'Staging', false);
    await registry.transitionModelVersionStage('m', 1, 'Production', true);
    await registry.transitionModelVersionStage('m', 1, 'Production', false);
    expect(await emitter.settled()).toEqual([
      {
        event: 'model_version.stage_transitioned',
        payload: { name: 'm', version: '1', from_stage: 'None', to_stage: 'Staging' },
      },
      {
        event: 'model_version.stage_transitioned',
        payload: { name: 'm', version: '1', from_stage: 'Staging', to_stage: 'Production' },
      },
    ]);
  });

  it('emits prompt events for prompts, as MLflow does, with its internal tags left out', async () => {
    await registry.createRegisteredModel({
      name: 'greeting',
      description: 'says hi',
      tags: [
        { key: 'mlflow.prompt.is_prompt', value: 'true' },
        { key: '_mlflow_prompt_type', value: 'text' },
        { key: 'team', value: 'a' },
      ],
    });
    await registry.createModelVersion({
      name: 'greeting',
      source: 'prompt-template',
      tags: [
        { key: 'mlflow.prompt.is_prompt', value: 'true' },
        { key: 'mlflow.prompt.text', value: 'Hello {{name}}!' },
        { key: 'lang', value: 'en' },
      ],
    });
    await registry.setModelVersionTag('greeting', 1, { key: 'k', value: 'v' });
    await registry.deleteModelVersionTag('greeting', 1, 'k');
    await registry.setRegisteredModelAlias('greeting', 'prod', 1);
    await registry.deleteRegisteredModelAlias('greeting', 'prod');
    await registry.setRegisteredModelTag('greeting', { key: 'owner', value: 'me' });
    await registry.deleteRegisteredModelTag('greeting', 'owner');
    expect(await emitter.settled()).toEqual([
      { event: 'prompt.created', payload: { name: 'greeting', tags: { team: 'a' }, description: 'says hi' } },
      {
        event: 'prompt_version.created',
        payload: {
          name: 'greeting',
          version: '1',
          template: 'Hello {{name}}!',
          tags: { lang: 'en' },
          description: null,
        },
      },
      { event: 'prompt_version_tag.set', payload: { name: 'greeting', version: '1', key: 'k', value: 'v' } },
      { event: 'prompt_version_tag.deleted', payload: { name: 'greeting', version: '1', key: 'k' } },
      { event: 'prompt_alias.created', payload: { name: 'greeting', alias: 'prod', version: '1' } },
      { event: 'prompt_alias.deleted', payload: { name: 'greeting', alias: 'prod' } },
      { event: 'prompt_tag.set', payload: { name: 'greeting', key: 'owner', value: 'me' } },
      { event: 'prompt_tag.deleted', payload: { name: 'greeting', key: 'owner' } },
    ]);
  });

  it('emits nothing when the write fails, and passes every other method through', async () => {
    await expect(registry.createModelVersion({ name: 'missing', source: 's3://b/m' })).rejects.toThrow();
    await expect(registry.setRegisteredModelAlias('missing', 'a', 1)).rejects.toThrow();
    await expect(registry.transitionModelVersionStage('missing', 1, 'Staging', false)).rejects.toThrow();
    await registry.createRegisteredModel({ name: 'm' });
    await expect(registry.createRegisteredModel({ name: 'm' })).rejects.toThrow(/already exists/);
    expect(await emitter.settled()).toHaveLength(1);
    expect((await registry.getRegisteredModel('m')).name).toBe('m');
    await registry.deleteRegisteredModel('m');
    expect(await emitter.settled()).toEqual([]);
  });

  it('delivers decorated registry writes end to end, without making them wait', async () => {
    const receiver = await new Receiver().start();
    try {
      await call(h.app, 'POST', '/webhooks', {
        name: 'all',
        url: receiver.url,
        events: ['registered_model.created', 'model_version.created', 'model_version_alias.created'],
        secret: 'e2e',
      });
      // The receiver answers nothing until the writes are done: were they waiting, they would hang.
      const held = gate();
      for (let i = 0; i < 3; i++) receiver.reply({ status: 200, until: held.promise });
      const live = withWebhookEvents(new SqlRegistryStore(h.tracking), h.dispatcher);
      await live.createRegisteredModel({ name: 'e2e' });
      await live.createModelVersion({ name: 'e2e', source: 's3://b/e2e' });
      await live.setRegisteredModelAlias('e2e', 'champion', 1);
      held.open();
      await h.dispatcher.flush();
      const got = receiver.requests.map(
        (r) => JSON.parse(r.body) as { entity: string; action: string; data: unknown },
      );
      expect(got.map((b) => `${b.entity}.${b.action}`).sort()).toEqual([
        'model_version.created',
        'model_version_alias.created',
        'registered_model.created',
      ]);
      expect(got.find((b) => b.entity === 'model_version_alias')?.data).toEqual({
        name: 'e2e',
        alias: 'champion',
        version: '1',
      });
      for (const { headers, body } of receiver.requests) {
        const sig = headers['x-mlflow-signature'] as string;
        expect(
          verifyDelivery(
            'e2e',
            headers['x-mlflow-delivery-id'] as string,
            headers['x-mlflow-timestamp'] as string,
            body,
            sig,
          ),
        ).toBe(true);
      }
    } finally {
      await receiver.stop();
    }
  });
});
