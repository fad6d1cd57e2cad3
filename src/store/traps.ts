import type { Db, BatchOp, Sub } from './db.js';
import { sub } from './db.js';
import { HIGH, timeKey } from './keys.js';
import type { TrapRecord } from '../incidents/trap-decode.js';

/** A received trap as kept for the traps page (newest last). */
export interface StoredTrap extends TrapRecord {
  key: string;
  /** The inventory device that sent it; absent for an unknown source (kept and shown all the same). */
  deviceId?: string;
}

export class TrapsStore {
  readonly sub: Sub<StoredTrap>;
  constructor(db: Db) {
    this.sub = sub<StoredTrap>(db, 'traps');
  }
  appendOp(t: TrapRecord, deviceId: string | undefined): BatchOp & { value: StoredTrap } {
    const k = timeKey(t.receivedAt);
    return {
      type: 'put',
      sublevel: this.sub,
      key: k,
      value: { ...t, key: k, ...(deviceId ? { deviceId } : {}) },
    };
  }
  /** Newest first, filtered; stops after `maxScan` so that a rare filter stays cheap. */
  async query(q: {
    deviceId?: string;
    unknownOnly?: boolean;
    before?: string;
    limit: number;
    maxScan?: number;
  }): Promise<{ items: StoredTrap[]; next?: string }> {
    const items: StoredTrap[] = [];
    let scanned = 0;
    for await (const [k, t] of this.sub.iterator({ lt: q.before ?? HIGH, reverse: true })) {
      scanned += 1;
      if ((!q.deviceId || t.deviceId === q.deviceId) && (!q.unknownOnly || !t.deviceId))
        items.push(t);
      if (items.length >= q.limit || scanned >= (q.maxScan ?? 20_000)) return { items, next: k };
    }
    return { items };
  }
  /** Keys beyond the newest `keep`, oldest first (at most `limit`). */
  async overflow(keep: number, limit: number): Promise<string[]> {
    const keys: string[] = [];
    let n = 0;
    for await (const k of this.sub.keys({ reverse: true })) {
      n += 1;
      if (n > keep) keys.push(k);
      if (keys.length >= limit) break;
    }
    return keys;
  }
  delOp(key: string): BatchOp {
    return { type: 'del', sublevel: this.sub, key };
  }
}
