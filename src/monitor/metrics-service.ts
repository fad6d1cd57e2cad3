import { statfs } from 'node:fs/promises';
import type { Store } from '../store/store.js';
import type { Clock } from '../core/time.js';
import type { Logger } from '../lib/logger.js';
import { AppError } from '../core/errors.js';
import type { MetricsEntry, SeriesColumn, StoredPoint, WindowDropper } from '../store/metrics.js';
import { TIERS, chooseTier, tier, finer, type TierName } from './tiers.js';
import { METRICS, seriesId, type MetricName } from './types.js';

const MiB = 1024 * 1024;
/** How long a free-space reading is trusted. */
const DISK_CHECK_MS = 15_000;

export interface MetricsPolicy {
  quotaBytes: number;
  minFreeBytes: number;
  pollIntervalS: number;
}

/** A series as the API and the UI list it. */
export interface SeriesInfo {
  id: string;
  deviceId: string;
  metric: MetricName;
  instance: string;
  label?: string;
  title: string;
  unit: string;
  first: string;
  last?: { at: string; value: number };
}

/** One point of a query answer; raw points have min = avg = max. */
export interface SeriesPoint {
  t: number;
  avg: number;
  min: number;
  max: number;
}

export interface SeriesAnswer {
  series: SeriesInfo;
  tier: TierName;
  /** Seconds between points (the poll interval for raw data); a missing point is a gap. */
  stepS: number;
  from: string;
  to: string;
  points: SeriesPoint[];
}

/**
 * The metrics store as the rest of the appliance uses it: writes one batch per poll cycle within
 * the size quota and only while the data disk has room, seals and rolls up the tiers, expires old
 * windows, and answers range queries from the right tier.
 */
export class MetricsService {
  private suspendedReason: string | undefined;
  private diskCheckedAt = -Infinity;
  private diskFree = Infinity;
  /** Set by tests to simulate the data disk's free space. */
  freeSpaceProbe: (dir: string) => Promise<number> = async (dir) => {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  };

  constructor(
    private readonly deps: { store: Store; clock: Clock; logger: Logger; policy: MetricsPolicy },
  ) {
    // Sealing and rollups ask for room like poll cycles do: the quota holds during upkeep too.
    deps.store.metrics.room = (bytes, drop) => this.makeRoom(bytes, drop);
  }

  get suspended(): string | undefined {
    return this.suspendedReason;
  }

  usage(): { bytes: number; quotaBytes: number; byTier: Record<string, number> } {
    const u = this.deps.store.metrics.usage();
    return {
      bytes: this.deps.store.metrics.totalBytes(),
      quotaBytes: this.deps.policy.quotaBytes,
      byTier: { ...u },
    };
  }

  /**
   * Writes one poll cycle. Never throws for storage trouble: a full disk or a write error
   * suspends metric writes (one event), and they resume by themselves when space returns.
   */
  async write(entries: MetricsEntry[]): Promise<boolean> {
    if (entries.length === 0) return true;
    const now = this.deps.clock.now();
    if (now - this.diskCheckedAt > DISK_CHECK_MS || this.suspendedReason) {
      this.diskCheckedAt = now;
      try {
        this.diskFree = await this.freeSpaceProbe(this.deps.store.dataDir);
      } catch {
        this.diskFree = Infinity;
      }
    }
    const { minFreeBytes } = this.deps.policy;
    // Resume only with some margin, so that a disk hovering at the limit does not flap.
    const needed = this.suspendedReason ? minFreeBytes * 1.25 : minFreeBytes;
    if (this.diskFree < needed) {
      await this.suspend(
        `The data disk has ${Math.round(this.diskFree / MiB)} MiB free, below the ${Math.round(minFreeBytes / MiB)} MiB reserve: metrics are not being stored.`,
      );
      return false;
    }
    try {
      const ok = await this.deps.store.metrics.writeCycle(entries, (bytes, drop) =>
        this.makeRoom(bytes, drop),
      );
      if (ok) await this.resume();
      return ok;
    } catch (err) {
      this.deps.logger.error({ component: 'metrics', err }, 'metrics write failed');
      await this.suspend(`Writing metrics failed: ${(err as Error).message}`);
      return false;
    }
  }

  /**
   * Frees the oldest windows until `bytes` fit in the quota. Open rows cannot be evicted: when
   * they alone leave no room, the write is refused before anything is deleted.
   */
  private async makeRoom(
    bytes: number,
    drop: WindowDropper = (n, w) => this.deps.store.metrics.dropWindow(n, w),
  ): Promise<boolean> {
    const m = this.deps.store.metrics;
    const quota = this.deps.policy.quotaBytes;
    if (m.usage().rows + bytes > quota) {
      this.deps.logger.warn(
        { component: 'metrics', bytes, rows: m.usage().rows, quota },
        'metrics quota too small for even one hour of polls: not stored',
      );
      return false;
    }
    while (m.totalBytes() + bytes > quota) if (!(await this.evictOldest(drop))) return false;
    return true;
  }

  /**
   * Drops one window: the oldest that a coarser tier already summarises (finest tier first), and
   * only when there is none, the oldest of the finest tier that has any.
   */
  private async evictOldest(drop: WindowDropper): Promise<boolean> {
    const m = this.deps.store.metrics;
    const sealed = m.sealed();
    let fallback: [TierName, number] | undefined;
    for (const t of TIERS) {
      const [oldest] = await m.windows(t.name);
      if (!oldest) continue;
      fallback ??= [t.name, oldest[0]];
      const coarser = TIERS[TIERS.indexOf(t) + 1];
      if (coarser && (sealed[coarser.name] ?? -Infinity) < oldest[0] + t.windowS) continue;
      return this.evict(drop, t.name, oldest[0]);
    }
    return fallback ? this.evict(drop, ...fallback) : false;
  }

  private async evict(drop: WindowDropper, name: TierName, w: number): Promise<boolean> {
    const freed = await drop(name, w);
    this.deps.logger.info(
      { component: 'metrics', tier: name, window: new Date(w * 1000).toISOString(), freed },
      'quota: dropped the oldest window',
    );
    return true;
  }

  /**
   * The hourly upkeep: seals finished hours, rolls up the tiers, expires windows past their
   * retention (once the next tier holds them) and brings the store back under the quota.
   */
  async maintain(signal: AbortSignal): Promise<string> {
    const m = this.deps.store.metrics;
    const damagedBefore = m.damaged;
    // Upkeep never runs ahead of the data: a clock set years ahead for one run must not expire
    // everything or move the rollup watermarks into the future.
    const clockS = Math.floor(this.deps.clock.now() / 1000);
    const newest = m.newest();
    // (The two minutes match the sealing grace below: the newest hour is never sealed early.)
    const nowS = newest > 0 ? Math.min(clockS, newest + 120) : clockS;
    // Polls that started just before the hour still write into it: leave two minutes' grace.
    const hours = await m.sealRaw(nowS - 120, signal);
    const rolled: string[] = [];
    for (const name of ['5m', '1h', '1d'] as const) {
      const n = await m.rollUpTier(name, signal);
      if (n) rolled.push(`${n} × ${name}`);
    }
    let expired = 0;
    const sealed = m.sealed();
    for (const t of TIERS) {
      const coarser = TIERS[TIERS.indexOf(t) + 1];
      for (const [w] of await m.windows(t.name)) {
        signal.throwIfAborted();
        if (w + t.windowS > nowS - t.retentionS) break;
        // Keep a window the next tier has not summarised yet, unless it is far past retention.
        const summarised = !coarser || (sealed[coarser.name] ?? -Infinity) >= w + t.windowS;
        if (!summarised && w + t.windowS > nowS - 2 * t.retentionS) continue;
        await m.dropWindow(t.name, w);
        expired += 1;
      }
    }
    await this.makeRoom(0);
    if (m.damaged > damagedBefore)
      this.deps.logger.error(
        { component: 'metrics', damaged: m.damaged - damagedBefore },
        'damaged metric chunks were read as gaps',
      );
    return `sealed ${hours} device-hours; rolled up ${rolled.join(', ') || 'nothing new'}; expired ${expired} windows; ${Math.round(m.totalBytes() / 1024)} KiB stored`;
  }

  // ---- reading ----------------------------------------------------------------------------

  list(deviceId: string): SeriesInfo[] {
    const idx = this.deps.store.metrics.index(deviceId);
    if (!idx) return [];
    const latest = this.deps.store.metrics.latest(deviceId);
    return idx.cols().map((c) => this.info(deviceId, c, latest.get(c.c)));
  }

  private info(deviceId: string, c: SeriesColumn, last?: { t: number; v: number }): SeriesInfo {
    const meta = METRICS[c.metric];
    return {
      id: seriesId({ deviceId, metric: c.metric, instance: c.instance }),
      deviceId,
      metric: c.metric,
      instance: c.instance,
      ...(c.label ? { label: c.label } : {}),
      title: meta?.title ?? c.metric,
      unit: meta?.unit ?? '',
      first: new Date(c.first * 1000).toISOString(),
      ...(last ? { last: { at: new Date(last.t * 1000).toISOString(), value: last.v } } : {}),
    };
  }

  /** Resolves a series id ("device~metric~instance"); unknown ids are a 404. */
  resolve(id: string): { deviceId: string; col: SeriesColumn } {
    const [deviceId, metric, ...rest] = id.split('~');
    const instance = rest.join('~');
    const idx = deviceId ? this.deps.store.metrics.index(deviceId) : undefined;
    const col = idx && metric ? idx.col(idx.find(metric, instance)) : undefined;
    if (!deviceId || !col)
      throw new AppError('SERIES_NOT_FOUND', `There is no series ${JSON.stringify(id)}.`, {
        status: 404,
        kind: 'input',
      });
    return { deviceId, col };
  }

  /**
   * Points of a series in [fromMs, toMs), from the tier that fits: at most `maxPoints` points,
   * or buckets of `stepS` when asked (never finer than the stored data).
   */
  async query(
    id: string,
    fromMs: number,
    toMs: number,
    opts: { stepS?: number; maxPoints?: number; tier?: TierName } = {},
  ): Promise<SeriesAnswer> {
    const { deviceId, col } = this.resolve(id);
    const nowS = Math.floor(this.deps.clock.now() / 1000);
    const fromS = Math.floor(fromMs / 1000);
    const toS = Math.ceil(toMs / 1000);
    const maxPoints = opts.maxPoints ?? 1000;
    const poll = this.deps.policy.pollIntervalS;
    let t = opts.tier
      ? tier(opts.tier)
      : chooseTier(
          fromS,
          toS,
          nowS,
          opts.stepS ? Math.max(1, (toS - fromS) / opts.stepS) : maxPoints,
          poll,
        );
    // A tier finer than the asked step is fine; a coarser one only when the finer is gone.
    while (opts.stepS && t.stepS > opts.stepS && finer(t) && fromS >= nowS - finer(t)!.retentionS)
      t = finer(t)!;
    // Nothing is kept beyond a tier's retention: do not walk windows that cannot exist.
    const lo = Math.max(fromS, nowS - t.retentionS - t.windowS, 0);
    const hi = Math.min(toS, nowS + 3_600);
    const stored = lo < hi ? await this.deps.store.metrics.read(deviceId, col, t.name, lo, hi) : [];
    const stepS = Math.max(opts.stepS ?? 0, t.stepS || poll);
    const points =
      stepS > (t.stepS || 0) && opts.stepS ? rebucket(stored, stepS) : toPoints(stored);
    return {
      series: this.info(deviceId, col, this.deps.store.metrics.latest(deviceId).get(col.c)),
      tier: t.name,
      stepS,
      from: new Date(fromS * 1000).toISOString(),
      to: new Date(toS * 1000).toISOString(),
      points,
    };
  }

  // ---- suspension -------------------------------------------------------------------------

  private async suspend(reason: string): Promise<void> {
    if (this.suspendedReason) return;
    this.suspendedReason = reason;
    this.deps.logger.warn({ component: 'metrics', reason }, 'metrics suspended');
    await this.event('metrics.suspended', 'major', reason);
  }

  private async resume(): Promise<void> {
    if (!this.suspendedReason) return;
    this.suspendedReason = undefined;
    this.deps.logger.info({ component: 'metrics' }, 'metrics resumed');
    await this.event('metrics.resumed', 'info', 'Metrics are being stored again.');
  }

  private async event(
    kind: 'metrics.suspended' | 'metrics.resumed',
    severity: 'major' | 'info',
    message: string,
  ): Promise<void> {
    try {
      const { store, clock } = this.deps;
      await store.write(store.events.appendOps({ kind, severity, message }, clock.now()));
    } catch (err) {
      // The disk may be too full even for the event; the log line above still says it.
      this.deps.logger.error({ component: 'metrics', err }, 'could not record a metrics event');
    }
  }
}

function toPoints(stored: StoredPoint[]): SeriesPoint[] {
  return stored.map((p) => ({
    t: p.t * 1000,
    avg: p.b.sum / p.b.count,
    min: p.b.min,
    max: p.b.max,
  }));
}

function rebucket(stored: StoredPoint[], stepS: number): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  let cur: { t: number; min: number; max: number; sum: number; count: number } | undefined;
  for (const p of stored) {
    const bt = Math.floor(p.t / stepS) * stepS;
    if (!cur || cur.t !== bt) {
      if (cur) out.push({ t: cur.t * 1000, avg: cur.sum / cur.count, min: cur.min, max: cur.max });
      cur = { t: bt, min: p.b.min, max: p.b.max, sum: p.b.sum, count: p.b.count };
    } else {
      cur.min = Math.min(cur.min, p.b.min);
      cur.max = Math.max(cur.max, p.b.max);
      cur.sum += p.b.sum;
      cur.count += p.b.count;
    }
  }
  if (cur) out.push({ t: cur.t * 1000, avg: cur.sum / cur.count, min: cur.min, max: cur.max });
  return out;
}
