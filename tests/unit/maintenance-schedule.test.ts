import { describe, it, expect } from 'vitest';
import {
  activeOccurrence,
  coveredUntil,
  describeSchedule,
  formatMinutes,
  instantOfWallTime,
  MAX_OCCURRENCES,
  nextOccurrence,
  occurrencesBetween,
  parseDateTime,
  scopeMatches,
  windowCovers,
  type CoveringWindow,
  type Occurrence,
} from '../../src/incidents/maintenance-schedule.js';
import {
  maintenanceWindowSchema,
  type MaintenanceScope,
  type WindowSchedule,
} from '../../src/incidents/maintenance-schema.js';
import { issuesToFields } from '../../src/core/zod-errors.js';

const MIN = 60_000;
const H = 60 * MIN;
const D = 24 * H;
const at = (iso: string) => Date.parse(iso);
const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';

function win(
  schedule: WindowSchedule,
  timeZone = BERLIN,
  over: Partial<CoveringWindow> = {},
): CoveringWindow {
  return { schedule, timeZone, enabled: true, scope: { kind: 'site' }, ...over };
}

/** Occurrences as UTC ISO strings, easier to read in a failing assertion. */
function spans(list: Occurrence[]): Array<[string, string]> {
  return list.map((o) => [new Date(o.start).toISOString(), new Date(o.end).toISOString()]);
}

/** What the zone's clock shows at an instant, 'YYYY-MM-DD HH:MM'. */
function wallClock(ms: number, tz: string): string {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(ms);
}

describe('local wall-clock times', () => {
  it('resolves ordinary times with the offset in force', () => {
    expect(instantOfWallTime(Date.UTC(2026, 0, 15, 2, 30), BERLIN)).toBe(
      at('2026-01-15T01:30:00Z'),
    );
    expect(instantOfWallTime(Date.UTC(2026, 6, 15, 2, 30), BERLIN)).toBe(
      at('2026-07-15T00:30:00Z'),
    );
  });

  it('moves a time in the spring-forward gap to the first instant after the gap', () => {
    // Berlin, 2026-03-29: 02:00 CET becomes 03:00 CEST at 01:00Z.
    const t = instantOfWallTime(Date.UTC(2026, 2, 29, 2, 30), BERLIN);
    expect(t).toBe(at('2026-03-29T01:00:00Z'));
    expect(wallClock(t, BERLIN)).toBe('2026-03-29 03:00');
    expect(instantOfWallTime(Date.UTC(2026, 2, 29, 2, 0), BERLIN)).toBe(at('2026-03-29T01:00:00Z'));
    expect(instantOfWallTime(Date.UTC(2026, 2, 29, 2, 59), BERLIN)).toBe(
      at('2026-03-29T01:00:00Z'),
    );
    // The last minute before the gap still exists.
    expect(instantOfWallTime(Date.UTC(2026, 2, 29, 1, 59), BERLIN)).toBe(
      at('2026-03-29T00:59:00Z'),
    );
    // New York, 2026-03-08: 02:00 EST becomes 03:00 EDT at 07:00Z.
    expect(instantOfWallTime(Date.UTC(2026, 2, 8, 2, 30), NEW_YORK)).toBe(
      at('2026-03-08T07:00:00Z'),
    );
  });

  it('handles gaps at midnight and half-hour switches', () => {
    // Santiago, 2026-09-06: the clock jumps from 00:00 (-04) to 01:00 (-03).
    const daily = win({ kind: 'daily', at: '00:00', durationMin: 60 }, 'America/Santiago');
    const list = occurrencesBetween(daily, at('2026-09-05T00:00:00Z'), at('2026-09-08T00:00:00Z'));
    expect(list.map((o) => wallClock(o.start, 'America/Santiago'))).toEqual([
      '2026-09-05 00:00',
      '2026-09-06 01:00',
      '2026-09-07 00:00',
    ]);
    // Lord Howe, 2026-10-04: the clock jumps half an hour, from 02:00 to 02:30.
    const t = instantOfWallTime(Date.UTC(2026, 9, 4, 2, 15), 'Australia/Lord_Howe');
    expect(wallClock(t, 'Australia/Lord_Howe')).toBe('2026-10-04 02:30');
  });

  it('takes the first of a time that happens twice when daylight saving ends', () => {
    // Berlin, 2026-10-25: 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET).
    expect(instantOfWallTime(Date.UTC(2026, 9, 25, 2, 30), BERLIN)).toBe(
      at('2026-10-25T00:30:00Z'),
    );
    // New York, 2026-11-01: 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
    expect(instantOfWallTime(Date.UTC(2026, 10, 1, 1, 30), NEW_YORK)).toBe(
      at('2026-11-01T05:30:00Z'),
    );
  });

  it('parses ISO times with an offset, in UTC, or as local time in the zone', () => {
    expect(parseDateTime('2026-03-28T22:00:00Z', BERLIN)).toBe(at('2026-03-28T22:00:00Z'));
    expect(parseDateTime('2026-03-28T23:00:00.5+01:00', BERLIN)).toBe(
      at('2026-03-28T22:00:00.500Z'),
    );
    expect(parseDateTime('2026-03-28T17:00-05:00', BERLIN)).toBe(at('2026-03-28T22:00:00Z'));
    expect(parseDateTime('2026-03-28T23:00', BERLIN)).toBe(at('2026-03-28T22:00:00Z'));
    expect(parseDateTime('2026-03-29T02:30', BERLIN)).toBe(at('2026-03-29T01:00:00Z'));
    expect(parseDateTime('2026-10-25T02:30:00', BERLIN)).toBe(at('2026-10-25T00:30:00Z'));
    for (const bad of [
      '2026-02-29T10:00',
      '2026-03-28 23:00',
      '2026-03-28T24:00',
      '2026-03-28',
      '2026-03-28T23:00+0100',
      'tomorrow',
    ]) {
      expect(parseDateTime(bad, BERLIN), bad).toBeUndefined();
    }
  });
});

describe('daily windows across daylight-saving switches', () => {
  const daily = (atTime: string, durationMin: number, tz = BERLIN) =>
    win({ kind: 'daily', at: atTime, durationMin }, tz);

  it('Europe/Berlin spring forward: 02:30 opens at 03:00 on the switch day, for a real 2 h', () => {
    const w = daily('02:30', 120);
    const list = occurrencesBetween(w, at('2026-03-28T00:00:00Z'), at('2026-03-31T00:00:00Z'));
    expect(spans(list)).toEqual([
      ['2026-03-28T01:30:00.000Z', '2026-03-28T03:30:00.000Z'],
      ['2026-03-29T01:00:00.000Z', '2026-03-29T03:00:00.000Z'],
      ['2026-03-30T00:30:00.000Z', '2026-03-30T02:30:00.000Z'],
    ]);
    expect(list.map((o) => wallClock(o.start, BERLIN))).toEqual([
      '2026-03-28 02:30',
      '2026-03-29 03:00',
      '2026-03-30 02:30',
    ]);
    expect(wallClock(list[1]!.end, BERLIN)).toBe('2026-03-29 05:00');
  });

  it('Europe/Berlin fall back: 02:30 opens at its first occurrence, for a real 2 h', () => {
    const w = daily('02:30', 120);
    const list = occurrencesBetween(w, at('2026-10-24T00:00:00Z'), at('2026-10-27T00:00:00Z'));
    expect(spans(list)).toEqual([
      ['2026-10-24T00:30:00.000Z', '2026-10-24T02:30:00.000Z'],
      ['2026-10-25T00:30:00.000Z', '2026-10-25T02:30:00.000Z'],
      ['2026-10-26T01:30:00.000Z', '2026-10-26T03:30:00.000Z'],
    ]);
    // The clock shows 03:30 CET at the end: two real hours after 02:30 CEST.
    expect(wallClock(list[1]!.end, BERLIN)).toBe('2026-10-25 03:30');
  });

  it('a window spanning the switch keeps its real length, not its wall-clock length', () => {
    const w = daily('01:00', 180);
    const [o] = occurrencesBetween(w, at('2026-03-29T00:00:00Z'), at('2026-03-29T00:00:01Z'));
    expect(o).toEqual({ start: at('2026-03-29T00:00:00Z'), end: at('2026-03-29T03:00:00Z') });
    expect(wallClock(o!.end, BERLIN)).toBe('2026-03-29 05:00');
    const [f] = occurrencesBetween(w, at('2026-10-24T23:00:00Z'), at('2026-10-24T23:00:01Z'));
    expect(f).toEqual({ start: at('2026-10-24T23:00:00Z'), end: at('2026-10-25T02:00:00Z') });
    expect(wallClock(f!.end, BERLIN)).toBe('2026-10-25 03:00');
  });

  it('America/New_York spring forward: 02:30 opens at 03:00 EDT', () => {
    const w = daily('02:30', 60, NEW_YORK);
    const list = occurrencesBetween(w, at('2026-03-07T00:00:00Z'), at('2026-03-10T00:00:00Z'));
    expect(spans(list)).toEqual([
      ['2026-03-07T07:30:00.000Z', '2026-03-07T08:30:00.000Z'],
      ['2026-03-08T07:00:00.000Z', '2026-03-08T08:00:00.000Z'],
      ['2026-03-09T06:30:00.000Z', '2026-03-09T07:30:00.000Z'],
    ]);
    expect(wallClock(list[1]!.start, NEW_YORK)).toBe('2026-03-08 03:00');
  });

  it('America/New_York fall back: 01:30 opens at the first 01:30 (EDT)', () => {
    const w = daily('01:30', 60, NEW_YORK);
    const list = occurrencesBetween(w, at('2026-10-31T00:00:00Z'), at('2026-11-03T00:00:00Z'));
    expect(spans(list)).toEqual([
      ['2026-10-31T05:30:00.000Z', '2026-10-31T06:30:00.000Z'],
      ['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z'],
      ['2026-11-02T06:30:00.000Z', '2026-11-02T07:30:00.000Z'],
    ]);
    // Only one window on the switch day although 01:30 happened twice.
    expect(activeOccurrence(w, at('2026-11-01T06:45:00Z'))).toBeUndefined();
  });

  it('a window crossing midnight belongs to the day it starts and is active after midnight', () => {
    const w = daily('23:00', 180);
    const o = activeOccurrence(w, at('2026-06-10T23:30:00Z')); // 01:30 on 11 June, local
    expect(o).toEqual({ start: at('2026-06-10T21:00:00Z'), end: at('2026-06-11T00:00:00Z') });
    // Asking from inside it returns it first, even though it started before the range.
    const list = occurrencesBetween(w, at('2026-06-10T23:30:00Z'), at('2026-06-12T00:00:00Z'));
    expect(spans(list)).toEqual([
      ['2026-06-10T21:00:00.000Z', '2026-06-11T00:00:00.000Z'],
      ['2026-06-11T21:00:00.000Z', '2026-06-12T00:00:00.000Z'],
    ]);
  });
});

describe('weekly windows', () => {
  // 2026-06-01 is a Monday.
  it('opens on each chosen day', () => {
    const w = win({ kind: 'weekly', days: [2, 4], at: '02:00', durationMin: 120 });
    const list = occurrencesBetween(w, at('2026-06-01T00:00:00Z'), at('2026-06-12T00:00:00Z'));
    expect(list.map((o) => wallClock(o.start, BERLIN))).toEqual([
      '2026-06-02 02:00',
      '2026-06-04 02:00',
      '2026-06-09 02:00',
      '2026-06-11 02:00',
    ]);
    expect(list.every((o) => o.end - o.start === 2 * H)).toBe(true);
  });

  it('handles Sunday (0) and Saturday (6) across a year end', () => {
    const w = win({ kind: 'weekly', days: [0, 6], at: '22:00', durationMin: 60 }, 'UTC');
    const list = occurrencesBetween(w, at('2026-12-25T00:00:00Z'), at('2027-01-05T00:00:00Z'));
    expect(list.map((o) => new Date(o.start).toISOString().slice(0, 10))).toEqual([
      '2026-12-26',
      '2026-12-27',
      '2027-01-02',
      '2027-01-03',
    ]);
  });

  it('overlapping occurrences: active is the one that ends last, covered until the union ends', () => {
    // Monday and Wednesday, three days each: Mon 00:00–Thu 00:00 and Wed 00:00–Sat 00:00.
    const w = win({ kind: 'weekly', days: [1, 3], at: '00:00', durationMin: 3 * 1440 }, 'UTC');
    expect(activeOccurrence(w, at('2026-06-03T12:00:00Z'))).toEqual({
      start: at('2026-06-03T00:00:00Z'),
      end: at('2026-06-06T00:00:00Z'),
    });
    expect(activeOccurrence(w, at('2026-06-01T12:00:00Z'))).toEqual({
      start: at('2026-06-01T00:00:00Z'),
      end: at('2026-06-04T00:00:00Z'),
    });
    expect(coveredUntil(w, at('2026-06-01T12:00:00Z'))).toBe(at('2026-06-06T00:00:00Z'));
    expect(coveredUntil(w, at('2026-06-06T00:00:00Z'))).toBeUndefined();
    expect(nextOccurrence(w, at('2026-06-01T12:00:00Z'))?.start).toBe(at('2026-06-03T00:00:00Z'));
  });

  it('back-to-back occurrences count as one stretch; a window that never closes is bounded', () => {
    const w = win({ kind: 'daily', at: '00:00', durationMin: 1440 }, 'UTC');
    const now = at('2026-06-01T12:00:00Z');
    expect(activeOccurrence(w, now)?.end).toBe(at('2026-06-02T00:00:00Z'));
    const until = coveredUntil(w, now)!;
    expect(until).toBeGreaterThan(now + 60 * D);
    expect(until).toBeLessThanOrEqual(now + 65 * D);
  });
});

describe('monthly windows', () => {
  const starts = (w: CoveringWindow, from: string, to: string) =>
    occurrencesBetween(w, at(from), at(to)).map((o) => new Date(o.start).toISOString());

  it('the 31st falls on the last day of shorter months', () => {
    const w = win({ kind: 'monthly', day: 31, at: '03:00', durationMin: 60 }, 'UTC');
    expect(starts(w, '2026-01-01T00:00:00Z', '2026-07-01T00:00:00Z')).toEqual([
      '2026-01-31T03:00:00.000Z',
      '2026-02-28T03:00:00.000Z',
      '2026-03-31T03:00:00.000Z',
      '2026-04-30T03:00:00.000Z',
      '2026-05-31T03:00:00.000Z',
      '2026-06-30T03:00:00.000Z',
    ]);
  });

  it('February in leap and non-leap years', () => {
    const on = (day: number | 'last') =>
      win({ kind: 'monthly', day, at: '03:00', durationMin: 60 }, 'UTC');
    expect(starts(on(29), '2027-02-01T00:00:00Z', '2027-04-01T00:00:00Z')).toEqual([
      '2027-02-28T03:00:00.000Z',
      '2027-03-29T03:00:00.000Z',
    ]);
    expect(starts(on(29), '2028-02-01T00:00:00Z', '2028-04-01T00:00:00Z')).toEqual([
      '2028-02-29T03:00:00.000Z',
      '2028-03-29T03:00:00.000Z',
    ]);
    expect(starts(on(30), '2028-02-01T00:00:00Z', '2028-03-01T00:00:00Z')).toEqual([
      '2028-02-29T03:00:00.000Z',
    ]);
    expect(starts(on('last'), '2027-01-15T00:00:00Z', '2027-05-01T00:00:00Z')).toEqual([
      '2027-01-31T03:00:00.000Z',
      '2027-02-28T03:00:00.000Z',
      '2027-03-31T03:00:00.000Z',
      '2027-04-30T03:00:00.000Z',
    ]);
    expect(starts(on('last'), '2028-02-01T00:00:00Z', '2028-03-01T00:00:00Z')).toEqual([
      '2028-02-29T03:00:00.000Z',
    ]);
    expect(starts(on(1), '2028-02-01T00:00:00Z', '2028-03-01T00:00:00Z')).toEqual([
      '2028-02-01T03:00:00.000Z',
    ]);
  });

  it('the last day of March in Berlin is the spring-forward day', () => {
    // 2024-03-31 was the last Sunday of March: 02:30 does not exist that night.
    const w = win({ kind: 'monthly', day: 'last', at: '02:30', durationMin: 30 });
    const [o] = occurrencesBetween(w, at('2024-03-30T00:00:00Z'), at('2024-04-01T00:00:00Z'));
    expect(o).toEqual({ start: at('2024-03-31T01:00:00Z'), end: at('2024-03-31T01:30:00Z') });
  });

  it('nextOccurrence finds the next month', () => {
    const w = win({ kind: 'monthly', day: 31, at: '03:00', durationMin: 60 }, 'UTC');
    expect(nextOccurrence(w, at('2026-03-31T03:00:00Z'))?.start).toBe(at('2026-04-30T03:00:00Z'));
  });
});

describe('one-off windows', () => {
  const once = win({
    kind: 'once',
    start: '2026-03-28T22:00:00.000Z',
    end: '2026-03-29T03:00:00Z',
  });
  const start = at('2026-03-28T22:00:00Z');
  const end = at('2026-03-29T03:00:00Z');

  it('is active from its start (inclusive) to its end (exclusive)', () => {
    expect(activeOccurrence(once, start - 1)).toBeUndefined();
    expect(activeOccurrence(once, start)).toEqual({ start, end });
    expect(activeOccurrence(once, end - 1)).toEqual({ start, end });
    expect(activeOccurrence(once, end)).toBeUndefined();
  });

  it('appears in a range only when it overlaps it', () => {
    expect(occurrencesBetween(once, start - H, start)).toEqual([]);
    expect(occurrencesBetween(once, start - H, start + 1)).toEqual([{ start, end }]);
    expect(occurrencesBetween(once, end - 1, end + H)).toEqual([{ start, end }]);
    expect(occurrencesBetween(once, end, end + H)).toEqual([]);
    expect(occurrencesBetween(once, end, start)).toEqual([]);
  });

  it('is next only before it starts', () => {
    expect(nextOccurrence(once, start - 1)).toEqual({ start, end });
    expect(nextOccurrence(once, start)).toBeUndefined();
    expect(nextOccurrence(once, end + D)).toBeUndefined();
  });

  it('reads times without an offset in the window zone', () => {
    const local = win({ kind: 'once', start: '2026-03-28T23:00', end: '2026-03-29T05:00' });
    expect(activeOccurrence(local, start)).toEqual({ start, end });
  });
});

describe('recurring boundaries and next occurrence', () => {
  const w = win({ kind: 'daily', at: '02:00', durationMin: 60 });
  const start = at('2026-06-10T00:00:00Z'); // 02:00 CEST

  it('start is inclusive, end exclusive', () => {
    expect(activeOccurrence(w, start - 1)).toBeUndefined();
    expect(activeOccurrence(w, start)).toEqual({ start, end: start + H });
    expect(activeOccurrence(w, start + H - 1)).toEqual({ start, end: start + H });
    expect(activeOccurrence(w, start + H)).toBeUndefined();
  });

  it('the next start is strictly after now', () => {
    expect(nextOccurrence(w, start - 1)).toEqual({ start, end: start + H });
    expect(nextOccurrence(w, start)?.start).toBe(start + D);
    expect(nextOccurrence(w, start + 30 * MIN)?.start).toBe(start + D);
  });

  it('caps the number of occurrences', () => {
    const all = occurrencesBetween(w, at('2020-01-01T00:00:00Z'), at('2030-01-01T00:00:00Z'));
    expect(all).toHaveLength(MAX_OCCURRENCES);
    expect(all[0]!.start).toBe(at('2020-01-01T01:00:00Z'));
    expect(occurrencesBetween(w, start, start + 10 * D, 3)).toHaveLength(3);
  });

  it('rejects instants that are not numbers', () => {
    expect(() => occurrencesBetween(w, 0, Infinity)).toThrow(RangeError);
    expect(() => nextOccurrence(w, Number.NaN)).toThrow(RangeError);
  });
});

describe('windowCovers', () => {
  const schedule: WindowSchedule = { kind: 'daily', at: '02:00', durationMin: 60 };
  const inside = at('2026-06-10T00:30:00Z');
  const outside = at('2026-06-10T01:30:00Z');
  const scoped = (scope: MaintenanceScope, enabled = true) =>
    win(schedule, BERLIN, { scope, enabled });

  it('a site window covers every device and events without one', () => {
    const w = scoped({ kind: 'site' });
    expect(windowCovers(w, {}, inside)).toBe(true);
    expect(windowCovers(w, { deviceId: 'd1', deviceType: 'switch' }, inside)).toBe(true);
    expect(windowCovers(w, {}, outside)).toBe(false);
  });

  it('a device window covers only its devices', () => {
    const w = scoped({ kind: 'devices', deviceIds: ['d1', 'd2'] });
    expect(windowCovers(w, { deviceId: 'd2' }, inside)).toBe(true);
    expect(windowCovers(w, { deviceId: 'd3' }, inside)).toBe(false);
    expect(windowCovers(w, { deviceType: 'switch' }, inside)).toBe(false);
    expect(windowCovers(w, {}, inside)).toBe(false);
    expect(windowCovers(w, { deviceId: 'd1' }, outside)).toBe(false);
  });

  it('a type window covers devices of its types, ignoring case', () => {
    const w = scoped({ kind: 'types', types: ['printer', 'ups'] });
    expect(windowCovers(w, { deviceId: 'p1', deviceType: 'printer' }, inside)).toBe(true);
    expect(windowCovers(w, { deviceType: 'UPS' }, inside)).toBe(true);
    expect(windowCovers(w, { deviceId: 's1', deviceType: 'switch' }, inside)).toBe(false);
    expect(windowCovers(w, { deviceId: 'p1' }, inside)).toBe(false);
    expect(scopeMatches(w.scope, { deviceType: 'printer' })).toBe(true);
  });

  it('a disabled window covers nothing', () => {
    expect(windowCovers(scoped({ kind: 'site' }, false), {}, inside)).toBe(false);
    expect(
      windowCovers(
        scoped({ kind: 'devices', deviceIds: ['d1'] }, false),
        { deviceId: 'd1' },
        inside,
      ),
    ).toBe(false);
  });
});

describe('describeSchedule', () => {
  it('says when, for how long and in which zone', () => {
    expect(
      describeSchedule(win({ kind: 'weekly', days: [4, 2], at: '02:00', durationMin: 120 })),
    ).toBe('Every Tuesday and Thursday at 02:00 for 2 h (Europe/Berlin)');
    expect(
      describeSchedule(win({ kind: 'weekly', days: [0, 6], at: '08:00', durationMin: 45 })),
    ).toBe('Every Saturday and Sunday at 08:00 for 45 min (Europe/Berlin)');
    expect(
      describeSchedule(win({ kind: 'weekly', days: [1, 3, 5], at: '22:30', durationMin: 90 })),
    ).toBe('Every Monday, Wednesday and Friday at 22:30 for 1 h 30 min (Europe/Berlin)');
    expect(
      describeSchedule(
        win({ kind: 'weekly', days: [0, 1, 2, 3, 4, 5, 6], at: '01:00', durationMin: 60 }),
      ),
    ).toBe('Every day at 01:00 for 1 h (Europe/Berlin)');
    expect(describeSchedule(win({ kind: 'daily', at: '23:00', durationMin: 180 }, NEW_YORK))).toBe(
      'Every day at 23:00 for 3 h (America/New_York)',
    );
    expect(
      describeSchedule(win({ kind: 'monthly', day: 31, at: '03:00', durationMin: 1500 }, 'UTC')),
    ).toBe('Every month on the 31st (the last day in shorter months) at 03:00 for 1 day 1 h (UTC)');
    expect(
      describeSchedule(win({ kind: 'monthly', day: 2, at: '03:00', durationMin: 30 }, 'UTC')),
    ).toBe('Every month on the 2nd at 03:00 for 30 min (UTC)');
    expect(
      describeSchedule(win({ kind: 'monthly', day: 'last', at: '03:00', durationMin: 10080 })),
    ).toBe('Every month on the last day at 03:00 for 7 days (Europe/Berlin)');
  });

  it('shows one-off windows in local time', () => {
    expect(
      describeSchedule(
        win({ kind: 'once', start: '2026-03-28T22:00:00.000Z', end: '2026-03-29T03:00:00.000Z' }),
      ),
    ).toBe('Once from 2026-03-28 23:00 to 2026-03-29 05:00 (Europe/Berlin)');
  });

  it('formats durations', () => {
    expect([1, 60, 61, 1440, 2880, 10079].map(formatMinutes)).toEqual([
      '1 min',
      '1 h',
      '1 h 1 min',
      '1 day',
      '2 days',
      '6 days 23 h 59 min',
    ]);
  });
});

describe('maintenanceWindowSchema', () => {
  const schema = maintenanceWindowSchema(BERLIN);
  const valid = {
    name: 'Switch firmware',
    reason: 'Core switch firmware upgrade',
    scope: { kind: 'types', types: ['switch'] },
    schedule: { kind: 'weekly', days: [2, 4], at: '02:00', durationMin: 120 },
  };
  function errors(input: unknown, s = schema): Record<string, string> {
    const r = s.safeParse(input);
    if (r.success) throw new Error(`expected errors, parsed ${JSON.stringify(r.data)}`);
    return issuesToFields(r.error);
  }

  it('fills in the site zone and the defaults', () => {
    expect(schema.parse(valid)).toEqual({
      ...valid,
      timeZone: BERLIN,
      enabled: true,
      suppressNotifications: true,
    });
  });

  it('normalises names, zones, types and days', () => {
    const w = schema.parse({
      ...valid,
      name: '  Printers  ',
      timeZone: 'america/new_york',
      scope: { kind: 'types', types: [' Printer', 'printer', 'UPS'] },
      schedule: { kind: 'weekly', days: [5, 1, 3], at: '02:00', durationMin: 60 },
      enabled: false,
    });
    expect(w.name).toBe('Printers');
    expect(w.timeZone).toBe(NEW_YORK);
    expect(w.scope).toEqual({ kind: 'types', types: ['printer', 'ups'] });
    expect(w.schedule).toEqual({ kind: 'weekly', days: [1, 3, 5], at: '02:00', durationMin: 60 });
    expect(w.enabled).toBe(false);
    expect(
      schema.parse({ ...valid, scope: { kind: 'devices', deviceIds: ['a', 'b', 'a'] } }).scope,
    ).toEqual({ kind: 'devices', deviceIds: ['a', 'b'] });
  });

  it('stores one-off times as UTC, reading local ones in the window zone', () => {
    const w = schema.parse({
      ...valid,
      scope: { kind: 'site' },
      schedule: { kind: 'once', start: '2026-03-29T02:30', end: '2026-03-29T06:00+02:00' },
    });
    expect(w.schedule).toEqual({
      kind: 'once',
      start: '2026-03-29T01:00:00.000Z',
      end: '2026-03-29T04:00:00.000Z',
    });
  });

  it('rejects a zone that does not exist, also when it comes from the site', () => {
    expect(errors({ ...valid, timeZone: 'Mars/Olympus_Mons' })).toEqual({
      timeZone: 'Use an IANA time zone such as Europe/Berlin or America/New_York.',
    });
    expect(errors({ ...valid, timeZone: '+02:00' })).toHaveProperty('timeZone');
    expect(errors(valid, maintenanceWindowSchema('Nowhere/Special'))).toHaveProperty('timeZone');
  });

  it('rejects one-off windows that end before they start or last too long', () => {
    const once = (start: string, end: string) => ({
      ...valid,
      schedule: { kind: 'once', start, end },
    });
    expect(errors(once('2026-06-01T10:00:00Z', '2026-06-01T09:00:00Z'))).toEqual({
      'schedule.end': 'The end must be after the start.',
    });
    expect(errors(once('2026-06-01T10:00', '2026-06-01T10:00'))).toEqual({
      'schedule.end': 'The end must be after the start.',
    });
    expect(errors(once('2026-06-01T10:00', '2026-07-01T10:01'))).toEqual({
      'schedule.end': 'A one-off window may last at most 30 days.',
    });
    expect(schema.safeParse(once('2026-06-01T10:00', '2026-07-01T10:00')).success).toBe(true);
    expect(errors(once('2026-06-31T10:00', 'soon'))).toEqual({
      'schedule.start':
        'Use a date and time such as 2026-03-28T22:00 (local) or 2026-03-28T21:00:00Z.',
      'schedule.end':
        'Use a date and time such as 2026-03-28T22:00 (local) or 2026-03-28T21:00:00Z.',
    });
  });

  it('rejects duplicate, missing and impossible days of the week', () => {
    const weekly = (days: unknown) => ({
      ...valid,
      schedule: { kind: 'weekly', days, at: '02:00', durationMin: 60 },
    });
    expect(errors(weekly([2, 4, 2]))).toEqual({
      'schedule.days': 'Name each day of the week once.',
    });
    expect(errors(weekly([]))).toEqual({
      'schedule.days': 'Choose at least one day of the week.',
    });
    expect(errors(weekly([7]))).toEqual({
      'schedule.days.0': 'Use days of the week as numbers from 0 (Sunday) to 6 (Saturday).',
    });
    expect(errors(weekly(['mon']))).toHaveProperty('schedule.days.0');
  });

  it('rejects times of day that are not HH:MM', () => {
    for (const bad of ['24:00', '2:00', '02:60', '0200', '', 2]) {
      expect(
        errors({ ...valid, schedule: { kind: 'daily', at: bad, durationMin: 60 } }),
        String(bad),
      ).toEqual({ 'schedule.at': 'Use a time of day as HH:MM (24 h), such as 02:00.' });
    }
  });

  it('rejects durations out of range for the kind', () => {
    const daily = (durationMin: unknown) => ({
      ...valid,
      schedule: { kind: 'daily', at: '02:00', durationMin },
    });
    expect(errors(daily(0))).toEqual({
      'schedule.durationMin': 'Use a whole number of minutes from 1 to 1440 (24 h).',
    });
    expect(errors(daily(1441))).toHaveProperty('schedule.durationMin');
    expect(errors(daily(1.5))).toHaveProperty('schedule.durationMin');
    expect(errors(daily('60'))).toHaveProperty('schedule.durationMin');
    expect(
      errors({
        ...valid,
        schedule: { kind: 'weekly', days: [1], at: '02:00', durationMin: 10081 },
      }),
    ).toEqual({
      'schedule.durationMin': 'Use a whole number of minutes from 1 to 10080 (7 days).',
    });
  });

  it('rejects days of the month that do not exist', () => {
    for (const day of [0, 32, 1.5, 'first', '15']) {
      expect(
        errors({ ...valid, schedule: { kind: 'monthly', day, at: '02:00', durationMin: 60 } }),
        String(day),
      ).toEqual({ 'schedule.day': 'Use a day of the month from 1 to 31, or "last".' });
    }
  });

  it('rejects bad scopes, kinds and texts with a message per field', () => {
    expect(errors({ ...valid, scope: { kind: 'devices', deviceIds: [] } })).toEqual({
      'scope.deviceIds': 'Choose at least one device.',
    });
    expect(
      errors({ ...valid, scope: { kind: 'devices', deviceIds: Array(501).fill('d') } }),
    ).toEqual({ 'scope.deviceIds': 'Choose at most 500 devices.' });
    expect(errors({ ...valid, scope: { kind: 'types', types: ['  '] } })).toEqual({
      'scope.types.0': 'A device type may not be empty.',
    });
    expect(errors({ ...valid, scope: { kind: 'rack' } })).toEqual({
      'scope.kind': 'Choose a scope: site, devices or types.',
    });
    expect(errors({ ...valid, schedule: { kind: 'hourly' } })).toEqual({
      'schedule.kind': 'Choose a schedule: once, daily, weekly or monthly.',
    });
    expect(errors({ ...valid, name: ' ', reason: 'x'.repeat(501) })).toEqual({
      name: 'Give the window a name.',
      reason: 'Use at most 500 characters.',
    });
    expect(errors({ ...valid, name: 'x'.repeat(81) })).toEqual({
      name: 'Use at most 80 characters.',
    });
    expect(errors({ ...valid, reason: undefined })).toEqual({
      reason: 'Say why the window is needed.',
    });
    expect(errors({ ...valid, enabled: 'yes' })).toEqual({ enabled: 'Use true or false.' });
  });
});
