/**
 * `node_env`: the project's dependencies installed with `npm ci` from its lockfile, cached by the
 * lockfile's hash and the Node major version. The install happens in a fresh folder of the cache
 * (package.json and the lockfile copied there, the user's folder untouched) which is renamed into
 * place only when npm succeeded, so a failed install leaves nothing behind. The project then finds the
 * packages through a `node_modules` symlink to the cached folder (made only where it has none of its own).
 */

import { existsSync } from 'node:fs';
import {
  copyFile,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readlink,
  rename,
  rm,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setupError } from '../errors.js';
import { insideProject } from '../project.js';
import { READY_MARKER, npmErrorLines, pathWith, runInstaller, specHash } from './install.js';
import { shellArgv } from './types.js';
import type { EnvironmentContext, PreparedEnvironment } from './types.js';

export async function prepareNode(ctx: EnvironmentContext): Promise<PreparedEnvironment> {
  const env = ctx.project.environment;
  const dir = insideProject(ctx.project.dir, env.type === 'node_env' ? env.dir : '.', 'node_env');
  const lockfile = join(dir, 'package-lock.json');
  if (!existsSync(join(dir, 'package.json')) || !existsSync(lockfile)) {
    throw setupError(
      `The node environment needs package.json and package-lock.json in ${dir} (npm ci installs from the lockfile: run npm install once and commit package-lock.json).`,
    );
  }
  const major = process.versions.node.split('.')[0]!;
  const cached = join(ctx.cacheRoot, `node-${specHash(await readFile(lockfile), `node${major}`)}`);
  const reused = existsSync(join(cached, READY_MARKER));
  if (!reused) await install(dir, cached, ctx);
  await link(join(dir, 'node_modules'), join(cached, 'node_modules'), ctx);
  return {
    manager: 'node',
    argv: shellArgv,
    env: { PATH: pathWith(join(cached, 'node_modules', '.bin'), ctx.env) },
    path: cached,
    reused,
  };
}

async function install(dir: string, cached: string, ctx: EnvironmentContext): Promise<void> {
  await mkdir(ctx.cacheRoot, { recursive: true });
  const work = await mkdtemp(join(ctx.cacheRoot, '.installing-node-'));
  try {
    for (const file of ['package.json', 'package-lock.json', '.npmrc']) {
      if (existsSync(join(dir, file))) await copyFile(join(dir, file), join(work, file));
    }
    ctx.output(`[ferry] npm ci for ${join(dir, 'package-lock.json')}\n`);
    const result = await runInstaller(['npm', 'ci', '--ignore-scripts=false', '--no-audit', '--no-fund'], {
      cwd: work,
      env: ctx.env,
      output: ctx.output,
    });
    if (result.code !== 0) {
      throw setupError(
        `npm ci failed for ${join(dir, 'package-lock.json')} (exit code ${result.code}):\n${npmErrorLines(result.tail)}`,
      );
    }
    // A lockfile without dependencies installs no folder; the link needs one.
    await mkdir(join(work, 'node_modules'), { recursive: true });
    await writeFile(join(work, READY_MARKER), new Date().toISOString());
    try {
      await rename(work, cached);
    } catch (error) {
      // Another run installed the same lockfile meanwhile: use theirs.
      if (!existsSync(join(cached, READY_MARKER))) throw error;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** `node_modules` → the cached one, unless the project has a real folder of its own (then kept). */
async function link(at: string, target: string, ctx: EnvironmentContext): Promise<void> {
  let current;
  try {
    current = await lstat(at);
  } catch {
    await symlink(target, at, 'dir');
    return;
  }
  if (!current.isSymbolicLink()) {
    ctx.output(`[ferry] ${at} exists: using the project's own node_modules\n`);
    return;
  }
  // A link into the cache from an earlier run (perhaps of another lockfile): point it here.
  const points = resolve(at, '..', await readlink(at));
  if (points === target) return;
  await unlink(at);
  await symlink(target, at, 'dir');
}
