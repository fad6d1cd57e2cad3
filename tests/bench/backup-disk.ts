/**
 * Disk and process helpers for the backup benchmark: plain rsync runs (the baseline), `du` of a
 * snapshot beyond its predecessor (an independent measure of what an incremental costs on disk),
 * directory blocks, `sync` between timed runs, and a replica of the service's verification walk
 * for the phase timings. Children are spawned from argument arrays and stopped by PID (lib.ts).
 */
import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { cleanEnv, spawnChild, stopChild, type Child } from './lib.js';

/** rsync as the service runs it: LC_ALL=C, no RSYNC_* or locale variables. */
const RSYNC_ENV = cleanEnv(['RSYNC_', 'LC_', 'LANG', 'SSH_AUTH_SOCK', 'SSH_AGENT_PID'], {
  LC_ALL: 'C',
});

async function finish(child: Child, what: string, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const r = await Promise.race([child.exited, timedOut]);
    if (r === 'timeout') {
      await stopChild(child);
      throw new Error(`${what} did not finish within ${timeoutMs} ms`);
    }
    if (r.code !== 0)
      throw new Error(
        `${what} exited with ${r.code ?? r.signal ?? r.error}: ${child.output().slice(-2000)}`,
      );
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Plain rsync with `args` (options, `--`, operands) into `dest` (created first, like the service
 * creates its snapshot directory). stdout is piped and drained by this process, as the service's
 * is. Returns the wall time from just before spawn to exit.
 */
export async function plainRsync(args: readonly string[], dest: string): Promise<number> {
  await mkdir(dest, { recursive: true });
  const t0 = performance.now();
  const child = spawnChild('rsync', args, { env: RSYNC_ENV });
  await finish(child, 'plain rsync', 30 * 60_000);
  return performance.now() - t0;
}

/** Flushes dirty pages so that one run's writeback does not land in the next run's time. */
export async function syncDisks(): Promise<void> {
  await finish(spawnChild('sync', [], { env: process.env }), 'sync', 10 * 60_000);
}

/**
 * Bytes `dir` adds to the disk beyond `prevDir`, by `du` (hard links counted once per call): the
 * second line of `du -s -B1 prevDir dir`.
 */
export async function duBeyond(prevDir: string, dir: string): Promise<number> {
  const child = spawnChild('du', ['-s', '-B1', '--one-file-system', '--', prevDir, dir], {
    env: cleanEnv(['LC_', 'LANG'], { LC_ALL: 'C' }),
  });
  await finish(child, 'du', 10 * 60_000);
  const lines = child.output().trim().split('\n');
  const last = lines.at(-1)?.split('\t') ?? [];
  if (lines.length !== 2 || last[1] !== dir) throw new Error(`unexpected du output: ${lines}`);
  return Number(last[0]);
}

/** Allocated bytes (st_blocks × 512) of the directories of a tree, its root included. */
export function directoryBytes(root: string): { dirs: number; bytes: number } {
  let dirs = 0;
  let bytes = 0;
  const stack = [root];
  while (stack.length) {
    const d = stack.pop()!;
    dirs++;
    bytes += lstatSync(d).blocks * 512;
    for (const e of readdirSync(d, { withFileTypes: true }))
      if (e.isDirectory()) stack.push(path.join(d, e.name));
  }
  return { dirs, bytes };
}

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * What the service's sampled verification does, timed in two parts: the walk of the snapshot
 * (readdir with file types, stopping after 20,000 files as the service does) and hashing `sample`
 * files picked from it, source and copy. A replica for the phase table only: the figure that
 * counts is ours with verifySample 20 against ours with 0.
 */
export async function timeVerification(
  snapshotRoot: string,
  sourceRoot: string,
  sample: number,
  rand: () => number,
): Promise<{ walkMs: number; hashMs: number; walked: number; hashedBytes: number }> {
  const t0 = performance.now();
  const files: string[] = [];
  const { readdir } = await import('node:fs/promises');
  const walk = async (dir: string, rel: string, depth: number) => {
    if (files.length >= 20_000 || depth > 40) return;
    for (const d of await readdir(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) await walk(path.join(dir, d.name), r, depth + 1);
      else if (d.isFile()) files.push(r);
    }
  };
  await walk(snapshotRoot, '', 0);
  const t1 = performance.now();
  const picked = new Set<string>();
  while (picked.size < Math.min(sample, files.length))
    picked.add(files[Math.floor(rand() * files.length)]!);
  let hashedBytes = 0;
  for (const rel of picked) {
    const a = path.join(sourceRoot, rel);
    const b = path.join(snapshotRoot, rel);
    const [sa, sb] = [lstatSync(a), lstatSync(b)];
    if (sa.size !== sb.size) continue;
    await sha256(a);
    await sha256(b);
    hashedBytes += sa.size + sb.size;
  }
  return { walkMs: t1 - t0, hashMs: performance.now() - t1, walked: files.length, hashedBytes };
}
