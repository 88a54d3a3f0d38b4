/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely here; shapes are asserted */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKEND_NAMES, createTestApp } from './helpers/test-app.js';
import type { TestApp } from './helpers/test-app.js';

let t: TestApp;

async function send(method: string, path: string, body?: unknown) {
  const res = await t.app.request(`/api/2.0/mlflow/${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, any>) : {} };
}

const expectError = (
  res: { status: number; json: Record<string, any> },
  status: number,
  code: string,
  message?: RegExp,
) => {
  expect(res.status, JSON.stringify(res.json)).toBe(status);
  expect(res.json.error_code).toBe(code);
  if (message) expect(res.json.message).toMatch(message);
};

describe.each(BACKEND_NAMES)('registry and logged models over HTTP on %s', (backend) => {
  beforeEach(async () => {
    t = await createTestApp(backend);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  async function runWithModel() {
    const run = (await send('POST', 'runs/create', { experiment_id: '0' })).json.run.info;
    await send('POST', 'registered-models/create', { name: 'm' });
    return run as { run_id: string; artifact_uri: string };
  }

  it('registers a logged model: version source resolved, run taken from the model, registration tagged', async () => {
    const run = await runWithModel();
    const { model } = (
      await send('POST', 'logged-models', { experiment_id: '0', name: 'clf', source_run_id: run.run_id })
    ).json;
    const created = await send('POST', 'model-versions/create', {
      name: 'm',
      source: `models:/${model.info.model_id}`,
      model_id: model.info.model_id,
    });
    expect(created.status).toBe(200);
    expect(created.json.model_version).toMatchObject({
      version: '1',
      source: `models:/${model.info.model_id}`,
      run_id: run.run_id,
      model_id: model.info.model_id,
    });
    const uri = await send('GET', 'model-versions/get-download-uri?name=m&version=1');
    expect(uri.json.artifact_uri).toBe(model.info.artifact_uri);
    const tagged = (await send('GET', `logged-models/${model.info.model_id}`)).json.model.info.tags;
    expect(tagged).toContainEqual({
      key: 'mlflow.modelVersions',
      value: JSON.stringify([{ name: 'm', version: '1' }]),
    });
    // A version of a version: `models:/m/1` resolves to the same files.
    await send('POST', 'model-versions/create', { name: 'm', source: 'models:/m/1' });
    expect((await send('GET', 'model-versions/get-download-uri?name=m&version=2')).json.artifact_uri).toBe(
      model.info.artifact_uri,
    );
  });

  it('refuses sources that climb out of their location, and local paths outside the run', async () => {
    const run = await runWithModel();
    for (const source of [
      'mlflow-artifacts:/0/../../etc',
      'http://host/api/2.0/mlflow-artifacts/artifacts/..%2f..%2fsecret',
      's3://bucket/a/../../b',
      'mlflow-artifacts:/0/x%00y',
    ]) {
      expectError(
        await send('POST', 'model-versions/create', { name: 'm', source, run_id: run.run_id }),
        400,
        'INVALID_PARAMETER_VALUE',
        /absolute path must be provided without relative path references/,
      );
    }
    expectError(
      await send('POST', 'model-versions/create', {
        name: 'm',
        source: 'file:///tmp/model',
        run_id: run.run_id,
      }),
      400,
      'INVALID_PARAMETER_VALUE',
      /has to be contained within the artifact directory of the run/,
    );
    expect((await send('GET', 'model-versions/search?filter=name%3D%27m%27')).json).toEqual({});
  });

  it('answers unknown models and versions, bad versions, bad stages and missing fields as MLflow does', async () => {
    await runWithModel();
    expectError(await send('GET', 'registered-models/get?name=nope'), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(
      await send('POST', 'model-versions/create', { name: 'nope', source: 's3://b/m' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(
      await send('GET', 'model-versions/get?name=m&version=abc'),
      400,
      'INVALID_PARAMETER_VALUE',
      /must be an integer/,
    );
    expectError(await send('POST', 'registered-models/create', {}), 400, 'INVALID_PARAMETER_VALUE', /'name'/);
    expectError(
      await send('POST', 'model-versions/transition-stage', { name: 'm', version: '1', stage: 'Prod' }),
      400,
      'INVALID_PARAMETER_VALUE',
      /Invalid Model Version stage: Prod/,
    );
    expectError(
      await send('GET', 'model-versions/search?max_results=200001'),
      400,
      'INVALID_PARAMETER_VALUE',
      /max_results/,
    );
    expectError(
      await send('GET', "registered-models/search?filter=name%20%3E%20'a'"),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectError(
      await send('POST', 'registered-models/alias', { name: 'm', alias: 'bad alias', version: '1' }),
      400,
      'INVALID_PARAMETER_VALUE',
      /Invalid alias name/,
    );
  });

  it('serves logged models: search, params, tag deletion, artifacts listing, run outputs and 404s', async () => {
    const run = (await send('POST', 'runs/create', { experiment_id: '0' })).json.run.info;
    const { model } = (await send('POST', 'logged-models', { experiment_id: '0', name: 'a' })).json;
    const id = model.info.model_id as string;
    await t.artifacts.put(
      `0/models/${id}/artifacts/MLmodel`,
      new Blob(['flavors: {}\n']).stream() as unknown as ReadableStream<Uint8Array>,
    );
    const listing = await send('GET', `logged-models/${id}/artifacts/directories`);
    expect(listing.json).toEqual({
      root_uri: model.info.artifact_uri,
      files: [{ path: 'MLmodel', is_dir: false, file_size: 12 }],
    });
    expect(
      (await send('POST', `logged-models/${id}/params`, { params: [{ key: 'lr', value: '0.1' }] })).status,
    ).toBe(200);
    await send('PATCH', `logged-models/${id}/tags`, { tags: [{ key: 'k', value: 'v' }] });
    expect((await send('DELETE', `logged-models/${id}/tags/k`)).status).toBe(200);
    expectError(await send('DELETE', `logged-models/${id}/tags/k`), 404, 'RESOURCE_DOES_NOT_EXIST');
    const found = await send('POST', 'logged-models/search', {
      experiment_ids: ['0'],
      filter: "params.lr = '0.1'",
      order_by: [{ field_name: 'creation_time', ascending: false }],
    });
    expect(found.json.models.map((m: any) => m.info.model_id)).toEqual([id]);
    expect(found.json.models[0].data.params).toEqual([{ key: 'lr', value: '0.1' }]);
    expectError(
      await send('POST', 'logged-models/search', {}),
      400,
      'INVALID_PARAMETER_VALUE',
      /experiment_ids/,
    );
    expect(
      (await send('POST', 'runs/outputs', { run_id: run.run_id, models: [{ model_id: id, step: 2 }] }))
        .status,
    ).toBe(200);
    expect((await send('GET', `runs/get?run_id=${run.run_id}`)).json.run.outputs).toEqual({
      model_outputs: [{ model_id: id, step: 2 }],
    });
    expectError(
      await send('GET', 'logged-models/m-nope'),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      /Logged model with ID 'm-nope' not found/,
    );
    expect((await send('DELETE', `logged-models/${id}`)).status).toBe(200);
    expectError(await send('GET', `logged-models/${id}`), 404, 'RESOURCE_DOES_NOT_EXIST');
  });
});
