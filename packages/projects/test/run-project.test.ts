import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '@ferry/server';
import { TrackingSession } from '@ferry/sdk';
import { reproduceRun, runProject } from '../src/index.js';
import { makeRepo, writeFiles } from './git-fixture.js';
import { alive, artifactText, collector, runOf, until } from './support.js';
import { startTrackingServer } from './support.js';
import type { TestTrackingServer } from './support.js';

let dir: string;
let server: RunningServer;
let session: TrackingSession;
let tracking: TestTrackingServer;
let project: string;

const MLPROJECT = `name: probe
entry_points:
  main:
    parameters:
      out: path
      alpha: {type: float, default: 0.5}
      note: {type: string, default: "a b"}
    command: "echo oops >&2 && env > {out}/env.txt && echo alpha={alpha} note={note}"
  fail:
    parameters:
      code: {type: int, default: 3}
    command: "echo failing; exit {code}"
  sleepy:
    parameters:
      pids: path
    command: "sleep 300 & echo $! > {pids}/grandchild; echo started; wait"
  gated:
    parameters:
      gate: path
    command: "while [ ! -f {gate}/go ]; do sleep 0.05; done; echo through"
`;

beforeAll(async () => {
  tracking = await startTrackingServer('ferry-run-project-');
  ({ dir, server, session } = tracking);
  project = join(dir, 'probe');
  await writeFiles(project, { MLproject: MLPROJECT });
});
afterAll(async () => {
  await tracking.close();
});

const quiet = () => ({ stdout: collector(), stderr: collector() });

describe('runProject', () => {
  it('creates a project run: params, tags, env vars, log artifact, FINISHED', async () => {
    const out = await mkdtemp(join(dir, 'out-'));
    const io = quiet();
    let announced: string | undefined;
    const result = await runProject({
      uri: project,
      parameters: { out, extra: 'x y' },
      experimentName: 'projects',
      runName: 'first',
      trackingUri: server.url,
      env: { PATH: process.env.PATH },
      onRunCreated: (r) => (announced = r.runId),
      ...io,
    });
    expect(result).toMatchObject({ status: 'FINISHED', exitCode: 0, environment: { manager: 'local' } });
    expect(announced).toBe(result.runId);
    expect(io.stdout.text()).toContain('alpha=0.5 note=a b --extra x y\n');
    expect(io.stderr.text()).toContain('oops\n');

    const run = await runOf(session, result.runId);
    expect(run.info.status).toBe('FINISHED');
    expect(run.info.run_name).toBe('first');
    expect(run.params).toEqual({ out, alpha: '0.5', note: 'a b', extra: 'x y' });
    expect(run.tags).toMatchObject({
      'mlflow.source.type': 'PROJECT',
      'mlflow.source.name': project,
      'mlflow.project.entryPoint': 'main',
      'mlflow.project.env': 'local',
      'mlflow.project.backend': 'local',
      'mlflow.runName': 'first',
      'ferry.project.parameters': JSON.stringify({ out, extra: 'x y' }),
    });
    expect(run.tags['ferry.project.version']).toBeUndefined();

    const env = Object.fromEntries(
      (await readFile(join(out, 'env.txt'), 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(env).toMatchObject({
      MLFLOW_RUN_ID: result.runId,
      FERRY_RUN_ID: result.runId,
      MLFLOW_TRACKING_URI: server.url,
      FERRY_TRACKING_URI: server.url,
      MLFLOW_EXPERIMENT_ID: result.experimentId,
      FERRY_EXPERIMENT_ID: result.experimentId,
    });
    const log = await artifactText(session, result.runId, 'project.log');
    expect(log).toContain('alpha=0.5 note=a b --extra x y\n');
    expect(log).toContain('oops\n');
    expect(log).toContain(`[ferry] command ended with exit code 0: run ${result.runId} FINISHED`);
  });

  it('marks the run FAILED with the exit code of a failing command', async () => {
    const result = await runProject({
      uri: project,
      entryPoint: 'fail',
      parameters: { code: '7' },
      trackingUri: server.url,
      ...quiet(),
    });
    expect(result).toMatchObject({ status: 'FAILED', exitCode: 7 });
    expect((await runOf(session, result.runId)).info.status).toBe('FAILED');
    expect(await artifactText(session, result.runId, 'project.log')).toContain('failing\n');
  });

  it('creates no run when the parameters are wrong', async () => {
    await expect(
      runProject({
        uri: project,
        entryPoint: 'fail',
        parameters: { code: 'x' },
        trackingUri: server.url,
        ...quiet(),
      }),
    ).rejects.toThrow("Parameter 'code' must be an integer, got 'x'.");
    await expect(
      runProject({ uri: project, entryPoint: 'nope', trackingUri: server.url, ...quiet() }),
    ).rejects.toThrow(
      /Unknown entry point 'nope' in MLproject: the project declares 'main', 'fail', 'sleepy', 'gated'/,
    );
  });

  it('kills the whole process tree on abort and marks the run KILLED', async () => {
    const pids = await mkdtemp(join(dir, 'pids-'));
    const abort = new AbortController();
    const io = quiet();
    const running = runProject({
      uri: project,
      entryPoint: 'sleepy',
      parameters: { pids },
      trackingUri: server.url,
      signal: abort.signal,
      killGraceMs: 2000,
      ...io,
    });
    await until(() => existsSync(join(pids, 'grandchild')) && io.stdout.text().includes('started'));
    const grandchild = Number((await readFile(join(pids, 'grandchild'), 'utf8')).trim());
    expect(alive(grandchild)).toBe(true);
    abort.abort();
    const result = await running;
    expect(result.status).toBe('KILLED');
    expect((await runOf(session, result.runId)).info.status).toBe('KILLED');
    await until(() => !alive(grandchild));
  });

  it('detaches: returns while the command runs, and the run ends by itself', async () => {
    const gate = await mkdtemp(join(dir, 'gate-'));
    const started = await runProject({
      uri: project,
      entryPoint: 'gated',
      parameters: { gate },
      trackingUri: server.url,
      detach: true,
      ...quiet(),
    });
    expect(started.status).toBe('RUNNING');
    expect(started.pid).toBeGreaterThan(0);
    expect(alive(started.pid!)).toBe(true);
    expect((await runOf(session, started.runId)).info.status).toBe('RUNNING');
    await writeFile(join(gate, 'go'), '');
    expect((await started.wait()).status).toBe('FINISHED');
    expect(await artifactText(session, started.runId, 'project.log')).toContain('through\n');
    await until(() => !alive(started.pid!));
  });

  it('gives the command a database URI made absolute', async () => {
    const db = join(dir, 'local.db');
    const out = await mkdtemp(join(dir, 'out-'));
    const local = new TrackingSession({ trackingUri: `sqlite:///${db}`, env: {}, captureSource: false });
    try {
      const result = await runProject({
        uri: 'probe',
        cwd: dir,
        parameters: { out },
        trackingUri: 'sqlite:///local.db',
        ...quiet(),
      });
      expect(result.status).toBe('FINISHED');
      expect(await readFile(join(out, 'env.txt'), 'utf8')).toContain(`MLFLOW_TRACKING_URI=sqlite:///${db}\n`);
      expect((await local.getRun(result.runId)).info.status).toBe('FINISHED');
    } finally {
      await local.close();
    }
  });
});

describe('git sources and reproducing', () => {
  let repo: string;
  let commits: { v1: string; v2: string; feature: string };
  beforeAll(async () => {
    repo = join(dir, 'repo');
    commits = await makeRepo(repo);
  });

  it('runs a tag of a repository, records the commit, removes the clone', async () => {
    const url = pathToFileURL(repo).href;
    const out = join(dir, 'git-out.txt');
    const io = quiet();
    const result = await runProject({
      uri: url,
      version: 'v1',
      parameters: { out },
      trackingUri: server.url,
      ...io,
    });
    expect(result.status).toBe('FINISHED');
    expect(await readFile(out, 'utf8')).toBe('v1\n');
    const run = await runOf(session, result.runId);
    expect(run.tags).toMatchObject({
      'mlflow.source.name': url,
      'mlflow.source.git.commit': commits.v1,
      'mlflow.source.git.repoURL': url,
      'ferry.project.version': 'v1',
    });
    expect(run.tags['mlflow.source.git.branch']).toBeUndefined();
    expect(io.stderr.text()).toContain(`[ferry] running echo v1 > ${out}`);

    const branch = await runProject({
      uri: url,
      version: 'feature',
      parameters: { out },
      trackingUri: server.url,
      ...quiet(),
    });
    expect(await readFile(out, 'utf8')).toBe('feature\n');
    expect((await runOf(session, branch.runId)).tags).toMatchObject({
      'mlflow.source.git.branch': 'feature',
      'mlflow.source.git.commit': commits.feature,
    });
  });

  it('runs #subdir of a repository and removes the temporary clone', async () => {
    const io = quiet();
    const clones = await mkdtemp(join(dir, 'clones-'));
    const result = await runProject({
      uri: `${pathToFileURL(repo).href}#sub`,
      version: commits.v2,
      trackingUri: server.url,
      tempDir: clones,
      ...io,
    });
    expect(result.status).toBe('FINISHED');
    expect(await readdir(clones)).toEqual([]);
    expect(io.stdout.text()).toBe('sub-v2\n');
    const run = await runOf(session, result.runId);
    expect(run.tags['mlflow.source.git.commit']).toBe(commits.v2);
  });

  it('reproduces a run: same source, commit, entry point and parameters', async () => {
    const out = join(dir, 'repro.txt');
    const first = await runProject({
      uri: pathToFileURL(repo).href,
      version: 'v1',
      parameters: { out },
      experimentName: 'repro',
      trackingUri: server.url,
      ...quiet(),
    });
    await writeFile(out, '');
    const again = await reproduceRun(first.runId, { trackingUri: server.url, ...quiet() });
    expect(again.status).toBe('FINISHED');
    expect(again.experimentId).toBe(first.experimentId);
    expect(await readFile(out, 'utf8')).toBe('v1\n');
    const run = await runOf(session, again.runId);
    expect(run.tags).toMatchObject({
      'ferry.project.reproducedFrom': first.runId,
      'mlflow.source.git.commit': commits.v1,
      'mlflow.project.entryPoint': 'main',
    });
    expect(run.params).toEqual({ out });
  });

  it('warns when a local folder has moved on since the run, and refuses runs that are not project runs', async () => {
    const local = join(dir, 'local-repo');
    await makeRepo(local);
    const out = join(dir, 'local.txt');
    const first = await runProject({ uri: local, parameters: { out }, trackingUri: server.url, ...quiet() });
    const { commit } = await import('./git-fixture.js');
    await commit(local, { 'more.txt': 'x' }, 'more');
    const io = quiet();
    const again = await reproduceRun(first.runId, { trackingUri: server.url, ...io });
    expect(again.status).toBe('FINISHED');
    expect(io.stderr.text()).toMatch(/warning: run \w+ used commit \w+ of .*local-repo, which is now at \w+/);

    const plain = await session.startRun();
    await session.endRun();
    await expect(reproduceRun(plain.runId, { trackingUri: server.url })).rejects.toThrow(
      `Run ${plain.runId} is not a project run (its mlflow.source.type is LOCAL)`,
    );
  });
});

describe('a script using the Ferry SDK', () => {
  it('logs into the run it is given rather than starting one', async () => {
    const scriptDir = join(dir, 'sdk-project');
    await mkdir(scriptDir, { recursive: true });
    const script = join(import.meta.dirname, 'fixtures', 'sdk-logger.ts');
    // tsx is resolved from this repository (the project folder has no node_modules).
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    await writeFile(
      join(scriptDir, 'MLproject'),
      `entry_points:\n  main:\n    parameters: {lr: {type: float, default: 0.1}}\n    command: "node --conditions source --import ${tsx} ${script} {lr}"\n`,
    );
    const io = quiet();
    const result = await runProject({
      uri: scriptDir,
      trackingUri: server.url,
      env: { ...process.env, NODE_PATH: '' },
      cwd: join(import.meta.dirname, '..'),
      ...io,
    });
    expect(result.status, io.stderr.text()).toBe('FINISHED');
    const run = await runOf(session, result.runId);
    expect(run.metrics).toEqual({ loss: 0.05 });
    expect(run.tags['logged.by']).toBe('sdk');
  });
});
