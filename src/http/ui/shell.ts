import type { Context } from 'hono';
import type { AppEnv } from '../env.js';
import type { AppDeps } from '../deps.js';
import { unauthorized, forbidden, isAppError, type AppError } from '../../core/errors.js';
import { roleAtLeast, type Role } from '../../core/roles.js';
import type { FieldErrors } from '../../../views/partials/form.js';

/** The props every authenticated page needs: the user, the CSRF token and the site name. */
export function shellProps(c: Context<AppEnv>, deps: AppDeps) {
  const auth = c.get('auth');
  if (!auth?.session) throw unauthorized();
  return {
    siteName: deps.site.name(),
    user: { username: auth.session.user.username, role: auth.role },
    csrfToken: auth.session.session.csrfToken,
  };
}

export function hasRole(c: Context<AppEnv>, role: Role): boolean {
  const auth = c.get('auth');
  return Boolean(auth && roleAtLeast(auth.role, role));
}

/** For page handlers: 403 unless the caller has at least this role. */
export function assertRole(c: Context<AppEnv>, role: Role): void {
  if (!hasRole(c, role))
    throw forbidden(
      `This page needs the ${role} role; you are ${c.get('auth')?.role ?? 'not signed in'}.`,
    );
}

/**
 * Turns an input error into field messages for re-rendering the form next to its fields; any other
 * error is rethrown for the error handler.
 */
export function formErrors(err: unknown): {
  fields: FieldErrors;
  message: string;
  error: AppError;
} {
  if (
    isAppError(err) &&
    err.status < 500 &&
    (err.fields || (err.status !== 401 && err.status !== 403))
  ) {
    return { fields: err.fields ?? {}, message: err.message, error: err };
  }
  throw err;
}
