import { readdirSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKEND_NAMES, createTestApp } from './helpers/test-app.js';
import type { TestApp } from './helpers/test-app.js';

let t: TestApp;

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await t.app.request(`/api/2.0/mlflow/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function newRun(): Promise<string> {
  const { json } = await post('runs/create', { experiment_id: '0', start_time: 1 });
  return (json.run as { info: { run_id: string } }).info.run_id;
}

async function runData(runId: string) {
  const res = await t.app.request(`/api/2.0/mlflow/runs/get?run_id=${runId}`);
  return (
    (await res.json()) as { run: { data: Record<string, { key: string; value: unknown }[] | undefined> } }
  ).run.data;
}

describe.each(BACKEND_NAMES)(
  'bad input on %s gets MLflow errors and leaves stored data intact',
  (backend) => {
    beforeEach(async () => {
      t = await createTestApp(backend);
    });
    afterEach(async () => {
      await t.cleanup();
    });

    it('rejects malformed JSON with 400 INVALID_PARAMETER_VALUE', async () => {
      const { status, json } = await post('runs/log-batch', '{"run_id": "x", "metrics": [');
      expect(status).toBe(400);
      expect(json.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(json.message).toMatch(/Malformed JSON/);
    });

    it('rejects a JSON body that is not an object', async () => {
      const { status, json } = await post('runs/log-batch', '[1, 2]');
      expect(status).toBe(400);
      expect(json.error_code).toBe('INVALID_PARAMETER_VALUE');
    });

    it('rejects wrong JSON types with the field named', async () => {
      const runId = await newRun();
      const cases: [string, unknown, RegExp][] = [
        [
          'runs/log-metric',
          { run_id: runId, key: 'm', value: 'abc', timestamp: 1 },
          /parameter 'value'.*type 'str'/,
        ],
        [
          'runs/log-metric',
          { run_id: runId, key: 'm', value: 1, timestamp: 1.5 },
          /parameter 'timestamp'.*type 'float'/,
        ],
        [
          'runs/log-metric',
          { run_id: runId, key: 'm', value: 1, timestamp: 1, step: 'x' },
          /parameter 'step'/,
        ],
        ['runs/log-parameter', { run_id: runId, key: 'p', value: 5 }, /parameter 'value'.*type 'int'/],
        ['runs/log-batch', { run_id: runId, metrics: { key: 'm' } }, /parameter 'metrics'.*type 'dict'/],
        ['runs/log-batch', { run_id: runId, params: [{ key: 'p', value: [] }] }, /params\[0\]\.value/],
        ['runs/search', { experiment_ids: '0', max_results: 'many' }, /max_results/],
        ['experiments/create', { name: 42 }, /parameter 'name'.*type 'int'/],
      ];
      for (const [path, body, message] of cases) {
        const { status, json } = await post(path, body);
        expect(status, path).toBe(400);
        expect(json.error_code, path).toBe('INVALID_PARAMETER_VALUE');
        expect(json.message, path).toMatch(message);
      }
      expect(await runData(runId)).toEqual({ tags: [expect.objectContaining({ key: 'mlflow.runName' })] });
    });

    it('rejects oversized keys, batches and bodies; truncates long values as MLflow does', async () => {
      const runId = await newRun();
      expect((await post('runs/set-tag', { run_id: runId, key: 'k'.repeat(251), value: 'v' })).status).toBe(
        400,
      );
      const tooMany = Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: i }));
      expect((await post('runs/log-batch', { run_id: runId, metrics: tooMany })).status).toBe(400);
      const huge = { run_id: runId, tags: [{ key: 't', value: 'x'.repeat(1_000_001) }] };
      const big = await post('runs/log-batch', huge);
      expect(big.status).toBe(400);
      expect(big.json.message).toMatch(/at most 1000000 bytes/);
      expect(
        (await post('runs/log-parameter', { run_id: runId, key: 'long', value: 'v'.repeat(7000) })).status,
      ).toBe(200);
      const data = await runData(runId);
      expect(data.params).toEqual([{ key: 'long', value: 'v'.repeat(6000) }]);
      expect(data.metrics).toBeUndefined();
    });

    it('answers unknown ids with 404 RESOURCE_DOES_NOT_EXIST', async () => {
      const unknownRun = 'a'.repeat(32);
      for (const [path, body] of [
        ['runs/log-metric', { run_id: unknownRun, key: 'm', value: 1, timestamp: 1 }],
        ['runs/update', { run_id: unknownRun, status: 'FINISHED' }],
        ['runs/delete', { run_id: unknownRun }],
        ['experiments/delete', { experiment_id: '12345' }],
        ['experiments/set-experiment-tag', { experiment_id: '12345', key: 'k', value: 'v' }],
      ] as const) {
        const { status, json } = await post(path, body);
        expect(status, path).toBe(404);
        expect(json.error_code, path).toBe('RESOURCE_DOES_NOT_EXIST');
      }
    });

    it('refuses to change a logged param and keeps the first value; the whole batch is rejected', async () => {
      const runId = await newRun();
      expect((await post('runs/log-parameter', { run_id: runId, key: 'lr', value: '0.1' })).status).toBe(200);
      const res = await post('runs/log-batch', {
        run_id: runId,
        params: [
          { key: 'lr', value: '0.2' },
          { key: 'new', value: 'x' },
        ],
        metrics: [{ key: 'm', value: 1, timestamp: 1 }],
        tags: [{ key: 't', value: 'v' }],
      });
      expect(res.status).toBe(400);
      expect(res.json.message).toMatch(/Changing param values is not allowed/);
      const data = await runData(runId);
      expect(data.params).toEqual([{ key: 'lr', value: '0.1' }]);
      expect(data.metrics).toBeUndefined();
      expect(data.tags?.map((tag) => tag.key)).toEqual(['mlflow.runName']);
    });

    it('rejects artifact paths that leave the run or the destination', async () => {
      const runId = await newRun();
      const list = (path: string) =>
        t.app.request(`/api/2.0/mlflow/artifacts/list?run_id=${runId}&path=${path}`);
      for (const path of ['../x', '/etc', '..%2F..%2Fetc', 'a/../../b', '%2e%2e/x']) {
        const res = await list(path);
        expect(res.status, path).toBe(400);
        expect(((await res.json()) as { message: string }).message).toBe('Invalid path');
      }
      for (const path of ['..%2Fescape.txt', '%2Fetc%2Fescape.txt', 'a%5C..%5C..%5Cescape.txt']) {
        const res = await t.app.request(`/api/2.0/mlflow-artifacts/artifacts/${path}`, {
          method: 'PUT',
          body: 'x',
        });
        expect(res.status, path).toBe(400);
      }
      // A literal `..` is resolved by URL parsing before routing: it never reaches the artifact routes.
      const literal = await t.app.request('/api/2.0/mlflow-artifacts/artifacts/../../escape.txt', {
        method: 'PUT',
        body: 'x',
      });
      expect(literal.status).toBe(404);
      expect(readdirSync(t.dir, { recursive: true }).filter((f) => String(f).includes('escape'))).toEqual([]);
      const res = await t.app.request(`/get-artifact?run_id=${runId}&path=../../../../etc/passwd`);
      expect(res.status).toBe(400);
    });

    it('requires the JSON content type on POST', async () => {
      const runId = await newRun();
      const res = await post(
        'runs/set-tag',
        { run_id: runId, key: 'k', value: 'v' },
        { 'content-type': 'text/plain' },
      );
      expect(res.status).toBe(400);
      expect(res.json.message).toBe("Bad Request. Content-Type must be one of ['application/json'].");
    });

    it('answers unknown routes and wrong methods with JSON 404 / 405', async () => {
      const missing = await t.app.request('/api/2.0/mlflow/nope');
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as { error_code: string }).error_code).toBe('ENDPOINT_NOT_FOUND');
      const wrong = await t.app.request('/api/2.0/mlflow/runs/search');
      expect(wrong.status).toBe(405);
      expect(wrong.headers.get('allow')).toBe('POST');
    });

    it('keeps every point from concurrent writers to one run', async () => {
      const runId = await newRun();
      const writers = Array.from({ length: 16 }, (_, w) =>
        post('runs/log-batch', {
          run_id: runId,
          metrics: Array.from({ length: 100 }, (_, i) => ({
            key: `w${w % 4}`,
            value: i,
            timestamp: w,
            step: w * 100 + i,
          })),
          params: [{ key: 'shared', value: 'same' }],
          tags: [{ key: `writer-${w}`, value: 'done' }],
        }),
      );
      const results = await Promise.all(writers);
      expect(results.map((r) => r.status)).toEqual(Array(16).fill(200));
      for (let k = 0; k < 4; k++) {
        const res = await t.app.request(
          `/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=w${k}`,
        );
        expect(((await res.json()) as { metrics: unknown[] }).metrics).toHaveLength(400);
      }
      const data = await runData(runId);
      expect(data.tags).toHaveLength(17);
      expect(data.params).toEqual([{ key: 'shared', value: 'same' }]);
    });
  },
);
