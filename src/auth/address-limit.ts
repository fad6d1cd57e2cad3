import type { Clock } from '../core/time.js';

const WINDOW_MS = 60_000;

interface Window {
  start: number;
  count: number;
}

/**
 * So many attempts per source address per minute, kept in memory: the login throttle counts every
 * login attempt with it, the bad-credentials throttle only failures. The map is bounded; when it
 * is full an expired window goes first, else the oldest one (a flood of new addresses can only
 * reset an address's count, never grow the memory).
 */
export class AddressLimit {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly opts: { perMinute: number; clock: Clock; maxEntries?: number }) {}

  private current(ip: string, now: number): Window | undefined {
    const w = this.windows.get(ip);
    if (w && now - w.start >= WINDOW_MS) {
      this.windows.delete(ip);
      return undefined;
    }
    return w;
  }

  /** Seconds until the address may try again: 0 while it has attempts left this minute. */
  waitS(ip: string): number {
    const now = this.opts.clock.now();
    const w = this.current(ip, now);
    return w && w.count >= this.opts.perMinute
      ? Math.max(1, Math.ceil((w.start + WINDOW_MS - now) / 1000))
      : 0;
  }

  /**
   * Counts one attempt and returns 0, or, when the address has used up its minute, counts
   * nothing and returns the seconds to wait.
   */
  take(ip: string): number {
    const wait = this.waitS(ip);
    if (wait > 0) return wait;
    const now = this.opts.clock.now();
    let w = this.current(ip, now);
    if (!w) {
      if (this.windows.size >= (this.opts.maxEntries ?? 10_000)) this.evict(now);
      w = { start: now, count: 0 };
      this.windows.set(ip, w);
    }
    w.count += 1;
    return 0;
  }

  private evict(now: number): void {
    for (const [k, w] of this.windows) {
      if (now - w.start >= WINDOW_MS) {
        this.windows.delete(k);
        return;
      }
    }
    const oldest = this.windows.keys().next();
    if (!oldest.done) this.windows.delete(oldest.value);
  }
}
