import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ComponentSpec } from '@ferry/pipeline';
import { artifact, out, param, shell, spec, task, useHarness } from './controller-harness.js';

/** A project step's component, as the DSL compiles `step({ project })`. */
const projectStep = (inputs: ComponentSpec['inputs']): ComponentSpec => ({
  name: 'train',
  inputs,
  outputs: {},
  implementation: {
    project: {
      uri: 'https://git.example/repo.git#models/churn',
      entryPoint: 'train',
      version: 'v1.2',
      envManager: 'local',
    },
  },
});

describe('pipeline controller: project steps', () => {
  const h = useHarness('sqlite');

  it('runs `ferry run <uri> --run-id <the task run> -e … -P …`, artifacts passed as local paths', async () => {
    const { dir, pipelines, deps, experimentId } = h.current();
    // Stands in for `ferry run`: records its argv, its run id variable and whether the artifact path exists.
    deps.projectCommand = [
      'sh',
      '-c',
      `printf '%s\\n' "$@" > ${join(dir, 'argv.txt')}; echo "$FERRY_RUN_ID" > ${join(dir, 'run-id.txt')}; ` +
        `cat "$(printf '%s\\n' "$@" | sed -n 's/^data=//p')/rows.txt" > ${join(dir, 'seen.txt')}`,
      'ferry-run',
    ];
    const controller = h.current().controller();
    const pipeline = spec('with-project', {
      prepare: task(
        shell('prepare', 'mkdir -p {{outputs.data}} && echo 1 > {{outputs.data}}/rows.txt', {
          outputs: { data: artifact('Dataset') },
        }),
      ),
      train: task(projectStep({ alpha: param('number'), name: param('string'), data: artifact('Dataset') }), {
        alpha: { constant: 0.5 },
        name: { constant: 'churn model' },
        data: out('prepare', 'data'),
      }),
    });
    const run = await controller.wait((await controller.submit({ spec: pipeline, experimentId })).id);
    expect(run.status).toBe('succeeded');
    const train = (await pipelines.listTasks(run.id)).find((t) => t.taskId === 'train')!;
    const argv = (await readFile(join(dir, 'argv.txt'), 'utf8')).trimEnd().split('\n');
    const dataArg = argv.find((a) => a.startsWith('data='))!;
    expect(argv).toEqual([
      'https://git.example/repo.git#models/churn',
      '--run-id',
      train.trackingRunId,
      '-e',
      'train',
      '--version',
      'v1.2',
      '--env-manager',
      'local',
      '-P',
      'alpha=0.5',
      '-P',
      'name=churn model',
      '-P',
      dataArg,
    ]);
    expect((await readFile(join(dir, 'run-id.txt'), 'utf8')).trim()).toBe(train.trackingRunId);
    expect((await readFile(join(dir, 'seen.txt'), 'utf8')).trim()).toBe('1');
  });

  it('a failing project fails its task', async () => {
    const { pipelines, deps, experimentId } = h.current();
    deps.projectCommand = ['sh', '-c', 'echo "no such entry point" >&2; exit 3', 'ferry-run'];
    const controller = h.current().controller();
    const run = await controller.wait(
      (await controller.submit({ spec: spec('failing', { train: task(projectStep({})) }), experimentId })).id,
    );
    expect(run.status).toBe('failed');
    const [train] = await pipelines.listTasks(run.id);
    expect(train!.status).toBe('failed');
    expect(train!.error).toContain('3');
  });
});
