import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { validate } from '../request.js';
import { requireRole } from '../middleware/authenticate.js';

export const auditQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(100),
    before: z.string().max(64).optional(),
  })
  .strict();

/** The audit log, newest first, paged with the `next` cursor. Admins only. */
export function auditApi(deps: AppDeps) {
  return new Hono<AppEnv>().use(requireRole('admin')).get('/', async (c) => {
    const q = validate(auditQuery, c.req.query(), 'The query');
    const items = await deps.store.audit.page(q.limit, q.before);
    const next = items.length === q.limit ? items[items.length - 1]!.key : null;
    return c.json({ items, next });
  });
}
