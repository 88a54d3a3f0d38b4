import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlTrackingStore, sqlStores, sqliteAdapter } from '@ferry/store';
import { createApp } from '../src/index.js';

describe('web UI serving (uiRoot)', () => {
  let dir: string;
  let store: SqlTrackingStore;
  const INDEX = '<!doctype html><title>Ferry</title><script src="./assets/app-abc123.js"></script>';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-ui-'));
    const ui = join(dir, 'ui');
    await mkdir(join(ui, 'assets'), { recursive: true });
    await writeFile(join(ui, 'index.html'), INDEX);
    await writeFile(join(ui, 'assets', 'app-abc123.js'), 'console.log(1)');
    await writeFile(join(ui, 'assets', 'app-abc123.css'), 'body{}');
    await writeFile(join(ui, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    store = new SqlTrackingStore({ adapter: sqliteAdapter(join(dir, 'ferry.db')), defaultArtifactRoot: dir });
    await store.open();
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const app = (staticPrefix?: string) =>
    createApp(sqlStores(store), {
      log: () => {},
      uiRoot: join(dir, 'ui'),
      ...(staticPrefix ? { staticPrefix } : {}),
    });

  it('answers / with index.html, not cached', async () => {
    const res = await app().request('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toBe(INDEX);
  });

  it('serves hashed assets with their content type and a long cache lifetime', async () => {
    const js = await app().request('/assets/app-abc123.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await js.text()).toBe('console.log(1)');
    const css = await app().request('/assets/app-abc123.css');
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    const icon = await app().request('/favicon.svg');
    expect(icon.status).toBe(200);
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers 404 for unknown files and refuses to leave the folder', async () => {
    const missing = await app().request('/assets/nope-123.js');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error_code: 'ENDPOINT_NOT_FOUND' });
    expect((await app().request('/assets/../../ferry.db')).status).toBe(404);
    expect((await app().request('/assets/%2e%2e/%2e%2e/ferry.db')).status).toBe(404);
  });

  it('keeps the API answering, including its 405 for a wrong method', async () => {
    const res = await app().request('/ajax-api/2.0/mlflow/experiments/search', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"max_results": 10}',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ experiments: [{ name: 'Default' }] });
    expect((await app().request('/api/2.0/mlflow/experiments/get?experiment_id=0')).status).toBe(200);
    expect((await app().request('/health')).status).toBe(200);
    expect((await app().request('/api/2.0/mlflow/runs/create')).status).toBe(405);
  });

  it('serves the UI under --static-prefix, redirecting the bare prefix to its folder', async () => {
    const prefixed = app('/mlflow');
    const index = await prefixed.request('/mlflow/');
    expect(index.status).toBe(200);
    expect(await index.text()).toBe(INDEX);
    const bare = await prefixed.request('/mlflow');
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/mlflow/');
    expect((await prefixed.request('/mlflow/assets/app-abc123.js')).status).toBe(200);
    expect((await prefixed.request('/assets/app-abc123.js')).status).toBe(404);
  });

  it('serves no UI without uiRoot', async () => {
    const plain = createApp(sqlStores(store), { log: () => {} });
    expect((await plain.request('/')).status).toBe(404);
  });
});
