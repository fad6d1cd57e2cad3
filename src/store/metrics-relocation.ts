import { compactRange, type Db } from './db.js';

/**
 * The metrics' sublevels. Until 2026-11-27 they lived in the main LevelDB; now they have a
 * LevelDB of their own (see `metricsDir`), under the same keys (an export holds both LevelDBs'
 * keys in one stream).
 */
export const METRICS_SUBLEVELS = ['metrics', 'metrics-meta', 'metrics-series'] as const;

const PREFIXES = METRICS_SUBLEVELS.map((name) => Buffer.from(`!${name}!`));
const BUFFERS = { keyEncoding: 'buffer', valueEncoding: 'buffer' } as const;
const BATCH = 1000;

/** Whether a raw key (as in an export) belongs to the metrics' LevelDB. */
export function isMetricsKey(k: Uint8Array): boolean {
  return PREFIXES.some(
    (p) => k.length >= p.length && Buffer.compare(p, k.subarray(0, p.length)) === 0,
  );
}

/**
 * Moves metrics written by an older version from the main LevelDB into the metrics' own, a batch
 * at a time: each batch is written there first and then deleted here, so a crash in between
 * leaves keys in both, and the next open copies them again (the same values: nothing writes
 * metrics before this has finished) and deletes them. Returns the number of keys moved.
 */
export async function relocateMetrics(main: Db, metrics: Db): Promise<number> {
  let moved = 0;
  for (const p of PREFIXES) {
    // The sublevel's prefix ends in "!": every key of it sorts below the prefix with '"' there.
    const lt = Buffer.from(p);
    lt[lt.length - 1] = 0x22;
    for (;;) {
      const batch = (await main
        .iterator({ ...BUFFERS, gte: p, lt, limit: BATCH } as never)
        .all()) as unknown as Array<[Buffer, Buffer]>;
      if (batch.length === 0) break;
      await metrics.batch(
        batch.map(([key, value]) => ({ type: 'put', key, value })) as never,
        BUFFERS as never,
      );
      await main.batch(batch.map(([key]) => ({ type: 'del', key })) as never, BUFFERS as never);
      moved += batch.length;
    }
    // Deleted keys take disk until LevelDB compacts them away, and little is written here now.
    if (moved) await compactRange(main, p.toString(), lt.toString());
  }
  return moved;
}
