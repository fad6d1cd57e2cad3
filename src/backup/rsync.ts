import { AppError, isAppError } from '../core/errors.js';
import { runProgram } from '../lib/spawn.js';
import {
  RSYNC_LINE_SEPARATORS,
  classifyExit,
  isCompleteProgress,
  isStatsLine,
  parseErrorLine,
  parseItemLine,
  parseProgress2,
  parseStats,
  readRsyncLine,
  type RsyncItem,
  type RsyncLineSink,
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
  /**
   * Each itemized line as bytes, `line[start, end)`, valid only during the call: the 11-character
   * change summary, a space, the `\#ooo`-escaped name (see `itemNameStart`). For callers that keep
   * little of a run of many files: no string or object is made per line.
   */
  onItemLine?: (line: Buffer, start: number, end: number) => void;
  /** Length of `RsyncResult.log`; default 200. */
  maxLogLines?: number;
  /** How many file names `warnings.files` keeps; default 1000. */
  maxWarningFiles?: number;
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

const MAX_LINE_CHARS = 2000;

/**
 * The last `max` lines. A line from stdout is copied into a preallocated slot as bytes and
 * decoded only if it is still there at the end: on a run of 100,000 files nearly every item line
 * is pushed out again, and would otherwise have cost a string each.
 */
class Tail {
  private readonly texts: Array<string | undefined> = [];
  private readonly slots: Buffer[] = [];
  private readonly lengths: number[] = [];
  private next = 0;
  private size = 0;
  constructor(private readonly max: number) {}

  push(line: string): void {
    const i = this.advance();
    if (i < 0) return;
    this.texts[i] = line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line;
  }

  pushBytes(buf: Buffer, start: number, end: number): void {
    const i = this.advance();
    if (i < 0) return;
    this.texts[i] = undefined;
    const slot = (this.slots[i] ??= Buffer.allocUnsafe(MAX_LINE_CHARS));
    // The length beyond the slot is remembered so that a cut line gets its "…".
    this.lengths[i] = end - start;
    buf.copy(slot, 0, start, Math.min(end, start + MAX_LINE_CHARS));
  }

  all(): string[] {
    const out: string[] = [];
    for (let k = 0; k < this.size; k++) {
      const i = (this.next - this.size + k + this.max) % this.max;
      const text = this.texts[i];
      if (text !== undefined) {
        out.push(text);
        continue;
      }
      const n = this.lengths[i]!;
      const line = this.slots[i]!.toString('utf8', 0, Math.min(n, MAX_LINE_CHARS));
      out.push(n > MAX_LINE_CHARS ? `${line}…` : line);
    }
    return out;
  }

  private advance(): number {
    if (this.max <= 0) return -1;
    const i = this.next;
    this.next = (this.next + 1) % this.max;
    if (this.size < this.max) this.size++;
    return i;
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
  // The newest progress line not shown yet, as bytes: parsed only when it is shown.
  let held: Buffer | undefined;
  let heldStart = 0;
  let heldEnd = 0;
  const showProgress = (buf: Buffer, start: number, end: number) => {
    const p = parseProgress2(buf.toString('latin1', start, end));
    if (p) guard(() => opts.onProgress?.(p));
  };
  const onProgressLine = (buf: Buffer, start: number, end: number) => {
    if (!opts.onProgress) return;
    const now = Date.now();
    if (now - lastProgressAt >= interval) {
      lastProgressAt = now;
      held = undefined;
      showProgress(buf, start, end);
    } else {
      held = buf;
      heldStart = start;
      heldEnd = end;
    }
  };
  const statsLines: string[] = [];
  const sink: RsyncLineSink = {
    progress: onProgressLine,
    item: (buf, start, end) => {
      items++;
      log.pushBytes(buf, start, end);
      if (opts.onItemLine) guard(() => opts.onItemLine?.(buf, start, end));
      if (opts.onFile) {
        const item = parseItemLine(buf.toString('utf8', start, end));
        if (item) guard(() => opts.onFile?.(item));
      }
    },
    other: (buf, start, end) => {
      const line = buf.toString('utf8', start, end);
      log.push(line);
      if (statsLines.length < 64 && isStatsLine(line)) statsLines.push(line);
    },
  };
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
        env: rsyncEnvironment(opts.env),
        stdoutLines: {
          separators: RSYNC_LINE_SEPARATORS,
          onLine: (buf, start, end) => readRsyncLine(buf, start, end, sink),
          onPartial: (buf, start, end) => {
            if (isCompleteProgress(buf, start, end)) onProgressLine(buf, start, end);
          },
        },
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
    stderr.end();
    if (held) showProgress(held, heldStart, heldEnd);
    if (callbackError !== undefined) throw callbackError;

    const verdict = classifyExit(result.code, stderrTail.all().join('\n'), result.signal);
    if (verdict.status === 'failed') throw new RsyncRunError(verdict.error, result.code, log.all());
    const out: RsyncResult = {
      exitCode: result.code ?? -1,
      stats: parseStats(statsLines.join('\n')),
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
