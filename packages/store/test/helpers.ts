import { expect } from 'vitest';
import { FerryError } from '@ferry/core';
import type { ErrorCode, Metric, Page, Run, Tag } from '@ferry/core';

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
