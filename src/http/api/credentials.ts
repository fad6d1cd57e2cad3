import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ctxOf, readJson } from '../request.js';
import { requireRole } from '../middleware/authenticate.js';
import { credentialInputSchema, publicCredential } from '../../snmp/credential-service.js';

export const orderBody = z.object({ ids: z.array(z.string().max(32)).max(50) }).strict();

/** SNMP credentials: admins only (they grant read access to every device). Secrets never come back. */
export function credentialsApi(deps: AppDeps) {
  return new Hono<AppEnv>()
    .use(requireRole('admin'))
    .get('/', async (c) => c.json({ items: await deps.credentials.list() }))
    .post('/', async (c) =>
      c.json(
        {
          credential: await deps.credentials.create(
            await readJson(c, credentialInputSchema),
            ctxOf(c),
          ),
        },
        201,
      ),
    )
    .put('/order', async (c) =>
      c.json({
        items: await deps.credentials.reorder((await readJson(c, orderBody)).ids, ctxOf(c)),
      }),
    )
    .get('/:id', async (c) =>
      c.json({ credential: publicCredential(await deps.credentials.get(c.req.param('id'))) }),
    )
    .put('/:id', async (c) =>
      c.json({
        credential: await deps.credentials.update(
          c.req.param('id'),
          await readJson(c, credentialInputSchema),
          ctxOf(c),
        ),
      }),
    )
    .delete('/:id', async (c) => {
      await deps.credentials.remove(c.req.param('id'), ctxOf(c));
      return c.body(null, 204);
    });
}
