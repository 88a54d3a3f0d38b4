import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKEND_NAMES } from './helpers/test-app.js';
import { call, createPipelinesApp, expectError, finished, ok } from './helpers/pipelines-app.js';
import type { PipelinesApp } from './helpers/pipelines-app.js';

let t: PipelinesApp;

describe.each(BACKEND_NAMES)('project runs over HTTP on %s', (backend) => {
  beforeEach(async () => {
    t = await createPipelinesApp(backend, {
      // Stands in for `ferry run`: records its argv, fails for the entry point `broken`.
      projectCommand: [
        'sh',
        '-c',
        'printf "%s\\n" "$@" > "$FERRY_TEST_ARGV"; case "$*" in *"-e broken"*) exit 2;; esac',
        'ferry-run',
      ],
    });
    process.env.FERRY_TEST_ARGV = t.path('argv.txt');
  });
  afterEach(async () => {
    delete process.env.FERRY_TEST_ARGV;
    await t.cleanup();
  });

  it('submits a project run: a one-task pipeline run whose task runs the entry point in its own tracking run', async () => {
    const submitted = (
      await ok(t.app, 'POST', 'projects/runs/submit', {
        uri: 'https://git.example/ml.git#churn',
        entry_point: 'train',
        parameters: { alpha: 0.5, epochs: 3, note: 'first try', fast: true },
        version: 'v2',
        env_manager: 'local',
        run_name: 'churn training',
      })
    ).run;
    expect(submitted).toMatchObject({ name: 'churn training', experiment_id: '0' });
    expect(submitted.spec.tasks.train.component.implementation).toEqual({
      project: {
        uri: 'https://git.example/ml.git#churn',
        entryPoint: 'train',
        version: 'v2',
        envManager: 'local',
      },
    });
    const done = await finished(t.app, submitted.run_id);
    expect(done.run.status).toBe('succeeded');
    const [trainTask] = done.tasks;
    expect(trainTask.task_id).toBe('train');
    const argv = (await readFile(t.path('argv.txt'), 'utf8')).trimEnd().split('\n');
    expect(argv).toEqual([
      'https://git.example/ml.git#churn',
      '--run-id',
      trainTask.tracking_run_id,
      '-e',
      'train',
      '--version',
      'v2',
      '--env-manager',
      'local',
      '-P',
      'alpha=0.5',
      '-P',
      'epochs=3',
      '-P',
      'note=first try',
      '-P',
      'fast=true',
    ]);
    // Never answered from a cache: the same project again runs again.
    const again = (
      await ok(t.app, 'POST', 'projects/runs/submit', {
        uri: 'https://git.example/ml.git#churn',
        entry_point: 'train',
      })
    ).run;
    const second = await finished(t.app, again.run_id);
    expect(second.tasks[0].status).toBe('succeeded');
  });

  it('a failing entry point fails the run; the default entry point is main', async () => {
    const broken = (
      await ok(t.app, 'POST', 'projects/runs/submit', { uri: '/srv/project', entry_point: 'broken' })
    ).run;
    expect((await finished(t.app, broken.run_id)).run.status).toBe('failed');
    const main = (await ok(t.app, 'POST', 'projects/runs/submit', { uri: '/srv/project' })).run;
    expect(Object.keys(main.spec.tasks)).toEqual(['main']);
    expect(main.spec.name).toBe('project project');
  });

  it('bad requests: clear errors, nothing created', async () => {
    expectError(
      await call(t.app, 'POST', 'projects/runs/submit', {}),
      400,
      'INVALID_PARAMETER_VALUE',
      /'uri'/,
    );
    expectError(
      await call(t.app, 'POST', 'projects/runs/submit', { uri: '.', parameters: { a: { nested: 1 } } }),
      400,
      'INVALID_PARAMETER_VALUE',
      /Project parameter 'a' must be a string, number or boolean/,
    );
    expectError(
      await call(t.app, 'POST', 'projects/runs/submit', { uri: '.', experiment_id: '424242' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expect((await ok(t.app, 'GET', 'pipelines/runs/list', {})).runs ?? []).toEqual([]);
    expectError(await call(t.readOnly, 'POST', 'projects/runs/submit', { uri: '.' }), 501, 'NOT_IMPLEMENTED');
  });
});
