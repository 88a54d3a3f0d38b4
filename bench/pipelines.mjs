#!/usr/bin/env node
// Pipeline controller benchmark: the controller, the local executor and the stores in one process on
// SQLite (the embedded defaults), the four targets of the pipelines work:
//   - overhead of a no-op step: a one-task pipeline (`true`), submit to finished   (target: median <= 50 ms)
//   - a chain of 100 no-op steps, submit to finished                               (target: <= 10 s)
//   - a fan-out of 1,000 no-op tasks, 8 at a time                                   (reported)
//   - a cache hit: the same one-task pipeline again, served from cache, end to end (target: <= 10 ms, nothing spawned)
// Kubeflow Pipelines starts two pods per step (driver and executor), seconds each.
// Run after `npm ci` (which builds): node bench/pipelines.mjs [--repeats 5]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveArtifactUri } from '@ferry/artifacts';
import { LocalExecutor, PipelineController } from '@ferry/executor';
import { SqlTrackingStore, sqliteAdapter, sqlStores } from '@ferry/store';

const { values: args } = parseArgs({ options: { repeats: { type: 'string', default: '5' } } });
const repeats = Number(args.repeats);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-pipelines-'));
const tracking = new SqlTrackingStore({
  adapter: sqliteAdapter(join(dir, 'ferry.db')),
  defaultArtifactRoot: join(dir, 'artifacts'),
});
await tracking.open();
const { pipelines } = sqlStores(tracking);
const executor = new LocalExecutor({ concurrency: 8 });
const controller = new PipelineController({
  pipelines,
  tracking,
  executor,
  resolveArtifact: (uri) => resolveArtifactUri(uri, undefined),
  workDir: join(dir, 'work'),
  trackingUri: `sqlite:///${join(dir, 'ferry.db')}`,
});
const experimentId = await tracking.createExperiment({ name: 'bench' });

const noop = (name, cache = false) => ({
  component: {
    name,
    inputs: {},
    outputs: {},
    implementation: { command: ['true'] },
    options: { cache: { enabled: cache } },
  },
  arguments: {},
});
const spec = (name, tasks) => ({ apiVersion: 'ferry.pipeline/v1', name, parameters: {}, tasks });

async function timed(pipeline, extra = {}) {
  const started = performance.now();
  const { id } = await controller.submit({ spec: pipeline, experimentId, ...extra });
  const run = await controller.wait(id, 5);
  const ms = performance.now() - started;
  if (run.status !== 'succeeded') throw new Error(`run ${id} ${run.status}: ${run.error}`);
  return { ms, run };
}

const results = { noopMs: [], chain100Ms: [], fanout1000Ms: [], cacheHitRunMs: [], cacheHitTaskMs: [] };
console.log(`pipelines benchmark: ${repeats} repeats, ${cpus().length} CPUs`);
await timed(spec('warmup', { a: noop('a') }));
for (let r = 0; r < repeats; r++) {
  results.noopMs.push((await timed(spec('noop', { a: noop('a') }))).ms);

  const chain = {};
  for (let i = 0; i < 100; i++)
    chain[`s${i}`] = { ...noop(`s${i}`), ...(i > 0 ? { dependsOn: [`s${i - 1}`] } : {}) };
  results.chain100Ms.push((await timed(spec('chain', chain))).ms);

  const fanout = {
    each: {
      component: {
        name: 'each',
        inputs: { i: { kind: 'parameter', schema: { type: 'integer' } } },
        outputs: {},
        implementation: { command: ['true'] },
        options: { cache: { enabled: false } },
      },
      arguments: { i: { loopItem: {} } },
      forEach: { items: { constant: Array.from({ length: 1000 }, (_, i) => i) }, parallelism: 8 },
    },
  };
  results.fanout1000Ms.push((await timed(spec('fanout', fanout))).ms);

  const cached = spec('cached', { a: noop(`cached-${r}`, true) });
  await timed(cached);
  const hit = await timed(cached);
  const [task] = await pipelines.listTasks(hit.run.id);
  if (task.status !== 'cached') throw new Error(`expected a cache hit, got ${task.status}`);
  results.cacheHitRunMs.push(hit.ms);
  results.cacheHitTaskMs.push(task.finishedAt - task.startedAt);
  console.log(`repeat ${r + 1}/${repeats} done`);
}

await controller.stop();
await executor.close();
await tracking.close();
rmSync(dir, { recursive: true, force: true });

const row = (label, xs, target) =>
  console.log(`${label.padEnd(44)} ${median(xs).toFixed(1).padStart(9)} ms   ${target}`);
console.log(`\nmedians of ${repeats} (ms), ${cpus().length} CPUs, ${Math.round(totalmem() / 2 ** 30)} GiB`);
row('no-op step (one-task pipeline, end to end)', results.noopMs, 'target <= 50 ms');
row('100-step chain', results.chain100Ms, 'target <= 10,000 ms');
row('1,000-task fan-out, parallelism 8', results.fanout1000Ms, 'reported');
row('cache hit: whole one-task run, end to end', results.cacheHitRunMs, 'target <= 10 ms, no process');
row('cache hit: the task (key, lookup, records)', results.cacheHitTaskMs, 'reported');
console.log(`per step in the chain: ${(median(results.chain100Ms) / 100).toFixed(1)} ms`);
console.log(JSON.stringify({ samples: results }, null, 1));
