import type { Db, BatchOp, Sub } from './db.js';
import { sub, readAll } from './db.js';
import { key, prefixRange } from './keys.js';

/** An explicit choice about one interface: important (marked) or not (unmarked). */
export interface InterfaceMark {
  deviceId: string;
  ifIndex: string;
  important: boolean;
  at: string;
  by: string;
}

/** Interfaces marked or unmarked as important by people, keyed `deviceId!ifIndex`. */
export class InterfaceMarksStore {
  readonly sub: Sub<InterfaceMark>;
  constructor(db: Db) {
    this.sub = sub<InterfaceMark>(db, 'interface-marks');
  }
  async of(deviceId: string): Promise<InterfaceMark[]> {
    return (await readAll(this.sub, prefixRange(deviceId))).map(([, m]) => m);
  }
  /** ifIndex → important, for isImportant(). */
  async mapOf(deviceId: string): Promise<Map<string, boolean>> {
    return new Map((await this.of(deviceId)).map((m) => [m.ifIndex, m.important]));
  }
  get(deviceId: string, ifIndex: string): Promise<InterfaceMark | undefined> {
    return this.sub.get(key(deviceId, ifIndex)) as Promise<InterfaceMark | undefined>;
  }
  putOp(m: InterfaceMark): BatchOp {
    return { type: 'put', sublevel: this.sub, key: key(m.deviceId, m.ifIndex), value: m };
  }
  delOp(deviceId: string, ifIndex: string): BatchOp {
    return { type: 'del', sublevel: this.sub, key: key(deviceId, ifIndex) };
  }
  async deleteOps(deviceId: string): Promise<BatchOp[]> {
    const ops: BatchOp[] = [];
    for await (const k of this.sub.keys(prefixRange(deviceId)))
      ops.push({ type: 'del', sublevel: this.sub, key: k });
    return ops;
  }
}
