import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

/**
 * Time zones from the system's tz database (`/usr/share/zoneinfo`, Debian's `tzdata`, updated by
 * apt with the rest of the box), read from its TZif files (RFC 8536) instead of through ICU:
 * `Intl.DateTimeFormat` maps some 6 MiB of ICU's calendar and locale data into the process on
 * first use, a third of what the appliance's own work needs, for what a few hundred bytes of
 * transitions and one POSIX TZ rule answer. Offsets are in milliseconds east of UTC; a "wall"
 * time is the local date and time written as if it were UTC (`Date.UTC(y, m - 1, d, hh, mm, ss)`).
 */

const MS = 1000;
const DAY = 86_400_000;

/** The local calendar fields of an instant; month 1–12, weekday 0 (Sunday) to 6. */
export interface WallFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

/** A POSIX TZ rule (the TZif footer): what applies after the last listed transition. */
interface PosixRule {
  std: number;
  dst?: { offset: number; start: RuleDate; end: RuleDate };
}
type RuleDate =
  | { kind: 'M'; month: number; week: number; weekday: number; time: number }
  | {
      kind: 'J' | 'N';
      day: number;
      time: number;
    };

export class TimeZone {
  private constructor(
    readonly name: string,
    /** Transition instants (ms), ascending; `offsets[i]` applies from `at[i]`. */
    private readonly at: Float64Array,
    private readonly offsets: Int32Array,
    /** Before the first transition (local time type 0). */
    private readonly initial: number,
    private readonly rule: PosixRule | undefined,
  ) {}

  static fixed(name: string, offsetMs: number): TimeZone {
    return new TimeZone(name, new Float64Array(0), new Int32Array(0), offsetMs, {
      std: offsetMs,
    });
  }

  /** A zone given by a POSIX TZ rule alone ("CET-1CEST,M3.5.0,M10.5.0/3"). */
  static fromPosixTz(name: string, rule: string): TimeZone {
    const r = parsePosixTz(rule);
    return new TimeZone(name, new Float64Array(0), new Int32Array(0), r.std, r);
  }

  /** Parses a TZif file (version 1 to 4). Throws on anything that is not one. */
  static fromTzif(name: string, buf: Buffer): TimeZone {
    const header = (at: number) => {
      if (buf.length < at + 44 || buf.toString('latin1', at, at + 4) !== 'TZif')
        throw new Error(`${name} is not a TZif file`);
      const n = (k: number) => buf.readUInt32BE(at + 20 + 4 * k);
      return {
        version: buf[at + 4]!,
        isut: n(0),
        isstd: n(1),
        leap: n(2),
        time: n(3),
        type: n(4),
        char: n(5),
      };
    };
    const h1 = header(0);
    const v1Size = h1.time * 5 + h1.type * 6 + h1.char + h1.leap * 8 + h1.isstd + h1.isut;
    let h = h1;
    let at = 44;
    let timeSize = 4;
    if (h1.version >= 0x32) {
      // Version 2+: a second header and data block with 64-bit times, then the footer.
      h = header(44 + v1Size);
      at = 44 + v1Size + 44;
      timeSize = 8;
    }
    const dataSize =
      h.time * (timeSize + 1) + h.type * 6 + h.char + h.leap * (timeSize + 4) + h.isstd + h.isut;
    if (h.type === 0 || buf.length < at + dataSize) throw new Error(`${name}: truncated TZif data`);
    const typesAt = at + h.time * (timeSize + 1);
    const typeOffset = (i: number) => {
      if (i >= h.type) throw new Error(`${name}: bad local time type ${i}`);
      return buf.readInt32BE(typesAt + i * 6) * MS;
    };
    const times = new Float64Array(h.time);
    const offsets = new Int32Array(h.time);
    for (let i = 0; i < h.time; i++) {
      const t =
        timeSize === 8 ? Number(buf.readBigInt64BE(at + i * 8)) : buf.readInt32BE(at + i * 4);
      times[i] = t * MS;
      offsets[i] = typeOffset(buf[at + h.time * timeSize + i]!);
    }
    let rule: PosixRule | undefined;
    if (timeSize === 8) {
      const footerAt = at + dataSize;
      const end = buf.indexOf(0x0a, footerAt + 1);
      if (buf[footerAt] === 0x0a && end > footerAt + 1)
        rule = parsePosixTz(buf.toString('latin1', footerAt + 1, end));
    }
    return new TimeZone(name, times, offsets, typeOffset(0), rule);
  }

  /** How far the zone's wall clock is ahead of UTC at the instant `ms`. */
  offsetAt(ms: number): number {
    const n = this.at.length;
    if (n === 0) return this.rule ? ruleOffset(this.rule, ms) : this.initial;
    if (ms < this.at[0]!) return this.initial;
    if (ms >= this.at[n - 1]! && this.rule) return ruleOffset(this.rule, ms);
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.at[mid]! <= ms) lo = mid;
      else hi = mid - 1;
    }
    return this.offsets[lo]!;
  }

  /** The local time of an instant, as a wall time (ms). */
  wallOf(ms: number): number {
    return ms + this.offsetAt(ms);
  }

  fieldsOf(ms: number): WallFields {
    return wallFields(this.wallOf(ms));
  }

  /**
   * The instants a wall time happens at: one, two when the clock is set back (the first
   * first), none when it is skipped.
   */
  instantsOf(wall: number): number[] {
    const before = this.offsetAt(wall - DAY);
    const after = this.offsetAt(wall + DAY);
    const out: number[] = [];
    for (const off of before === after ? [before] : [before, after]) {
      const t = wall - off;
      if (this.offsetAt(t) === off) out.push(t);
    }
    return out.sort((a, b) => a - b);
  }

  /**
   * The instant of a wall time as Temporal's "compatible" disambiguation picks it: the first
   * of a repeated time; a skipped time is read with the offset before the change, so it lands
   * as much later as the clock jumped (02:30 on a spring-forward night is 03:30).
   */
  instantOf(wall: number): number {
    return this.instantsOf(wall)[0] ?? wall - this.offsetAt(wall - DAY);
  }

  /** The first instant after `ms` at which the offset changes, if one comes. */
  nextChange(ms: number): number | undefined {
    const n = this.at.length;
    const from = this.offsetAt(ms);
    for (let i = upperBound(this.at, ms); i < n; i++)
      if (this.offsets[i] !== (i === 0 ? this.initial : this.offsets[i - 1])) return this.at[i]!;
    const dst = this.rule?.dst;
    if (!dst) return undefined;
    const year = new Date(Math.max(ms, n ? this.at[n - 1]! : ms)).getUTCFullYear();
    for (let y = year - 1; y <= year + 2; y++) {
      for (const t of ruleChanges(this.rule!, y).sort((a, b) => a - b)) {
        if (t > ms && this.offsetAt(t) !== from) return t;
      }
    }
    return undefined;
  }
}

function upperBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function wallFields(wall: number): WallFields {
  const d = new Date(wall);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
  };
}

// ---- POSIX TZ strings (the TZif footer) ---------------------------------------------------

/** Parses e.g. "CET-1CEST,M3.5.0,M10.5.0/3" or "<+0530>-5:30". Throws on anything else. */
export function parsePosixTz(s: string): PosixRule {
  let i = 0;
  const fail = (): never => {
    throw new Error(`not a POSIX TZ rule: ${JSON.stringify(s)}`);
  };
  const name = () => {
    if (s[i] === '<') {
      const end = s.indexOf('>', i);
      if (end < 0) fail();
      i = end + 1;
    } else {
      const start = i;
      while (i < s.length && /[A-Za-z]/.test(s[i]!)) i++;
      if (i - start < 3) fail();
    }
  };
  /** [+-]hh[:mm[:ss]] in seconds (hours up to 167, as version 3 allows). */
  const hms = (): number => {
    let sign = 1;
    if (s[i] === '+' || s[i] === '-') sign = s[i++] === '-' ? -1 : 1;
    const m = /^(\d{1,3})(?::(\d{1,2}))?(?::(\d{1,2}))?/.exec(s.slice(i));
    if (!m || Number(m[1]) > 167) return fail();
    i += m[0].length;
    return sign * (Number(m[1]) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0));
  };
  const date = (): RuleDate => {
    let d: RuleDate;
    if (s[i] === 'M') {
      const m = /^M(\d{1,2})\.(\d)\.(\d)/.exec(s.slice(i));
      if (!m) return fail();
      i += m[0].length;
      d = { kind: 'M', month: Number(m[1]), week: Number(m[2]), weekday: Number(m[3]), time: 0 };
      if (d.month < 1 || d.month > 12 || d.week < 1 || d.week > 5 || d.weekday > 6) fail();
    } else {
      const julian = s[i] === 'J';
      if (julian) i++;
      const m = /^\d{1,3}/.exec(s.slice(i));
      if (!m) return fail();
      i += m[0].length;
      d = { kind: julian ? 'J' : 'N', day: Number(m[0]), time: 0 };
      if (julian ? d.day < 1 || d.day > 365 : d.day > 365) fail();
    }
    d.time = 7200;
    if (s[i] === '/') {
      i++;
      d.time = hms();
    }
    return d;
  };
  name();
  const std = -hms() * MS;
  if (i === s.length) return { std };
  name();
  let dstOffset = std + 3600 * MS;
  if (i < s.length && s[i] !== ',') dstOffset = -hms() * MS;
  let start: RuleDate = { kind: 'M', month: 3, week: 2, weekday: 0, time: 7200 };
  let end: RuleDate = { kind: 'M', month: 11, week: 1, weekday: 0, time: 7200 };
  if (s[i] === ',') {
    i++;
    start = date();
    if (s[i++] !== ',') fail();
    end = date();
  }
  if (i !== s.length) fail();
  return { std, dst: { offset: dstOffset, start, end } };
}

/** The wall time (ms) a rule date names in a year. */
function ruleWall(d: RuleDate, year: number): number {
  let day: number;
  if (d.kind === 'M') {
    const first = Date.UTC(year, d.month - 1, 1);
    const firstWeekday = new Date(first).getUTCDay();
    const daysInMonth = new Date(Date.UTC(year, d.month, 0)).getUTCDate();
    let dom = 1 + ((d.weekday - firstWeekday + 7) % 7) + (d.week - 1) * 7;
    while (dom > daysInMonth) dom -= 7;
    day = first + (dom - 1) * DAY;
  } else {
    const leap = new Date(Date.UTC(year, 1, 29)).getUTCMonth() === 1;
    // Jn counts 1–365 and never February 29; n counts 0–365 and does.
    const index = d.kind === 'J' ? d.day - 1 + (leap && d.day >= 60 ? 1 : 0) : d.day;
    day = Date.UTC(year, 0, 1) + index * DAY;
  }
  return day + d.time * MS;
}

/** The instants daylight saving starts and ends in a year. */
function ruleChanges(rule: PosixRule, year: number): [number, number] {
  const dst = rule.dst!;
  return [ruleWall(dst.start, year) - rule.std, ruleWall(dst.end, year) - dst.offset];
}

function ruleOffset(rule: PosixRule, ms: number): number {
  if (!rule.dst) return rule.std;
  // The latest change at or before `ms`, looking a year either side: a change near New Year
  // may belong to the year before or after the one `ms` falls in.
  const year = new Date(ms).getUTCFullYear();
  let latest = -Infinity;
  let offset = rule.std;
  for (let y = year - 1; y <= year + 1; y++) {
    const [start, end] = ruleChanges(rule, y);
    // A rule in daylight time all year ends a year where the next begins: the start wins.
    if (end <= ms && end > latest) [latest, offset] = [end, rule.std];
    if (start <= ms && start >= latest) [latest, offset] = [start, rule.dst.offset];
  }
  return offset;
}

// ---- loading -------------------------------------------------------------------------------

const ZONE_NAME = /^[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+)*$/;
/**
 * Entries of the tz directory that are not zones to offer: copies (`posix/`), zones counting
 * leap seconds (`right/`, which this reader does not apply), and files that are not zones.
 */
const NOT_ZONES = new Set(['posix', 'right', 'posixrules', 'localtime', 'Factory']);
const zones = new Map<string, TimeZone>();
const unknown = new Map<string, Error>();
export const UTC = TimeZone.fixed('UTC', 0);

function zoneDir(): string {
  return process.env.TZDIR || '/usr/share/zoneinfo';
}

/**
 * The zone with this IANA name (e.g. "Europe/Berlin"), read once from the tz database. Throws
 * an Error naming the zone when it is not one (or the box has no tz database).
 */
export function timeZone(name: string): TimeZone {
  const cached = zones.get(name) ?? unknown.get(name);
  if (cached instanceof TimeZone) return cached;
  if (cached) throw cached;
  try {
    const zone = loadZone(name);
    zones.set(name, zone);
    return zone;
  } catch (err) {
    // Remembered, so that a bad setting read on every page costs no file system access; a few
    // hundred at most (the names are checked before they are stored).
    if (unknown.size < 256) unknown.set(name, err as Error);
    throw err;
  }
}

function loadZone(name: string): TimeZone {
  let zone: TimeZone;
  if (name === 'UTC' || name === 'Etc/UTC') zone = UTC;
  else {
    if (
      !ZONE_NAME.test(name) ||
      NOT_ZONES.has(name.split('/')[0]!) ||
      name.split('/').some((p) => p === '.' || p === '..')
    )
      throw new Error(`"${name}" is not a time zone name`);
    let buf: Buffer;
    try {
      buf = readFileSync(path.join(zoneDir(), name));
    } catch {
      throw new Error(`"${name}" is not a time zone in ${zoneDir()}`);
    }
    zone = TimeZone.fromTzif(name, buf);
  }
  return zone;
}

/**
 * The zone's name as the tz database spells it (`europe/berlin` → `Europe/Berlin`), or
 * undefined when there is no such zone.
 */
export function canonicalZoneName(name: string): string | undefined {
  if (isTimeZone(name)) return name;
  if (!ZONE_NAME.test(name)) return undefined;
  const parts: string[] = [];
  for (const part of name.split('/')) {
    let entries: string[];
    try {
      entries = readdirSync(path.join(zoneDir(), ...parts));
    } catch {
      return undefined;
    }
    const found = entries.find((e) => e.toLowerCase() === part.toLowerCase());
    if (!found || (parts.length === 0 && NOT_ZONES.has(found))) return undefined;
    parts.push(found);
  }
  const spelled = parts.join('/');
  return isTimeZone(spelled) ? spelled : undefined;
}

export function isTimeZone(name: string): boolean {
  try {
    timeZone(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * The box's own zone name: `TZ` when it names one, else what /etc/localtime links to (or
 * /etc/timezone says), else UTC.
 */
export function localZoneName(): string {
  const tz = process.env.TZ?.replace(/^:/, '').replace(/^posix\//, '');
  if (tz !== undefined) return tz && isTimeZone(tz) ? tz : 'UTC';
  try {
    const link = readlinkSync('/etc/localtime');
    const m = /zoneinfo\/(?:posix\/)?(.+)$/.exec(link);
    if (m && isTimeZone(m[1]!)) return m[1]!;
  } catch {
    // not a link
  }
  try {
    const name = readFileSync('/etc/timezone', 'utf8').trim();
    if (isTimeZone(name)) return name;
  } catch {
    // no such file
  }
  return 'UTC';
}

let local: TimeZone | undefined;
/** The box's own zone (read once). */
export function localZone(): TimeZone {
  return (local ??= timeZone(localZoneName()));
}
