import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { readJson } from '../request.js';
import { unauthorized } from '../../core/errors.js';
import { publicUser } from '../../auth/user-service.js';
import { setSessionCookieFor, clearSessionCookie, loginMeta } from '../middleware/cookies.js';

export const loginBody = z
  .object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) })
  .strict();

/**
 * Browser-style login for scripts that prefer a session: the cookie is set and the CSRF token
 * for later changes is returned. HQ should use API tokens instead.
 */
export function sessionApi(deps: AppDeps) {
  return new Hono<AppEnv>()
    .post('/', async (c) => {
      const body = await readJson(c, loginBody);
      const r = await deps.sessions.login(body.username, body.password, loginMeta(c));
      setSessionCookieFor(c, r);
      return c.json(
        {
          user: publicUser(r.user),
          csrfToken: r.session.csrfToken,
          expiresAt: new Date(r.session.expiresAt).toISOString(),
        },
        201,
      );
    })
    .delete('/', async (c) => {
      const auth = c.get('auth');
      if (!auth?.session) throw unauthorized('There is no session to end.');
      await deps.sessions.logout(auth.session, c.get('ip'));
      clearSessionCookie(c);
      return c.body(null, 204);
    });
}
