#!/usr/bin/env node
// Tracking-server benchmark: the four workloads MLflow 3.11 was measured on (see docs/benchmarks.md),
// client and server on one machine over keep-alive HTTP. Run after `npm ci` (which builds):
//   node bench/tracking.mjs [--store sqlite|postgresql] [--repeats 5]
// Prints medians per workload and the ratio to MLflow's figures, and writes bench/results/<store>.json.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    store: { type: 'string', default: 'sqlite' },
    repeats: { type: 'string', default: '5' },
    port: { type: 'string', default: '5099' },
  },
});
const repeats = Number(args.repeats);
const port = Number(args.port);
const base = `http://127.0.0.1:${port}`;
const api = `${base}/api/2.0/mlflow`;

/** MLflow 3.11 (SQLite, 4 workers) on this kind of machine, from its measured figures. */
const MLFLOW = {
  runsPerSecond: 5.4,
  logMetricPerSecond: 134,
  search100Ms: 155,
  search1000Ms: 806,
  history100kMs: 4400,
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// A plain keep-alive HTTP client: the figures should measure the server, not a heavy client.
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${api}/${path}`,
      {
        method,
        agent,
        headers:
          payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          if (res.statusCode !== 200) reject(new Error(`${path}: ${res.statusCode} ${JSON.stringify(json)}`));
          else resolve(json);
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const post = (path, body) => call('POST', path, body);
const get = (path) => call('GET', path);

async function freshBackend(store, dir) {
  if (store === 'sqlite') return { uri: `sqlite:///${join(dir, 'ferry.db')}`, drop: async () => {} };
  const admin = process.env.FERRY_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const name = `ferry_bench_${process.pid}_${Date.now()}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    uri: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

async function startServer(uri, dir) {
  const child = spawn(
    process.execPath,
    [
      join(here, '../packages/cli/dist/bin.js'),
      'server',
      '--port',
      String(port),
      '--backend-store-uri',
      uri,
      '--artifacts-destination',
      join(dir, 'artifacts'),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise((ready, fail) => {
    child.stdout.on('data', (d) => d.toString().includes('listening') && ready());
    child.once('exit', (code) => fail(new Error(`server exited with ${code}`)));
  });
  return child;
}

/** Workload 1: each run is create + log-batch (10 params, 100 metric points) + finish. */
async function runsWorkload(experimentId, count) {
  const ids = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const now = Date.now();
    const { run } = await post('runs/create', { experiment_id: experimentId, start_time: now });
    const id = run.info.run_id;
    const metrics = [];
    for (let k = 0; k < 10; k++) {
      for (let step = 0; step < 10; step++) {
        metrics.push({ key: `m${k}`, value: Math.random(), timestamp: now + step, step });
      }
    }
    const params = Array.from({ length: 10 }, (_, p) => ({ key: `p${p}`, value: String(Math.random()) }));
    await post('runs/log-batch', { run_id: id, params, metrics });
    await post('runs/update', { run_id: id, status: 'FINISHED', end_time: Date.now() });
    ids.push(id);
  }
  return { runsPerSecond: count / ((performance.now() - start) / 1000), ids };
}

/** Workload 2: single log-metric requests from 16 concurrent keep-alive connections. */
async function logMetricWorkload(runId, seconds) {
  let step = 0;
  const result = await autocannon({
    url: `${api}/runs/log-metric`,
    connections: 16,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({
            run_id: runId,
            key: 'load',
            value: Math.random(),
            timestamp: Date.now(),
            step: step++,
          }),
        }),
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`log-metric: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

async function timeIt(fn, n) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

async function main() {
  const samples = {
    runsPerSecond: [],
    logMetricPerSecond: [],
    search100Ms: [],
    search1000Ms: [],
    history100kMs: [],
  };
  // Each repeat gets a fresh database and server process, so repeats are independent samples.
  for (let r = 0; r < repeats; r++) {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-'));
    const backend = await freshBackend(args.store, dir);
    const server = await startServer(backend.uri, dir);
    try {
      const { experiment_id } = await post('experiments/create', { name: `bench-${r}-${Date.now()}` });
      const { runsPerSecond, ids } = await runsWorkload(experiment_id, 1000);
      samples.runsPerSecond.push(runsPerSecond);

      const search = (max) =>
        post('runs/search', {
          experiment_ids: [experiment_id],
          filter: 'metrics.m1 > 0.5',
          order_by: ['metrics.m2 DESC'],
          max_results: max,
        });
      const hundred = await search(100);
      if (hundred.runs.length !== 100) throw new Error('search did not return 100 rows');
      samples.search100Ms.push(await timeIt(() => search(100), 20));
      samples.search1000Ms.push(await timeIt(() => search(1000), 10));

      const loadRun = ids[0];
      samples.logMetricPerSecond.push(await logMetricWorkload(loadRun, 10));

      const historyRun = ids[1];
      const t0 = Date.now();
      for (let offset = 0; offset < 100_000; offset += 1000) {
        const metrics = Array.from({ length: 1000 }, (_, i) => ({
          key: 'long',
          value: Math.sin(offset + i),
          timestamp: t0 + offset + i,
          step: offset + i,
        }));
        await post('runs/log-batch', { run_id: historyRun, metrics });
      }
      samples.history100kMs.push(
        await timeIt(async () => {
          const { metrics } = await get(`metrics/get-history?run_id=${historyRun}&metric_key=long`);
          if (metrics.length !== 100_000) throw new Error(`history returned ${metrics.length} points`);
        }, 5),
      );
      console.error(`repeat ${r + 1}/${repeats} done`);
    } finally {
      server.kill('SIGTERM');
      await new Promise((done) => server.once('exit', done));
      await backend.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  const higherIsBetter = new Set(['runsPerSecond', 'logMetricPerSecond']);
  const rows = Object.keys(MLFLOW).map((k) => {
    const ratio = higherIsBetter.has(k) ? m[k] / MLFLOW[k] : MLFLOW[k] / m[k];
    return {
      workload: k,
      ferry: Number(m[k].toFixed(2)),
      mlflow: MLFLOW[k],
      speedup: Number(ratio.toFixed(1)),
    };
  });
  const machine = {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
  console.table(rows);
  console.log(JSON.stringify({ store: args.store, repeats, machine }, null, 1));
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(
    join(here, 'results', `${args.store}.json`),
    JSON.stringify({ store: args.store, repeats, machine, samples, medians: m, rows }, null, 1),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
