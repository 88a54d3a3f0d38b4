/**
 * Runs tasks as local subprocesses: no shell, each the leader of its own process group (`detached`),
 * so a timeout or a cancel stops the whole tree (SIGTERM to the group, SIGKILL after a grace period).
 * The child writes stdout and stderr straight into the task's log file (one file descriptor opened for
 * append, shared by both streams), so the file exists as soon as the task starts, holds the output
 * interleaved in the order it was written, and can be tailed while the task runs.
 *
 * When the leader exits, whatever is left of its group (background children it did not wait for) is
 * killed: a task is over when its main process is, as for a container. A descendant that moves itself
 * to another process group or session (setsid, daemons) escapes; cluster backends use cgroups.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { signalGroup } from '@ferry/core';

import type { ExecResult, ExecTask, Executor, RunningTask } from './executor.js';
import {
  TASK_MARKER_ENV,
  decodeHandle,
  encodeHandle,
  killVerifiedGroup,
  readProcStat,
  type GroupHandle,
} from './process-tree.js';
import { Semaphore } from './semaphore.js';

/** How many ended tasks' results attach() can still report. */
const ENDED_KEPT = 1000;

export interface LocalExecutorOptions {
  /** Tasks running at once; `start()` waits (FIFO) for a free slot. Default: os.availableParallelism(). */
  concurrency?: number;
  /** Between SIGTERM and SIGKILL when stopping a task's process group, in ms. Default 5000. */
  killGraceMs?: number;
}

interface Tracked {
  handle: string;
  pgid: number;
  child: ChildProcess;
  running: RunningTask;
  /** Set by the first timeout or cancel; decides the status once the process has exited. */
  stopping?: 'timed_out' | 'cancelled';
  killTimer?: NodeJS.Timeout;
}

export class LocalExecutor implements Executor {
  readonly name = 'local';
  readonly concurrency: number;
  readonly killGraceMs: number;
  readonly #slots: Semaphore;
  /** Started by this instance and not yet ended, by handle. */
  readonly #tracked = new Map<string, Tracked>();
  readonly #ended = new Map<string, ExecResult>();
  #closed = false;

  constructor(options: LocalExecutorOptions = {}) {
    this.concurrency = options.concurrency ?? availableParallelism();
    this.killGraceMs = options.killGraceMs ?? 5000;
    if (!(this.killGraceMs >= 0)) throw new RangeError(`killGraceMs must be >= 0, got ${this.killGraceMs}`);
    this.#slots = new Semaphore(this.concurrency);
  }

  /** Tasks running now (started by this instance). */
  get running(): number {
    return this.#tracked.size;
  }

  /**
   * Waits for a slot, opens (creating its folder) and starts the task. A task that cannot be started
   * (program not found, missing working directory, unwritable log) still resolves: its `done` settles
   * `failed` with the reason, which is also appended to the log. Rejects only once the executor is closed.
   */
  async start(task: ExecTask): Promise<RunningTask> {
    if (this.#closed) throw new Error('LocalExecutor is closed');
    await this.#slots.acquire();
    if (this.#closed) {
      this.#slots.release();
      throw new Error('LocalExecutor is closed');
    }
    try {
      return this.#spawn(task);
    } catch (err) {
      this.#slots.release();
      throw err;
    }
  }

  #spawn(task: ExecTask): RunningTask {
    const failed = (reason: string, log?: number): RunningTask => {
      if (log !== undefined) {
        note(log, reason);
        closeSync(log);
      }
      this.#slots.release();
      return {
        handle: encodeHandle({ executor: 'local', taskId: task.taskId }),
        done: Promise.resolve({ status: 'failed', reason }),
      };
    };

    let log: number;
    try {
      mkdirSync(dirname(task.logPath), { recursive: true });
      log = openSync(task.logPath, 'a');
    } catch (err) {
      return failed(`cannot open log file ${task.logPath}: ${(err as Error).message}`);
    }

    const [program, ...args] = task.command;
    if (program === undefined || program === '') return failed('empty command', log);
    if (task.workingDir !== undefined && !isDirectory(task.workingDir)) {
      return failed(`working directory ${task.workingDir} does not exist`, log);
    }

    let child: ChildProcess;
    try {
      child = spawn(program, args, {
        cwd: task.workingDir,
        // Unbuffered Python output, so the log can be followed; the task may override it.
        env: { ...process.env, PYTHONUNBUFFERED: '1', ...task.env, [TASK_MARKER_ENV]: task.taskId },
        stdio: ['ignore', log, log],
        detached: true,
        windowsHide: true,
      });
    } catch (err) {
      // Synchronous failures (invalid arguments, e.g. a NUL byte in argv).
      return failed(`cannot start ${JSON.stringify(program)}: ${(err as Error).message}`, log);
    }

    const pid = child.pid;
    if (pid === undefined) {
      // The spawn failed (ENOENT, EACCES, ...); Node reports it with an 'error' event.
      const done = new Promise<ExecResult>((resolve) => {
        child.once('error', (err: NodeJS.ErrnoException) => {
          const reason =
            err.code === 'ENOENT'
              ? `cannot start ${JSON.stringify(program)}: program not found (${err.message})`
              : `cannot start ${JSON.stringify(program)}: ${err.message}`;
          note(log, reason);
          closeSync(log);
          resolve({ status: 'failed', reason });
          this.#slots.release();
        });
      });
      return { handle: encodeHandle({ executor: 'local', taskId: task.taskId }), done };
    }

    // Read right away: the leader cannot have been reaped yet, so this is our process.
    const handleInfo: GroupHandle = { executor: 'local', taskId: task.taskId, pid, pgid: pid };
    const startTime = readProcStat(pid)?.startTime;
    if (startTime !== undefined) handleInfo.startTime = startTime;
    const handle = encodeHandle(handleInfo);

    child.on('error', () => {
      // Only spawn failures are reported this way, handled above; never let one crash the controller.
    });
    let timeoutTimer: NodeJS.Timeout | undefined;
    const done = new Promise<ExecResult>((resolve) => {
      child.once('exit', (code, signal) => {
        // Kill what is left of the group: the task ended with its leader.
        signalGroup(pid, 'SIGKILL');
        clearTimeout(timeoutTimer);
        clearTimeout(tracked.killTimer);
        this.#tracked.delete(handle);
        const result = outcome(tracked.stopping, code, signal, task.timeoutMs);
        this.#remember(handle, result);
        if (tracked.stopping) note(log, result.reason!);
        closeSync(log);
        // Settle first: whoever waits on `done` hears of the end before the freed slot starts another task.
        resolve(result);
        this.#slots.release();
      });
    });
    const tracked: Tracked = { handle, pgid: pid, child, running: { handle, done } };
    this.#tracked.set(handle, tracked);
    // The child holds its own copy of the descriptor; ours stays open only to append executor notes.
    if (task.timeoutMs !== undefined && task.timeoutMs > 0) {
      timeoutTimer = setTimeout(() => this.#stop(tracked, 'timed_out'), task.timeoutMs);
    }
    return tracked.running;
  }

  /** SIGTERM to the group now, SIGKILL after the grace period unless the leader has exited by then. */
  #stop(tracked: Tracked, why: 'timed_out' | 'cancelled'): void {
    tracked.stopping ??= why;
    signalGroup(tracked.pgid, 'SIGTERM');
    tracked.killTimer ??= setTimeout(() => signalGroup(tracked.pgid, 'SIGKILL'), this.killGraceMs);
  }

  /**
   * Follows a task this instance started (also one that has ended since, among the last 1,000). For any
   * other handle (notably after a controller restart) returns undefined: a dead parent's children can be neither awaited nor have their exit status read,
   * so the controller cancels such a task by handle and runs it again.
   */
  async attach(handle: string): Promise<RunningTask | undefined> {
    const running = this.#tracked.get(handle)?.running;
    if (running) return running;
    // A task that ended between one controller letting go of it and the next attaching still counts.
    const ended = this.#ended.get(handle);
    return ended ? { handle, done: Promise.resolve(ended) } : undefined;
  }

  /** Keeps how recent tasks ended, for attach(); bounded, oldest forgotten first. */
  #remember(handle: string, result: ExecResult): void {
    this.#ended.set(handle, result);
    if (this.#ended.size > ENDED_KEPT) this.#ended.delete(this.#ended.keys().next().value as string);
  }

  /**
   * Stops a task and its process tree and resolves once it has ended. Works for handles from an
   * earlier instance (a controller restart): the group is only signalled after checking it is still
   * the task's (leader start time, or the task marker in a remaining member's environment), so a pid
   * reused by another process is left alone. A no-op for tasks that already ended or unknown handles.
   */
  async cancel(handle: string): Promise<void> {
    const tracked = this.#tracked.get(handle);
    if (tracked) {
      this.#stop(tracked, 'cancelled');
      await tracked.running.done;
      return;
    }
    const info = decodeHandle(handle);
    if (info) await killVerifiedGroup(info, this.killGraceMs);
  }

  /** Cancels every running task (and rejects `start()` calls still waiting for a slot). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#slots.close(new Error('LocalExecutor is closed'));
    const all = [...this.#tracked.values()];
    for (const tracked of all) this.#stop(tracked, 'cancelled');
    await Promise.all(all.map((t) => t.running.done));
  }
}

function outcome(
  stopping: Tracked['stopping'],
  code: number | null,
  signal: NodeJS.Signals | null,
  timeoutMs: number | undefined,
): ExecResult {
  const ended: Pick<ExecResult, 'exitCode' | 'signal'> = {};
  if (code !== null) ended.exitCode = code;
  if (signal !== null) ended.signal = signal;
  if (stopping === 'timed_out') {
    return { status: 'timed_out', ...ended, reason: `killed after ${timeoutMs} ms timeout` };
  }
  if (stopping === 'cancelled') return { status: 'cancelled', ...ended, reason: 'cancelled' };
  if (code === 0) return { status: 'succeeded', exitCode: 0 };
  if (code !== null) return { status: 'failed', ...ended, reason: `exit code ${code}` };
  return { status: 'failed', ...ended, reason: `killed by signal ${signal ?? 'unknown'}` };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Appends a line from the executor itself to a task's log. */
function note(log: number, message: string): void {
  try {
    writeSync(log, `[ferry] ${message}\n`);
  } catch {
    // The log is best effort; the result carries the reason too.
  }
}
