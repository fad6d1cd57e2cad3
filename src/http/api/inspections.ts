import { Hono, type Context } from 'hono';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ctxOf, readJson, validate } from '../request.js';
import { requireRole } from '../middleware/authenticate.js';
import {
  completionInputSchema,
  historyQuerySchema,
  planInputSchema,
  planQuerySchema,
} from '../../monitor/inspection-service.js';

/** `assignee=me` names the caller (a signed-in user; a token is nobody's assignee). */
function assigneeOf(c: Context<AppEnv>, value: string | undefined): string | undefined {
  if (value !== 'me') return value;
  const actor = c.get('auth')?.actor;
  return actor?.type === 'user' ? actor.id : '-';
}

/**
 * Inspection plans and their tasks: everyone signed in may read; operators create and edit plans
 * and complete tasks; admins delete plans.
 */
export function inspectionsApi(deps: AppDeps) {
  const svc = deps.inspections;
  return (
    new Hono<AppEnv>()
      .get('/', async (c) => {
        const q = validate(planQuerySchema, c.req.query(), 'The query');
        const r = await svc.list({ ...q, assignee: assigneeOf(c, q.assignee) });
        return c.json({
          items: r.items,
          total: r.total,
          limit: q.limit,
          offset: q.offset,
          counts: r.counts,
        });
      })
      .post('/', requireRole('operator'), async (c) => {
        const plan = await svc.create(await readJson(c, planInputSchema), ctxOf(c));
        return c.json({ plan: await svc.view(plan) }, 201);
      })
      // Before /:id, which would take "due" for an id.
      .get('/due', async (c) => c.json(await svc.dueSummary()))
      .get('/:id', async (c) => c.json({ plan: await svc.view(await svc.get(c.req.param('id'))) }))
      .put('/:id', requireRole('operator'), async (c) => {
        const plan = await svc.update(
          c.req.param('id'),
          await readJson(c, planInputSchema),
          ctxOf(c),
        );
        return c.json({ plan: await svc.view(plan) });
      })
      .delete('/:id', requireRole('admin'), async (c) => {
        await svc.remove(c.req.param('id'), ctxOf(c));
        return c.body(null, 204);
      })
      .get('/:id/completions', async (c) => {
        const q = validate(historyQuerySchema, c.req.query(), 'The query');
        const { items } = await svc.history(c.req.param('id'), q.limit, q.before);
        return c.json({
          items,
          limit: q.limit,
          next: items.length === q.limit ? items[items.length - 1]!.key : null,
        });
      })
      .post('/:id/completions', requireRole('operator'), async (c) => {
        const r = await svc.complete(
          c.req.param('id'),
          await readJson(c, completionInputSchema),
          ctxOf(c),
        );
        return c.json({ completion: r.completion, plan: await svc.view(r.plan) }, 201);
      })
  );
}
