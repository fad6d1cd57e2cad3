import type { Store } from '../store/store.js';
import type { BatchOp } from '../store/db.js';
import type { UserRecord } from '../store/types.js';
import type { Clock } from '../core/time.js';
import type { Role } from '../core/roles.js';
import { randomId } from '../core/ids.js';
import { conflict, notFound, validationFailed } from '../core/errors.js';
import { Mutex } from '../lib/mutex.js';
import { hashPassword } from './passwords.js';
import type { RequestContext } from './context.js';
import { usernameSchema, passwordSchema } from './schemas.js';

/** What a user looks like outside the store: never the password hash. */
export interface PublicUser {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
  lastLoginAt?: string;
}

export function publicUser(u: UserRecord): PublicUser {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    role: u.role,
    disabled: u.disabled,
    createdAt: u.createdAt,
    ...(u.lastLoginAt ? { lastLoginAt: u.lastLoginAt } : {}),
  };
}

export class UserService {
  /** One writer at a time, so "is the name free" and "is this the last admin" stay true until written. */
  private readonly lock = new Mutex();

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      passwordMinLength: number;
    },
  ) {}

  private now(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  private audit(
    ctx: RequestContext,
    action: string,
    target: string,
    details?: Record<string, unknown>,
  ): BatchOp {
    return this.deps.store.audit.recordOp(ctx, action, target, this.deps.clock.now(), details);
  }

  private checkPassword(password: string): void {
    const r = passwordSchema(this.deps.passwordMinLength).safeParse(password);
    if (!r.success)
      throw validationFailed(`Password: ${r.error.issues[0]!.message}`, {
        password: r.error.issues[0]!.message,
      });
  }

  async list(): Promise<PublicUser[]> {
    return (await this.deps.store.users.list()).map(publicUser);
  }

  async get(id: string): Promise<UserRecord> {
    const u = await this.deps.store.users.get(id);
    if (!u) throw notFound('The user');
    return u;
  }

  create(
    input: { username: string; password: string; role: Role; displayName: string },
    ctx: RequestContext,
    extraOps: BatchOp[] = [],
  ): Promise<UserRecord> {
    return this.lock.run(async () => {
      const name = usernameSchema.safeParse(input.username);
      if (!name.success)
        throw validationFailed(`User name: ${name.error.issues[0]!.message}`, {
          username: name.error.issues[0]!.message,
        });
      this.checkPassword(input.password);
      const { store } = this.deps;
      if (await store.users.getByName(name.data)) {
        throw conflict('USERNAME_TAKEN', `A user named "${name.data}" already exists.`);
      }
      const now = this.now();
      const user: UserRecord = {
        id: randomId(9),
        username: name.data,
        displayName: input.displayName,
        role: input.role,
        passwordHash: await hashPassword(input.password),
        disabled: false,
        createdAt: now,
        updatedAt: now,
        passwordChangedAt: now,
      };
      await store.write([
        ...store.users.putOps(user),
        this.audit(ctx, 'user.created', `user:${user.username}`, { role: user.role }),
        ...extraOps,
      ]);
      return user;
    });
  }

  private async enabledAdmins(): Promise<number> {
    return (await this.deps.store.users.list()).filter((u) => u.role === 'admin' && !u.disabled)
      .length;
  }

  update(
    id: string,
    patch: { role?: Role; disabled?: boolean; displayName?: string },
    ctx: RequestContext,
  ): Promise<UserRecord> {
    return this.lock.run(async () => {
      const before = await this.get(id);
      const after: UserRecord = { ...before, ...patch, updatedAt: this.now() };
      const losesAdmin =
        before.role === 'admin' && !before.disabled && (after.role !== 'admin' || after.disabled);
      if (losesAdmin && (await this.enabledAdmins()) <= 1) {
        throw conflict(
          'LAST_ADMIN',
          'This is the last active admin. Make another user admin first.',
        );
      }
      const changes: Record<string, unknown> = {};
      for (const k of ['role', 'disabled', 'displayName'] as const) {
        if (patch[k] !== undefined && patch[k] !== before[k])
          changes[k] = { from: before[k], to: patch[k] };
      }
      if (Object.keys(changes).length === 0) return before;
      const ops = [
        ...this.deps.store.users.putOps(after, before),
        this.audit(ctx, 'user.updated', `user:${after.username}`, changes),
      ];
      if (after.disabled && !before.disabled)
        ops.push(...(await this.deps.store.sessions.deleteOpsForUser(id)));
      await this.deps.store.write(ops);
      return after;
    });
  }

  /**
   * Sets a new password and ends the user's other sessions (`keepSessionHash` is the caller's
   * own). `enable` also re-enables a disabled user, in the same batch (console recovery).
   */
  setPassword(
    id: string,
    password: string,
    ctx: RequestContext,
    opts: { keepSessionHash?: string; enable?: boolean } = {},
  ): Promise<UserRecord> {
    return this.lock.run(async () => {
      this.checkPassword(password);
      const before = await this.get(id);
      const now = this.now();
      const after: UserRecord = {
        ...before,
        passwordHash: await hashPassword(password),
        passwordChangedAt: now,
        updatedAt: now,
        ...(opts.enable ? { disabled: false } : {}),
      };
      const endOps = (await this.deps.store.sessions.deleteOpsForUser(id)).filter(
        (op) => op.key !== opts.keepSessionHash,
      );
      await this.deps.store.write([
        ...this.deps.store.users.putOps(after, before),
        this.audit(
          ctx,
          'user.password-changed',
          `user:${after.username}`,
          before.disabled && !after.disabled ? { disabled: { from: true, to: false } } : undefined,
        ),
        ...endOps,
      ]);
      return after;
    });
  }

  remove(id: string, ctx: RequestContext): Promise<void> {
    return this.lock.run(async () => {
      const user = await this.get(id);
      if (user.role === 'admin' && !user.disabled && (await this.enabledAdmins()) <= 1) {
        throw conflict('LAST_ADMIN', 'This is the last active admin and cannot be deleted.');
      }
      await this.deps.store.write([
        ...this.deps.store.users.deleteOps(user),
        this.audit(ctx, 'user.deleted', `user:${user.username}`),
        ...(await this.deps.store.sessions.deleteOpsForUser(id)),
      ]);
    });
  }

  /**
   * Commits a login: under the users lock, re-reads the user and, if it is still enabled with the
   * password that was just verified, writes lastLoginAt together with the session's writes.
   * Returns undefined (no session) when the user changed meanwhile.
   */
  commitLogin(
    user: UserRecord,
    ops: (current: UserRecord) => BatchOp[],
  ): Promise<UserRecord | undefined> {
    return this.lock.run(async () => {
      const current = await this.deps.store.users.get(user.id);
      if (!current || current.disabled || current.passwordChangedAt !== user.passwordChangedAt)
        return undefined;
      const stamped = { ...current, lastLoginAt: this.now() };
      await this.deps.store.write([
        ...this.deps.store.users.putOps(stamped, current),
        ...ops(stamped),
      ]);
      return stamped;
    });
  }
}
