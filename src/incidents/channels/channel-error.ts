import { AppError, type ErrorKind } from '../../core/errors.js';

/**
 * A failed delivery attempt. The delivery queue decides from `kind` alone: transient is tried
 * again later, auth and permanent are not (a person has to fix the channel first). A receiver
 * that says when to come back (HTTP Retry-After) leaves that as `retryAfterMs`, a hint the queue
 * may use instead of its own backoff.
 */
export class ChannelError extends AppError {
  readonly retryAfterMs?: number;

  constructor(
    code: string,
    message: string,
    opts: { kind: ErrorKind; cause?: unknown; retryAfterMs?: number | undefined },
  ) {
    // 502: the box is fine, the system it forwards to is not; the API maps codes, not this.
    super(code, message, {
      status: 502,
      kind: opts.kind,
      ...(opts.cause !== undefined ? { cause: opts.cause } : {}),
    });
    this.name = 'ChannelError';
    if (opts.retryAfterMs !== undefined) this.retryAfterMs = opts.retryAfterMs;
  }
}

export const transient = (code: string, message: string, cause?: unknown, retryAfterMs?: number) =>
  new ChannelError(code, message, { kind: 'transient', cause, retryAfterMs });

export const permanent = (code: string, message: string, cause?: unknown) =>
  new ChannelError(code, message, { kind: 'permanent', cause });

export const authFailure = (code: string, message: string, cause?: unknown) =>
  new ChannelError(code, message, { kind: 'auth', cause });

/** The attempt was cancelled (shutdown, the job's own deadline): not the channel's fault. */
export function abortedError(signal: AbortSignal | undefined): ChannelError {
  return new ChannelError('ABORTED', 'The notification was cancelled before it was sent.', {
    kind: 'transient',
    cause: signal?.reason,
  });
}

/** The receiver's Retry-After hint of a failed attempt, if it gave one. */
export function retryAfterHint(err: unknown): number | undefined {
  return err instanceof ChannelError ? err.retryAfterMs : undefined;
}

/**
 * Rejects `reject` when `signal` aborts. `clear()` in a `finally` removes the listener, so that a
 * long-lived queue signal does not collect one per attempt.
 */
export function watchAbort(
  signal: AbortSignal | undefined,
  reject: (err: unknown) => void,
  reason: () => unknown,
): () => void {
  if (!signal) return () => undefined;
  if (signal.aborted) {
    reject(reason());
    return () => undefined;
  }
  const listener = () => reject(reason());
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}

/** A short, single-line excerpt of a server's answer for details and error messages. */
export function excerpt(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** A sentence that starts with a server's description ("the mail server …"). */
export const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
