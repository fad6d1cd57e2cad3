import type { Db, BatchOp } from './db.js';
import { sub, writeBatch } from './db.js';
import { AppError } from '../core/errors.js';

/** The schema this code writes. Raise it with every migration added below. */
export const SCHEMA_VERSION = 2;

export interface Migration {
  to: number;
  description: string;
  /** Returns the writes that bring the store from `to - 1` to `to`; they are applied in one batch. */
  up(db: Db): Promise<BatchOp[]>;
}

/**
 * Ordered migrations. Each one runs in one atomic batch together with the new schema version, so a
 * crash during a migration leaves the store at the previous version and the migration runs again.
 */
export const MIGRATIONS: Migration[] = [
  {
    to: 1,
    description: 'initial layout',
    up: async () => [],
  },
  {
    to: 2,
    description: 'user names are unique regardless of case: add the lower-case name index',
    up: async (db) => {
      const users = sub<{ id: string; username: string }>(db, 'users');
      const byName = sub<string>(db, 'users-by-name');
      const ops: BatchOp[] = [];
      const seen = new Set<string>();
      for await (const [id, user] of users.iterator()) {
        let name = user.username.toLowerCase();
        // Two v1 users that differ only in case: the later one gets a suffix instead of vanishing.
        while (seen.has(name)) name = `${name}-${id.slice(0, 4).toLowerCase()}`;
        seen.add(name);
        if (name !== user.username) {
          ops.push({ type: 'put', sublevel: users, key: id, value: { ...user, username: name } });
        }
        ops.push({ type: 'put', sublevel: byName, key: name, value: id });
      }
      return ops;
    },
  },
];

export interface MigrationResult {
  from: number;
  to: number;
  applied: string[];
}

export async function migrate(
  db: Db,
  migrations = MIGRATIONS,
  target = SCHEMA_VERSION,
): Promise<MigrationResult> {
  const meta = sub<unknown>(db, 'meta');
  const stored = (await meta.get('schemaVersion')) as number | undefined;
  const from = stored ?? 0;
  if (from > target) {
    throw new AppError(
      'STORE_TOO_NEW',
      `The data directory was written by a newer Caretaker (schema ${from}; this version understands up to ${target}). ` +
        'Install the newer version again or restore a backup of the data directory.',
    );
  }
  const applied: string[] = [];
  for (const m of migrations) {
    if (m.to <= from || m.to > target) continue;
    const ops = await m.up(db);
    ops.push({ type: 'put', sublevel: meta, key: 'schemaVersion', value: m.to });
    await writeBatch(db, ops);
    applied.push(`${m.to}: ${m.description}`);
  }
  return { from, to: target, applied };
}
