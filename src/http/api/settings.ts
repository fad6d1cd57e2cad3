import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ctxOf, readJson } from '../request.js';
import { requireRole } from '../middleware/authenticate.js';
import { siteSettingsSchema } from '../../settings/site-service.js';

/** Settings resources; each later feature adds its own section here. */
export function settingsApi(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/site', async (c) => c.json({ site: await deps.site.get() }))
    .put('/site', requireRole('admin'), async (c) => {
      const body = await readJson(c, siteSettingsSchema);
      return c.json({ site: await deps.site.update(body, ctxOf(c)) });
    });
}
