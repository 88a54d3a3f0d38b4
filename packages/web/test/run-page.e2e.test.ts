import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '@ferry/server';
import { startUiServer, launchChromium, restClient, screenshot } from './e2e-support.js';

const MLMODEL = `artifact_path: model
flavors:
  js_function:
    entry: model.js
    runtime: node20
mlflow_version: 3.1.0
model_id: m-7f3a9c
signature:
  inputs: '[{"type": "double", "name": "tenure", "required": true}, {"type": "string",
    "name": "plan", "required": false}]'
  outputs: '[{"type": "double", "name": "churn_probability"}]'
utc_time_created: '2025-01-01 10:00:00.000000'
`;
// A 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  'base64',
);
const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="teal"/></svg>';
const CSV = 'city,population\n"Lyon, FR",522000\nOslo,709000\nBergen,291000\n';
const TABLE = JSON.stringify({
  columns: ['question', 'score'],
  data: [
    ['why', 10],
    ['how', 9],
    ['what', 100],
  ],
});
const HTML = `<!doctype html><html><body><h1>Evaluation report</h1>
<script>document.body.insertAdjacentHTML('beforeend', '<p>SCRIPT RAN</p>'); parent.__fromFrame = true;</script>
</body></html>`;
const DESCRIPTION = [
  '# Churn baseline',
  '',
  'A **strong baseline** with _gradient boosting_.',
  '',
  '<script>window.__pwned = "script"</script>',
  '<img src="nope" onerror="window.__pwned = \'onerror\'">',
  '',
  '[docs](javascript:window.__pwned=1) and [site](https://mlflow.org)',
].join('\n');

describe('run page in Chromium: editing and artifact previews', () => {
  let dir: string;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let call: ReturnType<typeof restClient>;
  let experimentId: string;
  let runId: string;
  const api = <T = Record<string, unknown>>(path: string, body?: unknown) =>
    call<T>('POST', `/api/2.0/mlflow/${path}`, body);
  const getRun = async () =>
    (
      await call<{ run: { info: { run_name: string }; data: { tags?: { key: string; value: string }[] } } }>(
        'GET',
        `/api/2.0/mlflow/runs/get?run_id=${runId}`,
      )
    ).run;
  const tagsOf = async () =>
    Object.fromEntries(((await getRun()).data.tags ?? []).map((t) => [t.key, t.value]));
  const upload = async (path: string, body: string | Buffer) => {
    const url = `${server.url}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/${path}`;
    const response = await fetch(url, {
      method: 'PUT',
      body: typeof body === 'string' ? body : new Uint8Array(body),
    });
    if (!response.ok) throw new Error(`PUT ${path}: ${response.status} ${await response.text()}`);
  };
  const artifacts = () => page.getByTestId('artifacts');
  const preview = () => page.getByTestId('artifact-preview');
  const open = async (file: string) => {
    await artifacts().getByRole('link', { name: file, exact: true }).click();
    await preview().getByText(file).first().waitFor();
  };

  beforeAll(async () => {
    ({ dir, server } = await startUiServer('ferry-web-run-e2e-'));
    call = restClient(server.url);
    experimentId = (await api<{ experiment_id: string }>('experiments/create', { name: 'churn' }))
      .experiment_id;
    const { run } = await api<{ run: { info: { run_id: string } } }>('runs/create', {
      experiment_id: experimentId,
      run_name: 'baseline',
      start_time: Date.UTC(2025, 0, 1),
      tags: [
        { key: 'mlflow.user', value: 'ada' },
        { key: 'team', value: 'growth' },
      ],
    });
    runId = run.info.run_id;
    await api('runs/log-batch', { run_id: runId, params: [{ key: 'lr', value: '0.01' }] });
    await api('runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.UTC(2025, 0, 1, 0, 1) });
    await upload('model/MLmodel', MLMODEL);
    await upload('model/model.js', 'export const predict = (rows) => rows.map(() => 0.5);\n');
    await upload('plots/roc.png', PNG);
    await upload('plots/shape.svg', SVG);
    await upload('data/cities.csv', CSV);
    await upload('eval/eval_results_table.json', TABLE);
    await upload('eval/config.json', '{"seed":7,"folds":[1,2]}');
    await upload('report.html', HTML);
    await upload('train.log', 'epoch 1 loss 0.9\nepoch 2 loss 0.5\n');

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    // Fail a step with its locator in the message, well before the test's own timeout.
    page.setDefaultTimeout(10_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('renames the run', async () => {
    await page.goto(`${server.url}/#/experiments/${experimentId}/runs/${runId}`);
    await page.getByRole('heading', { name: 'baseline' }).waitFor();
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('Run name').fill('gbm-baseline');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'gbm-baseline' }).waitFor();
    expect((await getRun()).info.run_name).toBe('gbm-baseline');
  });

  it('edits the markdown description, rendered and sanitised', async () => {
    const description = page.getByTestId('description');
    await description.getByRole('button', { name: 'Add description' }).click();
    await description.getByLabel('Description').fill(DESCRIPTION);
    await description.getByRole('button', { name: 'Save' }).click();
    const rendered = page.getByTestId('description-rendered');
    await rendered.locator('strong', { hasText: 'strong baseline' }).waitFor();
    expect(await rendered.locator('h1').innerText()).toBe('Churn baseline');
    expect(await rendered.locator('em').innerText()).toBe('gradient boosting');
    // The script and the event handler are gone, and nothing ran.
    expect(await rendered.locator('script').count()).toBe(0);
    expect(await rendered.innerHTML()).not.toMatch(/onerror|javascript:|<script/i);
    expect(await rendered.getByRole('link', { name: 'site' }).getAttribute('rel')).toBe(
      'noopener noreferrer',
    );
    expect(await rendered.getByText('docs').getAttribute('href')).toBeNull();
    await page.waitForTimeout(200);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    // The markdown source is what the server keeps.
    expect((await tagsOf())['mlflow.note.content']).toBe(DESCRIPTION);

    await description.getByRole('button', { name: 'Edit description' }).click();
    await description.getByLabel('Description').fill('Now **shorter**.');
    await description.getByRole('button', { name: 'Save' }).click();
    await rendered.locator('strong', { hasText: 'shorter' }).waitFor();
    expect((await tagsOf())['mlflow.note.content']).toBe('Now **shorter**.');
  });

  it('adds, changes and deletes tags; system tags are read-only; server errors show inline', async () => {
    const tags = page.getByTestId('tags');
    await tags.getByLabel('New tag key').fill('stage');
    await tags.getByLabel('New tag value').fill('dev');
    await tags.getByRole('button', { name: 'Add tag' }).click();
    await tags.getByRole('row', { name: /stage\s+dev/ }).waitFor();

    await tags.getByRole('button', { name: 'Edit tag team' }).click();
    await tags.getByLabel('Value of team').fill('platform');
    await tags.getByRole('button', { name: 'Save' }).click();
    await tags.getByRole('row', { name: /team\s+platform/ }).waitFor();

    await tags.getByRole('button', { name: 'Delete tag stage' }).click();
    await tags.getByRole('row', { name: /stage/ }).waitFor({ state: 'detached' });
    const stored = await tagsOf();
    expect(stored.team).toBe('platform');
    expect(stored.stage).toBeUndefined();

    // mlflow.* tags are listed apart, with no edit or delete buttons, and cannot be added.
    expect(await tags.getByRole('button', { name: /mlflow\./ }).count()).toBe(0);
    await tags.getByText(/System tags/).click();
    await tags.getByText('mlflow.user').waitFor();
    await tags.getByLabel('New tag key').fill('mlflow.user');
    await tags.getByRole('button', { name: 'Add tag' }).click();
    expect(await tags.getByRole('alert').innerText()).toContain('system tag');

    // The server refuses an over-long key; its message shows in place.
    await tags.getByLabel('New tag key').fill('k'.repeat(300));
    await tags.getByRole('button', { name: 'Add tag' }).click();
    await expect.poll(() => tags.getByRole('alert').innerText()).toMatch(/250|length|exceed/i);
  });

  it('previews an MLmodel file as a summary', async () => {
    await artifacts()
      .getByRole('button', { name: /model\// })
      .click();
    await open('MLmodel');
    const summary = preview().getByTestId('mlmodel-summary');
    await summary.waitFor();
    const text = await summary.innerText();
    expect(text).toContain('js_function');
    expect(text).toContain('entry: model.js');
    expect(text).toContain('m-7f3a9c');
    expect(text).toContain('tenure');
    expect(text).toContain('plan');
    expect(text).toContain('churn_probability');
    // Download stays available.
    const download = await fetch(
      new URL((await preview().getByRole('link', { name: 'Download' }).getAttribute('href'))!, page.url()),
    );
    expect(await download.text()).toBe(MLMODEL);
  });

  it('previews images, CSV and logged tables (sortable), JSON, logs and HTML in a sandbox', async () => {
    await artifacts()
      .getByRole('button', { name: /plots\// })
      .click();
    await open('roc.png');
    const image = preview().locator('img');
    await expect
      .poll(() => image.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth))
      .toBe(1);
    await open('shape.svg');
    await expect
      .poll(() =>
        preview()
          .locator('img')
          .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      )
      .toBe(40);

    await artifacts()
      .getByRole('button', { name: /data\// })
      .click();
    await open('cities.csv');
    const table = preview().getByTestId('table-preview');
    await table.waitFor();
    const firstCity = () => table.locator('tbody tr').first().locator('td').first().innerText();
    expect(await firstCity()).toBe('Lyon, FR');
    await table.getByRole('columnheader', { name: 'population' }).click();
    await expect.poll(firstCity).toBe('Bergen');
    await table.getByRole('columnheader', { name: /population/ }).click();
    await expect.poll(firstCity).toBe('Oslo');

    await artifacts()
      .getByRole('button', { name: /eval\// })
      .click();
    await open('eval_results_table.json');
    await table.getByRole('columnheader', { name: 'score' }).click();
    await expect.poll(firstCity).toBe('how');
    await open('config.json');
    expect(await preview().getByTestId('text-preview').innerText()).toBe(
      JSON.stringify({ seed: 7, folds: [1, 2] }, null, 2),
    );

    await open('train.log');
    expect(await preview().getByTestId('text-preview').innerText()).toContain('epoch 2 loss 0.5');

    await open('report.html');
    const frame = preview().getByTestId('html-preview');
    expect(await frame.getAttribute('sandbox')).toBe('');
    await page
      .frameLocator('[data-testid=html-preview]')
      .getByRole('heading', { name: 'Evaluation report' })
      .waitFor();
    expect(await page.frameLocator('[data-testid=html-preview]').getByText('SCRIPT RAN').count()).toBe(0);
    expect(await page.evaluate('window.__fromFrame')).toBeUndefined();
  });

  it('looks right', async () => {
    await api('runs/set-tag', {
      run_id: runId,
      key: 'mlflow.note.content',
      value:
        'Gradient-boosted baseline for **churn**.\n\n- features: `tenure`, `plan`\n- next: try [calibration](https://mlflow.org)',
    });
    await page.setViewportSize({ width: 1400, height: 1500 });
    await page.goto(`${server.url}/#/experiments/${experimentId}/runs/${runId}`);
    await page.reload();
    await page.getByTestId('description-rendered').locator('strong', { hasText: 'churn' }).waitFor();
    await artifacts()
      .getByRole('button', { name: /model\// })
      .click();
    await open('MLmodel');
    await preview().getByTestId('mlmodel-summary').waitFor();
    await screenshot(page, 'run');
    await page.setViewportSize({ width: 1400, height: 1000 });
  });
});
