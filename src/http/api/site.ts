import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { etagMatches } from '../etag.js';

/** The site summary HQ polls: any role (a `read` token is enough); 304 when unchanged. */
export function siteApi(deps: AppDeps) {
  return new Hono<AppEnv>().get('/', async (c) => {
    const { json, etag } = await deps.siteSummary.get();
    c.header('ETag', etag);
    // Cacheable by the poller but always revalidated: the ETag makes that cheap.
    c.header('Cache-Control', 'private, no-cache');
    if (etagMatches(c.req.header('if-none-match'), etag)) return c.body(null, 304);
    c.header('Content-Type', 'application/json; charset=utf-8');
    return c.body(json, 200);
  });
}
