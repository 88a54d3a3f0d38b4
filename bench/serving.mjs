#!/usr/bin/env node
// Scoring server benchmark: `ferry models serve` (the built CLI, its own process) serving an ONNX linear
// model on 4 float columns (f0..f3), loaded by autocannon from this process — the workloads the real
// `mlflow models serve` (MLflow 3.11, one uvicorn worker, a scikit-learn logistic regression on 4 float
// columns, loaded by wrk) was measured on, on the same kind of machine (2 cores, client and server
// sharing them):
//   - single-row `dataframe_split` requests, 16 connections: requests/s, p50, p99
//   - single-row, 1 connection: requests/s, p50, p99
//   - a fixed 1,000 requests/s (open loop) over up to 16 connections: p50, p99  (target: p99 < 5 ms)
//   - one request of 1,000 rows / 10,000 rows, median of 10: ms and rows/s
//   - 64 connections with --workers 2 (MLflow's figure is with --workers 2 too)
// Target: at least 10x MLflow's throughput. Each configuration is served by a fresh process per repeat;
// the table shows the median over repeats. Latencies are each response's own time (autocannon's
// per-response figure, sub-millisecond, not its millisecond histogram; for the fixed rate, from the
// moment each request was due).
// Run after `npm ci` (which builds), on a quiet machine:
//   node bench/serving.mjs [--repeats 3] [--seconds 10] [--only default,batching,workers]
import { spawn } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { tsImport } from 'tsx/esm/api';
import { columnSchema, saveModel, tensorSchema } from '@ferry/models';

const { values: args } = parseArgs({
  options: {
    repeats: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '10' },
    only: { type: 'string' },
  },
});
const repeats = Number(args.repeats);
const seconds = Number(args.seconds);
const BIN = new URL('../packages/cli/dist/bin.js', import.meta.url).pathname;

/** `mlflow models serve`, from ../shared/mlflow-api/README.md (ranges: their middle). */
const MLFLOW = {
  rps16: 339, // 317–361 req/s
  p50_16: 49,
  p99_16: 185,
  rps1: 416, // 399–434 req/s
  p50_1: 2.3,
  p99_1: 6.3,
  rows1k: 5.6,
  rows10k: 21.6,
  rps64w2: 657,
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-serving-'));
const { linearOnnxModel } = await tsImport('../packages/models/test/helpers/onnx-linear.ts', import.meta.url);
const modelDir = join(dir, 'model');
await saveModel(
  modelDir,
  { flavor: 'onnx', onnx: linearOnnxModel() },
  {
    signature: {
      inputs: columnSchema(
        ['f0', 'f1', 'f2', 'f3'].map((name) => ({ name, type: 'double', required: true })),
      ),
      outputs: tensorSchema([{ name: 'y', dtype: 'float32', shape: [-1, 1] }]),
    },
  },
);

const rows = (n) => ({
  dataframe_split: {
    columns: ['f0', 'f1', 'f2', 'f3'],
    data: Array.from({ length: n }, (_, i) => [i % 7, 0.5, (i % 3) / 3, 1.25]),
  },
});
const ONE_ROW = JSON.stringify(rows(1));

/** A `ferry models serve` process; resolves with its URL once it listens. */
function serve(extra) {
  const child = spawn(process.execPath, [BIN, 'models', 'serve', '-m', modelDir, '--port', '0', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FERRY_TRACKING_URI: `sqlite:///${join(dir, 'ferry.db')}` },
  });
  let out = '';
  return new Promise((ready, fail) => {
    const seen = (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m)
        ready({
          url: m[1],
          stop: () => new Promise((done) => (child.once('exit', done), child.kill('SIGTERM'))),
        });
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.once('exit', (code) => fail(new Error(`ferry models serve exited with ${code}:\n${out}`)));
  });
}

/** autocannon with every response's own latency kept. */
function load(url, { connections, duration, body = ONE_ROW }) {
  const latencies = [];
  let errors = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}/invocations`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        connections,
        duration,
      },
      (err, result) => {
        if (err) return reject(err);
        latencies.sort((a, b) => a - b);
        resolve({
          rps: latencies.length / duration,
          p50: percentile(latencies, 50),
          p99: percentile(latencies, 99),
          errors: errors + result.errors + result.timeouts,
        });
      },
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status === 200) latencies.push(ms);
      else errors++;
    });
  });
}

/**
 * An open-loop load at a fixed rate (autocannon's `overallRate` sends each second's requests in one
 * burst): request i is due at start + i/rate and its latency counts from that moment, so a stall is
 * not hidden by requests that were sent late (coordinated omission). Up to `connections` keep-alive
 * sockets; a request due while all are busy waits for one, and that wait is counted.
 */
function paced(url, { rate, connections, duration }) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const target = new URL(`${url}/invocations`);
  const total = rate * duration;
  const latencies = [];
  const serviceTimes = [];
  let errors = 0;
  let sent = 0;
  let answered = 0;
  return new Promise((resolve) => {
    const start = performance.now();
    const send = (due) => {
      const sentAt = performance.now();
      const req = httpRequest(
        target,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ONE_ROW) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) {
              latencies.push(performance.now() - due);
              serviceTimes.push(performance.now() - sentAt);
            } else errors++;
            finish();
          });
        },
      );
      req.on('error', () => {
        errors++;
        finish();
      });
      req.end(ONE_ROW);
    };
    const finish = () => {
      if (++answered < total) return;
      agent.destroy();
      latencies.sort((a, b) => a - b);
      serviceTimes.sort((a, b) => a - b);
      resolve({
        rps: latencies.length / ((performance.now() - start) / 1000),
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        // From the moment the request was written: without the load generator's own lateness.
        sentP99: percentile(serviceTimes, 99),
        errors,
      });
    };
    const tick = setInterval(() => {
      const now = performance.now();
      while (sent < total && start + (sent * 1000) / rate <= now) send(start + (sent++ * 1000) / rate);
      if (sent >= total) clearInterval(tick);
    }, 1);
  });
}

async function batchMs(url, n) {
  const body = JSON.stringify(rows(n));
  const times = [];
  for (let i = 0; i < 15; i++) {
    const started = performance.now();
    const res = await fetch(`${url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const answer = await res.json();
    if (res.status !== 200 || (answer.predictions.y ?? answer.predictions).length !== n)
      throw new Error(`bad answer: ${res.status}`);
    if (i >= 5) times.push(performance.now() - started); // five warm-up requests
  }
  return median(times);
}

const warm = (url) => load(url, { connections: 16, duration: 2 });

const configurations = [
  { key: 'default', name: 'one process (default)', args: [] },
  {
    name: 'adaptive batching (--batch-max-size 64)',
    args: ['--batch-max-size', '64', '--batch-max-wait-ms', '2'],
  },
  { key: 'workers', name: '--workers 2', args: ['--workers', '2'] },
].filter((c) => args.only === undefined || args.only.split(',').includes(c.key));

const results = [];
for (const config of configurations) {
  const per = [];
  for (let r = 0; r < repeats; r++) {
    const server = await serve(config.args);
    try {
      await warm(server.url);
      const c16 = await load(server.url, { connections: 16, duration: seconds });
      const c1 = await load(server.url, { connections: 1, duration: seconds });
      const fixed = await paced(server.url, { rate: 1000, connections: 16, duration: seconds });
      const c64 = await load(server.url, { connections: 64, duration: seconds });
      const rows1k = await batchMs(server.url, 1000);
      const rows10k = await batchMs(server.url, 10000);
      const errors = c16.errors + c1.errors + fixed.errors + c64.errors;
      if (errors > 0) throw new Error(`${config.name}: ${errors} failed requests`);
      per.push({ c16, c1, fixed, c64, rows1k, rows10k });
      console.error(
        `${config.name} #${r + 1}: 16 conns ${c16.rps.toFixed(0)} req/s p99 ${c16.p99.toFixed(2)} ms; ` +
          `1,000 req/s p99 ${fixed.p99.toFixed(2)} ms (from sending: ${fixed.sentP99.toFixed(2)} ms)`,
      );
    } finally {
      await server.stop();
    }
  }
  const m = (pick) => median(per.map(pick));
  results.push({
    name: config.name,
    rps16: m((x) => x.c16.rps),
    p50_16: m((x) => x.c16.p50),
    p99_16: m((x) => x.c16.p99),
    rps1: m((x) => x.c1.rps),
    p50_1: m((x) => x.c1.p50),
    p99_1: m((x) => x.c1.p99),
    fixedRps: m((x) => x.fixed.rps),
    fixedP50: m((x) => x.fixed.p50),
    fixedP99: m((x) => x.fixed.p99),
    fixedSentP99: m((x) => x.fixed.sentP99),
    fixedP99s: per.map((x) => x.fixed.p99),
    rps64: m((x) => x.c64.rps),
    rows1k: m((x) => x.rows1k),
    rows10k: m((x) => x.rows10k),
  });
}
rmSync(dir, { recursive: true, force: true });

const f = (x, d = 0) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const ratio = (ours, theirs) => `${f(ours / theirs, 1)}x`;
console.log(
  `\nMachine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), ${f(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ` +
    `${repeats} repeats of ${seconds} s per load, medians.\n`,
);
console.log('| configuration | workload | Ferry | `mlflow models serve` | ratio |');
console.log('|---|---|---|---|---|');
for (const r of results) {
  const row = (workload, ours, theirs, note) =>
    console.log(`| ${r.name} | ${workload} | ${ours} | ${theirs} | ${note} |`);
  row(
    'single row, 16 connections',
    `${f(r.rps16)} req/s`,
    `${f(MLFLOW.rps16)} req/s`,
    ratio(r.rps16, MLFLOW.rps16),
  );
  row(
    '… p50 / p99',
    `${f(r.p50_16, 2)} / ${f(r.p99_16, 2)} ms`,
    `${MLFLOW.p50_16} / ${MLFLOW.p99_16} ms`,
    '',
  );
  row(
    'single row, 1 connection',
    `${f(r.rps1)} req/s`,
    `${f(MLFLOW.rps1)} req/s`,
    ratio(r.rps1, MLFLOW.rps1),
  );
  row('… p50 / p99', `${f(r.p50_1, 2)} / ${f(r.p99_1, 2)} ms`, `${MLFLOW.p50_1} / ${MLFLOW.p99_1} ms`, '');
  row(
    'fixed 1,000 req/s (open loop): p50 / p99',
    `${f(r.fixedP50, 2)} / ${f(r.fixedP99, 2)} ms (p99 from sending ${f(r.fixedSentP99, 2)} ms; repeats: ${r.fixedP99s.map((x) => f(x, 1)).join(', ')})`,
    '—',
    `target p99 < 5 ms`,
  );
  row(
    'single row, 64 connections',
    `${f(r.rps64)} req/s`,
    `${f(MLFLOW.rps64w2)} req/s (--workers 2)`,
    ratio(r.rps64, MLFLOW.rps64w2),
  );
  row(
    '1,000 rows in one request',
    `${f(r.rows1k, 2)} ms (${f(1000 / r.rows1k)}k rows/s)`,
    `${MLFLOW.rows1k} ms`,
    ratio(MLFLOW.rows1k, r.rows1k),
  );
  row(
    '10,000 rows in one request',
    `${f(r.rows10k, 2)} ms (${f(10000 / r.rows10k)}k rows/s)`,
    `${MLFLOW.rows10k} ms`,
    ratio(MLFLOW.rows10k, r.rows10k),
  );
}
