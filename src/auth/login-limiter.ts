import type { Clock } from '../core/time.js';

interface Entry {
  failures: number;
  lockedUntil: number;
  windowStart: number;
  attempts: number;
}

/**
 * Login throttling kept in memory: a lockout per user name after consecutive failures, and a cap
 * on attempts per source address per minute. Unknown names are tracked like known ones so that
 * the answer never tells which names exist. The map is bounded so that a flood of names cannot
 * exhaust memory.
 */
export class LoginLimiter {
  private readonly users = new Map<string, Entry>();
  private readonly ips = new Map<string, Entry>();

  constructor(
    private readonly opts: {
      maxFailures: number;
      lockoutMs: number;
      attemptsPerMinute: number;
      clock: Clock;
      maxEntries?: number;
    },
  ) {}

  private entry(map: Map<string, Entry>, key: string): Entry {
    let e = map.get(key);
    if (!e) {
      if (map.size >= (this.opts.maxEntries ?? 10_000)) {
        const oldest = map.keys().next().value;
        if (oldest !== undefined) map.delete(oldest);
      }
      e = { failures: 0, lockedUntil: 0, windowStart: this.opts.clock.now(), attempts: 0 };
      map.set(key, e);
    }
    return e;
  }

  /** Returns the number of seconds to wait, or 0 when the attempt may go ahead (and counts it). */
  check(username: string, ip: string): { retryAfterS: number; reason?: 'locked' | 'rate' } {
    const now = this.opts.clock.now();
    const u = this.users.get(username.toLowerCase());
    if (u && u.lockedUntil > now)
      return { retryAfterS: Math.ceil((u.lockedUntil - now) / 1000), reason: 'locked' };
    const i = this.entry(this.ips, ip);
    if (now - i.windowStart >= 60_000) {
      i.windowStart = now;
      i.attempts = 0;
    }
    if (i.attempts >= this.opts.attemptsPerMinute) {
      return { retryAfterS: Math.ceil((i.windowStart + 60_000 - now) / 1000), reason: 'rate' };
    }
    i.attempts += 1;
    return { retryAfterS: 0 };
  }

  /** Records a failure; returns true when this failure locked the account. */
  failure(username: string): boolean {
    const u = this.entry(this.users, username.toLowerCase());
    u.failures += 1;
    if (u.failures >= this.opts.maxFailures) {
      u.failures = 0;
      u.lockedUntil = this.opts.clock.now() + this.opts.lockoutMs;
      return true;
    }
    return false;
  }

  success(username: string): void {
    this.users.delete(username.toLowerCase());
  }

  /** Lifts a lockout, for example after an admin or the console reset the password. */
  clear(username: string): void {
    this.users.delete(username.toLowerCase());
  }
}
