import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ctxOf, readJson, validate } from '../request.js';
import { requireRole } from '../middleware/authenticate.js';
import {
  assignSchema,
  incidentQuerySchema,
  noteSchema,
  resolveSchema,
  statsQuerySchema,
} from '../../incidents/incident-service.js';
import { responseTimes } from '../../incidents/incident-machine.js';
import type { IncidentRecord } from '../../incidents/types.js';
import { channelInputSchema, deliveriesQuerySchema } from '../../incidents/notification-schema.js';

/** An incident as the API shows it: the record plus its response times. */
function view(i: IncidentRecord) {
  const t = responseTimes(i);
  return { ...i, ...t };
}

/**
 * Incidents: everyone signed in reads; operators acknowledge, assign, comment and resolve. Every
 * action is audited and lands on the incident's timeline.
 */
export function incidentsApi(deps: AppDeps) {
  const svc = deps.incidents;
  return (
    new Hono<AppEnv>()
      .get('/', async (c) => {
        const q = validate(incidentQuerySchema, c.req.query(), 'The query');
        const r = await svc.list(q);
        return c.json({
          items: r.items.map(view),
          ...(r.total !== undefined ? { total: r.total } : {}),
          limit: q.limit,
          offset: q.offset,
          counts: r.counts,
        });
      })
      // Before /:id, which would take "stats" for an id.
      .get('/stats', async (c) => {
        const q = validate(statsQuerySchema, c.req.query(), 'The query');
        return c.json({ groupBy: q.groupBy, items: await svc.stats(q) });
      })
      .get('/:id', async (c) => {
        const r = await svc.get(c.req.param('id'));
        return c.json({
          incident: view(r.incident),
          timeline: r.timeline,
          deliveries: await deps.notifications.forIncident(r.incident.id),
        });
      })
      .post('/:id/acknowledge', requireRole('operator'), async (c) =>
        c.json({ incident: view(await svc.acknowledge(c.req.param('id'), ctxOf(c))) }),
      )
      .post('/:id/resolve', requireRole('operator'), async (c) => {
        // A note is optional: a POST without a body resolves too.
        const body = c.req.header('content-type')
          ? await readJson(c, resolveSchema)
          : { note: undefined };
        return c.json({
          incident: view(await svc.resolve(c.req.param('id'), body.note, ctxOf(c))),
        });
      })
      .post('/:id/notes', requireRole('operator'), async (c) => {
        const body = await readJson(c, noteSchema);
        return c.json(
          { incident: view(await svc.addNote(c.req.param('id'), body.text, ctxOf(c))) },
          201,
        );
      })
      .post('/:id/assign', requireRole('operator'), async (c) => {
        const body = await readJson(c, assignSchema);
        return c.json({
          incident: view(await svc.assign(c.req.param('id'), body.assigneeId, ctxOf(c))),
        });
      })
  );
}

/** Maintenance windows: everyone reads; operators create and change; admins delete. */
export function maintenanceApi(deps: AppDeps) {
  const svc = deps.maintenance;
  return new Hono<AppEnv>()
    .get('/', async (c) => c.json({ items: await svc.list() }))
    .post('/', requireRole('operator'), async (c) => {
      const body = await readJson(c, z.unknown());
      return c.json({ window: await svc.create(body, ctxOf(c)) }, 201);
    })
    .get('/:id', async (c) => c.json({ window: await svc.get(c.req.param('id')) }))
    .put('/:id', requireRole('operator'), async (c) => {
      const body = await readJson(c, z.unknown());
      return c.json({ window: await svc.update(c.req.param('id'), body, ctxOf(c)) });
    })
    .delete('/:id', requireRole('admin'), async (c) => {
      await svc.remove(c.req.param('id'), ctxOf(c));
      return c.body(null, 204);
    });
}

/** Notification channels: admins manage them (they hold secrets); everyone reads the public view. */
export function channelsApi(deps: AppDeps) {
  const svc = deps.notifications;
  return new Hono<AppEnv>()
    .get('/', async (c) => c.json({ items: await svc.list(), stats: await svc.stats() }))
    .post('/', requireRole('admin'), async (c) => {
      const body = await readJson(c, channelInputSchema);
      return c.json({ channel: await svc.create(body, ctxOf(c)) }, 201);
    })
    .get('/:id', async (c) => c.json({ channel: await svc.get(c.req.param('id')) }))
    .put('/:id', requireRole('admin'), async (c) => {
      const body = await readJson(c, channelInputSchema);
      return c.json({ channel: await svc.update(c.req.param('id'), body, ctxOf(c)) });
    })
    .delete('/:id', requireRole('admin'), async (c) => {
      await svc.remove(c.req.param('id'), ctxOf(c));
      return c.body(null, 204);
    })
    .post('/:id/test', requireRole('operator'), async (c) =>
      c.json(await svc.sendTest(c.req.param('id'), ctxOf(c))),
    )
    .get('/:id/deliveries', async (c) => {
      await svc.get(c.req.param('id'));
      const q = validate(deliveriesQuerySchema, c.req.query(), 'The query');
      const r = await svc.deliveries(c.req.param('id'), q);
      return c.json({ items: r.items, next: r.next ?? null });
    });
}

export const trapQuerySchema = z.object({
  device: z.string().max(64).optional(),
  unknown: z.enum(['1', 'true']).optional(),
  before: z
    .string()
    .max(64)
    .regex(/^[\w:.-]+$/, 'is not a trap cursor')
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** Received SNMP traps (known and unknown senders) and the receiver's counters: any role. */
export function trapsApi(deps: AppDeps) {
  return new Hono<AppEnv>().get('/', async (c) => {
    const q = validate(trapQuerySchema, c.req.query(), 'The query');
    const r = await deps.store.traps.query({
      ...(q.device ? { deviceId: q.device } : {}),
      unknownOnly: !!q.unknown,
      ...(q.before ? { before: q.before } : {}),
      limit: q.limit,
    });
    return c.json({ items: r.items, next: r.next ?? null, receiver: deps.traps.info() });
  });
}

export const parentSchema = z.strictObject({
  /** A device id; null: this device has no parent; omitted: derive it from the topology. */
  parentId: z.string().max(64).nullable().optional(),
});

/** A device's upstream parent (for suppression): view any role; override: operator. */
export function parentsApi(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/:id/parent', async (c) => {
      const id = c.req.param('id');
      await deps.devices.get(id);
      const derived = (await deps.parents.parents()).get(id);
      return c.json({
        deviceId: id,
        parentId: derived?.parentId ?? null,
        via: derived?.via ?? 'none',
        ancestors: await deps.parents.ancestors(id),
      });
    })
    .put('/:id/parent', requireRole('operator'), async (c) => {
      const body = await readJson(c, parentSchema);
      const id = c.req.param('id');
      await deps.parents.setOverride(id, body.parentId, ctxOf(c));
      const derived = (await deps.parents.parents()).get(id);
      return c.json({
        deviceId: id,
        parentId: derived?.parentId ?? null,
        via: derived?.via ?? 'none',
      });
    });
}
