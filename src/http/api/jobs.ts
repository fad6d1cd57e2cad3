import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ctxOf, validate } from '../request.js';
import { requireRole } from '../middleware/authenticate.js';
import { notFound } from '../../core/errors.js';

export const runsQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(500).default(50) })
  .strict();

/** Background jobs: everyone signed in may look; operators may start a run by hand. */
export function jobsApi(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/', async (c) => c.json({ items: await deps.scheduler.status() }))
    .get('/:name/runs', async (c) => {
      const name = c.req.param('name');
      if (!deps.scheduler.has(name)) throw notFound(`The job "${name}"`);
      const q = validate(runsQuery, c.req.query(), 'The query');
      return c.json({ items: await deps.store.jobRuns.recent(name, q.limit) });
    })
    .post('/:name/run', requireRole('operator'), async (c) => {
      const run = await deps.scheduler.trigger(c.req.param('name'), ctxOf(c));
      return c.json({ run }, 202);
    });
}
