import type { TimeZone } from '../lib/zoneinfo.js';
import { wallFields, type WallFields } from '../lib/zoneinfo.js';

/**
 * Cron expressions: five fields (minute hour day-of-month month day-of-week) or six with
 * seconds first, as Vixie cron and node-schedule read them. Each field is `*`, a value, a range
 * `a-b`, a step `*\/n`, `a-b/n` or `a/n`, or a comma-separated list of those; months and weekdays
 * also by their English three-letter names, Sunday as 0 or 7. The day of month may be `L` (the
 * month's last day), a weekday `5L` (the month's last Friday) or `1#2` (its second Monday);
 * `@yearly`, `@monthly`, `@weekly`, `@daily` (`@midnight`) and `@hourly` stand for the usual
 * expressions. As in Vixie cron, a day matches when both day fields match if either starts with
 * `*`, and when either matches otherwise ("the 13th and every Friday").
 *
 * Times are wall-clock times of a zone. Across daylight-saving changes: an expression with a
 * fixed hour fires at a time the clock skips as much later as the clock jumped (02:30 on the
 * spring-forward night in Europe/Berlin fires at 03:30) and at a time the clock shows twice
 * once, at the first; an expression for every hour fires by real time, every real hour.
 */
export interface Cron {
  readonly source: string;
  readonly second: Uint8Array;
  readonly minute: Uint8Array;
  readonly hour: Uint8Array;
  readonly dom: Uint8Array;
  /** `L`: the last day of the month. */
  readonly lastDom: boolean;
  readonly month: Uint8Array;
  readonly dow: Uint8Array;
  /** `5L`: the last such weekday of the month, by weekday. */
  readonly lastDow: Uint8Array;
  /** `1#2`: the n-th such weekday of the month, as [weekday, n]. */
  readonly nthDow: ReadonlyArray<readonly [number, number]>;
  /** Either day field starts with `*`: a day must match both. */
  readonly dayStar: boolean;
  readonly everyHour: boolean;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const ALIASES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

function valueOf(s: string, what: string, min: number, max: number, names?: string[]): number {
  const named = names?.indexOf(s.toLowerCase()) ?? -1;
  if (named >= 0) return named + (names === MONTHS ? 1 : 0);
  if (!/^\d{1,2}$/.test(s)) throw new Error(`${what}: "${s}" is not a number`);
  const n = Number(s);
  if (n < min || n > max) throw new Error(`${what}: ${n} is outside ${min}–${max}`);
  return n;
}

/** Allowed values as a 0/1 table indexed by value. Throws with what is wrong. */
function field(
  parts: string[],
  what: string,
  min: number,
  max: number,
  names?: string[],
): Uint8Array {
  const out = new Uint8Array(max + 1);
  for (const part of parts) {
    const m = /^([^/]+)(?:\/(\d{1,2}))?$/.exec(part);
    if (!m) throw new Error(`${what}: "${part}" is not a value, range or step`);
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (step < 1) throw new Error(`${what}: a step must be at least 1`);
    let lo: number;
    let hi: number;
    if (m[1] === '*' || m[1] === '?') [lo, hi] = [min, max];
    else if (m[1]!.includes('-')) {
      const [a, b, ...rest] = m[1]!.split('-');
      if (rest.length) throw new Error(`${what}: "${m[1]}" is not a range`);
      [lo, hi] = [valueOf(a!, what, min, max, names), valueOf(b!, what, min, max, names)];
      if (lo > hi) throw new Error(`${what}: the range ${m[1]} runs backwards`);
    } else {
      lo = valueOf(m[1]!, what, min, max, names);
      hi = m[2] === undefined ? lo : max;
    }
    for (let v = lo; v <= hi; v += step) out[v] = 1;
  }
  return out;
}

/** Parses a cron expression; throws an Error that says what is wrong. */
export function parseCron(source: string): Cron {
  const trimmed = source.trim();
  const alias = ALIASES[trimmed.toLowerCase()];
  if (trimmed.startsWith('@') && !alias)
    throw new Error(`"${trimmed}" is not one of ${Object.keys(ALIASES).join(', ')}`);
  const parts = (alias ?? trimmed).split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6)
    throw new Error(`"${source}" has ${parts.length} fields; a schedule has 5 or 6`);
  if (parts.length === 5) parts.unshift('0');
  const [s, mi, h, dom, mon, dow] = parts as [string, string, string, string, string, string];
  const domParts = dom.split(',');
  const lastDom = domParts.some((p) => p.toUpperCase() === 'L');
  const domRest = domParts.filter((p) => p.toUpperCase() !== 'L');
  const lastDow = new Uint8Array(7);
  const nthDow: Array<[number, number]> = [];
  const dowRest: string[] = [];
  for (const p of dow.split(',')) {
    const last = /^(\w+)L$/i.exec(p);
    const nth = /^(\w+)#(\d+)$/.exec(p);
    if (last) lastDow[valueOf(last[1]!, 'day of week', 0, 7, DAYS) % 7] = 1;
    else if (nth) {
      const n = Number(nth[2]);
      if (n < 1 || n > 5)
        throw new Error(`day of week: "${p}" asks for week ${n} of a month (1–5)`);
      nthDow.push([valueOf(nth[1]!, 'day of week', 0, 7, DAYS) % 7, n]);
    } else dowRest.push(p);
  }
  const dowTable = field(dowRest, 'day of week', 0, 7, DAYS);
  if (dowTable[7]) dowTable[0] = 1;
  const hour = field(h.split(','), 'hour', 0, 23);
  const star = (f: string) => f.startsWith('*') || f.startsWith('?');
  return {
    source,
    second: field(s.split(','), 'second', 0, 59),
    minute: field(mi.split(','), 'minute', 0, 59),
    hour,
    dom: field(domRest, 'day of month', 1, 31),
    lastDom,
    month: field(mon.split(','), 'month', 1, 12, MONTHS),
    dow: dowTable,
    lastDow,
    nthDow,
    dayStar: star(dom) || star(dow),
    // Every hour of the day, however written (`*`, `*/1`, `0-23`): by real time.
    everyHour: hour.every((v) => v === 1),
  };
}

export function isValidCron(source: string): boolean {
  try {
    parseCron(source);
    return true;
  } catch {
    return false;
  }
}

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function dayMatches(c: Cron, f: WallFields): boolean {
  const daysInMonth = new Date(Date.UTC(f.year, f.month, 0)).getUTCDate();
  const dom = c.dom[f.day] === 1 || (c.lastDom && f.day === daysInMonth);
  const dow =
    c.dow[f.weekday] === 1 ||
    (c.lastDow[f.weekday] === 1 && f.day + 7 > daysInMonth) ||
    c.nthDow.some(([w, n]) => w === f.weekday && Math.ceil(f.day / 7) === n);
  return c.dayStar ? dom && dow : dom || dow;
}

/** The first wall time at or after `wall` (ms, whole seconds) that matches, within 8 years. */
function nextWall(c: Cron, wall: number): number | undefined {
  const limit = wall + 8 * 366 * 24 * HOUR;
  let t = wall;
  while (t < limit) {
    const f = wallFields(t);
    if (!c.month[f.month]) t = Date.UTC(f.year, f.month, 1);
    else if (!dayMatches(c, f)) t = Date.UTC(f.year, f.month - 1, f.day + 1);
    else if (!c.hour[f.hour]) t = Date.UTC(f.year, f.month - 1, f.day, f.hour + 1);
    else if (!c.minute[f.minute]) t = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute + 1);
    else if (!c.second[f.second]) t += SEC;
    else return t;
  }
  return undefined;
}

/** The first instant after `afterMs` the expression fires at in the zone, if any within 8 years. */
export function nextCronRun(c: Cron, zone: TimeZone, afterMs: number): number | undefined {
  const t = Math.floor(afterMs / SEC) * SEC + SEC;
  return c.everyHour ? byRealTime(c, zone, t) : byWallTime(c, zone, t);
}

/** Every hour: wall times at the offset in force, up to the next change of offset, and so on. */
function byRealTime(c: Cron, zone: TimeZone, from: number): number | undefined {
  let t = from;
  for (let changes = 0; changes < 100; changes++) {
    const off = zone.offsetAt(t);
    const wall = nextWall(c, t + off);
    if (wall === undefined) return undefined;
    const change = zone.nextChange(t);
    if (change === undefined || wall - off < change) return wall - off;
    t = change;
  }
  return undefined;
}

/**
 * A fixed hour: the earliest instant at or after `t` of a matching wall time. The search starts
 * at the wall time read with the offset before a change just past, so that a time the clock
 * skipped a moment ago (02:30, fired at 03:30) is still found; and since a skipped time lands
 * later than the wall times after it, it goes on while a later wall time could still be earlier.
 * A repeated wall time whose first instant has passed fired then (or was missed then), so not
 * again at the second.
 */
function byWallTime(c: Cron, zone: TimeZone, t: number): number | undefined {
  let wall = t + Math.min(zone.offsetAt(t), zone.offsetAt(t - DAY));
  let best: number | undefined;
  let bound = Infinity;
  for (;;) {
    const next = nextWall(c, wall);
    if (next === undefined || next > bound) return best;
    const at = zone.instantOf(next);
    if (at >= t && (best === undefined || at < best)) {
      best = at;
      // No wall time later than this can happen before `best`.
      bound =
        best + Math.max(zone.offsetAt(best - DAY), zone.offsetAt(best), zone.offsetAt(best + DAY));
    }
    wall = next + SEC;
  }
}
