import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pipeline, PipelineRun, PipelineSchedule, PipelineTask, PipelineVersion } from '@ferry/sdk';

// The real `ferry pipelines` commands against a real `ferry server` on SQLite (whose controller runs the
// tasks), and against a database URI served in the CLI process; `npm test` builds the binary first.
const HERE = dirname(fileURLToPath(import.meta.url));
const BIN = join(HERE, '../dist/bin.js');
const FIXTURE = join(HERE, 'fixtures/pipeline.ts');
const exec = promisify(execFile);

let dir: string;
let server: ChildProcess;
let url: string;

async function ferryAt(
  uri: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(
      process.execPath,
      [BIN, 'pipelines', ...args, '--tracking-uri', uri],
      { cwd: dir, env: { ...process.env, FERRY_TRACKING_URI: '', MLFLOW_TRACKING_URI: '' } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const ferry = (...args: string[]) => ferryAt(url, ...args);

const json = async <T>(...args: string[]): Promise<T> => {
  const result = await ferry(...args, '--json');
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
};

/** A one-task YAML spec running a shell script. */
async function shellSpecFile(name: string, script: string): Promise<string> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(
    file,
    [
      'apiVersion: ferry.pipeline/v1',
      `name: ${name}`,
      'parameters: {}',
      'tasks:',
      '  main:',
      '    component:',
      '      name: main',
      '      inputs: {}',
      '      outputs: {}',
      `      implementation: {command: [sh, -c, ${JSON.stringify(script)}]}`,
      '    arguments: {}',
      '',
    ].join('\n'),
  );
  return file;
}

async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
  dir = await mkdtemp(join(tmpdir(), 'ferry-cli-pipelines-'));
  server = spawn(
    process.execPath,
    [BIN, 'server', '--port', '0', '--backend-store-uri', `sqlite:///${join(dir, 'server.db')}`],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  url = await new Promise<string>((ready, fail) => {
    let out = '';
    server.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) ready(m[1]!);
    });
    server.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    server.once('exit', (code) => fail(new Error(`ferry server exited with ${code}:\n${out}`)));
  });
});

afterAll(async () => {
  if (server?.exitCode === null) {
    const exited = new Promise((done) => server.once('exit', done));
    server.kill('SIGTERM');
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
});

describe('ferry pipelines against a server', () => {
  it('runs a TypeScript pipeline with --watch: exit 0 when it succeeds, 1 when it fails', async () => {
    const ok = await ferry('run', FIXTURE, '--watch', '--param', 'who=cli', '--name', 'watched');
    expect(ok.stderr).toMatch(/^Started pipeline run [0-9a-f]{32}\n$/);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('task greet: succeeded');
    expect(ok.stdout).toContain('task count: succeeded');
    expect(ok.stdout).toMatch(/Pipeline run [0-9a-f]{32} succeeded in /);

    const failed = await ferry('run', FIXTURE, '--watch', '-p', 'fail=true');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('task count: failed');
    expect(failed.stdout).toMatch(/Pipeline run [0-9a-f]{32} failed/);

    const runs = await json<PipelineRun[]>('runs', '--status', 'failed');
    expect(runs).toHaveLength(1);
    expect(runs[0]!.parameters).toEqual({ fail: true });
  });

  it('starts a run without --watch, then shows it, its tasks and its logs', async () => {
    const started = await ferry('run', FIXTURE, '-p', 'who="two words"', '--experiment', 'cli-pipelines');
    expect(started.code).toBe(0);
    const runId = started.stdout.trim();
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
    expect(started.stderr).toContain(`ferry pipelines get-run ${runId}`);

    const done = await until(async () => {
      const got = await json<{ run: PipelineRun; tasks: PipelineTask[] }>('get-run', runId);
      return got.run.status === 'succeeded' ? got : undefined;
    }, 'the run to succeed');
    expect(done.run.parameters).toEqual({ who: 'two words' });
    expect(done.run.experimentId).not.toBe('0');
    expect(done.run.spec).toBeUndefined();
    expect(done.tasks.map((t) => [t.name, t.status])).toEqual([
      ['greet', 'succeeded'],
      ['count', 'succeeded'],
    ]);
    const withSpec = await json<{ run: PipelineRun }>('get-run', runId, '--spec');
    expect(withSpec.run.spec?.name).toBe('hello');

    const table = await ferry('get-run', runId);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`run_id: ${runId}`);
    expect(table.stdout).toContain('status: succeeded');
    expect(table.stdout).toMatch(/TASK\s+STATUS\s+ATTEMPT\s+DURATION\s+TASK_ID\s+ERROR/);
    expect(table.stdout).toMatch(/\ngreet\s+succeeded\s+1\s+\S+/);

    const greet = done.tasks.find((t) => t.name === 'greet')!;
    const logs = await ferry('logs', runId, greet.taskId);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('greeting two words');
    expect((await ferry('logs', runId, 'greet', '--attempt', '1')).stdout).toContain('greeting two words');
    const followed = await ferry('logs', runId, greet.taskId, '--follow');
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain('greeting two words');

    const listed = await ferry('runs');
    expect(listed.stdout).toMatch(/RUN_ID\s+NAME\s+STATUS\s+PIPELINE\s+CREATED\s+DURATION/);
    expect(listed.stdout).toContain(runId);
  });

  it('follows a live log until the task ends', async () => {
    const file = await shellSpecFile('ticker', 'for i in 1 2 3; do echo "tick $i"; sleep 0.4; done');
    const runId = (await ferry('run', file)).stdout.trim();
    const task = await until(async () => {
      const got = await json<{ tasks: PipelineTask[] }>('get-run', runId);
      return got.tasks.find((t) => t.status === 'running');
    }, 'the task to run');
    const followed = await ferry('logs', runId, task.taskId, '-f', '--poll-ms', '100');
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain('tick 1\ntick 2\ntick 3\n');
  });

  it('uploads versions of a pipeline and lists pipelines, versions and their runs', async () => {
    const first = await ferry('run', FIXTURE, '--upload', 'hello-cli', '--watch');
    expect(first.code).toBe(0);
    expect(first.stderr).toContain("Stored version 1 of pipeline 'hello-cli'");
    const second = await ferry('run', FIXTURE, '--upload', 'hello-cli', '--watch', '--no-cache');
    expect(second.code).toBe(0);
    expect(second.stderr).toContain("Stored version 2 of pipeline 'hello-cli'");

    const pipelines = await json<Pipeline[]>('list');
    expect(pipelines.map((p) => [p.name, p.latestVersion])).toEqual([['hello-cli', 2]]);
    expect((await ferry('list')).stdout).toMatch(
      /NAME\s+PIPELINE_ID\s+LATEST_VERSION[^\n]*\nhello-cli\s+[0-9a-f]{32}\s+2/,
    );

    const versions = await json<PipelineVersion[]>('versions', 'hello-cli');
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
    expect((await ferry('versions', 'hello-cli')).stdout).toMatch(/VERSION\s+TASKS\s+DIGEST[^\n]*\n2\s+2\s+/);

    const runs = await json<PipelineRun[]>('runs', '--pipeline', 'hello-cli');
    expect(runs.map((r) => r.pipelineVersion)).toEqual([2, 1]);
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);

    const missing = await ferry('versions', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^ferry: .*nope/);
  });

  it('cancels a run', async () => {
    const file = await shellSpecFile('slow', 'sleep 30');
    const runId = (await ferry('run', file)).stdout.trim();
    await until(async () => {
      const got = await json<{ tasks: PipelineTask[] }>('get-run', runId);
      return got.tasks.some((t) => t.status === 'running') ? true : undefined;
    }, 'the task to run');
    const cancelled = await ferry('cancel', runId);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toMatch(new RegExp(`Pipeline run ${runId}: (cancelling|cancelled)`));
    await until(async () => {
      const got = await json<{ run: PipelineRun }>('get-run', runId);
      return got.run.status === 'cancelled' ? true : undefined;
    }, 'the run to be cancelled');
  });

  it('retries a failed run with --watch', async () => {
    const marker = join(dir, 'retry-marker');
    const file = await shellSpecFile('flaky', `test -f ${marker} || exit 5`);
    const failed = await ferry('run', file, '--watch');
    expect(failed.code).toBe(1);
    const runId = /Pipeline run ([0-9a-f]{32}) failed/.exec(failed.stdout)![1]!;
    await writeFile(marker, '');
    const retried = await ferry('retry', runId, '--watch');
    expect(retried.code).toBe(0);
    expect(retried.stdout).toContain(`Pipeline run ${runId} succeeded`);
    const again = await ferry('retry', runId);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^ferry: /);
  });

  it('creates, lists, disables, enables and deletes schedules', async () => {
    const hourly = await ferry(
      'schedule',
      'create',
      'hourly',
      '--pipeline',
      'hello-cli',
      '--cron',
      '0 * * * *',
      '--timezone',
      'Europe/Paris',
      '--param',
      'who=cron',
      '--disabled',
    );
    expect(hourly.stderr).toBe('');
    expect(hourly.code).toBe(0);
    expect(hourly.stdout).toMatch(
      /^Created schedule 'hourly' \([0-9a-f]{32}\): cron 0 \* \* \* \* \(Europe\/Paris\)\n$/,
    );

    const every = await json<PipelineSchedule>(
      'schedule',
      'create',
      'every',
      '--pipeline',
      'hello-cli',
      '--every',
      '1h30m',
      '--max-concurrency',
      '2',
      '--catchup',
      '--version',
      '1',
    );
    expect(every).toMatchObject({
      intervalMs: 5_400_000,
      maxConcurrency: 2,
      catchup: true,
      enabled: true,
      pipelineVersion: 1,
      cron: null,
    });

    const listed = await json<PipelineSchedule[]>('schedule', 'list', '--pipeline', 'hello-cli');
    expect(listed.map((s) => [s.name, s.enabled, s.parameters])).toEqual([
      ['every', true, {}],
      ['hourly', false, { who: 'cron' }],
    ]);
    const table = await ferry('schedule', 'list');
    expect(table.stdout).toMatch(/NAME\s+SCHEDULE_ID\s+PIPELINE_ID\s+VERSION\s+WHEN\s+ENABLED/);
    expect(table.stdout).toMatch(/every\s+[0-9a-f]{32}\s+[0-9a-f]{32}\s+1\s+every 1h30m\s+true/);
    expect(table.stdout).toMatch(
      /hourly\s+[0-9a-f]{32}\s+[0-9a-f]{32}\s+latest\s+cron 0 \* \* \* \* \(Europe\/Paris\)\s+false/,
    );

    expect((await ferry('schedule', 'enable', 'hourly')).stdout).toMatch(
      /^Enabled schedule 'hourly'.*; next run /,
    );
    expect((await json<PipelineSchedule>('schedule', 'disable', every.scheduleId)).enabled).toBe(false);
    expect((await ferry('schedule', 'delete', 'every')).stdout).toContain("Deleted schedule 'every'");
    expect((await json<PipelineSchedule[]>('schedule', 'list')).map((s) => s.name)).toEqual(['hourly']);

    const both = await ferry(
      'schedule',
      'create',
      'x',
      '--pipeline',
      'hello-cli',
      '--cron',
      '* * * * *',
      '--every',
      '1m',
    );
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('give exactly one of --cron and --every');
    const badEvery = await ferry('schedule', 'create', 'x', '--pipeline', 'hello-cli', '--every', 'soon');
    expect(badEvery.code).toBe(1);
    expect(badEvery.stderr).toContain("invalid duration 'soon'");
  });
});

describe('ferry pipelines on a database URI (served and run in the CLI process)', () => {
  it('runs with --watch, and without it waits for the run it drives', async () => {
    const db = `sqlite:///${join(dir, 'local.db')}`;
    const watched = await ferryAt(db, 'run', FIXTURE, '--watch', '-p', 'who=local');
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(/Pipeline run [0-9a-f]{32} succeeded/);

    const waited = await ferryAt(db, 'run', FIXTURE, '-p', 'who=again');
    expect(waited.code).toBe(0);
    const runId = waited.stdout.split('\n')[0]!;
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
    expect(waited.stderr).toContain('in this process');
    expect(waited.stdout).toContain(`Pipeline run ${runId} succeeded`);

    const got = await ferryAt(db, 'get-run', runId, '--json');
    expect((JSON.parse(got.stdout) as { run: PipelineRun }).run.status).toBe('succeeded');
    const greet = (JSON.parse(got.stdout) as { tasks: PipelineTask[] }).tasks.find(
      (t) => t.name === 'greet',
    )!;
    expect((await ferryAt(db, 'logs', runId, greet.taskId)).stdout).toContain('greeting again');

    const failed = await ferryAt(db, 'run', FIXTURE, '-p', 'fail=true');
    expect(failed.code).toBe(1);
  });
});
