import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

// These tests run the built `ferry` binary as a user would; `npm test` builds it first (npm run lint).
const BIN = join(dirname(fileURLToPath(import.meta.url)), '../dist/bin.js');

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

function ferry(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return new Promise<Started>((ready, fail) => {
    const timer = setInterval(() => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearInterval(timer);
        ready({ child, url: m[1]!, output: () => out, exited });
      }
    }, 20);
    void exited.then((code) => {
      clearInterval(timer);
      fail(new Error(`ferry exited with ${code} before listening:\n${out}`));
    });
  });
}

function run(args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((done) => child.once('exit', (code) => done({ code, out })));
}

async function api(url: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/api/2.0/mlflow/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
}

describe('the ferry server process', () => {
  let dir: string;
  const children: ChildProcess[] = [];

  beforeAll(() => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
  });

  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('starts on the embedded defaults in the working directory', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-cli-'));
    const server = await ferry(['server', '--port', '0'], dir);
    children.push(server.child);
    expect(await (await fetch(`${server.url}/health`)).text()).toBe('OK');
    const { experiment_id } = await api(server.url, 'experiments/create', { name: 'defaults' });
    expect(experiment_id).toBe('1');
    expect(existsSync(join(dir, 'ferry-data', 'ferry.db'))).toBe(true);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('serves the web UI at / by default, and the API only with --no-ui', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-cli-'));
    const withUi = await ferry(['server', '--port', '0'], dir);
    children.push(withUi.child);
    const page = await fetch(`${withUi.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<div id="root">/);
    expect(withUi.output()).toMatch(/Ferry UI: http/);
    withUi.child.kill('SIGTERM');
    await withUi.exited;

    const apiOnly = await ferry(['server', '--port', '0', '--no-ui'], dir);
    children.push(apiOnly.child);
    expect((await fetch(`${apiOnly.url}/`)).status).toBe(404);
    expect(await (await fetch(`${apiOnly.url}/health`)).text()).toBe('OK');
    apiOnly.child.kill('SIGTERM');
    expect(await apiOnly.exited).toBe(0);
  });

  it('finishes an in-flight upload on SIGTERM before exiting', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-cli-'));
    const server = await ferry(['server', '--port', '0'], dir);
    children.push(server.child);
    const url = new URL(`${server.url}/api/2.0/mlflow-artifacts/artifacts/0/slow/artifacts/big.bin`);
    const chunk = Buffer.alloc(64 * 1024, 7);
    const response = new Promise<{ status: number; body: string }>((done, fail) => {
      const req = request(
        url,
        { method: 'PUT', headers: { 'content-type': 'application/octet-stream' } },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => done({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', fail);
      req.write(chunk);
      // Signal while the body is still arriving, then finish it.
      setTimeout(() => {
        server.child.kill('SIGTERM');
        setTimeout(() => {
          for (let i = 1; i < 16; i++) req.write(chunk);
          req.end();
        }, 200);
      }, 200);
    });
    const { status, body } = await response;
    expect(status).toBe(200);
    expect(body).toBe('{}');
    expect(await server.exited).toBe(0);
    const stored = await readFile(join(dir, 'ferry-data', 'artifacts', '0', 'slow', 'artifacts', 'big.bin'));
    expect(stored.length).toBe(16 * chunk.length);
    expect(server.output()).toContain('SIGTERM');
  });

  it('keeps every acknowledged write when killed mid-stream (crash), and serves them after restart', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-cli-'));
    const first = await ferry(['server', '--port', '0'], dir);
    children.push(first.child);
    const { run } = (await api(first.url, 'runs/create', { experiment_id: '0' })) as {
      run: { info: { run_id: string } };
    };
    const runId = run.info.run_id;
    let acknowledged = 0;
    const writer = (async () => {
      for (let step = 0; ; step++) {
        try {
          const res = await api(first.url, 'runs/log-batch', {
            run_id: runId,
            metrics: Array.from({ length: 50 }, (_, i) => ({
              key: 'm',
              value: i,
              timestamp: step,
              step: step * 50 + i,
            })),
          });
          if (JSON.stringify(res) !== '{}') throw new Error(JSON.stringify(res));
          acknowledged = step + 1;
        } catch {
          return;
        }
      }
    })();
    while (acknowledged < 20) await new Promise((r) => setTimeout(r, 10));
    first.child.kill('SIGKILL');
    await writer;
    await first.exited;

    const second = await ferry(['server', '--port', '0'], dir);
    children.push(second.child);
    const res = await fetch(`${second.url}/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=m`);
    const { metrics } = (await res.json()) as { metrics: { step: number }[] };
    // Every acknowledged batch is there in full; an unacknowledged one is there entirely or not at all.
    expect(metrics.length % 50).toBe(0);
    expect(metrics.length).toBeGreaterThanOrEqual(acknowledged * 50);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('runs several workers on one SQLite file: concurrent writes all land, SIGTERM stops them all', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-cli-'));
    const server = await ferry(
      ['server', '--port', '0', '--workers', '2', '--static-prefix', '/mlflow'],
      dir,
    );
    children.push(server.child);
    const base = `${server.url}/mlflow`;
    const { run } = (await api(base, 'runs/create', { experiment_id: '0' })) as {
      run: { info: { run_id: string } };
    };
    // Fresh connections spread over both workers, all writing the same run at once.
    const writes = Array.from({ length: 200 }, (_, i) =>
      fetch(`${base}/api/2.0/mlflow/runs/log-metric`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ run_id: run.info.run_id, key: 'm', value: i, timestamp: i, step: i }),
      }).then((r) => r.status),
    );
    expect(new Set(await Promise.all(writes))).toEqual(new Set([200]));
    const history = await fetch(
      `${base}/api/2.0/mlflow/metrics/get-history?run_id=${run.info.run_id}&metric_key=m`,
    );
    expect(((await history.json()) as { metrics: unknown[] }).metrics).toHaveLength(200);
    expect((await fetch(`${server.url}/health`)).status).toBe(404);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output().match(/listening on/g)).toHaveLength(2);
  });

  it('takes every setting from FERRY_* variables; without served artifacts, runs log to a file root', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-cli-'));
    const server = await ferry(['server'], dir, {
      FERRY_PORT: '0',
      FERRY_BACKEND_STORE_URI: `sqlite:///${join(dir, 'env.db')}`,
      FERRY_ARTIFACTS_DESTINATION: join(dir, 'files'),
      FERRY_SERVE_ARTIFACTS: 'false',
      FERRY_STATIC_PREFIX: '/tracking',
    });
    children.push(server.child);
    const base = `${server.url}/tracking`;
    expect(await (await fetch(`${base}/health`)).text()).toBe('OK');
    expect((await fetch(`${base}/api/2.0/mlflow-artifacts/artifacts?path=x`)).status).toBe(503);
    const { run } = (await api(base, 'runs/create', { experiment_id: '0' })) as {
      run: { info: { run_id: string; artifact_uri: string } };
    };
    expect(run.info.artifact_uri).toBe(`file://${join(dir, 'files')}/0/${run.info.run_id}/artifacts`);
    // A client without the proxy writes straight into the artifact root; the server lists it.
    await mkdir(join(dir, 'files', '0', run.info.run_id, 'artifacts'), { recursive: true });
    await writeFile(join(dir, 'files', '0', run.info.run_id, 'artifacts', 'model.txt'), 'weights');
    const listing = await fetch(`${base}/api/2.0/mlflow/artifacts/list?run_id=${run.info.run_id}`);
    expect(await listing.json()).toEqual({
      root_uri: run.info.artifact_uri,
      files: [{ path: 'model.txt', is_dir: false, file_size: 7 }],
    });
    expect(existsSync(join(dir, 'env.db'))).toBe(true);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('applies migrations with `ferry db upgrade` and is idempotent', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-cli-'));
    const uri = `sqlite:///${join(dir, 'up.db')}`;
    const first = await run(['db', 'upgrade', uri], dir);
    expect(first.code).toBe(0);
    expect(first.out).toContain('applied 0001-tracking');
    const second = await run(['db', 'upgrade', uri], dir);
    expect(second.code).toBe(0);
    expect(second.out).toContain('is up to date');
  });

  it('fails with a one-line error for a bad backend URI', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-cli-'));
    const result = await run(['server', '--port', '0', '--backend-store-uri', 'mysql://x'], dir);
    expect(result.code).toBe(1);
    expect(result.out.trim()).toMatch(/^ferry: Unsupported backend store URI 'mysql:\/\/x'/);
  });
});
