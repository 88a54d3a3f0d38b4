import { useEffect, useRef } from 'react';

/** How often live views poll the server while a run is RUNNING and the page is visible. */
export const LIVE_INTERVAL_MS = 3000;

const visible = () => document.visibilityState === 'visible';

/**
 * Calls `tick` every `intervalMs` while `active` is true and the page is visible (a hidden tab costs
 * the server nothing), and once more as soon as the page becomes visible again. A tick never overlaps
 * the previous one: the next is scheduled only after its promise settles.
 */
export function usePolling(
  active: boolean,
  tick: () => Promise<unknown>,
  intervalMs = LIVE_INTERVAL_MS,
): void {
  const latest = useRef(tick);
  useEffect(() => {
    latest.current = tick;
  });
  useEffect(() => {
    if (!active) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let running = false;
    const run = async () => {
      timer = undefined;
      if (stopped || running || !visible()) return;
      running = true;
      try {
        await latest.current();
      } catch {
        // A failed poll is retried at the next tick; the view keeps what it has.
      } finally {
        running = false;
        schedule();
      }
    };
    const schedule = () => {
      if (!stopped && timer === undefined && visible()) timer = setTimeout(() => void run(), intervalMs);
    };
    const onVisibility = () => {
      if (visible()) void run();
      else if (timer !== undefined) {
        clearTimeout(timer);
        timer = undefined;
      }
    };
    document.addEventListener('visibilitychange', onVisibility);
    schedule();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [active, intervalMs]);
}

/** True for a run that may still log (MLflow's RUNNING and SCHEDULED states). */
export const isLive = (status: string | undefined): boolean => status === 'RUNNING' || status === 'SCHEDULED';
