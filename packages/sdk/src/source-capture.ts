import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import { USER_TAG } from '@ferry/core';
import type { Tag } from '@ferry/core';

const run = promisify(execFile);

/** What MLflow records about where a run came from, and the uncommitted changes when there are any. */
export interface SourceInfo {
  tags: Tag[];
  /** `git diff HEAD` when the working tree has uncommitted changes to tracked files. */
  diff?: string;
}

async function git(cwd: string, ...args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', args, { cwd, timeout: 10_000, maxBuffer: 64 * 1024 * 1024 });
    return stdout.trimEnd();
  } catch {
    return undefined;
  }
}

function user(): string {
  try {
    return userInfo().username;
  } catch {
    // Some containers run as a user with no name; MLflow records "unknown" too.
    return 'unknown';
  }
}

/**
 * The entry point, user and git state (commit, branch, remote URL, dirty flag) as MLflow's reserved
 * `mlflow.*` tags. Outside a git checkout, or without git, only the first ones are set.
 */
export async function captureSource(
  entryPoint: string | undefined,
  options = { git: true },
): Promise<SourceInfo> {
  const tags: Tag[] = [
    { key: USER_TAG, value: user() },
    { key: 'mlflow.source.name', value: entryPoint ?? 'node' },
    { key: 'mlflow.source.type', value: 'LOCAL' },
  ];
  if (!entryPoint || !options.git) return { tags };
  const cwd = dirname(resolve(entryPoint));
  const commit = await git(cwd, 'rev-parse', 'HEAD');
  if (!commit) return { tags };
  tags.push({ key: 'mlflow.source.git.commit', value: commit });
  const branch = await git(cwd, 'rev-parse', '--abbrev-ref', 'HEAD');
  if (branch && branch !== 'HEAD') tags.push({ key: 'mlflow.source.git.branch', value: branch });
  const remote = await git(cwd, 'remote', 'get-url', 'origin');
  if (remote) {
    tags.push({ key: 'mlflow.source.git.repoURL', value: remote });
    tags.push({ key: 'mlflow.gitRepoURL', value: remote });
  }
  const status = await git(cwd, 'status', '--porcelain', '--untracked-files=no');
  const dirty = status !== undefined && status !== '';
  tags.push({ key: 'mlflow.source.git.dirty', value: String(dirty) });
  if (!dirty) return { tags };
  const diff = await git(cwd, 'diff', 'HEAD');
  return diff ? { tags, diff } : { tags };
}
