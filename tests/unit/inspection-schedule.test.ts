import { describe, it, expect } from 'vitest';
import {
  addMonthsClamped,
  describeRecurrence,
  dueAt,
  firstOpenOccurrence,
  indexOf,
  indexOnOrAfter,
  isLocalDate,
  isTimeOfDay,
  localDateOf,
  missedOccurrences,
  nextDueAfterCompletion,
  occurrence,
  overdueAt,
  taskState,
  zonedInstant,
  type Schedule,
} from '../../src/monitor/inspection-schedule.js';

const H = 3_600_000;
const D = 24 * H;
const at = (iso: string) => Date.parse(iso);

function plan(over: Partial<Schedule> = {}): Schedule {
  return {
    every: 1,
    unit: 'weeks',
    startDate: '2026-11-02',
    dueTime: '09:00',
    graceHours: 24,
    ...over,
  };
}

describe('calendar dates', () => {
  it('accepts only real dates and times of day', () => {
    expect(isLocalDate('2028-02-29')).toBe(true);
    expect(isLocalDate('2026-02-29')).toBe(false);
    expect(isLocalDate('2026-04-31')).toBe(false);
    expect(isLocalDate('2026-4-1')).toBe(false);
    expect(isTimeOfDay('00:00')).toBe(true);
    expect(isTimeOfDay('23:59')).toBe(true);
    expect(isTimeOfDay('24:00')).toBe(false);
    expect(isTimeOfDay('9:00')).toBe(false);
  });

  it('adds months keeping the day, or the last day of a shorter month', () => {
    expect(addMonthsClamped('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonthsClamped('2028-01-31', 1)).toBe('2028-02-29');
    expect(addMonthsClamped('2026-01-31', 3)).toBe('2026-04-30');
    expect(addMonthsClamped('2026-11-30', 3)).toBe('2027-02-28');
    expect(addMonthsClamped('2026-12-15', 1)).toBe('2027-01-15');
    expect(addMonthsClamped('2026-03-31', -1)).toBe('2026-02-28');
  });
});

describe('occurrences', () => {
  it('anchors monthly occurrences to the start so that the 31st comes back after February', () => {
    const s = plan({ unit: 'months', startDate: '2026-01-31' });
    expect([0, 1, 2, 3, 4].map((k) => occurrence(s, k))).toEqual([
      '2026-01-31',
      '2026-02-28',
      '2026-03-31',
      '2026-04-30',
      '2026-05-31',
    ]);
    const q = plan({ unit: 'months', every: 3, startDate: '2026-11-30' });
    expect([0, 1, 2].map((k) => occurrence(q, k))).toEqual([
      '2026-11-30',
      '2027-02-28',
      '2027-05-30',
    ]);
  });

  it('steps days and weeks, across month and year ends', () => {
    expect(occurrence(plan({ unit: 'days', every: 10, startDate: '2026-12-25' }), 1)).toBe(
      '2027-01-04',
    );
    expect(occurrence(plan({ every: 2 }), 3)).toBe('2026-12-14');
  });

  it('finds the first occurrence on or after a date, and whether a date is one', () => {
    const m = plan({ unit: 'months', startDate: '2026-01-31' });
    expect(indexOnOrAfter(m, '2025-06-01')).toBe(0);
    expect(indexOnOrAfter(m, '2026-02-28')).toBe(1);
    expect(indexOnOrAfter(m, '2026-03-01')).toBe(2);
    expect(indexOnOrAfter(m, '2036-03-01')).toBe(122);
    expect(occurrence(m, 122)).toBe('2036-03-31');
    expect(indexOf(m, '2026-04-30')).toBe(3);
    expect(indexOf(m, '2026-04-29')).toBeUndefined();
    const w = plan({ every: 2 });
    expect(indexOnOrAfter(w, '2026-11-03')).toBe(1);
    expect(indexOnOrAfter(w, '2026-11-16')).toBe(1);
    expect(indexOnOrAfter(w, '2026-11-17')).toBe(2);
  });

  it('describes the rhythm in words', () => {
    expect(describeRecurrence(plan())).toBe('every week on Monday');
    expect(describeRecurrence(plan({ every: 2 }))).toBe('every 2 weeks on Monday');
    expect(describeRecurrence(plan({ unit: 'days', every: 1 }))).toBe('every day');
    expect(describeRecurrence(plan({ unit: 'months', startDate: '2026-01-31' }))).toBe(
      'every month on the 31st (the last day in shorter months)',
    );
    expect(describeRecurrence(plan({ unit: 'months', every: 3, startDate: '2026-01-02' }))).toBe(
      'every 3 months on the 2nd',
    );
  });
});

describe('time zones', () => {
  it('turns a local date and time into the instant it happens there', () => {
    expect(zonedInstant('2026-07-01', '09:00', 'Europe/Berlin')).toBe(at('2026-07-01T07:00:00Z'));
    expect(zonedInstant('2026-12-01', '09:00', 'Europe/Berlin')).toBe(at('2026-12-01T08:00:00Z'));
    expect(zonedInstant('2026-12-01', '09:00', 'America/Chicago')).toBe(at('2026-12-01T15:00:00Z'));
    expect(zonedInstant('2026-12-01', '09:00', 'Asia/Kolkata')).toBe(at('2026-12-01T03:30:00Z'));
    expect(zonedInstant('2026-12-01', '23:30', 'UTC')).toBe(at('2026-12-01T23:30:00Z'));
  });

  it('handles the daylight-saving days', () => {
    // Berlin: 2026-03-29 02:00 → 03:00, and 2026-10-25 03:00 → 02:00.
    expect(zonedInstant('2026-03-29', '01:30', 'Europe/Berlin')).toBe(at('2026-03-29T00:30:00Z'));
    expect(zonedInstant('2026-03-29', '03:30', 'Europe/Berlin')).toBe(at('2026-03-29T01:30:00Z'));
    // The skipped half hour lands an hour later (03:30 CEST).
    expect(zonedInstant('2026-03-29', '02:30', 'Europe/Berlin')).toBe(at('2026-03-29T01:30:00Z'));
    // The repeated half hour is its first (summer-time) reading.
    expect(zonedInstant('2026-10-25', '02:30', 'Europe/Berlin')).toBe(at('2026-10-25T00:30:00Z'));
    expect(zonedInstant('2026-10-25', '03:30', 'Europe/Berlin')).toBe(at('2026-10-25T02:30:00Z'));
    expect(zonedInstant('2026-10-25', '12:00', 'Europe/Berlin')).toBe(at('2026-10-25T11:00:00Z'));
  });

  it('reads the local date of an instant', () => {
    expect(localDateOf(at('2026-11-30T23:30:00Z'), 'Europe/Berlin')).toBe('2026-12-01');
    expect(localDateOf(at('2026-12-01T03:00:00Z'), 'America/Chicago')).toBe('2026-11-30');
  });
});

describe('task state', () => {
  const tz = 'Europe/Berlin';
  const s = plan(); // Mondays 09:00 Berlin (08:00 UTC in winter), 24 h grace
  it('is upcoming, soon, due, then overdue', () => {
    const date = '2026-11-30';
    expect(dueAt(s, date, tz)).toBe(at('2026-11-30T08:00:00Z'));
    expect(overdueAt(s, date, tz)).toBe(at('2026-12-01T08:00:00Z'));
    expect(taskState(s, tz, date, at('2026-11-20T12:00:00Z'))).toBe('upcoming');
    expect(taskState(s, tz, date, at('2026-11-23T12:00:00Z'))).toBe('soon');
    // The due day has begun in Berlin (23:30 UTC is 00:30 local).
    expect(taskState(s, tz, date, at('2026-11-29T23:30:00Z'))).toBe('due');
    expect(taskState(s, tz, date, at('2026-12-01T07:59:59Z'))).toBe('due');
    expect(taskState(s, tz, date, at('2026-12-01T08:00:00Z'))).toBe('overdue');
  });
});

describe('the open task', () => {
  const tz = 'UTC';
  it('a new plan starts at its first occurrence that is not already overdue', () => {
    const s = plan({ startDate: '2026-11-02', graceHours: 0 });
    // Created on Monday 2026-11-23 at 12:00: that morning's occurrence has passed.
    expect(firstOpenOccurrence(s, tz, { notOverdueAt: at('2026-11-23T12:00:00Z') })).toBe(
      '2026-11-30',
    );
    // With a day's grace, today's task is still open (and due).
    const g = plan({ startDate: '2026-11-02', graceHours: 24 });
    expect(firstOpenOccurrence(g, tz, { notOverdueAt: at('2026-11-23T12:00:00Z') })).toBe(
      '2026-11-23',
    );
    // A start in the future is the first occurrence.
    expect(firstOpenOccurrence(plan({ startDate: '2027-03-01' }), tz, { notOverdueAt: 0 })).toBe(
      '2027-03-01',
    );
  });

  it('after a completion the next occurrence follows; a late one covers what was due by then', () => {
    const s = plan({ graceHours: 24 });
    // Done early (on Friday before the Monday): the Monday after that.
    expect(nextDueAfterCompletion(s, tz, '2026-11-30', at('2026-11-27T10:00:00Z'))).toBe(
      '2026-12-07',
    );
    // Done on time.
    expect(nextDueAfterCompletion(s, tz, '2026-11-30', at('2026-11-30T08:30:00Z'))).toBe(
      '2026-12-07',
    );
    // Done 10 days late: 12-07 was already due, so the next one is 12-14.
    expect(nextDueAfterCompletion(s, tz, '2026-11-30', at('2026-12-10T10:00:00Z'))).toBe(
      '2026-12-14',
    );
    const m = plan({ unit: 'months', startDate: '2026-01-31' });
    expect(nextDueAfterCompletion(m, tz, '2026-01-31', at('2026-01-31T10:00:00Z'))).toBe(
      '2026-02-28',
    );
    expect(nextDueAfterCompletion(m, tz, '2026-02-28', at('2026-02-28T10:00:00Z'))).toBe(
      '2026-03-31',
    );
  });

  it('lists the missed occurrences once the grace has run out', () => {
    const s = plan({ graceHours: 24 });
    expect(missedOccurrences(s, tz, '2026-11-30', at('2026-12-01T08:59:00Z'))).toEqual({
      dates: [],
      total: 0,
    });
    expect(missedOccurrences(s, tz, '2026-11-30', at('2026-12-01T09:00:00Z'))).toEqual({
      dates: ['2026-11-30'],
      total: 1,
    });
    expect(missedOccurrences(s, tz, '2026-11-30', at('2026-12-15T09:00:00Z'))).toEqual({
      dates: ['2026-11-30', '2026-12-07', '2026-12-14'],
      total: 3,
    });
    // A daily plan on a box that was off for years is not walked day by day, and is capped.
    const d = plan({ unit: 'days', startDate: '2020-01-01', graceHours: 0 });
    const r = missedOccurrences(d, tz, '2020-01-01', at('2026-01-01T12:00:00Z'), 5);
    expect(r.total).toBe(2193);
    expect(r.dates).toEqual(['2025-12-28', '2025-12-29', '2025-12-30', '2025-12-31', '2026-01-01']);
  });

  it('keeps the local due time across daylight-saving changes', () => {
    const s = plan({ startDate: '2026-10-19', graceHours: 0 });
    const tzb = 'Europe/Berlin';
    expect(new Date(dueAt(s, occurrence(s, 0), tzb)).toISOString()).toBe(
      '2026-10-19T07:00:00.000Z',
    );
    expect(new Date(dueAt(s, occurrence(s, 1), tzb)).toISOString()).toBe(
      '2026-10-26T08:00:00.000Z',
    );
    expect(localDateOf(dueAt(s, occurrence(s, 1), tzb) - D, tzb)).toBe('2026-10-25');
  });
});
