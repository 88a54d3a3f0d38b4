import { describe, expect, it } from 'vitest';
import type { Metric } from '@ferry/core';
import { MetricQueue } from '../src/index.js';

const point = (i: number, key = 'm'): Metric => ({ key, value: i, timestamp: i, step: i });

/** A send that records batches and can be held back to simulate a slow server. */
function recorder() {
  const batches: Metric[][] = [];
  let gate: Promise<void> = Promise.resolve();
  let open: () => void = () => {};
  return {
    batches,
    hold() {
      gate = new Promise((r) => (open = r));
    },
    release: () => open(),
    send: async (batch: Metric[]) => {
      await gate;
      batches.push(batch);
    },
  };
}

describe('MetricQueue', () => {
  it('sends everything in batches of at most maxBatch, in the order added', async () => {
    const r = recorder();
    const q = new MetricQueue(r.send, { maxBatch: 1000, concurrency: 1 });
    for (let i = 0; i < 2500; i++) await q.add([point(i, i % 2 ? 'a' : 'b')]);
    await q.flush();
    expect(r.batches.map((b) => b.length)).toEqual([1000, 1000, 500]);
    expect(r.batches.flat().map((p) => p.step)).toEqual(Array.from({ length: 2500 }, (_, i) => i));
  });

  it('makes the producer wait when the server is slower: memory stays bounded', async () => {
    const r = recorder();
    r.hold();
    const q = new MetricQueue(r.send, { maxBatch: 10, maxQueued: 50 });
    for (let i = 0; i < 49; i++) await q.add([point(i)]);
    let resolved = false;
    const full = q.add([point(49)]).then(() => (resolved = true));
    await new Promise((res) => setTimeout(res, 20));
    expect(resolved).toBe(false);
    expect(q.size).toBeLessThanOrEqual(50);
    r.release();
    await full;
    await q.flush();
    expect(r.batches.flat()).toHaveLength(50);
  });

  it('stops at the first failed send and reports it from flush and later adds', async () => {
    let calls = 0;
    const q = new MetricQueue(
      async () => {
        calls++;
        throw new Error('rejected by server');
      },
      { maxBatch: 5 },
    );
    await q.add([point(1), point(2)]);
    await expect(q.flush()).rejects.toThrow('rejected by server');
    await expect(q.add([point(3)])).rejects.toThrow('rejected by server');
    expect(calls).toBe(1);
  });

  it('flush resolves at once when nothing is queued', async () => {
    const q = new MetricQueue(async () => {});
    await expect(q.flush()).resolves.toBeUndefined();
  });
});
