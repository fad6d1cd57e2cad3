import { z } from 'zod';
import type { Store } from '../store/store.js';
import type {
  ChecklistItem,
  InspectionAnswer,
  InspectionCompletion,
  InspectionPlan,
} from '../store/inspections.js';
import type { Clock } from '../core/time.js';
import type { RequestContext } from '../auth/context.js';
import type { SiteService } from '../settings/site-service.js';
import { actorLabel, roleAtLeast } from '../core/roles.js';
import { randomId } from '../core/ids.js';
import { conflict, notFound, validationFailed } from '../core/errors.js';
import { Mutex } from '../lib/mutex.js';
import { zodToAppError } from '../core/zod-errors.js';
import {
  TASK_STATES,
  UNITS,
  describeRecurrence,
  dueAt,
  firstOpenOccurrence,
  isLocalDate,
  isTimeOfDay,
  localDateOf,
  missedOccurrences,
  nextDueAfterCompletion,
  overdueAt,
  taskState,
  type Schedule,
  type TaskState,
} from './inspection-schedule.js';
import { compareText } from '../lib/collate.js';

/** Enough for any branch office; keeps every list and the overdue check one cheap scan. */
export const MAX_PLANS = 500;
export const MAX_CHECKLIST = 50;
/** The most each unit may be stretched to: a plan that comes round less often is a calendar note. */
const MAX_EVERY = { days: 366, weeks: 104, months: 60 } as const;

const localDate = z
  .string()
  .refine(isLocalDate, 'Use a date such as 2026-12-01.')
  .refine((d) => d >= '2000-01-01' && d <= '2099-12-31', 'Use a date between 2000 and 2099.');

export const planInputSchema = z
  .object({
    title: z
      .string({ error: 'Give the plan a title.' })
      .trim()
      .min(1, 'Give the plan a title.')
      .max(120, 'Use at most 120 characters.'),
    description: z.string().trim().max(2000, 'Use at most 2000 characters.').default(''),
    every: z
      .number({ error: 'Enter a whole number of days, weeks or months.' })
      .int('Enter a whole number.')
      .min(1, 'Enter 1 or more.'),
    unit: z.enum(UNITS, { error: 'Choose days, weeks or months.' }),
    /** First occurrence; today (box time zone) when left out. */
    startDate: localDate.optional(),
    dueTime: z.string().refine(isTimeOfDay, 'Use a 24-hour time such as 09:00.').default('09:00'),
    graceHours: z
      .number({ error: 'Enter a whole number of hours.' })
      .int('Enter a whole number of hours.')
      .min(0, 'Enter 0 or more hours.')
      .max(720, 'At most 720 hours (30 days).')
      .default(24),
    checklist: z
      .array(
        z
          .string()
          .trim()
          .min(1, 'A checklist item is empty.')
          .max(200, 'Keep each item under 200 characters.'),
      )
      .min(1, 'Add at least one checklist item.')
      .max(MAX_CHECKLIST, `At most ${MAX_CHECKLIST} checklist items.`),
    assigneeId: z.string({ error: 'Choose who does it.' }).min(1, 'Choose who does it.').max(64),
    deviceIds: z.array(z.string().min(1).max(64)).max(100, 'Link at most 100 devices.').default([]),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.every > MAX_EVERY[p.unit])
      ctx.addIssue({
        code: 'custom',
        path: ['every'],
        message: `At most ${MAX_EVERY[p.unit]} ${p.unit}.`,
      });
    const seen = new Set<string>();
    p.checklist.forEach((item, i) => {
      const k = item.toLowerCase();
      if (seen.has(k))
        ctx.addIssue({
          code: 'custom',
          path: ['checklist', i],
          message: `"${item}" is on the list twice.`,
        });
      seen.add(k);
    });
  });
export type PlanInput = z.input<typeof planInputSchema>;

export const completionInputSchema = z
  .object({
    /**
     * The task being completed (its due date). Forms always send it, so two people completing the
     * same task at once do not complete the next one as well; the second gets a conflict.
     */
    dueDate: localDate.optional(),
    answers: z
      .array(
        z
          .object({
            itemId: z.string().min(1).max(32),
            result: z.enum(['done', 'not-done', 'na'], { error: 'Choose done, not done or n/a.' }),
            comment: z.string().trim().max(500, 'Use at most 500 characters.').optional(),
          })
          .strict(),
      )
      .max(MAX_CHECKLIST),
    notes: z.string().trim().max(4000, 'Use at most 4000 characters.').default(''),
  })
  .strict();
export type CompletionInput = z.input<typeof completionInputSchema>;

export const planQuerySchema = z
  .object({
    state: z.enum(TASK_STATES as [TaskState, ...TaskState[]]).optional(),
    assignee: z.string().max(64).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();
export type PlanQuery = z.infer<typeof planQuerySchema>;

export const historyQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    before: z.string().max(200).optional(),
  })
  .strict();

/** A plan as lists, pages and the API show it: the stored plan and where its open task stands. */
export interface PlanView extends InspectionPlan {
  state: TaskState;
  /** When the open task is due and when its grace runs out (UTC). */
  dueAt: string;
  overdueAt: string;
  recurrence: string;
  assigneeName?: string;
  /** The assignee no longer exists, is disabled or cannot complete tasks. */
  assigneeUnavailable: boolean;
}

export interface DueTask {
  planId: string;
  title: string;
  state: Exclude<TaskState, 'upcoming'>;
  dueDate: string;
  dueAt: string;
  overdueAt: string;
  assigneeId: string;
  assigneeName?: string;
  deviceCount: number;
}

/** What the dashboard shows: tasks due within a week, due now or overdue, most urgent first. */
export interface DueSummary {
  now: string;
  timezone: string;
  counts: { overdue: number; due: number; soon: number };
  tasks: DueTask[];
}

type FieldMap = Record<string, string>;

/** Callers validate at the boundary; this keeps a direct call (a job, a test) from storing junk. */
function parse<S extends z.ZodType>(schema: S, raw: unknown, what: string): z.output<S> {
  const r = schema.safeParse(raw);
  if (!r.success) throw zodToAppError(r.error, what);
  return r.data;
}

const STATE_ORDER: Record<TaskState, number> = { overdue: 0, due: 1, soon: 2, upcoming: 3 };

function scheduleOf(p: Pick<InspectionPlan, keyof Schedule>): Schedule {
  return {
    every: p.every,
    unit: p.unit,
    startDate: p.startDate,
    dueTime: p.dueTime,
    graceHours: p.graceHours,
  };
}

const SCHEDULE_FIELDS = ['every', 'unit', 'startDate', 'dueTime', 'graceHours'] as const;

/**
 * Inspection plans: recurring tasks people do by hand, with a checklist, an assignee and optional
 * devices. Every change is audited in the same batch; overdue tasks raise one event per missed
 * due date, marked on the plan in the same batch so a restart or a second run never repeats it.
 */
export class InspectionService {
  /** One writer at a time: completions, edits and the overdue check read, decide, then write. */
  private readonly lock = new Mutex();

  constructor(private readonly deps: { store: Store; clock: Clock; site: SiteService }) {}

  async timezone(): Promise<string> {
    return (await this.deps.site.get()).timezone;
  }

  async get(id: string): Promise<InspectionPlan> {
    const p = await this.deps.store.inspections.get(id);
    if (!p) throw notFound('The inspection plan');
    return p;
  }

  private async userNames(): Promise<Map<string, { name: string; available: boolean }>> {
    return new Map(
      (await this.deps.store.users.list()).map((u) => [
        u.id,
        {
          name: u.displayName || u.username,
          available: !u.disabled && roleAtLeast(u.role, 'operator'),
        },
      ]),
    );
  }

  private viewOf(
    p: InspectionPlan,
    tz: string,
    now: number,
    users: Map<string, { name: string; available: boolean }>,
  ): PlanView {
    const s = scheduleOf(p);
    const user = users.get(p.assigneeId);
    return {
      ...p,
      state: taskState(s, tz, p.nextDue, now),
      dueAt: new Date(dueAt(s, p.nextDue, tz)).toISOString(),
      overdueAt: new Date(overdueAt(s, p.nextDue, tz)).toISOString(),
      recurrence: describeRecurrence(s),
      ...(user ? { assigneeName: user.name } : {}),
      assigneeUnavailable: !user?.available,
    };
  }

  async view(p: InspectionPlan, now = this.deps.clock.now()): Promise<PlanView> {
    return this.viewOf(p, await this.timezone(), now, await this.userNames());
  }

  /** Most urgent first: overdue, due, due soon, upcoming; then by due time and title. */
  async list(
    q: PlanQuery,
    now = this.deps.clock.now(),
  ): Promise<{ items: PlanView[]; total: number; counts: Record<TaskState, number> }> {
    const [plans, tz, users] = await Promise.all([
      this.deps.store.inspections.list(),
      this.timezone(),
      this.userNames(),
    ]);
    const all = plans.map((p) => this.viewOf(p, tz, now, users));
    const counts: Record<TaskState, number> = { overdue: 0, due: 0, soon: 0, upcoming: 0 };
    for (const v of all) counts[v.state] += 1;
    const hits = all
      .filter(
        (v) => (!q.state || v.state === q.state) && (!q.assignee || v.assigneeId === q.assignee),
      )
      .sort(
        (a, b) =>
          STATE_ORDER[a.state] - STATE_ORDER[b.state] ||
          compareText(a.dueAt, b.dueAt) ||
          compareText(a.title, b.title),
      );
    return { items: hits.slice(q.offset, q.offset + q.limit), total: hits.length, counts };
  }

  async dueSummary(now = this.deps.clock.now()): Promise<DueSummary> {
    const { items } = await this.list({ limit: MAX_PLANS, offset: 0 }, now);
    const tasks: DueTask[] = [];
    for (const v of items) {
      if (v.state === 'upcoming') continue;
      tasks.push({
        planId: v.id,
        title: v.title,
        state: v.state,
        dueDate: v.nextDue,
        dueAt: v.dueAt,
        overdueAt: v.overdueAt,
        assigneeId: v.assigneeId,
        ...(v.assigneeName ? { assigneeName: v.assigneeName } : {}),
        deviceCount: v.deviceIds.length,
      });
    }
    const count = (s: DueTask['state']) => tasks.filter((t) => t.state === s).length;
    return {
      now: new Date(now).toISOString(),
      timezone: await this.timezone(),
      counts: { overdue: count('overdue'), due: count('due'), soon: count('soon') },
      tasks,
    };
  }

  async history(
    id: string,
    limit: number,
    before?: string,
  ): Promise<{ plan: InspectionPlan; items: InspectionCompletion[] }> {
    const plan = await this.get(id);
    return { plan, items: await this.deps.store.inspections.history(id, limit, before) };
  }

  /**
   * Checks what the store must agree with: the assignee can do the task, the devices exist. A
   * device the plan already had that has since been deleted is dropped rather than refused, so
   * that a plan read and written back unchanged is accepted.
   */
  private async checkRefs(
    input: z.output<typeof planInputSchema>,
    previousDevices: string[] = [],
  ): Promise<string[]> {
    const { store } = this.deps;
    const fields: FieldMap = {};
    const user = await store.users.get(input.assigneeId);
    if (!user) fields.assigneeId = 'This user does not exist; choose another.';
    else if (user.disabled)
      fields.assigneeId = `${user.username} is disabled; choose another user.`;
    else if (!roleAtLeast(user.role, 'operator'))
      fields.assigneeId = `${user.username} is a viewer and could not complete the task; choose an operator or admin.`;
    const deviceIds: string[] = [];
    const missing: string[] = [];
    for (const d of new Set(input.deviceIds)) {
      if (await store.devices.get(d)) deviceIds.push(d);
      else if (!previousDevices.includes(d)) missing.push(d);
    }
    if (missing.length)
      fields.deviceIds = `Not in the inventory: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}.`;
    if (Object.keys(fields).length)
      throw validationFailed(
        `The plan is not valid: ${Object.entries(fields)
          .map(([k, v]) => `${k}: ${v}`)
          .join('; ')}`,
        fields,
      );
    return deviceIds;
  }

  /** New items get new ids; an item whose text is kept keeps its id (answers stay matched). */
  private checklistOf(lines: string[], previous: ChecklistItem[] = []): ChecklistItem[] {
    const byText = new Map(previous.map((i) => [i.text, i.id]));
    const used = new Set<string>();
    return lines.map((text) => {
      let id = byText.get(text);
      if (!id || used.has(id)) {
        do id = randomId(4);
        while (used.has(id) || previous.some((p) => p.id === id));
      }
      used.add(id);
      return { id, text };
    });
  }

  create(raw: PlanInput, ctx: RequestContext): Promise<InspectionPlan> {
    const input = parse(planInputSchema, raw, 'The plan');
    return this.lock.run(async () => {
      const { store, clock } = this.deps;
      if ((await store.inspections.count()) >= MAX_PLANS)
        throw conflict(
          'TOO_MANY_PLANS',
          `At most ${MAX_PLANS} inspection plans can be stored; delete plans that are no longer needed.`,
        );
      const deviceIds = await this.checkRefs(input);
      const now = clock.now();
      const tz = await this.timezone();
      const schedule: Schedule = {
        every: input.every,
        unit: input.unit,
        startDate: input.startDate ?? localDateOf(now, tz),
        dueTime: input.dueTime,
        graceHours: input.graceHours,
      };
      const at = new Date(now).toISOString();
      const plan: InspectionPlan = {
        id: randomId(6),
        title: input.title,
        description: input.description,
        ...schedule,
        checklist: this.checklistOf(input.checklist),
        assigneeId: input.assigneeId,
        deviceIds,
        nextDue: firstOpenOccurrence(schedule, tz, { notOverdueAt: now }),
        createdAt: at,
        createdBy: actorLabel(ctx.actor),
        updatedAt: at,
      };
      await store.write([
        store.inspections.putOp(plan),
        store.audit.recordOp(ctx, 'inspection.created', `inspection:${plan.id}`, now, {
          title: plan.title,
          recurrence: describeRecurrence(schedule),
          assigneeId: plan.assigneeId,
          nextDue: plan.nextDue,
        }),
      ]);
      return plan;
    });
  }

  /** Replaces a plan. A changed schedule starts again from now: the open task is recomputed. */
  update(id: string, raw: PlanInput, ctx: RequestContext): Promise<InspectionPlan> {
    const input = parse(planInputSchema, raw, 'The plan');
    return this.lock.run(async () => {
      const { store, clock } = this.deps;
      const before = await this.get(id);
      const deviceIds = await this.checkRefs(input, before.deviceIds);
      const now = clock.now();
      const tz = await this.timezone();
      const after: InspectionPlan = {
        ...before,
        title: input.title,
        description: input.description,
        every: input.every,
        unit: input.unit,
        startDate: input.startDate ?? before.startDate,
        dueTime: input.dueTime,
        graceHours: input.graceHours,
        checklist: this.checklistOf(input.checklist, before.checklist),
        assigneeId: input.assigneeId,
        deviceIds,
      };
      const rescheduled = SCHEDULE_FIELDS.some((k) => before[k] !== after[k]);
      if (rescheduled) {
        after.nextDue = firstOpenOccurrence(scheduleOf(after), tz, {
          notOverdueAt: now,
          ...(before.lastCompletion ? { notDueBy: Date.parse(before.lastCompletion.at) } : {}),
        });
        delete after.overdue;
      }
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      for (const k of [
        'title',
        'description',
        ...SCHEDULE_FIELDS,
        'assigneeId',
        'nextDue',
      ] as const) {
        if (before[k] !== after[k]) changes[k] = { from: before[k], to: after[k] };
      }
      const list = (items: ChecklistItem[]) => items.map((i) => i.text).join(' | ');
      if (list(before.checklist) !== list(after.checklist))
        changes.checklist = { from: list(before.checklist), to: list(after.checklist) };
      if (before.deviceIds.join(',') !== after.deviceIds.join(','))
        changes.deviceIds = { from: before.deviceIds, to: after.deviceIds };
      if (!Object.keys(changes).length) return before;
      after.updatedAt = new Date(now).toISOString();
      await store.write([
        store.inspections.putOp(after),
        store.audit.recordOp(ctx, 'inspection.updated', `inspection:${id}`, now, changes),
      ]);
      return after;
    });
  }

  /** Deletes the plan with its history; its past events and audit entries stay as the record. */
  remove(id: string, ctx: RequestContext): Promise<void> {
    return this.lock.run(async () => {
      const { store, clock } = this.deps;
      const plan = await this.get(id);
      const ops = await store.inspections.deleteOps(id);
      await store.write([
        ...ops,
        store.audit.recordOp(ctx, 'inspection.deleted', `inspection:${id}`, clock.now(), {
          title: plan.title,
          completions: ops.length - 1,
        }),
      ]);
    });
  }

  /** Records the open task as done and moves the plan to its next due date. */
  complete(
    id: string,
    raw: CompletionInput,
    ctx: RequestContext,
  ): Promise<{ plan: InspectionPlan; completion: InspectionCompletion }> {
    const input = parse(completionInputSchema, raw, 'The completion');
    return this.lock.run(async () => {
      const { store, clock } = this.deps;
      const plan = await this.get(id);
      if (input.dueDate && input.dueDate !== plan.nextDue) {
        const last = plan.lastCompletion;
        throw conflict(
          'TASK_ALREADY_COMPLETED',
          last && last.dueDate === input.dueDate
            ? `The task due ${input.dueDate} was already completed by ${last.by} at ${last.at}; the next one is due ${plan.nextDue}.`
            : `The task due ${input.dueDate} is not the open task of this plan any more; the open one is due ${plan.nextDue}.`,
        );
      }
      const answers = this.checkAnswers(plan, input.answers);
      const now = clock.now();
      const tz = await this.timezone();
      const s = scheduleOf(plan);
      const late = now >= overdueAt(s, plan.nextDue, tz);
      const nextDue = nextDueAfterCompletion(s, tz, plan.nextDue, now);
      const { op, value } = store.inspections.completionOp(
        {
          planId: id,
          dueDate: plan.nextDue,
          by: actorLabel(ctx.actor),
          ...(ctx.actor.type === 'user' ? { byUserId: ctx.actor.id } : {}),
          answers,
          notes: input.notes,
          late,
          nextDue,
        },
        now,
      );
      const after: InspectionPlan = {
        ...plan,
        nextDue,
        lastCompletion: {
          key: value.key,
          at: value.completedAt,
          by: value.by,
          dueDate: plan.nextDue,
        },
      };
      // Done, so no longer overdue: the next missed due date raises a new event.
      delete after.overdue;
      const tally = (r: InspectionAnswer['result']) => answers.filter((a) => a.result === r).length;
      await store.write([
        op,
        store.inspections.putOp(after),
        store.audit.recordOp(ctx, 'inspection.completed', `inspection:${id}`, now, {
          title: plan.title,
          dueDate: plan.nextDue,
          late,
          done: tally('done'),
          notDone: tally('not-done'),
          na: tally('na'),
          nextDue,
        }),
      ]);
      return { plan: after, completion: value };
    });
  }

  /** One answer per checklist item, none for items the plan does not have; "not done" says why. */
  private checkAnswers(
    plan: InspectionPlan,
    given: z.output<typeof completionInputSchema>['answers'],
  ): InspectionAnswer[] {
    const fields: FieldMap = {};
    const byId = new Map<string, (typeof given)[number]>();
    const known = new Set(plan.checklist.map((i) => i.id));
    for (const a of given) {
      if (!known.has(a.itemId))
        fields.answers = `"${a.itemId}" is not an item of this plan's checklist (it may have changed; reload).`;
      else if (byId.has(a.itemId)) fields[`answers.${a.itemId}`] = 'Answered twice.';
      byId.set(a.itemId, a);
    }
    const out: InspectionAnswer[] = [];
    for (const item of plan.checklist) {
      const a = byId.get(item.id);
      if (!a) {
        fields[`answers.${item.id}`] ??= 'Answer this item: done, not done or n/a.';
        continue;
      }
      if (a.result === 'not-done' && !a.comment)
        fields[`answers.${item.id}.comment`] = 'Say why it was not done.';
      out.push({
        itemId: item.id,
        text: item.text,
        result: a.result,
        ...(a.comment ? { comment: a.comment } : {}),
      });
    }
    if (Object.keys(fields).length)
      throw validationFailed(
        `The checklist is not complete: ${Object.keys(fields).length} item(s) need attention.`,
        fields,
      );
    return out;
  }

  /**
   * Raises `inspection.overdue` for each plan whose open task has passed its grace period: one
   * event per missed due date (a run that finds several newly missed, after the box was off,
   * raises one event naming them all). The event and the plan's marker go in one batch.
   */
  checkOverdue(
    now = this.deps.clock.now(),
    signal?: AbortSignal,
  ): Promise<{ checked: number; overdue: number; raised: number }> {
    return this.lock.run(async () => {
      const { store } = this.deps;
      const [plans, tz, users] = await Promise.all([
        store.inspections.list(),
        this.timezone(),
        this.userNames(),
      ]);
      let overdue = 0;
      let raised = 0;
      for (const plan of plans) {
        signal?.throwIfAborted();
        const s = scheduleOf(plan);
        const missed = missedOccurrences(s, tz, plan.nextDue, now);
        if (missed.total === 0) {
          // A time-zone change can move the due time back into the future.
          if (plan.overdue) {
            const next = { ...plan };
            delete next.overdue;
            await store.write([store.inspections.putOp(next)]);
          }
          continue;
        }
        overdue += 1;
        const newest = missed.dates.at(-1)!;
        const lastRaised = plan.overdue?.lastRaised;
        if (lastRaised && lastRaised >= newest) continue;
        const fresh = missed.dates.filter((d) => !lastRaised || d > lastRaised);
        const assignee = users.get(plan.assigneeId)?.name ?? 'a removed user';
        const eventOps = store.events.appendOps(
          {
            kind: 'inspection.overdue',
            severity: 'warning',
            message:
              `Inspection "${plan.title}" is overdue: due ${newest} at ${plan.dueTime} (${tz}), assigned to ${assignee}` +
              (missed.total > 1
                ? `; not done since ${plan.nextDue} (${missed.total} due dates missed).`
                : '.'),
            details: {
              planId: plan.id,
              title: plan.title,
              dueDate: newest,
              dueAt: new Date(dueAt(s, newest, tz)).toISOString(),
              openSince: plan.nextDue,
              missed: missed.total,
              newlyMissed: fresh,
              assigneeId: plan.assigneeId,
              assignee,
              deviceIds: plan.deviceIds,
            },
          },
          now,
        );
        const next: InspectionPlan = {
          ...plan,
          overdue: {
            since: plan.overdue?.since ?? new Date(overdueAt(s, plan.nextDue, tz)).toISOString(),
            lastRaised: newest,
            missed: missed.total,
            eventKey: eventOps[0]!.key,
          },
        };
        await store.write([...eventOps, store.inspections.putOp(next)]);
        raised += 1;
      }
      return { checked: plans.length, overdue, raised };
    });
  }
}
