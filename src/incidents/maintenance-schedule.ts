/**
 * When maintenance windows are open. Pure: a window and instants (ms since the epoch) in,
 * instants out; no clock and no store.
 *
 * A one-off window is a fixed span of real time. A recurring window (daily, weekly, monthly)
 * starts at a local time of day in the window's time zone on every matching local date and lasts
 * `durationMin` minutes of real elapsed time.
 *
 * Time-zone rules, chosen so that a window never silently disappears and never runs twice:
 * - A start time the clock skips when daylight saving begins (02:30 on the last Sunday of March
 *   in Europe/Berlin) starts at the first instant after the gap, i.e. when the clock shows 03:00.
 *   (This differs on purpose from inspection due times, which move a full hour to 03:30: a window
 *   is meant to open as close to the planned time as the clock allows.)
 * - A start time the clock shows twice when daylight saving ends starts at the first of the two.
 * - The duration is real time, so a 2 h window is 2 h long even across a switch; its end may show
 *   a wall-clock time an hour earlier or later than the start time plus the duration would.
 * - A monthly window on a day the month lacks (the 31st in April, the 30th in February) falls on
 *   the month's last day; 'last' is always the month's last day.
 * - Occurrences may overlap (a 7-day window every Monday and Thursday, a 26 h daily window); the
 *   window is then open for the union of them.
 *
 * Occurrences are half-open: open from `start` (inclusive) to `end` (exclusive).
 */
import {
  dayNumber,
  daysInMonth,
  isTimeOfDay,
  localDateOf,
  offsetMs,
} from '../monitor/inspection-schedule.js';
import type { MaintenanceScope, WindowSchedule } from './maintenance-schema.js';

export interface Occurrence {
  start: number;
  end: number;
}

/** What the schedule functions need of a window. */
export interface ScheduledWindow {
  schedule: WindowSchedule;
  /** IANA time zone the schedule's local times are read in. */
  timeZone: string;
}

/** What `windowCovers` needs of a window. */
export interface CoveringWindow extends ScheduledWindow {
  enabled: boolean;
  scope: MaintenanceScope;
}

/** What an event is about; an event without a device (the box itself, the site) has neither. */
export interface CoverTarget {
  deviceId?: string | undefined;
  deviceType?: string | undefined;
}

/** The most occurrences `occurrencesBetween` returns unless asked for fewer. */
export const MAX_OCCURRENCES = 1000;

const SECOND_MS = 1000;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** How far ahead `nextOccurrence` and `coveredUntil` look: two months always hold an occurrence. */
const LOOKAHEAD_MS = 63 * DAY_MS;

// ---- local wall-clock time → instant ----------------------------------------------------------

/**
 * The instant a local wall-clock time happens in the zone. `wallMs` is the local date and time
 * written as if it were UTC (`Date.UTC(y, m - 1, d, hh, mm)`). A time inside a spring-forward gap
 * resolves to the first instant after the gap; a time that happens twice to the earlier one.
 */
export function instantOfWallTime(wallMs: number, tz: string): number {
  // The offsets half a day either side: equal except near a transition.
  const before = offsetMs(wallMs - 12 * HOUR_MS, tz);
  const after = offsetMs(wallMs + 12 * HOUR_MS, tz);
  const candidates = [wallMs - before, wallMs - after].filter(
    (t) => offsetMs(t, tz) === wallMs - t,
  );
  if (candidates.length > 0) return Math.min(...candidates);
  // Neither reading shows this wall time: it is in a gap, which lies between the two readings
  // (the clock jumped from `before` to `after`, after > before). Find the jump to the second.
  let lo = Math.floor((wallMs - after) / SECOND_MS) * SECOND_MS;
  let hi = Math.ceil((wallMs - before) / SECOND_MS) * SECOND_MS;
  const loOffset = offsetMs(lo, tz);
  while (hi - lo > SECOND_MS) {
    const mid = lo + Math.floor((hi - lo) / 2 / SECOND_MS) * SECOND_MS;
    if (offsetMs(mid, tz) === loOffset) lo = mid;
    else hi = mid;
  }
  return hi;
}

const DATE_TIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * An ISO-8601 date and time as an instant: `2026-03-29T02:30:00+02:00`, `…Z`, or without an
 * offset (`2026-03-29T02:30`, what an HTML datetime-local field sends), which is read as local
 * time in `tz` with the same gap and overlap rules as recurring windows. Undefined if malformed.
 */
export function parseDateTime(text: string, tz: string): number | undefined {
  const m = DATE_TIME_RE.exec(text);
  if (!m) return undefined;
  const [y, mo, d, hh, mm] = [1, 2, 3, 4, 5].map((i) => Number(m[i])) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const ss = m[6] === undefined ? 0 : Number(m[6]);
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0'));
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
  if (hh > 23 || mm > 59 || ss > 59) return undefined;
  const wall = Date.UTC(y, mo - 1, d, hh, mm, ss, ms);
  const zone = m[8];
  if (zone === undefined) return instantOfWallTime(wall, tz);
  if (zone === 'Z') return wall;
  const oh = Number(zone.slice(1, 3));
  const om = Number(zone.slice(4, 6));
  if (oh > 23 || om > 59) return undefined;
  const sign = zone.startsWith('-') ? -1 : 1;
  return wall - sign * (oh * HOUR_MS + om * MINUTE_MS);
}

/** The span of a one-off window, or undefined if its times do not parse. */
export function onceBounds(
  schedule: Extract<WindowSchedule, { kind: 'once' }>,
  tz: string,
): Occurrence | undefined {
  const start = parseDateTime(schedule.start, tz);
  const end = parseDateTime(schedule.end, tz);
  if (start === undefined || end === undefined) return undefined;
  return { start, end };
}

// ---- recurring occurrences --------------------------------------------------------------------

type Recurring = Exclude<WindowSchedule, { kind: 'once' }>;

function minutesOfDay(at: string): number {
  if (!isTimeOfDay(at)) throw new RangeError(`not a time of day: ${at}`);
  return Number(at.slice(0, 2)) * 60 + Number(at.slice(3, 5));
}

/** Day of the week of a day number (days since 1970-01-01, a Thursday); 0 = Sunday. */
function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

/** Whether the schedule has an occurrence on the local date with this day number. */
function fallsOn(s: Recurring, day: number): boolean {
  switch (s.kind) {
    case 'daily':
      return true;
    case 'weekly':
      return s.days.includes(weekdayOf(day));
    case 'monthly': {
      const t = new Date(day * DAY_MS);
      const last = daysInMonth(t.getUTCFullYear(), t.getUTCMonth() + 1);
      const want = s.day === 'last' ? last : Math.min(s.day, last);
      return t.getUTCDate() === want;
    }
  }
}

function assertFinite(...values: number[]): void {
  for (const v of values) if (!Number.isFinite(v)) throw new RangeError(`not an instant: ${v}`);
}

/**
 * The occurrences that overlap [fromMs, toMs), in order of start: including one that started
 * before `fromMs` and is still open then. At most `limit` (the earliest ones).
 */
export function occurrencesBetween(
  window: ScheduledWindow,
  fromMs: number,
  toMs: number,
  limit = MAX_OCCURRENCES,
): Occurrence[] {
  assertFinite(fromMs, toMs);
  if (toMs <= fromMs || limit <= 0) return [];
  const s = window.schedule;
  const tz = window.timeZone;
  if (s.kind === 'once') {
    const b = onceBounds(s, tz);
    return b && b.end > fromMs && b.start < toMs ? [b] : [];
  }
  const at = minutesOfDay(s.at) * MINUTE_MS;
  const duration = s.durationMin * MINUTE_MS;
  // An occurrence open at `fromMs` began at most `duration` earlier; a day either side absorbs
  // the difference between local dates and instants, and gap shifts.
  const first = dayNumber(localDateOf(fromMs - duration, tz)) - 1;
  const last = dayNumber(localDateOf(toMs, tz)) + 1;
  const out: Occurrence[] = [];
  let previousStart = -Infinity;
  for (let day = first; day <= last && out.length < limit; day += 1) {
    if (!fallsOn(s, day)) continue;
    const start = instantOfWallTime(day * DAY_MS + at, tz);
    // A local date the zone skipped entirely resolves to the next day's start: count it once.
    if (start <= previousStart) continue;
    previousStart = start;
    const end = start + duration;
    if (end > fromMs && start < toMs) out.push({ start, end });
  }
  return out;
}

/**
 * The occurrence open at `nowMs` (start ≤ now < end), or undefined. When several overlap, the one
 * that ends last: it is the one that keeps the window open longest.
 */
export function activeOccurrence(window: ScheduledWindow, nowMs: number): Occurrence | undefined {
  let best: Occurrence | undefined;
  for (const o of occurrencesBetween(window, nowMs, nowMs + 1)) {
    if (!best || o.end > best.end) best = o;
  }
  return best;
}

/**
 * The next occurrence that starts strictly after `nowMs`, or undefined (a one-off window that has
 * started or ended). One already open at `nowMs` is not "next".
 */
export function nextOccurrence(window: ScheduledWindow, nowMs: number): Occurrence | undefined {
  assertFinite(nowMs);
  return occurrencesBetween(window, nowMs + 1, nowMs + 1 + LOOKAHEAD_MS).find(
    (o) => o.start > nowMs,
  );
}

/**
 * When the window, open at `nowMs`, closes: the end of the run of overlapping or back-to-back
 * occurrences that contains now (the moment the end-of-window re-check is due). Undefined when
 * the window is not open. A window that never closes (7-day occurrences every day) is reported
 * as closing at the end of the last occurrence that starts within about two months.
 */
export function coveredUntil(window: ScheduledWindow, nowMs: number): number | undefined {
  const current = activeOccurrence(window, nowMs);
  if (!current) return undefined;
  let end = current.end;
  for (const o of occurrencesBetween(window, nowMs, nowMs + LOOKAHEAD_MS)) {
    if (o.start > end) break;
    if (o.end > end) end = o.end;
  }
  return end;
}

/**
 * Whether the window covers an event about `target` at `nowMs`: it is enabled, open, and its
 * scope takes in the target. A site window also covers events that concern no device. Whether a
 * covered event is kept from notifying is the caller's decision (`suppressNotifications`).
 */
export function windowCovers(window: CoveringWindow, target: CoverTarget, nowMs: number): boolean {
  if (!window.enabled) return false;
  if (!scopeMatches(window.scope, target)) return false;
  return activeOccurrence(window, nowMs) !== undefined;
}

/** Whether a scope takes in the target, regardless of time. */
export function scopeMatches(scope: MaintenanceScope, target: CoverTarget): boolean {
  switch (scope.kind) {
    case 'site':
      return true;
    case 'devices':
      return target.deviceId !== undefined && scope.deviceIds.includes(target.deviceId);
    case 'types': {
      const type = target.deviceType?.trim().toLowerCase();
      return type !== undefined && scope.types.some((t) => t.toLowerCase() === type);
    }
  }
}

// ---- words ------------------------------------------------------------------------------------

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function ordinal(n: number): string {
  const r10 = n % 10;
  const r100 = n % 100;
  if (r10 === 1 && r100 !== 11) return `${n}st`;
  if (r10 === 2 && r100 !== 12) return `${n}nd`;
  if (r10 === 3 && r100 !== 13) return `${n}rd`;
  return `${n}th`;
}

function listing(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** "45 min", "2 h", "1 h 30 min", "1 day 2 h". */
export function formatMinutes(minutes: number): string {
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  const parts: string[] = [];
  if (d) parts.push(`${d} ${d === 1 ? 'day' : 'days'}`);
  if (h) parts.push(`${h} h`);
  if (m || parts.length === 0) parts.push(`${m} min`);
  return parts.join(' ');
}

/** 'YYYY-MM-DD HH:MM' as the zone's clock shows the instant. */
function localStamp(ms: number, tz: string): string {
  return new Date(ms + offsetMs(ms, tz)).toISOString().slice(0, 16).replace('T', ' ');
}

/**
 * The schedule in words: "Every Tuesday and Thursday at 02:00 for 2 h (Europe/Berlin)",
 * "Once from 2026-03-28 22:00 to 2026-03-29 04:00 (Europe/Berlin)". Weekdays are listed Monday
 * first so that a weekend reads "Saturday and Sunday".
 */
export function describeSchedule(window: ScheduledWindow): string {
  const s = window.schedule;
  const tz = window.timeZone;
  if (s.kind === 'once') {
    const b = onceBounds(s, tz);
    if (!b) return `Once from ${s.start} to ${s.end} (${tz})`;
    return `Once from ${localStamp(b.start, tz)} to ${localStamp(b.end, tz)} (${tz})`;
  }
  let when: string;
  switch (s.kind) {
    case 'daily':
      when = 'Every day';
      break;
    case 'weekly': {
      const days = [...new Set(s.days)].sort((a, b) => ((a + 6) % 7) - ((b + 6) % 7));
      when =
        days.length === 7
          ? 'Every day'
          : `Every ${listing(days.map((d) => WEEKDAYS[d] ?? `day ${d}`))}`;
      break;
    }
    case 'monthly':
      when =
        s.day === 'last'
          ? 'Every month on the last day'
          : `Every month on the ${ordinal(s.day)}${s.day > 28 ? ' (the last day in shorter months)' : ''}`;
      break;
  }
  return `${when} at ${s.at} for ${formatMinutes(s.durationMin)} (${tz})`;
}
