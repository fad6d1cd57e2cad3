import type { TimeZone } from '../lib/zoneinfo.js';
import { wallFields } from '../lib/zoneinfo.js';

/**
 * Cron expressions: five fields (minute hour day-of-month month day-of-week) or six with
 * seconds first, as Vixie cron and node-schedule read them. Each field is `*`, a value, a range
 * `a-b`, a step `*\/n`, `a-b/n` or `a/n`, or a comma-separated list of those; months and weekdays
 * also by their English three-letter names, Sunday as 0 or 7. When both day fields are
 * restricted a day matches either, as in Vixie cron.
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
  readonly month: Uint8Array;
  readonly dow: Uint8Array;
  readonly domAny: boolean;
  readonly dowAny: boolean;
  readonly everyHour: boolean;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** A field's allowed values as a 0/1 table indexed by value. Throws with what is wrong. */
function field(text: string, what: string, min: number, max: number, names?: string[]): Uint8Array {
  const out = new Uint8Array(max + 1);
  const value = (s: string): number => {
    const named = names?.indexOf(s.toLowerCase()) ?? -1;
    if (named >= 0) return named + (names === MONTHS ? 1 : 0);
    if (!/^\d{1,2}$/.test(s)) throw new Error(`${what}: "${s}" is not a number`);
    const n = Number(s);
    if (n < min || n > max) throw new Error(`${what}: ${n} is outside ${min}–${max}`);
    return n;
  };
  for (const part of text.split(',')) {
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
      [lo, hi] = [value(a!), value(b!)];
      if (lo > hi) throw new Error(`${what}: the range ${m[1]} runs backwards`);
    } else {
      lo = value(m[1]!);
      hi = m[2] === undefined ? lo : max;
    }
    for (let v = lo; v <= hi; v += step) out[v] = 1;
  }
  return out;
}

/** Parses a cron expression; throws an Error that says what is wrong. */
export function parseCron(source: string): Cron {
  const parts = source.trim().split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6)
    throw new Error(`"${source}" has ${parts.length} fields; a schedule has 5 or 6`);
  if (parts.length === 5) parts.unshift('0');
  const [s, mi, h, dom, mon, dow] = parts as [string, string, string, string, string, string];
  const dowTable = field(dow, 'day of week', 0, 7, DAYS);
  if (dowTable[7]) dowTable[0] = 1;
  return {
    source,
    second: field(s, 'second', 0, 59),
    minute: field(mi, 'minute', 0, 59),
    hour: field(h, 'hour', 0, 23),
    dom: field(dom, 'day of month', 1, 31),
    month: field(mon, 'month', 1, 12, MONTHS),
    dow: dowTable,
    domAny: dom === '*' || dom === '?',
    dowAny: dow === '*' || dow === '?',
    everyHour: h === '*',
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

function dayMatches(c: Cron, day: number, weekday: number): boolean {
  if (c.domAny) return c.dowAny || c.dow[weekday] === 1;
  if (c.dowAny) return c.dom[day] === 1;
  return c.dom[day] === 1 || c.dow[weekday] === 1;
}

/** The first wall time at or after `wall` (ms, whole seconds) that matches, within 8 years. */
function nextWall(c: Cron, wall: number): number | undefined {
  const limit = wall + 8 * 366 * 24 * HOUR;
  let t = wall;
  while (t < limit) {
    const f = wallFields(t);
    if (!c.month[f.month]) t = Date.UTC(f.year, f.month, 1);
    else if (!dayMatches(c, f.day, f.weekday)) t = Date.UTC(f.year, f.month - 1, f.day + 1);
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
 * A fixed hour: the next matching wall time after the local time now. A repeated wall time whose
 * first instant has passed fired then (or was missed then), so not again at the second.
 */
function byWallTime(c: Cron, zone: TimeZone, t: number): number | undefined {
  let wall = zone.wallOf(t);
  for (;;) {
    const next = nextWall(c, wall);
    if (next === undefined) return undefined;
    const at = zone.instantOf(next);
    if (at >= t) return at;
    wall = next + SEC;
  }
}
