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

  it('reads the last day, the last or n-th weekday of a month, and the @ shorthands', () => {
    expect(runs('0 23 L * *', '2028-01-15T00:00:00Z', 3)).toEqual([
      '2028-01-31T23:00:00.000Z',
      '2028-02-29T23:00:00.000Z',
      '2028-03-31T23:00:00.000Z',
    ]);
    // The last Friday, and the second Monday, of each month.
    expect(runs('0 4 * * 5L', '2026-05-01T00:00:00Z', 2)).toEqual([
      '2026-05-29T04:00:00.000Z',
      '2026-06-26T04:00:00.000Z',
    ]);
    expect(runs('0 4 * * mon#2', '2026-05-01T00:00:00Z', 2)).toEqual([
      '2026-05-11T04:00:00.000Z',
      '2026-06-08T04:00:00.000Z',
    ]);
    expect(runs('@daily', '2026-05-01T12:00:00Z', 1)).toEqual(['2026-05-02T00:00:00.000Z']);
    expect(runs('@weekly', '2026-05-01T12:00:00Z', 1)).toEqual(['2026-05-03T00:00:00.000Z']);
    expect(runs('@monthly', '2026-05-01T12:00:00Z', 1)).toEqual(['2026-06-01T00:00:00.000Z']);
    expect(runs('@yearly', '2026-05-01T12:00:00Z', 1)).toEqual(['2027-01-01T00:00:00.000Z']);
    expect(runs('@hourly', '2026-05-01T12:30:00Z', 1)).toEqual(['2026-05-01T13:00:00.000Z']);
  });

  it('a day field starting with * makes both day fields apply together, as in Vixie cron', () => {
    // The 1st, if it is in a week of "*/1" weekdays (all of them): monthly, not daily.
    expect(runs('0 0 1 * */1', '2026-05-01T12:00:00Z', 2)).toEqual([
      '2026-06-01T00:00:00.000Z',
      '2026-07-01T00:00:00.000Z',
    ]);
    // Every other day of the month that is also a Monday.
    expect(runs('0 0 */2 * 1', '2026-05-01T00:00:00Z', 2)).toEqual([
      '2026-05-11T00:00:00.000Z',
      '2026-05-25T00:00:00.000Z',
    ]);
  });

  it('runs every hour however the hour field says so, by real time across a change', () => {
    const berlin = timeZone('Europe/Berlin');
    for (const cron of ['0 * * * *', '0 0 */1 * * *', '0 0-23 * * *'])
      expect(runs(cron, '2026-10-24T23:30:00Z', 5, berlin), cron).toEqual([
        '2026-10-25T00:00:00.000Z',
        '2026-10-25T01:00:00.000Z', // 02:00 CET, the second time the clock shows 02:00
        '2026-10-25T02:00:00.000Z',
        '2026-10-25T03:00:00.000Z',
        '2026-10-25T04:00:00.000Z',
      ]);
  });

  it('finds a time the clock skipped a moment ago, and the earliest of several', () => {
    const berlin = timeZone('Europe/Berlin');
    // Worked out just after the jump (03:00 CEST): 02:30 runs at 03:30 that day.
    for (const after of ['2026-03-29T01:00:00Z', '2026-03-29T01:00:30Z', '2026-03-29T01:29:58Z'])
      expect(runs('30 2 * * *', after, 1, berlin), after).toEqual(['2026-03-29T01:30:00.000Z']);
    // Chatham skips 02:45–03:45: 03:21 shifts to 04:21, which is later than 03:57.
    const chatham = timeZone('Pacific/Chatham');
    expect(runs('21,57 3 * * *', '2022-09-24T12:00:00Z', 2, chatham)).toEqual([
      '2022-09-24T14:12:00.000Z', // 03:57 +13:45
      '2022-09-24T14:36:00.000Z', // 03:21 read as +12:45: 04:21 +13:45
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
      ['@fortnightly', /is not one of @yearly/],
      ['0 0 * * 1#6', /asks for week 6 of a month/],
      ['0 0 * * 9L', /day of week: 9 is outside 0–7/],
    ];
    for (const [bad, why] of cases) {
      expect(() => parseCron(bad), bad).toThrow(why);
      expect(isValidCron(bad), bad).toBe(false);
    }
    for (const good of ['0 3 * * *', '*/10 * * * * *', '0 0 1 jan,jul ?', '0 4 * * 1-5'])
      expect(isValidCron(good), good).toBe(true);
  });
});
