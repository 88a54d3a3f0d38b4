/**
 * `python_env` (MLflow's virtualenv manager): a venv made with the machine's `python3 -m venv`, the
 * python_env.yaml's build_dependencies and dependencies (or the project's requirements.txt) installed
 * with its pip. Cached by the environment file's content and the Python version. A venv cannot be moved
 * (its scripts name their folder), so it is built in place and marked ready last; a folder without the
 * mark is removed and built again.
 */

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { projectError, setupError } from '../errors.js';
import { READY_MARKER, lastLines, pathWith, runInstaller, specHash } from './install.js';
import { shellArgv } from './types.js';
import type { EnvironmentContext, PreparedEnvironment } from './types.js';

const exec = promisify(execFile);

interface PythonEnvSpec {
  /** The file the dependencies come from, absolute; undefined for a bare venv. */
  file?: string;
  python?: string;
  buildDependencies: string[];
  dependencies: string[];
}

function stringList(value: unknown, what: string, file: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' || typeof v === 'number')) {
    throw projectError(`${file}: ${what} must be a list of requirement strings.`);
  }
  return value.map(String);
}

async function readSpec(ctx: EnvironmentContext): Promise<PythonEnvSpec> {
  const env = ctx.project.environment;
  if (env.type === 'python_env') {
    const file = join(ctx.project.dir, env.file);
    let doc: unknown;
    try {
      doc = parse(await readFile(file, 'utf8'));
    } catch (error) {
      throw projectError(`${file}: invalid YAML: ${(error as Error).message.split('\n')[0]}`);
    }
    const spec = (doc ?? {}) as Record<string, unknown>;
    return {
      file,
      ...(spec.python !== undefined ? { python: String(spec.python) } : {}),
      buildDependencies: stringList(spec.build_dependencies, 'build_dependencies', file),
      dependencies: stringList(spec.dependencies, 'dependencies', file),
    };
  }
  const requirements = join(ctx.project.dir, 'requirements.txt');
  if (existsSync(requirements)) {
    return { file: requirements, buildDependencies: [], dependencies: ['-r', 'requirements.txt'] };
  }
  return { buildDependencies: [], dependencies: [] };
}

async function pythonVersion(env: Record<string, string | undefined>): Promise<string> {
  try {
    const { stdout } = await exec('python3', ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], {
      env,
    });
    return stdout.trim();
  } catch {
    throw setupError('The virtualenv environment needs python3, which is not installed (or not on PATH).');
  }
}

export async function prepareVirtualenv(ctx: EnvironmentContext): Promise<PreparedEnvironment> {
  const spec = await readSpec(ctx);
  const version = await pythonVersion(ctx.env);
  if (spec.python && !`${version}.`.startsWith(`${spec.python}.`)) {
    ctx.output(
      `[ferry] ${spec.file} asks for Python ${spec.python}; using this machine's python3 (${version})\n`,
    );
  }
  const content = spec.file ? await readFile(spec.file) : '';
  const venv = join(ctx.cacheRoot, `virtualenv-${specHash(content, `python${version}`)}`);
  const reused = existsSync(join(venv, READY_MARKER));
  if (!reused) {
    await rm(venv, { recursive: true, force: true });
    await mkdir(ctx.cacheRoot, { recursive: true });
    try {
      await build(venv, spec, ctx);
    } catch (error) {
      await rm(venv, { recursive: true, force: true });
      throw error;
    }
  }
  const bin = join(venv, 'bin');
  return {
    manager: 'virtualenv',
    argv: shellArgv,
    env: { PATH: pathWith(bin, ctx.env), VIRTUAL_ENV: venv },
    path: venv,
    reused,
  };
}

/** pip's words for "could not reach the index" (and for finding nothing there, which is how a dead index often ends). */
const UNREACHABLE =
  /connection|network|name resolution|timed out|unreachable|proxy|ssl|max retries|could not find a version|no matching distribution/i;

async function build(venv: string, spec: PythonEnvSpec, ctx: EnvironmentContext): Promise<void> {
  ctx.output(`[ferry] python3 -m venv ${venv}\n`);
  const created = await runInstaller(['python3', '-m', 'venv', venv], {
    cwd: ctx.project.dir,
    env: ctx.env,
    output: ctx.output,
  });
  if (created.code !== 0) {
    throw setupError(`python3 -m venv failed (is the venv module installed?):\n${lastLines(created.tail)}`);
  }
  const python = join(venv, 'bin', 'python');
  const cwd = spec.file ? dirname(spec.file) : ctx.project.dir;
  for (const requirements of [spec.buildDependencies, spec.dependencies]) {
    if (requirements.length === 0) continue;
    const argv = [python, '-m', 'pip', 'install', '--disable-pip-version-check', ...requirements];
    ctx.output(`[ferry] pip install ${requirements.join(' ')}\n`);
    const result = await runInstaller(argv, { cwd, env: ctx.env, output: ctx.output });
    if (result.code === 0) continue;
    if (UNREACHABLE.test(result.tail)) {
      throw setupError(
        `Cannot install the Python environment of ${spec.file}: the package index is unreachable (pip could not download ${requirements.join(' ')}). Check the network or PIP_INDEX_URL, or run with --env-manager local.\n${lastLines(result.tail, 4)}`,
      );
    }
    throw setupError(
      `pip install failed for ${spec.file} (exit code ${result.code}):\n${lastLines(result.tail)}`,
    );
  }
  await writeFile(join(venv, READY_MARKER), new Date().toISOString());
}
