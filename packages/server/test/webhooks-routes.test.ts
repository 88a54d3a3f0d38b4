import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKEND_NAMES } from './helpers/test-app.js';
import { MV_CREATED, call, expectError, openHarness } from './helpers/webhook-harness.js';
import type { Harness } from './helpers/webhook-harness.js';

// The webhook REST API: create, get, list, update and delete, and bad input, on every backend.

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
