import { existsSync, readlinkSync, statSync } from 'node:fs';
import { cp, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrackingSession } from '@ferry/sdk';
import { dockerRunArgv, runProject } from '../src/index.js';
import type { RunProjectOptions } from '../src/index.js';
import { writeFiles } from './git-fixture.js';
import { artifactText, collector, runOf } from './support.js';

let dir: string;
let uri: string;
let session: TrackingSession;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-envs-'));
  uri = `sqlite:///${join(dir, 'ferry.db')}`;
  session = new TrackingSession({ trackingUri: uri, env: {}, captureSource: false });
});
afterAll(async () => {
  await session.close();
  await rm(dir, { recursive: true, force: true });
});

/** A run on the test database with a fresh environment cache; output collected. */
function run(options: Partial<RunProjectOptions> & { uri: string }) {
  const stdout = collector();
  const stderr = collector();
  const promise = runProject({ trackingUri: uri, session, stdout, stderr, ...options });
  return { promise, stdout, stderr };
}

const LOCKFILE = (deps: Record<string, string> = {}) =>
  JSON.stringify({
    name: 'p',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'p', version: '1.0.0', ...(Object.keys(deps).length ? { dependencies: deps } : {}) },
    },
  });

describe('node environments', () => {
  it('installs with npm ci into the cache once, then reuses it', async () => {
    const cache = join(dir, 'node-cache');
    const project = join(dir, 'node-project');
    await cp(resolve(import.meta.dirname, '../../../examples/projects/node-project'), project, {
      recursive: true,
    });
    await rm(join(project, 'node_modules'), { force: true, recursive: true });

    const first = run({ uri: project, envCacheDir: cache, parameters: { steps: '3' } });
    const result = await first.promise;
    expect(result.status, first.stderr.text()).toBe('FINISHED');
    expect(result.environment).toMatchObject({ manager: 'node', reused: false });
    expect(first.stderr.text()).toContain('[ferry] npm ci for');
    const envDir = result.environment.path!;
    expect((await readdir(cache)).filter((n) => !n.startsWith('.'))).toEqual([envDir.split('/').pop()]);
    expect(readlinkSync(join(project, 'node_modules'))).toBe(join(envDir, 'node_modules'));
    expect(first.stdout.text()).toMatch(/^baseline: w=1\.4640 after 3 steps/);
    const installedAt = statSync(join(envDir, '.ferry-env-ready')).mtimeMs;
    expect((await runOf(session, result.runId)).tags['mlflow.project.env']).toBe('node');

    const second = run({ uri: project, envCacheDir: cache });
    const again = await second.promise;
    expect(again.status).toBe('FINISHED');
    expect(again.environment).toMatchObject({ manager: 'node', reused: true, path: envDir });
    expect(second.stderr.text()).not.toContain('npm ci');
    expect(statSync(join(envDir, '.ferry-env-ready')).mtimeMs).toBe(installedAt);
  });

  it('reports a bad lockfile clearly and leaves no cache entry', async () => {
    const cache = join(dir, 'bad-cache');
    const project = join(dir, 'bad-node');
    await writeFiles(project, {
      MLproject: 'node_env: .\nentry_points:\n  main:\n    command: "echo never"\n',
      // package.json wants a package the lockfile does not have: npm ci refuses before any download.
      'package.json': JSON.stringify({ name: 'p', version: '1.0.0', dependencies: { 'left-pad': '1.3.0' } }),
      'package-lock.json': LOCKFILE(),
    });
    let runId: string | undefined;
    const failed = runProject({
      trackingUri: uri,
      session,
      uri: project,
      envCacheDir: cache,
      stdout: collector(),
      stderr: collector(),
      onRunCreated: (r) => (runId = r.runId),
    });
    await expect(failed).rejects.toThrow(
      /^npm ci failed for .*bad-node\/package-lock.json \(exit code \d+\):/,
    );
    await expect(failed).rejects.toThrow(/npm ci failed/);
    expect(await readdir(cache)).toEqual([]);
    expect(existsSync(join(project, 'node_modules'))).toBe(false);
    const failedRun = await runOf(session, runId!);
    expect(failedRun.info.status).toBe('FAILED');
    expect(await artifactText(session, runId!, 'project.log')).toContain('npm ci failed');
  });
});

describe('virtualenv environments', () => {
  const pip = { PIP_INDEX_URL: 'http://127.0.0.1:9/simple', PIP_RETRIES: '0', PIP_TIMEOUT: '2' };

  it('runs in a venv made with python3 -m venv when the environment has no dependencies', async () => {
    const cache = join(dir, 'venv-cache');
    const project = join(dir, 'py-plain');
    await writeFiles(project, {
      MLproject:
        'python_env: python_env.yaml\nentry_points:\n  main:\n    command: "python -c \'import sys; print(sys.prefix)\'"\n',
      'python_env.yaml': 'python: "3"\nbuild_dependencies: []\ndependencies: []\n',
    });
    const attempt = run({ uri: project, envCacheDir: cache, env: { ...process.env, ...pip } });
    const result = await attempt.promise;
    expect(result.status, attempt.stderr.text()).toBe('FINISHED');
    expect(result.environment).toMatchObject({ manager: 'virtualenv', reused: false });
    expect(attempt.stdout.text().trim()).toBe(result.environment.path);

    // The same environment file again: the cached venv, not a new one.
    const again = await run({ uri: project, envCacheDir: cache, env: { ...process.env, ...pip } }).promise;
    expect(again.environment).toMatchObject({
      manager: 'virtualenv',
      reused: true,
      path: result.environment.path,
    });
  });

  it('says the package index is unreachable, naming the environment file', async () => {
    const cache = join(dir, 'venv-offline-cache');
    const project = join(dir, 'py-deps');
    await writeFiles(project, {
      MLproject: 'python_env: python_env.yaml\nentry_points:\n  main:\n    command: "python -c 1"\n',
      'python_env.yaml': 'python: "3"\ndependencies:\n  - ferry-test-package-that-does-not-exist==1.0\n',
    });
    const attempt = run({ uri: project, envCacheDir: cache, env: { ...process.env, ...pip } });
    await expect(attempt.promise).rejects.toThrow(
      `Cannot install the Python environment of ${join(project, 'python_env.yaml')}: the package index is unreachable (pip could not download ferry-test-package-that-does-not-exist==1.0).`,
    );
    expect(await readdir(cache)).toEqual([]);
  });
});

describe('conda and docker environments', () => {
  it('says conda is not installed', async () => {
    const project = join(dir, 'conda');
    await writeFiles(project, {
      MLproject: 'conda_env: conda.yaml\nentry_points:\n  main:\n    command: "echo never"\n',
      'conda.yaml': 'name: x\ndependencies: [python=3.11]\n',
    });
    const attempt = run({ uri: project, envCacheDir: join(dir, 'c'), env: { PATH: '/usr/bin:/bin' } });
    await expect(attempt.promise).rejects.toThrow(
      `conda is not installed (no conda on PATH), and the project's environment ${join(project, 'conda.yaml')} needs it. Install Miniforge or Miniconda, or run with --env-manager local.`,
    );
  });

  it('says the Docker engine is not reachable', async () => {
    const project = join(dir, 'docker');
    await writeFiles(project, {
      MLproject:
        'docker_env:\n  image: python:3.11-slim\nentry_points:\n  main:\n    command: "echo never"\n',
    });
    const attempt = run({
      uri: project,
      env: { PATH: process.env.PATH, DOCKER_HOST: `unix://${join(dir, 'no-docker.sock')}` },
    });
    await expect(attempt.promise).rejects.toThrow(
      /^Cannot run in the project's image python:3\.11-slim: (the Docker engine is not reachable \(docker info failed: .+\)|docker is not installed \(no docker command on PATH\))\. Start Docker/,
    );
    const noClient = run({ uri: project, env: { PATH: join(dir, 'empty-path') } });
    await expect(noClient.promise).rejects.toThrow(/docker is not installed \(no docker command on PATH\)/);
  });

  it('builds the docker run command', () => {
    expect(
      dockerRunArgv({
        image: 'python:3.11-slim',
        projectDir: '/srv/project',
        command: "python train.py --alpha '0.5'",
        volumes: ['/data:/data'],
        environment: ['HOME', ['MODE', 'fast']],
        passEnv: ['MLFLOW_RUN_ID', 'MLFLOW_TRACKING_URI'],
        trackingUri: 'sqlite:////srv/ferry/ferry.db',
      }),
    ).toEqual([
      'docker',
      'run',
      '--rm',
      '--network',
      'host',
      '-v',
      '/srv/project:/mlflow/projects/code',
      '-w',
      '/mlflow/projects/code',
      '-v',
      '/srv/ferry:/srv/ferry',
      '-v',
      '/data:/data',
      '-e',
      'MLFLOW_RUN_ID',
      '-e',
      'MLFLOW_TRACKING_URI',
      '-e',
      'HOME',
      '-e',
      'MODE=fast',
      'python:3.11-slim',
      '/bin/sh',
      '-c',
      "python train.py --alpha '0.5'",
    ]);
  });

  it('runs any project as it is with --env-manager local', async () => {
    const project = join(dir, 'docker');
    const attempt = run({ uri: project, envManager: 'local' });
    expect((await attempt.promise).status).toBe('FINISHED');
    expect(attempt.stdout.text()).toBe('never\n');
    await expect(run({ uri: project, envManager: 'pip' }).promise).rejects.toThrow(
      "Unknown environment manager 'pip' (expected one of: local, virtualenv, conda, docker, node).",
    );
  });
});

it('keeps the command line and its output as project.log', async () => {
  const project = join(dir, 'docker');
  const attempt = run({ uri: project, envManager: 'local' });
  const result = await attempt.promise;
  expect(await artifactText(session, result.runId, 'project.log')).toMatch(
    /^\[ferry\] running echo never\nnever\n/,
  );
  expect(await readFile(join(project, 'MLproject'), 'utf8')).toContain('docker_env');
});
