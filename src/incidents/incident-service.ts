/**
 * Events → incidents. Every event is written with an inbox entry (store/events.ts); this service
 * folds them into incidents in its own batches, deleting the inbox entries in the same batch, so
 * that a crash loses and repeats nothing. It also runs the people's actions (acknowledge, assign,
 * note, resolve), root-cause suppression, maintenance windows and flap upkeep, and asks the
 * notification service to send what should be sent.
 */
import { z } from 'zod';
import type { Store } from '../store/store.js';
import type { BatchOp } from '../store/db.js';
import type { Clock } from '../core/time.js';
import type { Logger } from '../lib/logger.js';
import type { Config } from '../config/schema.js';
import type { RequestContext } from '../auth/context.js';
import { actorLabel } from '../core/roles.js';
import { AppError, notFound } from '../core/errors.js';
import { timeKey } from '../store/keys.js';
import { Mutex } from '../lib/mutex.js';
import { severityRank, SEVERITIES } from '../monitor/rules.js';
import { eventSignal } from './signals.js';
import {
  acknowledge,
  applySignal,
  assign,
  isOpen,
  resolve,
  responseTimes,
  settleFlapping,
  TransitionError,
  type IncidentPolicy,
  type Step,
  type TimelineLine,
} from './incident-machine.js';
import { activeOccurrence, windowCovers } from './maintenance-schedule.js';
import type { MaintenanceWindow } from '../store/maintenance.js';
import type {
  IncidentRecord,
  IncidentSignal,
  IncidentState,
  NotifyKind,
  Severity,
  TimelineEntry,
} from './types.js';
import { compareText } from '../lib/collate.js';

/** What the incident service needs from notifications (the notification service). */
export interface IncidentNotifier {
  enqueueOps(
    req: { kind: NotifyKind; incident: IncidentRecord },
    now: number,
    opts?: { delayMs?: number },
  ): Promise<BatchOp[]>;
  /** Look for due deliveries now. */
  kick?(): void;
}

export const incidentQuerySchema = z.object({
  state: z.enum(['open', 'acknowledged', 'resolved', 'unresolved', 'all']).default('unresolved'),
  severity: z.enum(SEVERITIES).optional(),
  device: z.string().max(64).optional(),
  assignee: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});
export type IncidentQuery = z.output<typeof incidentQuerySchema>;

export const noteSchema = z.strictObject({
  text: z.string().trim().min(1, 'Write a note.').max(4_000, 'Use at most 4,000 characters.'),
});
export const resolveSchema = z.strictObject({
  note: z.string().trim().max(4_000, 'Use at most 4,000 characters.').optional(),
});
export const assignSchema = z.strictObject({
  /** A user id, or null to unassign. */
  assigneeId: z.string().max(64).nullable(),
});

export const statsQuerySchema = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  groupBy: z.enum(['device', 'rule', 'day', 'week', 'month']).default('rule'),
});

export interface ResponseStats {
  group: string;
  incidents: number;
  acknowledged: number;
  resolved: number;
  mttaMs?: number;
  mttrMs?: number;
}

const PUMP_BATCH = 500;
/** Open trap problems of one sender before the rest fold into one "trap flood" incident. */
const TRAP_PROBLEMS_PER_SOURCE = 20;
/** Work of one kind at a time: folding, actions and upkeep never interleave on an incident. */
const TICK_MS = 2_000;

export class IncidentService {
  private readonly lock = new Mutex();
  /** Unresolved incidents by id (a branch has tens, not thousands): kept in memory. */
  private open = new Map<string, IncidentRecord>();
  private loaded: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private rechecking = false;
  private stopped = false;

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      logger: Logger;
      config: Config;
      /** Reachability of every device (the monitor's debounced status). */
      statuses: () => Promise<Map<string, string>>;
      /** Upstream devices of a device, nearest first (ParentService.ancestors). */
      ancestors: (deviceId: string) => Promise<string[]>;
      notifier?: IncidentNotifier;
      /** Whether alerts of a rule resolve their incident when they clear (default true). */
      autoResolve?: (ruleId: string | undefined) => Promise<boolean>;
      /** Re-checks the site after a maintenance window (reachability and service checks). */
      recheck?: (signal: AbortSignal) => Promise<void>;
    },
  ) {}

  private get policy(): IncidentPolicy {
    const c = this.deps.config.incidents;
    return {
      reopenWithinMs: c.reopenWithinS * 1000,
      flapMaxChanges: c.flapMaxChanges,
      flapWindowMs: c.flapWindowS * 1000,
    };
  }

  private load(): Promise<void> {
    this.loaded ??= (async () => {
      for await (const inc of this.deps.store.incidents.newestFirst())
        if (isOpen(inc)) this.open.set(inc.id, inc);
    })();
    return this.loaded;
  }

  start(): void {
    this.stopped = false;
    this.started = true;
    this.timer = setTimeout(this.loop, 0).unref();
  }

  private started = false;
  private again = false;
  private readonly loop = (): void => {
    if (this.stopped) return;
    this.timer = undefined;
    this.running = this.cycle()
      .then(() => undefined)
      .catch((err: unknown) =>
        this.deps.logger.error({ component: 'incidents', err }, 'incident upkeep failed'),
      )
      .finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        const soon = this.again;
        this.again = false;
        this.timer = setTimeout(this.loop, soon ? 0 : TICK_MS).unref();
      });
  };

  /** New events were written: fold them now instead of at the next tick. */
  kick(): void {
    if (!this.started || this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(this.loop, 0).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass: fold new events, then upkeep. Tests call it directly. */
  async cycle(signal?: AbortSignal): Promise<{ folded: number }> {
    const folded = await this.pump();
    await this.tick(signal ?? new AbortController().signal);
    return { folded };
  }

  // ---- folding events ---------------------------------------------------------------------

  /** Folds every pending event into incidents; returns how many events were read. */
  async pump(): Promise<number> {
    await this.load();
    let total = 0;
    for (;;) {
      const n = await this.lock.run(() => this.pumpBatch());
      total += n;
      if (n < PUMP_BATCH) return total;
    }
  }

  private async pumpBatch(): Promise<number> {
    const { store, clock } = this.deps;
    const pending = await store.events.pending(PUMP_BATCH);
    if (pending.length === 0) return 0;
    const now = clock.now();
    const ops: BatchOp[] = [];
    // Incidents changed within this batch, by problem key: later events see earlier changes.
    const touched = new Map<string, IncidentRecord>();
    const changed = new Map<string, IncidentRecord>();
    for (const p of pending) {
      ops.push(store.events.doneOp(p.inboxKey));
      const parsed = p.event ? eventSignal(p.event) : undefined;
      if (!parsed) continue;
      let prev = touched.get(parsed.key) ?? (await store.incidents.latestOf(parsed.key));
      const sig = prev && isOpen(prev) ? parsed : this.capTrapProblems(parsed, touched);
      if (sig !== parsed) prev = touched.get(sig.key) ?? (await store.incidents.latestOf(sig.key));
      const autoResolve = (await this.deps.autoResolve?.(sig.ruleId)) ?? true;
      const step = applySignal(prev, sig, this.policy, () => timeKey(sig.at), autoResolve);
      if (!step) continue;
      await this.decorate(step, sig, now);
      touched.set(sig.key, step.incident);
      changed.set(step.incident.id, step.incident);
      // A storm of repeats is counted on the incident; the timeline keeps the first ones and
      // every hundredth, not ten thousand identical lines.
      const n = step.incident.count;
      const lines =
        !step.created && n > 20 && n % 100 !== 0 && step.lines.length === 1 ? [] : step.lines;
      ops.push(...this.lineOps(step.incident.id, lines, sig.at));
      ops.push(...(await this.notifyOps(step, now)));
    }
    for (const inc of changed.values())
      ops.push(store.incidents.putOp(inc), store.incidents.keyOp(inc));
    await store.write(ops);
    for (const inc of changed.values()) this.remember(inc);
    this.deps.notifier?.kick?.();
    return pending.length;
  }

  /**
   * A sender with more than TRAP_PROBLEMS_PER_SOURCE different open trap problems (many vendor
   * trap OIDs, or link traps for many ports) gets one "trap flood" incident for the rest: a
   * misbehaving or spoofed sender cannot open thousands of incidents and page for each.
   */
  private capTrapProblems(
    sig: IncidentSignal,
    touched: ReadonlyMap<string, IncidentRecord>,
  ): IncidentSignal {
    const m = /^(trap|trap-link):([^:]+):/.exec(sig.key);
    if (!m || sig.type === 'clear') return sig;
    const source = m[2]!;
    const prefixes = [`trap:${source}:`, `trap-link:${source}:`];
    const keys = new Set<string>();
    for (const i of [...this.open.values(), ...touched.values()])
      if (isOpen(i) && prefixes.some((p) => i.key.startsWith(p))) keys.add(i.key);
    if (keys.size < TRAP_PROBLEMS_PER_SOURCE) return sig;
    const { instance: _instance, ...rest } = sig;
    void _instance;
    return {
      ...rest,
      key: `trap-flood:${source}`,
      type: 'once',
      severity: 'warning',
      title: `Many different traps from ${sig.deviceId ? 'this device' : source}`,
      ruleId: 'trap.flood',
    };
  }

  /**
   * Suppression and maintenance for incidents that start or return; a later notification
   * (escalated, flapping) of an incident that has since come to sit behind a down device or in
   * a window is held back the same way (its release is left to upkeep).
   */
  private async decorate(step: Step, sig: IncidentSignal, now: number): Promise<void> {
    const inc = step.incident;
    if (!step.notify || step.notify === 'resolved') return;
    const opening = step.notify === 'opened' || step.notify === 'reopened';
    if (inc.deviceId && (opening || !inc.suppressedBy)) {
      const parent = await this.downAncestor(inc.deviceId);
      if (parent) {
        inc.suppressedBy = parent.id;
        step.lines.push({
          kind: 'suppressed',
          by: 'system',
          text: `Suppressed: ${parent.name} in front of this device is down.`,
          details: { parentId: parent.id },
        });
      } else delete inc.suppressedBy;
    }
    if (!opening && inc.maintenanceId) return;
    const win = await this.coveringWindow(inc.deviceId, now);
    if (win) {
      inc.maintenanceId = win.id;
      step.lines.push({
        kind: 'maintenance',
        by: 'system',
        text: `In maintenance window "${win.name}" (${win.reason}): no notification until it ends.`,
        details: { windowId: win.id },
      });
    } else if (opening) {
      // A window of the incident's earlier life (it resolved inside it) has ended.
      delete inc.maintenanceId;
    }
    void sig;
  }

  private async downAncestor(deviceId: string): Promise<{ id: string; name: string } | undefined> {
    const [ancestors, statuses] = await Promise.all([
      this.deps.ancestors(deviceId),
      this.deps.statuses(),
    ]);
    for (const id of ancestors) {
      if (statuses.get(id) === 'down') {
        const d = await this.deps.store.devices.get(id);
        return { id, name: d?.name ?? id };
      }
    }
    return undefined;
  }

  private async coveringWindow(
    deviceId: string | undefined,
    now: number,
  ): Promise<MaintenanceWindow | undefined> {
    const windows = (await this.deps.store.maintenance.list()).filter(
      (w) => w.enabled && w.suppressNotifications,
    );
    if (windows.length === 0) return undefined;
    const device = deviceId ? await this.deps.store.devices.get(deviceId) : undefined;
    return windows.find((w) => windowCovers(w, { deviceId, deviceType: device?.type }, now));
  }

  private lineOps(incidentId: string, lines: readonly TimelineLine[], at: number): BatchOp[] {
    return lines.map((l) => this.deps.store.incidents.timelineOp({ incidentId, ...l }, at));
  }

  /**
   * The notification a step asks for, unless the incident is suppressed or in maintenance. A
   * `resolved` goes out only for incidents someone was told about.
   */
  private async notifyOps(step: Step, now: number): Promise<BatchOp[]> {
    const { notifier, config } = this.deps;
    const inc = step.incident;
    const kind = step.notify;
    if (!notifier || !kind) return [];
    if (kind !== 'resolved' && (inc.suppressedBy || inc.maintenanceId)) return [];
    if (kind === 'resolved' && !inc.notified.some((k) => k !== 'resolved')) return [];
    // An escalation, and the re-check at the end of each window that held the incident, can
    // happen more than once.
    if (inc.notified.includes(kind) && kind !== 'escalated' && kind !== 'recheck') return [];
    inc.notified = [...inc.notified.filter((k) => k !== kind), kind];
    const delayMs =
      kind === 'opened' || kind === 'reopened' ? config.incidents.notifyDelayS * 1000 : 0;
    return notifier.enqueueOps({ kind, incident: inc }, now, { delayMs });
  }

  private remember(inc: IncidentRecord): void {
    if (isOpen(inc)) this.open.set(inc.id, inc);
    else this.open.delete(inc.id);
  }

  // ---- upkeep -----------------------------------------------------------------------------

  /** Flap settling, suppression changes, maintenance ends, window events and retention. */
  async tick(signal: AbortSignal): Promise<void> {
    await this.load();
    await this.lock.run(() => this.tickLocked());
    await this.windowEvents();
    await this.afterMaintenance(signal);
  }

  private async tickLocked(): Promise<void> {
    const { store, clock } = this.deps;
    const now = clock.now();
    const ops: BatchOp[] = [];
    const changed: IncidentRecord[] = [];
    const statuses = await this.deps.statuses();
    for (const inc of this.open.values()) {
      const settled = settleFlapping(inc, now, this.policy);
      if (settled) {
        ops.push(
          ...this.lineOps(inc.id, settled.lines, now),
          ...(await this.notifyOps(settled, now)),
        );
        changed.push(settled.incident);
        continue;
      }
      if (!inc.deviceId) continue;
      if (inc.suppressedBy && statuses.get(inc.suppressedBy) !== 'down') {
        // The device in front came back. If this one is still failing, it is a problem of its own.
        const next: IncidentRecord = { ...inc, updatedAt: new Date(now).toISOString() };
        delete next.suppressedBy;
        const still = await this.downAncestor(inc.deviceId);
        if (still) next.suppressedBy = still.id;
        const lines: TimelineLine[] = [
          still
            ? { kind: 'suppressed', by: 'system', text: `Suppressed: ${still.name} is down.` }
            : {
                kind: 'unsuppressed',
                by: 'system',
                text: inc.active
                  ? 'No longer suppressed: the device in front is back, this problem remains.'
                  : 'No longer suppressed: the device in front is back.',
              },
        ];
        const step: Step = {
          incident: next,
          created: false,
          lines,
          ...(!still && inc.active && !toldOfProblem(next) ? { notify: openingKind(next) } : {}),
        };
        ops.push(...this.lineOps(inc.id, lines, now), ...(await this.notifyOps(step, now)));
        changed.push(next);
      } else if (!inc.suppressedBy && inc.active && !toldOfProblem(inc) && inc.state === 'open') {
        // Found down after this one opened: suppress it before anyone is paged.
        const parent = await this.downAncestor(inc.deviceId);
        if (parent) {
          const lines: TimelineLine[] = [
            {
              kind: 'suppressed',
              by: 'system',
              text: `Suppressed: ${parent.name} in front of this device is down.`,
              details: { parentId: parent.id },
            },
          ];
          ops.push(...this.lineOps(inc.id, lines, now));
          changed.push({ ...inc, suppressedBy: parent.id, updatedAt: new Date(now).toISOString() });
        }
      }
    }
    if (ops.length === 0) return;
    for (const inc of changed) ops.push(store.incidents.putOp(inc));
    await store.write(ops);
    for (const inc of changed) this.remember(inc);
    this.deps.notifier?.kick?.();
  }

  /** Events when a window starts or ends (kept on the window record). */
  private async windowEvents(): Promise<void> {
    const { store, clock } = this.deps;
    const now = clock.now();
    const ops: BatchOp[] = [];
    for (const w of await store.maintenance.list()) {
      const occ = w.enabled ? activeOccurrence(w, now) : undefined;
      const was = w.activeOccurrence;
      const nowIso = occ
        ? { start: new Date(occ.start).toISOString(), end: new Date(occ.end).toISOString() }
        : undefined;
      if (was?.start === nowIso?.start) continue;
      const next: MaintenanceWindow = { ...w };
      if (nowIso) next.activeOccurrence = nowIso;
      else delete next.activeOccurrence;
      ops.push(store.maintenance.putOp(next));
      if (was)
        ops.push(
          ...store.events.appendOps(
            {
              kind: 'maintenance.ended',
              severity: 'info',
              message: `Maintenance window "${w.name}" ended.`,
              details: { windowId: w.id, name: w.name },
            },
            now,
          ),
        );
      if (nowIso)
        ops.push(
          ...store.events.appendOps(
            {
              kind: 'maintenance.started',
              severity: 'info',
              message: `Maintenance window "${w.name}" started: ${w.reason}`,
              details: { windowId: w.id, name: w.name, until: nowIso.end },
            },
            now,
          ),
        );
    }
    if (ops.length) await store.write(ops);
  }

  /**
   * Incidents held by a window that has ended: re-check the site, then notify only the problems
   * that are still there.
   */
  private async afterMaintenance(signal: AbortSignal): Promise<void> {
    if (this.rechecking) return;
    const { store, clock } = this.deps;
    const now = clock.now();
    const windows = new Map((await store.maintenance.list()).map((w) => [w.id, w]));
    const held = [...this.open.values()].filter((i) => {
      if (!i.maintenanceId) return false;
      const w = windows.get(i.maintenanceId);
      return !w || !w.enabled || !windowCovers(w, { deviceId: i.deviceId }, now) ? true : false;
    });
    // Still covered when its window is scoped by device type (that needs the device), or when
    // another window that holds notifications covers it: it waits for the last one to end.
    const ended: IncidentRecord[] = [];
    for (const i of held) {
      if (await this.coveringWindow(i.deviceId, now)) continue;
      ended.push(i);
    }
    if (ended.length === 0) return;
    this.rechecking = true;
    try {
      try {
        await this.deps.recheck?.(signal);
      } catch (err) {
        this.deps.logger.warn({ err }, 're-check after a maintenance window failed');
      }
      // Clears found by the re-check are folded first.
      await this.pump();
      await this.lock.run(async () => {
        const t = clock.now();
        const ops: BatchOp[] = [];
        const changed: IncidentRecord[] = [];
        for (const old of ended) {
          const inc = this.open.get(old.id);
          if (!inc?.maintenanceId) continue;
          const next: IncidentRecord = { ...inc, updatedAt: new Date(t).toISOString() };
          delete next.maintenanceId;
          const remains = isOpen(next) && next.active;
          const lines: TimelineLine[] = [
            {
              kind: 'maintenance',
              by: 'system',
              text: remains
                ? 'Maintenance ended and the re-check still finds this problem.'
                : 'Maintenance ended; the problem is no longer present.',
            },
          ];
          const step: Step = {
            incident: next,
            created: false,
            lines,
            ...(remains ? { notify: 'recheck' as const } : {}),
          };
          ops.push(...this.lineOps(inc.id, lines, t), ...(await this.notifyOps(step, t)));
          changed.push(next);
        }
        for (const inc of changed) ops.push(store.incidents.putOp(inc));
        if (ops.length) await store.write(ops);
        for (const inc of changed) this.remember(inc);
        this.deps.notifier?.kick?.();
      });
      // Resolved incidents of the window are not touched: they were never sent.
    } finally {
      this.rechecking = false;
    }
  }

  /** Deletes resolved incidents older than the retention (the housekeeping job calls it). */
  async expire(signal?: AbortSignal): Promise<number> {
    const { store, clock, config } = this.deps;
    const cutoff = new Date(
      clock.now() - config.incidents.retentionDays * 86_400_000,
    ).toISOString();
    let n = 0;
    for await (const inc of store.incidents.idsBefore(cutoff)) {
      signal?.throwIfAborted();
      if (isOpen(inc) || (inc.resolvedAt ?? '') >= cutoff) continue;
      await this.lock.run(async () => store.write(await store.incidents.deleteOps(inc)));
      n += 1;
    }
    return n;
  }

  // ---- people's actions -------------------------------------------------------------------

  private async act(
    id: string,
    ctx: RequestContext,
    action: string,
    make: (inc: IncidentRecord, by: string, now: number) => Step | Promise<Step>,
    details?: Record<string, unknown>,
  ): Promise<IncidentRecord> {
    await this.load();
    return this.lock.run(async () => {
      const { store, clock } = this.deps;
      const inc = await store.incidents.get(id);
      if (!inc) throw notFound('The incident');
      const now = clock.now();
      let step: Step;
      try {
        step = await make(inc, actorLabel(ctx.actor), now);
      } catch (err) {
        if (err instanceof TransitionError)
          throw new AppError(err.code, err.message, { status: 409, kind: 'conflict' });
        throw err;
      }
      const ops: BatchOp[] = [
        ...this.lineOps(id, step.lines, now),
        ...(await this.notifyOps(step, now)),
        store.incidents.putOp(step.incident),
        store.audit.recordOp(ctx, action, `incident:${id}`, now, {
          title: inc.title,
          ...(details ?? {}),
        }),
      ];
      await store.write(ops);
      this.remember(step.incident);
      this.deps.notifier?.kick?.();
      return step.incident;
    });
  }

  acknowledge(id: string, ctx: RequestContext): Promise<IncidentRecord> {
    return this.act(id, ctx, 'incident.acknowledged', (inc, by, now) => acknowledge(inc, by, now));
  }

  resolve(id: string, note: string | undefined, ctx: RequestContext): Promise<IncidentRecord> {
    return this.act(
      id,
      ctx,
      'incident.resolved',
      (inc, by, now) => resolve(inc, by, now, note),
      note ? { note } : undefined,
    );
  }

  addNote(id: string, text: string, ctx: RequestContext): Promise<IncidentRecord> {
    return this.act(
      id,
      ctx,
      'incident.note',
      (inc, by, now) => ({
        incident: { ...inc, updatedAt: new Date(now).toISOString() },
        created: false,
        lines: [{ kind: 'note', by, text }],
      }),
      { length: text.length },
    );
  }

  assign(id: string, assigneeId: string | null, ctx: RequestContext): Promise<IncidentRecord> {
    return this.act(
      id,
      ctx,
      'incident.assigned',
      async (inc, by, now) => {
        if (assigneeId === null) return assign(inc, undefined, by, now);
        const user = await this.deps.store.users.get(assigneeId);
        if (!user)
          throw new AppError('USER_NOT_FOUND', 'There is no such user to assign.', {
            status: 400,
            kind: 'input',
            fields: { assigneeId: 'Choose an existing user.' },
          });
        return assign(inc, { id: user.id, name: user.username }, by, now);
      },
      { assigneeId },
    );
  }

  // ---- reading ----------------------------------------------------------------------------

  async get(id: string): Promise<{ incident: IncidentRecord; timeline: TimelineEntry[] }> {
    const incident = await this.deps.store.incidents.get(id);
    if (!incident) throw notFound('The incident');
    return { incident, timeline: await this.deps.store.incidents.timelineOf(id) };
  }

  /** Unresolved incidents, worst and newest first (the dashboard, the list's first part). */
  async unresolved(): Promise<IncidentRecord[]> {
    await this.load();
    return [...this.open.values()].sort(byUrgency);
  }

  /**
   * A page of incidents: unresolved first (worst, then newest), then resolved newest first.
   * Filters: state, severity (at least), device, assignee.
   */
  async list(
    q: IncidentQuery,
  ): Promise<{ items: IncidentRecord[]; total?: number; counts: Record<string, number> }> {
    await this.load();
    const minRank = q.severity ? severityRank(q.severity) : -1;
    const match = (i: IncidentRecord) =>
      severityRank(i.severity) >= minRank &&
      (!q.device || i.deviceId === q.device) &&
      (!q.assignee || i.assigneeId === q.assignee);
    const stateOk = (s: IncidentState) =>
      q.state === 'all' || (q.state === 'unresolved' ? s !== 'resolved' : s === q.state);
    const open = [...this.open.values()]
      .filter((i) => stateOk(i.state) && match(i))
      .sort(byUrgency);
    const counts: Record<string, number> = {};
    for (const i of this.open.values()) {
      counts[i.severity] = (counts[i.severity] ?? 0) + 1;
      counts[i.state] = (counts[i.state] ?? 0) + 1;
    }
    if (q.state !== 'resolved' && q.state !== 'all')
      return {
        items: open.slice(q.offset, q.offset + q.limit),
        total: open.length,
        counts,
      };
    const items = q.state === 'all' ? open.slice(q.offset, q.offset + q.limit) : [];
    let skip = Math.max(0, q.offset - (q.state === 'all' ? open.length : 0));
    let scanned = 0;
    for await (const inc of this.deps.store.incidents.newestFirst()) {
      if (items.length >= q.limit || ++scanned > 50_000) break;
      if (isOpen(inc) || !match(inc)) continue;
      if (skip > 0) {
        skip -= 1;
        continue;
      }
      items.push(inc);
    }
    return { items, counts };
  }

  /** MTTA and MTTR of incidents opened in [from, to), grouped by device, rule or period. */
  async stats(q: z.output<typeof statsQuerySchema>): Promise<ResponseStats[]> {
    const to = q.to ? new Date(q.to).toISOString() : new Date(this.deps.clock.now()).toISOString();
    const from = q.from
      ? new Date(q.from).toISOString()
      : new Date(Date.parse(to) - 30 * 86_400_000).toISOString();
    const groups = new Map<string, { n: number; acked: number[]; resolved: number[] }>();
    for await (const inc of this.deps.store.incidents.openedBetween(from, to)) {
      const g = groupOf(inc, q.groupBy);
      let e = groups.get(g);
      if (!e) groups.set(g, (e = { n: 0, acked: [], resolved: [] }));
      e.n += 1;
      const t = responseTimes(inc);
      if (t.ttaMs !== undefined) e.acked.push(t.ttaMs);
      if (t.ttrMs !== undefined) e.resolved.push(t.ttrMs);
    }
    const mean = (xs: number[]) =>
      xs.length ? Math.round(xs.reduce((a, b) => a + b, 0) / xs.length) : undefined;
    return [...groups]
      .map(([group, e]) => {
        const mtta = mean(e.acked);
        const mttr = mean(e.resolved);
        return {
          group,
          incidents: e.n,
          acknowledged: e.acked.length,
          resolved: e.resolved.length,
          ...(mtta !== undefined ? { mttaMs: mtta } : {}),
          ...(mttr !== undefined ? { mttrMs: mttr } : {}),
        };
      })
      .sort((a, b) => compareText(a.group, b.group));
  }

  /**
   * Asked by the notification service just before it sends: a notification of an incident that
   * was resolved, suppressed or put into maintenance meanwhile is dropped.
   */
  async shouldSend(d: {
    kind: string;
    incidentId?: string;
  }): Promise<{ send: true } | { send: false; reason: string }> {
    if (!d.incidentId) return { send: true };
    // A suppression written below must not be overwritten by a load still reading older rows.
    await this.load();
    const inc = await this.deps.store.incidents.get(d.incidentId);
    if (!inc) return { send: false, reason: 'the incident no longer exists' };
    if (d.kind === 'resolved') return { send: true };
    if (inc.state === 'resolved')
      return { send: false, reason: 'the incident was resolved meanwhile' };
    if (inc.maintenanceId) return { send: false, reason: 'the device is in a maintenance window' };
    if (inc.suppressedBy) return { send: false, reason: 'suppressed: a device in front is down' };
    if (inc.deviceId && (d.kind === 'opened' || d.kind === 'reopened')) {
      const parent = await this.downAncestor(inc.deviceId);
      if (parent) {
        await this.lock.run(async () => {
          const cur = await this.deps.store.incidents.get(inc.id);
          if (!cur || cur.suppressedBy) return;
          const now = this.deps.clock.now();
          // This page is not sent: when the device in front is back and the problem remains, it
          // is owed (upkeep sends it then).
          const next = {
            ...cur,
            suppressedBy: parent.id,
            notified: cur.notified.filter((k) => k !== d.kind),
            updatedAt: new Date(now).toISOString(),
          };
          await this.deps.store.write([
            this.deps.store.incidents.putOp(next),
            ...this.lineOps(
              inc.id,
              [
                {
                  kind: 'suppressed',
                  by: 'system',
                  text: `Suppressed: ${parent.name} in front of this device is down.`,
                  details: { parentId: parent.id },
                },
              ],
              now,
            ),
          ]);
          this.remember(next);
        });
        return { send: false, reason: `suppressed: ${parent.name} is down` };
      }
    }
    return { send: true };
  }

  /** The timeline line for a finished delivery (written in the notifier's batch). */
  deliveryLineOps(
    d: {
      id: string;
      incidentId?: string;
      status: string;
      channelName: string;
      kind: string;
      reason?: string;
      attempts: ReadonlyArray<{ error?: { message: string } }>;
    },
    now: number,
  ): BatchOp[] {
    if (!d.incidentId) return [];
    const last = d.attempts.at(-1)?.error?.message;
    const text =
      d.status === 'sent'
        ? `Notification (${d.kind}) sent to ${d.channelName}.`
        : d.status === 'dropped'
          ? `Notification (${d.kind}) to ${d.channelName} not sent: ${d.reason ?? 'no longer needed'}.`
          : `Notification (${d.kind}) to ${d.channelName} failed after ${d.attempts.length} attempt(s)${last ? `: ${last}` : ''}.`;
    return [
      this.deps.store.incidents.timelineOp(
        {
          incidentId: d.incidentId,
          kind: d.status === 'sent' || d.status === 'dropped' ? 'notified' : 'notify-failed',
          by: 'system',
          text,
          details: { deliveryId: d.id, status: d.status },
        },
        now,
      ),
    ];
  }

  /** Incidents open now or opened or resolved since `fromMs` (the daily digest). */
  async since(fromMs: number): Promise<IncidentRecord[]> {
    await this.load();
    const from = new Date(fromMs).toISOString();
    const out = new Map([...this.open.values()].map((i) => [i.id, i]));
    let scanned = 0;
    for await (const inc of this.deps.store.incidents.newestFirst()) {
      if (++scanned > 20_000) break;
      if (inc.updatedAt < from && inc.openedAt < from) continue;
      if (inc.openedAt >= from || (inc.resolvedAt ?? '') >= from) out.set(inc.id, inc);
    }
    return [...out.values()];
  }
}

/** The notification that tells people about the problem as it stands: opened, or reopened. */
function openingKind(inc: IncidentRecord): 'opened' | 'reopened' {
  return inc.reopenCount > 0 ? 'reopened' : 'opened';
}

/** Whether people were told about the problem as it stands (its opening or a window's re-check). */
function toldOfProblem(inc: IncidentRecord): boolean {
  return inc.notified.includes(openingKind(inc)) || inc.notified.includes('recheck');
}

function byUrgency(a: IncidentRecord, b: IncidentRecord): number {
  const s = severityRank(b.severity) - severityRank(a.severity);
  if (s) return s;
  // Unacknowledged before acknowledged, then newest first.
  if (a.state !== b.state) return a.state === 'open' ? -1 : 1;
  return compareText(b.lastSeen, a.lastSeen);
}

function groupOf(inc: IncidentRecord, by: 'device' | 'rule' | 'day' | 'week' | 'month'): string {
  switch (by) {
    case 'device':
      return inc.deviceId ?? '(site)';
    case 'rule':
      return inc.ruleId ?? inc.key.split(':')[0]!;
    case 'day':
      return inc.openedAt.slice(0, 10);
    case 'month':
      return inc.openedAt.slice(0, 7);
    case 'week': {
      const d = new Date(inc.openedAt.slice(0, 10) + 'T00:00:00Z');
      const monday = new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * 86_400_000);
      return `week of ${monday.toISOString().slice(0, 10)}`;
    }
  }
}

export type { Severity };
