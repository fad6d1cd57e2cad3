import { timeZone } from '../lib/zoneinfo.js';

/**
 * When recurring inspection tasks fall due. Pure: dates in, dates out, no store and no clock.
 *
 * A plan's occurrences are anchored to its start date: occurrence k is start + k·N units. Months are
 * always counted from the start (never from the previous occurrence), so a plan that starts on the
 * 31st is due on the 31st whenever the month has one and on the month's last day otherwise, and
 * never drifts to the 28th for good after February.
 *
 * Dates are local calendar dates of the box's time zone ('YYYY-MM-DD'); a task is due at the plan's
 * local due time on that date and becomes overdue when the grace period after it has run out.
 */

export const UNITS = ['days', 'weeks', 'months'] as const;
export type Unit = (typeof UNITS)[number];

/** A local calendar date, 'YYYY-MM-DD'. */
export type LocalDate = string;

export interface Schedule {
  every: number;
  unit: Unit;
  /** The first occurrence (local date). */
  startDate: LocalDate;
  /** Local time of day the task is due, 'HH:MM' (24 h). */
  dueTime: string;
  /** How long after the due time the task is still merely due rather than overdue. */
  graceHours: number;
}

/**
 * - `upcoming`: due later than the "soon" window;
 * - `soon`: due within the window (7 days by default);
 * - `due`: the due day has come (or the due time has passed), the grace period has not run out;
 * - `overdue`: the grace period after the due time has run out.
 */
export type TaskState = 'upcoming' | 'soon' | 'due' | 'overdue';
export const TASK_STATES: readonly TaskState[] = ['overdue', 'due', 'soon', 'upcoming'];
export const SOON_DAYS = 7;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

interface Ymd {
  y: number;
  m: number;
  d: number;
}

export function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function parseDate(s: string): Ymd | undefined {
  const match = DATE_RE.exec(s);
  if (!match) return undefined;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return undefined;
  return { y, m, d };
}

function mustParse(s: LocalDate): Ymd {
  const p = parseDate(s);
  if (!p) throw new RangeError(`not a calendar date: ${s}`);
  return p;
}

/** A real calendar date in 'YYYY-MM-DD' form (2026-02-30 is not). */
export function isLocalDate(s: string): boolean {
  return parseDate(s) !== undefined;
}

export function isTimeOfDay(s: string): boolean {
  return TIME_RE.test(s);
}

function format(p: Ymd): LocalDate {
  return `${String(p.y).padStart(4, '0')}-${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`;
}

/** Days since 1970-01-01 (calendar arithmetic only, no time zone involved). */
export function dayNumber(date: LocalDate): number {
  const p = mustParse(date);
  return Date.UTC(p.y, p.m - 1, p.d) / DAY_MS;
}

export function fromDayNumber(n: number): LocalDate {
  const t = new Date(n * DAY_MS);
  return format({ y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() });
}

export function addDays(date: LocalDate, n: number): LocalDate {
  return fromDayNumber(dayNumber(date) + n);
}

/** Adds months keeping the day of the month, or the month's last day when it has fewer days. */
export function addMonthsClamped(date: LocalDate, n: number): LocalDate {
  const p = mustParse(date);
  const total = p.y * 12 + (p.m - 1) + n;
  const y = Math.floor(total / 12);
  const m = (total % 12) + 1;
  return format({ y, m, d: Math.min(p.d, daysInMonth(y, m)) });
}

/** Occurrence k (k ≥ 0) of the schedule: start + k·N units. */
export function occurrence(
  s: Pick<Schedule, 'every' | 'unit' | 'startDate'>,
  k: number,
): LocalDate {
  switch (s.unit) {
    case 'days':
      return addDays(s.startDate, k * s.every);
    case 'weeks':
      return addDays(s.startDate, k * s.every * 7);
    case 'months':
      return addMonthsClamped(s.startDate, k * s.every);
  }
}

/** The smallest k ≥ 0 whose occurrence falls on or after `date`. */
export function indexOnOrAfter(
  s: Pick<Schedule, 'every' | 'unit' | 'startDate'>,
  date: LocalDate,
): number {
  if (date <= s.startDate) return 0;
  let k: number;
  if (s.unit === 'months') {
    const a = mustParse(s.startDate);
    const b = mustParse(date);
    k = Math.max(0, Math.floor(((b.y - a.y) * 12 + (b.m - a.m)) / s.every) - 1);
  } else {
    const period = s.every * (s.unit === 'weeks' ? 7 : 1);
    k = Math.max(0, Math.ceil((dayNumber(date) - dayNumber(s.startDate)) / period) - 1);
  }
  // The estimate is at most a step or two short (month lengths); walk to the exact index.
  while (occurrence(s, k) < date) k += 1;
  return k;
}

/** The index of a date that is an occurrence of the schedule, or undefined if it is not one. */
export function indexOf(
  s: Pick<Schedule, 'every' | 'unit' | 'startDate'>,
  date: LocalDate,
): number | undefined {
  const k = indexOnOrAfter(s, date);
  return occurrence(s, k) === date ? k : undefined;
}

// ---- time zones ------------------------------------------------------------------------------

function localParts(ms: number, tz: string): Ymd & { hh: number; mm: number; ss: number } {
  const f = timeZone(tz).fieldsOf(ms);
  return { y: f.year, m: f.month, d: f.day, hh: f.hour, mm: f.minute, ss: f.second };
}

/** How far the zone's wall clock is ahead of UTC at this instant. */
export function offsetMs(ms: number, tz: string): number {
  return timeZone(tz).offsetAt(ms);
}

/** The local calendar date of an instant in the zone. */
export function localDateOf(ms: number, tz: string): LocalDate {
  return format(localParts(ms, tz));
}

/**
 * The instant a local date and time of day happen in the zone. A time that the clock skips when
 * daylight saving starts lands an hour later; a time that happens twice when it ends is the first.
 */
export function zonedInstant(date: LocalDate, time: string, tz: string): number {
  const p = mustParse(date);
  const t = TIME_RE.exec(time);
  if (!t) throw new RangeError(`not a time of day: ${time}`);
  return timeZone(tz).instantOf(Date.UTC(p.y, p.m - 1, p.d, Number(t[1]), Number(t[2])));
}

export function dueAt(s: Pick<Schedule, 'dueTime'>, date: LocalDate, tz: string): number {
  return zonedInstant(date, s.dueTime, tz);
}

export function overdueAt(
  s: Pick<Schedule, 'dueTime' | 'graceHours'>,
  date: LocalDate,
  tz: string,
): number {
  return dueAt(s, date, tz) + s.graceHours * HOUR_MS;
}

// ---- the open task ---------------------------------------------------------------------------

/** Occurrences are looked at one by one from an estimate; this bounds a broken schedule's walk. */
const MAX_STEPS = 10_000;

/**
 * The first occurrence that is still open:
 * - strictly after `after` (the date last completed), if given;
 * - whose due time is later than `notDueBy` (a completion at that time covers earlier ones);
 * - whose grace has not run out at `notOverdueAt` (a new or rescheduled plan is not born overdue).
 */
export function firstOpenOccurrence(
  s: Schedule,
  tz: string,
  opts: { after?: LocalDate | undefined; notDueBy?: number; notOverdueAt?: number },
): LocalDate {
  let floor = s.startDate;
  if (opts.after && opts.after >= floor) floor = addDays(opts.after, 1);
  // No occurrence earlier than a day before the instant's local date can qualify.
  const byTime = (ms: number, shift: number) => localDateOf(ms - shift - DAY_MS, tz);
  if (opts.notDueBy !== undefined) {
    const d = byTime(opts.notDueBy, 0);
    if (d > floor) floor = d;
  }
  if (opts.notOverdueAt !== undefined) {
    const d = byTime(opts.notOverdueAt, s.graceHours * HOUR_MS);
    if (d > floor) floor = d;
  }
  let k = indexOnOrAfter(s, floor);
  for (let i = 0; i < MAX_STEPS; i += 1, k += 1) {
    const date = occurrence(s, k);
    if (opts.after && date <= opts.after) continue;
    if (opts.notDueBy !== undefined && dueAt(s, date, tz) <= opts.notDueBy) continue;
    if (opts.notOverdueAt !== undefined && overdueAt(s, date, tz) <= opts.notOverdueAt) continue;
    return date;
  }
  throw new RangeError('no open occurrence found');
}

/**
 * The task after a completion of the occurrence `completedDate` at `completedAt`: the next
 * occurrence due after the work was done. Done early, the next one follows in the normal rhythm;
 * done late, occurrences whose due time had already passed are covered by this completion rather
 * than left due at once.
 */
export function nextDueAfterCompletion(
  s: Schedule,
  tz: string,
  completedDate: LocalDate,
  completedAt: number,
): LocalDate {
  return firstOpenOccurrence(s, tz, { after: completedDate, notDueBy: completedAt });
}

export function taskState(
  s: Schedule,
  tz: string,
  date: LocalDate,
  now: number,
  soonDays = SOON_DAYS,
): TaskState {
  if (now >= overdueAt(s, date, tz)) return 'overdue';
  const due = dueAt(s, date, tz);
  if (now >= due || now >= zonedInstant(date, '00:00', tz)) return 'due';
  if (due - now <= soonDays * DAY_MS) return 'soon';
  return 'upcoming';
}

/**
 * The occurrences from the open one (`openDate`) up to `now` whose grace has run out, oldest
 * first; empty while the open task is not overdue. At most `limit` are returned (the newest).
 */
export function missedOccurrences(
  s: Schedule,
  tz: string,
  openDate: LocalDate,
  now: number,
  limit = 50,
): { dates: LocalDate[]; total: number } {
  if (overdueAt(s, openDate, tz) > now) return { dates: [], total: 0 };
  const first = indexOnOrAfter(s, openDate);
  // Jump close to now instead of walking years of a daily plan the box was switched off for.
  const near = indexOnOrAfter(s, localDateOf(now - s.graceHours * HOUR_MS - 2 * DAY_MS, tz));
  let k = Math.max(first, near - 1);
  while (k > first && overdueAt(s, occurrence(s, k), tz) > now) k -= 1;
  let last = k;
  for (let i = 0; i < MAX_STEPS; i += 1) {
    if (overdueAt(s, occurrence(s, last + 1), tz) > now) break;
    last += 1;
  }
  const total = last - first + 1;
  const dates: LocalDate[] = [];
  for (let j = Math.max(first, last - limit + 1); j <= last; j += 1) dates.push(occurrence(s, j));
  return { dates, total };
}

// ---- words -----------------------------------------------------------------------------------

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function ordinal(n: number): string {
  const r10 = n % 10;
  const r100 = n % 100;
  const suffix =
    r10 === 1 && r100 !== 11
      ? 'st'
      : r10 === 2 && r100 !== 12
        ? 'nd'
        : r10 === 3 && r100 !== 13
          ? 'rd'
          : 'th';
  return `${n}${suffix}`;
}

/** "every 2 weeks on Monday", "every month on the 31st (the last day in shorter months)". */
export function describeRecurrence(s: Pick<Schedule, 'every' | 'unit' | 'startDate'>): string {
  const unit = s.unit.slice(0, -1);
  const every = s.every === 1 ? `every ${unit}` : `every ${s.every} ${s.unit}`;
  const p = parseDate(s.startDate);
  if (!p) return every;
  if (s.unit === 'weeks')
    return `${every} on ${WEEKDAYS[new Date(Date.UTC(p.y, p.m - 1, p.d)).getUTCDay()]}`;
  if (s.unit === 'months')
    return `${every} on the ${ordinal(p.d)}${p.d > 28 ? ' (the last day in shorter months)' : ''}`;
  return every;
}
