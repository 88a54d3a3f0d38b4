import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveModel } from '@ferry/models';
import { RegistryClient, TrackingSession } from '@ferry/sdk';

const exec = promisify(execFile);
// Runs the built `ferry` binary (`npm test` builds it first).
const BIN = join(dirname(fileURLToPath(import.meta.url)), '../dist/bin.js');

const children: ChildProcess[] = [];
let dir: string;
let url: string;

/** Starts a `ferry` process and waits for its "listening on <url>" line. */
function listening(args: string[]): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((ready, fail) => {
    const seen = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) ready({ child, url: m[1]!, output: () => out });
    };
    child.stdout!.on('data', seen);
    child.stderr!.on('data', seen);
    child.once('exit', (code) => fail(new Error(`ferry ${args[0]} exited with ${code}:\n${out}`)));
  });
}

/** A js_function model answering every row with `answer`, logged to a run of the tracking server. */
async function logModel(session: TrackingSession, answer: number): Promise<string> {
  const src = await mkdtemp(join(tmpdir(), 'ferry-serve-src-'));
  const module = join(src, 'predict.mjs');
  await writeFile(module, `export function predict(input) { return input.data[0].map(() => ${answer}); }\n`);
  const modelDir = join(src, 'model');
  await saveModel(modelDir, { flavor: 'js', module });
  const run = await session.startRun({ runName: `v${answer}` });
  for (const entry of await readdir(modelDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    await run.logText(await readFile(file, 'utf8'), `model/${relative(modelDir, file)}`);
  }
  await session.endRun();
  await rm(src, { recursive: true, force: true });
  return run.runId;
}

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
  dir = await mkdtemp(join(tmpdir(), 'ferry-serve-'));
  url = (
    await listening(['server', '--port', '0', '--backend-store-uri', `sqlite:///${join(dir, 'ferry.db')}`])
  ).url;
  const session = new TrackingSession({ trackingUri: url, env: {}, captureSource: false });
  await session.setExperiment('serving');
  const runs = [await logModel(session, 1), await logModel(session, 2)];
  await session.close();
  for (const runId of runs) {
    await exec(process.execPath, [
      BIN,
      'models',
      'register',
      `runs:/${runId}/model`,
      '--name',
      'scorer',
      '--tracking-uri',
      url,
    ]);
  }
});

afterAll(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('ferry models serve', () => {
  it('follows the alias: moving it switches versions with no failed request', async () => {
    const registry = new RegistryClient(
      new TrackingSession({ trackingUri: url, env: {}, captureSource: false }).client,
    );
    await registry.setAlias('scorer', 'champion', '1');
    const serve = await listening([
      'models',
      'serve',
      '-m',
      'models:/scorer@champion',
      '--port',
      '0',
      '--poll-seconds',
      '1',
      '--tracking-uri',
      url,
    ]);
    expect(await (await fetch(`${serve.url}/ping`)).status).toBe(200);

    // Four clients send requests back to back while the alias moves from version 1 to 2.
    const answers: { worker: number; status: number; version: string | null; prediction: unknown }[] = [];
    let stop = false;
    const client = async (worker: number) => {
      while (!stop) {
        const res = await fetch(`${serve.url}/invocations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ dataframe_records: [{ x: 1 }, { x: 2 }] }),
        });
        const body = (await res.json()) as { predictions?: unknown[] };
        answers.push({
          worker,
          status: res.status,
          version: res.headers.get('x-ferry-model-version'),
          prediction: body.predictions?.[0],
        });
      }
    };
    const clients = [0, 1, 2, 3].map(client);
    const waitFor = async (check: () => boolean, what: string) => {
      const end = Date.now() + 60_000;
      while (!check()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${serve.output()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await waitFor(() => answers.length >= 40, 'requests on version 1');
    await registry.setAlias('scorer', 'champion', '2');
    await waitFor(() => answers.filter((a) => a.version === '2').length >= 40, 'requests on version 2');
    stop = true;
    await Promise.all(clients);

    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    for (const a of answers) expect(a.prediction).toBe(Number(a.version));
    // Each client sees version 1, then version 2, never back.
    for (const worker of [0, 1, 2, 3]) {
      const versions = answers.filter((a) => a.worker === worker).map((a) => a.version);
      expect(versions.join('')).toMatch(/^1*2+$/);
    }
    expect(await (await fetch(`${serve.url}/version`)).text()).toContain('2');
  });

  it('--canary sends its share to the second model, counted per version; --batch-max-size keeps answers right', async () => {
    const serve = await listening([
      'models',
      'serve',
      '-m',
      'models:/scorer/1',
      '--canary',
      'models:/scorer/2:25',
      '--batch-max-size',
      '16',
      '--port',
      '0',
      '--tracking-uri',
      url,
    ]);
    const score = async () => {
      const res = await fetch(`${serve.url}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ dataframe_records: [{ x: 1 }, { x: 2 }] }),
      });
      const body = (await res.json()) as { predictions: number[] };
      return { status: res.status, version: res.headers.get('x-ferry-model-version'), body };
    };
    // Eight at a time, so the batching has company to batch.
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(...(await Promise.all(Array.from({ length: 8 }, score))));
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.body.predictions).toEqual([Number(a.version), Number(a.version)]);
    }
    expect(answers.filter((a) => a.version === '2')).toHaveLength(10);
    const metrics = await (await fetch(`${serve.url}/metrics`)).text();
    expect(metrics).toContain(
      'ferry_serving_requests_total{model="scorer",version="1",protocol="mlflow",status="200"} 30',
    );
    expect(metrics).toContain(
      'ferry_serving_requests_total{model="scorer",version="2",protocol="mlflow",status="200"} 10',
    );
    serve.child.kill('SIGTERM');
  });

  it('--workers: several processes serve one port; /metrics adds them up; a killed worker is replaced', async () => {
    const serve = await listening([
      'models',
      'serve',
      '-m',
      'models:/scorer/2',
      '--workers',
      '2',
      '--port',
      '0',
      '--tracking-uri',
      url,
    ]);
    expect(serve.output()).toContain('(2 workers)');
    const score = async () =>
      (
        await fetch(`${serve.url}/invocations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', connection: 'close' },
          body: JSON.stringify({ dataframe_records: [{ x: 1 }] }),
        })
      ).status;
    for (let i = 0; i < 20; i++) expect(await score()).toBe(200);
    const total = async () => {
      const text = await (await fetch(`${serve.url}/metrics`)).text();
      return Number(/ferry_serving_requests_total\{[^}]*status="200"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    expect(await total()).toBe(20);

    // `ps` exits 1 when it finds no process.
    const workers = async () =>
      (
        await exec('ps', ['-o', 'pid=', '--ppid', String(serve.child.pid)]).catch(
          (error: { code: number; stdout: string }) => {
            if (error.code === 1) return { stdout: '' };
            throw error;
          },
        )
      ).stdout
        .split('\n')
        .map((line) => Number(line.trim()))
        .filter((pid) => pid > 0);
    const before = await workers();
    expect(before).toHaveLength(2);
    process.kill(before[0]!, 'SIGKILL');
    const end = Date.now() + 60_000;
    let after = await workers();
    while (!(after.length === 2 && !after.includes(before[0]!))) {
      if (Date.now() > end) throw new Error(`no worker replaced the killed one\n${serve.output()}`);
      await new Promise((r) => setTimeout(r, 100));
      after = await workers();
    }
    // The new worker loads the model before it listens; until then the other one answers.
    for (let i = 0; i < 20; i++) expect(await score()).toBe(200);
    expect(serve.output()).toMatch(/worker \d+ exited \(SIGKILL\); starting another/);

    const exited = new Promise<number | null>((resolve) => serve.child.once('exit', resolve));
    serve.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await workers()).toEqual([]);
  });

  it('refuses a malformed --canary or --timeout with a clear message', async () => {
    for (const [flag, value, message] of [
      ['--canary', 'models:/scorer/2', "invalid canary 'models:/scorer/2': use <model-uri>:<percent>"],
      ['--canary', 'models:/scorer/2:150', "invalid canary 'models:/scorer/2:150'"],
      ['--timeout', '-1', "invalid timeout '-1'"],
      ['--workers', '0', "invalid worker count '0'"],
    ] as const) {
      const failed = await exec(process.execPath, [
        BIN,
        'models',
        'serve',
        '-m',
        'models:/scorer/1',
        flag,
        value,
      ]).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failed?.code).toBe(1);
      expect(failed?.stderr).toContain(message);
    }
  });
});
