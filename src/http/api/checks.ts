import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ctxOf, readJson, validate } from '../request.js';
import { requireRole } from '../middleware/authenticate.js';
import {
  checkInputSchema,
  checkQuerySchema,
  checkUpdateSchema,
} from '../../monitor/checks/check-schema.js';

/** Service checks: everyone signed in reads them (with the latest result); operators change them. */
export function checksApi(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/', async (c) => {
      const q = validate(checkQuerySchema, c.req.query(), 'The query');
      const all = q.deviceId
        ? await deps.checks.listByDevice(q.deviceId)
        : await deps.checks.list();
      return c.json({
        items: all.slice(q.offset, q.offset + q.limit),
        total: all.length,
        limit: q.limit,
        offset: q.offset,
      });
    })
    .post('/', requireRole('operator'), async (c) =>
      c.json(
        { check: await deps.checks.create(await readJson(c, checkInputSchema), ctxOf(c)) },
        201,
      ),
    )
    .get('/:id', async (c) => c.json({ check: await deps.checks.get(c.req.param('id')) }))
    .put('/:id', requireRole('operator'), async (c) =>
      c.json({
        check: await deps.checks.update(
          c.req.param('id'),
          await readJson(c, checkUpdateSchema),
          ctxOf(c),
        ),
      }),
    )
    .delete('/:id', requireRole('operator'), async (c) => {
      await deps.checks.remove(c.req.param('id'), ctxOf(c));
      return c.body(null, 204);
    });
}
