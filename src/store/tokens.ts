import type { Db, BatchOp, Sub } from './db.js';
import { sub, readAll } from './db.js';
import type { TokenRecord } from './types.js';
import { compareText } from '../lib/collate.js';

export class TokensStore {
  readonly sub: Sub<TokenRecord>;
  constructor(db: Db) {
    this.sub = sub<TokenRecord>(db, 'tokens');
  }
  get(id: string): Promise<TokenRecord | undefined> {
    return this.sub.get(id) as Promise<TokenRecord | undefined>;
  }
  async list(): Promise<TokenRecord[]> {
    return (await readAll(this.sub))
      .map(([, t]) => t)
      .sort((a, b) => compareText(b.createdAt, a.createdAt));
  }
  putOp(t: TokenRecord): BatchOp {
    return { type: 'put', sublevel: this.sub, key: t.id, value: t };
  }
}
