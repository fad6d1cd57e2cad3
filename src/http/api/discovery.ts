import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ctxOf, readJson, validate } from '../request.js';
import { requireRole } from '../middleware/authenticate.js';
import { discoverySettingsSchema } from '../../discovery/settings-service.js';

export const scansQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(20),
    before: z.string().max(64).optional(),
  })
  .strict();

/** Discovery: scans (start, follow, cancel, history). Settings live under /settings/discovery. */
export function discoveryApi(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/scans', async (c) => {
      const q = validate(scansQuery, c.req.query(), 'The query');
      const items = await deps.scans.recent(q.limit, q.before);
      const running = deps.scans.running();
      // The store copy of a running scan lags by up to a second: show the live one.
      const live = items.map((s) => (running && s.id === running.id ? running : s));
      return c.json({
        items: live,
        next: items.length === q.limit ? items[items.length - 1]!.id : null,
      });
    })
    .post('/scans', requireRole('operator'), async (c) => {
      const entry = await deps.scans.start('manual', ctxOf(c));
      c.header('Location', `/api/v1/discovery/scans/${entry.scan.id}`);
      return c.json({ scan: deps.scans.running() ?? entry.scan }, 202);
    })
    .get('/scans/:id', async (c) => c.json({ scan: await deps.scans.get(c.req.param('id')) }))
    .delete('/scans/:id', requireRole('operator'), async (c) =>
      c.json({ scan: await deps.scans.cancel(c.req.param('id'), ctxOf(c)) }),
    );
}

/** GET/PUT /settings/discovery (mounted into the settings API). */
export function discoverySettingsRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/', async (c) => c.json({ discovery: await deps.discovery.get() }))
    .put('/', requireRole('admin'), async (c) => {
      const body = await readJson(c, discoverySettingsSchema);
      return c.json({ discovery: await deps.discovery.update(body, ctxOf(c)) });
    });
}
