/**
 * Backup job schedules are read in the site's time zone (Scheduler.nextRun with `tz`, as
 * main.ts passes it to the backup service), including across daylight-saving changes. The clock
 * is set with fake Date only: nextRun computes "next" from now.
 */
import { describe, it, expect, afterEach, vi } from 'vitest';
import { Scheduler } from '../../src/jobs/scheduler.js';

const Z = (iso: string) => new Date(iso).getTime();

/** The next `n` starts after `fromIso`, each computed with the clock at the previous start. */
function starts(cron: string, tz: string, fromIso: string, n: number): string[] {
  vi.useFakeTimers({ toFake: ['Date'] });
  const out: string[] = [];
  let now = Z(fromIso);
  for (let i = 0; i < n; i++) {
    vi.setSystemTime(now);
    const next = Scheduler.nextRun(cron, { tz });
    expect(next, `${cron} in ${tz} after ${new Date(now).toISOString()}`).toBeDefined();
    out.push(next!.toISOString());
    now = next!.getTime() + 1000;
  }
  return out;
}

/** Wall-clock time in `tz`, e.g. "2026-03-29 03:30". */
function local(iso: string, tz: string): string {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));
}

afterEach(() => {
  vi.useRealTimers();
});

describe('backup schedules in the site time zone', () => {
  it('reads the expression in the zone given, not the process zone', () => {
    const tokyo = starts('30 1 * * *', 'Asia/Tokyo', '2026-06-10T12:00:00Z', 1);
    const utc = starts('30 1 * * *', 'UTC', '2026-06-10T12:00:00Z', 1);
    expect(tokyo).toEqual(['2026-06-10T16:30:00.000Z']); // 01:30 on 11 June in Tokyo (UTC+9)
    expect(utc).toEqual(['2026-06-11T01:30:00.000Z']);
    expect(local(tokyo[0]!, 'Asia/Tokyo')).toBe('2026-06-11 01:30');
  });

  it('spring forward (Europe/Berlin, 29 March 2026): a skipped 02:30 runs once, an hour later', () => {
    const tz = 'Europe/Berlin';
    const runs = starts('30 2 * * *', tz, '2026-03-27T12:00:00Z', 4);
    expect(runs).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:30:00.000Z', // 02:30 does not exist that night: 03:30 CEST
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ]);
    expect(runs.map((r) => local(r, tz))).toEqual([
      '2026-03-28 02:30',
      '2026-03-29 03:30',
      '2026-03-30 02:30',
      '2026-03-31 02:30',
    ]);
    // A time outside the gap keeps its wall-clock time on both sides of the change.
    expect(starts('30 1 * * *', tz, '2026-03-28T12:00:00Z', 2).map((r) => local(r, tz))).toEqual([
      '2026-03-29 01:30',
      '2026-03-30 01:30',
    ]);
  });

  it('fall back (Europe/Berlin, 25 October 2026): a repeated 02:30 runs once, at the first', () => {
    const tz = 'Europe/Berlin';
    const runs = starts('30 2 * * *', tz, '2026-10-23T12:00:00Z', 3);
    expect(runs).toEqual([
      '2026-10-24T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T00:30:00.000Z', // the first 02:30 (CEST); the second (01:30Z, CET) is skipped
      '2026-10-26T01:30:00.000Z', // 02:30 CET
    ]);
    expect(runs.map((r) => local(r, tz))).toEqual([
      '2026-10-24 02:30',
      '2026-10-25 02:30',
      '2026-10-26 02:30',
    ]);
  });

  it('an hourly schedule still runs every real hour across both changes', () => {
    const tz = 'Europe/Berlin';
    const spring = starts('0 * * * *', tz, '2026-03-28T23:30:00Z', 3);
    expect(spring).toEqual([
      '2026-03-29T00:00:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T02:00:00.000Z',
    ]);
    const autumn = starts('0 * * * *', tz, '2026-10-24T23:30:00Z', 3);
    expect(autumn).toEqual([
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T01:00:00.000Z',
      '2026-10-25T02:00:00.000Z',
    ]);
  });

  it('an invalid expression has no next run, with or without a zone', () => {
    expect(Scheduler.nextRun('61 * * * *', { tz: 'Europe/Berlin' })).toBeUndefined();
    expect(Scheduler.nextRun('not cron')).toBeUndefined();
  });
});
