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

/** The LevelDB directory inside the data directory (everything but the metrics). */
export function levelDir(dataDir: string): string {
  return path.join(dataDir, 'db');
}

/**
 * The metrics' own LevelDB in the data directory. Kept apart so that the tables a poll cycle
 * flushes (rows keyed by time) never overlap the rest of the store: LevelDB then moves them down
 * its levels instead of rewriting everything below on every flush.
 */
export function metricsDir(dataDir: string): string {
  return path.join(dataDir, 'metrics');
}

/** LevelDB's memory for one database: its block cache and its write buffer (memtable). */
export interface DbMemory {
  cacheSize: number;
  writeBufferSize: number;
}

/**
 * The main LevelDB's: its own cache of uncompressed blocks (8 MiB by default) sits beside the
 * kernel's page cache of the same files, and 1 MiB of it saves a small box's memory for little
 * CPU (the poll benchmark measured 8 and 2 MiB). Since the metrics moved out, little is written
 * here, so a 1 MiB memtable is flushed often enough and does not fill 4 MiB over hours.
 */
export const MAIN_DB_MEMORY: DbMemory = { cacheSize: 1 << 20, writeBufferSize: 1 << 20 };
/** The metrics': LevelDB's default 4 MiB memtable holds a 1,000-device poll cycle's rows. */
export const METRICS_DB_MEMORY: DbMemory = { cacheSize: 2 << 20, writeBufferSize: 4 << 20 };

/**
 * Opens a LevelDB (by default the main one) in the data directory. LevelDB allows one process per
 * directory; a second opener gets a clear STORE_IN_USE error instead of LevelDB's lock message.
 */
export async function openDb(
  dataDir: string,
  location = levelDir(dataDir),
  memory = MAIN_DB_MEMORY,
): Promise<Db> {
  await mkdir(dataDir, { recursive: true, mode: 0o750 });
  const db: Db = new Level<string, unknown>(location, { valueEncoding: 'json', ...memory });
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
      `Cannot open the store in ${location}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  return db;
}

/**
 * Compacts a key range now, so that deleted keys stop taking disk. On Node, `level` is
 * classic-level, which can (the abstract-level types do not say so).
 */
export async function compactRange(db: unknown, start: string, end: string): Promise<void> {
  await (db as { compactRange(start: string, end: string): Promise<void> }).compactRange(
    start,
    end,
  );
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
