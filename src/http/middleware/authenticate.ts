import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { AppError, forbidden, unauthorized } from '../../core/errors.js';
import { roleAtLeast, scopeToRole, type Role } from '../../core/roles.js';
import { SESSION_COOKIE } from '../../auth/session-service.js';
import type { BadAuthLimiter } from '../../auth/bad-auth-limiter.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { isApi, isHtmx, peerAddress } from '../request.js';

/** Sent by elements that poll in the background (see views), so that polling is not activity. */
export const POLL_HEADER = 'x-caretaker-poll';

/**
 * The one path that takes HTTP basic credentials (Prometheus servers that cannot send a bearer
 * token); its route checks them itself, with the login throttle (see http/api/prometheus.ts).
 */
export const BASIC_AUTH_PATH = '/metrics';

/**
 * Resolves the caller from a bearer token or the session cookie; does not require either. A bad
 * token is 401 wherever it is sent, counted and, past the per-address limit, 429 (`badAuth`).
 */
export function authenticate(deps: AppDeps, badAuth?: BadAuthLimiter): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('ip', peerAddress(c));
    c.set('auth', undefined);
    const header = c.req.header('authorization');
    if (header !== undefined && c.req.path === BASIC_AUTH_PATH && /^Basic\s/i.test(header)) {
      // Checked by the route; a cookie sent beside it is not used.
    } else if (header !== undefined) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      const token = m ? await deps.tokens.authenticate(m[1]!) : undefined;
      if (!token) {
        const invalid = new AppError(
          'INVALID_TOKEN',
          'The API token is not valid, or it was revoked.',
          { status: 401, kind: 'auth' },
        );
        throw badAuth ? badAuth.failed('token', c.get('ip'), invalid) : invalid;
      }
      const role = scopeToRole(token.scope);
      c.set('auth', {
        actor: { type: 'token', id: token.id, name: token.name, role },
        role,
        token,
      });
    } else {
      const sid = getCookie(c, SESSION_COOKIE);
      // Background polls (htmx `every Ns`) say so, and do not keep an idle session alive.
      const active = sid
        ? await deps.sessions.authenticate(sid, c.req.header(POLL_HEADER) !== '1')
        : undefined;
      if (active) {
        const u = active.user;
        c.set('auth', {
          actor: { type: 'user', id: u.id, name: u.username, role: u.role },
          role: u.role,
          session: active,
        });
      }
    }
    await next();
  };
}

/** Lets only authenticated callers through: 401 JSON for the API, a redirect to /login for pages. */
export function requireAuth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.get('auth')) return next();
    if (isApi(c)) throw unauthorized();
    const url = new URL(c.req.url);
    const nextPath = url.pathname + url.search;
    const target = nextPath === '/' ? '/login' : `/login?next=${encodeURIComponent(nextPath)}`;
    if (isHtmx(c)) {
      c.header('HX-Redirect', target);
      return c.body(null, 401);
    }
    return c.redirect(target, 303);
  };
}

/** Lets only callers whose role (or token scope) is at least `role` through. */
export function requireRole(role: Role): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const auth = c.get('auth');
    if (!auth) throw unauthorized();
    if (!roleAtLeast(auth.role, role)) {
      throw forbidden(
        auth.token
          ? `This token has the "${auth.token.scope}" scope; this needs ${role === 'admin' ? 'the "admin"' : 'the "operate"'} scope.`
          : `Your role (${auth.role}) does not allow this; it needs ${role}.`,
      );
    }
    await next();
  };
}
