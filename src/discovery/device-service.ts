import type { BatchOp } from '../store/db.js';
import { z } from 'zod';
import type { Store } from '../store/store.js';
import type { DeviceRecord } from '../store/types.js';
import type { Clock } from '../core/time.js';
import type { RequestContext } from '../auth/context.js';
import { notFound } from '../core/errors.js';
import { Mutex } from '../lib/mutex.js';
import { DEVICE_TYPES } from './types.js';
import { compareNatural } from '../lib/collate.js';

export const devicePatchSchema = z
  .object({
    /** A name of the admin's choosing; '' goes back to the discovered name. */
    name: z.string().trim().max(80).optional(),
    /** A type of the admin's choosing; 'auto' goes back to the identified type. */
    type: z.enum([...DEVICE_TYPES, 'auto']).optional(),
    notes: z.string().max(4000).optional(),
    /** Pin the SNMP credential; null goes back to automatic. */
    credentialId: z.string().max(32).nullable().optional(),
  })
  .strict()
  .refine(
    (p) => Object.keys(p).length > 0,
    'Name at least one of name, type, notes, credentialId.',
  );
export type DevicePatch = z.infer<typeof devicePatchSchema>;

export const deviceQuerySchema = z
  .object({
    q: z.string().max(100).optional(),
    type: z.enum(DEVICE_TYPES).optional(),
    vendor: z.string().max(80).optional(),
    status: z.enum(['up', 'missing']).optional(),
    sort: z.enum(['name', 'ip', 'type', 'vendor', 'lastSeen', 'firstSeen']).default('ip'),
    order: z.enum(['asc', 'desc']).default('asc'),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();
export type DeviceQuery = z.infer<typeof deviceQuerySchema>;

function ipKey(ip: string): string {
  return ip.includes('.')
    ? ip
        .split('.')
        .map((o) => o.padStart(3, '0'))
        .join('.')
    : ip;
}

/**
 * How other features take part in deleting a device: ops in the same batch, a wrapper that adds
 * its own ops while holding its lock (the alert engine), and clean-up of memory afterwards.
 */
export interface DeviceRemovalHooks {
  extraOps?(deviceId: string): Promise<BatchOp[]>;
  wrap?(deviceId: string, commit: (ops: BatchOp[]) => Promise<void>): Promise<void>;
  after?(deviceId: string): Promise<void>;
}

/** The inventory as people use it: search, filter, sort, page; edit and delete with audit. */
export class DeviceService {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      inventoryLock: Mutex;
      /** What other features keep about a device, removed with it (bound in main.ts). */
      removal?: DeviceRemovalHooks;
    },
  ) {}

  /** The inventory lock shared with scan merges and credential deletes. */
  private get lock(): Mutex {
    return this.deps.inventoryLock;
  }

  async get(id: string): Promise<DeviceRecord> {
    const d = await this.deps.store.devices.get(id);
    if (!d) throw notFound('The device');
    return d;
  }

  async query(q: DeviceQuery): Promise<{
    items: DeviceRecord[];
    total: number;
    facets: {
      types: Record<string, number>;
      vendors: Record<string, number>;
      status: Record<string, number>;
    };
  }> {
    const all = await this.deps.store.devices.list();
    const facets = {
      types: {} as Record<string, number>,
      vendors: {} as Record<string, number>,
      status: {} as Record<string, number>,
    };
    for (const d of all) {
      facets.types[d.type] = (facets.types[d.type] ?? 0) + 1;
      if (d.vendor) facets.vendors[d.vendor] = (facets.vendors[d.vendor] ?? 0) + 1;
      facets.status[d.status] = (facets.status[d.status] ?? 0) + 1;
    }
    const needle = q.q?.toLowerCase().trim();
    const hits = all.filter(
      (d) =>
        (!q.type || d.type === q.type) &&
        (!q.vendor || d.vendor === q.vendor) &&
        (!q.status || d.status === q.status) &&
        (!needle ||
          [
            d.name,
            d.ip,
            d.mac,
            d.vendor,
            d.model,
            d.sysDescr,
            d.serial,
            d.location,
            ...d.addresses,
          ].some((v) => v?.toLowerCase().includes(needle))),
    );
    const key = (d: DeviceRecord): string =>
      q.sort === 'ip' ? ipKey(d.ip) : String(d[q.sort] ?? '').toLowerCase();
    hits.sort((a, b) => compareNatural(key(a), key(b)) * (q.order === 'asc' ? 1 : -1));
    return { items: hits.slice(q.offset, q.offset + q.limit), total: hits.length, facets };
  }

  update(id: string, patch: DevicePatch, ctx: RequestContext): Promise<DeviceRecord> {
    return this.lock.run(async () => {
      const { store, clock } = this.deps;
      const before = await this.get(id);
      const after: DeviceRecord = { ...before, snmp: { ...before.snmp } };
      if (patch.name !== undefined) {
        after.name = patch.name || before.sysName || before.ip;
        after.nameSource = patch.name ? 'manual' : 'auto';
      }
      if (patch.type !== undefined) {
        after.typeSource = patch.type === 'auto' ? 'auto' : 'manual';
        after.type = patch.type === 'auto' ? (before.autoType ?? before.type) : patch.type;
      }
      if (patch.notes !== undefined) after.notes = patch.notes;
      if (patch.credentialId !== undefined) {
        if (patch.credentialId === null) {
          after.snmp.credentialSource = 'auto';
        } else {
          if (!(await store.credentials.get(patch.credentialId))) throw notFound('The credential');
          after.snmp.credentialId = patch.credentialId;
          after.snmp.credentialSource = 'manual';
        }
      }
      const changes: Array<{ field: string; from: unknown; to: unknown }> = (
        ['name', 'nameSource', 'type', 'typeSource', 'notes'] as const
      )
        .filter((k) => before[k] !== after[k])
        .map((k) => ({ field: k, from: before[k], to: after[k] }));
      if (
        before.snmp.credentialId !== after.snmp.credentialId ||
        before.snmp.credentialSource !== after.snmp.credentialSource
      ) {
        changes.push({
          field: 'credential',
          from: before.snmp.credentialId ?? '',
          to: `${after.snmp.credentialId ?? ''} (${after.snmp.credentialSource})`,
        });
      }
      if (!changes.length) return before;
      const now = clock.now();
      await store.write([
        ...store.devices.putOps(after, before),
        store.devices.historyOp(
          { deviceId: id, kind: 'edited', actor: ctx.actor.name, changes },
          now,
        ),
        store.audit.recordOp(
          ctx,
          'device.updated',
          `device:${id}`,
          now,
          Object.fromEntries(changes.map((c) => [c.field, { from: c.from, to: c.to }])),
        ),
      ]);
      return after;
    });
  }

  remove(id: string, ctx: RequestContext): Promise<void> {
    return this.lock.run(async () => {
      const { store, clock } = this.deps;
      const d = await this.get(id);
      const hooks = this.deps.removal ?? {};
      const own = [
        ...(await store.devices.deleteOps(d)),
        ...((await hooks.extraOps?.(id)) ?? []),
        store.audit.recordOp(ctx, 'device.deleted', `device:${id}`, clock.now(), {
          name: d.name,
          ip: d.ip,
        }),
      ];
      const commit = (more: BatchOp[]) => store.write([...own, ...more]);
      if (hooks.wrap) await hooks.wrap(id, commit);
      else await commit([]);
      await hooks.after?.(id);
    });
  }
}
