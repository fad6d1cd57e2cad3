import { formatCalendarDate } from '../../charts/scale.js';
/** Words and small helpers shared by the inspection views. Pure. */

export type TaskStateName = 'overdue' | 'due' | 'soon' | 'upcoming';

export const STATE_LABELS: Record<TaskStateName, string> = {
  overdue: 'Overdue',
  due: 'Due',
  soon: 'Due soon',
  upcoming: 'Upcoming',
};

export const RESULT_LABELS = { done: 'Done', 'not-done': 'Not done', na: 'n/a' } as const;
export type ResultName = keyof typeof RESULT_LABELS;

const DAY = 86_400_000;
const HOUR = 3_600_000;

function span(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < HOUR) return `${Math.max(1, Math.round(abs / 60_000))} min`;
  if (abs < 2 * DAY) {
    const h = Math.round(abs / HOUR);
    return `${h} hour${h === 1 ? '' : 's'}`;
  }
  const d = Math.round(abs / DAY);
  return `${d} day${d === 1 ? '' : 's'}`;
}

/** "in 3 days", "2 hours ago": how far a due time is from now. */
export function relative(iso: string, nowIso: string): string {
  const ms = Date.parse(iso) - Date.parse(nowIso);
  return ms >= 0 ? `in ${span(ms)}` : `${span(ms)} ago`;
}

/** A local date with its weekday, as people read a due date: "Mon, 30 Nov 2026". */
export function formatDate(date: string): string {
  return formatCalendarDate(date);
}

/** The line under a task's state: when it is (or was) due and when it turns overdue. */
export function dueLine(
  t: { state: TaskStateName; dueAt: string; overdueAt: string },
  now: string,
) {
  if (t.state === 'overdue')
    return `overdue for ${span(Date.parse(now) - Date.parse(t.overdueAt))}`;
  if (Date.parse(t.dueAt) <= Date.parse(now)) return `overdue ${relative(t.overdueAt, now)}`;
  return `due ${relative(t.dueAt, now)}`;
}
