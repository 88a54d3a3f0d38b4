import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page, Response } from 'playwright-core';
import type { RunningServer } from '@ferry/server';
import { startUiServer, launchChromium, restClient } from './e2e-support.js';

type Series = { run_id: string; total_points: number; downsampled: boolean; points: unknown[] };

describe('metric charts in Chromium: downsampling, x axes and live runs', () => {
  let dir: string;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let api: (path: string, body?: unknown) => Promise<Record<string, unknown>>;
  let experimentId: string;
  let bigRunId: string;
  const T0 = Date.UTC(2025, 0, 1);
  const POINTS = 200_000;

  const createRun = async (name: string) =>
    (
      (await api('runs/create', { experiment_id: experimentId, run_name: name, start_time: T0 })) as {
        run: { info: { run_id: string } };
      }
    ).run.info.run_id;

  /** The next answer of the downsampling endpoint, with the max_points and x_axis it was asked for. */
  const nextDownsampled = (runId: string) =>
    page
      .waitForResponse(
        (r: Response) => r.url().includes('get-history-downsampled') && r.url().includes(runId),
      )
      .then(async (r) => {
        const url = new URL(r.url());
        const body = (await r.json()) as { series: Series[] };
        return {
          maxPoints: Number(url.searchParams.get('max_points')),
          xAxis: url.searchParams.get('x_axis'),
          series: body.series[0]!,
        };
      });

  beforeAll(async () => {
    ({ dir, server } = await startUiServer('ferry-web-charts-'));
    const call = restClient(server.url);
    api = (path, body) => call('POST', `/api/2.0/mlflow/${path}`, body);
    experimentId = ((await api('experiments/create', { name: 'charts' })) as { experiment_id: string })
      .experiment_id;
    bigRunId = await createRun('long-training');
    for (let start = 0; start < POINTS; start += 1000) {
      await api('runs/log-batch', {
        run_id: bigRunId,
        metrics: Array.from({ length: 1000 }, (_, j) => {
          const i = start + j;
          return {
            key: 'loss',
            value: i === 123_456 ? 100 : 1 / (1 + i / 1000),
            timestamp: T0 + i * 10,
            step: i,
          };
        }),
      });
    }
    await api('runs/update', { run_id: bigRunId, status: 'FINISHED', end_time: T0 + POINTS * 10 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('draws a 200,000-point metric from a downsampled payload and switches the x axis', async () => {
    const first = nextDownsampled(bigRunId);
    await page.goto(`${server.url}/#/experiments/${experimentId}/runs/${bigRunId}`);
    const fetched = await first;
    expect(fetched.xAxis).toBe('step');
    expect(fetched.maxPoints).toBeGreaterThanOrEqual(4);
    expect(fetched.maxPoints).toBeLessThanOrEqual(10_000);
    expect(fetched.series).toMatchObject({ run_id: bigRunId, total_points: POINTS, downsampled: true });
    expect(fetched.series.points.length).toBeLessThanOrEqual(fetched.maxPoints);
    // The spike survives downsampling.
    expect(fetched.series.points).toContainEqual({ step: 123_456, timestamp: T0 + 1_234_560, value: 100 });

    const chart = page.getByTestId('chart-loss');
    await expect.poll(() => chart.getAttribute('data-points')).toBe(String(fetched.series.points.length));
    await chart.locator('canvas').waitFor();
    expect(await chart.innerText()).toContain(`of ${POINTS.toLocaleString('en-US')} points`);

    const relative = nextDownsampled(bigRunId);
    await chart.getByLabel('X axis of loss').selectOption('relative');
    expect((await relative).xAxis).toBe('timestamp');
    await expect.poll(() => chart.getAttribute('data-x-axis')).toBe('relative');
    expect(await chart.innerText()).toContain('seconds since start');

    const time = nextDownsampled(bigRunId);
    await chart.getByLabel('X axis of loss').selectOption('time');
    expect((await time).xAxis).toBe('timestamp');
    await expect.poll(() => chart.getAttribute('data-x-axis')).toBe('time');

    await chart.getByLabel('Log scale for loss').check();
    expect(await chart.getByLabel('Log scale for loss').isChecked()).toBe(true);
    await chart.locator('canvas').waitFor();
  });

  it('shows a RUNNING run’s new metric values without a reload, and stops when it ends', async () => {
    const runId = await createRun('live-training');
    const log = (step: number, value: number) =>
      api('runs/log-batch', {
        run_id: runId,
        metrics: [{ key: 'acc', value, timestamp: T0 + step * 1000, step }],
      });
    for (let step = 0; step < 3; step++) await log(step, step / 10);

    await page.goto(`${server.url}/#/experiments/${experimentId}`);
    const row = page.locator('[data-testid=run-row]').filter({ hasText: 'live-training' });
    await expect.poll(() => row.innerText()).toContain('RUNNING');

    await page.goto(`${server.url}/#/experiments/${experimentId}/runs/${runId}`);
    const chart = page.getByTestId('chart-acc');
    await expect.poll(() => chart.getAttribute('data-points')).toBe('3');
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));

    await log(3, 0.75);
    await log(4, 0.875);
    await expect.poll(() => chart.getAttribute('data-points'), { timeout: 15_000 }).toBe('5');
    await expect.poll(() => page.getByTestId('metrics').innerText(), { timeout: 15_000 }).toContain('0.875');

    await api('runs/update', { run_id: runId, status: 'FINISHED', end_time: T0 + 10_000 });
    await expect
      .poll(() => page.getByTestId('overview').innerText(), { timeout: 15_000 })
      .toContain('FINISHED');
    // Polling has stopped: a value logged now (allowed by the API) does not show up by itself.
    const polls: string[] = [];
    page.on('request', (r) => polls.push(r.url()));
    await log(5, 0.9);
    await page.waitForTimeout(4000);
    expect(polls.filter((u) => u.includes('runs/get'))).toEqual([]);
    expect(await chart.getAttribute('data-points')).toBe('5');
    expect(navigations).toEqual([]);

    // The runs table follows a running run until it ends, without a reload.
    const other = await createRun('table-live');
    await page.goto(`${server.url}/#/experiments/${experimentId}`);
    const otherRow = page.locator('[data-testid=run-row]').filter({ hasText: 'table-live' });
    await expect.poll(() => otherRow.innerText()).toContain('RUNNING');
    await api('runs/update', { run_id: other, status: 'FINISHED', end_time: T0 + 42_000 });
    await expect.poll(() => otherRow.innerText(), { timeout: 15_000 }).toContain('FINISHED');
  });
});
