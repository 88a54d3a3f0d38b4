import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '@ferry/server';
import { startUiServer, launchChromium, restClient, screenshot } from './e2e-support.js';

const MLMODEL = `artifact_path: model
flavors:
  js_function:
    entry: model.js
signature:
  inputs: '[{"type": "double", "name": "tenure"}]'
  outputs: '[{"type": "double"}]'
`;

describe('web UI in Chromium against a real ferry server', () => {
  let dir: string;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let call: ReturnType<typeof restClient>;
  let churnId: string;
  let bigId: string;
  let bestRunId: string;
  const T0 = Date.UTC(2025, 0, 1);

  const rows = () => page.locator('[data-testid=run-row]');
  const hashQuery = () => new URLSearchParams(new URL(page.url()).hash.split('?')[1] ?? '');
  const runCount = () => page.getByTestId('run-count').innerText();

  beforeAll(async () => {
    ({ dir, server } = await startUiServer('ferry-web-e2e-'));
    call = restClient(server.url);
    const api = (path: string, body?: unknown) => call('POST', `/api/2.0/mlflow/${path}`, body);

    churnId = ((await api('experiments/create', { name: 'churn-model' })) as { experiment_id: string })
      .experiment_id;
    bigId = ((await api('experiments/create', { name: 'image-classifier' })) as { experiment_id: string })
      .experiment_id;
    for (let i = 0; i < 20; i++) {
      const { run } = (await api('runs/create', {
        experiment_id: churnId,
        run_name: `trial-${String(i).padStart(2, '0')}`,
        start_time: T0 + i * 60_000,
        tags: [
          { key: 'mlflow.user', value: i % 2 ? 'ada' : 'grace' },
          { key: 'mlflow.source.name', value: 'train.py' },
        ],
      })) as { run: { info: { run_id: string } } };
      const runId = run.info.run_id;
      if (i === 13) bestRunId = runId;
      const acc = i === 13 ? 0.99 : 0.5 + i / 100;
      await api('runs/log-batch', {
        run_id: runId,
        params: [
          { key: 'lr', value: (0.001 * (i + 1)).toFixed(3) },
          { key: 'model', value: i % 2 ? 'tree' : 'linear' },
        ],
        metrics: [0, 1, 2, 3, 4].flatMap((step) => [
          { key: 'acc', value: acc - (4 - step) * 0.05, timestamp: T0 + step, step },
          { key: 'loss', value: 1 / (step + 1 + i), timestamp: T0 + step, step },
        ]),
        tags: [{ key: 'team', value: 'growth' }],
      });
      await api('runs/update', { run_id: runId, status: 'FINISHED', end_time: T0 + i * 60_000 + 42_000 });
    }
    // A model logged by the best run, registered with an alias.
    await call(
      'PUT',
      `/api/2.0/mlflow-artifacts/artifacts/${churnId}/${bestRunId}/artifacts/model/MLmodel`,
      MLMODEL,
    );
    await api('registered-models/create', { name: 'churn', description: 'Predicts churn' });
    await api('model-versions/create', {
      name: 'churn',
      source: `runs:/${bestRunId}/model`,
      run_id: bestRunId,
    });
    await api('registered-models/alias', { name: 'churn', alias: 'champion', version: '1' });
    // Enough runs for several pages.
    for (let i = 0; i < 600; i++) {
      await api('runs/create', { experiment_id: bigId, run_name: `img-${i}`, start_time: T0 + i });
    }

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lists, searches, creates, renames, deletes and restores experiments', async () => {
    await page.goto(`${server.url}/`);
    const table = page.getByTestId('experiments');
    await table.getByRole('link', { name: 'churn-model' }).waitFor();
    // Sorted by name as the server compares it (binary: capitals first).
    await expect
      .poll(() => table.getByRole('link').allInnerTexts())
      .toEqual(['Default', 'churn-model', 'image-classifier']);
    await screenshot(page, 'experiments');

    await page.getByLabel('Search experiments').fill('churn');
    await page.getByLabel('Search experiments').press('Enter');
    await expect.poll(() => table.getByRole('link').allInnerTexts()).toEqual(['churn-model']);
    expect(page.url()).toContain('q=churn');

    await page.goto(`${server.url}/#/experiments`);
    await page.getByLabel('New experiment name').fill('from-the-ui');
    await page.getByRole('button', { name: 'Create' }).click();
    const row = table.getByRole('row').filter({ hasText: 'from-the-ui' });
    await row.waitFor();
    await row.getByRole('button', { name: 'Rename' }).click();
    await table.getByLabel('New name').fill('renamed-in-ui');
    await table.getByRole('button', { name: 'Save' }).click();
    const renamed = table.getByRole('row').filter({ hasText: 'renamed-in-ui' });
    await renamed.waitFor();
    page.once('dialog', (dialog) => void dialog.accept());
    await renamed.getByRole('button', { name: 'Delete' }).click();
    await renamed.waitFor({ state: 'detached' });
    await page.getByLabel('View').selectOption('deleted');
    await renamed.getByRole('button', { name: 'Restore' }).click();
    await expect.poll(() => table.getByRole('row').filter({ hasText: 'renamed-in-ui' }).count()).toBe(0);
    await page.getByLabel('View').selectOption('active');
    await renamed.waitFor();
  });

  it('opens an experiment, filters runs with the search grammar and shows filter errors inline', async () => {
    await page.goto(`${server.url}/#/experiments`);
    await page.getByRole('link', { name: 'churn-model' }).click();
    await expect.poll(runCount).toBe('20 runs');
    expect(await rows().first().innerText()).toContain('trial-19');
    expect(await rows().first().innerText()).toContain('FINISHED');
    expect(await rows().first().innerText()).toContain('42.0s');

    await page.getByLabel('Filter runs').fill("params.model = 'tree' and metrics.acc > 0.6");
    await page.getByLabel('Filter runs').press('Enter');
    // Odd trials are trees; acc > 0.6 holds from trial 11 on: 11, 13, 15, 17, 19.
    await expect.poll(runCount).toBe('5 runs');
    expect(hashQuery().get('filter')).toBe("params.model = 'tree' and metrics.acc > 0.6");

    await page.getByLabel('Filter runs').fill('metrics.acc >>> 1');
    await page.getByLabel('Filter runs').press('Enter');
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').innerText()).toMatch(/filter|invalid|parse/i);
  });

  it('adds a metric column and sorts by it on the server', async () => {
    await page.goto(`${server.url}/#/experiments/${churnId}`);
    await expect.poll(runCount).toBe('20 runs');
    await page.getByText('Columns').click();
    await page.getByTestId('column-chooser').getByLabel('acc').check();
    await page.getByTestId('column-chooser').getByLabel('lr').check();
    await page.getByText('Columns').click();
    await page.getByRole('columnheader', { name: 'acc' }).click();
    await expect.poll(() => rows().first().innerText()).toContain('trial-13');
    expect(await rows().first().innerText()).toContain('0.99');
    expect([hashQuery().get('sort'), hashQuery().get('dir')]).toEqual(['metric:acc', 'desc']);
    expect(hashQuery().getAll('col')).toEqual(['metric:acc', 'param:lr']);
    await page.getByRole('columnheader', { name: /acc/ }).click();
    await expect.poll(() => rows().first().innerText()).toContain('trial-00');
    await screenshot(page, 'runs');
  });

  it('loads pages of runs lazily while rendering only the visible rows', async () => {
    await page.goto(`${server.url}/#/experiments/${bigId}`);
    await expect.poll(runCount).toBe('250+ runs');
    expect(await rows().count()).toBeLessThan(80);
    const table = page.getByTestId('runs-table');
    for (let i = 0; i < 10 && (await runCount()) !== '600 runs'; i++) {
      await table.evaluate((el) => el.scrollTo(0, el.scrollHeight));
      await page.waitForTimeout(150);
    }
    await expect.poll(runCount).toBe('600 runs');
    expect(await rows().count()).toBeLessThan(80);
    await table.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await expect.poll(() => rows().last().innerText()).toContain('img-0\n');
  });

  it('deletes and restores selected runs', async () => {
    await page.goto(
      `${server.url}/#/experiments/${churnId}?filter=${encodeURIComponent("params.model = 'linear'")}`,
    );
    await expect.poll(runCount).toBe('10 runs');
    await page.getByLabel('Select trial-00').check();
    await page.getByLabel('Select trial-02').check();
    await expect.poll(runCount).toBe('10 runs · 2 selected');
    await page.getByRole('button', { name: 'Delete selected' }).click();
    await expect.poll(runCount).toBe('8 runs');
    await page.getByLabel('Run view').selectOption('deleted');
    await expect.poll(runCount).toBe('2 runs');
    await page.getByLabel('Select all loaded runs').check();
    await page.getByRole('button', { name: 'Restore selected' }).click();
    await expect.poll(runCount).toBe('0 runs');
    await page.getByLabel('Run view').selectOption('active');
    await expect.poll(runCount).toBe('10 runs');
  });

  it('shows a run: overview, params, metrics with a chart, tags and artifacts', async () => {
    await page.goto(
      `${server.url}/#/experiments/${churnId}?filter=${encodeURIComponent("attributes.run_name = 'trial-13'")}`,
    );
    await page.getByRole('link', { name: 'trial-13' }).click();
    await page.getByRole('heading', { name: 'trial-13' }).waitFor();
    expect(page.url()).toContain(`#/experiments/${churnId}/runs/${bestRunId}`);
    const overview = await page.getByTestId('overview').innerText();
    expect(overview).toContain('FINISHED');
    expect(overview).toContain('train.py');
    expect(overview).toContain('ada');
    const params = await page.getByTestId('params').innerText();
    expect(params).toContain('lr');
    expect(params).toContain('0.014');
    expect(params).toContain('tree');
    expect(await page.getByTestId('metrics').innerText()).toContain('0.99');
    await page.getByTestId('chart-acc').locator('canvas').waitFor();
    await page.getByTestId('chart-loss').locator('canvas').waitFor();
    expect(await page.getByTestId('tags').innerText()).toContain('growth');
    await page.getByTestId('artifacts').getByRole('button', { name: /model/ }).click();
    const link = page.getByTestId('artifacts').getByRole('link', { name: 'MLmodel' });
    await link.waitFor();
    const download = await fetch(new URL((await link.getAttribute('href'))!, page.url()));
    expect(await download.text()).toBe(MLMODEL);
  });

  it('opens the run page straight from an MLflow-style link', async () => {
    await page.goto(`${server.url}/#/experiments/${churnId}/runs/${bestRunId}`);
    await page.getByRole('heading', { name: 'trial-13' }).waitFor();
  });

  it('shows registered models, a model with its versions, and a version', async () => {
    await page.goto(`${server.url}/#/models`);
    await page.getByTestId('models').getByRole('link', { name: 'churn' }).click();
    await page.getByRole('heading', { name: 'churn' }).waitFor();
    const versions = page.getByTestId('versions');
    await versions.getByRole('link', { name: 'Version 1' }).waitFor();
    expect(await versions.innerText()).toContain('@champion');
    expect(await versions.innerText()).toContain(`runs:/${bestRunId}/model`);
    expect(await page.getByText('Predicts churn').count()).toBe(1);
    await versions.getByRole('link', { name: 'Version 1' }).click();
    const version = page.getByTestId('version');
    await version.waitFor();
    expect(await version.innerText()).toContain('champion');
    await page.getByText('"tenure"', { exact: false }).waitFor();
    await version.getByRole('link', { name: bestRunId }).click();
    await page.getByRole('heading', { name: 'trial-13' }).waitFor();
  });
});
