import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { LocalExecutor } from '../src/local-executor.js';
import { TASK_MARKER_ENV, decodeHandle, groupMembers, readProcStat } from '../src/process-tree.js';
import { Semaphore } from '../src/semaphore.js';
import {
  TREE_SCRIPT,
  executorConformance,
  groupExists,
  readPgid,
  waitFor,
  waitGroupGone,
} from './executor-suite.js';

executorConformance('LocalExecutor', (options) => new LocalExecutor({ killGraceMs: 2000, ...options }));

describe('LocalExecutor', () => {
  let dir: string;
  const executors: LocalExecutor[] = [];
  /** Process groups started by the tests themselves (not through an executor), killed afterwards. */
  const strangers: number[] = [];

  const make = (options: ConstructorParameters<typeof LocalExecutor>[0] = {}) => {
    const executor = new LocalExecutor({ killGraceMs: 2000, ...options });
    executors.push(executor);
    return executor;
  };
  const tree = (taskId = 'tree-1') => ({
    taskId,
    command: ['sh', '-c', TREE_SCRIPT],
    env: {},
    workingDir: dir,
    logPath: join(dir, `${taskId}.log`),
  });
  /** A process group this executor did not start: `sleep 300` children under an `sh` leader. */
  const startStranger = (env: Record<string, string> = {}) => {
    const child = spawn('sh', ['-c', 'sleep 300 & sleep 300; wait'], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, ...env },
    });
    child.on('error', () => {});
    strangers.push(child.pid!);
    return child;
  };

  beforeEach(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), 'ferry-local-executor-')));
  });

  afterEach(async () => {
    await Promise.all(executors.splice(0).map((e) => e.close()));
    for (const pgid of strangers.splice(0)) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('defaults its concurrency to the available parallelism', () => {
    expect(new LocalExecutor().concurrency).toBeGreaterThanOrEqual(1);
    expect(new LocalExecutor().killGraceMs).toBe(5000);
    expect(() => new LocalExecutor({ concurrency: 0 })).toThrow(RangeError);
  });

  it('hands out a JSON handle with the pid, process group and start time', async () => {
    const executor = make();
    const running = await executor.start(tree());
    const pgid = await readPgid(dir);
    const handle = JSON.parse(running.handle) as Record<string, unknown>;
    expect(handle).toMatchObject({ executor: 'local', taskId: 'tree-1', pid: pgid, pgid });
    expect(handle.startTime).toBe(readProcStat(pgid)!.startTime);
    expect(decodeHandle(running.handle)).toEqual(handle);
    await executor.cancel(running.handle);
    expect((await running.done).status).toBe('cancelled');
    await waitGroupGone(pgid);
  });

  it('attaches only to tasks it started itself, running or recently ended', async () => {
    const executor = make();
    const running = await executor.start(tree());
    await readPgid(dir);
    expect(await executor.attach(running.handle)).toBe(running);
    // A fresh instance (after a controller restart) cannot await another process's children.
    expect(await make().attach(running.handle)).toBeUndefined();
    await executor.cancel(running.handle);
    const result = await running.done;
    // Ended since: attaching reports how it ended (a controller taking over must not run it again).
    const ended = await executor.attach(running.handle);
    expect(ended?.handle).toBe(running.handle);
    expect(await ended?.done).toEqual(result);
  });

  it('marks its tasks with the task id in their environment', async () => {
    const executor = make();
    const t = { ...tree('marked'), command: ['sh', '-c', `echo "$${TASK_MARKER_ENV}"`] };
    expect((await (await executor.start(t)).done).status).toBe('succeeded');
    expect(await readFile(t.logPath, 'utf8')).toBe('marked\n');
  });

  it('writes why a task could not start into its log', async () => {
    const executor = make();
    const logPath = join(dir, 'enoent.log');
    const running = await executor.start({
      taskId: 'x',
      command: ['ferry-no-such-program-7f3a'],
      env: {},
      logPath,
    });
    expect(await running.done).toMatchObject({ status: 'failed' });
    expect(await readFile(logPath, 'utf8')).toContain('ferry-no-such-program-7f3a');
    const missingDir = await (
      await executor.start({
        taskId: 'y',
        command: ['true'],
        env: {},
        workingDir: join(dir, 'nope'),
        logPath,
      })
    ).done;
    expect(missingDir.status).toBe('failed');
    expect(missingDir.reason).toContain(join(dir, 'nope'));
    // A task that could not start leaves no slot taken.
    expect(executor.running).toBe(0);
    const empty = await (await executor.start({ taskId: 'z', command: [], env: {}, logPath })).done;
    expect(empty).toMatchObject({ status: 'failed', reason: 'empty command' });
  });

  it('notes a timeout in the log', async () => {
    const executor = make();
    const t = { ...tree(), timeoutMs: 3000 };
    const result = await (await executor.start(t)).done;
    expect(result).toMatchObject({
      status: 'timed_out',
      reason: 'killed after 3000 ms timeout',
      signal: 'SIGTERM',
    });
    expect(await readFile(t.logPath, 'utf8')).toContain('[ferry] killed after 3000 ms timeout');
    await waitGroupGone(await readPgid(dir));
  });

  it('kills with SIGKILL after the grace period when SIGTERM is ignored', async () => {
    const executor = make({ killGraceMs: 200 });
    const t = {
      ...tree(),
      // An ignored signal stays ignored in the children too.
      command: ['sh', '-c', `trap '' TERM; ${TREE_SCRIPT}`],
    };
    const running = await executor.start(t);
    const pgid = await readPgid(dir);
    await executor.cancel(running.handle);
    expect(await running.done).toMatchObject({ status: 'cancelled', signal: 'SIGKILL' });
    await waitGroupGone(pgid);
  });

  it('kills what is left of the group when the leader exits', async () => {
    const executor = make();
    const t = {
      ...tree(),
      command: ['sh', '-c', 'sleep 300 & set -- $(cat /proc/$$/stat); echo $5 > pgid; exit 0'],
    };
    expect((await (await executor.start(t)).done).status).toBe('succeeded');
    await waitGroupGone(await readPgid(dir));
  });

  it('does not kill a process that reused the pid of a stale handle', async () => {
    const stranger = startStranger();
    const pid = stranger.pid!;
    const startTime = await waitFor(() => readProcStat(pid)?.startTime, 'the stranger to start');
    const stale = JSON.stringify({
      executor: 'local',
      taskId: 'old',
      pid,
      pgid: pid,
      startTime: startTime + 1,
    });
    await make().cancel(stale);
    expect(groupExists(pid)).toBe(true);
    expect(readProcStat(pid)?.state).not.toBe('Z');
  });

  it('after its leader died, kills a group only when a member carries the task marker', async () => {
    const stranger = startStranger({ [TASK_MARKER_ENV]: 'other-task' });
    const pid = stranger.pid!;
    const startTime = await waitFor(() => readProcStat(pid)?.startTime, 'the stranger to start');
    // Wait for the sleeps, then kill only the leader: its group lives on without it.
    await waitFor(() => groupMembers(pid).length === 3, 'the sleeps to start');
    const exited = new Promise((resolve) => stranger.once('exit', resolve));
    process.kill(pid, 'SIGKILL');
    await exited;
    expect(groupExists(pid)).toBe(true);

    const handle = (taskId: string) =>
      JSON.stringify({ executor: 'local', taskId, pid, pgid: pid, startTime });
    await make().cancel(handle('old'));
    expect(groupExists(pid)).toBe(true);
    await make().cancel(handle('other-task'));
    await waitGroupGone(pid);
  });

  it('ignores handles that are not its own or name nothing', async () => {
    const executor = make();
    await executor.cancel('not json');
    await executor.cancel(JSON.stringify({ executor: 'k8s', taskId: 'x' }));
    await executor.cancel(JSON.stringify({ executor: 'local', taskId: 'x' }));
    await executor.cancel(JSON.stringify({ executor: 'local', taskId: 'x', pid: 1, pgid: 1, startTime: 0 }));
    expect(await executor.attach('not json')).toBeUndefined();
  });

  it('rejects start() calls still waiting for a slot when closed', async () => {
    const executor = make({ concurrency: 1 });
    const running = await executor.start(tree());
    const waiting = executor.start({ ...tree('second'), command: ['true'] });
    const waitingError = waiting.then(
      () => undefined,
      (err: Error) => err,
    );
    await readPgid(dir);
    await executor.close();
    expect((await waitingError)?.message).toMatch(/closed/);
    expect((await running.done).status).toBe('cancelled');
    expect(existsSync(join(dir, 'second.log'))).toBe(false);
    await expect(executor.start(tree('third'))).rejects.toThrow(/closed/);
  });
});

describe('Semaphore', () => {
  it('grants slots in FIFO order', async () => {
    const semaphore = new Semaphore(1);
    const order: number[] = [];
    await semaphore.acquire();
    const waiters = [1, 2, 3].map((n) => semaphore.acquire().then(() => order.push(n)));
    expect(semaphore.waiting).toBe(3);
    for (let i = 0; i < 3; i++) {
      semaphore.release();
      await waiters[i];
    }
    expect(order).toEqual([1, 2, 3]);
    semaphore.release();
    expect(semaphore.inUse).toBe(0);
  });
});
