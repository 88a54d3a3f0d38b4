import { useCallback, useEffect, useRef, useState } from 'react';
import { usePolling } from '../live';
import type { Loaded } from '../use-load';

/** How often a pipeline run's page polls while the run has not ended. */
export const PIPELINE_POLL_MS = 1000;

/**
 * useLiveLoad with its own interval: loads when `key` changes, then again every `intervalMs` in the
 * background while `live(data)` holds (and the page is visible), keeping what it shows meanwhile.
 * `reload()` loads again at once (after a cancel or retry), which also restarts polling.
 */
export function usePolledLoad<T>(
  key: string,
  load: () => Promise<T>,
  live: (data: T) => boolean,
  intervalMs = PIPELINE_POLL_MS,
): Loaded<T> {
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
    setState((s) => ({ ...s, key, loading: s.key !== key || s.data === undefined }));
    loader.current().then(
      (data) => current && setState({ key, data, loading: false }),
      (error: unknown) =>
        current &&
        setState({ key, error: error instanceof Error ? error : new Error(String(error)), loading: false }),
    );
    return () => {
      current = false;
    };
  }, [key, generation]);
  const fresh = state.key === key;
  const data = fresh ? state.data : undefined;
  usePolling(
    data !== undefined && live(data),
    async () => {
      const next = await loader.current();
      setState((s) => (s.key === key ? { key, data: next, loading: false } : s));
    },
    intervalMs,
  );
  return {
    data,
    error: fresh ? state.error : undefined,
    loading: (state.loading && data === undefined) || !fresh,
    reload: useCallback(() => setGeneration((g) => g + 1), []),
  };
}

/** The current time, ticking every second while `active` (for the durations of running things). */
export function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}
