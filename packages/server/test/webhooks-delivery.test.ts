import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqlWebhookStore } from '@ferry/store';
import type { WebhookEventName } from '@ferry/store';
import { retryDelayMs } from '../src/webhooks/delivery.js';
import { EXAMPLE_PAYLOADS, WebhookDispatcher, verifyDelivery } from '../src/webhooks/index.js';
import type { WebhookPayloads } from '../src/webhooks/index.js';
import { Receiver, call, gate, openHarness } from './helpers/webhook-harness.js';
import type { Harness, HarnessOptions } from './helpers/webhook-harness.js';

// Delivering events to receivers: signing, retries, timeouts, the dispatcher and the test endpoint.

describe('webhook delivery', () => {
  let h: Harness;
  let receiver: Receiver;

  async function start(options: HarnessOptions = {}): Promise<void> {
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
