import type { Db, BatchOp, Sub } from './db.js';
import { sub, readAll } from './db.js';
import { HIGH } from './keys.js';
import type { ScanRecord } from './types.js';

/** Discovery scans, keyed by id; ids start with the creation time so keys sort by age. */
export class ScansStore {
  readonly sub: Sub<ScanRecord>;
  constructor(db: Db) {
    this.sub = sub<ScanRecord>(db, 'scans');
  }
  get(id: string): Promise<ScanRecord | undefined> {
    return this.sub.get(id) as Promise<ScanRecord | undefined>;
  }
  /** Newest first. */
  async recent(limit: number, before?: string): Promise<ScanRecord[]> {
    return (await readAll(this.sub, { lt: before ?? HIGH, limit, reverse: true })).map(
      ([, s]) => s,
    );
  }
  async unfinished(): Promise<ScanRecord[]> {
    return (await readAll(this.sub))
      .map(([, s]) => s)
      .filter((s) => s.status === 'queued' || s.status === 'running');
  }
  delOp(id: string): BatchOp {
    return { type: 'del', sublevel: this.sub, key: id };
  }
  putOp(s: ScanRecord): BatchOp {
    return { type: 'put', sublevel: this.sub, key: s.id, value: s };
  }
}
