/** A counting semaphore whose waiters get slots in the order they asked (FIFO). */
export class Semaphore {
  #free: number;
  readonly #waiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  #closed: Error | undefined;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`concurrency must be an integer >= 1, got ${limit}`);
    this.#free = limit;
  }

  /** Slots taken right now. */
  get inUse(): number {
    return this.limit - this.#free;
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Resolves once a slot is held; release it exactly once with `release()`. */
  acquire(): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closed);
    if (this.#free > 0 && this.#waiters.length === 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Gives the slot to the longest waiter, or frees it. */
  release(): void {
    const next = this.#waiters.shift();
    if (next) next.resolve();
    else this.#free = Math.min(this.limit, this.#free + 1);
  }

  /** Rejects every waiter and every later `acquire()` with `err`. */
  close(err: Error): void {
    this.#closed = err;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(err);
  }
}
