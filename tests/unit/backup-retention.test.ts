import { describe, it, expect } from 'vitest';
import {
  DEFAULT_RETENTION,
  countRetention,
  describeRetention,
  planRetention,
  retentionSchema,
  type RetentionPolicy,
  type RetentionSnapshot,
} from '../../src/backup/retention.js';

const BERLIN = 'Europe/Berlin';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (iso: string) => Date.parse(iso);
const snap = (iso: string, id = iso): RetentionSnapshot => ({ id, completedAt: at(iso) });
/** Only the tiers named; everything else off. */
const only = (p: Partial<RetentionPolicy>): RetentionPolicy => ({
  keepLast: 1,
  keepAllDays: 0,
  dailyDays: 0,
  weeklyWeeks: 0,
  monthlyMonths: 0,
  ...p,
});
const keptIds = (plan: ReturnType<typeof planRetention>) => plan.keep.map((k) => k.id);
const reasonsOf = (plan: ReturnType<typeof planRetention>, id: string) =>
  plan.keep.find((k) => k.id === id)?.reasons;

describe('retention policy input', () => {
  it('fills in the defaults', () => {
    expect(retentionSchema.parse({})).toEqual({
      keepLast: 3,
      keepAllDays: 2,
      dailyDays: 14,
      weeklyWeeks: 8,
      monthlyMonths: 12,
    });
    expect(DEFAULT_RETENTION.keepLast).toBe(3);
  });
  it('refuses nonsense with messages a person understands', () => {
    const r = retentionSchema.safeParse({ keepLast: 0, dailyDays: -1, weeklyWeeks: 1.5 });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['keepLast', 'dailyDays', 'weeklyWeeks']));
    expect(retentionSchema.safeParse({ keepLast: 5, maxCount: 3 }).error?.issues[0]?.path).toEqual([
      'maxCount',
    ]);
    expect(retentionSchema.safeParse({ unknown: 1 }).success).toBe(false);
  });
  it('describes itself', () => {
    expect(describeRetention(DEFAULT_RETENTION)).toBe(
      'Keeps the newest 3 snapshots, every snapshot from the last 2 days, one a day for 14 days, ' +
        'one a week for 8 weeks and one a month for 12 months. ' +
        'The newest complete snapshot is never deleted.',
    );
    expect(describeRetention(only({ weeklyWeeks: 1, maxCount: 1 }))).toBe(
      'Keeps the newest snapshot and one a week for 1 week. At most 1 snapshot is kept in all; ' +
        'the oldest go first. The newest complete snapshot is never deleted.',
    );
  });
});

describe('planRetention', () => {
  const now = at('2026-11-22T12:00:00Z'); // a Sunday, 13:00 in Berlin

  it('keeps nothing of nothing', () => {
    expect(planRetention([], DEFAULT_RETENTION, now, BERLIN)).toEqual({ keep: [], remove: [] });
  });

  it('never removes the newest complete snapshot, however old and whatever the policy', () => {
    const old = [snap('2023-01-05T10:00:00Z'), snap('2022-06-01T10:00:00Z')];
    const plan = planRetention(old, only({}), now, BERLIN);
    expect(plan.keep).toEqual([{ id: old[0]!.id, reasons: ['newest'], tiers: ['newest'] }]);
    expect(plan.remove).toEqual([{ id: old[1]!.id, reason: 'not needed by any tier' }]);
  });

  it('gives the reasons in the documented words', () => {
    const list = [
      snap('2026-11-22T06:00:00Z', 'today'),
      snap('2026-11-20T06:00:00Z', 'fri'),
      snap('2026-11-20T03:00:00Z', 'fri-early'),
      snap('2026-10-20T06:00:00Z', 'october'),
    ];
    const plan = planRetention(list, DEFAULT_RETENTION, now, BERLIN);
    expect(reasonsOf(plan, 'today')).toEqual([
      'newest',
      'last 3',
      'within 2 days',
      'daily 2026-11-22',
      'weekly 2026-W47',
      'monthly 2026-11',
    ]);
    expect(reasonsOf(plan, 'fri')).toEqual(['last 3', 'daily 2026-11-20']);
    // same day and week as "fri", but older: only the last-3 rule keeps it
    expect(reasonsOf(plan, 'fri-early')).toEqual(['last 3']);
    expect(reasonsOf(plan, 'october')).toEqual(['weekly 2026-W43', 'monthly 2026-10']);
    expect(plan.remove).toEqual([]);
    expect(keptIds(plan)).toEqual(['today', 'fri', 'fri-early', 'october']);
  });

  it('keeps everything from the last keepAllDays × 24 h', () => {
    const list = Array.from({ length: 12 }, (_, i) => ({
      id: `h${i}`,
      completedAt: now - i * 6 * HOUR,
    }));
    const plan = planRetention(list, only({ keepAllDays: 2 }), now, BERLIN);
    // 0, 6, …, 48 h ago: nine snapshots; 54 h and older go
    expect(keptIds(plan)).toEqual(['h0', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7', 'h8']);
    expect(plan.remove.map((r) => r.id)).toEqual(['h9', 'h10', 'h11']);
  });

  it('keeps the keepLast newest whatever their age', () => {
    const list = [1, 2, 3, 4, 5, 6].map((y) => snap(`20${10 + y}-05-01T00:00:00Z`, `y${y}`));
    const plan = planRetention(list, only({ keepLast: 4 }), now, BERLIN);
    expect(keptIds(plan)).toEqual(['y6', 'y5', 'y4', 'y3']);
    expect(plan.keep[0]!.reasons).toEqual(['newest', 'last 4']);
    expect(plan.keep[3]!.reasons).toEqual(['last 4']);
  });

  it('buckets days in the site time zone, not in UTC', () => {
    // 23:30 UTC is already the next day in Berlin (UTC+1 in November)
    const list = [snap('2026-11-20T23:30:00Z', 'late'), snap('2026-11-20T12:00:00Z', 'noon')];
    const berlin = planRetention(list, only({ dailyDays: 7 }), now, BERLIN);
    expect(reasonsOf(berlin, 'late')).toEqual(['newest', 'daily 2026-11-21']);
    expect(reasonsOf(berlin, 'noon')).toEqual(['daily 2026-11-20']);
    const utc = planRetention(list, only({ dailyDays: 7 }), now, 'UTC');
    expect(reasonsOf(utc, 'late')).toEqual(['newest', 'daily 2026-11-20']);
    expect(utc.remove.map((r) => r.id)).toEqual(['noon']);
  });

  it('keeps one per local day on the 23-hour and the 25-hour days of daylight saving', () => {
    // 2026-03-29: Berlin springs forward (00:00 local = 23:00Z the day before; 23 hours long)
    const spring = Array.from({ length: 23 }, (_, i) => ({
      id: `s${i}`,
      completedAt: at('2026-03-28T23:00:00Z') + i * HOUR + 30 * 60_000,
    }));
    // 2026-10-25: back to CET (00:00 local = 22:00Z the day before; 25 hours, 02:30 twice)
    const autumn = Array.from({ length: 25 }, (_, i) => ({
      id: `a${i}`,
      completedAt: at('2026-10-24T22:00:00Z') + i * HOUR + 30 * 60_000,
    }));
    const nowThen = at('2026-10-26T12:00:00Z');
    const plan = planRetention([...spring, ...autumn], only({ dailyDays: 400 }), nowThen, BERLIN);
    expect(plan.keep.map((k) => k.reasons.at(-1))).toEqual([
      'daily 2026-10-25',
      'daily 2026-03-29',
    ]);
    expect(keptIds(plan)).toEqual(['a24', 's22']); // the last hour of each day
    expect(plan.remove).toHaveLength(46);
    // the hour before each day and the hour after it belong to the neighbours
    const edges = [
      { id: 'before', completedAt: at('2026-03-28T22:59:00Z') }, // 23:59 on the 28th (CET)
      { id: 'after', completedAt: at('2026-10-25T23:00:00Z') }, // 00:00 on the 26th (CET)
    ];
    const e = planRetention(edges, only({ dailyDays: 400 }), nowThen, BERLIN);
    expect(reasonsOf(e, 'before')).toEqual(['daily 2026-03-28']);
    expect(reasonsOf(e, 'after')).toEqual(['newest', 'daily 2026-10-26']);
  });

  it('puts month ends in the right month of the site', () => {
    // 00:30 on 1 April in Berlin (CEST) is still 31 March in UTC
    const list = [
      snap('2026-03-31T22:30:00Z', 'april-1st'),
      snap('2026-03-31T21:30:00Z', 'march-31st'),
    ];
    const nowThen = at('2026-04-15T12:00:00Z');
    const berlin = planRetention(list, only({ monthlyMonths: 12 }), nowThen, BERLIN);
    expect(reasonsOf(berlin, 'april-1st')).toEqual(['newest', 'monthly 2026-04']);
    expect(reasonsOf(berlin, 'march-31st')).toEqual(['monthly 2026-03']);
    const utc = planRetention(list, only({ monthlyMonths: 12 }), nowThen, 'UTC');
    expect(reasonsOf(utc, 'april-1st')).toEqual(['newest', 'monthly 2026-03']);
    expect(utc.remove.map((r) => r.id)).toEqual(['march-31st']);
    // New York: 03:00Z on New Year's Day is still New Year's Eve
    const ny = planRetention(
      [snap('2026-01-01T03:00:00Z', 'nye'), snap('2025-12-31T03:00:00Z', 'dec-30')],
      only({ monthlyMonths: 12, dailyDays: 30 }),
      at('2026-01-10T00:00:00Z'),
      'America/New_York',
    );
    expect(reasonsOf(ny, 'nye')).toEqual(['newest', 'daily 2025-12-31', 'monthly 2025-12']);
    expect(reasonsOf(ny, 'dec-30')).toEqual(['daily 2025-12-30']);
  });

  it('numbers ISO weeks across the turn of the year', () => {
    const list = [
      snap('2027-01-03T12:00:00Z', 'sun-3-jan'), // 2026-W53 (2026 starts on a Thursday)
      snap('2026-12-28T12:00:00Z', 'mon-28-dec'), // 2026-W53 as well
      snap('2026-12-27T12:00:00Z', 'sun-27-dec'), // 2026-W52
      snap('2026-01-01T12:00:00Z', 'thu-1-jan'), // 2026-W01
      snap('2025-12-29T12:00:00Z', 'mon-29-dec'), // 2026-W01 too, older
      snap('2025-12-28T12:00:00Z', 'sun-28-dec'), // 2025-W52
    ];
    const plan = planRetention(list, only({ weeklyWeeks: 60 }), at('2027-01-04T12:00:00Z'), BERLIN);
    expect(plan.keep.map((k) => `${k.id} ${k.reasons.at(-1)}`)).toEqual([
      'sun-3-jan weekly 2026-W53',
      'sun-27-dec weekly 2026-W52',
      'thu-1-jan weekly 2026-W01',
      'sun-28-dec weekly 2025-W52',
    ]);
    expect(plan.remove.map((r) => r.id)).toEqual(['mon-28-dec', 'mon-29-dec']);
  });

  it('counts windows in calendar units back from now', () => {
    // Sunday 22 Nov: week W47 is the current one; weeklyWeeks 2 reaches back to W46 (from 9 Nov)
    const list = [
      snap('2026-11-16T08:00:00Z', 'w47'),
      snap('2026-11-09T08:00:00Z', 'w46'),
      snap('2026-11-08T08:00:00Z', 'w45'),
    ];
    const plan = planRetention(list, only({ weeklyWeeks: 2 }), now, BERLIN);
    expect(keptIds(plan)).toEqual(['w47', 'w46']);
    // dailyDays 1 is today only
    const days = planRetention(
      [snap('2026-11-22T00:30:00Z', 'today'), snap('2026-11-21T22:30:00Z', 'yesterday')],
      only({ keepLast: 1, dailyDays: 1 }),
      now,
      BERLIN,
    );
    expect(reasonsOf(days, 'yesterday')).toBeUndefined();
  });

  it('is deterministic: input order and ties do not matter', () => {
    const t = at('2026-11-21T08:00:00Z');
    const list = [
      { id: 'b', completedAt: t },
      { id: 'a', completedAt: t },
      { id: 'c', completedAt: t - DAY * 40 },
      { id: 'd', completedAt: t - DAY * 41 },
    ];
    const a = planRetention(list, DEFAULT_RETENTION, now, BERLIN);
    const b = planRetention([...list].reverse(), DEFAULT_RETENTION, now, BERLIN);
    expect(b).toEqual(a);
    expect(a.keep[0]!.id).toBe('b');
  });

  it('caps the count by dropping the oldest, never the newest', () => {
    const list = Array.from({ length: 10 }, (_, i) => ({
      id: `d${i}`,
      completedAt: now - i * DAY,
    }));
    const plan = planRetention(list, { ...DEFAULT_RETENTION, maxCount: 4 }, now, BERLIN);
    expect(keptIds(plan)).toEqual(['d0', 'd1', 'd2', 'd3']);
    expect(plan.remove.map((r) => r.reason)).toEqual(Array(6).fill('beyond the cap of 4'));
    const one = planRetention(list, only({ maxCount: 1, dailyDays: 30 }), now, BERLIN);
    expect(keptIds(one)).toEqual(['d0']);
  });

  it('refuses an unknown time zone', () => {
    expect(() => planRetention([], DEFAULT_RETENTION, now, 'Mars/Olympus')).toThrow(
      expect.objectContaining({ code: 'INVALID_TIME_ZONE' }),
    );
  });

  it('previews a year of daily snapshots under the default policy', () => {
    // one snapshot a day at 01:00Z (02:00 or 03:00 in Berlin) for 365 days up to today
    const list = Array.from({ length: 365 }, (_, i) => {
      const t = at('2026-11-22T01:00:00Z') - i * DAY;
      return { id: new Date(t).toISOString().slice(0, 10), completedAt: t };
    });
    const evening = at('2026-11-22T18:00:00Z');
    const plan = planRetention(list, DEFAULT_RETENTION, evening, BERLIN);
    expect(countRetention(plan)).toEqual({
      newest: 1,
      last: 3,
      recent: 2, // 17 h and 41 h old; the one 65 h old is not
      daily: 14, // 9 to 22 November
      weekly: 8, // W40 to W47: the Sunday of each
      monthly: 12, // December 2025 to November 2026: the last day of each
      kept: 31, // 14 daily + 6 older Sundays + 11 older month ends
      removed: 334,
    });
    expect(keptIds(plan).slice(14)).toEqual([
      '2026-11-08',
      '2026-11-01',
      '2026-10-31',
      '2026-10-25',
      '2026-10-18',
      '2026-10-11',
      '2026-10-04',
      '2026-09-30',
      '2026-08-31',
      '2026-07-31',
      '2026-06-30',
      '2026-05-31',
      '2026-04-30',
      '2026-03-31',
      '2026-02-28',
      '2026-01-31',
      '2025-12-31',
    ]);
    expect(plan.remove.at(-1)!.id).toBe('2025-11-23');
    // with a cap, the same year keeps only the 20 newest of those
    const capped = planRetention(list, { ...DEFAULT_RETENTION, maxCount: 20 }, evening, BERLIN);
    expect(countRetention(capped)).toMatchObject({ kept: 20, removed: 345 });
    expect(capped.keep.at(-1)!.id).toBe('2026-10-11');
  });
});
