/**
 * Long-running lab processes (snmpd, the simulator, small listeners) started inside a namespace
 * with `ip netns exec`. `ip netns exec` execs the program in place, so the child's PID is the
 * agent's own PID: killing it kills the agent, not a wrapper.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { LabError, labEnv, sleep } from './proc.js';

export interface Daemon {
  name: string;
  child: ChildProcess;
  pid: number;
  logFile: string;
  /** Resolves when the process has exited (never rejects). */
  exited: Promise<void>;
}

export interface DaemonOptions {
  name: string;
  ns: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** stdout and stderr go here (a file, so a chatty daemon can never block on a full pipe). */
  logFile: string;
  /** Resolves start once the log matches; rejects when the process exits first or on timeout. */
  ready: RegExp;
  timeoutMs: number;
  /** Called with every process started, before waiting (so a failed start is still cleaned up). */
  track: (d: Daemon) => void;
}

export function logTail(file: string, chars = 1500): string {
  try {
    return readFileSync(file, 'utf8').slice(-chars).trim();
  } catch {
    return '';
  }
}

function logSince(file: string, offset: number): string {
  try {
    return readFileSync(file)
      .subarray(offset, offset + 256 * 1024)
      .toString('utf8');
  } catch {
    return '';
  }
}

export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const fd = openSync(opts.logFile, 'a');
  // A restarted agent appends to its old log: only what it writes from now on can mean "ready".
  const logStart = fstatSync(fd).size;
  let child: ChildProcess;
  try {
    child = spawn('ip', ['netns', 'exec', opts.ns, ...opts.args], {
      env: labEnv(opts.env),
      cwd: opts.cwd,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  let exitInfo: string | undefined;
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (err) => {
      spawnError = err;
      exitInfo = err.message;
      resolve();
    });
    child.once('exit', (code, signal) => {
      exitInfo = signal ? `killed by ${signal}` : `exited ${code}`;
      resolve();
    });
  });
  if (child.pid === undefined) {
    await exited;
    throw new LabError(`${opts.name}: cannot start: ${spawnError?.message ?? 'no pid'}`);
  }
  const daemon: Daemon = {
    name: opts.name,
    child,
    pid: child.pid,
    logFile: opts.logFile,
    exited,
  };
  opts.track(daemon);
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (opts.ready.test(logSince(opts.logFile, logStart))) return daemon;
    if (exitInfo !== undefined) {
      throw new LabError(
        `${opts.name} in ${opts.ns} ${exitInfo} before it was ready: ${logTail(opts.logFile)}`,
      );
    }
    if (Date.now() >= deadline) {
      throw new LabError(
        `${opts.name} in ${opts.ns} was not ready after ${opts.timeoutMs} ms: ` +
          logTail(opts.logFile),
      );
    }
    await sleep(25);
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone (or 2 s after KILL). */
export async function stopDaemon(d: Daemon, graceMs = 3000): Promise<void> {
  if (d.child.exitCode !== null || d.child.signalCode !== null) return;
  d.child.kill('SIGTERM');
  if (await exitedWithin(d, graceMs)) return;
  d.child.kill('SIGKILL');
  await exitedWithin(d, 2000);
}

/** Whether the process exits within `ms` (the timer is cleared, so it never holds the loop). */
function exitedWithin(d: Daemon, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void d.exited.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
