/**
 * `conda_env`: `conda env create` from the project's conda.yaml into a prefix of the cache, keyed by
 * the file's content; the command runs with the prefix's bin first on PATH. Needs conda installed.
 */

import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setupError } from '../errors.js';
import { READY_MARKER, lastLines, onPath, pathWith, runInstaller, specHash } from './install.js';
import { shellArgv } from './types.js';
import type { EnvironmentContext, PreparedEnvironment } from './types.js';

export async function prepareConda(ctx: EnvironmentContext): Promise<PreparedEnvironment> {
  const env = ctx.project.environment;
  const file = env.type === 'conda_env' ? join(ctx.project.dir, env.file) : undefined;
  const conda = ctx.env.CONDA_EXE || 'conda';
  if (!(ctx.env.CONDA_EXE ? existsSync(conda) : await onPath('conda', ctx.env))) {
    throw setupError(
      `conda is not installed (no conda on PATH)${file ? `, and the project's environment ${file} needs it` : ''}. Install Miniforge or Miniconda, or run with --env-manager local.`,
    );
  }
  if (!file)
    throw setupError('The conda environment manager needs a conda_env file (conda.yaml) in MLproject.');
  const prefix = join(ctx.cacheRoot, `conda-${specHash(await readFile(file))}`);
  const reused = existsSync(join(prefix, READY_MARKER));
  if (!reused) {
    await rm(prefix, { recursive: true, force: true });
    await mkdir(ctx.cacheRoot, { recursive: true });
    ctx.output(`[ferry] conda env create -p ${prefix} -f ${file}\n`);
    const result = await runInstaller([conda, 'env', 'create', '--quiet', '-p', prefix, '-f', file], {
      cwd: ctx.project.dir,
      env: ctx.env,
      output: ctx.output,
    });
    if (result.code !== 0) {
      await rm(prefix, { recursive: true, force: true });
      throw setupError(
        `conda env create failed for ${file} (exit code ${result.code}):\n${lastLines(result.tail)}`,
      );
    }
    await writeFile(join(prefix, READY_MARKER), new Date().toISOString());
  }
  return {
    manager: 'conda',
    argv: shellArgv,
    env: { PATH: pathWith(join(prefix, 'bin'), ctx.env), CONDA_PREFIX: prefix },
    path: prefix,
    reused,
  };
}
