#!/usr/bin/env node
// SDK metric throughput: one producer logging points as fast as it can into a local `ferry server`
// (SQLite) over HTTP, awaiting logMetric so the queue's memory bound applies. Run after `npm ci`:
//   node bench/sdk-metrics.mjs [--points 1000000] [--repeats 3]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TrackingSession } from '../packages/sdk/dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: { points: { type: 'string', default: '1000000' }, repeats: { type: 'string', default: '3' } },
});
const points = Number(args.points);

async function once() {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-sdk-bench-'));
  const server = spawn(
    process.execPath,
    [
      join(here, '../packages/cli/dist/bin.js'),
      'server',
      '--port',
      '0',
      '--backend-store-uri',
      `sqlite:///${join(dir, 'f.db')}`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise((ready) => {
    server.stdout.on('data', (d) => {
      const m = /listening on (http:\/\/\S+)/.exec(d.toString());
      if (m) ready(m[1]);
    });
  });
  try {
    const ferry = new TrackingSession({ trackingUri: url, env: {} });
    const run = await ferry.startRun();
    let peakHeap = 0;
    const start = performance.now();
    for (let i = 0; i < points; i++) {
      await run.logMetric(`m${i % 10}`, Math.random(), {
        step: Math.floor(i / 10),
        timestamp: 1_700_000_000_000 + i,
      });
      if (i % 50_000 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    }
    await run.end();
    const seconds = (performance.now() - start) / 1000;
    const stored = await ferry.getMetricHistory(run.runId, 'm0');
    if (stored.length !== points / 10)
      throw new Error(`stored ${stored.length} of ${points / 10} points of m0`);
    return { pointsPerSecond: points / seconds, peakHeapMiB: peakHeap / 2 ** 20 };
  } finally {
    server.kill('SIGTERM');
    await new Promise((done) => server.once('exit', done));
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (let r = 0; r < Number(args.repeats); r++) results.push(await once());
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  JSON.stringify(
    {
      points,
      pointsPerSecond: Math.round(median(results.map((r) => r.pointsPerSecond))),
      samples: results.map((r) => Math.round(r.pointsPerSecond)),
      peakHeapMiB: Math.round(Math.max(...results.map((r) => r.peakHeapMiB))),
    },
    null,
    1,
  ),
);
