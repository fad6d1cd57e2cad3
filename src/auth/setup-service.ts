import { randomBytes } from 'node:crypto';
import { writeFile, rm, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { Store } from '../store/store.js';
import type { Clock } from '../core/time.js';
import { sha256Hex, safeEqual } from '../core/ids.js';
import { AppError, conflict } from '../core/errors.js';
import type { RequestContext } from './context.js';
import type { UserService } from './user-service.js';
import type { UserRecord } from '../store/types.js';
import type { LoginLimiter } from './login-limiter.js';
import { Mutex } from '../lib/mutex.js';

const ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789'; // no 0/O, 1/I/L, U: easy to read off a console

export function setupCodePath(dataDir: string): string {
  return path.join(dataDir, 'setup-code');
}

export function normaliseSetupCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}

function newCode(): string {
  const bytes = randomBytes(16);
  const chars = Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('');
  return chars.match(/.{4}/g)!.join('-');
}

/**
 * First boot: with no users (or after `caretaker setup-code` on the console) a one-time code is
 * written to `<data dir>/setup-code` (mode 0600) and logged. Only someone with access to the box
 * can read it, so nobody on the LAN can claim a fresh box. Only its hash is stored.
 */
/** A code issued from the console while admins exist is valid for this long. */
const CONSOLE_CODE_TTL_MS = 24 * 3_600_000;
const SETUP_KEY = '(setup code)';
const SETUP_ACTOR = { type: 'system', name: 'setup' } as const;

export class SetupService {
  private readonly lock = new Mutex();

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      users: UserService;
      limiter: LoginLimiter;
    },
  ) {}

  /** True while the box has no user, or a console-issued code is less than a day old. */
  async isOpen(): Promise<boolean> {
    if ((await this.deps.store.users.count()) === 0) return true;
    const state = await this.deps.store.settings.setup();
    return Boolean(
      state && this.deps.clock.now() - Date.parse(state.issuedAt) < CONSOLE_CODE_TTL_MS,
    );
  }

  /** True when nobody has been created yet: every page leads to /setup. */
  async firstBoot(): Promise<boolean> {
    return (await this.deps.store.users.count()) === 0;
  }

  /**
   * Makes sure an open setup has a code, reusing the one in the file when it still matches.
   * Returns the code to show, or undefined when setup is closed.
   */
  async ensureCode(): Promise<string | undefined> {
    if (!(await this.isOpen())) return undefined;
    const { store } = this.deps;
    const state = await store.settings.setup();
    const file = setupCodePath(store.dataDir);
    const existing = await readFile(file, 'utf8').catch(() => undefined);
    if (
      state &&
      existing &&
      safeEqual(sha256Hex(normaliseSetupCode(existing.trim())), state.codeHash)
    ) {
      return existing.trim();
    }
    return this.issue('first boot');
  }

  /** Issues a new code (first boot, or the console's way back in when every admin is lost). */
  async issue(issuedBy: string, ctx?: RequestContext): Promise<string> {
    const { store, clock } = this.deps;
    const code = newCode();
    const file = setupCodePath(store.dataDir);
    const tmp = `${file}.tmp`;
    await writeFile(tmp, `${code}\n`, { mode: 0o600 });
    await rename(tmp, file);
    const ops = [
      store.settings.setupOp({
        codeHash: sha256Hex(normaliseSetupCode(code)),
        issuedAt: new Date(clock.now()).toISOString(),
        issuedBy,
      }),
    ];
    if (ctx) ops.push(store.audit.recordOp(ctx, 'setup.code-issued', undefined, clock.now()));
    await store.write(ops);
    return code;
  }

  /**
   * Creates an admin with the setup code; closes setup and removes the code file. One at a time:
   * the open check, the code check and the creation happen in one critical section, so the code
   * creates exactly one admin however many requests race for it. Wrong codes are throttled per
   * address like logins and audited.
   */
  complete(
    input: { setupCode: string; username: string; password: string },
    ip: string | undefined,
  ): Promise<UserRecord> {
    return this.lock.run(async () => {
      const { store, clock, users, limiter } = this.deps;
      if (!(await this.isOpen()))
        throw conflict('SETUP_DONE', 'This box is already set up. Log in instead.');
      const source = ip ?? 'local';
      const gate = limiter.check(SETUP_KEY, source);
      if (gate.retryAfterS > 0) {
        throw new AppError(
          'RATE_LIMITED',
          `Too many wrong setup codes. Try again in ${Math.ceil(gate.retryAfterS / 60)} min.`,
          {
            status: 429,
            kind: 'auth',
            cause: { retryAfterS: gate.retryAfterS },
          },
        );
      }
      const state = await store.settings.setup();
      if (!state || !safeEqual(sha256Hex(normaliseSetupCode(input.setupCode)), state.codeHash)) {
        limiter.failure(SETUP_KEY, source);
        await store.write([
          store.audit.recordOp(
            { actor: SETUP_ACTOR, ip },
            'setup.code-rejected',
            undefined,
            clock.now(),
          ),
        ]);
        throw new AppError(
          'SETUP_CODE_INVALID',
          'The setup code is not correct. Read it from the box’s console or from the setup-code file in its data directory.',
          { status: 403, kind: 'auth', fields: { setupCode: 'This code is not correct.' } },
        );
      }
      limiter.success(SETUP_KEY, source);
      const ctx = { actor: SETUP_ACTOR, ...(ip ? { ip } : {}) };
      const user = await users.create(
        { username: input.username, password: input.password, role: 'admin', displayName: '' },
        ctx,
        [
          store.settings.setupOp(undefined),
          store.audit.recordOp(
            ctx,
            'setup.completed',
            `user:${input.username.trim().toLowerCase()}`,
            clock.now(),
          ),
        ],
      );
      await rm(setupCodePath(store.dataDir), { force: true });
      return user;
    });
  }
}
