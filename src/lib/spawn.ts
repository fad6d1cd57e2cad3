import { spawn } from 'node:child_process';
import { AppError } from '../core/errors.js';
import { LineSplitter, type LineOptions } from './lines.js';

export type { LineOptions } from './lines.js';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** stdout beyond this is an error (a runaway tool must not fill memory). Not in line mode. */
  maxStdoutBytes?: number;
  env?: NodeJS.ProcessEnv;
  /** Called with each chunk of stdout as it arrives (progress parsing). */
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  /**
   * Line mode: stdout is handed over line by line as it arrives and not kept (`stdout` of the
   * result is then '', `onStdout` is not called), so memory stays bounded however much a
   * program prints.
   */
  stdoutLines?: LineOptions;
}

function callbackFailed(command: string, cause: unknown): AppError {
  return new AppError('CALLBACK_FAILED', `Reading the output of ${command} failed.`, {
    kind: 'permanent',
    cause,
  });
}

/**
 * The one way Caretaker runs another program: an argument array (never a shell), a timeout, an
 * abort signal, bounded output, and the child killed (TERM, then KILL) on timeout or abort.
 * Resolves with the exit status; rejects only when the program cannot run or is stopped.
 */
export function runProgram(
  command: string,
  args: readonly string[],
  opts: RunOptions,
): Promise<RunResult> {
  const maxOut = opts.maxStdoutBytes ?? 64 * 1024 * 1024;
  return new Promise<RunResult>((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(
        new AppError('ABORTED', `${command} was not started: the work was cancelled.`, {
          kind: 'transient',
          cause: opts.signal.reason,
        }),
      );
      return;
    }
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
      shell: false,
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let failure: AppError | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (why: AppError) => {
      if (failure) return;
      failure = why;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      killTimer.unref();
    };
    const timer = setTimeout(
      () =>
        stop(
          new AppError(
            'TIMEOUT',
            `${command} did not finish within ${Math.round(opts.timeoutMs / 1000)} s and was stopped.`,
            { kind: 'transient' },
          ),
        ),
      opts.timeoutMs,
    );
    const onAbort = () =>
      stop(
        new AppError('ABORTED', `${command} was stopped: the work was cancelled.`, {
          kind: 'transient',
          cause: opts.signal?.reason,
        }),
      );
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const lines = opts.stdoutLines ? new LineSplitter(opts.stdoutLines) : undefined;
    child.stdout.on('data', (b: Buffer) => {
      if (lines) {
        if (failure) return;
        try {
          lines.feed(b);
        } catch (e) {
          stop(callbackFailed(command, e));
        }
        return;
      }
      outBytes += b.length;
      if (outBytes > maxOut) {
        stop(
          new AppError(
            'OUTPUT_TOO_LARGE',
            `${command} wrote more than ${Math.round(maxOut / 1048576)} MiB and was stopped.`,
            { kind: 'permanent' },
          ),
        );
        return;
      }
      out.push(b);
      opts.onStdout?.(b.toString('utf8'));
    });
    child.stderr.on('data', (b: Buffer) => {
      const s = b.toString('utf8');
      if (err.length < 64 * 1024) err += s;
      opts.onStderr?.(s);
    });
    child.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      reject(
        e.code === 'ENOENT'
          ? new AppError(
              'TOOL_MISSING',
              `${command} is not installed (install the Debian package that provides it).`,
              { kind: 'permanent', cause: e },
            )
          : new AppError('SPAWN_FAILED', `${command} could not be started: ${e.message}`, {
              kind: 'permanent',
              cause: e,
            }),
      );
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (failure) reject(failure);
      else {
        try {
          lines?.end();
        } catch (e) {
          reject(callbackFailed(command, e));
          return;
        }
        resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: err });
      }
    });
  });
}
