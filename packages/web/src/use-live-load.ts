import { useCallback, useEffect, useRef, useState } from 'react';
import { usePolling } from './live';
import type { Loaded } from './use-load';

export interface LiveLoadOptions {
  /** How often to load again while live (default: usePolling's). */
  intervalMs?: number;
  /** `reload()` of the same key keeps showing the data it has instead of a loading state. */
  keepDataWhileReloading?: boolean;
}

/**
 * Like useLoad, and while `live(data)` holds, loads again every few seconds in the background (only
 * while the page is visible): the view keeps showing the data it has, with no loading state, and
 * polling stops once `live` turns false (the run ended).
 */
export function useLiveLoad<T>(
  key: string,
  load: () => Promise<T>,
  live: (data: T) => boolean,
  options: LiveLoadOptions = {},
): Loaded<T> {
  const keep = options.keepDataWhileReloading ?? false;
  const [state, setState] = useState<{ key: string; data?: T; error?: Error; loading: boolean }>({
    key,
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  const loader = useRef(load);
  useEffect(() => {
    loader.current = load;
  });
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, key, loading: !keep || s.key !== key || s.data === undefined }));
    loader.current().then(
      (data) => current && setState({ key, data, loading: false }),
      (error: unknown) =>
        current &&
        setState({ key, error: error instanceof Error ? error : new Error(String(error)), loading: false }),
    );
    return () => {
      current = false;
    };
  }, [key, generation, keep]);
  const fresh = state.key === key;
  const data = fresh ? state.data : undefined;
  usePolling(
    data !== undefined && live(data),
    async () => {
      const next = await loader.current();
      setState((s) => (s.key === key ? { key, data: next, loading: false } : s));
    },
    options.intervalMs,
  );
  return {
    data,
    error: fresh ? state.error : undefined,
    loading: (state.loading && (!keep || data === undefined)) || !fresh,
    reload: useCallback(() => setGeneration((g) => g + 1), []),
  };
}
