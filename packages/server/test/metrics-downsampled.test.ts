import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp } from './helpers/test-app.js';
import type { TestApp } from './helpers/test-app.js';

type Body = {
  series?: {
    run_id: string;
    metric_key: string;
    total_points: number;
    downsampled: boolean;
    points: { step: number; timestamp: number; value: number | string }[];
  }[];
  error_code?: string;
  message?: string;
};

describe('GET metrics/get-history-downsampled', () => {
  let t: TestApp;
  let runId: string;
  beforeEach(async () => {
    t = await createTestApp();
    const exp = await t.store.createExperiment({ name: 'charts' });
    runId = (await t.store.createRun({ experimentId: exp })).info.run_id;
    for (let start = 0; start < 3000; start += 1000) {
      await t.store.logBatch(runId, {
        metrics: Array.from({ length: 1000 }, (_, j) => {
          const i = start + j;
          return {
            key: 'loss',
            value: i === 2222 ? 99 : i === 0 ? NaN : 1 / (i + 1),
            step: i,
            timestamp: 5000 + i,
          };
        }),
      });
    }
  });
  afterEach(() => t.cleanup());

  const get = async (query: string, prefix = '/api/2.0/mlflow') => {
    const response = await t.app.request(`${prefix}/metrics/get-history-downsampled?${query}`);
    return { status: response.status, body: (await response.json()) as Body };
  };

  it('answers at both prefixes with at most max_points points, NaN as "NaN"', async () => {
    for (const prefix of ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow']) {
      const { status, body } = await get(`run_id=${runId}&metric_key=loss&max_points=50`, prefix);
      expect(status).toBe(200);
      const [series] = body.series!;
      expect(series).toMatchObject({
        run_id: runId,
        metric_key: 'loss',
        total_points: 3000,
        downsampled: true,
      });
      expect(series!.points.length).toBeLessThanOrEqual(50);
      expect(series!.points[0]).toEqual({ step: 0, timestamp: 5000, value: 'NaN' });
      expect(series!.points).toContainEqual({ step: 2222, timestamp: 7222, value: 99 });
      expect(series!.points.at(-1)).toEqual({ step: 2999, timestamp: 7999, value: 1 / 3000 });
    }
  });

  it('defaults to 1000 points along steps, and takes x_axis=timestamp', async () => {
    const { body } = await get(`run_id=${runId}&metric_key=loss`);
    expect(body.series![0]!.points.length).toBeLessThanOrEqual(1000);
    expect(body.series![0]!.points.length).toBeGreaterThan(500);
    const byTime = await get(`run_id=${runId}&metric_key=loss&x_axis=timestamp&max_points=10000`);
    expect(byTime.body.series![0]).toMatchObject({ downsampled: false, total_points: 3000 });
    expect(byTime.body.series![0]!.points).toHaveLength(3000);
  });

  it('rejects bad max_points and x_axis with 400 INVALID_PARAMETER_VALUE', async () => {
    for (const bad of [
      'max_points=0',
      'max_points=10001',
      'max_points=abc',
      'max_points=-5',
      'x_axis=epoch',
    ]) {
      const { status, body } = await get(`run_id=${runId}&metric_key=loss&${bad}`);
      expect(status, bad).toBe(400);
      expect(body.error_code, bad).toBe('INVALID_PARAMETER_VALUE');
    }
    const missing = await get(`metric_key=loss`);
    expect([missing.status, missing.body.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
  });

  it('answers an unknown run with 404 RESOURCE_DOES_NOT_EXIST', async () => {
    const { status, body } = await get(`run_id=${runId}&run_id=${'0'.repeat(32)}&metric_key=loss`);
    expect([status, body.error_code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
  });
});
