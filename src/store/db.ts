import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Level } from 'level';
import type { AbstractSublevel } from 'abstract-level';
import { AppError } from '../core/errors.js';

export type Db = Level<string, unknown>;
export type Sub<V> = AbstractSublevel<Db, string | Buffer | Uint8Array, string, V>;
/** One write in an atomic batch, possibly into a sublevel. */
export type BatchOp =
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  | { type: 'put'; sublevel: Sub<any>; key: string; value: unknown }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  | { type: 'del'; sublevel: Sub<any>; key: string };

export function sub<V>(db: Db, name: string): Sub<V> {
  return db.sublevel<string, V>(name, { valueEncoding: 'json' });
}

/** Applies writes to several sublevels in one atomic LevelDB batch. */
export async function writeBatch(db: Db, ops: BatchOp[]): Promise<void> {
  if (ops.length === 0) return;
  await db.batch(ops as never);
}

/** The LevelDB directory inside the data directory. */
export function levelDir(dataDir: string): string {
  return path.join(dataDir, 'db');
}

/**
 * Opens the LevelDB. LevelDB allows one process per directory; a second opener gets a clear
 * STORE_IN_USE error instead of LevelDB's lock message.
 */
export async function openDb(dataDir: string): Promise<Db> {
  await mkdir(dataDir, { recursive: true, mode: 0o750 });
  const db: Db = new Level<string, unknown>(levelDir(dataDir), {
    valueEncoding: 'json',
    // LevelDB's own cache of uncompressed blocks (8 MiB by default) beside the kernel's page
    // cache of the same files: 2 MiB saves some 6 MiB of a small box's memory for little CPU
    // (the poll benchmark measured both).
    cacheSize: 2 << 20,
  });
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') {
      throw new AppError(
        'STORE_IN_USE',
        `The data directory ${dataDir} is already in use by another Caretaker process. ` +
          'Stop it first (systemctl stop caretaker), or point CARETAKER_DATA_DIR elsewhere.',
        { cause: err },
      );
    }
    throw new AppError(
      'STORE_OPEN_FAILED',
      `Cannot open the store in ${dataDir}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  return db;
}

export async function readAll<V>(
  s: Sub<V>,
  range: {
    gt?: string;
    gte?: string;
    lt?: string;
    lte?: string;
    limit?: number;
    reverse?: boolean;
  } = {},
): Promise<Array<[string, V]>> {
  return (await s.iterator(range).all()) as Array<[string, V]>;
}
