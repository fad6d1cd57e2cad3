import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { validate } from '../request.js';
import { changesQuerySchema } from '../../hq/change-feed-schema.js';

/** The change feed HQ catches up from: any role (a `read` token is enough); read-only. */
export function changesApi(deps: AppDeps) {
  return new Hono<AppEnv>().get('/', async (c) =>
    c.json(await deps.changeFeed.page(validate(changesQuerySchema, c.req.query(), 'The query'))),
  );
}
