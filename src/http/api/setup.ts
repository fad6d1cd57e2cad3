import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { readJson } from '../request.js';
import { conflict } from '../../core/errors.js';
import { publicUser } from '../../auth/user-service.js';

export const setupBody = z
  .object({
    setupCode: z.string().min(1).max(64),
    username: z.string().min(1).max(64),
    password: z.string().min(1).max(256),
  })
  .strict();

/** First-boot setup: create the first admin with the one-time code; 409 once the box is set up. */
export function setupApi(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/', async (c) => c.json({ open: await deps.setup.isOpen() }))
    .post('/', async (c) => {
      if (!(await deps.setup.isOpen()))
        throw conflict('SETUP_DONE', 'This box is already set up. Log in instead.');
      const body = await readJson(c, setupBody);
      const user = await deps.setup.complete(body, c.get('ip'));
      deps.logger.info(
        { component: 'auth', user: user.username },
        'first admin created; setup closed',
      );
      return c.json({ user: publicUser(user) }, 201);
    });
}
