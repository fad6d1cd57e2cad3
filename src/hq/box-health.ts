import os from 'node:os';
import { readFile, readdir, lstat, statfs } from 'node:fs/promises';
import path from 'node:path';

export interface BoxHealth {
  sampledAt: string;
  disk: { path: string; totalBytes: number; freeBytes: number; usedRatio: number };
  memory: { totalBytes: number; availableBytes: number; processRssBytes: number };
  load: [number, number, number];
  cpus: number;
  storeBytes: number;
}

const MiB = 1024 * 1024;
/** Health figures are rounded so that a sample only differs from the last when something moved. */
const roundMiB = (n: number): number => Math.round(n / MiB) * MiB;
const round = (n: number, digits: number): number => Number(n.toFixed(digits));

/** MemAvailable from /proc/meminfo (what the kernel could give without swapping), else free. */
async function availableMemory(): Promise<number> {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(await readFile('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // Not Linux: fall through.
  }
  return os.freemem();
}

/**
 * Bytes of the files under `dir`, counted by allocated blocks. The data directory holds a few
 * hundred LevelDB files, so walking it once a minute is cheap; entries that vanish while we walk
 * (compaction) are skipped.
 */
export async function directoryBytes(dir: string, maxEntries = 100_000): Promise<number> {
  let total = 0;
  let seen = 0;
  const stack = [dir];
  while (stack.length && seen < maxEntries) {
    const current = stack.pop()!;
    let names: string[];
    try {
      names = await readdir(current);
    } catch {
      continue;
    }
    for (const name of names) {
      seen += 1;
      const p = path.join(current, name);
      try {
        const st = await lstat(p);
        if (st.isDirectory()) stack.push(p);
        else total += st.blocks * 512;
      } catch {
        // Deleted between readdir and lstat.
      }
    }
  }
  return total;
}

/** One sample of the box's own health: disk of the data directory, memory, load, store size. */
export async function sampleBoxHealth(dataDir: string, nowMs: number): Promise<BoxHealth> {
  const [fsStats, available, storeBytes] = await Promise.all([
    statfs(dataDir),
    availableMemory(),
    directoryBytes(dataDir),
  ]);
  const totalBytes = fsStats.blocks * fsStats.bsize;
  const freeBytes = fsStats.bavail * fsStats.bsize;
  const [l1, l5, l15] = os.loadavg();
  return {
    sampledAt: new Date(nowMs).toISOString(),
    disk: {
      path: path.resolve(dataDir),
      totalBytes: roundMiB(totalBytes),
      freeBytes: roundMiB(freeBytes),
      usedRatio: totalBytes > 0 ? round(1 - fsStats.bfree / fsStats.blocks, 3) : 0,
    },
    memory: {
      totalBytes: roundMiB(os.totalmem()),
      availableBytes: roundMiB(available),
      processRssBytes: roundMiB(process.memoryUsage.rss()),
    },
    load: [round(l1 ?? 0, 2), round(l5 ?? 0, 2), round(l15 ?? 0, 2)],
    cpus: os.availableParallelism(),
    storeBytes: roundMiB(storeBytes),
  };
}
