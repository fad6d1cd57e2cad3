import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ctxOf, readJson } from '../request.js';
import { requireRole } from '../middleware/authenticate.js';
import { publicUser } from '../../auth/user-service.js';
import { roleSchema, displayNameSchema } from '../../auth/schemas.js';

export const createBody = z
  .object({
    username: z.string().min(1).max(64),
    password: z.string().min(1).max(256),
    role: roleSchema,
    displayName: displayNameSchema.default(''),
  })
  .strict();
export const patchBody = z
  .object({
    role: roleSchema.optional(),
    disabled: z.boolean().optional(),
    displayName: displayNameSchema.optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'Name at least one of role, disabled, displayName.');
export const passwordBody = z.object({ password: z.string().min(1).max(256) }).strict();

/** User management: admins only. */
export function usersApi(deps: AppDeps) {
  return new Hono<AppEnv>()
    .use(requireRole('admin'))
    .get('/', async (c) => c.json({ items: await deps.users.list() }))
    .post('/', async (c) => {
      const body = await readJson(c, createBody);
      return c.json({ user: publicUser(await deps.users.create(body, ctxOf(c))) }, 201);
    })
    .get('/:id', async (c) => c.json({ user: publicUser(await deps.users.get(c.req.param('id'))) }))
    .patch('/:id', async (c) => {
      const body = await readJson(c, patchBody);
      const patch = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
      return c.json({
        user: publicUser(await deps.users.update(c.req.param('id'), patch, ctxOf(c))),
      });
    })
    .put('/:id/password', async (c) => {
      const body = await readJson(c, passwordBody);
      const user = await deps.users.setPassword(c.req.param('id'), body.password, ctxOf(c));
      deps.sessions.clearLockout(user.username);
      return c.body(null, 204);
    })
    .delete('/:id', async (c) => {
      await deps.users.remove(c.req.param('id'), ctxOf(c));
      return c.body(null, 204);
    });
}
