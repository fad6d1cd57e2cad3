import type { Clock } from '../core/time.js';
import { AddressLimit } from './address-limit.js';

interface Entry {
  failures: number;
  lockedUntil: number;
}

/**
 * Password-guessing throttle, kept in memory:
 * - a lockout of one user name *from one address* after consecutive failures, so that a host on
 *   the LAN cannot keep an admin locked out from everywhere else;
 * - a cap on attempts per source address per minute, whatever the user name.
 * Callers pass only validated, normalised names (at most 64 characters), so keys stay small; the
 * maps are bounded, and eviction never drops an entry that is currently locked.
 */
export class LoginLimiter {
  private readonly users = new Map<string, Entry>();
  private readonly ips: AddressLimit;

  constructor(
    private readonly opts: {
      maxFailures: number;
      lockoutMs: number;
      attemptsPerMinute: number;
      clock: Clock;
      maxEntries?: number;
    },
  ) {
    this.ips = new AddressLimit({
      perMinute: opts.attemptsPerMinute,
      clock: opts.clock,
      ...(opts.maxEntries !== undefined ? { maxEntries: opts.maxEntries } : {}),
    });
  }

  private static userKey(username: string, ip: string): string {
    return `${username.toLowerCase()}\u0000${ip}`;
  }

  private entry(map: Map<string, Entry>, key: string): Entry {
    let e = map.get(key);
    if (!e) {
      if (map.size >= (this.opts.maxEntries ?? 10_000)) this.evict(map);
      e = { failures: 0, lockedUntil: 0 };
      map.set(key, e);
    }
    return e;
  }

  private evict(map: Map<string, Entry>): void {
    const now = this.opts.clock.now();
    for (const [k, v] of map) {
      if (v.lockedUntil <= now) {
        map.delete(k);
        return;
      }
    }
  }

  /** Returns the seconds to wait, or 0 when the attempt may go ahead (and counts it). */
  check(username: string, ip: string): { retryAfterS: number; reason?: 'locked' | 'rate' } {
    const now = this.opts.clock.now();
    const u = this.users.get(LoginLimiter.userKey(username, ip));
    if (u && u.lockedUntil > now)
      return { retryAfterS: Math.ceil((u.lockedUntil - now) / 1000), reason: 'locked' };
    const wait = this.ips.take(ip);
    return wait > 0 ? { retryAfterS: wait, reason: 'rate' } : { retryAfterS: 0 };
  }

  /** Records a failure; returns true when this failure locked the name for this address. */
  failure(username: string, ip: string): boolean {
    const u = this.entry(this.users, LoginLimiter.userKey(username, ip));
    u.failures += 1;
    if (u.failures >= this.opts.maxFailures) {
      u.failures = 0;
      u.lockedUntil = this.opts.clock.now() + this.opts.lockoutMs;
      return true;
    }
    return false;
  }

  success(username: string, ip: string): void {
    this.users.delete(LoginLimiter.userKey(username, ip));
  }

  /** Lifts every lockout of a name, for example after an admin set a new password. */
  clear(username: string): void {
    const prefix = `${username.toLowerCase()}\u0000`;
    for (const k of this.users.keys()) if (k.startsWith(prefix)) this.users.delete(k);
  }
}
