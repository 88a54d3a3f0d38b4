import type { Metric } from '@ferry/core';

export interface MetricQueueOptions {
  /** Points per request: MLflow's log-batch limit. */
  maxBatch?: number;
  /** Points held before `add` makes the producer wait: the memory bound when the server is slower. */
  maxQueued?: number;
  /**
   * Requests in flight at once. Two keep the server busy while the next batch is encoded; a key's
   * stored history does not depend on arrival order (it is ordered by timestamp, step and value,
   * and the latest value is the maximum by step and timestamp), so batches may land out of order.
   */
  concurrency?: number;
}

const READY: Promise<void> = Promise.resolve();

/**
 * Sends a run's metric points in the background, in batches taken in the order they were added, a
 * few requests at a time. `add` returns at once while the queue has
 * room and otherwise a promise that resolves when it has: awaiting it is what bounds memory. The
 * first failed send stops the queue; `flush` (and every later `add`) rejects with it.
 */
export class MetricQueue {
  private readonly maxBatch: number;
  private readonly maxQueued: number;
  private readonly concurrency: number;
  private items: Metric[] = [];
  private head = 0;
  private pumping = false;
  private failure: unknown;
  private roomWaiters: (() => void)[] = [];
  private idleWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];

  constructor(
    private readonly send: (batch: Metric[]) => Promise<void>,
    options: MetricQueueOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 1000;
    this.maxQueued = options.maxQueued ?? 100_000;
    this.concurrency = Math.max(1, options.concurrency ?? 2);
  }

  /** Points waiting to be sent. */
  get size(): number {
    return this.items.length - this.head;
  }

  add(points: Metric[]): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    for (const p of points) this.items.push(p);
    this.schedule();
    if (this.size < this.maxQueued) return READY;
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Resolves when every point added so far has been sent. */
  flush(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.size === 0 && !this.pumping) return READY;
    return new Promise((resolve, reject) => this.idleWaiters.push({ resolve, reject }));
  }

  private schedule(): void {
    if (this.pumping) return;
    this.pumping = true;
    // Let the producer add more in this turn of the event loop, so batches fill up.
    setImmediate(() => void this.pump());
  }

  private take(): Metric[] {
    const batch = this.items.slice(this.head, this.head + this.maxBatch);
    this.head += batch.length;
    if (this.head > 65_536 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return batch;
  }

  /** One sending lane: takes the next batch while there is one and nothing has failed. */
  private async sender(): Promise<void> {
    while (this.size > 0 && this.failure === undefined) {
      try {
        await this.send(this.take());
      } catch (error) {
        this.failure ??= error;
      }
      if (this.size < this.maxQueued || this.failure !== undefined) {
        for (const wake of this.roomWaiters.splice(0)) wake();
      }
    }
  }

  private async pump(): Promise<void> {
    await Promise.all(Array.from({ length: this.concurrency }, () => this.sender()));
    this.pumping = false;
    for (const waiter of this.idleWaiters.splice(0)) {
      if (this.failure !== undefined) waiter.reject(this.failure);
      else waiter.resolve();
    }
  }
}
