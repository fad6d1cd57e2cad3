import type { Db, BatchOp, Sub } from './db.js';
import { sub, readAll } from './db.js';
import type { SessionRecord } from './types.js';

/** Sessions are keyed by the sha256 of the cookie value, so a copy of the store opens no session. */
export class SessionsStore {
  readonly sub: Sub<SessionRecord>;
  constructor(db: Db) {
    this.sub = sub<SessionRecord>(db, 'sessions');
  }
  get(idHash: string): Promise<SessionRecord | undefined> {
    return this.sub.get(idHash) as Promise<SessionRecord | undefined>;
  }
  list(): Promise<Array<[string, SessionRecord]>> {
    return readAll(this.sub);
  }
  putOp(idHash: string, s: SessionRecord): BatchOp {
    return { type: 'put', sublevel: this.sub, key: idHash, value: s };
  }
  /** Deletions for every session of one user (password change, disable, delete). */
  async deleteOpsForUser(userId: string): Promise<BatchOp[]> {
    return (await this.list()).filter(([, s]) => s.userId === userId).map(([h]) => this.delOp(h));
  }
  delOp(idHash: string): BatchOp {
    return { type: 'del', sublevel: this.sub, key: idHash };
  }
}
