import type { Db, BatchOp, Sub } from './db.js';
import { sub, readAll } from './db.js';
import type { UserRecord } from './types.js';
import { compareText } from '../lib/collate.js';

export class UsersStore {
  readonly byId: Sub<UserRecord>;
  readonly byName: Sub<string>;

  constructor(db: Db) {
    this.byId = sub<UserRecord>(db, 'users');
    this.byName = sub<string>(db, 'users-by-name');
  }

  get(id: string): Promise<UserRecord | undefined> {
    return this.byId.get(id) as Promise<UserRecord | undefined>;
  }

  async getByName(username: string): Promise<UserRecord | undefined> {
    const id = (await this.byName.get(username.toLowerCase())) as string | undefined;
    return id ? this.get(id) : undefined;
  }

  async list(): Promise<UserRecord[]> {
    const rows = await readAll(this.byId);
    return rows.map(([, u]) => u).sort((a, b) => compareText(a.username, b.username));
  }

  async count(): Promise<number> {
    let n = 0;
    for await (const _ of this.byName.keys()) n += 1;
    return n;
  }

  /** Writes the user and its name index; `previous` lets a rename drop the old index entry. */
  putOps(user: UserRecord, previous?: UserRecord): BatchOp[] {
    const ops: BatchOp[] = [{ type: 'put', sublevel: this.byId, key: user.id, value: user }];
    if (previous && previous.username !== user.username) {
      ops.push({ type: 'del', sublevel: this.byName, key: previous.username });
    }
    ops.push({ type: 'put', sublevel: this.byName, key: user.username, value: user.id });
    return ops;
  }

  deleteOps(user: UserRecord): BatchOp[] {
    return [
      { type: 'del', sublevel: this.byId, key: user.id },
      { type: 'del', sublevel: this.byName, key: user.username },
    ];
  }
}
