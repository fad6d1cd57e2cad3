import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ctxOf, readJson, validate } from '../request.js';
import { requireRole } from '../middleware/authenticate.js';
import { OVERRIDE_SCOPES, overrideInputSchema, rulePatchSchema } from '../../monitor/rules.js';
import { interfaceMarkSchema } from '../../monitor/interface-mark-service.js';

export const overridePath = z
  .object({
    id: z.string().max(64),
    scope: z.enum(OVERRIDE_SCOPES, 'Use "type" or "device".'),
    key: z.string().min(1).max(64),
  })
  .strict();

/** Monitoring rules: everyone signed in reads them; admins change rules and overrides. */
export function rulesApi(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/', async (c) => c.json({ items: await deps.rules.list() }))
    .get('/:id', async (c) => c.json({ rule: await deps.rules.get(c.req.param('id')) }))
    .put('/:id', requireRole('admin'), async (c) =>
      c.json({
        rule: await deps.rules.update(
          c.req.param('id'),
          await readJson(c, rulePatchSchema),
          ctxOf(c),
        ),
      }),
    )
    .post('/:id/reset', requireRole('admin'), async (c) =>
      c.json({ rule: await deps.rules.reset(c.req.param('id'), ctxOf(c)) }),
    )
    .put('/:id/overrides/:scope/:key', requireRole('admin'), async (c) => {
      const p = validate(overridePath, c.req.param(), 'The path');
      const input = await readJson(c, overrideInputSchema);
      return c.json({
        override: await deps.rules.setOverride(p.id, p.scope, p.key, input, ctxOf(c)),
      });
    })
    .delete('/:id/overrides/:scope/:key', requireRole('admin'), async (c) => {
      const p = validate(overridePath, c.req.param(), 'The path');
      await deps.rules.clearOverride(p.id, p.scope, p.key, ctxOf(c));
      return c.body(null, 204);
    });
}

export const alertsQuery = z.object({ deviceId: z.string().min(1).max(64).optional() }).strict();

/** The alerts raised now, worst first (any role). */
export function alertsApi(deps: AppDeps) {
  return new Hono<AppEnv>().get('/', async (c) => {
    const q = validate(alertsQuery, c.req.query(), 'The query');
    const items = q.deviceId ? await deps.alerts.activeFor(q.deviceId) : await deps.alerts.active();
    return c.json({ items, total: items.length });
  });
}

/**
 * Whether an interface is important (alerted on when it goes down): mounted under /devices next
 * to the inventory routes. Everyone reads; operators mark and unmark.
 */
export function interfaceMarksApi(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/:id/interfaces/:ifIndex', async (c) =>
      c.json({
        interface: await deps.interfaceMarks.get(c.req.param('id'), c.req.param('ifIndex')),
      }),
    )
    .put('/:id/interfaces/:ifIndex', requireRole('operator'), async (c) => {
      const { important } = await readJson(c, interfaceMarkSchema);
      return c.json({
        interface: await deps.interfaceMarks.set(
          c.req.param('id'),
          c.req.param('ifIndex'),
          important,
          ctxOf(c),
        ),
      });
    });
}
