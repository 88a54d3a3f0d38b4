/**
 * Process groups on Linux: each local task runs as the leader of its own process group, so signalling
 * the group reaches the whole tree (unless a descendant moves itself to another group or session).
 *
 * A handle stored by the controller can outlive the process it names: after a controller restart the
 * pid may belong to a stranger. A group is only treated as ours when its leader still has the start
 * time recorded in the handle (/proc/<pid>/stat field 22, clock ticks since boot, unchanged by exec),
 * or, once the leader is gone, when a remaining member of the group carries the task's marker
 * variable in its environment. Without /proc (not Linux), nothing can be verified and a stale group
 * is never signalled.
 */

import { readFileSync, readdirSync } from 'node:fs';
import { signalGroup } from '@ferry/core';

/** Set in every local task's environment; identifies the group's processes once its leader is gone. */
export const TASK_MARKER_ENV = 'FERRY_EXECUTOR_TASK';

export interface ProcStat {
  pid: number;
  /** One letter: R, S, D, Z (zombie), T, ... */
  state: string;
  ppid: number;
  pgrp: number;
  /** Field 22: when the process started, in clock ticks after boot. */
  startTime: number;
}

/** What a local task's handle holds (JSON). */
export interface GroupHandle {
  executor: 'local';
  taskId: string;
  /** Absent when the program could not be started at all. */
  pid?: number;
  pgid?: number;
  startTime?: number;
}

/** Parses /proc/<pid>/stat; undefined when the process does not exist (or there is no /proc). */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 (comm) is in parentheses and may itself hold spaces and parentheses: split after the last ')'.
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  const state = rest[0];
  const ppid = Number(rest[1]);
  const pgrp = Number(rest[2]);
  const startTime = Number(rest[19]);
  if (!state || !Number.isFinite(ppid) || !Number.isFinite(pgrp) || !Number.isFinite(startTime))
    return undefined;
  return { pid, state, ppid, pgrp, startTime };
}

/** The processes (zombies excluded) whose process group is `pgid`, found by scanning /proc. */
export function groupMembers(pgid: number): ProcStat[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const members: ProcStat[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (stat && stat.pgrp === pgid && stat.state !== 'Z') members.push(stat);
  }
  return members;
}

/** Whether the group still has a live (non-zombie) member. */
export function groupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  // kill(2) also succeeds for zombies waiting to be reaped; with /proc, ignore those.
  if (readProcStat(process.pid) === undefined) return true;
  return groupMembers(pgid).length > 0;
}

function hasMarker(pid: number, taskId: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`${TASK_MARKER_ENV}=${taskId}`);
  } catch {
    return false;
  }
}

/** Whether the group named by a (possibly stale) handle is still the one the task started. */
export function ownsGroup(handle: GroupHandle): boolean {
  const { pid, pgid, startTime, taskId } = handle;
  if (pid === undefined || pgid === undefined || startTime === undefined) return false;
  const leader = readProcStat(pid);
  if (leader && leader.state !== 'Z') return leader.startTime === startTime && leader.pgrp === pgid;
  // The leader is gone; while any member of its group lives the kernel does not hand its pid (the
  // group id) to a new process, but the group may also be a stranger's that got the id later.
  return groupMembers(pgid).some((p) => p.startTime >= startTime && hasMarker(p.pid, taskId));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Stops the group of a handle this process did not start: SIGTERM, then SIGKILL after `graceMs` if a
 * member is still alive. Ownership is checked again before each signal. Resolves when the group is
 * gone (or was never ours).
 */
export async function killVerifiedGroup(handle: GroupHandle, graceMs: number): Promise<void> {
  const pgid = handle.pgid;
  if (pgid === undefined || !ownsGroup(handle)) return;
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pgid)) return;
    await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
  }
  if (ownsGroup(handle)) signalGroup(pgid, 'SIGKILL');
}

export function encodeHandle(handle: GroupHandle): string {
  return JSON.stringify(handle);
}

/** Undefined for text that is not a local executor's handle. */
export function decodeHandle(text: string): GroupHandle | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.executor !== 'local' || typeof v.taskId !== 'string') return undefined;
  const int = (x: unknown) => (typeof x === 'number' && Number.isInteger(x) && x > 0 ? x : undefined);
  const handle: GroupHandle = { executor: 'local', taskId: v.taskId };
  const pid = int(v.pid);
  const pgid = int(v.pgid);
  const startTime = typeof v.startTime === 'number' && v.startTime >= 0 ? v.startTime : undefined;
  if (pid !== undefined) handle.pid = pid;
  if (pgid !== undefined) handle.pgid = pgid;
  if (startTime !== undefined) handle.startTime = startTime;
  return handle;
}
