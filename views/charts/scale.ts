import { fixedDigits } from '../../src/lib/collate.js';
import { isTimeZone, timeZone } from '../../src/lib/zoneinfo.js';
/**
 * Pure helpers for chart axes: "nice" value ticks, time ticks on the site's wall clock (in its
 * IANA time zone, across daylight-saving changes), and units people read (Mbit/s, GiB, °C).
 */

// ---------------------------------------------------------------------------------------------
// units

/** A unit and the larger units its values switch to, as [factor, suffix]. */
interface UnitFamily {
  steps: ReadonlyArray<readonly [number, string]>;
  /** No space between number and suffix ("42%"). */
  tight?: boolean;
  /** Axes start at zero (rates, sizes, percentages); false for temperatures. */
  zeroBased: boolean;
}

const FAMILIES: Record<string, UnitFamily> = {
  'bit/s': {
    steps: [
      [1, 'bit/s'],
      [1e3, 'kbit/s'],
      [1e6, 'Mbit/s'],
      [1e9, 'Gbit/s'],
      [1e12, 'Tbit/s'],
    ],
    zeroBased: true,
  },
  B: {
    steps: [
      [1, 'B'],
      [1024, 'KiB'],
      [1024 ** 2, 'MiB'],
      [1024 ** 3, 'GiB'],
      [1024 ** 4, 'TiB'],
      [1024 ** 5, 'PiB'],
    ],
    zeroBased: true,
  },
  'pkt/s': {
    steps: [
      [1, 'pkt/s'],
      [1e3, 'kpkt/s'],
      [1e6, 'Mpkt/s'],
    ],
    zeroBased: true,
  },
  '%': { steps: [[1, '%']], tight: true, zeroBased: true },
  ms: {
    steps: [
      [1, 'ms'],
      [1000, 's'],
    ],
    zeroBased: true,
  },
  s: {
    steps: [
      [1, 's'],
      [60, 'min'],
      [3600, 'h'],
      [86_400, 'd'],
    ],
    zeroBased: true,
  },
  min: { steps: [[1, 'min']], zeroBased: true },
  days: { steps: [[1, 'days']], zeroBased: true },
  '°C': { steps: [[1, '°C']], zeroBased: false },
  '/s': { steps: [[1, '/s']], zeroBased: true },
  // 0/1 samples; rolled up, the share of time they were 1
  bool: { steps: [[0.01, '%']], tight: true, zeroBased: true },
};

function family(unit: string): UnitFamily {
  return FAMILIES[unit] ?? { steps: [[1, unit]], zeroBased: true };
}

/** Whether a chart of this unit should include zero (everything but temperatures). */
export function isZeroBased(unit: string): boolean {
  return family(unit).zeroBased;
}

/** The display step for a magnitude: the largest unit in which it is at least 1. */
export function unitScale(unit: string, magnitude: number): { factor: number; suffix: string } {
  const steps = family(unit).steps;
  let pick = steps[0]!;
  const m = Math.abs(magnitude);
  if (Number.isFinite(m)) for (const s of steps) if (m >= s[0]) pick = s;
  return { factor: pick[0], suffix: pick[1] };
}

/** A number with exactly `decimals` decimals and thousands separators ("1,250.5"). */
export function formatNumber(v: number, decimals: number): string {
  if (!Number.isFinite(v)) return '–';
  return fixedDigits(v, Math.max(0, Math.min(6, Math.round(decimals))));
}

function joinUnit(num: string, suffix: string, unit: string, value: number): string {
  if (!suffix) return num;
  if (family(unit).tight) return `${num}${suffix}`;
  if (suffix === 'days' && Math.abs(value) === 1) return `${num} day`;
  return `${num} ${suffix}`;
}

/** Decimals for about three significant digits: 1.23, 12.3, 123, 0.042. */
function valueDecimals(v: number): number {
  const a = Math.abs(v);
  if (a === 0 || a >= 100) return 0;
  if (a >= 10) return 1;
  if (a >= 1) return 2;
  return Math.min(6, 1 - Math.floor(Math.log10(a)));
}

/**
 * A value for people: "12.3 Mbit/s", "1.5 TiB", "42%", "21.5 °C", "1 day". Scales to the largest
 * fitting unit and drops trailing zeros. Non-finite input gives "–".
 */
export function formatValue(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const { factor, suffix } = unitScale(unit, value);
  const v = value / factor;
  if (Math.abs(v) < 1e-6) return joinUnit('0', suffix, unit, 0);
  const s = formatNumber(v, valueDecimals(v))
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');
  return joinUnit(s, suffix, unit, Number(s.replace(/,/g, '')));
}

// ---------------------------------------------------------------------------------------------
// value axes

/** 1, 2, 5 or 10 times a power of ten, near `x` (Heckbert's "nice numbers"). */
function niceNum(x: number, round: boolean): number {
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  const exp = Math.floor(Math.log10(x));
  const f = x / 10 ** exp;
  let nf: number;
  if (round) nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  else nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nf * 10 ** exp;
}

/** Decimals needed to write multiples of `step` exactly (0.25 → 2, 20 → 0). */
function stepDecimals(step: number): number {
  for (let d = 0; d <= 6; d++) {
    const x = step * 10 ** d;
    const r = Math.round(x);
    if (r !== 0 && Math.abs(x - r) < 1e-6 * Math.abs(x)) return d;
  }
  return 6;
}

export interface NiceTicks {
  min: number;
  max: number;
  step: number;
  ticks: number[];
}

/**
 * Round ticks covering [min, max], about `count` of them. An empty range is widened; a range
 * that starts at or above zero never gets a negative tick.
 */
export function niceTicks(min: number, max: number, count = 5): NiceTicks {
  let lo = Number.isFinite(min) ? min : 0;
  let hi = Number.isFinite(max) ? max : lo + 1;
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) / 2;
    const nonNegative = lo >= 0;
    lo -= d;
    hi += d;
    if (nonNegative && lo < 0) lo = 0;
  }
  const n = Math.max(2, Math.min(12, Math.round(count)));
  // the smallest 1-2-5 step that covers the range in at most n + 1 intervals
  let step = niceNum((hi - lo) / (n + 1), false);
  for (let i = 0; i < 4; i++) {
    const intervals = Math.ceil(hi / step - 1e-9) - Math.floor(lo / step + 1e-9);
    if (intervals <= n + 1) break;
    step = niceNum(step * 1.01, false);
  }
  const d = stepDecimals(step);
  const start = Math.floor(lo / step + 1e-9);
  const end = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  for (let i = start; i <= end && ticks.length < 40; i++) {
    // toFixed keeps 0.1 + 0.2 from showing; tiny steps need significant digits instead
    ticks.push(Number(d < 6 ? (i * step).toFixed(d) : (i * step).toPrecision(12)));
  }
  return { min: ticks[0]!, max: ticks[ticks.length - 1]!, step, ticks };
}

export interface AxisTick {
  value: number;
  label: string;
}

export interface ValueAxis {
  min: number;
  max: number;
  ticks: AxisTick[];
}

/**
 * Ticks for a value axis in a unit: the unit step comes first (GiB, Mbit/s) and the ticks are
 * nice numbers in it, so bytes read "0, 200, 400 GiB" rather than multiples of 10^11 bytes.
 * `absolute` writes ticks below zero without the sign (traffic out drawn downwards).
 */
export function valueAxis(
  min: number,
  max: number,
  unit: string,
  opts: { count?: number; absolute?: boolean } = {},
): ValueAxis {
  const lo = Number.isFinite(min) ? min : 0;
  const hi = Number.isFinite(max) ? max : 1;
  const { factor, suffix } = unitScale(unit, Math.max(Math.abs(lo), Math.abs(hi)));
  const nice = niceTicks(lo / factor, hi / factor, opts.count ?? 5);
  const d = stepDecimals(nice.step);
  return {
    min: nice.min * factor,
    max: nice.max * factor,
    ticks: nice.ticks.map((v) => {
      const shown = opts.absolute ? Math.abs(v) : v;
      const label = v === 0 ? '0' : joinUnit(formatNumber(shown, d), suffix, unit, shown);
      return { value: v * factor, label };
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// time zones

/** Date.UTC without its two-digit-year quirk (year 50 is not 1950). */
function utc(y: number, m: number, d: number, h = 0, mi = 0, sec = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(y, m, d);
  date.setUTCHours(h, mi, sec, 0);
  return date.getTime();
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** The largest time a Date can hold. */
const TIME_LIMIT = 8.64e15;

function validTime(t: number): boolean {
  return Number.isFinite(t) && Math.abs(t) <= TIME_LIMIT;
}

/** The zone if the tz database has it, else UTC (a bad setting must not break every chart). */
export function safeTimeZone(tz: string | undefined): string {
  return tz && isTimeZone(tz) ? tz : 'UTC';
}

/**
 * The wall-clock time at instant `t` in `tz`, expressed as if that wall time were UTC (so that
 * calendar arithmetic is plain Date.UTC arithmetic). Seconds resolution.
 */
export function wallClock(t: number, tz: string): number {
  // no time zone applies at the ends of time; callers get a number rather than an exception
  if (!validTime(t)) return t;
  return Math.floor(t / 1000) * 1000 + timeZone(safeTimeZone(tz)).offsetAt(t);
}

/** The zone's offset from UTC at instant `t`, in ms (Berlin in summer: +7 200 000). */
export function zoneOffset(t: number, tz: string): number {
  return validTime(t) ? timeZone(safeTimeZone(tz)).offsetAt(t) : 0;
}

/**
 * The instant a wall-clock time (as from wallClock) happens in `tz`. `exact` is false when that
 * wall time does not exist (skipped by a daylight-saving change); `t` is then read with the
 * offset before the change, past the jump. Of a wall time that happens twice, the first one.
 */
export function fromWallClock(wall: number, tz: string): { t: number; exact: boolean } {
  const zone = timeZone(safeTimeZone(tz));
  const at = zone.instantsOf(wall);
  return at.length ? { t: at[0]!, exact: true } : { t: zone.instantOf(wall), exact: false };
}

/** "2024-03-31T14:05" for a datetime-local input, in the site's time zone. */
export function toLocalInput(t: number, tz: string): string {
  if (!validTime(t)) return '';
  return new Date(wallClock(t, tz)).toISOString().slice(0, 16);
}

/**
 * Reads a datetime-local value ("2024-03-31T14:05", seconds optional) as a time in the site's
 * zone. Undefined for anything else.
 */
export function parseLocalInput(value: string | undefined, tz: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value ?? '');
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0)) as number[];
  const wall = utc(y!, mo! - 1, d!, h!, mi!, s!);
  const back = new Date(wall);
  if (back.getUTCMonth() !== mo! - 1 || back.getUTCDate() !== d! || h! > 23 || mi! > 59)
    return undefined;
  return fromWallClock(wall, tz).t;
}

const two = (n: number) => String(n).padStart(2, '0');

/** "31 Mar 14:05" (with the year when `withYear`). */
export function formatDateTime(t: number, tz: string, withYear = false): string {
  if (!validTime(t)) return '–';
  const d = new Date(wallClock(t, tz));
  const year = withYear ? ` ${d.getUTCFullYear()}` : '';
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}${year} ${formatClock(t, tz)}`;
}

/** "31 Mar 2026, 14:05:09": a timestamp in full. */
export function formatTimestamp(t: number, tz: string): string {
  if (!validTime(t)) return '–';
  const d = new Date(wallClock(t, tz));
  return `${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${formatClock(t, tz, true)}`;
}

/** "Mon, 30 Nov 2026": a calendar date ("2026-11-30") as people read a due date. */
export function formatCalendarDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  const day = new Date(utc(y!, m! - 1, d!));
  return `${WEEKDAYS[day.getUTCDay()]}, ${d} ${MONTHS[m! - 1]} ${y}`;
}

/** "14:05" (with seconds when asked). */
export function formatClock(t: number, tz: string, seconds = false): string {
  if (!validTime(t)) return '–';
  const d = new Date(wallClock(t, tz));
  const hm = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
  return seconds ? `${hm}:${two(d.getUTCSeconds())}` : hm;
}

/** A duration in its two largest units: "3 d 4 h", "2 h 5 min", "40 s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  if (d >= 100) return `${d} d`;
  if (d) return h ? `${d} d ${h} h` : `${d} d`;
  if (h) return m ? `${h} h ${m} min` : `${h} h`;
  if (m) return `${m} min`;
  return `${s} s`;
}

// ---------------------------------------------------------------------------------------------
// time axes

export interface TimeTick {
  t: number;
  label: string;
  /** A day, month or year boundary: drawn a little stronger. */
  major: boolean;
}

type StepKind = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';

interface TimeStep {
  kind: StepKind;
  n: number;
  /** Rough length, to choose a step. */
  approx: number;
  /** Room a label needs, in px of the chart. */
  room: number;
}

const TIME_STEPS: TimeStep[] = [
  ...[1, 2, 5, 10, 15, 30].map((n) => ({
    kind: 'minute' as const,
    n,
    approx: n * MINUTE,
    room: 64,
  })),
  ...[1, 2, 3, 6, 12].map((n) => ({ kind: 'hour' as const, n, approx: n * HOUR, room: 64 })),
  { kind: 'day', n: 1, approx: DAY, room: 80 },
  { kind: 'day', n: 2, approx: 2 * DAY, room: 64 },
  { kind: 'week', n: 1, approx: 7 * DAY, room: 64 },
  { kind: 'month', n: 1, approx: 30.44 * DAY, room: 52 },
  { kind: 'month', n: 3, approx: 91.3 * DAY, room: 64 },
  { kind: 'year', n: 1, approx: 365.25 * DAY, room: 48 },
];

function pickStep(span: number, width: number): TimeStep {
  for (const s of TIME_STEPS) if (span / s.approx <= Math.max(2, width / s.room)) return s;
  const years = Math.ceil(span / (365.25 * DAY) / Math.max(2, width / 48));
  const n = niceNum(years, false);
  return { kind: 'year', n, approx: n * 365.25 * DAY, room: 48 };
}

/** The next wall-clock tick at or after `wall` for a step, as a wall time. */
function alignWall(wall: number, s: TimeStep): number {
  const d = new Date(wall);
  switch (s.kind) {
    case 'minute':
    case 'hour': {
      const step = s.approx;
      return Math.ceil(wall / step) * step;
    }
    case 'day': {
      let w = Math.ceil(wall / DAY) * DAY;
      while ((w / DAY) % s.n !== 0) w += DAY;
      return w;
    }
    case 'week': {
      let w = Math.ceil(wall / DAY) * DAY;
      // 5 Jan 1970 was a Monday: weeks start on Mondays
      while ((w / DAY - 4) % 7 !== 0) w += DAY;
      return w;
    }
    case 'month': {
      let y = d.getUTCFullYear();
      let m = d.getUTCMonth();
      if (wall > utc(y, m, 1)) m++;
      while (m % s.n !== 0) m++;
      y += Math.floor(m / 12);
      m %= 12;
      return utc(y, m, 1);
    }
    case 'year': {
      let y = d.getUTCFullYear();
      if (wall > utc(y, 0, 1)) y++;
      y = Math.ceil(y / s.n) * s.n;
      return utc(y, 0, 1);
    }
  }
}

function nextWall(wall: number, s: TimeStep): number {
  const d = new Date(wall);
  switch (s.kind) {
    case 'minute':
    case 'hour':
    case 'day':
    case 'week':
      return wall + s.approx;
    case 'month':
      return utc(d.getUTCFullYear(), d.getUTCMonth() + s.n, 1);
    case 'year':
      return utc(d.getUTCFullYear() + s.n, 0, 1);
  }
}

function tickLabel(wall: number, s: TimeStep): { label: string; major: boolean } {
  const d = new Date(wall);
  const month = MONTHS[d.getUTCMonth()]!;
  const day = d.getUTCDate();
  switch (s.kind) {
    case 'minute':
    case 'hour': {
      if (wall % DAY === 0) return { label: `${day} ${month}`, major: true };
      const hh = String(d.getUTCHours()).padStart(2, '0');
      const mm = String(d.getUTCMinutes()).padStart(2, '0');
      return { label: `${hh}:${mm}`, major: false };
    }
    case 'day':
      return {
        label: s.n === 1 ? `${WEEKDAYS[d.getUTCDay()]} ${day}` : `${day} ${month}`,
        major: day === 1,
      };
    case 'week':
      return { label: `${day} ${month}`, major: false };
    case 'month':
      return d.getUTCMonth() === 0
        ? { label: `${month} ${d.getUTCFullYear()}`, major: true }
        : { label: month, major: false };
    case 'year':
      return { label: String(d.getUTCFullYear()), major: true };
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/**
 * Ticks for a time axis from `from` to `to` on the wall clock of `tz`: on whole minutes, hours,
 * local midnights, Mondays, first days of months or years, as many as fit `width` px. Across a
 * daylight-saving change the ticks stay on round local times (a skipped hour gets no tick).
 */
export function timeTicks(from: number, to: number, tz: string, width = 640): TimeTick[] {
  // a day of margin: ticks are found through wall-clock times a day either side
  const margin = TIME_LIMIT - 2 * DAY;
  if (!(Math.abs(from) <= margin && Math.abs(to) <= margin) || to <= from) return [];
  const zone = safeTimeZone(tz);
  const s = pickStep(to - from, Number.isFinite(width) && width > 0 ? width : 640);
  const out: TimeTick[] = [];
  let wall = alignWall(wallClock(from, zone), s);
  for (let guard = 0; guard < 500; guard++) {
    const { t, exact } = fromWallClock(wall, zone);
    if (t > to) break;
    const exactEnough = exact || (s.kind !== 'minute' && s.kind !== 'hour');
    if (exactEnough && t >= from && (!out.length || t > out[out.length - 1]!.t))
      out.push({ t, ...tickLabel(wall, s) });
    wall = nextWall(wall, s);
  }
  return out;
}
