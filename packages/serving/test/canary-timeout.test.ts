import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedModel } from '@ferry/models';
import {
  SwappableTarget,
  ServingMetrics,
  canaryTarget,
  createScoringApp,
  renderMetrics,
  staticTarget,
} from '../src/index.js';
import type { ModelSlot } from '../src/index.js';
import { gatedModel, newGate, slot } from './helpers.js';

let base: string;
let v1: ModelSlot;
let v2: ModelSlot;
const GATE = '__ferryCanaryGate';
const closeGate = () => delete (globalThis as { __ferryCanaryGate?: unknown }).__ferryCanaryGate;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'ferry-serving-canary-'));
  v1 = await slot('m', '1', await gatedModel(join(base, 'v1'), 1, GATE));
  v2 = await slot('m', '2', await gatedModel(join(base, 'v2'), 2, GATE));
});
afterAll(async () => {
  await v1.model?.close();
  await v2.model?.close();
  await rm(base, { recursive: true, force: true });
});

const invoke = {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: '{"inputs": {"a": [0.5]}}',
};
const infer = {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ inputs: [{ name: 'a', datatype: 'FP64', shape: [1], data: [0.5] }] }),
};

describe('canaryTarget', () => {
  it('sends exactly the canary share to the canary version, counted per version in /metrics', async () => {
    const metrics = new ServingMetrics();
    const app = createScoringApp({
      target: canaryTarget(staticTarget([v1]), staticTarget([v2]), 10),
      metrics,
    });
    const versions: string[] = [];
    for (let i = 0; i < 100; i++) {
      const response = await app.request('/invocations', invoke);
      expect(response.status).toBe(200);
      const version = response.headers.get('x-ferry-model-version')!;
      expect(await response.text()).toBe(`{"predictions": [${version}.0]}`);
      versions.push(version);
    }
    expect(versions.filter((v) => v === '2')).toHaveLength(10);
    // Spread out, not bunched: every run of ten requests holds one canary request.
    for (let i = 0; i < 100; i += 10)
      expect(versions.slice(i, i + 10).filter((v) => v === '2')).toHaveLength(1);
    const text = await (await app.request('/metrics')).text();
    expect(text).toContain(
      'ferry_serving_requests_total{model="m",version="1",protocol="mlflow",status="200"} 90',
    );
    expect(text).toContain(
      'ferry_serving_requests_total{model="m",version="2",protocol="mlflow",status="200"} 10',
    );
  });

  it('either version can be addressed explicitly, and the metadata lists both', async () => {
    const app = createScoringApp({ target: canaryTarget(staticTarget([v1]), staticTarget([v2]), 50) });
    for (let i = 0; i < 4; i++) {
      for (const version of ['1', '2']) {
        const response = await app.request(`/v2/models/m/versions/${version}/infer`, infer);
        expect(response.status).toBe(200);
        expect(((await response.json()) as { model_version: string }).model_version).toBe(version);
      }
    }
    const metadata = (await (await app.request('/v2/models/m')).json()) as { versions: string[] };
    expect([...metadata.versions].sort()).toEqual(['1', '2']);
    const missing = await app.request('/v2/models/m/versions/3/infer', infer);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'Model m version 3 not found (serving version 1, 2)' });
  });

  it('0 % and 100 % send everything to one side; other shares are refused', async () => {
    for (const [percent, expected] of [
      [0, '1'],
      [100, '2'],
    ] as const) {
      const app = createScoringApp({ target: canaryTarget(staticTarget([v1]), staticTarget([v2]), percent) });
      for (let i = 0; i < 5; i++) {
        expect((await app.request('/invocations', invoke)).headers.get('x-ferry-model-version')).toBe(
          expected,
        );
      }
    }
    expect(() => canaryTarget(staticTarget([v1]), staticTarget([v2]), 101)).toThrow(RangeError);
    expect(() => canaryTarget(staticTarget([v1]), staticTarget([v2]), NaN)).toThrow(RangeError);
  });

  it('releases both sides: swapping either one completes once its requests are answered', async () => {
    const primary = new SwappableTarget([v1], { closeReplaced: false });
    const canary = new SwappableTarget([v2], { closeReplaced: false });
    const app = createScoringApp({ target: canaryTarget(primary.provider, canary.provider, 50) });
    for (let i = 0; i < 6; i++) expect((await app.request('/invocations', invoke)).status).toBe(200);
    let swapped = 0;
    await Promise.all([primary.swap(v2).then(() => swapped++), canary.swap(v1).then(() => swapped++)]);
    expect(swapped).toBe(2);
  });
});

describe('request timeout', () => {
  it('answers 504 in each protocol after the limit; the late prediction keeps its model open', async () => {
    const gate = newGate(GATE);
    const closed: string[] = [];
    const model: LoadedModel = { ...v1.model!, close: async () => void closed.push('v1') };
    const target = new SwappableTarget([{ ...v1, model }]);
    const metrics = new ServingMetrics();
    const app = createScoringApp({ target: target.provider, requestTimeoutMs: 50, metrics });

    const mlflow = await app.request('/invocations', invoke);
    expect(mlflow.status).toBe(504);
    expect(await mlflow.text()).toBe('Request processing time exceeded limit');
    const v2Answer = await app.request('/v2/models/m/infer', infer);
    expect(v2Answer.status).toBe(504);
    expect(await v2Answer.json()).toEqual({ error: 'Request processing time exceeded limit' });
    expect(gate.waiting).toBe(2);

    // Swapping the model out waits for the two predictions still running.
    let swapped = false;
    const swap = target.swap(v2).then(() => (swapped = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(swapped).toBe(false);
    expect(closed).toEqual([]);
    gate.open();
    await swap;
    expect(closed).toEqual(['v1']);
    const text = await (await app.request('/metrics')).text();
    expect(text).toContain(
      'ferry_serving_request_errors_total{model="m",version="1",protocol="mlflow",status="504"} 1',
    );
    expect(text).toContain(
      'ferry_serving_request_errors_total{model="m",version="1",protocol="v2",status="504"} 1',
    );
    closeGate();
  });

  it('0 means no limit', async () => {
    const gate = newGate(GATE);
    const app = createScoringApp({ target: staticTarget([v1]), requestTimeoutMs: 0 });
    const pending = app.request('/invocations', invoke);
    while (gate.waiting < 1) await new Promise((r) => setTimeout(r, 5));
    gate.open();
    expect((await pending).status).toBe(200);
    closeGate();
  });
});

describe('renderMetrics', () => {
  it('adds up the snapshots of several workers', () => {
    const a = new ServingMetrics();
    const b = new ServingMetrics();
    const labels = { model: 'm', version: '1', protocol: 'mlflow' };
    a.observe(labels, 200, 0.001);
    a.observe(labels, 400, 0.2);
    b.observe(labels, 200, 0.003);
    b.observe({ ...labels, version: '2' }, 200, 0.003);
    const text = renderMetrics([a.snapshot(), b.snapshot()]);
    expect(text).toContain(
      'ferry_serving_requests_total{model="m",version="1",protocol="mlflow",status="200"} 2',
    );
    expect(text).toContain(
      'ferry_serving_requests_total{model="m",version="2",protocol="mlflow",status="200"} 1',
    );
    expect(text).toContain(
      'ferry_serving_request_errors_total{model="m",version="1",protocol="mlflow",status="400"} 1',
    );
    expect(text).toContain(
      'ferry_serving_request_duration_seconds_count{model="m",version="1",protocol="mlflow"} 3',
    );
    expect(text).toContain(
      'ferry_serving_request_duration_seconds_bucket{model="m",version="1",protocol="mlflow",le="0.005"} 2',
    );
    expect(text).toBe(renderMetrics([JSON.parse(JSON.stringify(a.snapshot())), b.snapshot()]));
  });
});
