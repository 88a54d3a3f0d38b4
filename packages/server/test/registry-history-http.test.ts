/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely here; shapes are asserted */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Hono } from 'hono';
import { sqlStores } from '@ferry/store';
import { createApp, withWebhookEvents } from '../src/index.js';
import type { EmittedEvent, WebhookEmitter } from '../src/index.js';
import { BACKEND_NAMES, createTestApp } from './helpers/test-app.js';
import type { TestApp } from './helpers/test-app.js';

// Ferry's model-version history endpoint, on an app whose registry is wrapped in the webhook
// decorator as `ferry server` wraps it: the decorator must pass the history read through.

class CollectingEmitter implements WebhookEmitter {
  readonly events: string[] = [];
  emit(event: string): void {
    this.events.push(event);
  }
  emitLater(resolve: () => Promise<EmittedEvent | undefined>): void {
    void resolve().then((e) => e && this.events.push(e.event));
  }
}

let t: TestApp;
let app: Hono;

async function send(method: string, path: string, body?: unknown, prefix = '/api/2.0/mlflow') {
  const res = await app.request(`${prefix}/${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, any>) : {} };
}

const history = (name: string, version: string, prefix?: string) =>
  send('GET', `model-versions/get-history?${new URLSearchParams({ name, version })}`, undefined, prefix);

describe.each(BACKEND_NAMES)('model version history over HTTP on %s', (backend) => {
  beforeEach(async () => {
    t = await createTestApp(backend);
    const stores = sqlStores(t.store);
    app = createApp(
      {
        ...stores,
        registry: withWebhookEvents(stores.registry, new CollectingEmitter()),
        artifactProxy: t.artifacts,
      },
      { log: () => {} },
    );
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('answers {events} newest first in snake_case, under /api and /ajax-api', async () => {
    await send('POST', 'registered-models/create', { name: 'm' });
    await send('POST', 'model-versions/create', { name: 'm', source: 's3://b/1' });
    await send('POST', 'model-versions/create', { name: 'm', source: 's3://b/2' });
    await send('POST', 'model-versions/transition-stage', { name: 'm', version: '1', stage: 'production' });
    await send('POST', 'model-versions/transition-stage', {
      name: 'm',
      version: '2',
      stage: 'Production',
      archive_existing_versions: true,
    });
    await send('POST', 'registered-models/alias', { name: 'm', alias: 'champion', version: '1' });
    await send('POST', 'registered-models/alias', { name: 'm', alias: 'champion', version: '2' });

    const one = await history('m', '1');
    expect(one.status, JSON.stringify(one.json)).toBe(200);
    expect(one.json.events.map(({ id: _id, timestamp: _ts, ...rest }: any) => rest)).toEqual([
      { name: 'm', version: '1', kind: 'alias_removed', alias: 'champion' },
      { name: 'm', version: '1', kind: 'alias_set', alias: 'champion' },
      { name: 'm', version: '1', kind: 'stage_transition', from_stage: 'Production', to_stage: 'Archived' },
      { name: 'm', version: '1', kind: 'stage_transition', from_stage: 'None', to_stage: 'Production' },
      { name: 'm', version: '1', kind: 'created', to_stage: 'None' },
    ]);
    for (const e of one.json.events) {
      expect(typeof e.id).toBe('string');
      expect(typeof e.timestamp).toBe('number');
    }
    const ajax = await history('m', '1', '/ajax-api/2.0/mlflow');
    expect(ajax.json).toEqual(one.json);

    const two = await history('m', '2');
    expect(two.json.events.map((e: any) => e.kind)).toEqual(['alias_set', 'stage_transition', 'created']);
  });

  it('follows the model through a rename and goes with a deleted version', async () => {
    await send('POST', 'registered-models/create', { name: 'a' });
    await send('POST', 'model-versions/create', { name: 'a', source: 's3://b/1' });
    await send('POST', 'registered-models/rename', { name: 'a', new_name: 'b' });
    const renamed = await history('b', '1');
    expect(renamed.json.events).toMatchObject([{ name: 'b', version: '1', kind: 'created' }]);
    await send('DELETE', 'model-versions/delete', { name: 'b', version: '1' });
    const gone = await history('b', '1');
    expect(gone.status).toBe(404);
    expect(gone.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('404s unknown models and versions; 400s a version that is not an integer', async () => {
    await send('POST', 'registered-models/create', { name: 'm' });
    const model = await history('nope', '1');
    expect(model.status).toBe(404);
    expect(model.json).toMatchObject({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: 'Registered Model with name=nope not found',
    });
    const version = await history('m', '3');
    expect(version.status).toBe(404);
    expect(version.json).toMatchObject({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: 'Model Version (name=m, version=3) not found',
    });
    const bad = await history('m', 'one');
    expect(bad.status).toBe(400);
    expect(bad.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    const missing = await send('GET', 'model-versions/get-history?name=m');
    expect(missing.status).toBe(400);
    expect(missing.json.error_code).toBe('INVALID_PARAMETER_VALUE');
  });
});
