import type { Db, BatchOp, Sub } from './db.js';
import { sub, readAll } from './db.js';
import { key, prefixRange, timeKey } from './keys.js';

export type InspectionUnit = 'days' | 'weeks' | 'months';
export type AnswerResult = 'done' | 'not-done' | 'na';

export interface ChecklistItem {
  /** Stable across edits that keep the item's text, so answers can be matched to items. */
  id: string;
  text: string;
}

/** A recurring preventive task done by hand (UPS self-test, server-room check, restore test). */
export interface InspectionPlan {
  id: string;
  title: string;
  description: string;
  every: number;
  unit: InspectionUnit;
  /** First occurrence, a local date of the box's time zone ('YYYY-MM-DD'). */
  startDate: string;
  /** Local time of day, 'HH:MM'. */
  dueTime: string;
  graceHours: number;
  checklist: ChecklistItem[];
  /** A user id; may name a user that has since been removed (shown as such). */
  assigneeId: string;
  /** Inventory device ids; may name devices that have since been deleted (shown as such). */
  deviceIds: string[];
  /** The open task: the occurrence (local date) that has to be done next. */
  nextDue: string;
  /**
   * Set while the open task is overdue and an event has been raised for it: the newest missed
   * occurrence that has an event, so that each missed due date is raised once.
   */
  overdue?: { since: string; lastRaised: string; missed: number; eventKey: string };
  lastCompletion?: { key: string; at: string; by: string; dueDate: string };
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

export interface InspectionAnswer {
  itemId: string;
  /** The item's text when it was answered, so history reads right after the checklist changes. */
  text: string;
  result: AnswerResult;
  comment?: string;
}

export interface InspectionCompletion {
  /** `planId!timeKey`: a plan's history is one reverse range scan, newest first. */
  key: string;
  planId: string;
  /** The occurrence this completion covered. */
  dueDate: string;
  completedAt: string;
  /** Actor label (user name, or token:name). */
  by: string;
  byUserId?: string;
  answers: InspectionAnswer[];
  notes: string;
  /** Whether the grace period had run out when it was done. */
  late: boolean;
  /** The occurrence that became the open task. */
  nextDue: string;
}

/** Inspection plans by id, and their completions keyed `planId!time` (newest last). */
export class InspectionsStore {
  readonly plans: Sub<InspectionPlan>;
  readonly completions: Sub<InspectionCompletion>;

  constructor(db: Db) {
    this.plans = sub<InspectionPlan>(db, 'inspection-plans');
    this.completions = sub<InspectionCompletion>(db, 'inspection-completions');
  }

  get(id: string): Promise<InspectionPlan | undefined> {
    return this.plans.get(id) as Promise<InspectionPlan | undefined>;
  }

  async list(): Promise<InspectionPlan[]> {
    return (await readAll(this.plans)).map(([, p]) => p);
  }

  async count(): Promise<number> {
    let n = 0;
    for await (const _ of this.plans.keys()) n += 1;
    return n;
  }

  putOp(p: InspectionPlan): BatchOp {
    return { type: 'put', sublevel: this.plans, key: p.id, value: p };
  }

  /** A completion record under a fresh time-ordered key; returns the op and the stored value. */
  completionOp(
    c: Omit<InspectionCompletion, 'key' | 'completedAt'>,
    nowMs: number,
  ): { op: BatchOp; value: InspectionCompletion } {
    const k = key(c.planId, timeKey(nowMs));
    const value: InspectionCompletion = {
      ...c,
      key: k,
      completedAt: new Date(nowMs).toISOString(),
    };
    return { op: { type: 'put', sublevel: this.completions, key: k, value }, value };
  }

  /** Newest first; `before` is the key of the last completion of the previous page. */
  async history(planId: string, limit: number, before?: string): Promise<InspectionCompletion[]> {
    const range = prefixRange(planId);
    const lt = before && before > range.gt && before < range.lt ? before : range.lt;
    return (await readAll(this.completions, { gt: range.gt, lt, limit, reverse: true })).map(
      ([, c]) => c,
    );
  }

  /** The plan and its whole history. */
  async deleteOps(planId: string): Promise<BatchOp[]> {
    const ops: BatchOp[] = [{ type: 'del', sublevel: this.plans, key: planId }];
    for await (const k of this.completions.keys(prefixRange(planId)))
      ops.push({ type: 'del', sublevel: this.completions, key: k });
    return ops;
  }
}
