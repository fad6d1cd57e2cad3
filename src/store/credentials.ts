import type { Db, BatchOp, Sub } from './db.js';
import { sub, readAll } from './db.js';
import type { CredentialRecord } from './types.js';
import { compareText } from '../lib/collate.js';

export class CredentialsStore {
  readonly sub: Sub<CredentialRecord>;
  constructor(db: Db) {
    this.sub = sub<CredentialRecord>(db, 'credentials');
  }
  get(id: string): Promise<CredentialRecord | undefined> {
    return this.sub.get(id) as Promise<CredentialRecord | undefined>;
  }
  /** In the order discovery tries them. */
  async list(): Promise<CredentialRecord[]> {
    return (await readAll(this.sub))
      .map(([, c]) => c)
      .sort((a, b) => a.order - b.order || compareText(a.createdAt, b.createdAt));
  }
  putOp(c: CredentialRecord): BatchOp {
    return { type: 'put', sublevel: this.sub, key: c.id, value: c };
  }
  delOp(id: string): BatchOp {
    return { type: 'del', sublevel: this.sub, key: id };
  }
}
