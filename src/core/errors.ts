/**
 * Errors with a stable code, an HTTP status and a kind, so that the API, the UI and the logs can
 * all say the same thing about a failure without parsing messages.
 */
export type ErrorKind = 'transient' | 'auth' | 'permanent' | 'input' | 'conflict';

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly kind: ErrorKind;
  /** Per-field messages for form and body validation errors. */
  readonly fields?: Record<string, string>;

  constructor(
    code: string,
    message: string,
    opts: {
      status?: number;
      kind?: ErrorKind;
      cause?: unknown;
      fields?: Record<string, string>;
    } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = opts.status ?? 500;
    this.kind = opts.kind ?? 'permanent';
    if (opts.fields) this.fields = opts.fields;
  }
}

export const badRequest = (code: string, message: string, fields?: Record<string, string>) =>
  new AppError(code, message, { status: 400, kind: 'input', ...(fields ? { fields } : {}) });

export const validationFailed = (message: string, fields: Record<string, string>) =>
  new AppError('VALIDATION_FAILED', message, { status: 422, kind: 'input', fields });

export const unauthorized = (message = 'Authentication is required.') =>
  new AppError('UNAUTHENTICATED', message, { status: 401, kind: 'auth' });

export const forbidden = (message = 'Your role does not allow this.') =>
  new AppError('FORBIDDEN', message, { status: 403, kind: 'auth' });

export const notFound = (what: string) =>
  new AppError('NOT_FOUND', `${what} was not found.`, { status: 404, kind: 'input' });

export const conflict = (code: string, message: string) =>
  new AppError(code, message, { status: 409, kind: 'conflict' });

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** A short, loggable description of any thrown value. */
export function describeError(err: unknown): { code: string; message: string } {
  if (err instanceof AppError) return { code: err.code, message: err.message };
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { code: typeof code === 'string' ? code : 'INTERNAL', message: err.message };
  }
  return { code: 'INTERNAL', message: String(err) };
}
