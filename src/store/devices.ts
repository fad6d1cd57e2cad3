import type { Db, BatchOp, Sub } from './db.js';
import { sub, readAll } from './db.js';
import { key, pad, prefixRange, timeKey, SEP } from './keys.js';
import type { DeviceChange, DeviceDetails, DeviceRecord } from './types.js';
import type { InterfaceInfo } from '../discovery/types.js';
import { usableSerial } from '../discovery/serial.js';

/** Identity keys a device can be found by: MAC, serial, SNMP engine ID, sysName+address. */
export type IdentityKey =
  `mac:${string}` | `serial:${string}` | `engine:${string}` | `name:${string}` | `ip:${string}`;

export function identityKeys(
  d: Pick<DeviceRecord, 'mac' | 'serial' | 'engineId' | 'sysName' | 'ip'>,
): IdentityKey[] {
  const out: IdentityKey[] = [`ip:${d.ip}`];
  if (d.mac) out.push(`mac:${d.mac}`);
  const serial = usableSerial(d.serial);
  if (serial) out.push(`serial:${serial.toLowerCase()}`);
  if (d.engineId) out.push(`engine:${d.engineId}`);
  if (d.sysName) out.push(`name:${d.sysName.toLowerCase()}@${d.ip}`);
  return out;
}

/**
 * The inventory: devices by id, an identity index (each identity key → device id), interfaces
 * keyed `deviceId!ifIndex`, one details record per device (neighbours, ARP, FDB), and a change
 * history keyed `deviceId!time`.
 */
export class DevicesStore {
  readonly byId: Sub<DeviceRecord>;
  readonly index: Sub<string>;
  readonly interfaces: Sub<InterfaceInfo>;
  readonly details: Sub<DeviceDetails>;
  readonly history: Sub<DeviceChange>;

  constructor(db: Db) {
    this.byId = sub<DeviceRecord>(db, 'devices');
    this.index = sub<string>(db, 'device-index');
    this.interfaces = sub<InterfaceInfo>(db, 'interfaces');
    this.details = sub<DeviceDetails>(db, 'device-details');
    this.history = sub<DeviceChange>(db, 'device-history');
  }

  get(id: string): Promise<DeviceRecord | undefined> {
    return this.byId.get(id) as Promise<DeviceRecord | undefined>;
  }

  /** Whether the device exists, without reading its record. */
  has(id: string): Promise<boolean> {
    return this.byId.has(id);
  }

  async list(): Promise<DeviceRecord[]> {
    return (await readAll(this.byId)).map(([, d]) => d);
  }

  async count(): Promise<number> {
    let n = 0;
    for await (const _ of this.byId.keys()) n += 1;
    return n;
  }

  async lookup(k: IdentityKey): Promise<string | undefined> {
    return (await this.index.get(k)) as string | undefined;
  }

  async interfacesOf(id: string): Promise<InterfaceInfo[]> {
    return (await readAll(this.interfaces, prefixRange(id))).map(([, i]) => i);
  }

  async detailsOf(id: string): Promise<DeviceDetails | undefined> {
    return (await this.details.get(id)) as DeviceDetails | undefined;
  }

  /**
   * Every device's interfaces in one pass over the sublevel. For the whole inventory this is
   * what to use: a read per device puts a thousand LevelDB iterators in flight at once, and the
   * buffers they hold together stay in malloc's arenas afterwards (30 MiB at 1,000 devices).
   */
  async allInterfaces(): Promise<Map<string, InterfaceInfo[]>> {
    const out = new Map<string, InterfaceInfo[]>();
    for await (const [k, i] of this.interfaces.iterator()) {
      const id = k.slice(0, k.indexOf(SEP));
      let list = out.get(id);
      if (!list) out.set(id, (list = []));
      list.push(i);
    }
    return out;
  }

  /** Every device's details in one pass (see allInterfaces). */
  async allDetails(): Promise<Map<string, DeviceDetails>> {
    const out = new Map<string, DeviceDetails>();
    for await (const [id, d] of this.details.iterator()) out.set(id, d as DeviceDetails);
    return out;
  }

  async historyOf(id: string, limit: number): Promise<DeviceChange[]> {
    return (await readAll(this.history, { ...prefixRange(id), limit, reverse: true })).map(
      ([, h]) => h,
    );
  }

  /** Writes a device with its identity index, dropping index entries of its previous identity. */
  putOps(d: DeviceRecord, previous?: DeviceRecord): BatchOp[] {
    const ops: BatchOp[] = [{ type: 'put', sublevel: this.byId, key: d.id, value: d }];
    const now = new Set(identityKeys(d));
    for (const k of previous ? identityKeys(previous) : [])
      if (!now.has(k)) ops.push({ type: 'del', sublevel: this.index, key: k });
    for (const k of now) ops.push({ type: 'put', sublevel: this.index, key: k, value: d.id });
    return ops;
  }

  /** Rewrites only the device record (status changes), leaving the identity index alone. */
  recordOp(d: DeviceRecord): BatchOp {
    return { type: 'put', sublevel: this.byId, key: d.id, value: d };
  }

  /** Replaces a device's interfaces (old rows not in the new list are deleted). */
  interfaceOps(id: string, next: InterfaceInfo[], previous: InterfaceInfo[]): BatchOp[] {
    const ops: BatchOp[] = [];
    const keep = new Set(next.map((i) => i.index));
    for (const p of previous)
      if (!keep.has(p.index))
        ops.push({ type: 'del', sublevel: this.interfaces, key: key(id, pad(p.index, 10)) });
    for (const i of next)
      ops.push({
        type: 'put',
        sublevel: this.interfaces,
        key: key(id, pad(i.index, 10)),
        value: i,
      });
    return ops;
  }

  detailsOp(id: string, d: DeviceDetails): BatchOp {
    return { type: 'put', sublevel: this.details, key: id, value: d };
  }

  historyOp(change: Omit<DeviceChange, 'key' | 'at'>, nowMs: number): BatchOp {
    const k = key(change.deviceId, timeKey(nowMs));
    return {
      type: 'put',
      sublevel: this.history,
      key: k,
      value: { ...change, key: k, at: new Date(nowMs).toISOString() },
    };
  }

  async deleteOps(d: DeviceRecord): Promise<BatchOp[]> {
    const ops: BatchOp[] = [
      { type: 'del', sublevel: this.byId, key: d.id },
      { type: 'del', sublevel: this.details, key: d.id },
    ];
    for (const k of identityKeys(d)) {
      if ((await this.lookup(k)) === d.id) ops.push({ type: 'del', sublevel: this.index, key: k });
    }
    for await (const k of this.interfaces.keys(prefixRange(d.id)))
      ops.push({ type: 'del', sublevel: this.interfaces, key: k });
    for await (const k of this.history.keys(prefixRange(d.id)))
      ops.push({ type: 'del', sublevel: this.history, key: k });
    return ops;
  }
}
