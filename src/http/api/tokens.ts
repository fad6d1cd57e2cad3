import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ctxOf, readJson } from '../request.js';
import { requireRole } from '../middleware/authenticate.js';
import { scopeSchema, tokenNameSchema } from '../../auth/schemas.js';

export const createBody = z.object({ name: tokenNameSchema, scope: scopeSchema }).strict();

/** API tokens: admins create, list and revoke; the secret is in the create response only. */
export function tokensApi(deps: AppDeps) {
  return new Hono<AppEnv>()
    .use(requireRole('admin'))
    .get('/', async (c) => c.json({ items: await deps.tokens.list() }))
    .post('/', async (c) => {
      const body = await readJson(c, createBody);
      const { token, record } = await deps.tokens.create(body, ctxOf(c));
      return c.json({ token, ...record }, 201);
    })
    .delete('/:id', async (c) =>
      c.json({ token: await deps.tokens.revoke(c.req.param('id'), ctxOf(c)) }),
    );
}
