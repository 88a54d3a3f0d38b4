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
  inputs: '[{"type": "double", "name": "tenure", "required": true}]'
  outputs: '[{"type": "double", "name": "churn_probability"}]'
`;
const LOGGED_MLMODEL = `artifact_path: model
flavors:
  onnx:
    onnx_version: 1.17.0
signature:
  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}, "name": "pixels"}]'
`;

interface Version {
  version: string;
  current_stage: string;
  description?: string;
  source: string;
  run_id?: string;
  tags?: { key: string; value: string }[];
}

describe('model registry in Chromium: a model registered and aliased through the UI', () => {
  let dir: string;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let call: ReturnType<typeof restClient>;
  let experimentId: string;
  let runId: string;
  let artifactUri: string;
  let loggedModelId: string;
  const api = <T = Record<string, unknown>>(path: string, body?: unknown) =>
    call<T>('POST', `/api/2.0/mlflow/${path}`, body);
  const read = <T = Record<string, unknown>>(path: string, query: Record<string, string>) =>
    call<T>('GET', `/api/2.0/mlflow/${path}?${new URLSearchParams(query)}`);
  const aliasTarget = async (name: string, alias: string) => {
    const response = await fetch(
      `${server.url}/api/2.0/mlflow/registered-models/alias?${new URLSearchParams({ name, alias })}`,
    );
    const body = (await response.json()) as { model_version?: Version; message?: string };
    // MLflow answers an unknown alias with INVALID_PARAMETER_VALUE "... alias <a> not found."
    if (!response.ok && /not found/.test(body.message ?? '')) return undefined;
    if (!body.model_version) throw new Error(`alias ${alias}: ${response.status} ${JSON.stringify(body)}`);
    return body.model_version.version;
  };
  const version = (name: string, v: string) =>
    read<{ model_version: Version }>('model-versions/get', { name, version: v }).then((r) => r.model_version);
  const upload = async (key: string, body: string) => {
    const response = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${key}`, {
      method: 'PUT',
      body,
    });
    if (!response.ok) throw new Error(`PUT ${key}: ${response.status} ${await response.text()}`);
  };

  const registerFromRunPage = async (name: string) => {
    await page.goto(`${server.url}/#/experiments/${experimentId}/runs/${runId}`);
    const artifacts = page.getByTestId('artifacts');
    await artifacts.getByRole('button', { name: /model\// }).click();
    // The folder holds an MLmodel file, so it offers to register the model.
    await artifacts.locator('.model-folder').getByRole('button', { name: 'Register model' }).click();
    const form = page.getByTestId('register-model');
    await form.getByLabel('Registered model name').fill(name);
    await form.getByRole('button', { name: 'Register' }).click();
    return form.getByRole('status');
  };

  beforeAll(async () => {
    ({ dir, server } = await startUiServer('ferry-web-registry-e2e-'));
    call = restClient(server.url);
    experimentId = (await api<{ experiment_id: string }>('experiments/create', { name: 'churn' }))
      .experiment_id;
    const { run } = await api<{ run: { info: { run_id: string; artifact_uri: string } } }>('runs/create', {
      experiment_id: experimentId,
      run_name: 'gbm',
    });
    runId = run.info.run_id;
    artifactUri = run.info.artifact_uri;
    // The model folder, uploaded as the run's artifacts through the server's artifact proxy.
    await upload(`${experimentId}/${runId}/artifacts/model/MLmodel`, MLMODEL);
    await upload(`${experimentId}/${runId}/artifacts/model/model.js`, 'export const predict = () => 0.5;\n');
    await api('runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() });

    // A logged model (MLflow 3) with its files in its own artifact location, registered by models:/ URI.
    const { model } = await api<{ model: { info: { model_id: string; artifact_uri: string } } }>(
      'logged-models',
      { experiment_id: experimentId, name: 'cnn' },
    );
    loggedModelId = model.info.model_id;
    const key = model.info.artifact_uri.replace(/^mlflow-artifacts:\/*/, '');
    await upload(`${key}/MLmodel`, LOGGED_MLMODEL);
    await api('registered-models/create', { name: 'vision' });
    await api('model-versions/create', { name: 'vision', source: `models:/${loggedModelId}` });

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

  it('registers a run’s model folder as a new registered model', async () => {
    const status = await registerFromRunPage('churn-ui');
    expect(await status.innerText()).toContain('Registered churn-ui version 1');
    const v1 = await version('churn-ui', '1');
    expect(v1.source).toBe(`${artifactUri}/model`);
    expect(v1.run_id).toBe(runId);
    await status.getByRole('link', { name: 'Open churn-ui' }).click();
    await page.getByRole('heading', { name: 'churn-ui' }).waitFor();
    await page.getByTestId('versions').getByRole('link', { name: 'Version 1' }).waitFor();
  });

  it('edits the model’s description and tags', async () => {
    const description = page.getByTestId('model-description');
    await description.getByRole('button', { name: 'Add description' }).click();
    await description.getByLabel('Description').fill('Predicts **churn** from usage.');
    await description.getByRole('button', { name: 'Save' }).click();
    await description.locator('strong', { hasText: 'churn' }).waitFor();
    const tags = page.getByTestId('model-tags');
    await tags.getByLabel('New tag key').fill('owner');
    await tags.getByLabel('New tag value').fill('growth-team');
    await tags.getByRole('button', { name: 'Add tag' }).click();
    await tags.getByRole('row', { name: /owner\s+growth-team/ }).waitFor();
    const { registered_model: stored } = await read<{
      registered_model: { description: string; tags?: { key: string; value: string }[] };
    }>('registered-models/get', { name: 'churn-ui' });
    expect(stored.description).toBe('Predicts **churn** from usage.');
    expect(stored.tags).toEqual([{ key: 'owner', value: 'growth-team' }]);
  });

  it('sets alias champion on version 1 and moves it to Staging', async () => {
    await page.getByTestId('versions').getByRole('link', { name: 'Version 1' }).click();
    const card = page.getByTestId('version');
    await card.waitFor();
    await card.getByLabel('New alias').fill('champion');
    await card.getByRole('button', { name: 'Set alias' }).click();
    await card.getByTestId('aliases').getByText('@champion').waitFor();

    await card.getByLabel('New stage').selectOption('Staging');
    await card.getByLabel(/Archive existing/).check();
    await card.getByRole('button', { name: 'Transition' }).click();
    await card.getByTestId('stage').locator('.badge', { hasText: 'Staging' }).waitFor();

    expect(await aliasTarget('churn-ui', 'champion')).toBe('1');
    expect((await version('churn-ui', '1')).current_stage).toBe('Staging');
  });

  it('edits the version’s description and tags and shows the signature from its download URI', async () => {
    const description = page.getByTestId('version-description');
    await description.getByRole('button', { name: 'Add description' }).click();
    await description.getByLabel('Description').fill('First *candidate*.');
    await description.getByRole('button', { name: 'Save' }).click();
    await description.locator('em', { hasText: 'candidate' }).waitFor();
    const tags = page.getByTestId('version-tags');
    await tags.getByLabel('New tag key').fill('validated');
    await tags.getByLabel('New tag value').fill('yes');
    await tags.getByRole('button', { name: 'Add tag' }).click();
    await tags.getByRole('row', { name: /validated\s+yes/ }).waitFor();
    const stored = await version('churn-ui', '1');
    expect(stored.description).toBe('First *candidate*.');
    expect(stored.tags).toEqual([{ key: 'validated', value: 'yes' }]);

    // The source is an mlflow-artifacts:/ URI (not runs:/): the MLmodel is read through the proxy.
    const model = page.getByTestId('model-file');
    await model.getByTestId('mlmodel-summary').waitFor();
    const text = await model.innerText();
    expect(text).toContain('js_function');
    expect(text).toContain('tenure');
    expect(text).toContain('churn_probability');
    await screenshot(page, 'model-version');
  });

  it('moves the alias to a second version registered from the UI, then deletes it', async () => {
    const status = await registerFromRunPage('churn-ui');
    expect(await status.innerText()).toContain('Registered churn-ui version 2');
    await status.getByRole('link', { name: 'churn-ui version 2' }).click();
    const card = page.getByTestId('version');
    await card.waitFor();
    await card.getByLabel('New alias').fill('champion');
    await card.getByText('moves @champion from version 1').waitFor();
    await card.getByRole('button', { name: 'Set alias' }).click();
    await card.getByTestId('aliases').getByText('@champion').waitFor();
    expect(await aliasTarget('churn-ui', 'champion')).toBe('2');

    // Server errors show inline: a version-like alias is refused.
    await card.getByLabel('New alias').fill('v9');
    await card.getByRole('button', { name: 'Set alias' }).click();
    await card.getByTestId('aliases').getByRole('alert').waitFor();

    await card.getByRole('button', { name: 'Delete alias champion' }).click();
    await card.getByTestId('aliases').getByText('@champion').waitFor({ state: 'detached' });
    expect(await aliasTarget('churn-ui', 'champion')).toBeUndefined();

    // Put it back on version 1 for the model page's picture.
    await api('registered-models/alias', { name: 'churn-ui', alias: 'champion', version: '1' });
    await page.goto(`${server.url}/#/models/churn-ui`);
    await page.getByTestId('versions').getByText('@champion').waitFor();
    await screenshot(page, 'model');
  });

  it('shows the signature of a version whose source is a logged model', async () => {
    await page.goto(`${server.url}/#/models/vision/versions/1`);
    const model = page.getByTestId('model-file');
    await model.getByTestId('mlmodel-summary').waitFor();
    const text = await model.innerText();
    expect(text).toContain('onnx');
    expect(text).toContain('pixels');
    expect(text).toContain('tensor float32 [-1,4]');
    expect(await page.getByTestId('version').innerText()).toContain(loggedModelId);
  });
});
