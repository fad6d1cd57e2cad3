import { z } from 'zod';
import { AppError } from '../core/errors.js';
import { dayNumber, localDateOf } from '../monitor/inspection-schedule.js';
import { isTimeZone } from '../lib/zoneinfo.js';

/**
 * Which complete snapshots a retention policy keeps (rsnapshot / Time Machine style tiers) and
 * why. Pure: the service feeds it the complete snapshots of one job and deletes what it returns in
 * `remove`; the UI shows the same plan as a preview before a policy is saved.
 *
 * Tiers are windows measured back from now, in calendar units of the site's time zone, so that
 * "one per day" means one per local day even across daylight-saving changes:
 * - every snapshot younger than `keepAllDays` × 24 h;
 * - the newest snapshot of each local day among the last `dailyDays` days (today included);
 * - the newest of each ISO week (Monday to Sunday) among the last `weeklyWeeks` weeks;
 * - the newest of each month among the last `monthlyMonths` months;
 * - the `keepLast` newest snapshots whatever their age;
 * then `maxCount`, if set, drops the oldest of those beyond the cap. The newest complete snapshot
 * is kept whatever the policy says: retention must never leave a job without a restorable copy.
 */

const DAY_MS = 86_400_000;

function count(min: number, max: number, what: string) {
  const message = `Use a whole number from ${min} to ${max} (${what}).`;
  return z.number({ error: message }).int(message).min(min, message).max(max, message);
}

export const retentionSchema = z
  .strictObject({
    keepLast: count(1, 1000, 'snapshots').default(3),
    keepAllDays: count(0, 3650, 'days').default(2),
    dailyDays: count(0, 3650, 'days').default(14),
    weeklyWeeks: count(0, 520, 'weeks').default(8),
    monthlyMonths: count(0, 1200, 'months').default(12),
    maxCount: count(1, 100_000, 'snapshots').optional(),
  })
  .refine((p) => p.maxCount === undefined || p.maxCount >= p.keepLast, {
    message: 'The cap must be at least the number of newest snapshots always kept.',
    path: ['maxCount'],
  });

export type RetentionPolicy = z.output<typeof retentionSchema>;
export type RetentionInput = z.input<typeof retentionSchema>;

export const DEFAULT_RETENTION: RetentionPolicy = retentionSchema.parse({});

export type RetentionTier = 'newest' | 'last' | 'recent' | 'daily' | 'weekly' | 'monthly';
export const RETENTION_TIERS: readonly RetentionTier[] = [
  'newest',
  'last',
  'recent',
  'daily',
  'weekly',
  'monthly',
];

export interface RetentionSnapshot {
  id: string;
  /** When the snapshot became complete (epoch ms). */
  completedAt: number;
}

export interface RetentionKeep {
  id: string;
  /** Person-readable, in tier order: "newest", "last 3", "within 2 days", "daily 2026-11-20", … */
  reasons: string[];
  tiers: RetentionTier[];
}

export interface RetentionRemove {
  id: string;
  reason: string;
}

export interface RetentionPlan {
  /** Newest first. */
  keep: RetentionKeep[];
  /** Newest first. */
  remove: RetentionRemove[];
}

interface Buckets {
  date: string;
  day: number;
  week: string;
  weekMonday: number;
  month: string;
  monthIndex: number;
}

function bucketsOf(ms: number, timeZone: string): Buckets {
  const date = localDateOf(ms, timeZone);
  const day = dayNumber(date);
  // 1970-01-01 was a Thursday: day 0 → ISO weekday 4 (Monday = 1 … Sunday = 7).
  const isoWeekday = ((((day + 3) % 7) + 7) % 7) + 1;
  const weekMonday = day - (isoWeekday - 1);
  // The ISO week belongs to the year of its Thursday.
  const thursday = new Date((weekMonday + 3) * DAY_MS);
  const isoYear = thursday.getUTCFullYear();
  const jan1 = Date.UTC(isoYear, 0, 1) / DAY_MS;
  const week = Math.floor((weekMonday + 3 - jan1) / 7) + 1;
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7));
  return {
    date,
    day,
    week: `${isoYear}-W${String(week).padStart(2, '0')}`,
    weekMonday,
    month: date.slice(0, 7),
    monthIndex: y * 12 + (m - 1),
  };
}

function checkTimeZone(timeZone: string): void {
  if (!isTimeZone(timeZone))
    throw new AppError('INVALID_TIME_ZONE', `"${timeZone}" is not a known time zone.`, {
      status: 400,
      kind: 'input',
    });
}

/** Newest first; equal instants by id so that the plan never depends on input order. */
function newestFirst(a: RetentionSnapshot, b: RetentionSnapshot): number {
  if (a.completedAt !== b.completedAt) return b.completedAt - a.completedAt;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * The plan for the complete snapshots of one job (incomplete ones must not be passed: they are
 * never offered for restore and are cleaned up elsewhere).
 */
export function planRetention(
  snapshots: readonly RetentionSnapshot[],
  policy: RetentionPolicy,
  nowMs: number,
  timeZone: string,
): RetentionPlan {
  checkTimeZone(timeZone);
  const sorted = [...snapshots].sort(newestFirst);
  const now = bucketsOf(nowMs, timeZone);
  const kept = new Map<string, RetentionKeep>();
  const mark = (id: string, tier: RetentionTier, reason: string) => {
    let k = kept.get(id);
    if (!k) {
      k = { id, reasons: [], tiers: [] };
      kept.set(id, k);
    }
    k.tiers.push(tier);
    k.reasons.push(reason);
  };

  const seenDay = new Set<string>();
  const seenWeek = new Set<string>();
  const seenMonth = new Set<string>();
  const recentFrom = nowMs - policy.keepAllDays * DAY_MS;
  sorted.forEach((s, i) => {
    const b = bucketsOf(s.completedAt, timeZone);
    if (i === 0) mark(s.id, 'newest', 'newest');
    if (i < policy.keepLast && policy.keepLast > 1) mark(s.id, 'last', `last ${policy.keepLast}`);
    if (policy.keepAllDays > 0 && s.completedAt >= recentFrom) {
      mark(s.id, 'recent', `within ${plural(policy.keepAllDays, 'day')}`);
    }
    // The first snapshot met in a bucket is its newest (the list is newest first).
    if (!seenDay.has(b.date)) {
      seenDay.add(b.date);
      if (now.day - b.day < policy.dailyDays) mark(s.id, 'daily', `daily ${b.date}`);
    }
    if (!seenWeek.has(b.week)) {
      seenWeek.add(b.week);
      if ((now.weekMonday - b.weekMonday) / 7 < policy.weeklyWeeks) {
        mark(s.id, 'weekly', `weekly ${b.week}`);
      }
    }
    if (!seenMonth.has(b.month)) {
      seenMonth.add(b.month);
      if (now.monthIndex - b.monthIndex < policy.monthlyMonths) {
        mark(s.id, 'monthly', `monthly ${b.month}`);
      }
    }
  });

  const keep: RetentionKeep[] = [];
  const remove: RetentionRemove[] = [];
  for (const s of sorted) {
    const k = kept.get(s.id);
    if (!k) remove.push({ id: s.id, reason: 'not needed by any tier' });
    // The newest is always first in `keep`, so a cap (≥ 1) never reaches it.
    else if (policy.maxCount !== undefined && keep.length >= policy.maxCount) {
      remove.push({ id: s.id, reason: `beyond the cap of ${policy.maxCount}` });
    } else keep.push(k);
  }
  return { keep, remove };
}

export type RetentionCounts = Record<RetentionTier, number> & { kept: number; removed: number };

/** How many kept snapshots each tier accounts for (a snapshot can count in several). */
export function countRetention(plan: RetentionPlan): RetentionCounts {
  const counts = Object.fromEntries(RETENTION_TIERS.map((t) => [t, 0])) as Record<
    RetentionTier,
    number
  >;
  for (const k of plan.keep) for (const t of k.tiers) counts[t] += 1;
  return { ...counts, kept: plan.keep.length, removed: plan.remove.length };
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

function joinAnd(parts: string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/** One or two sentences for the UI: what the policy keeps. */
export function describeRetention(policy: RetentionPolicy): string {
  const parts = [
    policy.keepLast === 1 ? 'the newest snapshot' : `the newest ${policy.keepLast} snapshots`,
  ];
  if (policy.keepAllDays > 0) {
    parts.push(`every snapshot from the last ${plural(policy.keepAllDays, 'day')}`);
  }
  if (policy.dailyDays > 0) parts.push(`one a day for ${plural(policy.dailyDays, 'day')}`);
  if (policy.weeklyWeeks > 0) parts.push(`one a week for ${plural(policy.weeklyWeeks, 'week')}`);
  if (policy.monthlyMonths > 0) {
    parts.push(`one a month for ${plural(policy.monthlyMonths, 'month')}`);
  }
  let text = `Keeps ${joinAnd(parts)}.`;
  if (policy.maxCount !== undefined) {
    const cap = plural(policy.maxCount, 'snapshot');
    text += ` At most ${cap} ${policy.maxCount === 1 ? 'is' : 'are'} kept in all; the oldest go first.`;
  }
  return `${text} The newest complete snapshot is never deleted.`;
}
