import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** git in `cwd` with a fixed identity, so tests do not depend on the machine's git config. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.com',
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: cwd,
    },
  }).trim();
}

export async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

/** Writes the files and commits them; returns the new commit. */
export async function commit(repo: string, files: Record<string, string>, message: string): Promise<string> {
  await writeFiles(repo, files);
  git(repo, 'add', '-A');
  git(repo, 'commit', '--quiet', '-m', message);
  return git(repo, 'rev-parse', 'HEAD');
}

/**
 * A repository whose project prints which version it is: `v1` (tagged v1), then `v2` on main, and
 * `feature` on a branch; `sub/` holds a second project.
 */
export async function makeRepo(repo: string): Promise<{ v1: string; v2: string; feature: string }> {
  await mkdir(repo, { recursive: true });
  git(repo, 'init', '--quiet', '--initial-branch=main');
  const project = (label: string) => ({
    MLproject: `name: versions\nentry_points:\n  main:\n    parameters:\n      out: {type: string, default: out.txt}\n    command: "echo ${label} > {out}"\n`,
    'sub/MLproject': `entry_points:\n  main:\n    command: "echo sub-${label}"\n`,
  });
  const v1 = await commit(repo, project('v1'), 'v1');
  git(repo, 'tag', 'v1');
  const v2 = await commit(repo, project('v2'), 'v2');
  git(repo, 'checkout', '--quiet', '-b', 'feature');
  const feature = await commit(repo, project('feature'), 'feature');
  git(repo, 'checkout', '--quiet', 'main');
  return { v1, v2, feature };
}
