import type { Db } from './db.js';
import { key, pad, prefixRange, HIGH } from './keys.js';
import { Mutex } from '../lib/mutex.js';
import {
  encodeTimes,
  decodeTimes,
  encodeValues,
  decodeValues,
  encodeBuckets,
  decodeBuckets,
  quantize,
  toWord,
  fromWord,
  type Bucket,
} from './series-codec.js';
import {
  TIERS,
  tier,
  finer,
  windowStart,
  rollUp,
  sampleBucket,
  type Tier,
  type TierName,
} from '../monitor/tiers.js';
import type { Sample } from '../monitor/types.js';
import { StringPool } from '../lib/string-pool.js';
import { encodeRow, decodeRow, forEachInRow, rowValue } from './row-codec.js';
import { grown } from '../lib/grow.js';
import {
  DeviceSeries,
  MAX_COLUMNS,
  SOURCES,
  type MetricSource,
  type SeriesColumn,
} from './series-index.js';

/**
 * The time-series part of the store, in a LevelDB of its own. Layout (sublevel `metrics`, binary
 * values):
 *
 *   r!<minute>!<device>!<source>!<sec>        one row per device, source and poll: the values of
 *                                             that poll (the open hour, before it is sealed;
 *                                             encoded by row-codec)
 *   c!raw!<hour>!<device>!~<source>           time column of a sealed hour
 *   c!raw!<hour>!<device>!<col>               values of one series for that hour
 *   c!<tier>!<window>!<device>!<col>          rollup buckets (min, max, sum, count) of a window
 *
 * (sublevel `metrics-meta`, JSON) the byte usage per tier, the bytes of every stored window (to
 * evict or expire whole windows, oldest first) and how far each tier has been sealed, and
 * (sublevel `metrics-series`, bytes: DeviceSeries.encode, or JSON as written before 2026-11-28)
 * the series index of each device.
 *
 * Time comes first in every data key. A poll cycle's rows all fall in the newest minute, so the
 * tables LevelDB flushes from them overlap only that minute's tables and the one meta key a cycle
 * writes (`usage`, which sorts a few keys after the rows): LevelDB moves them down its levels
 * instead of rewriting the open hour on every flush, as it had to while rows were keyed by device
 * first (about ten bytes written for every byte stored, on a box that may run from an SD card).
 * The series indexes sort after the meta keys for the same reason. Reading one device's open hour
 * costs a seek per minute instead; the minutes that hold rows are kept in memory. Expiring or
 * evicting the oldest data is a range delete; a series' chunks are found by enumerating windows.
 *
 * Every change is one atomic batch that also carries the usage it adds or frees, and all writes
 * go through one mutex, so the usage figure that enforces the quota is exact after any crash.
 */

export type { MetricSource, SeriesColumn } from './series-index.js';

export interface MetricsUsage {
  rows: number;
  raw: number;
  '5m': number;
  '1h': number;
  '1d': number;
}

type Sealed = Partial<Record<TierName, number>>;

/** Deletes one stored window; given to code that runs while the store's write lock is held. */
export type WindowDropper = (name: TierName, windowStartS: number) => Promise<number>;

/**
 * Asked before bytes are added (a poll cycle, a sealed hour, a rollup): may free space with
 * `drop` (the lock is held) and answers whether the bytes may be written.
 */
export type RoomPolicy = (bytes: number, drop: WindowDropper) => Promise<boolean>;

const ALWAYS_ROOM: RoomPolicy = async () => true;

/** Decodes a stored chunk; a damaged one counts as missing data (a gap) instead of an error. */
function tryDecode<T>(decode: () => T, onError: () => void): T | undefined {
  try {
    return decode();
  } catch {
    onError();
    return undefined;
  }
}

/** One poll's samples of one device. */
export interface MetricsEntry {
  deviceId: string;
  source: MetricSource;
  /** Poll time in ms. */
  at: number;
  samples: readonly Sample[];
  /** Labels per `${metric}|${instance}` or per instance, when known. */
  labels?: Readonly<Record<string, string>>;
  /**
   * Or the label of a sample, looked up as it is written (used instead of `labels`): the SNMP
   * poller's hundreds of samples a device then need no `${metric}|${instance}` string each.
   */
  labelOf?: (metric: string, instance: string) => string | undefined;
}

export interface StoredPoint {
  /** Seconds since the epoch (bucket start for rollup tiers). */
  t: number;
  b: Bucket;
}

/** Where an op goes: rows and chunks (default), the meta keys, or the series indexes. */
type Part = 'meta' | 'series';
type Op =
  | { type: 'put'; key: string; value: Uint8Array; to?: undefined }
  | { type: 'del'; key: string; to?: Part }
  | { type: 'put'; key: string; value: unknown; to: Part };

const USAGE_KEY = 'usage';
const SEALED_KEY = 'sealed';
const EMPTY_USAGE: MetricsUsage = { rows: 0, raw: 0, '5m': 0, '1h': 0, '1d': 0 };
const ts = (s: number) => pad(s, 10);
const colKey = (c: number) => c.toString(36).padStart(4, '0');
const MINUTE = 60;
/** What a seek costs in rows read in order (measured: about 150 µs against 1–2 µs a row). */
const ROWS_PER_SEEK = 100;
const minuteOf = (sec: number) => sec - (sec % MINUTE);
const rowKey = (deviceId: string, source: MetricSource, sec: number) =>
  key('r', ts(minuteOf(sec)), deviceId, source, ts(sec));
// The parts of a row key r!<minute>!<device>!<source>!<sec> (minute and sec 10 digits each).
/** Where `!<device>!<source>!<sec>` starts. */
const ROW_TAIL_AT = 12;
const rowMinute = (k: string) => Number(k.slice(2, ROW_TAIL_AT));
const rowDevice = (k: string) => k.slice(ROW_TAIL_AT + 1, k.indexOf('!', ROW_TAIL_AT + 1));
const rowSource = (k: string) =>
  k.slice(k.lastIndexOf('!', k.length - 12) + 1, -11) as MetricSource;
const rowSec = (k: string) => Number(k.slice(k.lastIndexOf('!') + 1));

/**
 * The newest value of each column of a device, in one typed array: a site with a few hundred
 * thousand series keeps them in a few MB instead of as objects. Column c is at 2c (its time in
 * seconds, 0: none yet; unsigned 32 bits last until 2106) and 2c + 1 (its value as the stored
 * 32-bit word, `toWord`: what a read of the store returns, in half a Float64's room).
 */
class LatestValues {
  private tw = new Uint32Array(0);
  set(col: number, t: number, v: number): void {
    if (2 * col + 1 >= this.tw.length) this.tw = grown(this.tw, 2 * col + 2);
    this.tw[2 * col] = t;
    this.tw[2 * col + 1] = toWord(v);
  }
  get(col: number): { t: number; v: number } | undefined {
    const t = this.tw[2 * col];
    return !t ? undefined : { t, v: fromWord(this.tw[2 * col + 1]!) };
  }
  /** The value if it was written at `afterS` (seconds) or later, else NaN; allocates nothing. */
  valueSince(col: number, afterS: number): number {
    const t = this.tw[2 * col];
    return t && t >= afterS ? fromWord(this.tw[2 * col + 1]!) : Number.NaN;
  }
}

/** The latest values of one device (see MetricsStore.latest). */
export interface LatestReader {
  get(col: number): { t: number; v: number } | undefined;
  valueSince(col: number, afterS: number): number;
}

const NO_LATEST: LatestReader = { get: () => undefined, valueSince: () => Number.NaN };

export class MetricsStore {
  private readonly data;
  private readonly meta;
  private readonly series;
  /** The minutes (their first second) that hold open rows: what a device's open hour spans. */
  private readonly rowMinutes = new Set<number>();
  private readonly lock = new Mutex();
  private readonly indexes = new Map<string, DeviceSeries>();
  private readonly pool = new StringPool();
  private usageNow: MetricsUsage = { ...EMPTY_USAGE };
  private sealedNow: Sealed = {};
  private loaded = false;
  private readonly latestValues = new Map<string, LatestValues>();
  /** The newest sample time written (seconds), to keep upkeep from running ahead of the data. */
  private newestS = 0;
  /**
   * The newest open row's second per device and source, once known: found by load() or written
   * since. No row can exist at a later second, so a poll newer than that needs no read for a row
   * to merge with; only a clock that stepped back (or a device and source not known yet) costs
   * the look-up.
   */
  private readonly newestRowS = new Map<string, Partial<Record<MetricSource, number>>>();
  /** Damaged chunks met so far (read as gaps); the service logs when this grows. */
  damaged = 0;
  /** Asked before sealing or a rollup adds bytes (the quota); set by the metrics service. */
  room: RoomPolicy = ALWAYS_ROOM;
  private readonly dropLocked: WindowDropper = (n, w) => this.dropWindowLocked(n, w);

  constructor(private readonly db: Db) {
    this.data = db.sublevel<string, Uint8Array>('metrics', { valueEncoding: 'view' });
    this.meta = db.sublevel<string, unknown>('metrics-meta', { valueEncoding: 'json' });
    this.series = db.sublevel<string, Uint8Array>('metrics-series', { valueEncoding: 'view' });
  }

  /** Reads the usage, watermarks and series indexes into memory (once, before first use). */
  async load(): Promise<void> {
    if (this.loaded) return;
    await this.upgradeLayout();
    this.usageNow = {
      ...EMPTY_USAGE,
      ...((await this.meta.get(USAGE_KEY)) as MetricsUsage | undefined),
    };
    this.sealedNow = ((await this.meta.get(SEALED_KEY)) as Sealed | undefined) ?? {};
    const unreadable: string[] = [];
    for await (const [k, v] of this.series.iterator()) {
      const idx = DeviceSeries.fromStored(k, v, this.pool);
      if (idx) this.indexes.set(k, idx);
      else unreadable.push(k);
    }
    await this.loadRowMinutes();
    if (unreadable.length) await this.restartIndexes(unreadable);
    await this.loadLatest();
    this.loaded = true;
  }

  /**
   * Brings a store of the first layout up to date: open rows keyed by device first
   * (`w!<device>!<source>!<sec>`) and series indexes in `metrics-meta` (`index!<device>`). Each
   * batch moves some keys and corrects the usage by the bytes their new keys add, in one LevelDB
   * batch: a crash in between leaves a store that is partly moved, and exactly counted.
   */
  private async upgradeLayout(): Promise<void> {
    for (;;) {
      const batch = await this.data.iterator({ ...prefixRange('w'), limit: 2000 }).all();
      if (batch.length === 0) break;
      const usage = {
        ...EMPTY_USAGE,
        ...((await this.meta.get(USAGE_KEY)) as MetricsUsage | undefined),
      };
      const ops: Op[] = [];
      for (const [k, v] of batch) {
        ops.push({ type: 'del', key: k });
        const [, deviceId, source, sec] = k.split('!');
        if (!SOURCES.includes(source as MetricSource) || !/^\d{10}$/.test(sec ?? '')) {
          // Not a row this code ever wrote: dropped, and its bytes with it.
          usage.rows = Math.max(0, usage.rows - k.length - v.byteLength);
          continue;
        }
        const moved = rowKey(deviceId!, source as MetricSource, Number(sec));
        ops.push({ type: 'put', key: moved, value: v });
        usage.rows += moved.length - k.length;
      }
      ops.push({ type: 'put', key: USAGE_KEY, value: usage, to: 'meta' });
      await this.commit(ops);
    }
    for (;;) {
      const batch = await this.meta.iterator({ ...prefixRange('index'), limit: 200 }).all();
      if (batch.length === 0) break;
      await this.commit(
        batch.flatMap(([k, v]): Op[] => [
          { type: 'del', key: k, to: 'meta' },
          {
            type: 'put',
            key: k.slice('index!'.length),
            value: Buffer.from(JSON.stringify(v)),
            to: 'series',
          },
        ]),
      );
    }
  }

  /**
   * An index that is neither stored form is damage: what its columns were is lost, so its stored
   * values read as gaps. The device gets an empty index whose new columns start after every
   * column its open rows and chunks hold, so that no new series ever reads an old one's data;
   * the old data ages out as usual. At load, for the damaged indexes only: a seek per stored
   * window and device.
   */
  private async restartIndexes(deviceIds: readonly string[]): Promise<void> {
    const windows: Array<[TierName, number]> = [];
    for (const t of TIERS) for (const [w] of await this.windows(t.name)) windows.push([t.name, w]);
    for (const deviceId of deviceIds) {
      this.damaged += 1;
      let top = -1;
      // A column past MAX_COLUMNS is damage too: counting it would give the device arrays of
      // gigabytes on its next poll.
      const saw = (c: number) => {
        if (c < MAX_COLUMNS) top = Math.max(top, c);
      };
      for (const m of this.rowMinutes)
        for await (const [, v] of this.data.iterator(prefixRange('r', ts(m), deviceId)))
          forEachInRow(v, saw);
      for (const [name, w] of windows)
        for await (const k of this.data.keys(prefixRange('c', name, ts(w), deviceId))) {
          const col = k.slice(k.lastIndexOf('!') + 1);
          if (/^[0-9a-z]+$/.test(col)) saw(parseInt(col, 36));
        }
      const idx = new DeviceSeries(deviceId, this.pool);
      idx.next = top + 1;
      this.indexes.set(deviceId, idx);
    }
  }

  /** Finds the minutes that hold open rows: one seek per minute. */
  private async loadRowMinutes(): Promise<void> {
    const end = key('r') + '!' + HIGH;
    let from = key('r') + '!';
    for (;;) {
      const [k] = await this.data.keys({ gte: from, lt: end, limit: 1 }).all();
      if (k === undefined) break;
      const m = rowMinute(k);
      this.rowMinutes.add(m);
      from = key('r', ts(m + MINUTE));
    }
  }

  /** How many device and source pairs write rows: the rows a minute holds. */
  private rowPairs(): number {
    let n = 0;
    for (const bySource of this.newestRowS.values()) n += Object.keys(bySource).length;
    return n;
  }

  /** The minutes holding open rows in [fromS, toS), oldest first. */
  private minutesIn(fromS: number, toS: number): number[] {
    const lo = minuteOf(Math.max(0, fromS));
    return [...this.rowMinutes].filter((m) => m >= lo && m < toS).sort((a, b) => a - b);
  }

  /**
   * The latest values come back from each device's newest open rows, so that the dashboard is
   * not empty for the first minute after a restart.
   */
  private async loadLatest(): Promise<void> {
    const missing = new Map<string, Set<MetricSource>>();
    for (const idx of this.indexes.values()) {
      const sources = new Set<MetricSource>();
      for (let c = 0; c < idx.next; c++) if (idx.has(c)) sources.add(idx.sourceOf(c));
      if (sources.size) missing.set(idx.deviceId, sources);
    }
    const take = (k: string, v: Uint8Array) => {
      const [deviceId, source, sec] = [rowDevice(k), rowSource(k), rowSec(k)];
      const sources = missing.get(deviceId);
      if (!sources?.delete(source)) return;
      if (sources.size === 0) missing.delete(deviceId);
      this.sawRow(deviceId, source, sec);
      const m = this.latestOf(deviceId);
      forEachInRow(v, (c, val) => m.set(c, sec, val));
      this.newestS = Math.max(this.newestS, sec);
    };
    // Newest minute first, and in a minute a pair's newest second first: the first row met of
    // each pair is its newest. One pass, which stops once every pair is found.
    if (missing.size === 0) return;
    for await (const [k, v] of this.data.iterator({ ...prefixRange('r'), reverse: true })) {
      take(k, v);
      if (missing.size === 0) break;
    }
  }

  usage(): MetricsUsage {
    return { ...this.usageNow };
  }

  totalBytes(): number {
    const u = this.usageNow;
    return u.rows + u.raw + u['5m'] + u['1h'] + u['1d'];
  }

  /** The newest sample time known (seconds; 0 when none since start and no open rows). */
  newest(): number {
    return Math.max(this.newestS, this.sealedNow.raw ?? 0);
  }

  sealed(): Sealed {
    return { ...this.sealedNow };
  }

  index(deviceId: string): DeviceSeries | undefined {
    return this.indexes.get(deviceId);
  }

  devices(): string[] {
    return [...this.indexes.keys()];
  }

  // ---- writing ----------------------------------------------------------------------------

  /**
   * Writes one poll cycle (many devices) as one batch. `room(bytes)` is asked first and may free
   * space (evict) or refuse; a refused cycle writes nothing and returns false.
   */
  async writeCycle(entries: readonly MetricsEntry[], room: RoomPolicy): Promise<boolean> {
    await this.load();
    return this.lock.run(async () => {
      const ops: Op[] = [];
      let bytes = 0;
      // Indexes are rewritten only when a series appears or is relabelled, not every poll.
      const changed = new Map<string, DeviceSeries>();
      // one per row written, in the order of the row ops
      const latest: Array<{
        d: string;
        source: MetricSource;
        cols: number[];
        t: number;
        vals: number[];
      }> = [];
      for (const e of entries) {
        const sec = Math.floor(e.at / 1000);
        let idx = changed.get(e.deviceId) ?? this.indexes.get(e.deviceId);
        const cols: number[] = [];
        const vals: number[] = [];
        for (const s of e.samples) {
          if (!Number.isFinite(s.value)) continue;
          const label = e.labelOf
            ? e.labelOf(s.metric, s.instance)
            : (e.labels?.[`${s.metric}|${s.instance}`] ?? e.labels?.[s.instance]);
          let c = idx ? idx.find(s.metric, s.instance) : -1;
          if (c < 0 || (label && idx!.labelOf(c) !== label)) {
            // Copy on write: the index in memory changes only once the batch has committed.
            if (!changed.has(e.deviceId)) {
              // Room for every series this poll may add, at once: a device's first poll with
              // rates adds hundreds, and growing one at a time would leave dozens of discarded
              // arrays per device for the collector.
              let adds = 0;
              for (const t of e.samples) if (!idx || idx.find(t.metric, t.instance) < 0) adds++;
              idx = idx ? idx.clone(adds) : new DeviceSeries(e.deviceId, this.pool, adds);
              changed.set(e.deviceId, idx);
            }
            c = idx!.find(s.metric, s.instance);
            if (c < 0) c = idx!.add(s.metric, s.instance, e.source, sec);
            // a metric name the index cannot number (never with this version's few dozen)
            if (c < 0) continue;
            if (label) idx!.setLabel(c, label);
          }
          cols.push(c);
          vals.push(s.value);
        }
        if (cols.length === 0) continue;
        latest.push({ d: e.deviceId, source: e.source, cols, t: sec, vals });
        const k = rowKey(e.deviceId, e.source, sec);
        const row = encodeRow(cols, vals);
        ops.push({ type: 'put', key: k, value: row });
        bytes += k.length + row.byteLength;
      }
      if (ops.length === 0) return true;
      // A row for the same device, source and second exists when the clock stepped back: merge
      // into it and count its bytes once. Only rows not newer than the newest known can exist.
      const unsure: number[] = [];
      latest.forEach((l, i) => {
        if (!(l.t > (this.newestRowS.get(l.d)?.[l.source] ?? Infinity))) unsure.push(i);
      });
      const existing = unsure.length ? await this.data.getMany(unsure.map((i) => ops[i]!.key)) : [];
      existing.forEach((old, n) => {
        if (!old) return;
        const op = ops[unsure[n]!] as { key: string; value: Uint8Array };
        const merged = decodeRow(old);
        forEachInRow(op.value, (c, v) => merged.set(c, v));
        const value = encodeRow([...merged.keys()], [...merged.values()]);
        bytes += value.byteLength - op.value.byteLength - (op.key.length + old.byteLength);
        op.value = value;
      });
      if (!(await room(bytes, this.dropLocked))) return false;
      for (const idx of changed.values())
        ops.push({ type: 'put', key: idx.deviceId, value: idx.encode(), to: 'series' });
      const usage = { ...this.usageNow, rows: this.usageNow.rows + bytes };
      ops.push({ type: 'put', key: USAGE_KEY, value: usage, to: 'meta' });
      await this.commit(ops);
      this.usageNow = usage;
      for (const idx of changed.values()) this.indexes.set(idx.deviceId, idx);
      for (const l of latest) {
        this.rowMinutes.add(minuteOf(l.t));
        this.newestS = Math.max(this.newestS, l.t);
        this.sawRow(l.d, l.source, l.t);
        const m = this.latestOf(l.d);
        l.cols.forEach((c, i) => m.set(c, l.t, l.vals[i]!));
      }
      return true;
    });
  }

  /** Notes that an open row exists at `sec` (see newestRowS). */
  private sawRow(deviceId: string, source: MetricSource, sec: number): void {
    let bySource = this.newestRowS.get(deviceId);
    if (!bySource) this.newestRowS.set(deviceId, (bySource = {}));
    bySource[source] = Math.max(bySource[source] ?? sec, sec);
  }

  /** The latest value of each series of a device written since start ({t: seconds, v}). */
  latest(deviceId: string): LatestReader {
    return this.latestValues.get(deviceId) ?? NO_LATEST;
  }

  private latestOf(deviceId: string): LatestValues {
    let m = this.latestValues.get(deviceId);
    if (!m) this.latestValues.set(deviceId, (m = new LatestValues()));
    return m;
  }

  /** Forgets a deleted device: its index and open rows now; its sealed chunks age out. */
  async forgetDevice(deviceId: string): Promise<void> {
    await this.load();
    await this.lock.run(async () => {
      const rows: Array<[string, Uint8Array]> = [];
      for (const m of this.rowMinutes)
        rows.push(...(await this.data.iterator(prefixRange('r', ts(m), deviceId)).all()));
      await this.dropRows(rows, [{ type: 'del', key: deviceId, to: 'series' }]);
      this.indexes.delete(deviceId);
      this.latestValues.delete(deviceId);
      this.newestRowS.delete(deviceId);
    });
  }

  // ---- sealing and rollups ----------------------------------------------------------------

  /**
   * Turns the open rows of every hour that ended before `untilS` into compressed hourly chunks.
   * Works device by device so that polls are never held up for long. Returns hours sealed.
   */
  async sealRaw(untilS: number, signal?: AbortSignal): Promise<number> {
    await this.load();
    const raw = tier('raw');
    const limit = windowStart(raw, untilS);
    let sealedHours = 0;
    const hours = [...new Set(this.minutesIn(0, limit).map((m) => windowStart(raw, m)))];
    for (const hour of hours) {
      const minutes = this.minutesIn(hour, hour + raw.windowS);
      for await (const [deviceId, rows] of this.rowsByDevice(minutes)) {
        signal?.throwIfAborted();
        sealedHours += await this.lock.run(async () => {
          // The rows were read from a snapshot: under the lock, only what is still there counts,
          // with its value now (a poll of a clock that stepped back may have merged into one).
          const keys = rows.map(([k]) => k);
          const now = await this.data.getMany(keys);
          const current = keys.flatMap((k, i): Array<[string, Uint8Array]> => {
            const v = now[i];
            return v ? [[k, v]] : [];
          });
          // Rows of a device that has no series index (forgotten while they were written).
          if (!this.indexes.has(deviceId)) return this.dropRows(current).then(() => 0);
          const bySource = new Map<MetricSource, Array<[string, Uint8Array]>>();
          for (const row of current) {
            const source = rowSource(row[0]);
            let list = bySource.get(source);
            if (!list) bySource.set(source, (list = []));
            list.push(row);
          }
          for (const [source, list] of bySource) await this.sealHour(deviceId, source, hour, list);
          return bySource.size;
        });
      }
      // A row written meanwhile into one of these minutes (a clock that stepped back) keeps it.
      await this.lock.run(async () => {
        for (const m of minutes)
          if ((await this.data.keys({ ...prefixRange('r', ts(m)), limit: 1 }).all()).length === 0)
            this.rowMinutes.delete(m);
      });
    }
    await this.setSealed('raw', limit);
    return sealedHours;
  }

  /**
   * The rows of some minutes, device by device: every minute is read once, in key order (by
   * device), and the minutes are merged, so that an hour of a large site is never in memory.
   */
  private async *rowsByDevice(
    minutes: readonly number[],
  ): AsyncGenerator<[string, Array<[string, Uint8Array]>]> {
    const cursors = minutes.map((m) => ({
      it: this.data.iterator(prefixRange('r', ts(m))),
      head: undefined as [string, Uint8Array] | undefined,
    }));
    try {
      for (const c of cursors) c.head = await c.it.next();
      for (;;) {
        let device: string | undefined;
        for (const c of cursors) {
          const d = c.head && rowDevice(c.head[0]);
          if (d !== undefined && (device === undefined || d < device)) device = d;
        }
        if (device === undefined) return;
        const rows: Array<[string, Uint8Array]> = [];
        for (const c of cursors)
          while (c.head && rowDevice(c.head[0]) === device) {
            rows.push(c.head);
            c.head = await c.it.next();
          }
        yield [device, rows];
      }
    } finally {
      await Promise.all(cursors.map((c) => c.it.close()));
    }
  }

  /**
   * Deletes rows (as they are now) and frees their bytes, in one batch with `also`. Runs with the
   * lock held.
   */
  private async dropRows(
    rows: ReadonlyArray<[string, Uint8Array]>,
    also: Op[] = [],
  ): Promise<void> {
    let freed = 0;
    const ops: Op[] = rows.map(([k, v]) => {
      freed += k.length + v.byteLength;
      return { type: 'del', key: k };
    });
    ops.push(...also);
    if (ops.length === 0) return;
    const usage = { ...this.usageNow, rows: Math.max(0, this.usageNow.rows - freed) };
    ops.push({ type: 'put', key: USAGE_KEY, value: usage, to: 'meta' });
    await this.commit(ops);
    this.usageNow = usage;
  }

  private async sealHour(
    deviceId: string,
    source: MetricSource,
    hour: number,
    rows: Array<[string, Uint8Array]>,
  ): Promise<void> {
    const idx = this.indexes.get(deviceId);
    const cols = idx?.cols((c) => idx.sourceOf(c) === source) ?? [];
    const tKey = key('c', 'raw', ts(hour), deviceId, `~${source}`);
    // Rows that arrive after their hour was sealed are merged into the existing chunk.
    const merged = new Map<number, Map<number, number>>();
    const ops0: Op[] = [];
    let freedExisting = 0;
    const existingT = await this.data.get(tKey);
    if (existingT) {
      freedExisting += tKey.length + existingT.byteLength;
      const times =
        tryDecode(
          () => decodeTimes(existingT),
          () => (this.damaged += 1),
        ) ?? [];
      const keys = cols.map((c) => key('c', 'raw', ts(hour), deviceId, colKey(c.c)));
      const chunks = await this.data.getMany(keys);
      times.forEach((t) => merged.set(t, new Map()));
      chunks.forEach((buf, i) => {
        if (!buf) return;
        // Every old chunk of the hour is rewritten (or dropped when damaged): all of it is freed.
        freedExisting += keys[i]!.length + buf.byteLength;
        const values =
          tryDecode(
            () => decodeValues(buf),
            () => (this.damaged += 1),
          ) ?? [];
        values.forEach((v, j) => {
          if (v !== null && j < times.length) merged.get(times[j]!)!.set(cols[i]!.c, v);
        });
      });
      // Damaged chunks that no longer match a column are deleted with the rewrite.
      chunks.forEach((buf, i) => {
        if (buf) ops0.push({ type: 'del', key: keys[i]! });
      });
    }
    let freedRows = 0;
    for (const [k, v] of rows) {
      freedRows += k.length + v.byteLength;
      const sec = Number(k.slice(k.lastIndexOf('!') + 1));
      const row = merged.get(sec) ?? new Map<number, number>();
      forEachInRow(v, (c, val) => row.set(c, val));
      merged.set(sec, row);
    }
    const times = [...merged.keys()].sort((a, b) => a - b);
    const ops: Op[] = [...ops0, ...rows.map(([k]) => ({ type: 'del' as const, key: k }))];
    let added = 0;
    const put = (k: string, value: Uint8Array) => {
      ops.push({ type: 'put', key: k, value });
      added += k.length + value.byteLength;
    };
    put(tKey, encodeTimes(times));
    for (const c of cols) {
      const values = times.map((t) => merged.get(t)!.get(c.c) ?? null);
      if (values.every((v) => v === null)) continue;
      put(key('c', 'raw', ts(hour), deviceId, colKey(c.c)), encodeValues(values));
    }
    // Sealing shrinks the store (rows become compact chunks); it never waits for room.
    await this.commitWithUsage(ops, 'raw', hour, added - freedExisting, -freedRows, true);
  }

  /**
   * Computes the chunks of rollup tier `name` for every window that the finer tier has completely
   * sealed. Returns the windows written.
   */
  async rollUpTier(name: Exclude<TierName, 'raw'>, signal?: AbortSignal): Promise<number> {
    await this.load();
    const t = tier(name);
    const src = finer(t)!;
    const srcSealed = this.sealedNow[src.name];
    if (srcSealed === undefined) return 0;
    // Each sealed window of the finer tier is summarised as soon as it is sealed, into the slots
    // of the coarser window that holds it: the raw hour 10:00 fills twelve 5-minute buckets of
    // the day's chunk. The watermark moves one finer window at a time.
    const unit = src.windowS;
    let u: number | undefined = this.sealedNow[name] ?? (await this.firstWindow(src, src));
    let done = 0;
    while (u !== undefined && u + unit <= srcSealed) {
      // Stretches without any finer data are skipped at once (a box that was off for months).
      const next = await this.firstWindow(src, src, u);
      if (next === undefined || next + unit > srcSealed) break;
      u = next;
      for (const deviceId of this.devices()) {
        signal?.throwIfAborted();
        await this.rollUpDevice(t, src, deviceId, u, unit);
      }
      u += unit;
      await this.setSealed(name, u);
      done += 1;
    }
    return done;
  }

  private async rollUpDevice(
    t: Tier,
    src: Tier,
    deviceId: string,
    u: number,
    unit: number,
  ): Promise<void> {
    const idx = this.indexes.get(deviceId);
    if (!idx) return;
    const w = windowStart(t, u);
    const cols = idx.cols((c) => idx.firstOf(c) < u + unit);
    const all = await this.readStoredAll(src, deviceId, cols, u, u + unit);
    const fresh = cols
      .map((c) => ({ c, points: all.get(c.c) ?? [] }))
      .filter((x) => x.points.length > 0)
      .map((x) => ({
        key: key('c', t.name, ts(w), deviceId, colKey(x.c.c)),
        b: rollUp(t, w, x.points),
      }));
    if (fresh.length === 0) return;
    const first = (u - w) / t.stepS;
    const last = (u + unit - w) / t.stepS;
    await this.lock.run(async () => {
      const old = await this.data.getMany(fresh.map((f) => f.key));
      let delta = 0;
      const ops: Op[] = fresh.map((f, i) => {
        const prev = old[i];
        // The slots of this stretch are replaced, not added to: redoing it after a crash
        // gives the same chunk.
        const buckets =
          (prev
            ? tryDecode(
                () => decodeBuckets(prev),
                () => (this.damaged += 1),
              )
            : undefined) ?? new Array<Bucket | null>(f.b.length).fill(null);
        for (let i2 = first; i2 < last && i2 < buckets.length; i2++) buckets[i2] = f.b[i2] ?? null;
        const value = encodeBuckets(buckets);
        delta += f.key.length + value.byteLength - (prev ? f.key.length + prev.byteLength : 0);
        return { type: 'put', key: f.key, value };
      });
      await this.commitWithUsage(ops, t.name, w, delta, 0);
    });
  }

  /** The window of `t` holding the oldest data of tier `src`. */
  private async firstWindow(src: Tier, t: Tier, from?: number): Promise<number | undefined> {
    const range =
      from === undefined
        ? { gt: key('wsize', src.name) + '!' }
        : { gte: key('wsize', src.name, ts(from)) };
    for await (const k of this.meta.keys({
      ...range,
      lt: key('wsize', src.name) + '!' + HIGH,
      limit: 1,
    }))
      return windowStart(t, Number(k.slice(k.lastIndexOf('!') + 1)));
    return undefined;
  }

  // ---- expiry and eviction ----------------------------------------------------------------

  /** Stored windows of a tier, oldest first: [windowStart, bytes]. */
  async windows(name: TierName): Promise<Array<[number, number]>> {
    const out: Array<[number, number]> = [];
    for await (const [k, v] of this.meta.iterator({
      gt: key('wsize', name) + '!',
      lt: key('wsize', name) + '!' + HIGH,
    }))
      out.push([Number(k.slice(k.lastIndexOf('!') + 1)), v as number]);
    return out;
  }

  /** Deletes one stored window of a tier (all devices) and frees its bytes. */
  async dropWindow(name: TierName, w: number): Promise<number> {
    return this.lock.run(() => this.dropWindowLocked(name, w));
  }

  private async dropWindowLocked(name: TierName, w: number): Promise<number> {
    const prefix = key('c', name, ts(w)) + '!';
    const sizeKey = key('wsize', name, ts(w));
    let left = ((await this.meta.get(sizeKey)) as number | undefined) ?? 0;
    let freed = 0;
    // Each batch deletes some chunks and subtracts exactly their bytes: a crash in between
    // leaves a smaller window whose size is still right.
    for (;;) {
      const batch = await this.data.iterator({ gt: prefix, lt: prefix + HIGH, limit: 2000 }).all();
      if (batch.length === 0) break;
      let bytes = 0;
      const ops: Op[] = batch.map(([k, v]) => {
        bytes += k.length + v.byteLength;
        return { type: 'del', key: k };
      });
      left = Math.max(0, left - bytes);
      const usage = { ...this.usageNow, [name]: Math.max(0, this.usageNow[name] - bytes) };
      ops.push({ type: 'put', key: sizeKey, value: left, to: 'meta' });
      ops.push({ type: 'put', key: USAGE_KEY, value: usage, to: 'meta' });
      await this.commit(ops);
      this.usageNow = usage;
      freed += bytes;
    }
    await this.commit([{ type: 'del', key: sizeKey, to: 'meta' }]);
    return freed;
  }

  // ---- reading ----------------------------------------------------------------------------

  /**
   * The points of one series in [fromS, toS) from tier `name`. Stretches that tier has not
   * sealed yet are computed from the finer tier, down to the open rows; gaps stay gaps.
   */
  async read(
    deviceId: string,
    col: SeriesColumn,
    name: TierName,
    fromS: number,
    toS: number,
  ): Promise<StoredPoint[]> {
    await this.load();
    const t = tier(name);
    if (t.name === 'raw') return this.readRaw(deviceId, col, fromS, toS);
    const sealedUntil = Math.max(this.sealedNow[name] ?? -Infinity, -Infinity);
    const out = await this.readStored(t, deviceId, col, fromS, Math.min(toS, sealedUntil));
    const tailFrom = Math.max(fromS, Number.isFinite(sealedUntil) ? sealedUntil : fromS);
    if (tailFrom < toS) {
      const src = finer(t)!;
      const aligned = Math.floor(tailFrom / t.stepS) * t.stepS;
      const finerPoints = await this.read(deviceId, col, src.name, aligned, toS);
      for (let w = windowStart(t, tailFrom); w < toS; w += t.windowS) {
        const buckets = rollUp(t, w, finerPoints);
        buckets.forEach((b, i) => {
          const bt = w + i * t.stepS;
          if (b && bt >= tailFrom && bt < toS) out.push({ t: bt, b });
        });
      }
    }
    return out;
  }

  /**
   * What tier `t` stores for many series of one device in [fromS, toS), read with one getMany
   * (rollups read every series of a device for the same window).
   */
  private async readStoredAll(
    t: Tier,
    deviceId: string,
    cols: readonly SeriesColumn[],
    fromS: number,
    toS: number,
  ): Promise<Map<number, StoredPoint[]>> {
    const out = new Map<number, StoredPoint[]>();
    if (toS <= fromS || cols.length === 0) return out;
    const wins: number[] = [];
    for (let w = windowStart(t, fromS); w < toS; w += t.windowS) wins.push(w);
    const sources = [...new Set(cols.map((c) => c.source))];
    const keys: string[] = [];
    for (const w of wins) {
      if (t.name === 'raw')
        for (const src of sources) keys.push(key('c', 'raw', ts(w), deviceId, `~${src}`));
      for (const c of cols) keys.push(key('c', t.name, ts(w), deviceId, colKey(c.c)));
    }
    const bufs = await this.data.getMany(keys);
    const bad = () => (this.damaged += 1);
    let i = 0;
    for (const w of wins) {
      const times = new Map<string, number[] | undefined>();
      if (t.name === 'raw')
        for (const src of sources) {
          const tb = bufs[i++];
          times.set(src, tb ? tryDecode(() => decodeTimes(tb), bad) : undefined);
        }
      for (const c of cols) {
        const buf = bufs[i++];
        if (!buf) continue;
        let list = out.get(c.c);
        if (!list) out.set(c.c, (list = []));
        if (t.name === 'raw') {
          const tl = times.get(c.source);
          const values = tl ? tryDecode(() => decodeValues(buf), bad) : undefined;
          values?.forEach((v, j) => {
            const at = tl![j];
            if (v !== null && at !== undefined && at >= fromS && at < toS)
              list.push({ t: at, b: sampleBucket(v) });
          });
        } else {
          tryDecode(() => decodeBuckets(buf), bad)?.forEach((b, j) => {
            const bt = w + j * t.stepS;
            if (b && bt >= fromS && bt < toS) list.push({ t: bt, b });
          });
        }
      }
    }
    return out;
  }

  /** Only what is stored in tier `t` itself (no computed tail). */
  private async readStored(
    t: Tier,
    deviceId: string,
    col: SeriesColumn,
    fromS: number,
    toS: number,
  ): Promise<StoredPoint[]> {
    return (await this.readStoredAll(t, deviceId, [col], fromS, toS)).get(col.c) ?? [];
  }

  /** Sealed raw samples plus the open rows of the current hour. */
  private async readRaw(
    deviceId: string,
    col: SeriesColumn,
    fromS: number,
    toS: number,
  ): Promise<StoredPoint[]> {
    if (toS <= fromS) return [];
    // Rows first, then chunks: a seal committing in between moves samples from rows to chunks,
    // so they are read twice (deduplicated below by time) but never missed.
    const byTime = new Map<number, StoredPoint>();
    const minutes = this.minutesIn(fromS, toS);
    if (minutes.length) {
      const take = (k: string, v: Uint8Array) => {
        const t = rowSec(k);
        const val = t >= fromS && t < toS ? rowValue(v, col.c) : undefined;
        if (val !== undefined) byTime.set(t, { t, b: sampleBucket(quantize(val)) });
      };
      // One iterator over the minutes. On a small site it reads every row of them (a minute
      // holds a row per device and source); on a large one it seeks to this device's rows in
      // each minute, since a seek costs about as much as reading a hundred rows.
      const it = this.data.iterator({
        gte: key('r', ts(minutes[0]!)),
        lt: key('r', ts(minutes.at(-1)! + MINUTE)),
      });
      const tail = `!${deviceId}!${col.source}!`;
      try {
        if (this.rowPairs() <= ROWS_PER_SEEK) {
          for await (const [k, v] of it) if (k.startsWith(tail, ROW_TAIL_AT)) take(k, v);
        } else
          for (const m of minutes) {
            const prefix = key('r', ts(m)) + tail;
            it.seek(prefix);
            for (let e = await it.next(); e && e[0].startsWith(prefix); e = await it.next())
              take(e[0], e[1]);
          }
      } finally {
        await it.close();
      }
    }
    for (const p of await this.readStored(tier('raw'), deviceId, col, fromS, toS))
      byTime.set(p.t, p);
    return [...byTime.values()].sort((a, b) => a.t - b.t);
  }

  // ---- checks -----------------------------------------------------------------------------

  /** Recounts the bytes actually stored (for tests and repair); compare with usage(). */
  async recount(): Promise<MetricsUsage> {
    const u: MetricsUsage = { ...EMPTY_USAGE };
    for await (const [k, v] of this.data.iterator()) {
      const size = k.length + v.byteLength;
      if (k.startsWith('r!') || k.startsWith('w!')) u.rows += size;
      else u[k.split('!')[1] as TierName] += size;
    }
    return u;
  }

  // ---- internals --------------------------------------------------------------------------

  private async setSealed(name: TierName, until: number): Promise<void> {
    await this.lock.run(async () => {
      if ((this.sealedNow[name] ?? -Infinity) >= until) return;
      const sealed = { ...this.sealedNow, [name]: until };
      await this.commit([{ type: 'put', key: SEALED_KEY, value: sealed, to: 'meta' }]);
      this.sealedNow = sealed;
    });
  }

  /**
   * Commits data ops together with the usage they change and the window's size. Bytes added are
   * first cleared with the room policy (the quota), unless the change shrinks the store anyway;
   * refused bytes are not written. Runs with the lock held.
   */
  private async commitWithUsage(
    ops: Op[],
    name: TierName,
    w: number,
    tierDelta: number,
    rowsDelta: number,
    shrinks = false,
  ): Promise<boolean> {
    const growth = tierDelta + rowsDelta;
    if (!shrinks && growth > 0 && !(await this.room(growth, this.dropLocked))) return false;
    const sizeKey = key('wsize', name, ts(w));
    const before = ((await this.meta.get(sizeKey)) as number | undefined) ?? 0;
    const usage = {
      ...this.usageNow,
      [name]: Math.max(0, this.usageNow[name] + tierDelta),
      rows: Math.max(0, this.usageNow.rows + rowsDelta),
    };
    ops.push({ type: 'put', key: sizeKey, value: Math.max(0, before + tierDelta), to: 'meta' });
    ops.push({ type: 'put', key: USAGE_KEY, value: usage, to: 'meta' });
    await this.commit(ops);
    this.usageNow = usage;
    return true;
  }

  private part(to: Part | undefined) {
    return to === 'meta' ? this.meta : to === 'series' ? this.series : this.data;
  }

  private async commit(ops: Op[]): Promise<void> {
    await this.db.batch(
      ops.map((o) =>
        o.type === 'put'
          ? { type: 'put', key: o.key, value: o.value, sublevel: this.part(o.to) }
          : { type: 'del', key: o.key, sublevel: this.part(o.to) },
      ) as never,
    );
  }
}

export { TIERS };
