import { AppError, isAppError } from '../core/errors.js';
import { runProgram } from '../lib/spawn.js';
import {
  RsyncStdoutReader,
  classifyExit,
  parseErrorLine,
  parseStats,
  type RsyncItem,
  type RsyncProgress,
  type RsyncStats,
} from './rsync-parse.js';

export {
  buildRsyncArgs,
  buildRsyncEnv,
  buildSshCommand,
  decodeRsyncName,
  displayRsyncName,
  type RsyncOptions,
  type RsyncSource,
  type RsyncSshOptions,
  type RsyncProgress,
  type RsyncItem,
  type RsyncStats,
} from './rsync-parse.js';

export interface RunRsyncOptions {
  /** From `buildRsyncArgs` (it must contain the `--` that ends the options). */
  args: string[];
  /** Extra environment, e.g. from `buildRsyncEnv` (RSYNC_PASSWORD). */
  env?: Record<string, string>;
  signal: AbortSignal;
  /** Whole-run limit; default 12 hours. */
  timeoutMs?: number;
  /** Path of the rsync program; default `rsync` from PATH. */
  rsyncPath?: string;
  /** Live progress, at most once per `progressIntervalMs` (default 200 ms) plus the last one. */
  onProgress?: (p: RsyncProgress) => void;
  progressIntervalMs?: number;
  /** Each created or changed item, as rsync itemized it. */
  onFile?: (item: RsyncItem) => void;
  /** Length of `RsyncResult.log`; default 200. */
  maxLogLines?: number;
  /** How many file names `warnings.files` keeps; default 1000. */
  maxWarningFiles?: number;
  /** rsync's stdout is retained by runProgram; beyond this the run is stopped. Default 256 MiB. */
  maxStdoutBytes?: number;
}

export interface RsyncWarnings {
  code: 23 | 24;
  /** Files named in rsync's complaints (`\#ooo`-escaped as printed), at most maxWarningFiles. */
  files: string[];
  /** How many further file names were not kept. */
  omittedFiles: number;
  /** The complaint lines themselves (at most 200). */
  messages: string[];
  /** How many further complaint lines were not kept. */
  omittedMessages: number;
}

export interface RsyncResult {
  exitCode: number;
  signal?: string;
  /** Null only when rsync printed no statistics. */
  stats: RsyncStats | null;
  durationMs: number;
  /** Set for the partial-transfer codes 23 and 24. */
  warnings?: RsyncWarnings;
  /** Itemized lines seen (created or changed items). */
  items: number;
  /** The last lines of stdout and stderr, interleaved, without progress lines. */
  log: string[];
}

/** A failed run: the AppError from `classifyExit`, plus what rsync said, for the run history. */
export class RsyncRunError extends AppError {
  readonly exitCode: number | null;
  readonly log: string[];
  constructor(from: AppError, exitCode: number | null, log: string[]) {
    super(from.code, from.message, { kind: from.kind, status: from.status, cause: from.cause });
    this.name = 'RsyncRunError';
    this.exitCode = exitCode;
    this.log = log;
  }
}

const MAX_MESSAGES = 200;
const STDERR_TAIL_LINES = 100;

/** Bounded ring of lines. */
class Tail {
  private readonly lines: string[] = [];
  constructor(private readonly max: number) {}
  push(line: string): void {
    if (this.max <= 0) return;
    this.lines.push(line.length > 2000 ? `${line.slice(0, 2000)}…` : line);
    if (this.lines.length > this.max) this.lines.shift();
  }
  all(): string[] {
    return [...this.lines];
  }
}

/** Splits stream chunks into lines, keeping the unfinished end for the next chunk. */
function lineSplitter(onLine: (line: string) => void): { feed(s: string): void; end(): void } {
  let pending = '';
  return {
    feed(s) {
      const parts = (pending + s).split('\n');
      pending = parts.pop() ?? '';
      if (pending.length > 64 * 1024) {
        parts.push(pending);
        pending = '';
      }
      for (const p of parts) onLine(p);
    },
    end() {
      if (pending) onLine(pending);
      pending = '';
    },
  };
}

/**
 * The environment rsync runs with: the box's own, minus anything that could redirect or change
 * rsync or ssh (RSYNC_RSH, RSYNC_CONNECT_PROG, RSYNC_PROXY, an ssh agent, locale settings), with
 * LC_ALL=C so that names are printed as escaped ASCII and numbers with `,`.
 */
function rsyncEnvironment(extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(?:RSYNC_|LC_|LANG$|LANGUAGE$|SSH_AUTH_SOCK$|SSH_AGENT_PID$)/.test(k)) continue;
    env[k] = v;
  }
  env.LC_ALL = 'C';
  return { ...env, ...extra };
}

/**
 * The only place rsync is spawned. Resolves for exit 0 and for the partial codes 23/24 (with
 * `warnings`); rejects with an AppError for everything else (see `classifyExit`), with ABORTED
 * when `signal` fires (rsync gets SIGTERM, then SIGKILL) and RSYNC_TIMEOUT after `timeoutMs`.
 */
export async function runRsync(opts: RunRsyncOptions): Promise<RsyncResult> {
  if (!opts.args.includes('--')) {
    throw new AppError(
      'RSYNC_INVALID_OPTION',
      'rsync arguments must end their options with "--" (build them with buildRsyncArgs).',
      { kind: 'permanent' },
    );
  }
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? 12 * 3600_000;
  const log = new Tail(opts.maxLogLines ?? 200);
  const stderrTail = new Tail(STDERR_TAIL_LINES);
  const maxFiles = opts.maxWarningFiles ?? 1000;
  const warnFiles: string[] = [];
  let omittedFiles = 0;
  const messages: string[] = [];
  let omittedMessages = 0;
  let items = 0;

  // A callback that throws is a bug in the caller: stop rsync and report that error.
  const inner = new AbortController();
  let callbackError: unknown;
  const guard = (fn: () => void) => {
    if (callbackError !== undefined) return;
    try {
      fn();
    } catch (err) {
      callbackError = err;
      inner.abort(err);
    }
  };
  const forwardAbort = () => inner.abort(opts.signal.reason);
  if (opts.signal.aborted) forwardAbort();
  else opts.signal.addEventListener('abort', forwardAbort, { once: true });

  const interval = opts.progressIntervalMs ?? 200;
  let lastProgressAt = 0;
  let heldProgress: RsyncProgress | undefined;
  const emitProgress = (p: RsyncProgress) => {
    const now = Date.now();
    if (now - lastProgressAt >= interval) {
      lastProgressAt = now;
      heldProgress = undefined;
      guard(() => opts.onProgress?.(p));
    } else {
      heldProgress = p;
    }
  };

  const stdout = new RsyncStdoutReader({
    onProgress: opts.onProgress ? emitProgress : undefined,
    onItem: (item, line) => {
      items++;
      log.push(line);
      if (opts.onFile) guard(() => opts.onFile?.(item));
    },
    onLine: (line) => log.push(line),
  });
  const stderr = lineSplitter((raw) => {
    const e = parseErrorLine(raw);
    if (!e) return;
    log.push(e.line);
    stderrTail.push(e.line);
    if (e.type === 'vanished' || e.type === 'file') {
      if (messages.length < MAX_MESSAGES) messages.push(e.line);
      else omittedMessages++;
      if (e.path !== undefined) {
        if (warnFiles.length < maxFiles) warnFiles.push(e.path);
        else omittedFiles++;
      }
    }
  });

  try {
    let result;
    try {
      result = await runProgram(opts.rsyncPath ?? 'rsync', opts.args, {
        timeoutMs,
        signal: inner.signal,
        maxStdoutBytes: opts.maxStdoutBytes ?? 256 * 1024 * 1024,
        env: rsyncEnvironment(opts.env),
        onStdout: (chunk) => stdout.feed(chunk),
        onStderr: (chunk) => stderr.feed(chunk),
      });
    } catch (err) {
      if (callbackError !== undefined) throw callbackError;
      if (isAppError(err) && err.code === 'TIMEOUT') {
        throw new AppError(
          'RSYNC_TIMEOUT',
          `The backup did not finish within ${Math.round(timeoutMs / 60_000)} minutes and was stopped.`,
          { kind: 'transient', status: 503, cause: err },
        );
      }
      throw err;
    }
    stdout.end();
    stderr.end();
    if (heldProgress && opts.onProgress) {
      const last = heldProgress;
      guard(() => opts.onProgress?.(last));
    }
    if (callbackError !== undefined) throw callbackError;

    const verdict = classifyExit(result.code, stderrTail.all().join('\n'), result.signal);
    if (verdict.status === 'failed') throw new RsyncRunError(verdict.error, result.code, log.all());
    const out: RsyncResult = {
      exitCode: result.code ?? -1,
      stats: parseStats(stdout.statsText()),
      durationMs: Date.now() - started,
      items,
      log: log.all(),
    };
    if (result.signal) out.signal = result.signal;
    if (verdict.status === 'partial') {
      out.warnings = {
        code: verdict.code,
        files: warnFiles,
        omittedFiles,
        messages,
        omittedMessages,
      };
    }
    return out;
  } finally {
    opts.signal.removeEventListener('abort', forwardAbort);
  }
}
