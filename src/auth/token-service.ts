import type { Store } from '../store/store.js';
import type { TokenRecord } from '../store/types.js';
import type { Clock } from '../core/time.js';
import type { TokenScope } from '../core/roles.js';
import { randomId, sha256Hex, safeEqual } from '../core/ids.js';
import { conflict, notFound } from '../core/errors.js';
import type { RequestContext } from './context.js';
import { actorLabel } from '../core/roles.js';
import { Mutex } from '../lib/mutex.js';

const PREFIX = 'ct_';
const TOUCH_INTERVAL_MS = 60_000;

export type PublicToken = Omit<TokenRecord, 'secretHash'>;

export function publicToken(t: TokenRecord): PublicToken {
  const { secretHash: _secret, ...rest } = t;
  return rest;
}

/** Parses `ct_<id>.<secret>`; anything else is not one of our tokens. */
export function parseToken(value: string): { id: string; secret: string } | undefined {
  if (!value.startsWith(PREFIX) || value.length > 200) return undefined;
  const dot = value.indexOf('.', PREFIX.length);
  if (dot < 0) return undefined;
  const id = value.slice(PREFIX.length, dot);
  const secret = value.slice(dot + 1);
  if (!/^[A-Za-z0-9_-]{4,32}$/.test(id) || !/^[A-Za-z0-9_-]{20,100}$/.test(secret))
    return undefined;
  return { id, secret };
}

/** API tokens for HQ and scripts: shown once, stored as a hash, scoped, revocable. */
export class TokenService {
  /** Serialises revocations and lastUsedAt write-backs, which both rewrite the record. */
  private readonly lock = new Mutex();

  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  async create(
    input: { name: string; scope: TokenScope },
    ctx: RequestContext,
  ): Promise<{ token: string; record: PublicToken }> {
    const { store, clock } = this.deps;
    const id = randomId(6);
    const secret = randomId(32);
    const record: TokenRecord = {
      id,
      name: input.name,
      scope: input.scope,
      secretHash: sha256Hex(secret),
      createdAt: new Date(clock.now()).toISOString(),
      createdBy: actorLabel(ctx.actor),
    };
    await store.write([
      store.tokens.putOp(record),
      store.audit.recordOp(ctx, 'token.created', `token:${id}`, clock.now(), {
        name: input.name,
        scope: input.scope,
      }),
    ]);
    return { token: `${PREFIX}${id}.${secret}`, record: publicToken(record) };
  }

  async list(): Promise<PublicToken[]> {
    return (await this.deps.store.tokens.list()).map(publicToken);
  }

  revoke(id: string, ctx: RequestContext): Promise<PublicToken> {
    return this.lock.run(() => this.revokeLocked(id, ctx));
  }

  private async revokeLocked(id: string, ctx: RequestContext): Promise<PublicToken> {
    const { store, clock } = this.deps;
    const t = await store.tokens.get(id);
    if (!t) throw notFound('The token');
    if (t.revokedAt) throw conflict('TOKEN_REVOKED', 'This token is already revoked.');
    const now = new Date(clock.now()).toISOString();
    const revoked: TokenRecord = { ...t, revokedAt: now, revokedBy: actorLabel(ctx.actor) };
    await store.write([
      store.tokens.putOp(revoked),
      store.audit.recordOp(ctx, 'token.revoked', `token:${id}`, clock.now(), { name: t.name }),
    ]);
    return publicToken(revoked);
  }

  /** Resolves a bearer value to its token record, or undefined for unknown, wrong or revoked tokens. */
  async authenticate(value: string): Promise<TokenRecord | undefined> {
    const parsed = parseToken(value);
    if (!parsed) return undefined;
    const { store, clock } = this.deps;
    const t = await store.tokens.get(parsed.id);
    if (!t || t.revokedAt || !safeEqual(sha256Hex(parsed.secret), t.secretHash)) return undefined;
    const now = clock.now();
    if (!t.lastUsedAt || now - Date.parse(t.lastUsedAt) >= TOUCH_INTERVAL_MS) {
      await this.lock.run(async () => {
        // Re-read so that a revocation written meanwhile is never overwritten.
        const still = await store.tokens.get(t.id);
        if (still && !still.revokedAt)
          await store.write([
            store.tokens.putOp({ ...still, lastUsedAt: new Date(now).toISOString() }),
          ]);
      });
    }
    return t;
  }
}
