/**
 * The conformance suite every Executor implementation runs (see local-executor.test.ts):
 *
 *   executorConformance('local', (options) => new LocalExecutor(options));
 *
 * Tasks are POSIX `sh` commands; they report what they see through files in a working directory
 * shared with the test, so an implementation must run them where this process can read those files
 * (a local backend, or workers on the same machine). Process-tree checks (`processTree`) also need
 * the task's processes to be visible from this process.
 *
 * No assertion depends on how long something takes: the tests wait for files or states, with generous
 * upper bounds only.
 */

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { ExecResult, ExecTask, Executor, RunningTask } from '../src/executor.js';

export interface ExecutorFactoryOptions {
  /** Tasks running at once. */
  concurrency?: number;
}

export interface ConformanceOptions {
  /** The tasks' processes are visible to this process (process groups can be checked). Default true. */
  processTree?: boolean;
}

/** Polls until `check` returns a truthy value; fails after `upperBoundMs` (a bound, not an expectation). */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  upperBoundMs = 20_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + upperBoundMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Whether any process of the group exists (zombies included), as kill(2) sees it. */
export function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** A task that writes its process group id to `pgid` (once its children are started), then waits forever. */
export const TREE_SCRIPT =
  'sleep 300 & set -- $(cat /proc/$$/stat); echo $5 > pgid.tmp; mv pgid.tmp pgid; sleep 300; wait';

/** Reads the group id a TREE_SCRIPT task wrote into `dir`. */
export async function readPgid(dir: string): Promise<number> {
  const text = await waitFor(
    async () => (existsSync(join(dir, 'pgid')) ? readFile(join(dir, 'pgid'), 'utf8') : undefined),
    'the task to write its process group id',
  );
  const pgid = Number(text.trim());
  expect(pgid).toBeGreaterThan(1);
  return pgid;
}

/** Resolves once no process (not even a zombie awaiting its reaper) of the group is left. */
export async function waitGroupGone(pgid: number): Promise<void> {
  await waitFor(() => !groupExists(pgid), `process group ${pgid} to be gone`);
}

export function executorConformance(
  name: string,
  factory: (options: ExecutorFactoryOptions) => Executor,
  conformance: ConformanceOptions = {},
): void {
  const processTree = conformance.processTree ?? true;

  describe(`Executor conformance: ${name}`, () => {
    let dir: string;
    const executors: Executor[] = [];
    let counter = 0;

    const make = (options: ExecutorFactoryOptions = {}) => {
      const executor = factory(options);
      executors.push(executor);
      return executor;
    };
    const task = (command: string[], extra: Partial<ExecTask> = {}): ExecTask => {
      const taskId = `task-${++counter}`;
      return {
        taskId,
        command,
        env: {},
        workingDir: dir,
        logPath: join(dir, 'logs', `${taskId}.log`),
        ...extra,
      };
    };
    const sh = (script: string, extra: Partial<ExecTask> = {}) => task(['sh', '-c', script], extra);
    const log = (t: ExecTask) => readFile(t.logPath, 'utf8');

    beforeEach(async () => {
      dir = await realpath(await mkdtemp(join(tmpdir(), 'ferry-executor-')));
    });

    afterEach(async () => {
      await Promise.all(executors.splice(0).map((e) => e.close()));
      await rm(dir, { recursive: true, force: true });
    });

    it('runs a command to success, logging stdout and stderr', async () => {
      const executor = make();
      const t = sh('echo out; echo err >&2; echo out2');
      const running = await executor.start(t);
      expect(typeof running.handle).toBe('string');
      const result = await running.done;
      expect(result).toMatchObject({ status: 'succeeded', exitCode: 0 });
      expect(result.reason).toBeUndefined();
      expect(await log(t)).toBe('out\nerr\nout2\n');
    });

    it('reports a non-zero exit code as failed', async () => {
      const executor = make();
      const result = await (await executor.start(sh('exit 3'))).done;
      expect(result).toMatchObject({ status: 'failed', exitCode: 3, reason: 'exit code 3' });
    });

    it('reports death by a signal as failed, naming the signal', async () => {
      const executor = make();
      const result = await (await executor.start(sh('kill -KILL $$'))).done;
      expect(result.status).toBe('failed');
      expect(result.signal).toBe('SIGKILL');
      expect(result.reason).toContain('SIGKILL');
    });

    it('settles a missing program as failed without throwing from start', async () => {
      const executor = make();
      const t = task(['ferry-no-such-program-7f3a', '--flag']);
      const running = await executor.start(t);
      const result = await running.done;
      expect(result.status).toBe('failed');
      expect(result.reason).toContain('ferry-no-such-program-7f3a');
      expect(existsSync(t.logPath)).toBe(true);
    });

    it('passes env (over its own) and the working directory, without a shell', async () => {
      const executor = make();
      const t = task(
        [
          'sh',
          '-c',
          'echo "$FERRY_TEST_VAR"; echo "$PATH" | grep -q . && echo has-path; pwd; echo "$1"',
          'x',
          '$HOME *',
        ],
        {
          env: { FERRY_TEST_VAR: 'from task' },
        },
      );
      const result = await (await executor.start(t)).done;
      expect(result.status).toBe('succeeded');
      expect(await log(t)).toBe(`from task\nhas-path\n${dir}\n$HOME *\n`);
    });

    it('appends to the log file while the task runs', async () => {
      const executor = make();
      const t = sh('echo first; while [ ! -e go ]; do sleep 0.05; done; echo second');
      const running = await executor.start(t);
      let ended = false;
      void running.done.then(() => (ended = true));
      expect(existsSync(t.logPath)).toBe(true);
      await waitFor(async () => (await log(t)).includes('first'), 'the first line in the log');
      expect(await log(t)).toBe('first\n');
      expect(ended).toBe(false); // it waits for `go`
      await writeFile(join(dir, 'go'), '');
      expect((await running.done).status).toBe('succeeded');
      expect(await log(t)).toBe('first\nsecond\n');
    });

    it('creates the folder of the log file', async () => {
      const executor = make();
      const t = sh('echo hi', { logPath: join(dir, 'deep', 'er', 'task.log') });
      expect((await (await executor.start(t)).done).status).toBe('succeeded');
      expect(await log(t)).toBe('hi\n');
    });

    it('kills a task that runs past its timeout', async () => {
      const executor = make();
      // Generous: the tree must have started (and written its group id) before the timeout.
      const t = sh(TREE_SCRIPT, { timeoutMs: 3000 });
      const result = await (await executor.start(t)).done;
      expect(result.status).toBe('timed_out');
      expect(result.reason).toContain('timeout');
      if (processTree) await waitGroupGone(await readPgid(dir));
    });

    it('cancels a running task and its whole process tree', async () => {
      const executor = make();
      const running = await executor.start(sh(TREE_SCRIPT));
      const pgid = await readPgid(dir); // also: the tree has started
      await executor.cancel(running.handle);
      const result = await running.done;
      expect(result.status).toBe('cancelled');
      if (processTree) await waitGroupGone(pgid);
      // Cancelling again, after the end, is a no-op.
      await executor.cancel(running.handle);
    });

    it('ignores cancel for a task that already ended', async () => {
      const executor = make();
      const running = await executor.start(sh('exit 0'));
      expect((await running.done).status).toBe('succeeded');
      await executor.cancel(running.handle);
      expect((await running.done).status).toBe('succeeded');
    });

    it('waits for a free slot at its concurrency limit, first come first served', async () => {
      const executor = make({ concurrency: 2 });
      // Each task marks its start, then runs until the test creates its release file.
      const gated = (id: number) =>
        sh(`touch started-${id}; while [ ! -e release-${id} ]; do sleep 0.05; done`);
      const started = (id: number) => existsSync(join(dir, `started-${id}`));
      const release = (id: number) => writeFile(join(dir, `release-${id}`), '');
      const events: string[] = [];
      const track = (id: number, p: Promise<RunningTask>) =>
        p.then((running) => {
          events.push(`start ${id}`);
          void running.done.then((r: ExecResult) => events.push(`end ${id} ${r.status}`));
          return running;
        });

      const first = await track(1, executor.start(gated(1)));
      const second = await track(2, executor.start(gated(2)));
      const third = track(3, executor.start(gated(3)));
      const fourth = track(4, executor.start(gated(4)));
      await waitFor(() => started(1) && started(2), 'the first two tasks to start');
      expect(started(3) || started(4)).toBe(false);

      await release(1);
      await first.done;
      await third;
      await waitFor(() => started(3), 'the third task to start');
      expect(started(4)).toBe(false); // the second task still holds the other slot

      await release(2);
      await second.done;
      await fourth;
      await release(3);
      await release(4);
      await Promise.all([(await third).done, (await fourth).done]);

      expect(events.indexOf('start 3')).toBeGreaterThan(events.indexOf('end 1 succeeded'));
      expect(events.indexOf('start 4')).toBeGreaterThan(events.indexOf('end 2 succeeded'));
      expect(events.filter((e) => e.startsWith('end')).length).toBe(4);
    });

    it('cancels by handle from a fresh instance (a controller restart)', async () => {
      const before = make();
      const running = await before.start(sh(TREE_SCRIPT));
      const pgid = await readPgid(dir); // also: the tree has started
      const after = make();
      await after.cancel(running.handle);
      expect((await running.done).status).not.toBe('succeeded');
      if (processTree) await waitGroupGone(pgid);
    });

    it('stops everything running on close', async () => {
      const executor = make();
      const running = await executor.start(sh(TREE_SCRIPT));
      const pgid = await readPgid(dir); // also: the tree has started
      await executor.close();
      expect((await running.done).status).toBe('cancelled');
      if (processTree) await waitGroupGone(pgid);
    });
  });
}
