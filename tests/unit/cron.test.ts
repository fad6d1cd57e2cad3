/**
 * Cron expressions (src/jobs/cron.ts): what they accept, what they refuse with which reason, and
 * the runs they give. Daylight-saving changes are in backup-schedule.test.ts.
 */
import { describe, it, expect } from 'vitest';
import { isValidCron, nextCronRun, parseCron } from '../../src/jobs/cron.js';
import { timeZone, UTC } from '../../src/lib/zoneinfo.js';

const Z = (iso: string) => new Date(iso).getTime();
const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

/** The next `n` runs after `from` (UTC unless a zone is given). */
function runs(cron: string, from: string, n: number, zone = UTC): string[] {
  const c = parseCron(cron);
  const out: string[] = [];
  let t = Z(from);
  for (let i = 0; i < n; i++) {
    const next = nextCronRun(c, zone, t)!;
    expect(next).toBeGreaterThan(t);
    out.push(iso(next)!);
    t = next;
  }
  return out;
}

describe('cron expressions', () => {
  it('fires every n seconds, minutes or hours, strictly after the time given', () => {
    expect(runs('*/30 * * * * *', '2026-05-01T10:00:00Z', 3)).toEqual([
      '2026-05-01T10:00:30.000Z',
      '2026-05-01T10:01:00.000Z',
      '2026-05-01T10:01:30.000Z',
    ]);
    expect(runs('0 */15 * * * *', '2026-05-01T10:07:12.345Z', 2)).toEqual([
      '2026-05-01T10:15:00.000Z',
      '2026-05-01T10:30:00.000Z',
    ]);
    expect(runs('0 0 */6 * * *', '2026-05-01T19:00:00Z', 2)).toEqual([
      '2026-05-02T00:00:00.000Z',
      '2026-05-02T06:00:00.000Z',
    ]);
  });

  it('reads lists, ranges, stepped ranges, names, Sunday as 0 or 7, and five fields as minutes', () => {
    expect(runs('15 3 * * mon-fri', '2026-05-01T12:00:00Z', 3)).toEqual([
      '2026-05-04T03:15:00.000Z', // 1 May 2026 is a Friday: Monday next
      '2026-05-05T03:15:00.000Z',
      '2026-05-06T03:15:00.000Z',
    ]);
    expect(runs('0 22 * * 7', '2026-05-01T00:00:00Z', 1)).toEqual(['2026-05-03T22:00:00.000Z']);
    expect(runs('0 22 * * SUN', '2026-05-01T00:00:00Z', 1)).toEqual(['2026-05-03T22:00:00.000Z']);
    expect(runs('0 8-18/5 1,15 Jun *', '2026-05-01T00:00:00Z', 4)).toEqual([
      '2026-06-01T08:00:00.000Z',
      '2026-06-01T13:00:00.000Z',
      '2026-06-01T18:00:00.000Z',
      '2026-06-15T08:00:00.000Z',
    ]);
    expect(runs('30 5/10 * * *', '2026-05-01T00:00:00Z', 2)).toEqual([
      '2026-05-01T05:30:00.000Z',
      '2026-05-01T15:30:00.000Z',
    ]);
  });

  it('matches either day field when both are restricted, as Vixie cron does', () => {
    // The 13th, and every Friday.
    expect(runs('0 0 13 * 5', '2026-02-01T00:00:00Z', 4)).toEqual([
      '2026-02-06T00:00:00.000Z',
      '2026-02-13T00:00:00.000Z', // a Friday and the 13th: once
      '2026-02-20T00:00:00.000Z',
      '2026-02-27T00:00:00.000Z',
    ]);
  });

  it('finds a leap day years away, and gives no run for a date that never comes', () => {
    expect(runs('0 12 29 2 *', '2026-03-01T00:00:00Z', 2)).toEqual([
      '2028-02-29T12:00:00.000Z',
      '2032-02-29T12:00:00.000Z',
    ]);
    expect(nextCronRun(parseCron('0 0 30 2 *'), UTC, Z('2026-01-01T00:00:00Z'))).toBeUndefined();
  });

  it('reads the wall clock of the zone given', () => {
    expect(runs('0 9 * * *', '2026-07-01T00:00:00Z', 1, timeZone('America/New_York'))).toEqual([
      '2026-07-01T13:00:00.000Z',
    ]);
    expect(runs('0 9 * * *', '2026-01-05T00:00:00Z', 1, timeZone('America/New_York'))).toEqual([
      '2026-01-05T14:00:00.000Z',
    ]);
  });

  it('refuses what is not an expression, saying which field is wrong', () => {
    const cases: Array<[string, RegExp]> = [
      ['every tuesday', /has 2 fields/],
      ['61 * * * *', /minute: 61 is outside 0–59/],
      ['* 24 * * *', /hour: 24 is outside 0–23/],
      ['* * 0 * *', /day of month: 0 is outside 1–31/],
      ['* * * 13 *', /month: 13 is outside 1–12/],
      ['* * * * 8', /day of week: 8 is outside 0–7/],
      ['*/0 * * * *', /a step must be at least 1/],
      ['5-1 * * * *', /runs backwards/],
      ['* * * foo *', /month: "foo" is not a number/],
      ['1-2-3 * * * *', /is not a range/],
      ['*/5/2 * * * *', /not a value, range or step/],
      ['1,,2 * * * *', /not a value, range or step/],
      ['* * * * * * *', /has 7 fields/],
    ];
    for (const [bad, why] of cases) {
      expect(() => parseCron(bad), bad).toThrow(why);
      expect(isValidCron(bad), bad).toBe(false);
    }
    for (const good of ['0 3 * * *', '*/10 * * * * *', '0 0 1 jan,jul ?', '0 4 * * 1-5'])
      expect(isValidCron(good), good).toBe(true);
  });
});
