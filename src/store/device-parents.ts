import type { Db, BatchOp, Sub } from './db.js';
import { sub, readAll } from './db.js';
import { compareText } from '../lib/collate.js';

/**
 * A person's choice of a device's parent for root-cause suppression: another device's id, or
 * null for "this device has no parent" (never suppressed behind anything).
 */
export interface DeviceParentRecord {
  deviceId: string;
  parentId: string | null;
  /** actorLabel() of whoever set it. */
  setBy: string;
  setAt: string;
}

/** Manual parent overrides, keyed by the id of the device they are about. */
export class DeviceParentsStore {
  readonly sub: Sub<DeviceParentRecord>;

  constructor(db: Db) {
    this.sub = sub<DeviceParentRecord>(db, 'device-parents');
  }

  get(deviceId: string): Promise<DeviceParentRecord | undefined> {
    return this.sub.get(deviceId) as Promise<DeviceParentRecord | undefined>;
  }

  async list(): Promise<DeviceParentRecord[]> {
    return (await readAll(this.sub)).map(([, r]) => r);
  }

  /**
   * deviceId → parent id or null, oldest first: the form deriveParents() takes, where the newest
   * of several overrides that make a loop together is the one ignored.
   */
  async map(): Promise<Map<string, string | null>> {
    const rows = (await this.list()).sort(
      (a, b) => compareText(a.setAt, b.setAt) || compareText(a.deviceId, b.deviceId),
    );
    return new Map(rows.map((r) => [r.deviceId, r.parentId]));
  }

  putOp(r: DeviceParentRecord): BatchOp {
    return { type: 'put', sublevel: this.sub, key: r.deviceId, value: r };
  }

  delOp(deviceId: string): BatchOp {
    return { type: 'del', sublevel: this.sub, key: deviceId };
  }

  /**
   * For deleting a device in the same batch: its own override and every override that names it
   * as the parent (those devices go back to the derived parent).
   */
  async deviceDeleteOps(deviceId: string): Promise<BatchOp[]> {
    const ops: BatchOp[] = [];
    for (const r of await this.list())
      if (r.deviceId === deviceId || r.parentId === deviceId) ops.push(this.delOp(r.deviceId));
    return ops;
  }
}
