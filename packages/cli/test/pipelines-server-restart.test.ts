import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

// Runs the built `ferry` binary (`npm test` builds it first).
const BIN = join(dirname(fileURLToPath(import.meta.url)), '../dist/bin.js');

function server(cwd: string, port: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'server', '--port', String(port)], {
    cwd,
    env: { ...process.env, FERRY_PIPELINE_LEASE_MS: '1500' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((ready, fail) => {
    const timer = setInterval(() => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearInterval(timer);
        ready({ child, url: m[1]! });
      }
    }, 20);
    child.once('exit', (code) => {
      clearInterval(timer);
      fail(new Error(`ferry server exited with ${code}:\n${out}`));
    });
  });
}

async function ferryApi(url: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/api/2.0/ferry/pipelines/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await res.json()) as Record<string, unknown>;
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const step = (name: string, script: string, dependsOn?: string[]) => ({
  component: { name, inputs: {}, outputs: {}, implementation: { command: ['sh', '-c', script] } },
  arguments: {},
  ...(dependsOn ? { dependsOn } : {}),
});

describe('a pipeline run survives its server being killed', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  beforeAll(() => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
  });
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('SIGKILL mid-run: the restarted server takes the run over when its lease expires and finishes it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-restart-'));
    const first = await server(dir, 0);
    children.push(first.child);
    const spec = {
      apiVersion: 'ferry.pipeline/v1',
      name: 'survivor',
      parameters: {},
      tasks: {
        before: step('before', `echo before >> ${dir}/ran`),
        middle: step('middle', `echo middle >> ${dir}/ran; while [ ! -f ${dir}/go ]; do sleep 0.05; done`, [
          'before',
        ]),
        after: step('after', `echo after >> ${dir}/ran`, ['middle']),
      },
    };
    const { run } = (await ferryApi(first.url, 'runs/create', { spec })) as { run: { run_id: string } };
    const lines = async () => (await readFile(join(dir, 'ran'), 'utf8').catch(() => '')).trim().split('\n');
    await until(
      async () => ((await lines()).includes('middle') ? true : undefined),
      'the middle task to start',
    );
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const port = Number(new URL(first.url).port);
    const second = await server(dir, port);
    children.push(second.child);
    // The dead server's task is found, stopped and run again as a second attempt.
    await until(
      async () => ((await lines()).filter((l) => l === 'middle').length === 2 ? true : undefined),
      'the rerun of the interrupted task',
    );
    await writeFile(join(dir, 'go'), '');
    const done = await until(async () => {
      const got = (await ferryApi(second.url, `runs/get?run_id=${run.run_id}`)) as {
        run: { status: string };
        tasks: { task_id: string; status: string; attempt: number }[];
      };
      return ['succeeded', 'failed', 'cancelled'].includes(got.run.status) ? got : undefined;
    }, 'the run to finish');
    expect(done.run.status).toBe('succeeded');
    expect(Object.fromEntries(done.tasks.map((t) => [t.task_id, [t.status, t.attempt]]))).toEqual({
      before: ['succeeded', 1],
      middle: ['succeeded', 2],
      after: ['succeeded', 1],
    });
    expect(await lines()).toEqual(['before', 'middle', 'middle', 'after']);
  });
});
