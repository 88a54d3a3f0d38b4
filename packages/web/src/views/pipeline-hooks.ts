import { useEffect, useState } from 'react';
import { useLiveLoad } from '../use-live-load';
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
  return useLiveLoad(key, load, live, { intervalMs, keepDataWhileReloading: true });
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
