/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely here; shapes are asserted */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { specDigest } from '@ferry/pipeline';
import { BACKEND_NAMES } from './helpers/test-app.js';
import {
  call,
  createPipelinesApp,
  expectError,
  ok,
  out,
  shell,
  spec,
  task,
  twoStepSpec,
} from './helpers/pipelines-app.js';
import type { PipelinesApp } from './helpers/pipelines-app.js';

let t: PipelinesApp;

describe.each(BACKEND_NAMES)('pipelines and versions over HTTP on %s', (backend) => {
  beforeEach(async () => {
    t = await createPipelinesApp(backend);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('creates, gets (by id and by name), lists and deletes pipelines', async () => {
    const { pipeline } = await ok(t.app, 'POST', 'pipelines/create', { name: 'etl', description: 'nightly' });
    expect(pipeline).toEqual({
      pipeline_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      name: 'etl',
      description: 'nightly',
      created_at: expect.any(Number),
      latest_version: null,
    });
    expect((await ok(t.app, 'GET', 'pipelines/get', { pipeline_id: pipeline.pipeline_id })).pipeline).toEqual(
      pipeline,
    );
    expect((await ok(t.app, 'GET', 'pipelines/get', { pipeline_id: 'etl' })).pipeline).toEqual(pipeline);
    // The ajax prefix serves the same API.
    const ajax = await call(t.app, 'GET', 'pipelines/get', { pipeline_id: 'etl' }, '/ajax-api/2.0/ferry');
    expect(ajax.json.pipeline).toEqual(pipeline);

    await ok(t.app, 'POST', 'pipelines/create', { name: 'train' });
    await ok(t.app, 'POST', 'pipelines/create', { name: 'train-big' });
    const all = await ok(t.app, 'GET', 'pipelines/list');
    expect(all.pipelines.map((p: any) => p.name)).toEqual(['etl', 'train', 'train-big']);
    expect(all.next_page_token).toBeUndefined();
    const first = await ok(t.app, 'GET', 'pipelines/list', { max_results: 2 });
    expect(first.pipelines.map((p: any) => p.name)).toEqual(['etl', 'train']);
    const second = await ok(t.app, 'GET', 'pipelines/list', {
      max_results: 2,
      page_token: first.next_page_token,
    });
    expect(second.pipelines.map((p: any) => p.name)).toEqual(['train-big']);
    const prefixed = await ok(t.app, 'GET', 'pipelines/list', { name_prefix: 'train' });
    expect(prefixed.pipelines.map((p: any) => p.name)).toEqual(['train', 'train-big']);

    expect(await ok(t.app, 'POST', 'pipelines/delete', { pipeline_id: pipeline.pipeline_id })).toEqual({});
    expectError(
      await call(t.app, 'GET', 'pipelines/get', { pipeline_id: pipeline.pipeline_id }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expect((await ok(t.app, 'GET', 'pipelines/list', { name_prefix: 'nothing' })).pipelines).toEqual([]);
  });

  it('creates numbered versions from a spec, gets and lists them newest first', async () => {
    const { pipeline } = await ok(t.app, 'POST', 'pipelines/create', { name: 'two-step' });
    const body = twoStepSpec();
    const v1 = (
      await ok(t.app, 'POST', 'pipelines/versions/create', {
        pipeline_id: pipeline.pipeline_id,
        spec: body,
        description: 'first',
      })
    ).version;
    expect(v1).toEqual({
      pipeline_id: pipeline.pipeline_id,
      version: 1,
      spec: body,
      spec_digest: specDigest(body),
      description: 'first',
      created_at: expect.any(Number),
    });
    // By name too.
    const v2 = (await ok(t.app, 'POST', 'pipelines/versions/create', { pipeline_id: 'two-step', spec: body }))
      .version;
    expect(v2).toMatchObject({ version: 2, description: null, spec_digest: v1.spec_digest });
    expect(
      (await ok(t.app, 'GET', 'pipelines/get', { pipeline_id: 'two-step' })).pipeline.latest_version,
    ).toBe(2);
    expect(
      (await ok(t.app, 'GET', 'pipelines/versions/get', { pipeline_id: pipeline.pipeline_id, version: 1 }))
        .version,
    ).toEqual(v1);
    const listed = await ok(t.app, 'GET', 'pipelines/versions/list', { pipeline_id: pipeline.pipeline_id });
    expect(listed.versions.map((v: any) => v.version)).toEqual([2, 1]);
    const paged = await ok(t.app, 'GET', 'pipelines/versions/list', {
      pipeline_id: pipeline.pipeline_id,
      max_results: 1,
    });
    expect(paged.versions.map((v: any) => v.version)).toEqual([2]);
    expect(paged.next_page_token).toEqual(expect.any(String));
  });

  it('refuses a bad spec with a 400 naming the problem', async () => {
    const { pipeline } = await ok(t.app, 'POST', 'pipelines/create', { name: 'bad' });
    const ghost = spec('bad', {
      b: task(
        shell('b', 'cat {{inputs.data}}', { inputs: { data: { kind: 'artifact', type: 'Dataset' } } }),
        {
          data: out('ghost', 'data'),
        },
      ),
    });
    expectError(
      await call(t.app, 'POST', 'pipelines/versions/create', {
        pipeline_id: pipeline.pipeline_id,
        spec: ghost,
      }),
      400,
      'INVALID_PARAMETER_VALUE',
      /tasks\.b\.arguments\.data: .*unknown task 'ghost'/,
    );
    expectError(
      await call(t.app, 'POST', 'pipelines/versions/create', {
        pipeline_id: pipeline.pipeline_id,
        spec: { ...ghost, apiVersion: 'v0' },
      }),
      400,
      'INVALID_PARAMETER_VALUE',
      /apiVersion/,
    );
    expectError(
      await call(t.app, 'POST', 'pipelines/versions/create', { pipeline_id: pipeline.pipeline_id }),
      400,
      'INVALID_PARAMETER_VALUE',
      /spec/,
    );
    expectError(
      await call(t.app, 'POST', 'pipelines/versions/create', {
        pipeline_id: pipeline.pipeline_id,
        spec: 'yaml',
      }),
      400,
      'INVALID_PARAMETER_VALUE',
      /spec/,
    );
    // Nothing was stored.
    expect(
      (await ok(t.app, 'GET', 'pipelines/get', { pipeline_id: 'bad' })).pipeline.latest_version,
    ).toBeNull();
  });

  it('answers unknown ids with 404, taken names and missing fields with 400', async () => {
    const missingId = '0123456789abcdef0123456789abcdef';
    expectError(
      await call(t.app, 'GET', 'pipelines/get', { pipeline_id: missingId }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(
      await call(t.app, 'POST', 'pipelines/delete', { pipeline_id: missingId }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(
      await call(t.app, 'POST', 'pipelines/versions/create', { pipeline_id: missingId, spec: twoStepSpec() }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(
      await call(t.app, 'GET', 'pipelines/versions/list', { pipeline_id: missingId }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    await ok(t.app, 'POST', 'pipelines/create', { name: 'p' });
    expectError(
      await call(t.app, 'GET', 'pipelines/versions/get', { pipeline_id: 'p', version: 7 }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(await call(t.app, 'POST', 'pipelines/create', { name: 'p' }), 400, 'RESOURCE_ALREADY_EXISTS');
    expectError(await call(t.app, 'POST', 'pipelines/create', {}), 400, 'INVALID_PARAMETER_VALUE', /'name'/);
    expectError(
      await call(t.app, 'GET', 'pipelines/versions/get', { pipeline_id: 'p', version: 'one' }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectError(await call(t.app, 'GET', 'pipelines/get'), 400, 'INVALID_PARAMETER_VALUE', /pipeline_id/);
    expectError(
      await call(t.app, 'GET', 'pipelines/list', { max_results: 100000 }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    // POST-only endpoints refuse GET.
    expect((await call(t.app, 'GET', 'pipelines/create')).status).toBe(405);
  });
});
