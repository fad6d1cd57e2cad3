import type { Db, BatchOp, Sub } from './db.js';
import { sub, readAll } from './db.js';
import { key, prefixRange } from './keys.js';
import type { JobRunRecord } from './types.js';

/** Job runs keyed `job!startedAt!id`: a job's history is one range scan, newest last. */
export class JobRunsStore {
  readonly sub: Sub<JobRunRecord>;
  constructor(db: Db) {
    this.sub = sub<JobRunRecord>(db, 'job-runs');
  }

  static keyOf(run: Pick<JobRunRecord, 'job' | 'startedAt' | 'id'>): string {
    return key(run.job, run.startedAt, run.id);
  }

  putOp(run: JobRunRecord): BatchOp {
    return { type: 'put', sublevel: this.sub, key: JobRunsStore.keyOf(run), value: run };
  }

  delOp(run: JobRunRecord): BatchOp {
    return { type: 'del', sublevel: this.sub, key: JobRunsStore.keyOf(run) };
  }

  /** The most recent runs of one job, newest first. */
  async recent(job: string, limit: number): Promise<JobRunRecord[]> {
    return (await readAll(this.sub, { ...prefixRange(job), limit, reverse: true })).map(
      ([, r]) => r,
    );
  }

  /** All runs of one job, oldest first. */
  async all(job: string): Promise<JobRunRecord[]> {
    return (await readAll(this.sub, prefixRange(job))).map(([, r]) => r);
  }

  async get(job: string, id: string): Promise<JobRunRecord | undefined> {
    for (const r of await this.all(job)) if (r.id === id) return r;
    return undefined;
  }

  /** Every run still marked as running: after a crash these are runs that never finished. */
  async running(): Promise<JobRunRecord[]> {
    const rows = await readAll(this.sub);
    return rows.map(([, r]) => r).filter((r) => r.status === 'running');
  }
}
