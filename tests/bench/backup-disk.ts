/**
 * Disk and process helpers for the backup benchmark: plain rsync runs (the baseline), `du` of a
 * snapshot beyond its predecessor (an independent measure of what an incremental costs on disk),
 * directory blocks and `sync` between timed runs. Children are spawned from argument arrays and
 * stopped by PID (lib.ts).
 */
import { lstatSync, readFileSync, readdirSync } from 'node:fs';
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

/** CPU time so far: this process (all its threads) and its reaped children (rsync and its own). */
export function cpuNow(): { self: number; children: number } {
  const u = process.cpuUsage();
  let children = NaN;
  try {
    // Fields after the command name: state is the first; cutime and cstime are the 14th and 15th.
    const stat = readFileSync('/proc/self/stat', 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    children = ((Number(f[13]) + Number(f[14])) * 1000) / CLOCK_TICKS;
  } catch {
    // not Linux: no children figure
  }
  return { self: (u.user + u.system) / 1000, children };
}

/** sysconf(_SC_CLK_TCK): 100 on every Linux the box runs. */
const CLOCK_TICKS = 100;
