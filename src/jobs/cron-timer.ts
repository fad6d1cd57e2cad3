import { localZone, type TimeZone } from '../lib/zoneinfo.js';
import { nextCronRun, type Cron } from './cron.js';

/**
 * Fires at each run of a cron expression in a zone (the box's by default). It never waits longer than a minute
 * before reading the clock again, so a clock set while it waits moves the next run with it, as
 * Vixie cron treats clock changes:
 * - set forward a little (up to three hours): a run the clock jumped over fires once, late;
 * - set forward a lot (a box without a real-time clock that boots in 1970 and then gets the time
 *   from NTP): nothing fires for the time jumped over, the next run is planned from the new time;
 * - set back: a schedule with a fixed hour does not fire again for a run it already made (unless
 *   the clock went back more than three hours); an hourly or more frequent one goes on by real time.
 */
export class CronTimer {
  /** Every timer not cancelled, so that a failed start can be shown to have stopped them all. */
  static readonly live = new Set<CronTimer>();
  private static readonly MAX_WAIT_MS = 60_000;
  private static readonly BIG_JUMP_MS = 3 * 3_600_000;
  next: number | undefined;
  private lastFired = -Infinity;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly cron: Cron,
    private readonly fire: () => void,
    private readonly zone: TimeZone = localZone(),
  ) {
    CronTimer.live.add(this);
    this.plan(Date.now() - 1);
  }

  private plan(after: number): void {
    this.next = nextCronRun(this.cron, this.zone, after);
    if (this.next === undefined) return;
    const wait = Math.min(Math.max(this.next - Date.now(), 0), CronTimer.MAX_WAIT_MS);
    this.timer = setTimeout(() => this.wake(), wait);
    this.timer.unref();
  }

  private wake(): void {
    if (!CronTimer.live.has(this)) return;
    const now = Date.now();
    const due = this.next;
    if (due !== undefined && due <= now && now - due <= CronTimer.BIG_JUMP_MS) {
      this.lastFired = due;
      this.plan(Math.max(now, due));
      this.fire();
      return;
    }
    // Early (the wait is capped), or the clock was set: plan again from the time now, but a
    // fixed-hour schedule not from before a run it made (unless the clock went back a lot).
    const keepLast = !this.cron.everyHour && this.lastFired - now <= CronTimer.BIG_JUMP_MS;
    this.plan(keepLast ? Math.max(now - 1, this.lastFired) : now - 1);
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.next = undefined;
    CronTimer.live.delete(this);
  }
}
