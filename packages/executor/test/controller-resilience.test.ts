import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PipelineSpec } from '@ferry/pipeline';
import type { PipelineStore } from '@ferry/store';
import { param, shell, spec, statuses, task, useHarness } from './controller-harness.js';

/** Waits until `check` holds, polling (an upper bound, not a timing assertion). */
async function until(check: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(['sqlite', 'postgresql'] as const)(
  'pipeline controller on %s: caching, retries, failures',
  (backend) => {
    const h = useHarness(backend);
    const submit = async (
      pipeline: PipelineSpec,
      extra: { noCache?: boolean; parameters?: Record<string, number> } = {},
    ) => {
      const controller = h.current().controller();
      const { id } = await controller.submit({
        spec: pipeline,
        experimentId: h.current().experimentId,
        ...extra,
      });
      return { controller, id };
    };
    const runToEnd = async (pipeline: PipelineSpec, extra = {}) => {
      const { controller, id } = await submit(pipeline, extra);
      return controller.wait(id);
    };

    it('reuses cached outputs without spawning anything; --no-cache and max age force a run', async () => {
      const { dir } = h.current();
      const step = shell('double', `echo ran >> ${dir}/ran; echo $(( {{inputs.x}} * 2 )) > {{outputs.y}}`, {
        inputs: { x: param('integer') },
        outputs: { y: param('integer') },
      });
      const pipeline = (x: number, maxAgeMs?: number) =>
        spec('cached', {
          double: task(
            step,
            { x: { constant: x } },
            maxAgeMs === undefined ? {} : { options: { cache: { enabled: true, maxAgeMs } } },
          ),
        });
      const first = await runToEnd(pipeline(21));
      const second = await runToEnd(pipeline(21));
      expect(await statuses(h.current().pipelines, second.id)).toEqual({ double: 'cached' });
      const cached = (await h.current().pipelines.listTasks(second.id))[0]!;
      expect(cached.outputs).toEqual({ y: 42 });
      expect(cached.cachedFrom).toEqual({ runId: first.id, taskId: 'double' });
      expect(await h.current().lines('ran')).toHaveLength(1);
      await runToEnd(pipeline(22)); // other inputs: a miss
      await runToEnd(pipeline(21), { noCache: true });
      expect(await h.current().lines('ran')).toHaveLength(3);
      await new Promise((r) => setTimeout(r, 30));
      await runToEnd(pipeline(21, 10)); // the newest entry is older than 10 ms
      expect(await h.current().lines('ran')).toHaveLength(4);
      const noCacheStep = spec('uncached', {
        double: task(step, { x: { constant: 21 } }, { options: { cache: { enabled: false } } }),
      });
      await runToEnd(noCacheStep);
      expect(await h.current().lines('ran')).toHaveLength(5);
    });

    it('retries a failing task with backoff until an attempt succeeds, or gives up after the last', async () => {
      const { dir } = h.current();
      // Fails until it has been tried three times.
      const flaky = shell('flaky', `echo try >> ${dir}/tries; [ $(wc -l < ${dir}/tries) -ge 3 ]`);
      const ok = await runToEnd(
        spec('retry', { flaky: task(flaky, {}, { options: { retry: { count: 2, backoffMs: 10 } } }) }),
      );
      expect(ok.status).toBe('succeeded');
      const [task1] = await h.current().pipelines.listTasks(ok.id);
      expect(task1!.attempt).toBe(3);
      await writeFile(join(dir, 'tries'), '');
      const failed = await runToEnd(
        spec('retry-short', {
          flaky: task(
            flaky,
            {},
            { options: { retry: { count: 1, backoffMs: 10 }, cache: { enabled: false } } },
          ),
        }),
      );
      expect(failed.status).toBe('failed');
      const [task2] = await h.current().pipelines.listTasks(failed.id);
      expect(task2).toMatchObject({ status: 'failed', attempt: 2, error: 'exit code 1' });
    });

    it('fails a task that runs past its timeout, killing its process tree', async () => {
      const done = await runToEnd(
        spec('slow', {
          slow: task(shell('slow', 'sleep 30 & sleep 30; wait'), {}, { options: { timeoutMs: 300 } }),
        }),
      );
      expect(done.status).toBe('failed');
      const [slow] = await h.current().pipelines.listTasks(done.id);
      expect(slow!.error).toMatch(/timeout|timed out/i);
    });

    it('cancels a run: kills the running task, cancels what is pending, still runs the exit task', async () => {
      const { dir, pipelines } = h.current();
      const pipeline = spec(
        'cancel',
        {
          long: task(shell('long', `echo started > ${dir}/started; sleep 60`)),
          next: task(shell('next', 'true'), {}, { dependsOn: ['long'] }),
          cleanup: task(
            shell('cleanup', `echo {{inputs.s}} > ${dir}/exit`, { inputs: { s: param('string') } }),
            {
              s: { runStatus: {} },
            },
          ),
        },
        { exitTask: 'cleanup' },
      );
      const { controller, id } = await submit(pipeline);
      await until(async () => (await h.current().lines('started')).length > 0, 'the long task to start');
      await controller.cancel(id);
      const done = await controller.wait(id);
      expect(done.status).toBe('cancelled');
      expect(await statuses(pipelines, id)).toEqual({
        long: 'cancelled',
        next: 'cancelled',
        cleanup: 'succeeded',
      });
      expect(await h.current().lines('exit')).toEqual(['cancelled']);
      const tracked = await h.current().tracking.getRun(done.trackingRunId!);
      expect(tracked.info.status).toBe('KILLED');
    });

    it('retries a failed run from the failed task onwards, keeping what succeeded', async () => {
      const { dir } = h.current();
      const pipeline = spec('resume', {
        first: task(
          shell('first', `echo first >> ${dir}/ran; echo 5 > {{outputs.n}}`, {
            outputs: { n: param('integer') },
          }),
        ),
        second: task(
          shell(
            'second',
            `echo second >> ${dir}/ran; [ -f ${dir}/fixed ] && echo {{inputs.n}} > {{outputs.m}}`,
            {
              inputs: { n: param('integer') },
              outputs: { m: param('integer') },
            },
          ),
          { n: { taskOutput: { task: 'first', output: 'n' } } },
        ),
        third: task(shell('third', `echo third >> ${dir}/ran`), {}, { dependsOn: ['second'] }),
      });
      const { controller, id } = await submit(pipeline, { noCache: true });
      expect((await controller.wait(id)).status).toBe('failed');
      expect(await statuses(h.current().pipelines, id)).toEqual({
        first: 'succeeded',
        second: 'failed',
        third: 'skipped',
      });
      await writeFile(join(dir, 'fixed'), '');
      await controller.retry(id);
      const done = await controller.wait(id);
      expect(done.status).toBe('succeeded');
      expect(await h.current().lines('ran')).toEqual(['first', 'second', 'second', 'third']);
      await expect(controller.retry(id)).rejects.toThrow(/only failed or cancelled runs/);
    });

    const interrupted = (dir: string) =>
      spec('restart', {
        before: task(shell('before', `echo before >> ${dir}/ran`)),
        middle: task(
          shell('middle', `echo middle >> ${dir}/ran; while [ ! -f ${dir}/go ]; do sleep 0.05; done`),
          {},
          {
            dependsOn: ['before'],
          },
        ),
        after: task(shell('after', `echo after >> ${dir}/ran`), {}, { dependsOn: ['middle'] }),
      });

    /** Starts the interrupted pipeline on one controller and stops that controller once its middle task runs. */
    const startThenStop = async (dir: string, pipelines?: PipelineStore): Promise<string> => {
      const first = h.current().controller({ leaseMs: 1500, ...(pipelines ? { pipelines } : {}) });
      const { id } = await first.submit({ spec: interrupted(dir), experimentId: h.current().experimentId });
      await until(
        async () => (await h.current().lines('ran')).includes('middle'),
        'the middle task to start',
      );
      await first.stop();
      return id;
    };

    it('after a restart, another controller resumes the run: finished tasks are kept, the interrupted one runs again', async () => {
      const { dir, pipelines } = h.current();
      const id = await startThenStop(dir);
      expect((await pipelines.getPipelineRun(id)).status).toBe('running');
      // A restarted server has a new executor, which cannot follow the old process: it is stopped
      // and the task runs again.
      const second = h.current().controller({ leaseMs: 1500, executor: h.current().newExecutor() });
      second.start();
      await until(
        async () => (await h.current().lines('ran')).filter((l) => l === 'middle').length === 2,
        'the rerun',
      );
      await writeFile(join(dir, 'go'), '');
      const done = await second.wait(id);
      expect(done.status).toBe('succeeded');
      expect(await h.current().lines('ran')).toEqual(['before', 'middle', 'middle', 'after']);
      const middle = (await pipelines.listTasks(id)).find((t) => t.taskId === 'middle')!;
      expect(middle.attempt).toBe(2);
    });

    it('a controller taking over in the same process re-attaches to the task still running', async () => {
      const { dir, pipelines } = h.current();
      const id = await startThenStop(dir);
      const second = h.current().controller({ leaseMs: 1500 });
      second.start();
      // Released only once the second controller follows the task: a re-attach, not a rerun.
      await until(
        async () => (await pipelines.getPipelineRun(id)).owner === second.owner,
        'the second controller to take the run',
      );
      await writeFile(join(dir, 'go'), '');
      const done = await second.wait(id);
      expect(done.status).toBe('succeeded');
      expect(await h.current().lines('ran')).toEqual(['before', 'middle', 'after']);
      const middle = (await pipelines.listTasks(id)).find((t) => t.taskId === 'middle')!;
      expect(middle.attempt).toBe(1);
      expect(middle.logUri).toMatch(/attempt-1\.log$/);
    });

    it('a controller stopped while a task is being started still lets go of the run at once', async () => {
      const { dir, pipelines } = h.current();
      // Marking the task running is slow here, so the stop lands between the start and the wait.
      const slow = new Proxy(pipelines, {
        get(target, key, receiver) {
          const value = Reflect.get(target, key, receiver) as unknown;
          if (key !== 'updateTask' || typeof value !== 'function') return value;
          return async (...args: Parameters<typeof pipelines.updateTask>) => {
            if (args[2].status === 'running') await new Promise((r) => setTimeout(r, 400));
            return pipelines.updateTask(...args);
          };
        },
      });
      const id = await startThenStop(dir, slow); // would wait for the task (that is, forever) if the stop went unnoticed
      const second = h.current().controller({ leaseMs: 1500 });
      second.start();
      await writeFile(join(dir, 'go'), '');
      expect((await second.wait(id)).status).toBe('succeeded');
      expect(await h.current().lines('ran')).toEqual(['before', 'middle', 'after']);
    });

    it('a task that ended while no controller drove the run counts: its outcome is taken, not rerun', async () => {
      const { dir, pipelines } = h.current();
      const id = await startThenStop(dir);
      await writeFile(join(dir, 'go'), '');
      // The task's process ends before anyone drives the run again.
      await until(async () => h.current().executor.running === 0, 'the task to end');
      const second = h.current().controller({ leaseMs: 1500 });
      second.start();
      const done = await second.wait(id);
      expect(done.status).toBe('succeeded');
      expect(await h.current().lines('ran')).toEqual(['before', 'middle', 'after']);
      expect((await pipelines.listTasks(id)).find((t) => t.taskId === 'middle')!.attempt).toBe(1);
    });
  },
);
