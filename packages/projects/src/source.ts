/**
 * Where a project comes from: a local folder, or a git repository cloned into a fresh temporary folder
 * and checked out at the requested version. `uri#subdir` picks a folder of either as the project root.
 * The git state (commit, branch, remote, dirty) is recorded so the run can be reproduced.
 */

import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { projectError, setupError } from './errors.js';
import { git, gitFailure, gitOrUndefined } from './git.js';
import { insideProject } from './project.js';

export interface GitState {
  commit: string;
  repoUrl?: string;
  /** Set when the requested version is a branch (git sources) or the work tree is on one (local). */
  branch?: string;
  /** Local folders only: uncommitted changes to tracked files. */
  dirty?: boolean;
}

export interface ProjectSource {
  /** `mlflow.source.name`: a git URI as given, or a local folder made absolute (with `#subdir`). */
  name: string;
  /** The project root: the folder holding MLproject. */
  dir: string;
  /** The local folder or the clone (`dir` is inside it when a subdirectory was asked for). */
  root: string;
  /** A temporary clone, removed by cleanup(). */
  temporary: boolean;
  git?: GitState;
  cleanup(): Promise<void>;
}

export interface FetchOptions {
  /** A commit, branch or tag (git sources; a local folder given a version is cloned as a repository). */
  version?: string;
  /** Where relative local paths start. */
  cwd?: string;
  /** Where temporary clones go (default: the system's temporary folder). */
  tempDir?: string;
}

const GIT_URI = /^(https?:\/\/|ssh:\/\/|git:\/\/|file:\/\/|[\w.-]+@[\w.-]+:)/;

/** Splits `uri#subdir`. */
export function splitProjectUri(uri: string): { base: string; subdir: string } {
  const at = uri.indexOf('#');
  if (at < 0) return { base: uri, subdir: '' };
  return { base: uri.slice(0, at), subdir: uri.slice(at + 1) };
}

export function isGitUri(base: string): boolean {
  return GIT_URI.test(base);
}

function checkSubdir(subdir: string): void {
  if (isAbsolute(subdir) || subdir.split(/[\\/]/).includes('..')) {
    throw projectError(
      `The project subdirectory '${subdir}' must be a relative path inside the repository (no '..').`,
    );
  }
}

function projectDir(root: string, subdir: string, uri: string): string {
  const dir = subdir ? insideProject(root, subdir, 'Subdirectory') : root;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw projectError(
      subdir ? `There is no folder '${subdir}' in ${uri}.` : `The project folder ${uri} does not exist.`,
    );
  }
  return dir;
}

export async function fetchProject(uri: string, options: FetchOptions = {}): Promise<ProjectSource> {
  const cwd = options.cwd ?? process.cwd();
  const { base, subdir } = splitProjectUri(uri);
  if (!base) throw projectError(`No project given in '${uri}'.`);
  checkSubdir(subdir);
  const remote = isGitUri(base);
  if (!remote && options.version === undefined) return localSource(resolve(cwd, base), subdir);
  const url = remote ? base : resolve(cwd, base);
  if (!remote && !existsSync(url)) throw projectError(`The project folder ${base} does not exist.`);
  const name = remote ? uri : `${url}${subdir ? `#${subdir}` : ''}`;
  return cloneSource(url, name, subdir, options);
}

async function localSource(root: string, subdir: string): Promise<ProjectSource> {
  const dir = projectDir(root, subdir, root);
  const name = `${root}${subdir ? `#${subdir}` : ''}`;
  const source: ProjectSource = { name, dir, root, temporary: false, cleanup: async () => {} };
  const commit = await gitOrUndefined(dir, 'rev-parse', 'HEAD');
  if (!commit) return source;
  const state: GitState = { commit };
  const branch = await gitOrUndefined(dir, 'rev-parse', '--abbrev-ref', 'HEAD');
  if (branch && branch !== 'HEAD') state.branch = branch;
  const repoUrl = await gitOrUndefined(dir, 'remote', 'get-url', 'origin');
  if (repoUrl) state.repoUrl = repoUrl;
  const status = await gitOrUndefined(dir, 'status', '--porcelain', '--untracked-files=no');
  state.dirty = status !== undefined && status !== '';
  source.git = state;
  return source;
}

async function cloneSource(
  url: string,
  name: string,
  subdir: string,
  options: FetchOptions,
): Promise<ProjectSource> {
  const clone = await mkdtemp(join(options.tempDir ?? tmpdir(), 'ferry-project-'));
  const cleanup = () => rm(clone, { recursive: true, force: true });
  try {
    try {
      await git(clone, 'clone', '--quiet', url, '.');
    } catch (error) {
      throw setupError(`Cannot clone the project repository ${url}: ${gitFailure(error)}`);
    }
    const state: GitState = { commit: '', repoUrl: url };
    const version = options.version;
    if (version !== undefined) {
      try {
        // `git checkout <branch>` makes a local branch following origin's; a commit or tag detaches.
        await git(clone, 'checkout', '--quiet', version, '--');
      } catch (error) {
        throw projectError(
          `Cannot check out version '${version}' of ${url}; is it a commit, branch or tag of the repository? ${gitFailure(error)}`,
        );
      }
      if (await gitOrUndefined(clone, 'rev-parse', '--verify', '--quiet', `refs/remotes/origin/${version}`)) {
        state.branch = version;
      }
    }
    if (existsSync(join(clone, '.gitmodules'))) {
      await git(clone, 'submodule', 'update', '--init', '--recursive', '--quiet');
    }
    state.commit = await git(clone, 'rev-parse', 'HEAD');
    return { name, dir: projectDir(clone, subdir, url), root: clone, temporary: true, git: state, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
