/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely here; shapes are asserted */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKEND_NAMES } from './helpers/test-app.js';
import {
  call,
  constant,
  createPipelinesApp,
  expectError,
  finished,
  ok,
  param,
  shell,
  spec,
  task,
  twoStepSpec,
  until,
} from './helpers/pipelines-app.js';
import type { PipelinesApp } from './helpers/pipelines-app.js';

let t: PipelinesApp;

const logs = (args: Record<string, unknown>) => call(t.app, 'GET', 'pipelines/runs/logs', args);

describe.each(BACKEND_NAMES)('pipeline runs over HTTP on %s', (backend) => {
  beforeEach(async () => {
    t = await createPipelinesApp(backend);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('runs a stored pipeline (latest version), with tasks, logs, lineage and listing', async () => {
    const { pipeline } = await ok(t.app, 'POST', 'pipelines/create', { name: 'two-step' });
    await ok(t.app, 'POST', 'pipelines/versions/create', {
      pipeline_id: pipeline.pipeline_id,
      spec: twoStepSpec(),
    });
    await ok(t.app, 'POST', 'pipelines/versions/create', {
      pipeline_id: pipeline.pipeline_id,
      spec: twoStepSpec(),
    });
    const created = (
      await ok(t.app, 'POST', 'pipelines/runs/create', {
        pipeline_id: 'two-step',
        name: 'first',
        parameters: { rows: 5 },
      })
    ).run;
    expect(created).toMatchObject({
      run_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      name: 'first',
      pipeline_id: pipeline.pipeline_id,
      pipeline_version: 2,
      parameters: { rows: 5 },
      experiment_id: '0',
      tracking_run_id: expect.any(String),
      schedule_id: null,
      spec: twoStepSpec(),
    });
    expect(['pending', 'running', 'succeeded']).toContain(created.status);

    const { run, tasks } = await finished(t.app, created.run_id);
    expect(run).toMatchObject({ status: 'succeeded', error: null, started_at: expect.any(Number) });
    expect(run.finished_at).toBeGreaterThanOrEqual(run.started_at);
    const byId = Object.fromEntries(tasks.map((task: any) => [task.task_id, task]));
    expect(Object.keys(byId).sort()).toEqual(['count', 'prep']);
    expect(byId.prep).toMatchObject({
      name: 'prep',
      parent_task_id: null,
      status: 'succeeded',
      attempt: 1,
      inputs: { rows: 5 },
      cached_from: null,
      error: null,
      log_uri: expect.stringMatching(/attempt-1\.log$/),
    });
    expect(Object.keys(byId.prep).sort()).toEqual(
      [
        'task_id',
        'name',
        'parent_task_id',
        'status',
        'attempt',
        'inputs',
        'outputs',
        'cache_key',
        'cached_from',
        'tracking_run_id',
        'log_uri',
        'error',
        'created_at',
        'started_at',
        'finished_at',
      ].sort(),
    );

    // Logs of finished tasks come from the stored log artifact.
    const prepLog = await logs({ run_id: run.run_id, task_id: 'prep' });
    expect(prepLog.status).toBe(200);
    expect(prepLog.contentType).toMatch(/^text\/plain/);
    expect(prepLog.text).toContain('prepping 5 rows');
    expect((await logs({ run_id: run.run_id, task_id: 'count', attempt: 1 })).text).toContain('lines: 5');
    expectError(
      await logs({ run_id: run.run_id, task_id: 'count', attempt: 4 }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(await logs({ run_id: run.run_id, task_id: 'nope' }), 404, 'RESOURCE_DOES_NOT_EXIST');

    // Lineage: prep's Dataset output, read by count.
    const dataUri = byId.prep.outputs.data as string;
    const producer = (await ok(t.app, 'GET', 'pipelines/lineage/producer', { uri: dataUri })).artifact;
    expect(producer).toEqual({
      uri: dataUri,
      run_id: run.run_id,
      task_id: 'prep',
      name: 'data',
      role: 'output',
      artifact_type: 'Dataset',
      digest: expect.any(String),
      created_at: expect.any(Number),
    });
    const ofUri = (await ok(t.app, 'GET', 'pipelines/lineage', { uri: dataUri })).artifacts;
    expect(ofUri.map((a: any) => `${a.task_id}:${a.role}`).sort()).toEqual(['count:input', 'prep:output']);
    const ofRun = (await ok(t.app, 'GET', 'pipelines/lineage', { run_id: run.run_id })).artifacts;
    expect(ofRun.length).toBeGreaterThanOrEqual(2);
    expectError(
      await call(t.app, 'GET', 'pipelines/lineage/producer', { uri: 'mlflow-artifacts:/nowhere' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(await call(t.app, 'GET', 'pipelines/lineage'), 400, 'INVALID_PARAMETER_VALUE');

    // Listing: by pipeline, by status; lists leave the spec out.
    const other = (await ok(t.app, 'POST', 'pipelines/runs/create', { spec: twoStepSpec() })).run;
    await finished(t.app, other.run_id);
    const ofPipeline = await ok(t.app, 'GET', 'pipelines/runs/list', { pipeline_id: pipeline.pipeline_id });
    expect(ofPipeline.runs.map((r: any) => r.run_id)).toEqual([run.run_id]);
    expect(ofPipeline.runs[0].spec).toBeUndefined();
    expect(ofPipeline.runs[0].status).toBe('succeeded');
    const all = await ok(t.app, 'GET', 'pipelines/runs/list', { status: ['succeeded', 'failed'] });
    expect(all.runs.map((r: any) => r.run_id)).toEqual([other.run_id, run.run_id]);
    expect((await ok(t.app, 'GET', 'pipelines/runs/list', { status: 'failed' })).runs).toEqual([]);
    const page = await ok(t.app, 'GET', 'pipelines/runs/list', { max_results: 1 });
    expect(page.runs).toHaveLength(1);
    expect(page.next_page_token).toEqual(expect.any(String));
    expectError(
      await call(t.app, 'GET', 'pipelines/runs/list', { status: 'done' }),
      400,
      'INVALID_PARAMETER_VALUE',
      /status/,
    );

    // An explicit version.
    const v1 = (await ok(t.app, 'POST', 'pipelines/runs/create', { pipeline_id: 'two-step', version: 1 }))
      .run;
    expect(v1).toMatchObject({ pipeline_version: 1, parameters: {} });
    expect((await finished(t.app, v1.run_id)).run.status).toBe('succeeded');
  });

  it('runs an inline spec with parameters, and refuses bad parameters, specs and references', async () => {
    const experimentId = (
      (await (
        await t.app.request('/api/2.0/mlflow/experiments/create', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'pipes' }),
        })
      ).json()) as any
    ).experiment_id as string;
    const greet = spec(
      'greet',
      {
        hello: task(
          shell('hello', 'echo "hello {{inputs.who}} x{{inputs.times}}"', {
            inputs: { who: param('string'), times: param('integer') },
          }),
          { who: { parameter: 'who' }, times: constant(2) },
        ),
      },
      { parameters: { who: { schema: { type: 'string' } } } },
    );
    const { run } = await ok(t.app, 'POST', 'pipelines/runs/create', {
      spec: greet,
      parameters: { who: 'ferry' },
      experiment_id: experimentId,
      no_cache: true,
    });
    expect(run).toMatchObject({ pipeline_id: null, pipeline_version: null, experiment_id: experimentId });
    expect(run.name).toMatch(/^greet-/);
    const done = await finished(t.app, run.run_id);
    expect(done.run.status).toBe('succeeded');
    expect((await logs({ run_id: run.run_id, task_id: 'hello' })).text).toContain('hello ferry x2');

    expectError(
      await call(t.app, 'POST', 'pipelines/runs/create', { spec: greet }),
      400,
      'INVALID_PARAMETER_VALUE',
      /who/,
    );
    expectError(
      await call(t.app, 'POST', 'pipelines/runs/create', { spec: greet, parameters: { who: 3 } }),
      400,
      'INVALID_PARAMETER_VALUE',
      /who/,
    );
    expectError(
      await call(t.app, 'POST', 'pipelines/runs/create', { spec: greet, parameters: { who: 'x', extra: 1 } }),
      400,
      'INVALID_PARAMETER_VALUE',
      /extra/,
    );
    expectError(
      await call(t.app, 'POST', 'pipelines/runs/create', { spec: greet, parameters: 'who=x' }),
      400,
      'INVALID_PARAMETER_VALUE',
      /parameters/,
    );
    expectError(
      await call(t.app, 'POST', 'pipelines/runs/create', { spec: { ...greet, tasks: { x: {} } } }),
      400,
      'INVALID_PARAMETER_VALUE',
      /tasks\.x/,
    );
    expectError(
      await call(t.app, 'POST', 'pipelines/runs/create', {}),
      400,
      'INVALID_PARAMETER_VALUE',
      /pipeline_id/,
    );
    await ok(t.app, 'POST', 'pipelines/create', { name: 'empty' });
    expectError(
      await call(t.app, 'POST', 'pipelines/runs/create', { spec: greet, pipeline_id: 'empty' }),
      400,
      'INVALID_PARAMETER_VALUE',
      /not both/,
    );
    expectError(
      await call(t.app, 'POST', 'pipelines/runs/create', { pipeline_id: 'empty' }),
      400,
      'INVALID_PARAMETER_VALUE',
      /no versions/,
    );
    expectError(
      await call(t.app, 'POST', 'pipelines/runs/create', { pipeline_id: 'nope' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(
      await call(t.app, 'POST', 'pipelines/runs/create', {
        spec: greet,
        parameters: { who: 'x' },
        experiment_id: '999',
      }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    // None of the refused requests left a run behind.
    expect((await ok(t.app, 'GET', 'pipelines/runs/list')).runs).toHaveLength(1);

    const missingRun = '0123456789abcdef0123456789abcdef';
    for (const [method, path] of [
      ['GET', 'pipelines/runs/get'],
      ['POST', 'pipelines/runs/cancel'],
      ['POST', 'pipelines/runs/retry'],
    ] as const) {
      expectError(await call(t.app, method, path, { run_id: missingRun }), 404, 'RESOURCE_DOES_NOT_EXIST');
    }
    expectError(
      await call(t.app, 'GET', 'pipelines/lineage', { run_id: missingRun }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(await logs({ run_id: missingRun, task_id: 'hello' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await logs({ run_id: run.run_id }), 400, 'INVALID_PARAMETER_VALUE', /task_id/);
  });

  it('cancels a sleeping run, with the live log readable while it runs', async () => {
    const sleepy = spec('sleepy', { nap: task(shell('nap', 'echo "going to sleep"; sleep 60')) });
    const { run } = await ok(t.app, 'POST', 'pipelines/runs/create', { spec: sleepy });
    await until(async () => {
      const { tasks } = await ok(t.app, 'GET', 'pipelines/runs/get', { run_id: run.run_id });
      return tasks.find((x: any) => x.task_id === 'nap' && x.status === 'running');
    }, 'the task to run');
    // While it runs, the log is the live local file.
    await until(async () => {
      const res = await logs({ run_id: run.run_id, task_id: 'nap' });
      return res.status === 200 && res.text.includes('going to sleep') ? res : undefined;
    }, 'the live log');

    const cancelled = (await ok(t.app, 'POST', 'pipelines/runs/cancel', { run_id: run.run_id })).run;
    expect(['cancelling', 'cancelled']).toContain(cancelled.status);
    const done = await finished(t.app, run.run_id);
    expect(done.run.status).toBe('cancelled');
    expect(done.tasks.map((x: any) => x.status)).toEqual(['cancelled']);
    // Cancelling a finished run changes nothing.
    expect((await ok(t.app, 'POST', 'pipelines/runs/cancel', { run_id: run.run_id })).run.status).toBe(
      'cancelled',
    );
  });

  it('retries a failed run from where it failed; a succeeded run cannot be retried', async () => {
    const marker = t.path('second-time');
    const flaky = spec('flaky', {
      first: task(shell('first', 'echo first')),
      flaky: task(
        shell(
          'flaky',
          `if [ -f ${marker} ]; then echo recovered; else touch ${marker}; echo broken; exit 3; fi`,
        ),
      ),
    });
    flaky.tasks.flaky!.dependsOn = ['first'];
    const { run } = await ok(t.app, 'POST', 'pipelines/runs/create', { spec: flaky });
    const failed = await finished(t.app, run.run_id);
    expect(failed.run.status).toBe('failed');
    const flakyTask = failed.tasks.find((x: any) => x.task_id === 'flaky');
    expect(flakyTask).toMatchObject({ status: 'failed', error: expect.stringMatching(/exit code 3/) });
    expect((await logs({ run_id: run.run_id, task_id: 'flaky' })).text).toContain('broken');

    const retried = (await ok(t.app, 'POST', 'pipelines/runs/retry', { run_id: run.run_id })).run;
    expect(retried).toMatchObject({ run_id: run.run_id, finished_at: null, error: null });
    const done = await finished(t.app, run.run_id);
    expect(done.run.status).toBe('succeeded');
    const byId = Object.fromEntries(done.tasks.map((x: any) => [x.task_id, x]));
    expect(byId.first.status).toBe('succeeded');
    expect(byId.flaky).toMatchObject({ status: 'succeeded', error: null });
    expect((await logs({ run_id: run.run_id, task_id: 'flaky' })).text).toContain('recovered');

    expectError(
      await call(t.app, 'POST', 'pipelines/runs/retry', { run_id: run.run_id }),
      400,
      'INVALID_PARAMETER_VALUE',
      /succeeded/,
    );
  });

  it('reads pipelines and runs without a controller, and answers 501 to what needs one', async () => {
    const { run } = await ok(t.app, 'POST', 'pipelines/runs/create', { spec: twoStepSpec() });
    await finished(t.app, run.run_id);
    const ro = t.readOnly;
    expect((await call(ro, 'GET', 'pipelines/runs/get', { run_id: run.run_id })).json.run.status).toBe(
      'succeeded',
    );
    expect((await call(ro, 'GET', 'pipelines/runs/list')).json.runs).toHaveLength(1);
    expect(
      (await call(ro, 'GET', 'pipelines/runs/logs', { run_id: run.run_id, task_id: 'prep' })).text,
    ).toContain('prepping 3 rows');
    for (const [path, body] of [
      ['pipelines/runs/create', { spec: twoStepSpec() }],
      ['pipelines/runs/cancel', { run_id: run.run_id }],
      ['pipelines/runs/retry', { run_id: run.run_id }],
    ] as const) {
      expectError(await call(ro, 'POST', path, body), 501, 'NOT_IMPLEMENTED', /pipeline controller/);
    }
  });
});
