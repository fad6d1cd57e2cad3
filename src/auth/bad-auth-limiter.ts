import type { Clock } from '../core/time.js';
import { AppError } from '../core/errors.js';
import { AddressLimit } from './address-limit.js';

/** What was wrong: a bearer token (anywhere) or HTTP basic credentials (GET /metrics). */
export type BadAuthKind = 'token' | 'basic';

export const tooManyAuthFailures = (retryAfterS: number) =>
  new AppError(
    'TOO_MANY_AUTH_FAILURES',
    `Too many failed authentication attempts from your address. Try again in ${retryAfterS} s.`,
    { status: 429, kind: 'auth', cause: { retryAfterS } },
  );

/**
 * Failed token and basic-auth attempts per source address: each is counted (`failures`, exported
 * as caretaker_http_auth_failures_total) and, past `perMinute` in a minute, answered 429 instead
 * of 401. Only failures count, so a valid token is never slowed down, whatever else comes from
 * its address.
 */
export class BadAuthLimiter {
  /** Failed attempts since start, by kind. */
  readonly failures: Record<BadAuthKind, number> = { token: 0, basic: 0 };
  private readonly limit: AddressLimit;

  constructor(opts: { perMinute: number; clock: Clock }) {
    this.limit = new AddressLimit({ perMinute: opts.perMinute, clock: opts.clock });
  }

  /** Seconds the address must wait before its next attempt is even checked (0: go ahead). */
  waitS(ip: string): number {
    return this.limit.waitS(ip);
  }

  /**
   * Records a failed attempt and returns the error to answer with: `unauthorized` (401) while
   * the address has attempts left, TOO_MANY_AUTH_FAILURES (429, Retry-After) once it has not.
   */
  failed(kind: BadAuthKind, ip: string, unauthorized: AppError): AppError {
    this.failures[kind] += 1;
    const wait = this.limit.take(ip);
    return wait > 0 ? tooManyAuthFailures(wait) : unauthorized;
  }
}
