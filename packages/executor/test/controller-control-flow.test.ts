import { describe, expect, it } from 'vitest';
import type { PipelineSpec } from '@ferry/pipeline';
import { constant, out, param, shell, spec, statuses, task, useHarness } from './controller-harness.js';

describe('pipeline controller: control flow', () => {
  const h = useHarness();
  const run = async (pipeline: PipelineSpec, parameters = {}) => {
    const controller = h.current().controller();
    const { id } = await controller.submit({
      spec: pipeline,
      experimentId: h.current().experimentId,
      parameters,
    });
    return controller.wait(id);
  };

  it('runs the branch whose condition holds and skips the other, and what depends on it', async () => {
    const score = task(shell('score', 'echo 0.8 > {{outputs.acc}}', { outputs: { acc: param('number') } }));
    const when = (op: '>=' | '<') => ({ op, left: out('score', 'acc'), right: { parameter: 'threshold' } });
    const pipeline = spec(
      'branch',
      {
        score,
        register: task(shell('register', 'echo register'), {}, { when: when('>='), dependsOn: ['score'] }),
        alert: task(shell('alert', 'echo alert'), {}, { when: { not: when('>=') }, dependsOn: ['score'] }),
        afterAlert: task(shell('after-alert', 'echo after-alert'), {}, { dependsOn: ['alert'] }),
      },
      { parameters: { threshold: { schema: { type: 'number' }, default: 0.5 } } },
    );
    const high = await run(pipeline);
    expect(high.status).toBe('succeeded');
    expect(await statuses(h.current().pipelines, high.id)).toEqual({
      score: 'succeeded',
      register: 'succeeded',
      alert: 'skipped',
      afterAlert: 'skipped',
    });
    const low = await run(pipeline, { threshold: 0.9 });
    expect(await statuses(h.current().pipelines, low.id)).toMatchObject({
      register: 'skipped',
      alert: 'succeeded',
    });
    const tasks = await h.current().pipelines.listTasks(low.id);
    expect(tasks.find((t) => t.taskId === 'register')!.error).toBe('condition is false');
  });

  it('loops over a static list with a parallelism bound and fans the outputs in, in item order', async () => {
    const { dir } = h.current();
    const square = shell(
      'square',
      `echo start >> ${dir}/events; sleep 0.2; echo $(( {{inputs.x}} * {{inputs.x}} )) > {{outputs.y}}; echo end >> ${dir}/events`,
      { inputs: { x: param('integer') }, outputs: { y: param('integer') } },
    );
    const pipeline = spec('loop', {
      squares: task(
        square,
        { x: { loopItem: {} } },
        { forEach: { items: constant([1, 2, 3, 4, 5]), parallelism: 2 } },
      ),
      total: task(
        shell(
          'total',
          `echo '{{inputs.ys}}' | tr -d '[]' | tr ',' '\\n' | awk '{ s += $1 } END { print s }' > {{outputs.sum}}`,
          {
            inputs: { ys: param('array') },
            outputs: { sum: param('integer') },
          },
        ),
        { ys: out('squares', 'y') },
      ),
    });
    const done = await run(pipeline);
    expect(done.status).toBe('succeeded');
    const tasks = await h.current().pipelines.listTasks(done.id);
    const byId = Object.fromEntries(tasks.map((t) => [t.taskId, t]));
    expect(byId['squares']!.outputs).toEqual({ y: [1, 4, 9, 16, 25] });
    expect(byId['total']!.outputs).toEqual({ sum: 55 });
    expect(['squares/0', 'squares/4'].map((id) => byId[id]!.parentTaskId)).toEqual(['squares', 'squares']);
    // Never more than two iterations at once: replaying the start/end events, the count stays <= 2.
    let running = 0;
    let peak = 0;
    for (const event of await h.current().lines('events')) {
      running += event === 'start' ? 1 : -1;
      peak = Math.max(peak, running);
    }
    expect(peak).toBe(2);
  });

  it('loops over an upstream output, over items that are objects, in a nested pipeline per item', async () => {
    const body: PipelineSpec = spec(
      'per-config',
      {
        train: task(
          shell('train', 'echo $(( {{inputs.lr}} * 10 )) > {{outputs.score}}', {
            inputs: { lr: param('integer') },
            outputs: { score: param('integer') },
          }),
          { lr: { parameter: 'lr' } },
        ),
      },
      {
        parameters: { lr: { schema: { type: 'integer' } } },
        outputs: {
          score: { from: { task: 'train', output: 'score' }, kind: 'parameter', schema: { type: 'integer' } },
        },
      },
    );
    const pipeline = spec('sweep', {
      configs: task(
        shell('configs', `echo '[{"lr":1},{"lr":2},{"lr":3}]' > {{outputs.list}}`, {
          outputs: { list: param('array') },
        }),
      ),
      sweep: task(
        {
          name: 'per-config',
          inputs: { lr: param('integer') },
          outputs: { score: param('integer') },
          implementation: { pipeline: body },
        },
        { lr: { loopItem: { field: 'lr' } } },
        { forEach: { items: out('configs', 'list') } },
      ),
    });
    const done = await run(pipeline);
    expect(done.status).toBe('succeeded');
    const s = await statuses(h.current().pipelines, done.id);
    expect(s).toMatchObject({
      configs: 'succeeded',
      sweep: 'succeeded',
      'sweep/0': 'succeeded',
      'sweep/2/train': 'succeeded',
    });
    const tasks = await h.current().pipelines.listTasks(done.id);
    expect(tasks.find((t) => t.taskId === 'sweep')!.outputs).toEqual({ score: [10, 20, 30] });
  });

  it('runs the exit task last with the run status, after a crash that skips what is downstream', async () => {
    const { dir } = h.current();
    const pipeline = spec(
      'crash',
      {
        ok: task(shell('ok', 'true')),
        crash: task(
          shell('crash', 'echo about to fail; echo details >&2; exit 3'),
          {},
          { dependsOn: ['ok'] },
        ),
        after: task(shell('after', 'true'), {}, { dependsOn: ['crash'] }),
        notify: task(
          shell('notify', `echo {{inputs.status}} > ${dir}/status`, { inputs: { status: param('string') } }),
          { status: { runStatus: {} } },
        ),
      },
      { exitTask: 'notify' },
    );
    const done = await run(pipeline);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/crash/);
    expect(await statuses(h.current().pipelines, done.id)).toEqual({
      ok: 'succeeded',
      crash: 'failed',
      after: 'skipped',
      notify: 'succeeded',
    });
    expect(await h.current().lines('status')).toEqual(['failed']);
    const crash = (await h.current().pipelines.listTasks(done.id)).find((t) => t.taskId === 'crash')!;
    expect(crash.error).toMatch(/exit code 3/);
    // The log outlives the process: stored as an artifact of the task's run, stdout and stderr.
    expect(crash.logUri).toMatch(/logs\/attempt-1\.log$/);
    const tracked = await h.current().tracking.getRun(crash.trackingRunId!);
    expect(tracked.info.status).toBe('FAILED');
    const after = (await h.current().pipelines.listTasks(done.id)).find((t) => t.taskId === 'after')!;
    expect(after.error).toBe("upstream task 'crash' failed");
  });
});
