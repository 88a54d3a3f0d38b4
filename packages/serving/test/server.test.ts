import { request as httpRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedModel } from '@ferry/models';
import {
  ServingMetrics,
  SwappableTarget,
  createScoringApp,
  startScoringServer,
  staticTarget,
} from '../src/index.js';
import type { ModelSlot, RunningScoringServer } from '../src/index.js';
import { gatedModel, logisticModel, newGate, onnxLinearModel, slot } from './helpers.js';

let base: string;
let logistic: ModelSlot;
let linear: ModelSlot;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'ferry-serving-server-'));
  logistic = await slot('logistic', '3', await logisticModel(join(base, 'logistic')));
  linear = await slot('linear', '2', await onnxLinearModel(join(base, 'linear')));
});
afterAll(async () => {
  await logistic.model?.close();
  await linear.model?.close();
  await rm(base, { recursive: true, force: true });
});

const GOOD = '{"dataframe_split": {"columns": ["a","b"], "data": [[0.0,1.0],[3.0,0.0]]}}';

/** A raw HTTP exchange (fetch would refuse some of the malformed requests sent here). */
function raw(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}${options.path}`,
      { method: options.method ?? 'POST', headers: options.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString(), headers: res.headers }),
        );
        res.on('error', reject);
      },
    );
    // The server may answer (413) and close before the whole body is sent.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
    });
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

describe('startScoringServer', () => {
  let server: RunningScoringServer;
  const metrics = new ServingMetrics();
  beforeAll(async () => {
    server = await startScoringServer({
      host: '127.0.0.1',
      port: 0,
      target: staticTarget([logistic, linear]),
      maxBodyBytes: 1024,
      metrics,
    });
  });
  afterAll(() => server.close());

  it('serves both protocols', async () => {
    const mlflow = await fetch(`${server.url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: GOOD,
    });
    expect([mlflow.status, await mlflow.text()]).toEqual([200, '{"predictions": [0, 1]}']);
    const v2 = await fetch(`${server.url}/v2/models/linear/infer`, {
      method: 'POST',
      body: JSON.stringify({ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 0, 0, 0] }] }),
    });
    expect(v2.headers.get('x-ferry-model-version')).toBe('2');
    expect(((await v2.json()) as { outputs: { data: number[] }[] }).outputs[0]!.data).toEqual([1.5]);
  });

  it('413 for a body over the limit, declared or streamed, on both protocols', async () => {
    const big = `{"inputs": [${'1,'.repeat(1000)}1]}`;
    const declared = await raw(server.url, {
      path: '/invocations',
      headers: { 'content-type': 'application/json', 'content-length': String(big.length) },
      body: big,
    });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toEqual({
      error_code: 'BAD_REQUEST',
      message: 'The request body exceeds the limit of 1024 bytes (1 KiB)',
      sqlstate: 'KAM00',
      error_class: 'INVALID_PARAMETER_VALUE',
    });
    const chunked = await raw(server.url, {
      path: '/invocations',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body: big,
    });
    expect(chunked.status).toBe(413);
    const v2 = await raw(server.url, {
      path: '/v2/models/linear/infer',
      headers: { 'transfer-encoding': 'chunked' },
      body: big,
    });
    expect([v2.status, JSON.parse(v2.body)]).toEqual([
      413,
      { error: 'The request body exceeds the limit of 1024 bytes (1 KiB)' },
    ]);
  });

  it('survives many bad inputs, then still answers a good one', async () => {
    const json = { 'content-type': 'application/json' };
    const bad: { path: string; headers?: Record<string, string>; body?: string | Buffer; method?: string }[] =
      [
        { path: '/invocations', headers: json, body: '' },
        { path: '/invocations', headers: json, body: 'null' },
        { path: '/invocations', headers: json, body: '"text"' },
        { path: '/invocations', headers: json, body: '{"inputs": null}' },
        { path: '/invocations', headers: json, body: '{"instances": [{"a": [1]}, 3]}' },
        { path: '/invocations', headers: json, body: '{"dataframe_split": {"data": 5}}' },
        {
          path: '/invocations',
          headers: json,
          body: '{"dataframe_split": {"columns": ["a"], "data": [[1, 2]]}}',
        },
        { path: '/invocations', headers: json, body: '{"dataframe_records": [1, [2], {"a": {}}]}' },
        { path: '/invocations', headers: json, body: '{"inputs": {"a": ["x"], "b": [1]}}' },
        { path: '/invocations', headers: json, body: '{"inputs": {"a": [1]}}' },
        { path: '/invocations', headers: json, body: '{"inputs": [[[[[[[[1]]]]]]]]}' },
        { path: '/invocations', headers: json, body: Buffer.from([0xff, 0xfe, 0x00, 0x7b]) },
        { path: '/invocations', headers: { 'content-type': 'text/csv' }, body: 'a,b\n"unterminated' },
        { path: '/invocations', headers: { 'content-type': 'text/csv' }, body: 'a,b\nx,y\n' },
        { path: '/invocations', headers: { 'content-type': ';;;=' }, body: '{}' },
        { path: '/invocations', method: 'PUT', body: '{}' },
        { path: '/v2/models/linear/infer', body: '{"inputs": [{"name": "x", "shape": "nope", "data": 1}]}' },
        {
          path: '/v2/models/linear/infer',
          body: '{"inputs": [{"name": "x", "shape": [1e9, 1e9], "datatype": "FP32", "data": [1]}]}',
        },
        {
          path: '/v2/models/linear/infer',
          body: '{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "BYTES", "data": ["a","b","c","d"]}]}',
        },
        {
          path: '/v2/models/linear/infer',
          body: '{"inputs": [{"name": "x", "shape": [-1, 4], "datatype": "FP32", "data": [1,2,3,4]}]}',
        },
        {
          path: '/v2/models/linear/infer',
          body: '{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32", "data": [{"a": 1}, 2, 3, 4]}]}',
        },
        {
          path: '/v2/models/linear/infer',
          body: '{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32", "data": [1,2,3,4]}], "outputs": 7}',
        },
        { path: '/v2/models/%00/infer', body: '{}' },
        { path: '/v2/models/linear/versions//infer', body: '{}' },
      ];
    for (const request of bad) {
      const response = await raw(server.url, request);
      expect(response.status, `${request.path} ${String(request.body)}`).toBeGreaterThanOrEqual(400);
      expect(response.status, `${request.path} ${String(request.body)}`).toBeLessThan(500);
    }
    const good = await raw(server.url, { path: '/invocations', headers: json, body: GOOD });
    expect([good.status, good.body]).toEqual([200, '{"predictions": [0, 1]}']);
  });

  it('/metrics: Prometheus text with counts by model, version, protocol and status', async () => {
    const before = metrics.render();
    const count = (text: string, line: string): number => {
      const found = text.split('\n').find((l) => l.startsWith(`${line} `));
      return found === undefined ? 0 : Number(found.slice(line.length + 1));
    };
    const ok = 'ferry_serving_requests_total{model="logistic",version="3",protocol="mlflow",status="200"}';
    const bad = 'ferry_serving_requests_total{model="logistic",version="3",protocol="mlflow",status="400"}';
    const badErrors =
      'ferry_serving_request_errors_total{model="logistic",version="3",protocol="mlflow",status="400"}';
    const v2 = 'ferry_serving_requests_total{model="linear",version="2",protocol="v2",status="200"}';
    const durationCount =
      'ferry_serving_request_duration_seconds_count{model="logistic",version="3",protocol="mlflow"}';
    const post = (path: string, body: string) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    for (let i = 0; i < 3; i++) await (await post('/invocations', GOOD)).text();
    for (let i = 0; i < 2; i++) await (await post('/invocations', '[1,2]')).text();
    await (
      await post(
        '/v2/models/linear/infer',
        JSON.stringify({ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 0, 0, 0] }] }),
      )
    ).text();
    await (await fetch(`${server.url}/ping`)).text(); // health checks are not counted

    const response = await fetch(`${server.url}/metrics`);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(count(text, ok) - count(before, ok)).toBe(3);
    expect(count(text, bad) - count(before, bad)).toBe(2);
    expect(count(text, badErrors) - count(before, badErrors)).toBe(2);
    expect(count(text, v2) - count(before, v2)).toBe(1);
    expect(count(text, durationCount) - count(before, durationCount)).toBe(5);
    expect(text).toContain('# TYPE ferry_serving_requests_total counter');
    expect(text).toContain('# TYPE ferry_serving_request_duration_seconds histogram');
    expect(text).toContain(
      `ferry_serving_request_duration_seconds_bucket{model="logistic",version="3",protocol="mlflow",le="+Inf"} ${count(text, durationCount)}`,
    );
    expect(text).toContain('ferry_serving_model_ready{model="logistic",version="3"} 1');
    expect(text).not.toMatch(/ping/);
    // Every sample line is `name{labels} number`.
    for (const line of text
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('#'))) {
      expect(line).toMatch(/^[a-z_]+(\{[^}]*\})? [-+0-9.eE]+$|^[a-z_]+(\{[^}]*\})? \+Inf$/);
    }
  });
});

describe('ServingMetrics', () => {
  it('escapes label values and fills histogram buckets cumulatively', () => {
    const m = new ServingMetrics({ buckets: [0.1, 1] });
    m.observe({ model: 'a"b\\c\nd', version: '', protocol: 'v2' }, 200, 0.05);
    m.observe({ model: 'a"b\\c\nd', version: '', protocol: 'v2' }, 200, 0.5);
    const text = m.render();
    const labels = 'model="a\\"b\\\\c\\nd",version="",protocol="v2"';
    expect(text).toContain(`ferry_serving_request_duration_seconds_bucket{${labels},le="0.1"} 1`);
    expect(text).toContain(`ferry_serving_request_duration_seconds_bucket{${labels},le="1"} 2`);
    expect(text).toContain(`ferry_serving_request_duration_seconds_bucket{${labels},le="+Inf"} 2`);
    expect(text).toContain(`ferry_serving_request_duration_seconds_count{${labels}} 2`);
  });
});

describe('hot swap', () => {
  it('requests in flight finish on the version they started with; new ones get the new version', async () => {
    const gate = newGate('__ferryServingGate');
    const v1 = await slot('m', '1', await gatedModel(join(base, 'gated-1'), 1, '__ferryServingGate'));
    const v2 = await slot('m', '2', await gatedModel(join(base, 'gated-2'), 2, '__ferryServingGate'));
    const closed: string[] = [];
    const track = (s: ModelSlot, name: string): ModelSlot => {
      const model = s.model!;
      const wrapped: LoadedModel = {
        config: model.config,
        flavor: model.flavor,
        signature: model.signature,
        predict: (input, params) => model.predict(input, params),
        close: async () => {
          closed.push(name);
          await model.close();
        },
      };
      return { ...s, model: wrapped };
    };
    const target = new SwappableTarget([track(v1, 'v1')]);
    const app = createScoringApp({ target: target.provider });
    const score = async () => {
      const response = await app.request('/invocations', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"inputs": {"a": [0.5, 1.5]}}',
      });
      return {
        status: response.status,
        header: response.headers.get('x-ferry-model-version'),
        body: await response.text(),
      };
    };
    const wave = async (n: number, waiting: number) => {
      const started = Array.from({ length: n }, () => score());
      while (gate.waiting < waiting) await new Promise((r) => setImmediate(r));
      return started;
    };

    const first = await wave(5, 5); // all five are inside v1's predict
    let swapped = false;
    const swap = target.swap(track(v2, 'v2')).then(() => (swapped = true));
    const second = await wave(5, 10); // five more, inside v2's predict
    expect(target.models.map((m) => m.version)).toEqual(['2']);
    expect(swapped).toBe(false); // v1 still has requests in flight
    expect(closed).toEqual([]);
    gate.open();
    const answers = await Promise.all([...first, ...second]);
    await swap;
    expect(answers.slice(0, 5)).toEqual(
      Array(5).fill({ status: 200, header: '1', body: '{"predictions": [1.0, 1.0]}' }),
    );
    expect(answers.slice(5)).toEqual(
      Array(5).fill({ status: 200, header: '2', body: '{"predictions": [2.0, 2.0]}' }),
    );
    expect(closed).toEqual(['v1']);

    // Mixed stream: swapping back and forth while requests arrive; each answer is one version's alone.
    const stream: ReturnType<typeof score>[] = [];
    for (let i = 0; i < 20; i++) {
      stream.push(score());
      if (i % 5 === 4) void target.swap(i % 10 === 4 ? track(v1, 'v1') : track(v2, 'v2'));
    }
    for (const answer of await Promise.all(stream)) {
      expect(answer.status).toBe(200);
      expect(answer.body).toBe(`{"predictions": [${answer.header}.0, ${answer.header}.0]}`);
    }
    await target.close();
    delete (globalThis as Record<string, unknown>)['__ferryServingGate'];
  });

  it('swap resolves at once when nothing is in flight, and closes the replaced model', async () => {
    let closes = 0;
    const fake = (version: string): ModelSlot => ({
      name: 'm',
      version,
      model: { ...logistic.model!, close: async () => void closes++ },
    });
    const target = new SwappableTarget([fake('1')]);
    const release = target.provider();
    expect(release.models[0]!.version).toBe('1');
    const swap = target.swap(fake('2'));
    expect(target.provider().models[0]!.version).toBe('2');
    release.release!();
    release.release!(); // twice is once
    await swap;
    expect(closes).toBe(1);
  });
});
