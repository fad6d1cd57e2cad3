import type { Store } from '../store/store.js';
import type { BatchOp } from '../store/db.js';
import type { SessionRecord, UserRecord } from '../store/types.js';
import type { Clock } from '../core/time.js';
import { randomId, sha256Hex } from '../core/ids.js';
import { AppError } from '../core/errors.js';
import { verifyPassword, dummyPasswordHash } from './passwords.js';
import type { LoginLimiter } from './login-limiter.js';
import type { UserService } from './user-service.js';

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

export class SessionService {
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
    const { store, clock, limiter } = this.deps;
    const name = username.trim().toLowerCase();
    const gate = limiter.check(name, meta.ip);
    if (gate.retryAfterS > 0) {
      throw new AppError(
        gate.reason === 'locked' ? 'ACCOUNT_LOCKED' : 'RATE_LIMITED',
        gate.reason === 'locked'
          ? `Too many failed logins for this user. Try again in ${Math.ceil(gate.retryAfterS / 60)} min, or ask an admin to reset the password.`
          : `Too many login attempts from your address. Try again in ${gate.retryAfterS} s.`,
        { status: 429, kind: 'auth', cause: { retryAfterS: gate.retryAfterS } },
      );
    }
    const user = await store.users.getByName(name);
    // Unknown names cost the same time as known ones, so timing does not reveal which exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
    if (!user || !ok || user.disabled) {
      const locked = limiter.failure(name);
      await store.write([
        store.audit.appendOp(
          {
            actor: { type: 'system', name: 'auth' },
            action: locked ? 'auth.locked' : 'auth.login-failed',
            target: `user:${name.slice(0, 64)}`,
            ip: meta.ip,
          },
          clock.now(),
        ),
      ]);
      throw new AppError('INVALID_CREDENTIALS', 'The user name or password is not correct.', {
        status: 401,
        kind: 'auth',
      });
    }
    limiter.success(name);
    const now = clock.now();
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
    await store.write([
      store.sessions.putOp(sha256Hex(sessionId), session),
      ...(await this.deps.users.touchLogin(user)),
      store.audit.appendOp(
        {
          actor: { type: 'user', id: user.id, name: user.username, role: user.role },
          action: 'auth.login',
          target: `user:${user.username}`,
          ip: meta.ip,
        },
        now,
      ),
    ]);
    return { sessionId, session, user };
  }

  /** Resolves a session cookie to its user, ending sessions that are idle, expired or orphaned. */
  async authenticate(sessionId: string): Promise<ActiveSession | undefined> {
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
    if (now - session.lastSeenAt >= TOUCH_INTERVAL_MS) {
      session.lastSeenAt = now;
      await store.write([store.sessions.putOp(idHash, session)]);
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

  /** Lifts a login lockout, after an admin or the console set a new password. */
  clearLockout(username: string): void {
    this.deps.limiter.clear(username);
  }

  /** Deletions for every session of one user (password change, disable, delete). */
  async endSessionsOfOps(userId: string): Promise<BatchOp[]> {
    const rows = await this.deps.store.sessions.list();
    return rows
      .filter(([, s]) => s.userId === userId)
      .map(([h]) => this.deps.store.sessions.delOp(h));
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
