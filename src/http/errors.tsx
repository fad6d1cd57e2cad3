import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AppError } from '../core/errors.js';
import type { Logger } from '../lib/logger.js';
import type { AppEnv } from './env.js';
import { isApi, isHtmx } from './request.js';
import { ErrorPage, ErrorFragment } from '../../views/pages/error.js';

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof HTTPException) {
    const status = err.status;
    const code =
      status === 413
        ? 'BODY_TOO_LARGE'
        : status === 401
          ? 'UNAUTHENTICATED'
          : status < 500
            ? 'BAD_REQUEST'
            : 'INTERNAL';
    const message =
      status === 413
        ? 'The request body is larger than this box accepts.'
        : err.message || 'The request was refused.';
    return new AppError(code, message, {
      status,
      kind: status < 500 ? 'input' : 'permanent',
      cause: err,
    });
  }
  // A malformed form or multipart body surfaces from the body parser as a plain error.
  if (
    err instanceof Error &&
    /(form|multipart|boundary|body)/i.test(err.message) &&
    /pars|malformed|invalid/i.test(err.message)
  ) {
    return new AppError('BAD_BODY', `The request body could not be read: ${err.message}`, {
      status: 400,
      kind: 'input',
      cause: err,
    });
  }
  return new AppError('INTERNAL', 'An unexpected error occurred. It has been logged on the box.', {
    status: 500,
    cause: err,
  });
}

/**
 * The one error handler: JSON `{error: {code, message}}` for the API, an error fragment for htmx
 * requests and an error page otherwise. Only unexpected errors are logged with a stack.
 */
export function errorHandler(logger: Logger, siteName: () => string) {
  return (err: unknown, c: Context<AppEnv>) => {
    const e = toAppError(err);
    if (e.status >= 500) {
      logger.error(
        {
          component: 'http',
          method: c.req.method,
          path: c.req.path,
          code: e.code,
          err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err),
        },
        'request failed',
      );
    } else {
      logger.debug(
        { component: 'http', method: c.req.method, path: c.req.path, code: e.code },
        'request refused',
      );
    }
    const status = e.status as ContentfulStatusCode;
    const retryAfter = (e.cause as { retryAfterS?: number } | undefined)?.retryAfterS;
    if (retryAfter) c.header('Retry-After', String(retryAfter));
    // GET /metrics also takes basic credentials (Prometheus): its challenge says so.
    if (e.status === 401 && c.req.path === '/metrics')
      c.header('WWW-Authenticate', 'Basic realm="caretaker"');
    else if (e.code === 'UNAUTHENTICATED' || e.code === 'INVALID_TOKEN')
      c.header('WWW-Authenticate', 'Bearer realm="caretaker"');
    if (isApi(c)) {
      return c.json(
        { error: { code: e.code, message: e.message, ...(e.fields ? { fields: e.fields } : {}) } },
        status,
      );
    }
    if (isHtmx(c)) {
      c.header('HX-Retarget', '#flash');
      c.header('HX-Reswap', 'innerHTML');
      return c.html(<ErrorFragment status={e.status} code={e.code} message={e.message} />, status);
    }
    const auth = c.get('auth');
    return c.html(
      <ErrorPage
        status={e.status}
        code={e.code}
        message={e.message}
        siteName={siteName()}
        user={auth?.session ? { username: auth.session.user.username, role: auth.role } : undefined}
        csrfToken={auth?.session?.session.csrfToken}
      />,
      status,
    );
  };
}

export function notFoundHandler() {
  return (c: Context<AppEnv>) => {
    throw new AppError('NOT_FOUND', `Nothing is at ${c.req.path}.`, { status: 404, kind: 'input' });
  };
}
