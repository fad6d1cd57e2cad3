import type { MetricName } from '../monitor/types.js';
import type { StringPool } from '../lib/string-pool.js';
import { grown } from '../lib/grow.js';
import { ByteReader, putVaruint, unzigzag, zigzag } from './byte-codec.js';

/** Where a device's values come from; each source polls on its own clock. */
export type MetricSource = 'reach' | 'snmp' | 'svc';

/** One series of a device as callers see it (built on demand from the compact index). */
export interface SeriesColumn {
  /** Column number, unique within the device and never reused. */
  c: number;
  metric: MetricName;
  instance: string;
  source: MetricSource;
  label?: string;
  /** First sample (seconds). */
  first: number;
}

/**
 * The stored form of a device's series index until 2026-11-28 (JSON; still read): by column,
 * each string once in `strings` and referred to by position (`l`: -1 for no label). `cols`, an
 * object per series, is the form before that.
 */
export interface SeriesIndexJson {
  deviceId: string;
  next: number;
  strings?: string[];
  /** column numbers */
  c?: number[];
  /** metric, instance and label: positions in `strings` */
  m?: number[];
  i?: number[];
  l?: number[];
  /** source: position in SOURCES */
  s?: number[];
  /** first sample (seconds) */
  f?: number[];
  cols?: SeriesColumn[];
}

/**
 * The stored form since 2026-11-28 (`encode`), bytes in `metrics-series` keyed by device:
 *
 *   02              marker (a JSON record starts with "{")
 *   varuint next    the next column number to give out
 *   varuint k, then k strings, each a varuint byte length and its UTF-8: every metric, instance
 *                   and label the columns name, once
 *   varuint n, then n columns in ascending order, each five varuints:
 *                     column − (previous column + 1), the first against −1
 *                     metric's string << 2 | source (its position in SOURCES)
 *                     instance's string
 *                     label's string + 1 (0: no label)
 *                     zigzag(first sample − the previous column's), in seconds, the first against 0
 *
 * About 7 bytes a series instead of JSON's 30, written straight from the typed arrays: a
 * 1,000-device site rewrites every index when the rates' series first appear (the second poll),
 * and as JSON that was some 15 MiB of arrays and strings for the collector in one cycle.
 * Decoding never throws: damage reads as the columns before it (see decode). Strings are stored
 * as UTF-8, so a lone surrogate (never from SNMP, whose text is decoded from UTF-8) reads back as
 * U+FFFD, and its series is taken for a new one after a restart.
 */
const STORED_V2 = 0x02;

/**
 * Beyond any device (a stack of switches has a few thousand series): a column at or past it, or a
 * `next` past it, is damage. A device's arrays cost 14 bytes a column up to its highest, so a
 * damaged number can cost at most some 14 MiB.
 */
export const MAX_COLUMNS = 1 << 20;

/** A column number that can be real. */
const isColumn = (c: unknown): c is number =>
  Number.isInteger(c) && (c as number) >= 0 && (c as number) < MAX_COLUMNS;
/** A `next` that can be real. */
const isNext = (n: unknown): n is number =>
  Number.isInteger(n) && (n as number) >= 0 && (n as number) <= MAX_COLUMNS;

/** Stored strings as they were written: a leading U+FEFF is part of the string, not a BOM. */
const UTF8 = new TextDecoder('utf-8', { ignoreBOM: true });

export const SOURCES: readonly MetricSource[] = ['reach', 'snmp', 'svc'];

/** Metric names by number, for every device: a few dozen, so a series' metric takes 16 bits. */
const metricNames: string[] = [];
const metricIds = new Map<string, number>();
/** Metric numbers take the low 14 bits of a column's kind, its source the top 2. */
const METRIC_BITS = 14;
const METRIC_MASK = (1 << METRIC_BITS) - 1;

/**
 * What a metric name looks like ("if.in_bps"): a stored index naming anything else is damaged, and
 * its column is left out rather than taking a number in the table for good. Names this version
 * does not know (written by a newer one) are kept.
 */
const METRIC_NAME = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;

function metricId(name: string): number | undefined {
  let id = metricIds.get(name);
  if (id === undefined && metricNames.length <= METRIC_MASK) {
    id = metricNames.length;
    metricNames.push(JSON.parse(JSON.stringify(name)) as string);
    metricIds.set(metricNames[id]!, id);
  }
  return id;
}

/**
 * The series of one device in three typed arrays indexed by column number: instance and label are
 * numbers from the store's StringPool and the metric one of metricId's, so that a series costs
 * some 17 bytes (with its slot in an open-addressing hash table of column + 1, from (metric,
 * instance) to column) and no heap object; a device, three typed arrays (each one costs some
 * 300 bytes beside its contents). A 1,000-device site has some 330,000 series, all polled every minute: as
 * objects with Maps per metric they held about 12 MiB, as arrays of strings about 16 MiB.
 */
export class DeviceSeries {
  next = 0;
  /** Per column: the number of its metric's name (see metricId) | its source's << 14. */
  private kinds = new Uint16Array(0);
  /**
   * Per column c, at 3c: the pool id of its instance (-1: no such column), at 3c + 1 the pool id
   * of its label (-1: none), at 3c + 2 its first sample in seconds (as unsigned 32 bits: they
   * last until 2106).
   */
  private parts = new Int32Array(0);
  /**
   * (metric id, instance id) → column + 1 (0: empty), linear probing, at most 70 % full; 16 bits
   * a slot until a device has 65,535 columns.
   */
  private slots: Uint16Array | Int32Array = new Uint16Array(16);
  private filled = 0;

  /** `room`: columns to make room for at once (see reserve). */
  constructor(
    readonly deviceId: string,
    private readonly pool: StringPool,
    room = 0,
  ) {
    this.reserve(room);
  }

  /**
   * Reads either stored form. Columns whose parts are missing or out of range are left out
   * rather than failing the whole store's start.
   */
  static fromJson(json: SeriesIndexJson, pool: StringPool): DeviceSeries {
    const d = new DeviceSeries(json.deviceId, pool);
    const str = (x: unknown): x is string => typeof x === 'string';
    // Each column checked first, the arrays sized to the highest one kept.
    const keep: SeriesColumn[] = [];
    if (Array.isArray(json.cols)) {
      for (const c of json.cols as unknown[]) {
        const x = c as Partial<SeriesColumn> | null;
        if (!x || !isColumn(x.c) || !str(x.metric) || !METRIC_NAME.test(x.metric)) continue;
        if (!str(x.instance) || (x.label !== undefined && !str(x.label))) continue;
        keep.push(x as SeriesColumn);
      }
    } else {
      const { strings = [], c = [], m = [], i = [], l = [], s = [], f = [] } = json;
      const at = (k: unknown) =>
        Number.isInteger(k) ? (strings as unknown[])[k as number] : undefined;
      c.forEach((col, k) => {
        const metric = at(m[k]);
        const instance = at(i[k]);
        const labelled = Number.isInteger(l[k]) && l[k] !== -1;
        const label = labelled ? at(l[k]) : undefined;
        const source = SOURCES[s[k]!];
        if (!isColumn(col) || !str(metric) || !METRIC_NAME.test(metric)) return;
        if (!str(instance) || source === undefined || (labelled && !str(label))) return;
        const first = Number.isFinite(f[k]) ? f[k]! : 0;
        keep.push({
          c: col,
          metric: metric as MetricName,
          instance,
          source,
          label: str(label) ? label : undefined,
          first,
        });
      });
    }
    d.ensure(keep.reduce((n, x) => Math.max(n, x.c + 1), 0));
    for (const x of keep) d.put(x.c, x.metric, x.instance, x.source, x.first, x.label);
    if (isNext(json.next)) d.next = Math.max(d.next, json.next);
    return d;
  }

  /** What the store keeps (format above): one Uint8Array, no intermediate objects. */
  encode(): Uint8Array {
    const strings: string[] = [];
    const refs = new Map<string, number>();
    const ref = (name: string) => {
      let k = refs.get(name);
      if (k === undefined) {
        refs.set(name, (k = strings.length));
        strings.push(name);
      }
      return k;
    };
    // Per column its refs, found first so that the strings come before the columns.
    const n = this.size;
    const cols = new Int32Array(n * 3);
    let j = 0;
    for (let c = 0; c < this.kinds.length; c++) {
      if (!this.has(c)) continue;
      cols[j++] = ref(metricNames[this.metricOf(c)]!);
      cols[j++] = ref(this.pool.nameOf(this.instanceOf(c)));
      const label = this.parts[3 * c + 1]!;
      cols[j++] = label === -1 ? -1 : ref(this.pool.nameOf(label));
    }
    const utf8 = strings.map((x) => Buffer.from(x, 'utf8'));
    // marker, next, counts: 3 × 8; a string's length 8; a column's five varuints at most 8 each
    const most = 25 + utf8.reduce((b, x) => b + 8 + x.length, 0) + n * 40;
    const buf = Buffer.allocUnsafe(most);
    buf[0] = STORED_V2;
    let o = putVaruint(buf, 1, this.next);
    o = putVaruint(buf, o, strings.length);
    for (const x of utf8) {
      o = putVaruint(buf, o, x.length);
      buf.set(x, o);
      o += x.length;
    }
    o = putVaruint(buf, o, n);
    let prev = -1;
    let prevFirst = 0;
    j = 0;
    for (let c = 0; c < this.kinds.length; c++) {
      if (!this.has(c)) continue;
      o = putVaruint(buf, o, c - (prev + 1));
      o = putVaruint(buf, o, cols[j++]! * 4 + (this.kinds[c]! >> METRIC_BITS));
      o = putVaruint(buf, o, cols[j++]!);
      o = putVaruint(buf, o, cols[j++]! + 1);
      const first = this.firstOf(c);
      o = putVaruint(buf, o, zigzag(first - prevFirst));
      prev = c;
      prevFirst = first;
    }
    // A copy of the bytes used: the store keeps the record until the batch is written.
    return Buffer.from(buf.subarray(0, o));
  }

  /**
   * Reads what `encode` wrote; undefined when its marker, `next` or strings are damaged (the
   * columns cannot be told apart then, nor where new ones may start). Never throws. Columns cut
   * short read as those before the cut; a column naming a string that is not there, a metric
   * that is not a metric name or a source that does not exist is left out (its number stays
   * used: `next` comes first).
   */
  private static decode(
    deviceId: string,
    buf: Uint8Array,
    pool: StringPool,
  ): DeviceSeries | undefined {
    if (buf[0] !== STORED_V2) return undefined;
    const r = new ByteReader(buf, 1);
    const next = r.varuint();
    const k = r.varuint();
    // every string takes a byte at least (its length)
    if (!isNext(next) || k < 0 || k > r.left) return undefined;
    const strings: string[] = [];
    for (let i = 0; i < k; i++) {
      const bytes = r.bytes(r.varuint());
      if (!bytes) return undefined;
      strings.push(UTF8.decode(bytes));
    }
    const d = new DeviceSeries(deviceId, pool);
    // every column takes five bytes at least
    const n = Math.max(0, Math.min(r.varuint(), Math.floor(r.left / 5)));
    // Columns read and checked first, then put once the arrays have the size of the highest
    // one kept: c, metric << 2 | source, instance, label + 1 (0: none), first.
    const cols = new Float64Array(n * 5);
    let prev = -1;
    let got = 0;
    let top = -1;
    for (let i = 0, first = 0; i < n; i++) {
      const gap = r.varuint();
      const ms = r.varuint();
      const inst = r.varuint();
      const label = r.varuint();
      const z = r.varuint();
      // z is read last: when it was read, so was the rest of the column
      if (z < 0 || prev + 1 + gap >= MAX_COLUMNS) break;
      prev += 1 + gap;
      first += unzigzag(z);
      const metric = strings[Math.floor(ms / 4)];
      if (metric === undefined || !METRIC_NAME.test(metric) || SOURCES[ms % 4] === undefined)
        continue;
      if (strings[inst] === undefined || (label !== 0 && strings[label - 1] === undefined))
        continue;
      const at = 5 * got++;
      cols[at] = top = prev;
      cols[at + 1] = ms;
      cols[at + 2] = inst;
      cols[at + 3] = label;
      cols[at + 4] = first;
    }
    d.ensure(top + 1);
    for (let at = 0; at < 5 * got; at += 5) {
      const ms = cols[at + 1]!;
      const label = cols[at + 3]!;
      d.put(
        cols[at]!,
        strings[Math.floor(ms / 4)]!,
        strings[cols[at + 2]!]!,
        SOURCES[ms % 4]!,
        cols[at + 4]!,
        label === 0 ? undefined : strings[label - 1],
      );
    }
    d.next = Math.max(d.next, next);
    return d;
  }

  /**
   * A stored index of either form: `encode`'s bytes, or JSON (what versions before 2026-11-28
   * wrote). Undefined when it cannot be read (damage): the store then restarts the device's
   * index after every column its data holds.
   */
  static fromStored(
    deviceId: string,
    value: Uint8Array,
    pool: StringPool,
  ): DeviceSeries | undefined {
    if (value[0] === STORED_V2) return DeviceSeries.decode(deviceId, value, pool);
    try {
      const json = JSON.parse(UTF8.decode(value)) as SeriesIndexJson;
      // without its next column number, new series could take the numbers of old ones
      const next = (json as Partial<SeriesIndexJson> | null)?.next;
      if (!isNext(next)) return undefined;
      return DeviceSeries.fromJson({ ...json, deviceId }, pool);
    } catch {
      return undefined;
    }
  }

  /** A copy to change while this one is still in use (copy on write before a commit). */
  clone(room = 0): DeviceSeries {
    const d = new DeviceSeries(this.deviceId, this.pool);
    d.next = this.next;
    d.kinds = this.kinds.slice();
    d.parts = this.parts.slice();
    d.slots = this.slots.slice();
    d.filled = this.filled;
    d.reserve(room);
    return d;
  }

  /**
   * Makes room for `more` columns after the last one at once (the arrays and the hash table),
   * rather than growing step by step as they are added.
   */
  reserve(more: number): void {
    if (more <= 0) return;
    this.ensure(this.next + more);
    let size = this.slots.length;
    while ((this.filled + more) * 10 > size * 7) size *= 2;
    if (size > this.slots.length) this.rehash(size);
  }

  /** The column of (metric, instance), or -1. */
  find(metric: string, instance: string): number {
    const id = metricIds.get(metric);
    const inst = this.pool.peekId(instance);
    if (id === undefined || inst === undefined) return -1;
    return this.slots[this.slotOf(id, inst)]! - 1;
  }

  /**
   * Instance → column of one metric, made on each call by a pass over the columns (for the
   * /metrics builder and charts, not the poll path); undefined when the device has none.
   */
  instancesOf(metric: string): ReadonlyMap<string, number> | undefined {
    const id = metricIds.get(metric);
    if (id === undefined) return undefined;
    let out: Map<string, number> | undefined;
    for (let c = 0; c < this.kinds.length; c++)
      if (this.metricOf(c) === id && this.has(c))
        (out ??= new Map()).set(this.pool.nameOf(this.instanceOf(c)), c);
    return out;
  }

  labelOf(c: number): string | undefined {
    const id = c >= 0 && c < this.kinds.length ? this.parts[3 * c + 1] : undefined;
    return id === undefined || id === -1 ? undefined : this.pool.nameOf(id);
  }

  setLabel(c: number, label: string): void {
    this.parts[3 * c + 1] = this.pool.idOf(label);
  }

  /** Adds a series; returns its column, or -1 when the metric's name cannot be numbered. */
  add(metric: MetricName, instance: string, source: MetricSource, firstS: number): number {
    const c = this.next;
    return this.put(c, metric, instance, source, firstS, undefined) ? c : -1;
  }

  has(c: number): boolean {
    return c >= 0 && c < this.kinds.length && this.parts[3 * c] !== -1;
  }

  sourceOf(c: number): MetricSource {
    return SOURCES[this.kinds[c]! >> METRIC_BITS]!;
  }

  firstOf(c: number): number {
    return this.parts[3 * c + 2]! >>> 0;
  }

  col(c: number): SeriesColumn | undefined {
    if (!this.has(c)) return undefined;
    const label = this.labelOf(c);
    return {
      c,
      metric: metricNames[this.metricOf(c)] as MetricName,
      instance: this.pool.nameOf(this.instanceOf(c)),
      source: this.sourceOf(c),
      ...(label !== undefined ? { label } : {}),
      first: this.firstOf(c),
    };
  }

  /** Every series, in column order (built on demand: for listing, sealing and rollups). */
  cols(filter?: (c: number) => boolean): SeriesColumn[] {
    const out: SeriesColumn[] = [];
    for (let c = 0; c < this.kinds.length; c++)
      if (this.has(c) && (!filter || filter(c))) out.push(this.col(c)!);
    return out;
  }

  get size(): number {
    let n = 0;
    for (let c = 0; c < this.kinds.length; c++) if (this.has(c)) n += 1;
    return n;
  }

  private put(
    c: number,
    metric: string,
    instance: string,
    source: MetricSource,
    firstS: number,
    label: string | undefined,
  ): boolean {
    const id = metricId(metric);
    // Beyond 16,384 distinct metric names (never: this version has a few dozen) a series is left
    // out, and add() says so.
    if (id === undefined) return false;
    this.ensure(c + 1);
    const inst = this.pool.idOf(instance);
    this.kinds[c] = id | (Math.max(0, SOURCES.indexOf(source)) << METRIC_BITS);
    this.parts[3 * c] = inst;
    this.parts[3 * c + 1] = label === undefined ? -1 : this.pool.idOf(label);
    this.parts[3 * c + 2] = Math.max(0, Math.min(firstS, 0xffffffff)) | 0;
    if ((this.filled + 1) * 10 > this.slots.length * 7) this.rehash(this.slots.length * 2);
    else if (c + 1 > 0xffff && this.slots instanceof Uint16Array) this.rehash(this.slots.length);
    const i = this.slotOf(id, inst);
    if (this.slots[i] === 0) this.filled += 1;
    // A later column for the same (metric, instance) wins, as the lookup always did.
    this.slots[i] = c + 1;
    this.next = Math.max(this.next, c + 1);
    return true;
  }

  /** A mix of the two ids (the multiplicative hash of their pair). */
  private static hash(id: number, inst: number): number {
    return (Math.imul(id, 0x9e3779b1) ^ Math.imul(inst + 0x7f4a7c15, 0x85ebca6b)) >>> 0;
  }

  /** The slot that holds (id, inst), or the empty slot where it would go. */
  private slotOf(id: number, inst: number): number {
    const mask = this.slots.length - 1;
    let h = DeviceSeries.hash(id, inst);
    h ^= h >>> 15;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = this.slots[i]!;
      if (s === 0) return i;
      if (this.metricOf(s - 1) === id && this.instanceOf(s - 1) === inst) return i;
    }
  }

  private rehash(size: number): void {
    const old = this.slots;
    this.slots =
      this.next >= 0xffff || this.kinds.length > 0xffff
        ? new Int32Array(size)
        : new Uint16Array(size);
    for (const s of old)
      if (s !== 0) this.slots[this.slotOf(this.metricOf(s - 1), this.instanceOf(s - 1))] = s;
  }

  private ensure(size: number): void {
    if (size <= this.kinds.length) return;
    const had = this.kinds.length;
    this.kinds = grown(this.kinds, size);
    const parts = new Int32Array(this.kinds.length * 3);
    parts.set(this.parts);
    // new columns: no instance (absent), no label, first 0
    for (let c = had; c < this.kinds.length; c++) parts[3 * c] = parts[3 * c + 1] = -1;
    this.parts = parts;
  }

  private metricOf(c: number): number {
    return this.kinds[c]! & METRIC_MASK;
  }

  private instanceOf(c: number): number {
    return this.parts[3 * c]!;
  }
}
