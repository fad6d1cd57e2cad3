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
 * The series of one device in typed arrays indexed by column number, with a lookup per metric
 * from instance to column. About 40 bytes a series instead of an object, a label and a lookup key
 * each (a 1,000-device site has some 330,000 series, all polled every minute).
 */
export class DeviceSeries {
  next = 0;
  private metric = new Uint16Array(16);
  private source = new Uint8Array(16);
  private first = new Float64Array(16);
  private instance: string[] = [];
  private label: Array<string | undefined> = [];
  /** Per metric id: instance → column. */
  private lookup: Array<Map<string, number> | undefined> = [];

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
    return this.lookup[id]?.get(instance) ?? -1;
  }

  /** Instance → column of one metric (read-only; undefined when the device has none). */
  instancesOf(metric: string): ReadonlyMap<string, number> | undefined {
    const id = this.pool.peekId(metric);
    return id === undefined ? undefined : this.lookup[id];
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
    let m = this.lookup[id];
    if (!m) this.lookup[id] = m = new Map();
    m.set(inst, c);
    this.next = Math.max(this.next, c + 1);
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
