/**
 * What an executor backend runs: a container-shaped task, and nothing about pipelines. The controller
 * decides inputs, caching, retries and conditions, materialises inputs and collects outputs; an
 * executor only starts a command somewhere, streams its log, reports how it ended, and can stop it.
 * Backends: local subprocesses (local-executor.ts); later a Redis queue of workers and Kubernetes Jobs.
 */

export interface ExecTask {
  /** Unique per attempt (the controller appends the attempt number), safe in file names. */
  taskId: string;
  /** For cluster backends; the local executor ignores it. */
  image?: string;
  /** argv: command[0] is the program, resolved on PATH; no shell. */
  command: string[];
  /** Added to (and overriding) the executor's own environment. */
  env: Record<string, string>;
  workingDir?: string;
  resources?: { cpu?: string; memory?: string; gpu?: number };
  /** The whole process tree is killed when it runs longer. */
  timeoutMs?: number;
  /** stdout and stderr, interleaved as they arrive, are appended to this local file while it runs. */
  logPath: string;
}

export type ExecStatus = 'succeeded' | 'failed' | 'timed_out' | 'cancelled' | 'lost';

export interface ExecResult {
  status: ExecStatus;
  exitCode?: number;
  signal?: string;
  /** Human-readable: why it failed ("exit code 3", "killed after 5000 ms timeout", "spawn ENOENT ..."). */
  reason?: string;
}

export interface RunningTask {
  /** Serializable handle the controller stores, to attach to or cancel the task after its own restart. */
  handle: string;
  /** Settles when the task has ended, never rejects. */
  done: Promise<ExecResult>;
}

export interface Executor {
  readonly name: string;
  /**
   * Starts a task, waiting first for a free slot when the executor is at its concurrency limit.
   * Resolves once the task has started (so the controller can mark it running and store the handle).
   */
  start(task: ExecTask): Promise<RunningTask>;
  /**
   * Re-attaches to a task started before a controller restart. Undefined when the backend cannot
   * follow it any more (the local executor's children are gone with their parent): the controller
   * then cancels it by handle and runs it again.
   */
  attach(handle: string): Promise<RunningTask | undefined>;
  /** Stops the task and its whole process tree; a no-op for a task that already ended. */
  cancel(handle: string): Promise<void>;
  /** Stops everything still running and releases resources. */
  close(): Promise<void>;
}
