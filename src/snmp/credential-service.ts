import { z } from 'zod';
import type { Store } from '../store/store.js';
import type { CredentialRecord } from '../store/types.js';
import type { Clock } from '../core/time.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { RequestContext } from '../auth/context.js';
import type { SnmpCredential } from './types.js';
import { randomId } from '../core/ids.js';
import { conflict, notFound, validationFailed } from '../core/errors.js';
import { Mutex } from '../lib/mutex.js';

const name = z
  .string()
  .trim()
  .min(1, 'Give the credential a name.')
  .max(64, 'Use at most 64 characters.');
const secret = (what: string) =>
  z.string().min(1, `Enter the ${what}.`).max(256, 'Use at most 256 characters.');

export const credentialInputSchema = z.discriminatedUnion('version', [
  z.object({ version: z.enum(['1', '2c']), name, community: secret('community') }).strict(),
  z
    .object({
      version: z.literal('3'),
      name,
      user: z.string().trim().min(1, 'Enter the user name.').max(64),
      level: z.enum(['noAuthNoPriv', 'authNoPriv', 'authPriv']),
      authProtocol: z.enum(['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512']).optional(),
      authKey: z.string().min(8, 'SNMPv3 keys have at least 8 characters.').max(256).optional(),
      privProtocol: z.enum(['des', 'aes', 'aes256b', 'aes256r']).optional(),
      privKey: z.string().min(8, 'SNMPv3 keys have at least 8 characters.').max(256).optional(),
    })
    .strict()
    .superRefine((v, ctx) => {
      if (v.level !== 'noAuthNoPriv' && (!v.authProtocol || !v.authKey))
        ctx.addIssue({
          code: 'custom',
          path: ['authKey'],
          message: 'This level needs an authentication protocol and key.',
        });
      if (v.level === 'authPriv' && (!v.privProtocol || !v.privKey))
        ctx.addIssue({
          code: 'custom',
          path: ['privKey'],
          message: 'authPriv needs a privacy protocol and key.',
        });
    }),
]);
export type CredentialInput = z.infer<typeof credentialInputSchema>;

/** A credential as the API and UI show it: never a community or key. */
export interface PublicCredential {
  id: string;
  name: string;
  version: '1' | '2c' | '3';
  order: number;
  user?: string;
  level?: string;
  authProtocol?: string;
  privProtocol?: string;
  createdAt: string;
  updatedAt: string;
}

export function publicCredential(c: CredentialRecord): PublicCredential {
  return {
    id: c.id,
    name: c.name,
    version: c.version,
    order: c.order,
    ...(c.user ? { user: c.user } : {}),
    ...(c.level ? { level: c.level } : {}),
    ...(c.authProtocol ? { authProtocol: c.authProtocol } : {}),
    ...(c.privProtocol ? { privProtocol: c.privProtocol } : {}),
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

/** SNMP credentials: an ordered list, secrets sealed at rest, never shown back after saving. */
export class CredentialService {
  private readonly lock = new Mutex();
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      secrets: SecretBox;
      inventoryLock?: Mutex;
      /** After a change is stored (the trap receiver takes the new set); must not throw. */
      onChange?: () => Promise<void>;
    },
  ) {}

  async list(): Promise<PublicCredential[]> {
    return (await this.deps.store.credentials.list()).map(publicCredential);
  }

  async get(id: string): Promise<CredentialRecord> {
    const c = await this.deps.store.credentials.get(id);
    if (!c) throw notFound('The credential');
    return c;
  }

  /** The usable (decrypted) credentials in trial order, for discovery only. */
  async unsealedAll(): Promise<Array<{ id: string; cred: SnmpCredential }>> {
    return (await this.deps.store.credentials.list()).map((c) => ({
      id: c.id,
      cred: this.unseal(c),
    }));
  }

  unseal(c: CredentialRecord): SnmpCredential {
    const { secrets } = this.deps;
    if (c.version !== '3')
      return { version: c.version, community: secrets.open(c.sealedCommunity ?? '') };
    return {
      version: '3',
      user: c.user ?? '',
      level: c.level ?? 'noAuthNoPriv',
      ...(c.authProtocol
        ? { authProtocol: c.authProtocol, authKey: secrets.open(c.sealedAuthKey ?? '') }
        : {}),
      ...(c.privProtocol
        ? { privProtocol: c.privProtocol, privKey: secrets.open(c.sealedPrivKey ?? '') }
        : {}),
    };
  }

  private seal(
    input: CredentialInput,
    base: Pick<CredentialRecord, 'id' | 'order' | 'createdAt'>,
  ): CredentialRecord {
    const { secrets, clock } = this.deps;
    const now = new Date(clock.now()).toISOString();
    if (input.version !== '3')
      return {
        ...base,
        name: input.name,
        version: input.version,
        sealedCommunity: secrets.seal(input.community),
        updatedAt: now,
      };
    return {
      ...base,
      name: input.name,
      version: '3',
      user: input.user,
      level: input.level,
      ...(input.level !== 'noAuthNoPriv' && input.authProtocol && input.authKey
        ? { authProtocol: input.authProtocol, sealedAuthKey: secrets.seal(input.authKey) }
        : {}),
      ...(input.level === 'authPriv' && input.privProtocol && input.privKey
        ? { privProtocol: input.privProtocol, sealedPrivKey: secrets.seal(input.privKey) }
        : {}),
      updatedAt: now,
    };
  }

  create(input: CredentialInput, ctx: RequestContext): Promise<PublicCredential> {
    return this.lock.run(async () => {
      const { store, clock } = this.deps;
      const all = await store.credentials.list();
      if (all.length >= 50)
        throw conflict(
          'TOO_MANY_CREDENTIALS',
          'At most 50 SNMP credentials can be stored; remove unused ones first.',
        );
      const now = new Date(clock.now()).toISOString();
      const rec = this.seal(input, {
        id: randomId(6),
        order: (all.at(-1)?.order ?? 0) + 1,
        createdAt: now,
      });
      await store.write([
        store.credentials.putOp(rec),
        store.audit.recordOp(ctx, 'credential.created', `credential:${rec.id}`, clock.now(), {
          name: rec.name,
          version: rec.version,
        }),
      ]);
      await this.deps.onChange?.();
      return publicCredential(rec);
    });
  }

  update(id: string, input: CredentialInput, ctx: RequestContext): Promise<PublicCredential> {
    return this.lock.run(async () => {
      const { store, clock } = this.deps;
      const before = await this.get(id);
      const rec = this.seal(input, { id, order: before.order, createdAt: before.createdAt });
      await store.write([
        store.credentials.putOp(rec),
        store.audit.recordOp(ctx, 'credential.updated', `credential:${id}`, clock.now(), {
          name: rec.name,
          version: rec.version,
        }),
      ]);
      await this.deps.onChange?.();
      return publicCredential(rec);
    });
  }

  /** Sets the trial order; `ids` must name every credential exactly once. */
  reorder(ids: string[], ctx: RequestContext): Promise<PublicCredential[]> {
    return this.lock.run(async () => {
      const { store, clock } = this.deps;
      const all = await store.credentials.list();
      const known = new Set(all.map((c) => c.id));
      if (
        ids.length !== all.length ||
        new Set(ids).size !== ids.length ||
        ids.some((i) => !known.has(i))
      ) {
        throw validationFailed('Name every credential exactly once.', {
          ids: `Expected the ${all.length} credential ids: ${[...known].join(', ')}`,
        });
      }
      const byId = new Map(all.map((c) => [c.id, c]));
      const next = ids.map((i, n) => ({ ...byId.get(i)!, order: n + 1 }));
      await store.write([
        ...next.map((c) => store.credentials.putOp(c)),
        store.audit.recordOp(ctx, 'credential.reordered', 'credentials', clock.now(), {
          order: ids,
        }),
      ]);
      await this.deps.onChange?.();
      return next.map(publicCredential);
    });
  }

  remove(id: string, ctx: RequestContext): Promise<void> {
    // Under the inventory lock too, so that no device can be pinned to it while it goes.
    const inventory = this.deps.inventoryLock ?? new Mutex();
    return this.lock.run(() =>
      inventory.run(async () => {
        const { store, clock } = this.deps;
        const c = await this.get(id);
        const pinned = (await store.devices.list()).filter(
          (d) => d.snmp.credentialSource === 'manual' && d.snmp.credentialId === id,
        );
        if (pinned.length) {
          throw conflict(
            'CREDENTIAL_IN_USE',
            `"${c.name}" is pinned on ${pinned.length} device(s) (${pinned
              .slice(0, 5)
              .map((d) => d.name)
              .join(
                ', ',
              )}${pinned.length > 5 ? ', …' : ''}). Set their credential back to automatic first.`,
          );
        }
        await store.write([
          store.credentials.delOp(id),
          store.audit.recordOp(ctx, 'credential.deleted', `credential:${id}`, clock.now(), {
            name: c.name,
          }),
        ]);
        await this.deps.onChange?.();
      }),
    );
  }
}
