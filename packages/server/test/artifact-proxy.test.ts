import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqlStores } from '@ferry/store';
import { createApp } from '../src/index.js';
import { createTestApp } from './helpers/test-app.js';
import type { TestApp } from './helpers/test-app.js';

const BASE = '/api/2.0/mlflow-artifacts';
let t: TestApp;
let runId: string;

beforeEach(async () => {
  t = await createTestApp();
  const res = await t.app.request('/api/2.0/mlflow/runs/create', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ experiment_id: '0' }),
  });
  runId = ((await res.json()) as { run: { info: { run_id: string } } }).run.info.run_id;
});
afterEach(async () => {
  await t.cleanup();
});

describe('mlflow-artifacts proxy', () => {
  it('uploads, lists, downloads and deletes a run artifact', async () => {
    const root = `0/${runId}/artifacts`;
    const bytes = Buffer.from([0, 1, 2, 255, 254]);
    expect(
      (await t.app.request(`${BASE}/artifacts/${root}/model/weights.bin`, { method: 'PUT', body: bytes }))
        .status,
    ).toBe(200);
    expect(
      (await t.app.request(`${BASE}/artifacts/${root}/notes.txt`, { method: 'PUT', body: 'hello' })).status,
    ).toBe(200);

    const listing = await (await t.app.request(`${BASE}/artifacts?path=${root}`)).json();
    expect(listing).toEqual({
      files: [
        { path: 'model', is_dir: true },
        { path: 'notes.txt', is_dir: false, file_size: 5 },
      ],
    });
    const runListing = await (
      await t.app.request(`/api/2.0/mlflow/artifacts/list?run_id=${runId}&path=model`)
    ).json();
    expect(runListing).toEqual({
      root_uri: `mlflow-artifacts:/0/${runId}/artifacts`,
      files: [{ path: 'model/weights.bin', is_dir: false, file_size: 5 }],
    });

    const download = await t.app.request(`${BASE}/artifacts/${root}/model/weights.bin`);
    expect(download.headers.get('content-type')).toBe('application/octet-stream');
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="weights.bin"');
    expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes);
    const viaUi = await t.app.request(`/get-artifact?run_id=${runId}&path=notes.txt`);
    expect(await viaUi.text()).toBe('hello');
    expect(viaUi.headers.get('content-type')).toMatch(/^text\/plain/);

    expect((await t.app.request(`${BASE}/artifacts/${root}/model`, { method: 'DELETE' })).status).toBe(200);
    expect((await t.app.request(`${BASE}/artifacts/${root}/model/weights.bin`)).status).toBe(404);
  });

  it('serves HTML artifacts as plain text so they cannot run script', async () => {
    await t.app.request(`${BASE}/artifacts/x/page.html`, {
      method: 'PUT',
      body: '<script>alert(1)</script>',
    });
    const res = await t.app.request(`${BASE}/artifacts/x/page.html`);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('completes a multipart upload through the URLs it hands out', async () => {
    const key = `0/${runId}/artifacts/big.bin`;
    const create = await t.app.request(`http://ferry.test${BASE}/mpu/create/${key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: key, num_parts: 2 }),
    });
    expect(create.status).toBe(200);
    const { upload_id, credentials } = (await create.json()) as {
      upload_id: string;
      credentials: { part_number: number; url: string }[];
    };
    expect(credentials.map((c) => c.part_number)).toEqual([1, 2]);
    const parts = [Buffer.alloc(5 * 1024 * 1024, 1), Buffer.from('tail')];
    const etags: { part_number: number; etag: string }[] = [];
    for (const [i, c] of credentials.entries()) {
      expect(c.url.startsWith(`http://ferry.test${BASE}/mpu/upload-part/`)).toBe(true);
      const res = await t.app.request(c.url, { method: 'PUT', body: parts[i] });
      expect(res.status).toBe(200);
      etags.push({ part_number: c.part_number, etag: res.headers.get('etag')! });
    }
    expect(etags[1]!.etag).toBe(`"${createHash('md5').update(parts[1]!).digest('hex')}"`);
    const complete = await t.app.request(`${BASE}/mpu/complete/${key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: key, upload_id, parts: etags }),
    });
    expect(complete.status).toBe(200);
    const file = Buffer.from(await (await t.app.request(`${BASE}/artifacts/${key}`)).arrayBuffer());
    expect(file.length).toBe(parts[0]!.length + 4);
    expect(file.subarray(-4).toString()).toBe('tail');
  });

  it('aborts a multipart upload and rejects a wrong ETag', async () => {
    const key = 'x/y.bin';
    const mpu = async () => {
      const res = await t.app.request(`${BASE}/mpu/create/${key}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ path: key, num_parts: 1 }),
      });
      return (await res.json()) as { upload_id: string; credentials: { url: string }[] };
    };
    const first = await mpu();
    await t.app.request(first.credentials[0]!.url, { method: 'PUT', body: 'data' });
    const bad = await t.app.request(`${BASE}/mpu/complete/${key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        path: key,
        upload_id: first.upload_id,
        parts: [{ part_number: 1, etag: '"nope"' }],
      }),
    });
    expect(bad.status).toBe(400);
    const abort = await t.app.request(`${BASE}/mpu/abort/${key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: key, upload_id: first.upload_id }),
    });
    expect(abort.status).toBe(200);
    expect((await t.app.request(`${BASE}/artifacts/${key}`)).status).toBe(404);
  });

  it('answers 503 on every proxy route when artifacts are not served', async () => {
    const app = createApp({ ...sqlStores(t.store) }, { log: () => {} });
    for (const [method, path] of [
      ['GET', `${BASE}/artifacts?path=x`],
      ['GET', `${BASE}/artifacts/x`],
      ['PUT', `${BASE}/artifacts/x`],
      ['DELETE', `${BASE}/artifacts/x`],
      ['POST', `${BASE}/mpu/create/x`],
    ] as const) {
      const res = await app.request(path, { method, ...(method === 'PUT' ? { body: 'x' } : {}) });
      expect(res.status, `${method} ${path}`).toBe(503);
    }
  });
});
