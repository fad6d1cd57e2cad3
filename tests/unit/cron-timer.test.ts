/**
 * The job table's timer (src/jobs/cron-timer.ts) with a fake clock: it fires on time, and treats
 * a clock that is set while it waits as Vixie cron does.
 */
import { describe, it, expect, afterEach, beforeEach, vi } from 'vitest';
import { CronTimer } from '../../src/jobs/cron-timer.js';
import { parseCron } from '../../src/jobs/cron.js';
import { timeZone, UTC } from '../../src/lib/zoneinfo.js';

const Z = (iso: string) => new Date(iso).getTime();
const MIN = 60_000;

let timers: CronTimer[] = [];
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  for (const t of timers) t.cancel();
  timers = [];
  vi.useRealTimers();
});

/** A timer that records the (fake) time of each firing. */
function start(cron: string, at: string, zone = UTC) {
  vi.setSystemTime(Z(at));
  const fired: string[] = [];
  const t = new CronTimer(parseCron(cron), () => fired.push(new Date().toISOString()), zone);
  timers.push(t);
  return { t, fired };
}

describe('CronTimer', () => {
  it('fires at each run and plans the next one', async () => {
    const { t, fired } = start('0 3 * * *', '2026-05-01T02:58:00Z');
    expect(new Date(t.next!).toISOString()).toBe('2026-05-01T03:00:00.000Z');
    await vi.advanceTimersByTimeAsync(24 * 60 * MIN);
    expect(fired).toEqual(['2026-05-01T03:00:00.000Z']);
    expect(new Date(t.next!).toISOString()).toBe('2026-05-02T03:00:00.000Z');
  });

  it('a clock set forward a little past a run fires it once, late', async () => {
    const { fired } = start('0 3 * * *', '2026-05-01T02:50:00Z');
    vi.setSystemTime(Z('2026-05-01T03:20:00Z'));
    await vi.advanceTimersByTimeAsync(2 * MIN);
    expect(fired).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60 * MIN);
    expect(fired).toHaveLength(1);
  });

  it('a clock set forward a lot (NTP after a boot in 1970) fires nothing for the time jumped over', async () => {
    const { t, fired } = start('*/15 * * * *', '1970-01-01T00:00:05Z');
    vi.setSystemTime(Z('2026-05-01T12:07:00Z'));
    await vi.advanceTimersByTimeAsync(2 * MIN);
    expect(fired).toEqual([]);
    expect(new Date(t.next!).toISOString()).toBe('2026-05-01T12:15:00.000Z');
    await vi.advanceTimersByTimeAsync(8 * MIN);
    expect(fired).toEqual(['2026-05-01T12:15:00.000Z']);
  });

  it('a clock set back does not repeat a fixed-hour run, while a frequent schedule goes on', async () => {
    const daily = start('0 3 * * *', '2026-05-01T02:59:00Z');
    const often = start('*/30 * * * * *', '2026-05-01T02:59:00Z');
    await vi.advanceTimersByTimeAsync(2 * MIN);
    expect(daily.fired).toEqual(['2026-05-01T03:00:00.000Z']);
    const before = often.fired.length;
    vi.setSystemTime(Z('2026-05-01T02:51:00Z')); // ten minutes back
    await vi.advanceTimersByTimeAsync(20 * MIN);
    expect(daily.fired).toHaveLength(1);
    expect(often.fired.length - before).toBeGreaterThanOrEqual(38);
    // The next day's run still comes.
    await vi.advanceTimersByTimeAsync(24 * 60 * MIN);
    expect(daily.fired).toEqual(['2026-05-01T03:00:00.000Z', '2026-05-02T03:00:00.000Z']);
  });

  it('fires a time the clock skips once, right after the jump', async () => {
    const berlin = timeZone('Europe/Berlin');
    const { fired } = start('30 2 * * *', '2026-03-28T23:00:00Z', berlin);
    await vi.advanceTimersByTimeAsync(5 * 60 * MIN);
    expect(fired).toEqual(['2026-03-29T01:30:00.000Z']); // 03:30 CEST
  });

  it('stops firing once cancelled', async () => {
    const { t, fired } = start('* * * * * *', '2026-05-01T00:00:00Z');
    await vi.advanceTimersByTimeAsync(3_000);
    t.cancel();
    const n = fired.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fired).toHaveLength(n);
    expect(t.next).toBeUndefined();
  });
});
