import type { MetricName } from '../monitor/types.js';
import type { StringPool } from '../lib/string-pool.js';

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

/** The stored form of a device's series index (JSON in `metrics-meta`). */
export interface SeriesIndexJson {
  deviceId: string;
  next: number;
  cols: SeriesColumn[];
}

const SOURCES: readonly MetricSource[] = ['reach', 'snmp', 'svc'];

/**
 * The series of one device in typed arrays indexed by column number, with one open-addressing
 * hash table (an Int32Array of column + 1) from (metric, instance) to column. About 40 bytes a
 * series instead of an object, a label and a lookup key each, and no Map per metric (a
 * 1,000-device site has some 330,000 series in 15,000 (device, metric) pairs, all polled every
 * minute: the Maps alone held about 12 MiB).
 */
export class DeviceSeries {
  next = 0;
  private metric = new Uint16Array(16);
  private source = new Uint8Array(16);
  private first = new Float64Array(16);
  private instance: string[] = [];
  private label: Array<string | undefined> = [];
  /** (metric id, instance) → column + 1 (0: empty), linear probing, at most half full. */
  private slots = new Int32Array(16);
  private filled = 0;

  constructor(
    readonly deviceId: string,
    private readonly pool: StringPool,
  ) {}

  static fromJson(json: SeriesIndexJson, pool: StringPool): DeviceSeries {
    const d = new DeviceSeries(json.deviceId, pool);
    for (const c of json.cols) d.put(c.c, c.metric, c.instance, c.source, c.first, c.label);
    d.next = Math.max(d.next, json.next);
    return d;
  }

  toJson(): SeriesIndexJson {
    return { deviceId: this.deviceId, next: this.next, cols: this.cols() };
  }

  clone(): DeviceSeries {
    return DeviceSeries.fromJson(this.toJson(), this.pool);
  }

  /** The column of (metric, instance), or -1. */
  find(metric: string, instance: string): number {
    const id = this.pool.peekId(metric);
    if (id === undefined) return -1;
    const i = this.slotOf(id, instance);
    return this.slots[i]! - 1;
  }

  /**
   * Instance → column of one metric, made on each call by a pass over the columns (for the
   * /metrics builder and charts, not the poll path); undefined when the device has none.
   */
  instancesOf(metric: string): ReadonlyMap<string, number> | undefined {
    const id = this.pool.peekId(metric);
    if (id === undefined) return undefined;
    let out: Map<string, number> | undefined;
    for (let c = 0; c < this.instance.length; c++)
      if (this.metric[c] === id && this.instance[c] !== undefined)
        (out ??= new Map()).set(this.instance[c]!, c);
    return out;
  }

  labelOf(c: number): string | undefined {
    return this.label[c];
  }

  setLabel(c: number, label: string): void {
    this.label[c] = this.pool.intern(label);
  }

  /** Adds a series; returns its column. */
  add(metric: MetricName, instance: string, source: MetricSource, firstS: number): number {
    const c = this.next;
    this.put(c, metric, instance, source, firstS, undefined);
    return c;
  }

  has(c: number): boolean {
    return c < this.instance.length && this.instance[c] !== undefined;
  }

  sourceOf(c: number): MetricSource {
    return SOURCES[this.source[c]!]!;
  }

  firstOf(c: number): number {
    return this.first[c]!;
  }

  col(c: number): SeriesColumn | undefined {
    if (!this.has(c)) return undefined;
    const label = this.label[c];
    return {
      c,
      metric: this.pool.nameOf(this.metric[c]!) as MetricName,
      instance: this.instance[c]!,
      source: this.sourceOf(c),
      ...(label !== undefined ? { label } : {}),
      first: this.first[c]!,
    };
  }

  /** Every series, in column order (built on demand: for listing, sealing and rollups). */
  cols(filter?: (c: number) => boolean): SeriesColumn[] {
    const out: SeriesColumn[] = [];
    for (let c = 0; c < this.instance.length; c++)
      if (this.has(c) && (!filter || filter(c))) out.push(this.col(c)!);
    return out;
  }

  get size(): number {
    let n = 0;
    for (let c = 0; c < this.instance.length; c++) if (this.has(c)) n += 1;
    return n;
  }

  private put(
    c: number,
    metric: string,
    instance: string,
    source: MetricSource,
    firstS: number,
    label: string | undefined,
  ): void {
    this.ensure(c + 1);
    const id = this.pool.idOf(metric);
    const inst = this.pool.intern(instance);
    this.metric[c] = id;
    this.source[c] = Math.max(0, SOURCES.indexOf(source));
    this.first[c] = firstS;
    this.instance[c] = inst;
    this.label[c] = label === undefined ? undefined : this.pool.intern(label);
    if ((this.filled + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    const i = this.slotOf(id, inst);
    if (this.slots[i] === 0) this.filled += 1;
    // A later column for the same (metric, instance) wins, as the lookup always did.
    this.slots[i] = c + 1;
    this.next = Math.max(this.next, c + 1);
  }

  /** FNV-1a over the metric id and the instance's UTF-16 units. */
  private static hash(id: number, inst: string): number {
    let h = Math.imul(0x811c9dc5 ^ id, 0x01000193);
    for (let i = 0; i < inst.length; i++) h = Math.imul(h ^ inst.charCodeAt(i), 0x01000193);
    return h >>> 0;
  }

  /** The slot that holds (id, inst), or the empty slot where it would go. */
  private slotOf(id: number, inst: string): number {
    const mask = this.slots.length - 1;
    for (let i = DeviceSeries.hash(id, inst) & mask; ; i = (i + 1) & mask) {
      const s = this.slots[i]!;
      if (s === 0) return i;
      if (this.metric[s - 1] === id && this.instance[s - 1] === inst) return i;
    }
  }

  private rehash(size: number): void {
    const old = this.slots;
    this.slots = new Int32Array(size);
    for (const s of old)
      if (s !== 0) this.slots[this.slotOf(this.metric[s - 1]!, this.instance[s - 1]!)] = s;
  }

  private ensure(size: number): void {
    if (size <= this.metric.length) return;
    const n = Math.max(size, this.metric.length * 2);
    const metric = new Uint16Array(n);
    metric.set(this.metric);
    const source = new Uint8Array(n);
    source.set(this.source);
    const first = new Float64Array(n);
    first.set(this.first);
    this.metric = metric;
    this.source = source;
    this.first = first;
  }
}
