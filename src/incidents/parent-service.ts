import type { BatchOp } from '../store/db.js';
import type { DevicesStore } from '../store/devices.js';
import type { AuditStore } from '../store/audit.js';
import type { DeviceParentRecord, DeviceParentsStore } from '../store/device-parents.js';
import type { Clock } from '../core/time.js';
import type { Logger } from '../lib/logger.js';
import type { RequestContext } from '../auth/context.js';
import { badRequest, describeError, notFound } from '../core/errors.js';
import { actorLabel } from '../core/roles.js';
import { Mutex } from '../lib/mutex.js';
import {
  ancestors,
  deriveParents,
  descendants,
  loopIfParent,
  type ParentDerivation,
  type ParentInput,
  type ParentLink,
  type ParentMap,
} from './parents.js';
import type { SelfNetwork } from './self-network.js';

/** What the service needs of the store (the Store, once it holds `deviceParents`). */
export interface ParentStore {
  devices: DevicesStore;
  audit: AuditStore;
  deviceParents: DeviceParentsStore;
  write(ops: BatchOp[]): Promise<void>;
}

/** The derived tree is rebuilt at least this often even without invalidate(). */
export const PARENTS_MAX_AGE_MS = 5 * 60_000;

const NO_SELF: SelfNetwork = { macs: [], subnets: [] };

/**
 * Parents of devices for root-cause suppression: derived from the topology and the box's own
 * network, cached, and overridden by people (stored, validated and audited here).
 */
export class ParentService {
  private cache: { at: number; generation: number; derivation: ParentDerivation } | undefined;
  private building: { generation: number; promise: Promise<ParentDerivation> } | undefined;
  /** Bumped by invalidate(): a build that started before it is not trusted afterwards. */
  private generation = 0;
  private lastIgnored = '';
  private readonly lock: Mutex;

  constructor(
    private readonly deps: {
      store: ParentStore;
      clock: Clock;
      logger: Logger;
      /** The box's MACs, subnets and default gateway (readSelfNetwork in production). */
      self: () => Promise<SelfNetwork>;
      /** Share the inventory lock so that an override and a device delete cannot interleave. */
      inventoryLock?: Mutex;
      maxAgeMs?: number;
    },
  ) {
    this.lock = deps.inventoryLock ?? new Mutex();
  }

  /** The inventory or the overrides changed (after a scan merge, a device delete): rebuild next time. */
  invalidate(): void {
    this.generation += 1;
    this.cache = undefined;
  }

  /** The whole derivation: parents, the root, the gateway device and overrides that were ignored. */
  async derivation(): Promise<ParentDerivation> {
    const now = this.deps.clock.now();
    const maxAge = this.deps.maxAgeMs ?? PARENTS_MAX_AGE_MS;
    const c = this.cache;
    if (c && c.generation === this.generation && now - c.at < maxAge) return c.derivation;
    if (this.building?.generation === this.generation) return this.building.promise;
    const generation = this.generation;
    const promise = this.build()
      .then((derivation) => {
        if (generation === this.generation)
          this.cache = { at: this.deps.clock.now(), generation, derivation };
        return derivation;
      })
      .finally(() => {
        if (this.building?.promise === promise) this.building = undefined;
      });
    this.building = { generation, promise };
    return promise;
  }

  async parents(): Promise<ParentMap> {
    return (await this.derivation()).parents;
  }

  async parentOf(deviceId: string): Promise<ParentLink | undefined> {
    return (await this.parents()).get(deviceId);
  }

  /** The devices above this one, nearest first. */
  async ancestors(deviceId: string): Promise<string[]> {
    return ancestors(await this.parents(), deviceId);
  }

  /** The devices reached through this one, nearest first. */
  async descendants(deviceId: string): Promise<string[]> {
    return descendants(await this.parents(), deviceId);
  }

  overrides(): Promise<DeviceParentRecord[]> {
    return this.deps.store.deviceParents.list();
  }

  /**
   * Sets a device's parent by hand: another device's id, null for "no parent", or undefined to
   * go back to the derived parent. Refuses itself, unknown devices and loops.
   */
  setOverride(
    deviceId: string,
    parentId: string | null | undefined,
    ctx: RequestContext,
  ): Promise<ParentLink> {
    return this.lock.run(async () => {
      const { store, clock } = this.deps;
      const device = await store.devices.get(deviceId);
      if (!device) throw notFound('The device');
      if (typeof parentId === 'string') {
        if (parentId === deviceId)
          throw badRequest('PARENT_IS_SELF', 'A device cannot be its own parent.', {
            parentId: 'Choose another device.',
          });
        if (!(await store.devices.get(parentId)))
          throw badRequest('PARENT_NOT_FOUND', `The parent device ${parentId} does not exist.`, {
            parentId: 'Choose a device of the inventory.',
          });
      }
      const had = await store.deviceParents.get(deviceId);
      if (parentId === undefined ? !had : had?.parentId === parentId)
        return (await this.derivation()).parents.get(deviceId) ?? { via: 'none' };

      const input = await this.loadInput();
      // Judge the new choice against everything else as it stands (other overrides included).
      const others = new Map(input.overrides);
      others.delete(deviceId);
      if (typeof parentId === 'string') {
        const names = new Map(input.devices.map((d) => [d.id, d.name]));
        const loop = loopIfParent(
          deriveParents({ ...input, overrides: others }).parents,
          deviceId,
          parentId,
          (id) => names.get(id) ?? id,
        );
        if (loop) throw badRequest('PARENT_CYCLE', loop, { parentId: loop });
      }
      // The newest override goes last: should it ever end up in a loop, it is the one ignored.
      const overrides = new Map(others);
      if (parentId !== undefined) overrides.set(deviceId, parentId);
      const next = deriveParents({ ...input, overrides });

      const now = clock.now();
      const name = async (id: string | null | undefined) =>
        id ? ((await store.devices.get(id))?.name ?? id) : id === null ? 'none' : 'automatic';
      await store.write([
        parentId === undefined
          ? store.deviceParents.delOp(deviceId)
          : store.deviceParents.putOp({
              deviceId,
              parentId,
              setBy: actorLabel(ctx.actor),
              setAt: new Date(now).toISOString(),
            }),
        store.audit.recordOp(
          ctx,
          parentId === undefined ? 'device.parent.cleared' : 'device.parent.set',
          `device:${deviceId}`,
          now,
          {
            device: device.name,
            from: had ? had.parentId : 'automatic',
            fromName: await name(had ? had.parentId : undefined),
            to: parentId === undefined ? 'automatic' : parentId,
            toName: await name(parentId),
          },
        ),
      ]);
      this.invalidate();
      this.remember(next);
      return next.parents.get(deviceId) ?? { via: 'none' };
    });
  }

  /** Keeps a derivation made from fresh input as the cache. */
  private remember(derivation: ParentDerivation): void {
    this.cache = { at: this.deps.clock.now(), generation: this.generation, derivation };
    this.report(derivation);
  }

  private async build(): Promise<ParentDerivation> {
    const derivation = deriveParents(await this.loadInput());
    this.report(derivation);
    return derivation;
  }

  /** Logs overrides that have no effect, once per change of that set (not every rebuild). */
  private report(d: ParentDerivation): void {
    const key = d.ignored.map((i) => `${i.deviceId}>${i.parentId}:${i.reason}`).join(',');
    if (key === this.lastIgnored) return;
    this.lastIgnored = key;
    for (const i of d.ignored)
      this.deps.logger.warn(
        { component: 'incidents', deviceId: i.deviceId, parentId: i.parentId, reason: i.reason },
        `parent override ignored: ${i.message}`,
      );
  }

  private async loadInput(): Promise<ParentInput> {
    const { store, logger } = this.deps;
    const [devices, overrides, self] = await Promise.all([
      store.devices.list(),
      store.deviceParents.map(),
      this.deps.self().catch((err: unknown) => {
        // Without our own MACs and gateway the tree falls back to fewer parents, not to none at all.
        logger.warn(
          { component: 'incidents', err: describeError(err) },
          'cannot read the box network; parents from the topology only',
        );
        return NO_SELF;
      }),
    ]);
    const [interfaces, details] = await Promise.all([
      store.devices.allInterfaces(),
      store.devices.allDetails(),
    ]);
    const interfacesOf = new Map(devices.map((d) => [d.id, interfaces.get(d.id) ?? []]));
    const detailsOf = new Map(devices.map((d) => [d.id, details.get(d.id)]));
    return {
      devices,
      interfacesOf,
      detailsOf,
      selfMacs: self.macs,
      gatewayIp: self.gatewayIp,
      selfSubnets: self.subnets,
      overrides,
    };
  }
}
