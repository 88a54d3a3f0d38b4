import { describe, expect, it } from 'vitest';
import { FerryError } from '@ferry/core';
import { nextFireTime, validateScheduleTiming } from '../src/index.js';
import { latestFireTime, type ScheduleTiming } from '../src/scheduler/next-fire.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const cron = (expression: string, timezone: string | null = null): ScheduleTiming => ({
  cron: expression,
  timezone,
  intervalMs: null,
});
const every = (intervalMs: number): ScheduleTiming => ({ cron: null, timezone: null, intervalMs });

/** The first `n` fire times after `from`, each computed from the one before. */
function fires(timing: ScheduleTiming, from: string, n: number): (string | null)[] {
  const out: (string | null)[] = [];
  let t: number | null = at(from);
  for (let i = 0; i < n && t !== null; i++) {
    t = nextFireTime(timing, t);
    out.push(iso(t));
  }
  return out;
}

function expectInvalid(timing: ScheduleTiming, message: RegExp): void {
  let caught: unknown;
  try {
    validateScheduleTiming(timing);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(FerryError);
  expect((caught as FerryError).code).toBe('INVALID_PARAMETER_VALUE');
  expect((caught as FerryError).message).toMatch(message);
}

describe('nextFireTime', () => {
  it('evaluates cron in UTC by default, strictly after the given time', () => {
    expect(fires(cron('0 * * * *'), '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-01-01T01:00:00.000Z',
      '2026-01-01T02:00:00.000Z',
      '2026-01-01T03:00:00.000Z',
    ]);
    expect(iso(nextFireTime(cron('0 * * * *'), at('2026-01-01T00:59:59.999Z')))).toBe(
      '2026-01-01T01:00:00.000Z',
    );
    expect(iso(nextFireTime(cron('0 * * * *'), at('2026-01-01T01:00:00.000Z')))).toBe(
      '2026-01-01T02:00:00.000Z',
    );
    expect(iso(nextFireTime(cron('15 4 * * MON'), at('2026-01-01T00:00:00Z')))).toBe(
      '2026-01-05T04:15:00.000Z',
    );
    expect(nextFireTime(cron('0 9 * * *', 'UTC'), 0)).toBe(nextFireTime(cron('0 9 * * *'), 0));
  });

  it('evaluates cron in the schedule time zone, following its UTC offset through the year', () => {
    const nine = cron('0 9 * * *', 'Europe/Berlin');
    expect(iso(nextFireTime(nine, at('2026-01-15T00:00:00Z')))).toBe('2026-01-15T08:00:00.000Z'); // CET
    expect(iso(nextFireTime(nine, at('2026-07-15T00:00:00Z')))).toBe('2026-07-15T07:00:00.000Z'); // CEST
    expect(iso(nextFireTime(cron('0 9 * * *', 'America/New_York'), at('2026-01-15T00:00:00Z')))).toBe(
      '2026-01-15T14:00:00.000Z',
    );
  });

  it("follows croner's documented DST rules in Europe/Berlin (spring forward on 2026-03-29)", () => {
    // 02:00 CET jumps to 03:00 CEST: 02:30 does not exist that day. A fixed-time job (one value in
    // each of minutes and hours) runs at the first valid time after the gap, 03:00 CEST, once.
    expect(fires(cron('30 2 * * *', 'Europe/Berlin'), '2026-03-28T12:00:00Z', 3)).toEqual([
      '2026-03-29T01:00:00.000Z', // 03:00 CEST, right after the gap
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ]);
    // An interval job (wildcard or step) skips the times in the gap: no 02:00 or 02:30 local.
    expect(fires(cron('*/30 * * * *', 'Europe/Berlin'), '2026-03-29T00:10:00Z', 4)).toEqual([
      '2026-03-29T00:30:00.000Z', // 01:30 CET
      '2026-03-29T01:00:00.000Z', // 03:00 CEST
      '2026-03-29T01:30:00.000Z', // 03:30 CEST
      '2026-03-29T02:00:00.000Z', // 04:00 CEST
    ]);
  });

  it("follows croner's documented DST rules in Europe/Berlin (fall back on 2026-10-25)", () => {
    // 03:00 CEST goes back to 02:00 CET: 02:30 happens twice. A fixed-time job runs once, at the first.
    expect(fires(cron('30 2 * * *', 'Europe/Berlin'), '2026-10-24T12:00:00Z', 2)).toEqual([
      '2026-10-25T00:30:00.000Z', // 02:30 CEST
      '2026-10-26T01:30:00.000Z', // 02:30 CET the next day
    ]);
    // An interval job runs on both occurrences of the repeated hour.
    expect(fires(cron('*/30 2 * * *', 'Europe/Berlin'), '2026-10-24T23:50:00Z', 4)).toEqual([
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T01:00:00.000Z', // 02:00 CET
      '2026-10-25T01:30:00.000Z', // 02:30 CET
    ]);
  });

  it('takes 6 fields with seconds first', () => {
    expect(fires(cron('*/10 * * * * *'), '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-01-01T00:00:10.000Z',
      '2026-01-01T00:00:20.000Z',
      '2026-01-01T00:00:30.000Z',
    ]);
    expect(iso(nextFireTime(cron('*/10 * * * * *'), at('2026-01-01T00:00:09.999Z')))).toBe(
      '2026-01-01T00:00:10.000Z',
    );
    expect(iso(nextFireTime(cron('30 0 9 * * *', 'Europe/Berlin'), at('2026-01-15T00:00:00Z')))).toBe(
      '2026-01-15T08:00:30.000Z',
    );
  });

  it('adds the interval to the given time', () => {
    expect(nextFireTime(every(60_000), 1_000)).toBe(61_000);
    expect(nextFireTime(every(1_000), 1_000)).toBe(2_000);
  });

  it('is null for a cron expression that never matches', () => {
    expect(nextFireTime(cron('0 0 30 2 *'), at('2026-01-01T00:00:00Z'))).toBeNull();
  });
});

describe('latestFireTime', () => {
  it('is the last fire time between the due time and now', () => {
    const hourly = cron('0 * * * *');
    const due = at('2026-01-01T01:00:00Z');
    expect(iso(latestFireTime(hourly, due, due))).toBe('2026-01-01T01:00:00.000Z');
    expect(iso(latestFireTime(hourly, due, at('2026-01-01T05:30:00Z')))).toBe('2026-01-01T05:00:00.000Z');
    expect(iso(latestFireTime(hourly, due, at('2026-01-01T05:00:00Z')))).toBe('2026-01-01T05:00:00.000Z');
    expect(latestFireTime(every(1_000), 10_000, 14_999)).toBe(14_000);
    expect(latestFireTime(every(1_000), 10_000, 15_000)).toBe(15_000);
    // A due time off the cron grid (set by hand) is kept when no cron time came after it.
    expect(latestFireTime(hourly, at('2026-01-01T01:10:00Z'), at('2026-01-01T01:50:00Z'))).toBe(
      at('2026-01-01T01:10:00Z'),
    );
  });
});

describe('validateScheduleTiming', () => {
  it('accepts a cron expression (5 or 6 fields, optional time zone) or an interval', () => {
    for (const ok of [
      cron('0 2 * * *'),
      cron('*/5 * * * *', 'Europe/Berlin'),
      cron('0 */10 * * * *', 'America/New_York'),
      cron('0 0 * * SUN', 'UTC'),
      every(1_000),
      every(86_400_000),
    ]) {
      expect(() => validateScheduleTiming(ok)).not.toThrow();
    }
  });

  it('rejects both or neither of cron and interval', () => {
    expectInvalid(
      { cron: '* * * * *', timezone: null, intervalMs: 60_000 },
      /either a cron expression or an interval, not both/,
    );
    expectInvalid({ cron: null, timezone: null, intervalMs: null }, /needs a cron expression or an interval/);
  });

  it("rejects an invalid cron expression with croner's reason", () => {
    expectInvalid(
      cron('61 * * * *'),
      /Invalid cron expression '61 \* \* \* \*': .*Invalid value for minute: 61/,
    );
    expectInvalid(cron('* * * *'), /Invalid cron expression '\* \* \* \*': .*five, six, or seven/);
    expectInvalid(cron('0 0 0 * * * 2030'), /Invalid cron expression .*5 or 6 parts/);
    expectInvalid(cron('every day'), /Invalid cron expression 'every day'/);
    expectInvalid(cron(''), /Invalid cron expression ''/);
  });

  it('rejects an unknown time zone', () => {
    expectInvalid(cron('0 2 * * *', 'Mars/Olympus_Mons'), /Unknown time zone 'Mars\/Olympus_Mons'/);
    expectInvalid(cron('0 2 * * *', ''), /Unknown time zone ''/);
  });

  it('rejects an interval under 1000 ms or not a whole number', () => {
    expectInvalid(every(999), /Invalid interval 999: .*at least 1000/);
    expectInvalid(every(0), /Invalid interval 0/);
    expectInvalid(every(-60_000), /Invalid interval -60000/);
    expectInvalid(every(1_500.5), /Invalid interval 1500.5: must be a whole number/);
    expectInvalid(every(Number.NaN), /Invalid interval NaN/);
  });
});
