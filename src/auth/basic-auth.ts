import { createHmac, randomBytes } from 'node:crypto';
import type { Store } from '../store/store.js';
import type { UserRecord } from '../store/types.js';
import type { Clock } from '../core/time.js';
import { AppError, isAppError } from '../core/errors.js';
import type { SessionService } from './session-service.js';
import { tooManyAuthFailures, type BadAuthLimiter } from './bad-auth-limiter.js';

/** A verified pair is trusted this long before scrypt checks it again. */
const VERIFIED_TTL_MS = 5 * 60_000;
/** Pairs remembered at once (a few Prometheus servers and scripts, not a user directory). */
const VERIFIED_MAX = 64;

export interface BasicCredentials {
  username: string;
  password: string;
}

/** `Basic base64(user:password)`, or undefined when the header is not that. */
export function parseBasic(header: string): BasicCredentials | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/]{1,1400}={0,2})\s*$/i.exec(header);
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

const badBasic = (message = 'The user name or password is not correct.') =>
  new AppError('INVALID_CREDENTIALS', message, { status: 401, kind: 'auth' });

/**
 * HTTP basic auth for GET /metrics, with a local user's name and password: no session, no cookie.
 * A password is checked like a login (scrypt, the login throttle and lockout, failures audited);
 * a pair that passed is then remembered for a few minutes, keyed by an HMAC with a key that
 * exists only in this process, so that a Prometheus server scraping every 15 s costs one scrypt
 * per few minutes and is never throttled. A remembered pair stops working at once when its user
 * is disabled, deleted or given a new password.
 */
export class BasicAuthenticator {
  private readonly key = randomBytes(32);
  private readonly verified = new Map<
    string,
    { userId: string; passwordChangedAt: string; until: number }
  >();

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      sessions: Pick<SessionService, 'checkCredentials'>;
      badAuth: BadAuthLimiter;
    },
  ) {}

  private fingerprint(c: BasicCredentials): string {
    return createHmac('sha256', this.key)
      .update(c.username.trim().toLowerCase())
      .update('\u0000')
      .update(c.password)
      .digest('base64url');
  }

  /** The user the header names, or throws 401 (counted), 429 or the login throttle's answer. */
  async authenticate(header: string, ip: string): Promise<UserRecord> {
    const { store, clock, sessions, badAuth } = this.deps;
    const creds = parseBasic(header);
    if (!creds)
      throw badAuth.failed(
        'basic',
        ip,
        badBasic('The Authorization header is not valid basic auth.'),
      );
    const fp = this.fingerprint(creds);
    const known = this.verified.get(fp);
    if (known && known.until > clock.now()) {
      const user = await store.users.get(known.userId);
      if (user && !user.disabled && user.passwordChangedAt === known.passwordChangedAt) return user;
    }
    this.verified.delete(fp);
    // Past the limit, a password is not even checked: guessing must not cost the box scrypt time.
    const wait = badAuth.waitS(ip);
    if (wait > 0) throw tooManyAuthFailures(wait);
    let user: UserRecord;
    try {
      user = await sessions.checkCredentials(creds.username, creds.password, ip);
    } catch (err) {
      if (isAppError(err) && err.code === 'INVALID_CREDENTIALS')
        throw badAuth.failed('basic', ip, badBasic());
      throw err;
    }
    if (this.verified.size >= VERIFIED_MAX) {
      const oldest = this.verified.keys().next();
      if (!oldest.done) this.verified.delete(oldest.value);
    }
    this.verified.set(fp, {
      userId: user.id,
      passwordChangedAt: user.passwordChangedAt,
      until: clock.now() + VERIFIED_TTL_MS,
    });
    return user;
  }
}
