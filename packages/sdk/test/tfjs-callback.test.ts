import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { TrackingSession, ferryCallback } from '../src/index.js';

let dir: string;
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('TensorFlow.js callback', () => {
  it('logs optimizer params, per-epoch metrics and the model summary of model.fit', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-tfjs-'));
    await tf.setBackend('cpu');
    const ferry = new TrackingSession({
      trackingUri: `sqlite:///${join(dir, 't.db')}`,
      env: { FERRY_ARTIFACTS_DESTINATION: join(dir, 'artifacts') },
      captureSource: false,
    });
    const run = await ferry.startRun({ runName: 'tfjs' });

    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1, name: 'out' })] });
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError', metrics: ['mse'] });
    const xs = tf.randomNormal([64, 2]);
    const ys = xs.sum(1, true);
    await model.fit(xs, ys, {
      epochs: 4,
      batchSize: 16,
      validationSplit: 0.25,
      verbose: 0,
      callbacks: [ferryCallback(tf, run)],
    });
    await run.end();

    const stored = await ferry.getRun(run.runId);
    const params = Object.fromEntries((stored.data.params ?? []).map((p) => [p.key, p.value]));
    expect(params).toMatchObject({
      epochs: '4',
      batch_size: '16',
      optimizer_name: 'Adam',
      learning_rate: '0.05',
    });
    const loss = await ferry.getMetricHistory(run.runId, 'loss');
    expect(loss.map((m) => m.step)).toEqual([0, 1, 2, 3]);
    expect(loss.every((m) => Number.isFinite(m.value))).toBe(true);
    expect((await ferry.getMetricHistory(run.runId, 'val_loss')).map((m) => m.step)).toEqual([0, 1, 2, 3]);
    const summary = await readFile(
      join(dir, 'artifacts', run.experimentId, run.runId, 'artifacts', 'model_summary.txt'),
      'utf8',
    );
    expect(summary).toContain('out (Dense)');
    expect(summary).toMatch(/Total params: 3/);
    await ferry.close();
    tf.dispose([xs, ys]);
  });
});
