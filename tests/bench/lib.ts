/**
 * Small helpers for the benchmarks in tests/bench: statistics, a results table, children spawned
 * from argument arrays (never a shell) and stopped by PID, temporary directories and loopback HTTP.
 * Timings are information, not pass/fail: nothing here throws because a figure is over budget.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

/** Every benchmark talks to this address only. */
export const LOOPBACK = '127.0.0.1';

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Statistics

function sorted(xs: readonly number[]): number[] {
  if (xs.length === 0) throw new Error('no samples');
  return [...xs].sort((a, b) => a - b);
}

/** The p-quantile (0 ≤ p ≤ 1) with linear interpolation between closest ranks. */
export function quantile(xs: readonly number[], p: number): number {
  if (p < 0 || p > 1) throw new Error(`quantile p must be within [0, 1], got ${p}`);
  const s = sorted(xs);
  const pos = (s.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = s[lo]!;
  const b = s[hi]!;
  return a + (b - a) * (pos - lo);
}

export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
  p95: number;
}

export function summarize(xs: readonly number[]): Summary {
  const s = sorted(xs);
  return {
    n: s.length,
    median: median(s),
    min: s[0]!,
    max: s[s.length - 1]!,
    p95: quantile(s, 0.95),
  };
}

// ---------------------------------------------------------------------------------------------
// Formatting

export type Unit = 'ms' | 'MiB';

export function formatValue(v: number, unit: Unit): string {
  if (unit === 'MiB') return `${v.toFixed(1)} MiB`;
  return v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`;
}

/** "median (min–max)"; the range is left out for a single sample. */
export function formatSummary(s: Summary, unit: Unit): string {
  const m = formatValue(s.median, unit);
  if (s.n < 2) return m;
  const range = (v: number) => (unit === 'MiB' ? v.toFixed(1) : v.toFixed(v >= 100 ? 0 : 1));
  return `${m} (${range(s.min)}–${range(s.max)})`;
}

export interface Budget {
  /** The figure's median must be below this value. */
  max: number;
  unit: Unit;
  /** A budget shown for comparison only (it was set for a related figure): printed in (). */
  reference?: boolean;
}

export const withinBudget = (s: Summary, b: Budget): boolean => s.median < b.max;

export interface TableRow {
  figure: string;
  unit: Unit;
  ours: Summary;
  baseline?: Summary | undefined;
  budget?: Budget | undefined;
}

/** Ours/baseline median ratio, e.g. "3.4×"; "—" without a baseline. */
export function formatRatio(ours: Summary, baseline: Summary | undefined): string {
  if (!baseline || baseline.median === 0) return '—';
  return `${(ours.median / baseline.median).toFixed(1)}×`;
}

export function formatBudget(row: TableRow): string {
  if (!row.budget) return '—';
  const mark = withinBudget(row.ours, row.budget) ? '✓' : '✗';
  const limit = `< ${formatValue(row.budget.max, row.budget.unit).replace(/\.0 /, ' ')}`;
  return `${row.budget.reference ? `(${limit})` : limit} ${mark}`;
}

/** A plain-text table with a header rule; columns are padded to their widest cell. */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const width = (i: number) =>
    Math.max([...(headers[i] ?? '')].length, ...rows.map((r) => [...(r[i] ?? '')].length));
  const widths = headers.map((_, i) => width(i));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => {
        const pad = ' '.repeat(Math.max(0, widths[i]! - [...c].length));
        return i === 0 ? c + pad : pad + c;
      })
      .join(' | ');
  const rule = widths.map((w) => '-'.repeat(w)).join('-|-');
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** The "figure | ours | baseline | ratio | budget" table. */
export function formatBenchTable(rows: readonly TableRow[]): string {
  return formatTable(
    ['figure', 'ours', 'baseline', 'ratio', 'budget'],
    rows.map((r) => [
      r.figure,
      formatSummary(r.ours, r.unit),
      r.baseline ? formatSummary(r.baseline, r.unit) : '—',
      formatRatio(r.ours, r.baseline),
      formatBudget(r),
    ]),
  );
}

// ---------------------------------------------------------------------------------------------
// Children: spawned from an argument array, stopped by PID

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  error?: string;
}

export interface Child {
  readonly pid: number;
  readonly proc: ChildProcess;
  /** performance.now() just before spawn(). */
  readonly spawnedAt: number;
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<Exit>;
  /** Undefined while the process runs. */
  exit(): Exit | undefined;
  /** The last few KiB of stdout and stderr, for error messages. */
  output(): string;
}

/** Children and temporary directories in use, for installSignalCleanup(). */
const live = new Set<Child>();
const liveDirs = new Set<string>();
const OUTPUT_TAIL = 16 * 1024;

/**
 * Spawns `command args…` directly (no shell), with stdout and stderr collected (and drained, so a
 * chatty child never blocks on a full pipe).
 */
export function spawnChild(
  command: string,
  args: readonly string[],
  opts: { env: NodeJS.ProcessEnv; cwd?: string },
): Child {
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL);
  };
  const spawnedAt = performance.now();
  const proc = spawn(command, [...args], {
    env: opts.env,
    cwd: opts.cwd,
    shell: false,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exit: Exit | undefined;
  const exited = new Promise<Exit>((resolve) => {
    proc.once('exit', (code, signal) => {
      exit ??= { code, signal };
      resolve(exit);
    });
    proc.once('error', (err) => {
      // 'exit' may not follow a failed spawn; a kill failure on a live child is not an exit.
      if (proc.pid === undefined) {
        exit ??= { code: null, signal: null, error: err.message };
        resolve(exit);
      }
    });
  });
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  if (proc.pid === undefined) {
    // spawn() reports ENOENT and friends asynchronously; wait for it to name the cause.
    return {
      pid: -1,
      proc,
      spawnedAt,
      exited,
      exit: () => exit,
      output: () => tail,
    };
  }
  const child: Child = {
    pid: proc.pid,
    proc,
    spawnedAt,
    exited,
    exit: () => exit,
    output: () => tail,
  };
  live.add(child);
  void exited.then(() => live.delete(child));
  return child;
}

export interface Stopped extends Exit {
  /** From SIGTERM to exit. */
  ms: number;
  /** True when SIGTERM was not enough and SIGKILL was sent. */
  killed: boolean;
}

/**
 * Sends SIGTERM to the child's PID and waits for it to exit; SIGKILL after `graceMs`. Never
 * throws: it is meant for finally blocks.
 */
export async function stopChild(child: Child, graceMs = 5000): Promise<Stopped> {
  const t0 = performance.now();
  const done = child.exit();
  if (done || child.pid < 0) return { ...(done ?? (await child.exited)), ms: 0, killed: false };
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(child.pid, sig);
    } catch {
      // ESRCH: it exited in the meantime.
    }
  };
  signal('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), graceMs);
  });
  try {
    const first = await Promise.race([child.exited, timedOut]);
    if (first !== 'timeout') return { ...first, ms: performance.now() - t0, killed: false };
  } finally {
    clearTimeout(timer);
  }
  signal('SIGKILL');
  const last = await child.exited;
  return { ...last, ms: performance.now() - t0, killed: true };
}

/** Runs fn with a child and always stops it (SIGTERM, then SIGKILL), even when fn throws. */
export async function withChild<T>(
  start: () => Child,
  fn: (child: Child) => Promise<T>,
  onStopped?: (s: Stopped) => void,
): Promise<T> {
  const child = start();
  try {
    return await fn(child);
  } finally {
    const stopped = await stopChild(child);
    onStopped?.(stopped);
  }
}

let cleanupInstalled = false;

/**
 * On SIGINT/SIGTERM to the benchmark itself, SIGKILLs the children still running (by PID), waits
 * for them, and removes the temporary directories still in use before exiting, since finally
 * blocks do not run when a signal ends the process.
 */
export function installSignalCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const onSignal = async (sig: NodeJS.Signals) => {
    const children = [...live];
    for (const c of children) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await Promise.race([Promise.all(children.map((c) => c.exited)), sleep(2000)]);
    const dirs = [...liveDirs];
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }).catch(() => {})));
    process.stderr.write(
      `bench: ${sig}, killed ${children.length} child process(es), removed ${dirs.length} temp dir(s)\n`,
    );
    process.exit(130);
  };
  process.once('SIGINT', (sig) => void onSignal(sig));
  process.once('SIGTERM', (sig) => void onSignal(sig));
}

/** The environment without any variable starting with one of the prefixes, plus `set`. */
export function cleanEnv(drop: readonly string[], set: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!drop.some((p) => k.startsWith(p))) env[k] = v;
  }
  return { ...env, ...set };
}

// ---------------------------------------------------------------------------------------------
// Temporary directories

/** Runs fn with a fresh temporary directory, removed afterwards even when fn throws. */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  liveDirs.add(dir);
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true }).catch((err: unknown) => {
      process.stderr.write(`bench: could not remove ${dir}: ${String(err)}\n`);
    });
    liveDirs.delete(dir);
  }
}

// ---------------------------------------------------------------------------------------------
// Loopback HTTP and /proc

/** A TCP port that was free on 127.0.0.1 a moment ago (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, LOOPBACK, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface HttpResult {
  status: number;
  ms: number;
  body: string;
}

/** GET http://127.0.0.1:port/path, body included. Rejects on network errors. */
export function httpGet(
  port: number,
  urlPath: string,
  opts: { agent?: http.Agent | false; timeoutMs?: number } = {},
): Promise<HttpResult> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: LOOPBACK,
        port,
        path: urlPath,
        agent: opts.agent ?? false,
        timeout: opts.timeoutMs ?? 2000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            ms: performance.now() - t0,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.once('error', reject);
      },
    );
    req.once('timeout', () => req.destroy(new Error(`GET ${urlPath} timed out`)));
    req.once('error', reject);
  });
}

/**
 * Polls GET path every `intervalMs` (a fresh connection each time) until it answers 200; returns
 * the milliseconds from spawn to that answer. Throws if the child exits first or on timeout.
 */
export async function waitFor200(
  child: Child,
  port: number,
  urlPath: string,
  opts: { intervalMs?: number; timeoutMs?: number } = {},
): Promise<number> {
  const interval = opts.intervalMs ?? 10;
  const deadline = child.spawnedAt + (opts.timeoutMs ?? 30_000);
  let last = 'no attempt yet';
  for (;;) {
    const exit = child.exit();
    if (exit) {
      throw new Error(
        `process ${child.pid} exited before answering 200 on ${urlPath} ` +
          `(code ${exit.code}, signal ${exit.signal}${exit.error ? `, ${exit.error}` : ''}); ` +
          `output:\n${child.output() || '(none)'}`,
      );
    }
    const attemptAt = performance.now();
    if (attemptAt > deadline) {
      throw new Error(
        `no 200 on ${urlPath} from process ${child.pid} within ${opts.timeoutMs ?? 30_000} ms ` +
          `(last: ${last}); output:\n${child.output() || '(none)'}`,
      );
    }
    try {
      const r = await httpGet(port, urlPath, { timeoutMs: 1000 });
      if (r.status === 200) return performance.now() - child.spawnedAt;
      last = `HTTP ${r.status}`;
    } catch (err) {
      last = (err as NodeJS.ErrnoException).code ?? String(err);
    }
    await sleep(Math.max(0, attemptAt + interval - performance.now()));
  }
}

/** VmRSS of a process, in MiB, from /proc/<pid>/status. */
export async function readRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
}
