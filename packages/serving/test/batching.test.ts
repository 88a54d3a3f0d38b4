import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataFrame, rowCount, tensor } from '@ferry/models';
import type { DataFrame, LoadedModel, ModelInput, ModelOutput, Tensor } from '@ferry/models';
import { batchingModel, createScoringApp, staticTarget } from '../src/index.js';
import { onnxLinearModel, slot } from './helpers.js';

/** A model that records the rows of each call and answers each row's `a` doubled, after `delayMs`. */
function recordingModel(
  answer: (input: ModelInput, params?: Record<string, unknown>) => ModelOutput = (input) =>
    Array.from((input as DataFrame).data[0]!, (v) => Number(v) * 2),
  delayMs = 5,
): { model: LoadedModel; calls: number[] } {
  const calls: number[] = [];
  const model: LoadedModel = {
    config: {} as LoadedModel['config'],
    flavor: 'test',
    signature: undefined,
    async predict(input, params) {
      calls.push(input.kind === 'dataframe' ? rowCount(input) : (input as Tensor).shape[0]!);
      await new Promise((r) => setTimeout(r, delayMs));
      return answer(input, params);
    },
    close: async () => undefined,
  };
  return { model, calls };
}

const frame = (...a: number[]) => dataFrame({ a });

describe('batchingModel', () => {
  it('stacks concurrent requests into batches of at most maxBatchSize rows and gives each its rows back', async () => {
    const { model, calls } = recordingModel();
    const batched = batchingModel(model, { maxBatchSize: 4, maxWaitMs: 1_000 });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => batched.predict(frame(i))));
    expect(answers).toEqual(Array.from({ length: 10 }, (_, i) => [i * 2]));
    expect(calls.reduce((a, b) => a + b, 0)).toBe(10);
    expect(Math.max(...calls)).toBeLessThanOrEqual(4);
    expect(calls.length).toBeLessThan(10);
  });

  it('keeps multi-row requests whole and in order', async () => {
    const { model, calls } = recordingModel();
    const batched = batchingModel(model, { maxBatchSize: 100, maxWaitMs: 1_000 });
    const answers = await Promise.all([
      batched.predict(frame(1, 2, 3)),
      batched.predict(frame(4)),
      batched.predict(frame(5, 6)),
    ]);
    expect(answers).toEqual([[2, 4, 6], [8], [10, 12]]);
    expect(calls).toEqual([6]);
  });

  it('a lone request on an idle model does not wait for maxWaitMs', async () => {
    const { model, calls } = recordingModel();
    // A minute's wait would outlast the test's timeout.
    const batched = batchingModel(model, { maxBatchSize: 64, maxWaitMs: 60_000 });
    expect(await batched.predict(frame(7))).toEqual([14]);
    expect(calls).toEqual([1]);
  });

  it('requests arriving while a batch runs go together as the next batch', async () => {
    const { model, calls } = recordingModel(undefined, 30);
    const batched = batchingModel(model, { maxBatchSize: 64, maxWaitMs: 60_000 });
    const first = batched.predict(frame(1));
    await new Promise((r) => setTimeout(r, 5)); // the first call is in flight
    const later = Array.from({ length: 5 }, (_, i) => batched.predict(frame(10 + i)));
    expect(await first).toEqual([2]);
    expect(await Promise.all(later)).toEqual([[20], [22], [24], [26], [28]]);
    expect(calls).toEqual([1, 5]);
  });

  it('does not mix requests with different params or columns', async () => {
    const { model, calls } = recordingModel((input, params) =>
      Array.from((input as DataFrame).data[0]!, (v) => Number(v) * Number(params?.['k'] ?? 1)),
    );
    const batched = batchingModel(model, { maxBatchSize: 64, maxWaitMs: 1_000 });
    const answers = await Promise.all([
      batched.predict(frame(1), { k: 10 }),
      batched.predict(frame(2), { k: 100 }),
      batched.predict(frame(3), { k: 10 }),
      batched.predict(dataFrame({ b: [4] }), { k: 10 }),
    ]);
    expect(answers).toEqual([[10], [200], [30], [40]]);
    expect([...calls].sort()).toEqual([1, 1, 2]);
  });

  it('a failing batch is predicted request by request: each gets its own answer or error', async () => {
    const { model, calls } = recordingModel((input) => {
      const values = Array.from((input as DataFrame).data[0]!, Number);
      if (values.some((v) => v < 0)) throw new Error(`negative value in ${values.join(',')}`);
      return values.map((v) => v * 2);
    });
    const batched = batchingModel(model, { maxBatchSize: 64, maxWaitMs: 1_000 });
    const settled = await Promise.allSettled([
      batched.predict(frame(1)),
      batched.predict(frame(-1)),
      batched.predict(frame(3)),
    ]);
    expect(settled[0]).toEqual({ status: 'fulfilled', value: [2] });
    expect(settled[1]).toMatchObject({ status: 'rejected', reason: { message: 'negative value in -1' } });
    expect(settled[2]).toEqual({ status: 'fulfilled', value: [6] });
    expect(calls).toEqual([3, 1, 1, 1]);
  });

  it('an output that is not one entry per row is predicted request by request', async () => {
    const { model, calls } = recordingModel((input) => ({ rows: rowCount(input as DataFrame) }));
    const batched = batchingModel(model, { maxBatchSize: 64, maxWaitMs: 1_000 });
    const answers = await Promise.all([batched.predict(frame(1, 2)), batched.predict(frame(3))]);
    expect(answers).toEqual([{ rows: 2 }, { rows: 1 }]);
    expect(calls).toEqual([3, 2, 1]);
  });

  it('stacks tensors along the first axis and cuts tensor outputs back', async () => {
    const { model, calls } = recordingModel((input) => {
      const t = input as Tensor;
      return tensor(
        'float64',
        [t.shape[0]!],
        Array.from({ length: t.shape[0]! }, (_, r) => Number(t.data[r * 2]) + Number(t.data[r * 2 + 1])),
      );
    });
    const batched = batchingModel(model, { maxBatchSize: 64, maxWaitMs: 1_000 });
    const answers = (await Promise.all([
      batched.predict(tensor('float32', [2, 2], [1, 2, 3, 4])),
      batched.predict(tensor('float32', [1, 2], [5, 6])),
    ])) as Tensor[];
    expect(answers.map((t) => [t.shape, Array.from(t.data as Float64Array)])).toEqual([
      [[2], [3, 7]],
      [[1], [11]],
    ]);
    expect(calls).toEqual([3]);
  });
});

describe('batching through the scoring app, with a real ONNX model', () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'ferry-batching-'))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('answers every concurrent request with its own rows, in fewer model calls', async () => {
    const linear = await slot('linear', '1', await onnxLinearModel(join(dir, 'linear')));
    const inner = linear.model!;
    const calls: number[] = [];
    const counting: LoadedModel = {
      ...inner,
      predict: (input, params) => {
        calls.push((input as { tensors?: Record<string, Tensor> }).tensors?.['x']?.shape[0] ?? -1);
        return inner.predict(input, params);
      },
      close: () => inner.close(),
    };
    const batched = batchingModel(counting, { maxBatchSize: 32, maxWaitMs: 2 });
    const app = createScoringApp({ target: staticTarget([{ ...linear, model: batched }]) });
    const rows = Array.from({ length: 40 }, (_, i) => [i, 1, 0, 0]);
    const responses = await Promise.all(
      rows.map((x) =>
        app.request('/invocations', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ inputs: { x: [x] } }),
        }),
      ),
    );
    const bodies = await Promise.all(responses.map((r) => r.json()));
    // y = x·[1,2,3,4] + 0.5
    expect(bodies).toEqual(rows.map((x) => ({ predictions: { y: [[x[0]! + 2.5]] } })));
    expect(calls.reduce((a, b) => a + b, 0)).toBe(40);
    expect(calls.length).toBeLessThan(40);
    await batched.close();
  });
});
