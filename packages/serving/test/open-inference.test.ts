import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScoringApp, loadModelSlot, staticTarget } from '../src/index.js';
import type { ModelSlot } from '../src/index.js';
import { echoModel, logisticModel, onnxLinearModel, slot } from './helpers.js';

let base: string;
let linear: ModelSlot;
let logistic: ModelSlot;
let echo: ModelSlot;
let failed: ModelSlot;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'ferry-serving-v2-'));
  linear = await slot('linear', '2', await onnxLinearModel(join(base, 'linear')));
  logistic = await slot('logistic', '3', await logisticModel(join(base, 'logistic')));
  echo = await slot('echo', '1', await echoModel(join(base, 'echo')));
  failed = await loadModelSlot({ name: 'failed', version: '4', path: join(base, 'nothing-here') });
});
afterAll(async () => {
  for (const s of [linear, logistic, echo]) await s.model?.close();
  await rm(base, { recursive: true, force: true });
});

const app = (models = [linear, logistic, echo]) => createScoringApp({ target: staticTarget(models) });
const infer = (path: string, body: unknown, models?: ModelSlot[]) =>
  app(models).request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('Open Inference Protocol v2: health and metadata', () => {
  it('live and ready', async () => {
    const live = await app().request('/v2/health/live');
    expect([live.status, await live.json()]).toEqual([200, { live: true }]);
    const ready = await app().request('/v2/health/ready');
    expect([ready.status, await ready.json()]).toEqual([200, { ready: true }]);
    const server = await app().request('/v2');
    expect(await server.json()).toMatchObject({ name: 'ferry', extensions: [] });
  });

  it('tensor signature metadata, by name and by version', async () => {
    const expected = {
      name: 'linear',
      versions: ['2'],
      platform: 'ferry',
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 1] }],
    };
    for (const path of ['/v2/models/linear', '/v2/models/linear/versions/2']) {
      const response = await app().request(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ferry-model-version')).toBe('2');
      expect(await response.json()).toEqual(expected);
    }
  });

  it('column signature metadata: one 1-D tensor per column, unnamed outputs numbered', async () => {
    const response = await app().request('/v2/models/logistic');
    expect(await response.json()).toEqual({
      name: 'logistic',
      versions: ['3'],
      platform: 'ferry',
      inputs: [
        { name: 'a', datatype: 'FP64', shape: [-1] },
        { name: 'b', datatype: 'FP64', shape: [-1] },
      ],
      outputs: [{ name: 'output-0', datatype: 'INT64', shape: [-1] }],
    });
  });

  it('model ready', async () => {
    const response = await app().request('/v2/models/echo/versions/1/ready');
    expect([response.status, await response.json()]).toEqual([
      200,
      { name: 'echo', version: '1', ready: true },
    ]);
  });

  it('404 for an unknown model, version or route', async () => {
    const unknown = await app().request('/v2/models/nope');
    expect([unknown.status, await unknown.json()]).toEqual([404, { error: 'Model nope not found' }]);
    const version = await app().request('/v2/models/linear/versions/9/ready');
    expect([version.status, await version.json()]).toEqual([
      404,
      { error: 'Model linear version 9 not found (serving version 2)' },
    ]);
    const inferUnknown = await infer('/v2/models/nope/infer', { inputs: [] });
    expect(inferUnknown.status).toBe(404);
    const route = await app().request('/v2/models/linear/explain', { method: 'POST' });
    expect(route.status).toBe(404);
    expect(await route.json()).toEqual({ error: 'Not found: POST /v2/models/linear/explain' });
  });

  it('a model that failed to load: not ready with the reason, 503 everywhere but live', async () => {
    const models = [linear, failed];
    const reason = `Model 'failed' version 4 is not loaded: ${failed.error}`;
    expect((await app(models).request('/v2/health/live')).status).toBe(200);
    for (const path of ['/v2/health/ready', '/v2/models/failed/ready', '/v2/models/failed']) {
      const response = await app(models).request(path);
      expect([path, response.status, await response.json()]).toEqual([path, 503, { error: reason }]);
    }
    const response = await infer('/v2/models/failed/infer', { inputs: [] }, models);
    expect([response.status, await response.json()]).toEqual([503, { error: reason }]);
    // The other model keeps serving.
    expect((await app(models).request('/v2/models/linear/ready')).status).toBe(200);
  });
});

describe('Open Inference Protocol v2: infer', () => {
  it('ONNX: flat and nested data, id echoed, version in the body and header', async () => {
    for (const data of [
      [1, 1, 1, 1, 0, 0, 0, 0],
      [
        [1, 1, 1, 1],
        [0, 0, 0, 0],
      ],
    ]) {
      const response = await infer('/v2/models/linear/infer', {
        id: 'r-1',
        inputs: [{ name: 'x', shape: [2, 4], datatype: 'FP32', data }],
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ferry-model-version')).toBe('2');
      expect(await response.json()).toEqual({
        model_name: 'linear',
        model_version: '2',
        id: 'r-1',
        outputs: [{ name: 'y', shape: [2, 1], datatype: 'FP32', data: [10.5, 0.5] }],
      });
    }
  });

  it('FP16 inputs are read as FP32', async () => {
    const response = await infer('/v2/models/linear/versions/2/infer', {
      inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP16', data: [0, 0, 0, 1] }],
    });
    expect(((await response.json()) as { outputs: unknown[] }).outputs).toEqual([
      { name: 'y', shape: [1, 1], datatype: 'FP32', data: [4.5] },
    ]);
  });

  it('column model: named 1-D tensors become columns', async () => {
    const response = await infer('/v2/models/logistic/infer', {
      inputs: [
        { name: 'a', shape: [2], datatype: 'FP64', data: [0, 3] },
        { name: 'b', shape: [2], datatype: 'FP64', data: [1, 0] },
      ],
    });
    expect(await response.json()).toEqual({
      model_name: 'logistic',
      model_version: '3',
      outputs: [{ name: 'predictions', shape: [2], datatype: 'INT64', data: [0, 1] }],
    });
  });

  const cases = [
    { datatype: 'BOOL', shape: [2, 2], data: [true, false, false, true] },
    { datatype: 'INT8', shape: [3], data: [-128, 0, 127] },
    { datatype: 'INT16', shape: [1, 3], data: [-32768, 1, 32767] },
    { datatype: 'INT32', shape: [2, 1, 2], data: [-5, 6, 7, -8] },
    { datatype: 'INT64', shape: [2], data: [-9007199254740991, 42] },
    { datatype: 'UINT8', shape: [2], data: [0, 255] },
    { datatype: 'UINT16', shape: [2], data: [0, 65535] },
    { datatype: 'UINT32', shape: [2], data: [0, 4294967295] },
    { datatype: 'UINT64', shape: [1], data: [12345678901] },
    { datatype: 'FP32', shape: [2, 2], data: [0.5, -1.25, 3, 1e10] },
    { datatype: 'FP64', shape: [3], data: [0.1, -2.5e-300, 1e300] },
    { datatype: 'BYTES', shape: [2], data: ['hello', 'wörld'] },
  ];

  it.each(cases)('$datatype $shape round-trips through a model', async ({ datatype, shape, data }) => {
    const response = await infer('/v2/models/echo/infer', { inputs: [{ name: 't', shape, datatype, data }] });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { outputs: unknown[] }).outputs).toEqual([
      { name: 't', shape, datatype, data },
    ]);
  });

  it('several inputs at once, and only the outputs asked for', async () => {
    const inputs = cases.slice(0, 4).map((c, i) => ({ name: `t${i}`, ...c }));
    const all = await infer('/v2/models/echo/infer', { inputs });
    expect(((await all.json()) as { outputs: { name: string }[] }).outputs.map((o) => o.name)).toEqual([
      't0',
      't1',
      't2',
      't3',
    ]);
    const some = await infer('/v2/models/echo/infer', { inputs, outputs: [{ name: 't2' }] });
    expect(((await some.json()) as { outputs: { name: string }[] }).outputs.map((o) => o.name)).toEqual([
      't2',
    ]);
    const unknown = await infer('/v2/models/echo/infer', { inputs, outputs: [{ name: 'zz' }] });
    expect([unknown.status, await unknown.json()]).toEqual([400, { error: 'Unknown outputs requested: zz' }]);
  });

  it('bad requests → 400 {"error"}', async () => {
    const bad: [unknown, string | RegExp][] = [
      ['{"inputs": [', /^The request body is not valid JSON: /],
      [[1, 2], 'The inference request must be a JSON object with a non-empty "inputs" list'],
      [{ inputs: [] }, 'The inference request must be a JSON object with a non-empty "inputs" list'],
      [{ inputs: [{ name: 'x' }] }, 'Each inference input needs "name", "shape", "datatype" and "data"'],
      [
        { inputs: [{ name: 'x', shape: [1], datatype: 'COMPLEX', data: [1] }] },
        "Unsupported datatype 'COMPLEX' for input 'x'",
      ],
      [
        { inputs: [{ name: 'x', shape: [2, 4], datatype: 'FP32', data: [1, 2, 3] }] },
        /^Input 'x' of shape \(2, 4\)/,
      ],
      [
        { inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] },
        /^Failed to enforce schema/,
      ],
    ];
    for (const [body, message] of bad) {
      const response = await infer('/v2/models/linear/infer', body);
      expect(response.status).toBe(400);
      const { error } = (await response.json()) as { error: string };
      if (typeof message === 'string') expect(error).toBe(message);
      else expect(error).toMatch(message);
    }
  });
});
