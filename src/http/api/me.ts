import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ctxOf, readJson } from '../request.js';
import { AppError, forbidden } from '../../core/errors.js';
import { publicUser } from '../../auth/user-service.js';
import { publicToken } from '../../auth/token-service.js';

export const passwordBody = z
  .object({ currentPassword: z.string().min(1).max(256), newPassword: z.string().min(1).max(256) })
  .strict();

export function meApi(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/', (c) => {
      const auth = c.get('auth')!;
      if (auth.token)
        return c.json({ kind: 'token', role: auth.role, token: publicToken(auth.token) });
      return c.json({
        kind: 'user',
        role: auth.role,
        user: publicUser(auth.session!.user),
        csrfToken: auth.session!.session.csrfToken,
      });
    })
    .put('/password', async (c) => {
      const auth = c.get('auth')!;
      if (!auth.session) throw forbidden('An API token has no password to change.');
      const body = await readJson(c, passwordBody);
      const user = auth.session.user;
      if (!(await deps.sessions.verifyCurrentPassword(user, body.currentPassword, c.get('ip')))) {
        throw new AppError('INVALID_CREDENTIALS', 'The current password is not correct.', {
          status: 403,
          kind: 'auth',
          fields: { currentPassword: 'Not correct.' },
        });
      }
      await deps.users.setPassword(user.id, body.newPassword, ctxOf(c), {
        keepSessionHash: auth.session.idHash,
      });
      return c.body(null, 204);
    });
}
