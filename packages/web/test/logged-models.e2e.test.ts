import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '@ferry/server';
import { launchChromium, restClient, screenshot, startUiServer } from './e2e-support.js';

const MLMODEL = `artifact_path: model
flavors:
  onnx:
    onnx_version: 1.17.0
signature:
  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}, "name": "pixels"}]'
`;

interface LoggedModelInfo {
  model_id: string;
  artifact_uri: string;
}

describe('logged models in Chromium: the experiment’s Models tab and a logged model’s page', () => {
  let dir: string;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let call: ReturnType<typeof restClient>;
  let experimentId: string;
  let runId: string;
  let good: LoggedModelInfo;
  const api = <T = Record<string, unknown>>(path: string, body?: unknown) =>
    call<T>('POST', `/api/2.0/mlflow/${path}`, body);
  const upload = async (key: string, body: string) => {
    const response = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${key}`, {
      method: 'PUT',
      body,
    });
    if (!response.ok) throw new Error(`PUT ${key}: ${response.status} ${await response.text()}`);
  };
  const loggedModel = async (name: string, params: Record<string, string>) =>
    (
      await api<{ model: { info: LoggedModelInfo } }>('logged-models', {
        experiment_id: experimentId,
        name,
        source_run_id: runId,
        params: Object.entries(params).map(([key, value]) => ({ key, value })),
        tags: [{ key: 'team', value: 'vision' }],
      })
    ).model.info;

  beforeAll(async () => {
    ({ dir, server } = await startUiServer('ferry-web-logged-models-e2e-'));
    call = restClient(server.url);
    experimentId = (await api<{ experiment_id: string }>('experiments/create', { name: 'digits' }))
      .experiment_id;
    runId = (
      await api<{ run: { info: { run_id: string } } }>('runs/create', {
        experiment_id: experimentId,
        run_name: 'train',
      })
    ).run.info.run_id;
    good = await loggedModel('cnn', { lr: '0.01' });
    const weak = await loggedModel('linear', { lr: '0.1' });
    // Metrics logged for the models in the run: accuracy on two datasets, the later step winning.
    const metric = (model: string, value: number, step: number, dataset: string) => ({
      key: 'accuracy',
      value,
      step,
      timestamp: 1_700_000_000_000 + step,
      model_id: model,
      dataset_name: dataset,
      dataset_digest: `${dataset}-digest`,
    });
    await api('runs/log-batch', {
      run_id: runId,
      metrics: [
        metric(good.model_id, 0.9, 0, 'train'),
        metric(good.model_id, 0.97, 1, 'train'),
        metric(good.model_id, 0.93, 1, 'test'),
        metric(weak.model_id, 0.6, 0, 'train'),
      ],
    });
    await api('runs/outputs', { run_id: runId, models: [{ model_id: good.model_id, step: 1 }] });
    const key = good.artifact_uri.replace(/^mlflow-artifacts:\/*/, '');
    await upload(`${key}/MLmodel`, MLMODEL);
    await upload(`${key}/data/weights.txt`, 'w = [0.1, 0.2]\n');
    // Finalized: the one with files is READY, the other stays PENDING.
    const finalized = await fetch(`${server.url}/api/2.0/mlflow/logged-models/${good.model_id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'LOGGED_MODEL_READY' }),
    });
    if (!finalized.ok) throw new Error(`finalize: ${finalized.status} ${await finalized.text()}`);
    await api('registered-models/create', { name: 'digits-clf' });
    await api('model-versions/create', {
      name: 'digits-clf',
      source: `models:/${good.model_id}`,
      model_id: good.model_id,
    });

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(10_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lists the experiment’s logged models on its Models tab, with source run and registered versions', async () => {
    await page.goto(`${server.url}/#/experiments/${experimentId}`);
    await page
      .getByRole('navigation', { name: 'Experiment views' })
      .getByRole('link', { name: 'Models' })
      .click();
    expect(page.url()).toContain(`#/experiments/${experimentId}/models`);
    const list = page.getByTestId('logged-models');
    const cnn = list.getByRole('row', { name: /cnn/ });
    await cnn.waitFor();
    await list.getByRole('row', { name: /linear/ }).waitFor();
    const text = await cnn.innerText();
    expect(text).toContain(good.model_id);
    expect(text).toContain(runId);
    expect(text).toContain('Ready');
    expect(await list.getByRole('row', { name: /linear/ }).innerText()).toContain('Pending');
    await cnn.getByRole('link', { name: 'digits-clf v1' }).waitFor();
    expect(
      await list
        .getByRole('row', { name: /linear/ })
        .getByRole('link', { name: /digits-clf/ })
        .count(),
    ).toBe(0);
  });

  it('filters them with the logged-model filter grammar, kept in the URL', async () => {
    const list = page.getByTestId('logged-models');
    await list.getByLabel('Filter models').fill('metrics.accuracy > 0.9');
    await list.getByRole('button', { name: 'Search' }).click();
    await list.getByRole('row', { name: /linear/ }).waitFor({ state: 'detached' });
    await list.getByRole('row', { name: /cnn/ }).waitFor();
    await screenshot(page, 'logged-models');
    expect(new URLSearchParams(page.url().split('?')[1]).get('filter')).toBe('metrics.accuracy > 0.9');

    // A filter the server refuses shows its message.
    await list.getByLabel('Filter models').fill('metrics.accuracy >');
    await list.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('alert').waitFor();
  });

  it('opens a logged model: status, params, latest metrics per dataset, tags, run and versions', async () => {
    await page.goto(`${server.url}/#/experiments/${experimentId}/models`);
    await page.getByTestId('logged-models').getByRole('link', { name: 'cnn' }).click();
    expect(page.url()).toContain(`#/experiments/${experimentId}/models/${good.model_id}`);
    await page.getByRole('heading', { name: 'cnn' }).waitFor();

    const overview = page.getByTestId('logged-model-overview');
    await overview.getByRole('link', { name: runId }).waitFor();
    await overview.getByRole('link', { name: 'digits-clf v1' }).waitFor();
    expect(await overview.innerText()).toContain(good.model_id);

    await page
      .getByTestId('logged-model-params')
      .getByRole('row', { name: /lr\s+0\.01/ })
      .waitFor();
    await page
      .getByTestId('logged-model-tags')
      .getByRole('row', { name: /team\s+vision/ })
      .waitFor();
    const metrics = page.getByTestId('logged-model-metrics');
    await metrics.getByRole('row', { name: /accuracy\s+0\.97\s+train/ }).waitFor();
    await metrics.getByRole('row', { name: /accuracy\s+0\.93\s+test/ }).waitFor();
    expect(await metrics.locator('tbody tr').count()).toBe(2);
  });

  it('shows the MLmodel summary and browses the model’s artifacts', async () => {
    const model = page.getByTestId('model-file');
    await model.getByTestId('mlmodel-summary').waitFor();
    expect(await model.innerText()).toContain('onnx');

    const artifacts = page.getByTestId('artifacts');
    await artifacts.getByRole('button', { name: /data\// }).click();
    await artifacts.getByRole('link', { name: 'weights.txt' }).click();
    await artifacts.getByTestId('artifact-preview').getByText('w = [0.1, 0.2]').waitFor();
    // Logged models are registered from the registry, not from their own file tree.
    expect(await artifacts.getByRole('button', { name: 'Register model' }).count()).toBe(0);
    await screenshot(page, 'logged-model');
  });

  it('links to the registered version made from it', async () => {
    await page.getByTestId('logged-model-overview').getByRole('link', { name: 'digits-clf v1' }).click();
    await page.getByRole('heading', { name: 'digits-clf · version 1' }).waitFor();
  });

  it('says so for an unknown model id', async () => {
    await page.goto(`${server.url}/#/experiments/${experimentId}/models/m-doesnotexist`);
    await page.getByRole('alert').waitFor();
  });
});
