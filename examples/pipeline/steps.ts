// The steps of the example pipeline, as TypeScript functions. Each runs in a process of its own with
// the tracking environment of its task's run (FERRY_TRACKING_URI, FERRY_RUN_ID), so what it logs
// through the SDK lands on that run.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { Dataset, Metrics, Model, step } from '@ferry/pipeline';
import { TrackingSession } from '@ferry/sdk';

type Row = { x: number[]; y: number };

/** A seeded pseudo-random generator, so a run with the same seed sees the same data. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => (state = (state * 1_664_525 + 1_013_904_223) >>> 0) / 2 ** 32;
}

function gaussian(next: () => number): number {
  return Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
}

const toCsv = (rows: Row[]) =>
  ['x0,x1,x2,x3,y', ...rows.map((r) => [...r.x.map((v) => v.toFixed(6)), r.y].join(','))].join('\n') + '\n';

async function readCsv(file: string): Promise<Row[]> {
  const [, ...lines] = (await readFile(file, 'utf8')).trim().split('\n');
  return lines.map((line) => {
    const values = line.split(',').map(Number);
    return { x: values.slice(0, 4), y: values[4]! };
  });
}

export const prepare = step({
  name: 'prepare',
  description:
    'Two overlapping Gaussian classes in four dimensions, split 80/20 into train.csv and test.csv.',
  module: import.meta.url,
  inputs: { rows: z.number().int().min(10), seed: z.number().int() },
  outputs: { data: Dataset },
  run: async ({ rows, seed }, ctx) => {
    const next = random(seed);
    const data: Row[] = Array.from({ length: rows }, () => {
      const y = next() < 0.5 ? 0 : 1;
      return { x: [0, 1, 2, 3].map((j) => gaussian(next) + (y ? 1.2 : -1.2) * (j % 2 ? 0.5 : 1)), y };
    });
    const cut = Math.floor(rows * 0.8);
    await mkdir(ctx.outputs.data.path, { recursive: true });
    await writeFile(join(ctx.outputs.data.path, 'train.csv'), toCsv(data.slice(0, cut)));
    await writeFile(join(ctx.outputs.data.path, 'test.csv'), toCsv(data.slice(cut)));
    ctx.log(`wrote ${cut} training and ${rows - cut} test rows`);
    return {};
  },
});

export const train = step({
  name: 'train',
  description:
    'Logistic regression by gradient descent, in plain TypeScript; the loss of every epoch is logged.',
  module: import.meta.url,
  inputs: { data: Dataset, epochs: z.number().int().min(1), lr: z.number().positive() },
  outputs: { model: Model },
  run: async ({ data, epochs, lr }, ctx) => {
    const rows = await readCsv(join(data.path, 'train.csv'));
    const weights = [0, 0, 0, 0];
    let bias = 0;
    const session = new TrackingSession({ captureSource: false });
    const run = await session.startRun();
    for (let epoch = 0; epoch < epochs; epoch++) {
      const grad = [0, 0, 0, 0];
      let gradBias = 0;
      let loss = 0;
      for (const { x, y } of rows) {
        const p = 1 / (1 + Math.exp(-(bias + x.reduce((s, v, j) => s + v * weights[j]!, 0))));
        loss -= y * Math.log(p + 1e-12) + (1 - y) * Math.log(1 - p + 1e-12);
        for (let j = 0; j < 4; j++) grad[j]! += (p - y) * x[j]!;
        gradBias += p - y;
      }
      for (let j = 0; j < 4; j++) weights[j]! -= (lr * grad[j]!) / rows.length;
      bias -= (lr * gradBias) / rows.length;
      await run.logMetric('train_loss', loss / rows.length, { step: epoch });
    }
    await run.end();
    await session.close();
    // Saved as a js_function model: the predict module and its weights.
    const { saveModel } = await import('@ferry/models');
    const scratch = await mkdtemp(join(tmpdir(), 'example-model-'));
    await writeFile(join(scratch, 'weights.json'), JSON.stringify({ weights, bias }));
    await saveModel(ctx.outputs.model.path, {
      flavor: 'js',
      module: fileURLToPath(new URL('./predict.mjs', import.meta.url)),
      code: [join(scratch, 'weights.json')],
    });
    ctx.log(`weights ${weights.map((w) => w.toFixed(3)).join(', ')}, bias ${bias.toFixed(3)}`);
    return {};
  },
});

export const evaluate = step({
  name: 'evaluate',
  description: 'Accuracy of the model on the held-out rows.',
  module: import.meta.url,
  inputs: { model: Model, data: Dataset },
  outputs: { accuracy: z.number(), metrics: Metrics },
  run: async ({ model, data }, ctx) => {
    const { loadModel, dataFrameFromRecords } = await import('@ferry/models');
    const rows = await readCsv(join(data.path, 'test.csv'));
    const loaded = await loadModel(model.path);
    const frame = dataFrameFromRecords(rows.map((r) => Object.fromEntries(r.x.map((v, j) => [`x${j}`, v]))));
    const labels = (await loaded.predict(frame)) as number[];
    const accuracy = labels.filter((label, i) => label === rows[i]!.y).length / rows.length;
    await writeFile(ctx.outputs.metrics.path, JSON.stringify({ accuracy, rows: rows.length }, null, 2));
    ctx.log(`accuracy ${accuracy.toFixed(4)} on ${rows.length} rows`);
    return { accuracy };
  },
});

export const register = step({
  name: 'register',
  description: 'Registers the model as a new version of the registered model.',
  module: import.meta.url,
  inputs: { model: Model, name: z.string() },
  outputs: { version: z.string() },
  run: async ({ model, name }, ctx) => {
    const session = new TrackingSession({ captureSource: false });
    try {
      await session.registry.createRegisteredModel(name).catch((error: { code?: string }) => {
        if (error.code !== 'RESOURCE_ALREADY_EXISTS') throw error;
      });
      const version = await session.registry.createModelVersion(name, {
        source: model.uri,
        ...(process.env.FERRY_RUN_ID ? { runId: process.env.FERRY_RUN_ID } : {}),
      });
      ctx.log(`registered ${name} version ${version.version} from ${model.uri}`);
      return { version: String(version.version) };
    } finally {
      await session.close();
    }
  },
});
