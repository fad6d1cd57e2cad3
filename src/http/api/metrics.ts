import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { validate } from '../request.js';
import { badRequest } from '../../core/errors.js';

const YEAR_MS = 366 * 86_400_000;

/** A time as ISO-8601 or milliseconds since the epoch. */
const instant = z
  .string()
  .max(40)
  .transform((s, ctx) => {
    const ms = /^\d{1,15}$/.test(s) ? Number(s) : Date.parse(s);
    if (!Number.isFinite(ms) || ms < 0 || ms > 8.64e15) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be an ISO-8601 time after 1970, or milliseconds since 1970',
      });
      return z.NEVER;
    }
    return ms;
  });

export const seriesQuerySchema = z
  .object({
    from: instant.optional(),
    to: instant.optional(),
    /** Seconds per point; coarser buckets than the stored tier are averaged (min/max kept). */
    step: z.coerce
      .number()
      .int()
      .min(1)
      .max(30 * 86_400)
      .optional(),
    tier: z.enum(['raw', '5m', '1h', '1d']).optional(),
  })
  .strict();

/** GET /api/v1/series/{id}: points of one series for a range, from the tier that fits. */
export function seriesApi(deps: AppDeps) {
  return new Hono<AppEnv>().get('/:id', async (c) => {
    const q = validate(seriesQuerySchema, c.req.query(), 'The query');
    const to = q.to ?? deps.clock.now();
    const from = q.from ?? to - 86_400_000;
    if (from >= to) throw badRequest('BAD_RANGE', '"from" must be before "to".');
    if (to - from > 11 * YEAR_MS)
      throw badRequest('BAD_RANGE', 'The range may span at most 11 years.');
    const answer = await deps.metrics.query(c.req.param('id'), from, to, {
      ...(q.step ? { stepS: q.step } : {}),
      ...(q.tier ? { tier: q.tier } : {}),
    });
    return c.json(answer);
  });
}

const SEVERITIES = ['info', 'warning', 'minor', 'major', 'critical'] as const;
export const severityRank = (s: (typeof SEVERITIES)[number]): number => SEVERITIES.indexOf(s);

export const eventQuerySchema = z
  .object({
    deviceId: z.string().min(1).max(64).optional(),
    kind: z
      .string()
      .max(400)
      .transform((s) => s.split(',').filter(Boolean))
      .optional(),
    minSeverity: z.enum(SEVERITIES).optional(),
    before: z.string().min(1).max(64).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

/** GET /api/v1/events: newest first, filtered by device, kind and severity; `next` pages on. */
export function eventsApi(deps: AppDeps) {
  return new Hono<AppEnv>().get('/', async (c) => {
    const q = validate(eventQuerySchema, c.req.query(), 'The query');
    const r = await deps.store.events.query({
      limit: q.limit,
      ...(q.deviceId ? { deviceId: q.deviceId } : {}),
      ...(q.kind?.length ? { kinds: q.kind } : {}),
      ...(q.minSeverity ? { minSeverity: severityRank(q.minSeverity), severityRank } : {}),
      ...(q.before ? { before: q.before } : {}),
    });
    return c.json({ items: r.items, limit: q.limit, ...(r.next ? { next: r.next } : {}) });
  });
}

/** GET /api/v1/devices/{id}/metrics (the device's series) and /status (live monitoring state). */
export function deviceMonitorApi(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/:id/metrics', async (c) => {
      const d = await deps.devices.get(c.req.param('id'));
      return c.json({ items: deps.metrics.list(d.id) });
    })
    .get('/:id/status', async (c) => {
      const d = await deps.devices.get(c.req.param('id'));
      return c.json({
        status: await deps.monitor.status(d.id),
        alerts: await deps.alerts.activeFor(d.id),
      });
    });
}

/** GET /api/v1/monitoring: the metrics store's size and state. */
export function monitoringApi(deps: AppDeps) {
  return new Hono<AppEnv>().get('/', (c) =>
    c.json({
      metrics: { ...deps.metrics.usage(), suspended: deps.metrics.suspended ?? null },
    }),
  );
}
