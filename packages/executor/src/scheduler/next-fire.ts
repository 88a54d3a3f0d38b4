import { invalidParam } from '@ferry/core';
import { Cron } from 'croner';

/** The timing fields of a schedule (a PipelineSchedule has them). */
export interface ScheduleTiming {
  /** A cron expression of 5 fields, or 6 with seconds first; evaluated in `timezone`. */
  cron: string | null;
  /** An IANA time zone for `cron` (e.g. 'Europe/Berlin'); null: UTC. */
  timezone: string | null;
  /** A fixed period in milliseconds (at least 1000), instead of `cron`. */
  intervalMs: number | null;
}

/** The shortest interval a schedule may have. */
export const MIN_SCHEDULE_INTERVAL_MS = 1000;

const DEFAULT_TIMEZONE = 'UTC';

const cronOf = (pattern: string, timezone: string | null): Cron =>
  new Cron(pattern, { timezone: timezone ?? DEFAULT_TIMEZONE, mode: '5-or-6-parts' });

const isTimeZone = (timezone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
};

/**
 * Throws INVALID_PARAMETER_VALUE unless exactly one of `cron` and `intervalMs` is given, the cron
 * expression parses (5 fields, or 6 with seconds), the time zone is a known IANA zone and the interval
 * is a whole number of milliseconds of at least 1000.
 */
export function validateScheduleTiming(timing: ScheduleTiming): void {
  const { cron, timezone, intervalMs } = timing;
  if (cron != null && intervalMs != null) {
    throw invalidParam('A schedule takes either a cron expression or an interval, not both');
  }
  if (cron == null && intervalMs == null) {
    throw invalidParam('A schedule needs a cron expression or an interval');
  }
  if (timezone != null && !isTimeZone(timezone)) {
    throw invalidParam(`Unknown time zone '${timezone}': expected an IANA time zone such as 'Europe/Berlin'`);
  }
  if (cron != null) {
    try {
      cronOf(cron, timezone);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw invalidParam(`Invalid cron expression '${cron}': ${reason}`);
    }
  }
  if (intervalMs != null) {
    if (!Number.isSafeInteger(intervalMs) || intervalMs < MIN_SCHEDULE_INTERVAL_MS) {
      throw invalidParam(
        `Invalid interval ${intervalMs}: must be a whole number of milliseconds, at least ${MIN_SCHEDULE_INTERVAL_MS}`,
      );
    }
  }
}

/**
 * The first fire time strictly after `afterMs` (epoch ms), or null if there is none (a cron expression
 * that never matches, e.g. `0 0 30 2 *`).
 *
 * - cron: evaluated by croner in `timezone` (default UTC). Across DST changes croner follows Vixie
 *   cron: a fixed-time job (a single value in each of seconds, minutes and hours, e.g. `30 2 * * *`)
 *   whose time falls in a spring-forward gap runs at the first valid time after the gap, and runs once,
 *   at the first occurrence, when its time occurs twice (fall back); other jobs (`*\/30 * * * *`) skip
 *   times in a gap and run on both occurrences of a repeated time.
 * - interval: `afterMs + intervalMs` (callers pass the previous fire time to stay on the grid).
 *
 * The timing is assumed valid (see validateScheduleTiming); invalid timing throws.
 */
export function nextFireTime(timing: ScheduleTiming, afterMs: number): number | null {
  if (timing.cron != null) {
    const next = cronOf(timing.cron, timing.timezone).nextRun(new Date(afterMs));
    return next ? next.getTime() : null;
  }
  if (timing.intervalMs != null) {
    return afterMs + timing.intervalMs;
  }
  throw invalidParam('A schedule needs a cron expression or an interval');
}

/**
 * The latest fire time in [`dueAt`, `now`] of a schedule due at `dueAt` (a fire time, `dueAt <= now`):
 * what a schedule without catch-up fires for after missing several times.
 */
export function latestFireTime(timing: ScheduleTiming, dueAt: number, now: number): number {
  if (now <= dueAt) return dueAt;
  if (timing.cron != null) {
    const [latest] = cronOf(timing.cron, timing.timezone).previousRuns(1, new Date(now + 1));
    return latest && latest.getTime() >= dueAt ? latest.getTime() : dueAt;
  }
  if (timing.intervalMs != null) {
    return dueAt + Math.floor((now - dueAt) / timing.intervalMs) * timing.intervalMs;
  }
  return dueAt;
}
