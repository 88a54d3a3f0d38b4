import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import type { MetricsSnapshot, ServingMetrics } from './metrics.js';

/**
 * Several worker processes serving one port (node:cluster), as `mlflow models serve --workers` runs
 * several uvicorn workers. The primary only supervises: it forks the workers (each runs the same
 * command and loads its own copy of the model), restarts one that dies, gathers every worker's
 * metrics for `/metrics`, and stops them all on SIGINT/SIGTERM.
 */

type Message =
  | { ferry: 'listening'; url: string }
  | { ferry: 'gather'; id: string }
  | { ferry: 'snapshot-request'; id: string }
  | { ferry: 'snapshot'; id: string; snapshot: MetricsSnapshot }
  | { ferry: 'gathered'; id: string; snapshots: MetricsSnapshot[] };

const isMessage = (value: unknown): value is Message =>
  typeof value === 'object' && value !== null && typeof (value as { ferry?: unknown }).ferry === 'string';

/** How long the primary waits for the workers' metrics before answering with those it has. */
const GATHER_TIMEOUT_MS = 2_000;
/** A worker that exits sooner than this after starting counts as a failed start. */
const FAST_EXIT_MS = 5_000;
/** Consecutive failed starts after which the primary gives up. */
const MAX_FAST_EXITS = 5;

export interface PrimaryOptions {
  workers: number;
  log: (message: string) => void;
  /** Called once, when the first worker listens. */
  onListening: (url: string) => void;
}

/**
 * Runs the primary process of a serving cluster until it is stopped (SIGINT/SIGTERM: the workers
 * finish their requests and exit) or its workers keep failing to start (then it rejects).
 */
export function runPrimary(options: PrimaryOptions): Promise<void> {
  let stopping = false;
  let announced = false;
  let fastExits = 0;
  const started = new Map<Worker, number>();
  const gathering = new Map<string, { snapshots: MetricsSnapshot[]; expected: number; done: () => void }>();

  return new Promise<void>((resolve, reject) => {
    const fork = () => {
      const worker = cluster.fork();
      started.set(worker, Date.now());
      worker.on('message', (message: unknown) => onMessage(worker, message));
    };

    const onMessage = (worker: Worker, message: unknown) => {
      if (!isMessage(message)) return;
      if (message.ferry === 'listening') {
        fastExits = 0;
        if (!announced) options.onListening(message.url);
        announced = true;
      } else if (message.ferry === 'gather') {
        gather(message.id, (snapshots) => send(worker, { ferry: 'gathered', id: message.id, snapshots }));
      } else if (message.ferry === 'snapshot') {
        const pending = gathering.get(message.id);
        if (pending === undefined) return;
        pending.snapshots.push(message.snapshot);
        if (pending.snapshots.length >= pending.expected) pending.done();
      }
    };

    const gather = (id: string, answer: (snapshots: MetricsSnapshot[]) => void) => {
      const workers = liveWorkers();
      const snapshots: MetricsSnapshot[] = [];
      const done = () => {
        clearTimeout(timer);
        gathering.delete(id);
        answer(snapshots);
      };
      const timer = setTimeout(done, GATHER_TIMEOUT_MS);
      gathering.set(id, { snapshots, expected: workers.length, done });
      for (const w of workers) send(w, { ferry: 'snapshot-request', id });
    };

    cluster.on('exit', (worker, code, signal) => {
      const startedAt = started.get(worker) ?? 0;
      started.delete(worker);
      if (stopping) {
        if (liveWorkers().length === 0) resolve();
        return;
      }
      options.log(`worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting another`);
      fastExits = Date.now() - startedAt < FAST_EXIT_MS ? fastExits + 1 : 0;
      if (fastExits >= MAX_FAST_EXITS) {
        stop();
        reject(new Error(`${fastExits} workers in a row exited right after starting; giving up`));
        return;
      }
      setTimeout(fork, Math.min(1000 * fastExits, 5000)).unref();
    });

    const stop = () => {
      if (stopping) return;
      stopping = true;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      const workers = liveWorkers();
      if (workers.length === 0) resolve();
      for (const w of workers) w.process.kill('SIGTERM');
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);

    for (let i = 0; i < options.workers; i++) fork();
  });
}

const liveWorkers = (): Worker[] =>
  Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());

function send(target: Worker | NodeJS.Process, message: Message): void {
  try {
    if (target === process) process.send?.(message);
    else (target as Worker).send(message);
  } catch {
    // A worker that is exiting no longer listens.
  }
}

/** In a worker: tells the primary the server listens (the primary prints the address once). */
export function announceListening(url: string): void {
  send(process, { ferry: 'listening', url });
}

/**
 * In a worker: answers the primary's requests for this worker's metrics, and returns the function that
 * gathers every worker's (pass it as `gatherMetrics` to createScoringApp).
 */
export function workerMetrics(local: ServingMetrics): () => Promise<MetricsSnapshot[]> {
  const waiting = new Map<string, (snapshots: MetricsSnapshot[]) => void>();
  process.on('message', (message: unknown) => {
    if (!isMessage(message)) return;
    if (message.ferry === 'snapshot-request') {
      send(process, { ferry: 'snapshot', id: message.id, snapshot: local.snapshot() });
    } else if (message.ferry === 'gathered') {
      waiting.get(message.id)?.(message.snapshots);
      waiting.delete(message.id);
    }
  });
  return () =>
    new Promise<MetricsSnapshot[]>((resolve) => {
      const id = randomUUID();
      // Without an answer (the primary is gone), this worker's own counts are better than nothing.
      const timer = setTimeout(() => {
        waiting.delete(id);
        resolve([local.snapshot()]);
      }, GATHER_TIMEOUT_MS * 2);
      waiting.set(id, (snapshots) => {
        clearTimeout(timer);
        resolve(snapshots);
      });
      send(process, { ferry: 'gather', id });
    });
}
