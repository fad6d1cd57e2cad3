import type { Store } from '../store/store.js';
import type { SessionRecord, UserRecord } from '../store/types.js';
import type { Clock } from '../core/time.js';
import { randomId, sha256Hex } from '../core/ids.js';
import { AppError } from '../core/errors.js';
import { verifyPassword, dummyPasswordHash } from './passwords.js';
import type { LoginLimiter } from './login-limiter.js';
import type { UserService } from './user-service.js';
import { usernameSchema } from './schemas.js';
import { Mutex } from '../lib/mutex.js';

export const SESSION_COOKIE = 'ct_session';
/** lastSeenAt is written at most this often, so that browsing does not write on every request. */
const TOUCH_INTERVAL_MS = 60_000;

export interface LoginResult {
  sessionId: string;
  session: SessionRecord;
  user: UserRecord;
}

export interface ActiveSession {
  idHash: string;
  session: SessionRecord;
  user: UserRecord;
}

const INVALID_NAME = '(invalid name)';

const invalidCredentials = () =>
  new AppError('INVALID_CREDENTIALS', 'The user name or password is not correct.', {
    status: 401,
    kind: 'auth',
  });

export class SessionService {
  private readonly touchLock = new Mutex();

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      limiter: LoginLimiter;
      users: UserService;
      idleMs: number;
      absoluteMs: number;
    },
  ) {}

  async login(
    username: string,
    password: string,
    meta: { ip: string; userAgent: string },
  ): Promise<LoginResult> {
    const { store } = this.deps;
    const user = await this.checkCredentials(username, password, meta.ip);
    const now = this.deps.clock.now();
    const sessionId = randomId(32);
    const session: SessionRecord = {
      userId: user.id,
      csrfToken: randomId(24),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + this.deps.absoluteMs,
      ip: meta.ip,
      userAgent: meta.userAgent.slice(0, 200),
    };
    // The user may have been disabled or given a new password while scrypt ran: commitLogin
    // re-reads it under the users lock and refuses the session if so.
    const current = await this.deps.users.commitLogin(user, (u) => [
      store.sessions.putOp(sha256Hex(sessionId), session),
      store.audit.appendOp(
        {
          actor: { type: 'user', id: u.id, name: u.username, role: u.role },
          action: 'auth.login',
          target: `user:${u.username}`,
          ip: meta.ip,
        },
        now,
      ),
    ]);
    if (!current) throw invalidCredentials();
    return { sessionId, session, user: current };
  }

  /**
   * Checks a user name and password under the login throttle (lockout, attempts per address),
   * without starting a session: logins, and HTTP basic auth on GET /metrics. A failure is
   * audited like a failed login and throws INVALID_CREDENTIALS (401) or a 429.
   */
  async checkCredentials(username: string, password: string, ip: string): Promise<UserRecord> {
    const { store, clock, limiter } = this.deps;
    const parsed = usernameSchema.safeParse(username);
    // A name that cannot exist is throttled under one shared key, so that long or odd input never
    // becomes a key in the limiter or a line in the audit log.
    const name = parsed.success ? parsed.data : INVALID_NAME;
    const gate = limiter.check(name, ip);
    if (gate.retryAfterS > 0) {
      throw new AppError(
        gate.reason === 'locked' ? 'ACCOUNT_LOCKED' : 'RATE_LIMITED',
        gate.reason === 'locked'
          ? `Too many failed logins for this user from your address. Try again in ${Math.ceil(gate.retryAfterS / 60)} min, or ask an admin to reset the password.`
          : `Too many login attempts from your address. Try again in ${gate.retryAfterS} s.`,
        { status: 429, kind: 'auth', cause: { retryAfterS: gate.retryAfterS } },
      );
    }
    const user = parsed.success ? await store.users.getByName(name) : undefined;
    // Unknown names cost the same time as known ones, so timing does not reveal which exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
    if (!user || !ok || user.disabled) {
      const locked = limiter.failure(name, ip);
      await store.write([
        store.audit.appendOp(
          {
            actor: { type: 'system', name: 'auth' },
            action: locked ? 'auth.locked' : 'auth.login-failed',
            // Only names of real users are recorded: a typed name may be a mistyped password.
            ...(user ? { target: `user:${user.username}` } : { details: { user: 'unknown' } }),
            ip: ip,
          },
          clock.now(),
        ),
      ]);
      throw invalidCredentials();
    }
    limiter.success(name, ip);
    return user;
  }

  /**
   * Resolves a session cookie to its user, ending sessions that are idle, expired or orphaned.
   * `activity: false` (background polling) does not count as use, so idle expiry still happens
   * while a page that polls stays open.
   */
  async authenticate(sessionId: string, activity = true): Promise<ActiveSession | undefined> {
    const { store, clock } = this.deps;
    if (!sessionId || sessionId.length > 100) return undefined;
    const idHash = sha256Hex(sessionId);
    const session = await store.sessions.get(idHash);
    if (!session) return undefined;
    const now = clock.now();
    const user = await store.users.get(session.userId);
    if (!user || user.disabled || this.expired(session, now)) {
      await store.write([store.sessions.delOp(idHash)]);
      return undefined;
    }
    if (activity && now - session.lastSeenAt >= TOUCH_INTERVAL_MS) {
      session.lastSeenAt = now;
      await this.touchLock.run(async () => {
        // Re-read: a logout or a password change may have deleted it meanwhile.
        const still = await store.sessions.get(idHash);
        if (still) await store.write([store.sessions.putOp(idHash, { ...still, lastSeenAt: now })]);
      });
    }
    return { idHash, session, user };
  }

  expired(s: SessionRecord, now: number): boolean {
    return now >= s.expiresAt || now - s.lastSeenAt >= this.deps.idleMs;
  }

  async logout(active: ActiveSession, ip: string | undefined): Promise<void> {
    const { store, clock } = this.deps;
    const u = active.user;
    await store.write([
      store.sessions.delOp(active.idHash),
      store.audit.appendOp(
        {
          actor: { type: 'user', id: u.id, name: u.username, role: u.role },
          action: 'auth.logout',
          target: `user:${u.username}`,
          ...(ip ? { ip } : {}),
        },
        clock.now(),
      ),
    ]);
  }

  /**
   * Checks a signed-in user's current password (before a password change) under the same
   * throttle as logins, so a stolen session cannot be used to guess the password.
   */
  async verifyCurrentPassword(user: UserRecord, password: string, ip: string): Promise<boolean> {
    const { limiter } = this.deps;
    const gate = limiter.check(user.username, ip);
    if (gate.retryAfterS > 0) {
      throw new AppError(
        'RATE_LIMITED',
        `Too many wrong passwords. Try again in ${Math.ceil(gate.retryAfterS / 60)} min.`,
        {
          status: 429,
          kind: 'auth',
          cause: { retryAfterS: gate.retryAfterS },
        },
      );
    }
    if (await verifyPassword(password, user.passwordHash)) return true;
    limiter.failure(user.username, ip);
    return false;
  }

  /** Lifts a login lockout, after an admin or the console set a new password. */
  clearLockout(username: string): void {
    this.deps.limiter.clear(username);
  }

  /** Removes expired sessions; returns how many. */
  async prune(): Promise<number> {
    const { store, clock } = this.deps;
    const now = clock.now();
    const ops = (await store.sessions.list())
      .filter(([, s]) => this.expired(s, now))
      .map(([h]) => store.sessions.delOp(h));
    await store.write(ops);
    return ops.length;
  }
}
