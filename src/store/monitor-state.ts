import type { Db, BatchOp, Sub } from './db.js';
import { sub, readAll } from './db.js';

/** What the monitor keeps per device across restarts: reachability and the last poll's outcome. */
export interface MonitorStateRecord {
  deviceId: string;
  /** The reachability state machine's state (see monitor/reachability.ts), stored as it is. */
  reach: unknown;
  lastProbe?: { at: string; up: boolean; rttMs?: number; method: 'icmp' | 'tcp' };
  snmp?: {
    at: string;
    ok: boolean;
    pollMs: number;
    varbinds?: number;
    error?: { code: string; message: string };
    notes?: string[];
  };
}

export class MonitorStateStore {
  readonly sub: Sub<MonitorStateRecord>;
  constructor(db: Db) {
    this.sub = sub<MonitorStateRecord>(db, 'monitor-state');
  }
  async all(): Promise<MonitorStateRecord[]> {
    return (await readAll(this.sub)).map(([, v]) => v);
  }
  async get(deviceId: string): Promise<MonitorStateRecord | undefined> {
    return this.sub.get(deviceId);
  }
  putOp(r: MonitorStateRecord): BatchOp {
    return { type: 'put', sublevel: this.sub, key: r.deviceId, value: r };
  }
  delOp(deviceId: string): BatchOp {
    return { type: 'del', sublevel: this.sub, key: deviceId };
  }
}
