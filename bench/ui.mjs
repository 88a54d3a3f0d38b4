#!/usr/bin/env node
// Web UI benchmark in headless Chromium (Debian's /usr/bin/chromium) against a real `ferry server`
// on SQLite, the three targets of the UI work:
//   - an experiment with 10,000 runs: time to the first painted table row        (target < 1 s)
//   - a run with a 1,000,000-point metric: time to the chart drawn                 (target < 1 s)
//   - comparing 100 runs on one chart: time to the chart drawn with 100 series     (target < 2 s)
// Times are measured inside the page from navigation start (performance.now()), medians of --repeats
// fresh page loads. Run after `npm ci` (which builds the server and the UI):
//   node bench/ui.mjs [--repeats 5]
// Seeding writes through the store directly (the UI is what is measured, not ingestion).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { startServer } from '@ferry/server';
import { SqlTrackingStore, sqliteAdapter } from '@ferry/store';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({ options: { repeats: { type: 'string', default: '5' } } });
const repeats = Number(args.repeats);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function seed(file) {
  const store = new SqlTrackingStore({
    adapter: sqliteAdapter(file),
    defaultArtifactRoot: 'mlflow-artifacts:/',
  });
  await store.open();
  const started = Date.now();

  const big = await store.createExperiment({ name: 'ten-thousand-runs' });
  for (let i = 0; i < 10_000; i++) {
    const { info } = await store.createRun({
      experimentId: big,
      runName: `run-${i}`,
      startTime: started + i,
    });
    await store.logBatch(info.run_id, {
      params: Array.from({ length: 10 }, (_, p) => ({ key: `p${p}`, value: String((i * 7 + p) % 13) })),
      metrics: Array.from({ length: 5 }, (_, m) => ({
        key: `m${m}`,
        value: ((i * 31 + m) % 997) / 997,
        timestamp: started,
        step: 0,
      })),
    });
    await store.updateRun(info.run_id, { status: 'FINISHED', endTime: started + i + 1000 });
  }

  const longExp = await store.createExperiment({ name: 'million-points' });
  const long = (await store.createRun({ experimentId: longExp, runName: 'long' })).info.run_id;
  for (let chunk = 0; chunk < 1000; chunk++) {
    const metrics = Array.from({ length: 1000 }, (_, j) => {
      const step = chunk * 1000 + j;
      return {
        key: 'loss',
        value: Math.exp(-step / 200_000) + 0.05 * Math.sin(step / 50),
        timestamp: started + step,
        step,
      };
    });
    await store.logBatch(long, { metrics });
  }

  const cmpExp = await store.createExperiment({ name: 'hundred-runs' });
  const hundred = [];
  for (let i = 0; i < 100; i++) {
    const id = (await store.createRun({ experimentId: cmpExp, runName: `trial-${i}` })).info.run_id;
    hundred.push(id);
    const metrics = Array.from({ length: 1000 }, (_, step) => ({
      key: 'acc',
      value: 1 - Math.exp(-(step + 1) / (100 + i * 5)),
      timestamp: started + step,
      step,
    }));
    await store.logBatch(id, { params: [{ key: 'lr', value: String(0.001 * (i + 1)) }] });
    await store.logBatch(id, { metrics });
  }
  await store.close();
  return { big, long, longExp, cmpExp, hundred };
}

async function timeTo(page, url, ready) {
  await page.goto('about:blank');
  await page.goto(url);
  const handle = await page.waitForFunction(ready, undefined, { timeout: 60_000, polling: 'raf' });
  return handle.jsonValue();
}

const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-ui-'));
try {
  console.log('seeding: 10,000 runs, one 1,000,000-point metric, 100 runs of 1,000 points…');
  const t0 = Date.now();
  const ids = await seed(join(dir, 'ferry.db'));
  console.log(`seeded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    backendStoreUri: `sqlite:///${join(dir, 'ferry.db')}`,
    artifactsDestination: join(dir, 'artifacts'),
    serveArtifacts: true,
  });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const results = { runsTable: [], longChart: [], compare100: [] };
  // One warm-up load of each page (browser caches the app's assets, as a returning user's would).
  for (let r = 0; r <= repeats; r++) {
    const table = await timeTo(
      page,
      `${server.url}/#/experiments/${ids.big}`,
      () => globalThis.document.querySelector('[data-testid=run-row]') && performance.now(),
    );
    const chart = await timeTo(
      page,
      `${server.url}/#/experiments/${ids.longExp}/runs/${ids.long}`,
      () =>
        globalThis.document.querySelector('[data-testid=chart-loss]:not([data-points="0"]) canvas') &&
        performance.now(),
    );
    const compare = await timeTo(
      page,
      `${server.url}/#/compare?runs=${ids.hundred.join(',')}`,
      () =>
        globalThis.document.querySelector(
          '[data-testid=compare-chart][data-ready=true][data-series="100"] canvas',
        ) && performance.now(),
    );
    if (r === 0) continue;
    results.runsTable.push(table);
    results.longChart.push(chart);
    results.compare100.push(compare);
  }
  await browser.close();
  await server.close();

  const rows = [
    ['10,000-run experiment: first table row', median(results.runsTable), 1000],
    ['1,000,000-point metric: chart drawn', median(results.longChart), 1000],
    ['100 runs compared: chart drawn', median(results.compare100), 2000],
  ];
  console.log(
    `\nmedians of ${repeats} page loads (ms from navigation start), ${cpus().length} CPUs, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
  );
  for (const [what, ms, target] of rows) {
    console.log(
      `${what.padEnd(42)} ${ms.toFixed(0).padStart(6)} ms   target < ${target} ms   ${ms < target ? 'met' : 'MISSED'}`,
    );
  }
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(
    join(here, 'results', 'ui.json'),
    JSON.stringify({ date: new Date().toISOString(), repeats, results }, null, 2),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
