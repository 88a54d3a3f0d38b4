import { afterEach, describe, expect, it, vi } from 'vitest';
import pg from 'pg';
import { BACKENDS } from './backends.js';
import type { Backend, OpenedStore } from './backends.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Emitter {
  emit(event: string | symbol, ...args: unknown[]): boolean;
  listenerCount(event: string | symbol): number;
}

describe('PostgreSQL connection loss', () => {
  const backend = BACKENDS.find((b) => b.name === 'postgresql') as Backend;
  let opened: OpenedStore | undefined;

  afterEach(async () => {
    try {
      await opened?.cleanup();
    } finally {
      opened = undefined;
      vi.restoreAllMocks();
    }
  });

  it('handles the server terminating idle pooled connections, and keeps working', async () => {
    opened = await backend.create();
    const { store, database } = opened;

    // An 'error' event nobody listens to is thrown by EventEmitter: in a server, an uncaught exception
    // that takes the process down. Record pool errors, and swallow the unhandled ones so this test
    // reports them instead of crashing the test run.
    const poolErrors: { handled: boolean; message: string }[] = [];
    const proto = pg.Pool.prototype as unknown as Emitter;
    const emit = proto.emit;
    vi.spyOn(proto, 'emit').mockImplementation(function (this: Emitter, event, ...args) {
      if (event === 'error') {
        const handled = this.listenerCount('error') > 0;
        poolErrors.push({ handled, message: args[0] instanceof Error ? args[0].message : String(args[0]) });
        if (!handled) return false;
      }
      return emit.call(this, event, ...args);
    });

    // Leave a few idle connections in the store's pool, then have the server end them
    // (as a restart, failover or pg_terminate_backend by an administrator would).
    await Promise.all(Array.from({ length: 5 }, () => store.getExperiment('0')));
    const terminated = await database.query(
      'select pg_terminate_backend(pid) as ok from pg_stat_activity ' +
        'where datname = current_database() and pid <> pg_backend_pid()',
    );
    expect(terminated.length).toBeGreaterThan(0);
    // Every terminated backend was one of the pool's idle connections; wait until each has reported.
    for (let i = 0; i < 400 && poolErrors.length < terminated.length; i++) await sleep(25);

    expect(poolErrors.length).toBeGreaterThanOrEqual(terminated.length);
    expect(poolErrors.filter((e) => !e.handled)).toEqual([]);
    // The pool drops the dead clients; the next calls get fresh connections.
    expect((await store.getExperiment('0')).name).toBe('Default');
    await store.createExperiment({ name: 'after-reconnect' });
  });
});
