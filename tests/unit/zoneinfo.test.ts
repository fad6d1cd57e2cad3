/**
 * The tz database read from its TZif files (src/lib/zoneinfo.ts), checked against ICU (what
 * `Intl.DateTimeFormat` says) over 70 years in zones that exercise every kind of rule: both
 * hemispheres, half- and quarter-hour offsets, a 30-minute daylight shift, negative rule times,
 * negative daylight saving, and zones that dropped daylight saving. Years after the files' last
 * listed transition come from their POSIX TZ footer.
 */
import { describe, it, expect, afterEach } from 'vitest';
import {
  canonicalZoneName,
  isTimeZone,
  localZoneName,
  parsePosixTz,
  timeZone,
  TimeZone,
  wallFields,
} from '../../src/lib/zoneinfo.js';

const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Australia/Sydney',
  'Asia/Kolkata',
  'Australia/Lord_Howe',
  'America/Nuuk',
  'Pacific/Chatham',
  'Europe/Dublin',
  'America/Sao_Paulo',
  'Africa/Casablanca',
  'Asia/Tokyo',
  'America/Santiago',
  'UTC',
];

const icu = new Map<string, Intl.DateTimeFormat>();
function icuOffset(ms: number, tz: string): number {
  let f = icu.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    icu.set(tz, f);
  }
  const p: Record<string, number> = {};
  for (const x of f.formatToParts(new Date(ms))) if (x.type !== 'literal') p[x.type] = +x.value;
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - ms;
}

const Z = (iso: string) => new Date(iso).getTime();

describe('time zones from the tz database', () => {
  it('gives the same offsets as ICU from 1990 to 2060, every 7 days and 13 hours', () => {
    for (const name of ZONES) {
      const zone = timeZone(name);
      const wrong: string[] = [];
      for (
        let t = Z('1990-01-01T00:00:00Z');
        t < Z('2060-01-01T00:00:00Z');
        t += 7 * 86400e3 + 13 * 3600e3
      ) {
        if (zone.offsetAt(t) !== icuOffset(t, name))
          wrong.push(`${new Date(t).toISOString()}: ${zone.offsetAt(t)} vs ${icuOffset(t, name)}`);
      }
      expect(wrong.slice(0, 3), name).toEqual([]);
    }
  });

  it('finds each change of offset to the second, also past the listed transitions', () => {
    for (const name of [
      'Europe/Berlin',
      'Australia/Sydney',
      'Australia/Lord_Howe',
      'America/Nuuk',
    ]) {
      const zone = timeZone(name);
      let t = Z('2024-01-01T00:00:00Z');
      for (let n = 0; n < 60; n++) {
        const c = zone.nextChange(t)!;
        expect(c, name).toBeGreaterThan(t);
        expect(icuOffset(c, name), `${name} at ${new Date(c).toISOString()}`).not.toBe(
          icuOffset(c - 1000, name),
        );
        // Nothing changes in between.
        for (let s = t + 3600e3; s < c; s += 5 * 86400e3)
          expect(zone.offsetAt(s)).toBe(zone.offsetAt(t + 1));
        t = c;
      }
      expect(new Date(t).getUTCFullYear(), name).toBeGreaterThanOrEqual(2053);
    }
    expect(timeZone('Asia/Tokyo').nextChange(Z('2026-01-01T00:00:00Z'))).toBeUndefined();
  });

  it('maps wall times to instants: none in a gap, two in an overlap, the first as compatible', () => {
    const berlin = timeZone('Europe/Berlin');
    const gap = Date.UTC(2026, 2, 29, 2, 30);
    expect(berlin.instantsOf(gap)).toEqual([]);
    expect(new Date(berlin.instantOf(gap)).toISOString()).toBe('2026-03-29T01:30:00.000Z');
    const twice = Date.UTC(2026, 9, 25, 2, 30);
    expect(berlin.instantsOf(twice).map((t) => new Date(t).toISOString())).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T01:30:00.000Z',
    ]);
    expect(berlin.instantOf(twice)).toBe(Z('2026-10-25T00:30:00Z'));
    expect(berlin.fieldsOf(Z('2026-10-25T01:30:00Z'))).toEqual({
      year: 2026,
      month: 10,
      day: 25,
      hour: 2,
      minute: 30,
      second: 0,
      weekday: 0,
    });
    expect(wallFields(Date.UTC(2028, 1, 29, 23, 59, 59)).weekday).toBe(2);
  });

  it('reads POSIX TZ rules of every form, and refuses what is not one', () => {
    expect(parsePosixTz('<+0530>-5:30')).toEqual({ std: 19_800_000 });
    const us = parsePosixTz('EST5EDT');
    expect(us.dst?.start).toMatchObject({ kind: 'M', month: 3, week: 2 });
    const julian = parsePosixTz('XXX3YYY,J60/2,300/-1');
    expect(julian.dst).toMatchObject({
      offset: -7_200_000,
      start: { kind: 'J', day: 60, time: 7200 },
      end: { kind: 'N', day: 300, time: -3600 },
    });
    // A zone that keeps daylight time all year (version 3's extended hours).
    const always = TimeZone.fixed('x', 0);
    expect(always.offsetAt(0)).toBe(0);
    for (const bad of [
      '',
      'CET',
      'CET-1CEST,M3.5.0',
      'CET-1CEST,M13.5.0,M10.5.0',
      'C1',
      '<+05>-200',
    ])
      expect(() => parsePosixTz(bad), bad).toThrow(/not a POSIX TZ rule/);
  });

  it('applies a rule whose changes fall near New Year to the right year', () => {
    // Daylight time from the last Saturday of December at 26:00 to the first Sunday of March.
    const z = TimeZone.fromPosixTz('x', 'XXX-5YYY,M12.5.6/26,M3.1.0');
    expect(z.offsetAt(Z('2022-12-31T19:00:00Z'))).toBe(5 * 3600e3);
    expect(z.offsetAt(Z('2022-12-31T21:00:00Z'))).toBe(6 * 3600e3); // Jan 1, 02:00 local
    expect(z.offsetAt(Z('2023-02-01T00:00:00Z'))).toBe(6 * 3600e3);
    expect(z.offsetAt(Z('2023-06-01T00:00:00Z'))).toBe(5 * 3600e3);
    for (const rule of [
      'XXX-5YYY,M12.5.6/26,M3.1.0',
      'XXX3YYY,0,365',
      'AAA-10BBB,M10.1.0,M4.1.0/3',
    ]) {
      const zone = TimeZone.fromPosixTz(rule, rule);
      let t = Z('2021-06-01T00:00:00Z');
      for (let n = 0; n < 8; n++) {
        const c = zone.nextChange(t)!;
        expect(zone.offsetAt(c), rule).not.toBe(zone.offsetAt(c - 1000));
        for (let s = t + 3600e3; s < c - 1000; s += 6 * 3600e3)
          expect(zone.offsetAt(s), `${rule} ${new Date(s).toISOString()}`).toBe(zone.offsetAt(t));
        t = c;
      }
    }
    // Daylight time all year (version 3): never a change.
    const always = TimeZone.fromPosixTz('y', 'EST5EDT,0/0,J365/25');
    expect(always.offsetAt(Z('2026-01-01T04:30:00Z'))).toBe(-4 * 3600e3);
    expect(always.offsetAt(Z('2026-07-01T00:00:00Z'))).toBe(-4 * 3600e3);
    expect(always.nextChange(Z('2026-01-01T00:00:00Z'))).toBeUndefined();
  });

  it('refuses names that are not zones, and files that are not TZif', () => {
    for (const bad of [
      'right/Europe/Berlin',
      'posixrules',
      'Factory',
      '../../etc/passwd',
      'Europe/../../etc/passwd',
      'Nowhere/City',
      '',
      ' Europe/Berlin',
    ])
      expect(isTimeZone(bad), bad).toBe(false);
    expect(() => timeZone('Mars/Olympus')).toThrow(/"Mars\/Olympus" is not a time zone/);
    expect(() => TimeZone.fromTzif('x', Buffer.from('TZif2 but far too short'))).toThrow(
      /not a TZif file|truncated/,
    );
    expect(() => TimeZone.fromTzif('x', Buffer.alloc(100))).toThrow(/not a TZif file/);
    expect(canonicalZoneName('europe/berlin')).toBe('Europe/Berlin');
    expect(canonicalZoneName('AMERICA/argentina/buenos_aires')).toBe(
      'America/Argentina/Buenos_Aires',
    );
    expect(canonicalZoneName('posix/europe/berlin')).toBeUndefined();
    expect(canonicalZoneName('europe/nowhere')).toBeUndefined();
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Etc/UTC')).toBe(true);
  });

  describe('the box zone', () => {
    const saved = process.env.TZ;
    afterEach(() => {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    });
    it('is TZ when that names a zone, UTC when it does not', () => {
      process.env.TZ = 'Asia/Tokyo';
      expect(localZoneName()).toBe('Asia/Tokyo');
      process.env.TZ = ':Europe/Berlin';
      expect(localZoneName()).toBe('Europe/Berlin');
      process.env.TZ = 'posix/Europe/Berlin';
      expect(localZoneName()).toBe('Europe/Berlin');
      process.env.TZ = 'Not/AZone';
      expect(localZoneName()).toBe('UTC');
    });
  });
});
