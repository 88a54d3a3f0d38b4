import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '@ferry/server';
import type { TrackingSession } from '@ferry/sdk';
import { alive, startTrackingServer } from '../../projects/test/support.js';
import type { TestTrackingServer } from '../../projects/test/support.js';

// The built `ferry` binary (`npm test` builds it first) running projects against a tracking server.
const BIN = join(dirname(fileURLToPath(import.meta.url)), '../dist/bin.js');
const EXAMPLES = resolve(dirname(fileURLToPath(import.meta.url)), '../../../examples/projects');

let dir: string;
let server: RunningServer;
let session: TrackingSession;
let tracking: TestTrackingServer;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function ferry(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args, '--tracking-uri', server.url],
      { cwd: dir, env: { ...process.env, FERRY_ENV_CACHE: join(dir, 'envs'), ...env } },
      (error, stdout, stderr) => done({ code: error ? (error as { code: number }).code : 0, stdout, stderr }),
    );
  });
}

const runIdOf = (stderr: string): string => {
  const match = /^Run (\w+) started/.exec(stderr);
  if (!match) throw new Error(`no "Run <id> started" line in:\n${stderr}`);
  return match[1]!;
};

async function tagsOf(runId: string): Promise<Record<string, string>> {
  const run = await session.getRun(runId);
  return Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
}

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
  tracking = await startTrackingServer('ferry-cli-projects-');
  ({ dir, server, session } = tracking);
});
afterAll(async () => {
  await tracking.close();
});

describe('ferry run and ferry runs reproduce', () => {
  let trained: string;

  it('runs the command project: run id first, output streamed, metrics logged', async () => {
    const result = await ferry([
      'run',
      join(EXAMPLES, 'command-project'),
      '-P',
      'epochs=5',
      '-P',
      'alpha=0.05',
      '--experiment-name',
      'cli-projects',
      '--run-name',
      'from-cli',
    ]);
    expect(result.code, result.stderr).toBe(0);
    trained = runIdOf(result.stderr);
    expect(result.stdout).toContain('epoch 4: loss=');
    expect(result.stderr).toContain(`Run ${trained} FINISHED (exit code 0)`);
    const run = await session.getRun(trained);
    expect(run.info.status).toBe('FINISHED');
    expect(run.info.run_name).toBe('from-cli');
    expect(await session.getMetricHistory(trained, 'loss')).toHaveLength(5);
  });

  it('runs the node project in its node environment', async () => {
    const project = join(dir, 'node-project');
    await cp(join(EXAMPLES, 'node-project'), project, { recursive: true });
    const result = await ferry(['run', project, '-P', 'steps=10', '-P', 'label=cli']);
    expect(result.code, result.stderr).toBe(0);
    const runId = runIdOf(result.stderr);
    expect(result.stdout).toMatch(/^cli: w=\d\.\d{4} after 10 steps/);
    expect(await tagsOf(runId)).toMatchObject({ 'mlflow.project.env': 'node', 'example.label': 'cli' });
  });

  it("passes a failing entry point's exit code through and marks the run FAILED", async () => {
    const result = await ferry(['run', join(EXAMPLES, 'command-project'), '-e', 'fail', '-P', 'code=5']);
    expect(result.code).toBe(5);
    const runId = runIdOf(result.stderr);
    expect((await session.getRun(runId)).info.status).toBe('FAILED');
    const bad = await ferry(['run', join(EXAMPLES, 'command-project'), '-e', 'train']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /^ferry: Unknown entry point 'train' in MLproject: the project declares 'main', 'summarize', 'fail'/,
    );
  });

  it('stops the whole process tree on Ctrl-C, marks the run KILLED and exits 130', async () => {
    const project = join(dir, 'sleepy');
    await mkdir(project);
    await writeFile(
      join(project, 'MLproject'),
      'entry_points:\n  main:\n    command: "sleep 300 & echo $! > grandchild.pid; echo started; wait"\n',
    );
    const child = spawn(process.execPath, [BIN, 'run', project, '--tracking-uri', server.url], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    await new Promise<void>((ready) =>
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('started')) ready();
      }),
    );
    const grandchild = Number((await readFile(join(project, 'grandchild.pid'), 'utf8')).trim());
    expect(alive(grandchild)).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const runId = runIdOf(stderr);
    expect((await session.getRun(runId)).info.status).toBe('KILLED');
    while (alive(grandchild)) await new Promise((done) => setTimeout(done, 50));
  });

  it('--detach returns at once with the run id; the compiled runner ends the run with its log', async () => {
    const result = await ferry(['run', join(EXAMPLES, 'command-project'), '-P', 'epochs=3', '--detach']);
    expect(result.code, result.stderr).toBe(0);
    const runId = result.stdout.trim();
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
    expect(result.stderr).toMatch(new RegExp(`Run ${runId} detached \\(pid \\d+\\)`));
    // The run goes on without `ferry run`, and the runner ends it.
    let status = (await session.getRun(runId)).info.status;
    const end = Date.now() + 60_000;
    while (status === 'RUNNING' && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await session.getRun(runId)).info.status;
    }
    expect(status).toBe('FINISHED');
    expect(await session.getMetricHistory(runId, 'loss')).toHaveLength(3);
    const log = new TextDecoder().decode(await session.client.getArtifact(runId, 'project.log'));
    expect(log).toContain('epoch 2: loss=');
  });

  it('reproduces a run', async () => {
    const result = await ferry(['runs', 'reproduce', trained]);
    expect(result.code, result.stderr).toBe(0);
    const again = runIdOf(result.stderr);
    expect(again).not.toBe(trained);
    const original = await session.getRun(trained);
    const copy = await session.getRun(again);
    expect(copy.info.experiment_id).toBe(original.info.experiment_id);
    expect((await tagsOf(again))['ferry.project.reproducedFrom']).toBe(trained);
    const params = (r: typeof copy) => Object.fromEntries((r.data.params ?? []).map((p) => [p.key, p.value]));
    expect(params(copy)).toEqual(params(original));
    const notProject = await session.startRun();
    await session.endRun();
    const refused = await ferry(['runs', 'reproduce', notProject.runId]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`ferry: Run ${notProject.runId} is not a project run`);
  });
});
