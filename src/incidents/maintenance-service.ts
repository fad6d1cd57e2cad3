/**
 * Maintenance windows as people manage them: validated (time zone aware schedules, scope), audited,
 * and shown with their next occurrence. The incident service reads them to hold notifications.
 */
import { z } from 'zod';
import type { Store } from '../store/store.js';
import type { Clock } from '../core/time.js';
import type { RequestContext } from '../auth/context.js';
import type { SiteService } from '../settings/site-service.js';
import type { MaintenanceWindow } from '../store/maintenance.js';
import { actorLabel } from '../core/roles.js';
import { notFound } from '../core/errors.js';
import { randomId } from '../core/ids.js';
import { zodToAppError } from '../core/zod-errors.js';
import { Mutex } from '../lib/mutex.js';
import { maintenanceWindowSchema } from './maintenance-schema.js';
import { activeOccurrence, describeSchedule, nextOccurrence } from './maintenance-schedule.js';
import { compareText } from '../lib/collate.js';

export const backupJobIds = z.array(z.string().min(1).max(64)).max(50).default([]);

export interface MaintenanceView extends MaintenanceWindow {
  description: string;
  active?: { start: string; end: string };
  next?: { start: string; end: string };
}

const iso = (ms: number) => new Date(ms).toISOString();

export class MaintenanceService {
  private readonly lock = new Mutex();

  constructor(private readonly deps: { store: Store; clock: Clock; site: SiteService }) {}

  /** Validates a window; the site's time zone is the default zone. */
  async parse(input: unknown): Promise<{
    spec: z.output<ReturnType<typeof maintenanceWindowSchema>>;
    /** Absent when the input did not name them (an update then keeps the stored ones). */
    backupJobIds: string[] | undefined;
  }> {
    const tz = (await this.deps.site.get()).timezone;
    const raw = (input ?? {}) as Record<string, unknown>;
    const { backupJobIds: jobs, ...rest } = raw;
    const spec = maintenanceWindowSchema(tz).safeParse(rest);
    if (!spec.success) throw zodToAppError(spec.error, 'The maintenance window');
    if (jobs === undefined) return { spec: spec.data, backupJobIds: undefined };
    const ids = backupJobIds.safeParse(jobs);
    if (!ids.success) throw zodToAppError(ids.error, 'The backup jobs');
    return { spec: spec.data, backupJobIds: ids.data };
  }

  view(w: MaintenanceWindow): MaintenanceView {
    const now = this.deps.clock.now();
    const active = w.enabled ? activeOccurrence(w, now) : undefined;
    const next = w.enabled ? nextOccurrence(w, now) : undefined;
    return {
      ...w,
      description: describeSchedule(w),
      ...(active ? { active: { start: iso(active.start), end: iso(active.end) } } : {}),
      ...(next ? { next: { start: iso(next.start), end: iso(next.end) } } : {}),
    };
  }

  async list(): Promise<MaintenanceView[]> {
    return (await this.deps.store.maintenance.list())
      .map((w) => this.view(w))
      .sort((a, b) => Number(!!b.active) - Number(!!a.active) || compareText(a.name, b.name));
  }

  async get(id: string): Promise<MaintenanceView> {
    const w = await this.deps.store.maintenance.get(id);
    if (!w) throw notFound('The maintenance window');
    return this.view(w);
  }

  async create(input: unknown, ctx: RequestContext): Promise<MaintenanceView> {
    const { spec, backupJobIds: jobs } = await this.parse(input);
    return this.lock.run(async () => {
      const { store, clock } = this.deps;
      const now = clock.now();
      const w: MaintenanceWindow = {
        ...spec,
        id: randomId(8),
        backupJobIds: jobs ?? [],
        createdAt: iso(now),
        createdBy: actorLabel(ctx.actor),
        updatedAt: iso(now),
      };
      await store.write([
        store.maintenance.putOp(w),
        store.audit.recordOp(ctx, 'maintenance.created', `maintenance:${w.id}`, now, {
          name: w.name,
          schedule: describeSchedule(w),
        }),
      ]);
      return this.view(w);
    });
  }

  async update(id: string, input: unknown, ctx: RequestContext): Promise<MaintenanceView> {
    const { spec, backupJobIds: jobs } = await this.parse(input);
    return this.lock.run(async () => {
      const { store, clock } = this.deps;
      const old = await store.maintenance.get(id);
      if (!old) throw notFound('The maintenance window');
      const now = clock.now();
      const w: MaintenanceWindow = {
        ...spec,
        id,
        backupJobIds: jobs ?? old.backupJobIds,
        createdAt: old.createdAt,
        createdBy: old.createdBy,
        updatedAt: iso(now),
        ...(old.activeOccurrence ? { activeOccurrence: old.activeOccurrence } : {}),
      };
      await store.write([
        store.maintenance.putOp(w),
        store.audit.recordOp(ctx, 'maintenance.updated', `maintenance:${id}`, now, {
          name: w.name,
          schedule: describeSchedule(w),
          enabled: w.enabled,
        }),
      ]);
      return this.view(w);
    });
  }

  async remove(id: string, ctx: RequestContext): Promise<void> {
    await this.lock.run(async () => {
      const { store, clock } = this.deps;
      const old = await store.maintenance.get(id);
      if (!old) throw notFound('The maintenance window');
      await store.write([
        store.maintenance.delOp(id),
        store.audit.recordOp(ctx, 'maintenance.deleted', `maintenance:${id}`, clock.now(), {
          name: old.name,
        }),
      ]);
    });
  }

  /** Whether a backup job may run now: not attached to any window, or inside one it is attached to. */
  async backupAllowed(jobId: string): Promise<boolean> {
    const now = this.deps.clock.now();
    const attached = (await this.deps.store.maintenance.list()).filter((w) =>
      w.backupJobIds.includes(jobId),
    );
    return attached.length === 0 || attached.some((w) => w.enabled && !!activeOccurrence(w, now));
  }
}
