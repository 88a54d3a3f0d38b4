import { afterEach, beforeEach, expect, vi } from 'vitest';
import { FerryError } from '@ferry/core';
import type { Comparison, Dataset, ErrorCode, Metric, OrderBy, Page, Run, Tag } from '@ferry/core';
import type { CreateRunInput, SqlTrackingStore } from '../src/index.js';
import type { Backend, OpenedStore } from './backends.js';

/** What ±Infinity metric values are stored as. */
export const MAX = Number.MAX_VALUE;

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** An object standing for whatever `current()` returns when it is used: methods are bound to that value. */
function standIn<T extends object>(current: () => T): T {
  return new Proxy({} as T, {
    get(_standIn, key) {
      const target = current();
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export interface FreshStore {
  /** The current test's store. */
  readonly store: SqlTrackingStore;
  /** The current test's store with its database. */
  readonly opened: OpenedStore;
}

/**
 * Gives every test of the calling `describe` a fresh database of `backend` with an opened store on it,
 * closed and dropped after the test (which also gets the real clock back; see `freezeTime`).
 *
 * `store` and `opened` stand for the store of the test being run, so they can be taken apart once, in the
 * `describe` body: `const { store } = useFreshStore(backend)`. Use them only inside tests and hooks.
 */
export function useFreshStore(backend: Backend): FreshStore {
  let current: OpenedStore | undefined;

  beforeEach(async () => {
    current = await backend.create();
  });

  afterEach(async () => {
    vi.useRealTimers();
    const done = current;
    current = undefined;
    await done?.cleanup();
  });

  const opened = (): OpenedStore => {
    if (current === undefined) throw new Error('useFreshStore: there is a store only while a test runs');
    return current;
  };
  return { store: standIn(() => opened().store), opened: standIn(opened) };
}

/** Run creation on `store`, with the experiment given first. */
export function runMakers(store: SqlTrackingStore): {
  createRun(experimentId: string, input?: Partial<CreateRunInput>): Promise<Run>;
  runId(experimentId: string, input?: Partial<CreateRunInput>): Promise<string>;
} {
  const createRun = (experimentId: string, input: Partial<CreateRunInput> = {}): Promise<Run> =>
    store.createRun({ experimentId, ...input });
  const runId = async (experimentId: string, input: Partial<CreateRunInput> = {}): Promise<string> =>
    (await createRun(experimentId, input)).info.run_id;
  return { createRun, runId };
}

/**
 * Freezes Date.now() (and only Date: timers and I/O keep running) so stored times are known exactly.
 * `useFreshStore` restores the real clock after each test.
 */
export function freezeTime(ms: number): void {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(ms);
}

export function cmp(
  type: Comparison['type'],
  key: string,
  comparator: Comparison['comparator'],
  value: Comparison['value'],
) {
  return { type, key, comparator, value } satisfies Comparison;
}

export function order(type: OrderBy['type'], key: string, ascending: boolean): OrderBy {
  return { type, key, ascending };
}

export function dataset(name: string, digest: string, extra: Partial<Dataset> = {}): Dataset {
  return { name, digest, source_type: 'local', source: `file:///data/${name}`, ...extra };
}

/** A run with its lists in a canonical order, for comparing two reads of the same run. */
export function canonical(run: Run): Run {
  return {
    ...run,
    data: {
      ...run.data,
      ...(run.data.metrics ? { metrics: sortByKey(run.data.metrics) } : {}),
      ...(run.data.params ? { params: sortByKey(run.data.params) } : {}),
      ...(run.data.tags ? { tags: sortByKey(run.data.tags) } : {}),
    },
  };
}

/** Awaits a call that must fail with a FerryError of `code` (and a message matching `message`). */
export async function expectFerryError(
  promise: Promise<unknown>,
  code: ErrorCode,
  message?: string | RegExp,
): Promise<FerryError> {
  const error: unknown = await promise.then(
    () => new Error(`expected the call to fail with ${code}, but it succeeded`),
    (e: unknown) => e,
  );
  if (!(error instanceof FerryError)) throw error;
  expect(error.code, error.message).toBe(code);
  if (message !== undefined) expect(error.message).toMatch(message);
  return error;
}

/** Collects every item of a paged listing, checking each page is no larger than `maxResults`. */
export async function allPages<T>(
  maxResults: number,
  fetchPage: (pageToken: string | undefined) => Promise<Page<T>>,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await fetchPage(token);
    pages++;
    expect(page.items.length).toBeLessThanOrEqual(maxResults);
    if (page.nextPageToken !== undefined) {
      expect(page.items.length).toBe(maxResults);
      expect(typeof page.nextPageToken).toBe('string');
    }
    items.push(...page.items);
    token = page.nextPageToken;
    if (pages > 1000) throw new Error('pagination does not terminate');
  } while (token !== undefined);
  return { items, pages };
}

export function sortByKey<T extends { key: string }>(items: readonly T[] | undefined): T[] {
  return [...(items ?? [])].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export function tagMap(tags: readonly Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((t) => [t.key, t.value]));
}

export function paramsOf(run: Run): Record<string, string> {
  return tagMap(run.data.params);
}

export function tagsOf(run: Run): Record<string, string> {
  return tagMap(run.data.tags);
}

export function latestMetric(run: Run, key: string): Metric | undefined {
  return run.data.metrics?.find((m) => m.key === key);
}

export function metric(key: string, value: number, step = 0, timestamp = 1_000): Metric {
  return { key, value, step, timestamp };
}

/** The (step, timestamp, value) of points, for order-sensitive comparisons. */
export function points(metrics: readonly Metric[]): [number, number, number][] {
  return metrics.map((m) => [m.step, m.timestamp, m.value]);
}
