import { AppError, describeError } from '../../core/errors.js';
import type { CheckResult } from './check-schema.js';

/** A check that ran and failed: transient by nature (the service may be back next time). */
export function failure(code: string, message: string, cause?: unknown): AppError {
  return new AppError(code, message, { kind: 'transient', ...(cause ? { cause } : {}) });
}

export function abortedError(signal: AbortSignal): AppError {
  return new AppError('ABORTED', 'The service check was cancelled.', {
    kind: 'transient',
    cause: signal.reason,
  });
}

/** Milliseconds since `started` (a performance.now() value), to 0.01 ms. */
export function elapsedMs(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}

/**
 * Turns an abort of `signal` into a rejection of the promise being built. `clear()` in a
 * `finally` removes the listener, so a long-lived job signal does not collect one per check.
 */
export function watchAbort(signal: AbortSignal | undefined): {
  onAbort(reject: (err: AppError) => void): void;
  clear(): void;
} {
  let listener: (() => void) | undefined;
  return {
    onAbort(reject) {
      if (!signal) return;
      if (signal.aborted) {
        reject(abortedError(signal));
        return;
      }
      listener = () => reject(abortedError(signal));
      signal.addEventListener('abort', listener, { once: true });
    },
    clear() {
      if (listener) signal?.removeEventListener('abort', listener);
    },
  };
}

/**
 * A failed run as a result (checks report failures, they do not throw). Only a cancellation
 * propagates: the work was stopped, the service did not fail.
 */
export function failedResult(err: unknown, measured: Omit<CheckResult, 'ok'> = {}): CheckResult {
  if (err instanceof AppError && err.code === 'ABORTED') throw err;
  const e =
    err instanceof AppError
      ? { code: err.code, message: err.message }
      : { code: 'CHECK_FAILED', message: `The check failed: ${describeError(err).message}` };
  return { ...measured, ok: false, error: e };
}
