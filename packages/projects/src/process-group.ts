/**
 * The project's command as the leader of its own process group (`detached`), so stopping the run
 * reaches everything it started: SIGTERM to the group, SIGKILL after a grace period. When the leader
 * exits, what is left of its group is killed too: a run is over when its command is (background
 * children it did not wait for would otherwise hold the output open and outlive the run).
 */

import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { constants } from 'node:os';
import { signalGroup } from '@ferry/core';

export interface GroupOutput {
  /** Where the output goes as it comes: the caller's streams, and the log kept for the run. */
  stdout: Writable;
  stderr: Writable;
  log: Writable;
}

export interface GroupOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  /** Streams to copy the output to, or a file descriptor the command writes to directly. */
  output: GroupOutput | { fd: number };
}

export interface GroupExit {
  /** The exit code, or 128 + the signal's number for a command ended by a signal (as a shell reports). */
  exitCode: number;
  signal?: NodeJS.Signals;
  /** True when stop() was called before the command ended. */
  stopped: boolean;
}

export interface RunningGroup {
  pid: number | undefined;
  done: Promise<GroupExit>;
  /** SIGTERM to the group now, SIGKILL after `graceMs` unless it has ended. */
  stop(graceMs: number): void;
}

export function startGroup(argv: string[], options: GroupOptions): RunningGroup {
  const [program, ...args] = argv;
  const piped = !('fd' in options.output);
  const child = spawn(program!, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: piped
      ? ['ignore', 'pipe', 'pipe']
      : ['ignore', (options.output as { fd: number }).fd, (options.output as { fd: number }).fd],
  });
  const pid = child.pid;
  let stopped = false;
  let killTimer: NodeJS.Timeout | undefined;
  if (piped) {
    const out = options.output as GroupOutput;
    child.stdout!.on('data', (chunk: Buffer) => {
      out.stdout.write(chunk);
      out.log.write(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      out.stderr.write(chunk);
      out.log.write(chunk);
    });
  }
  const done = new Promise<GroupExit>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      // Only a failed start is reported this way (the program is missing, say).
      const message = `cannot start ${program}: ${error.message}\n`;
      if (piped) {
        (options.output as GroupOutput).stderr.write(message);
        (options.output as GroupOutput).log.write(message);
      }
      resolve({ exitCode: 127, stopped });
    });
    child.once('exit', () => signalGroup(pid, 'SIGKILL'));
    // 'close' comes once the output is drained as well.
    child.once('close', (code, signal) => {
      clearTimeout(killTimer);
      if (code !== null) return resolve({ exitCode: code, stopped });
      const number = signal ? (constants.signals[signal] ?? 0) : 0;
      resolve({ exitCode: 128 + number, ...(signal ? { signal } : {}), stopped });
    });
  });
  return {
    pid,
    done,
    stop(graceMs: number) {
      if (stopped) return;
      stopped = true;
      signalGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
    },
  };
}
