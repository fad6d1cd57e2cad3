import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { AppError } from '../../core/errors.js';
import { randomId, safeEqual } from '../../core/ids.js';
import type { AppEnv } from '../env.js';
import { isSecure } from './cookies.js';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The state-changing forms used before a session exists. */
const PRE_SESSION_FORMS = new Set(['/login', '/setup']);
export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FIELD = '_csrf';
/** Double-submit cookie for the forms used before a session exists (login, setup). */
export const PRE_CSRF_COOKIE = 'ct_csrf';

const rejected = (why: string) =>
  new AppError(
    'CSRF_REJECTED',
    `The request was refused as a possible cross-site request forgery (${why}). Reload the page and try again.`,
    {
      status: 403,
      kind: 'auth',
    },
  );

async function submittedToken(c: Context): Promise<string | undefined> {
  const header = c.req.header(CSRF_HEADER);
  if (header) return header;
  const type = c.req.header('content-type') ?? '';
  if (/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) {
    const body = await c.req.parseBody();
    const v = body[CSRF_FIELD];
    return typeof v === 'string' ? v : undefined;
  }
  return undefined;
}

/**
 * CSRF protection for every state change:
 * - an Origin header, when a browser sends one, must name this box;
 * - a session-authenticated change must carry the session's token (X-CSRF-Token or `_csrf`);
 * - a change without a session (login, setup forms) must carry the double-submit token, except
 *   JSON API calls, which a cross-site form cannot send;
 * - bearer-token calls carry no ambient credentials and need no token.
 */
export function csrf(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (SAFE.has(c.req.method)) return next();
    const origin = c.req.header('origin');
    if (origin && origin !== 'null') {
      const host = c.req.header('host');
      let originHost: string | undefined;
      try {
        originHost = new URL(origin).host;
      } catch {
        originHost = undefined;
      }
      if (!host || originHost !== host) throw rejected('foreign origin');
    } else if (origin === 'null') {
      throw rejected('opaque origin');
    }
    const auth = c.get('auth');
    if (auth?.token) return next();
    if (auth?.session) {
      const sent = await submittedToken(c);
      if (!sent || !safeEqual(sent, auth.session.session.csrfToken))
        throw rejected('missing or wrong token');
      return next();
    }
    // Without a session only the login and setup forms can change anything; every other route
    // refuses unauthenticated callers itself (so an expired session gets the login page, not a
    // CSRF error, and logging out of nothing is harmless).
    if (!PRE_SESSION_FORMS.has(c.req.path)) return next();
    const type = c.req.header('content-type') ?? '';
    if (/^application\/json\b/i.test(type)) return next();
    const cookie = getCookie(c, PRE_CSRF_COOKIE);
    const sent = await submittedToken(c);
    if (!cookie || !sent || !safeEqual(cookie, sent)) throw rejected('missing or wrong form token');
    return next();
  };
}

/** The double-submit token for a pre-session form, set as a cookie if the browser has none yet. */
export function preSessionToken(c: Context): string {
  let token = getCookie(c, PRE_CSRF_COOKIE);
  if (!token || !/^[A-Za-z0-9_-]{20,64}$/.test(token)) {
    token = randomId(24);
    setCookie(c, PRE_CSRF_COOKIE, token, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      secure: isSecure(c),
    });
  }
  return token;
}
