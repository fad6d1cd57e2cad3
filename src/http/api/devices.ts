import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ctxOf, readJson, validate } from '../request.js';
import { requireRole } from '../middleware/authenticate.js';
import { devicePatchSchema, deviceQuerySchema } from '../../discovery/device-service.js';

/** The inventory: everyone signed in may read; operators edit; admins delete. */
export function devicesApi(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/', async (c) => {
      const q = validate(deviceQuerySchema, c.req.query(), 'The query');
      const r = await deps.devices.query(q);
      return c.json({
        items: r.items,
        total: r.total,
        limit: q.limit,
        offset: q.offset,
        facets: r.facets,
      });
    })
    .get('/:id', async (c) => c.json({ device: await deps.devices.get(c.req.param('id')) }))
    .get('/:id/interfaces', async (c) => {
      const d = await deps.devices.get(c.req.param('id'));
      return c.json({ items: await deps.store.devices.interfacesOf(d.id) });
    })
    .get('/:id/neighbours', async (c) => {
      const d = await deps.devices.get(c.req.param('id'));
      const details = await deps.store.devices.detailsOf(d.id);
      return c.json({
        neighbours: details?.neighbours ?? [],
        arp: details?.arp ?? [],
        fdb: details?.fdb ?? [],
        ipAddrs: details?.ipAddrs ?? [],
      });
    })
    .get('/:id/history', async (c) => {
      const d = await deps.devices.get(c.req.param('id'));
      return c.json({ items: await deps.store.devices.historyOf(d.id, 200) });
    })
    .patch('/:id', requireRole('operator'), async (c) =>
      c.json({
        device: await deps.devices.update(
          c.req.param('id'),
          await readJson(c, devicePatchSchema),
          ctxOf(c),
        ),
      }),
    )
    .delete('/:id', requireRole('admin'), async (c) => {
      await deps.devices.remove(c.req.param('id'), ctxOf(c));
      return c.body(null, 204);
    });
}
