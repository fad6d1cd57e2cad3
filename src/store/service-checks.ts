import type { Db, BatchOp, Sub } from './db.js';
import { sub, readAll } from './db.js';
import { key, prefixRange } from './keys.js';
import type { CheckResultRecord, ServiceCheck } from '../monitor/checks/check-schema.js';

/**
 * Service checks by id, an index `deviceId!checkId` for a device's checks, and the latest result
 * of each check by id (kept so that a restart does not blank the device page).
 */
export class ServiceChecksStore {
  readonly byId: Sub<ServiceCheck>;
  readonly byDevice: Sub<string>;
  readonly results: Sub<CheckResultRecord>;

  constructor(db: Db) {
    this.byId = sub<ServiceCheck>(db, 'service-checks');
    this.byDevice = sub<string>(db, 'service-checks-by-device');
    this.results = sub<CheckResultRecord>(db, 'service-check-results');
  }

  get(id: string): Promise<ServiceCheck | undefined> {
    return this.byId.get(id) as Promise<ServiceCheck | undefined>;
  }

  async list(): Promise<ServiceCheck[]> {
    return (await readAll(this.byId)).map(([, c]) => c);
  }

  async count(): Promise<number> {
    let n = 0;
    for await (const _ of this.byId.keys()) n += 1;
    return n;
  }

  async idsOfDevice(deviceId: string): Promise<string[]> {
    return (await readAll(this.byDevice, prefixRange(deviceId))).map(([, id]) => id);
  }

  async listByDevice(deviceId: string): Promise<ServiceCheck[]> {
    const ids = await this.idsOfDevice(deviceId);
    const checks = await this.byId.getMany(ids);
    return checks.filter((c): c is ServiceCheck => c !== undefined);
  }

  async resultsOf(ids: string[]): Promise<Map<string, CheckResultRecord>> {
    const rows = await this.results.getMany(ids);
    const out = new Map<string, CheckResultRecord>();
    rows.forEach((r, i) => {
      if (r) out.set(ids[i]!, r);
    });
    return out;
  }

  async allResults(): Promise<Map<string, CheckResultRecord>> {
    return new Map(await readAll(this.results));
  }

  /** Writes a check and its device index entry (a check never moves to another device). */
  putOps(c: ServiceCheck): BatchOp[] {
    return [
      { type: 'put', sublevel: this.byId, key: c.id, value: c },
      { type: 'put', sublevel: this.byDevice, key: key(c.deviceId, c.id), value: c.id },
    ];
  }

  resultOp(r: CheckResultRecord): BatchOp {
    return { type: 'put', sublevel: this.results, key: r.checkId, value: r };
  }

  deleteOps(c: Pick<ServiceCheck, 'id' | 'deviceId'>): BatchOp[] {
    return [
      { type: 'del', sublevel: this.byId, key: c.id },
      { type: 'del', sublevel: this.byDevice, key: key(c.deviceId, c.id) },
      { type: 'del', sublevel: this.results, key: c.id },
    ];
  }

  /** Everything stored for a device's checks, for deleting the device in the same batch. */
  async deviceDeleteOps(deviceId: string): Promise<BatchOp[]> {
    const ops: BatchOp[] = [];
    for (const id of await this.idsOfDevice(deviceId))
      ops.push(...this.deleteOps({ id, deviceId }));
    return ops;
  }
}
