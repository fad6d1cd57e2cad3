import type { Bucket } from '../store/series-codec.js';

/**
 * The fixed storage tiers of the metrics store. Raw samples are kept for a week; each coarser
 * tier summarises the finer one (min, max, sum and count per bucket) and keeps longer, so disk
 * use stops growing once the longest tier is full.
 *
 * `windowS` is how much time one stored chunk covers. A chunk is filled as the finer tier's
 * windows are sealed (each raw hour fills twelve 5-minute buckets of its day's chunk at once), so
 * a summary is never more than one finer window behind; queries compute that stretch from the
 * finer tier.
 */
export interface Tier {
  name: TierName;
  /** Bucket width in seconds (0 = raw samples at the poll interval). */
  stepS: number;
  windowS: number;
  retentionS: number;
}

export type TierName = 'raw' | '5m' | '1h' | '1d';

const DAY = 86_400;

export const TIERS: readonly Tier[] = [
  { name: 'raw', stepS: 0, windowS: 3_600, retentionS: 7 * DAY },
  { name: '5m', stepS: 300, windowS: DAY, retentionS: 90 * DAY },
  { name: '1h', stepS: 3_600, windowS: 30 * DAY, retentionS: 730 * DAY },
  { name: '1d', stepS: DAY, windowS: 360 * DAY, retentionS: 3_650 * DAY },
];

export function tier(name: TierName): Tier {
  return TIERS.find((t) => t.name === name)!;
}

/** The finer tier a tier is computed from. */
export function finer(t: Tier): Tier | undefined {
  const i = TIERS.indexOf(t);
  return i > 0 ? TIERS[i - 1] : undefined;
}

export function windowStart(t: Tier, sec: number): number {
  return Math.floor(sec / t.windowS) * t.windowS;
}

export function bucketsPerWindow(t: Tier): number {
  return t.windowS / t.stepS;
}

/** Adds a sample or a finer bucket into a bucket (creating it when empty). */
export function mergeInto(b: Bucket | null, add: Bucket): Bucket {
  if (!b || b.count === 0) return { ...add };
  return {
    min: Math.min(b.min, add.min),
    max: Math.max(b.max, add.max),
    sum: b.sum + add.sum,
    count: b.count + add.count,
  };
}

export function sampleBucket(v: number): Bucket {
  return { min: v, max: v, sum: v, count: 1 };
}

/**
 * Groups points (timestamps in seconds, each a raw value or a finer bucket) into the buckets of
 * one window of tier `t`. Points outside the window are ignored.
 */
export function rollUp(
  t: Tier,
  windowStartS: number,
  points: Iterable<{ t: number; b: Bucket }>,
): Array<Bucket | null> {
  const out = new Array<Bucket | null>(bucketsPerWindow(t)).fill(null);
  for (const p of points) {
    const i = Math.floor((p.t - windowStartS) / t.stepS);
    if (i < 0 || i >= out.length || p.b.count <= 0) continue;
    out[i] = mergeInto(out[i] ?? null, p.b);
  }
  return out;
}

/**
 * The tier a query reads: the finest one that still holds `fromS` and gives at most
 * `maxPoints` points for the range; the coarsest tier when none does.
 */
export function chooseTier(
  fromS: number,
  toS: number,
  nowS: number,
  maxPoints: number,
  pollIntervalS: number,
): Tier {
  const span = Math.max(1, toS - fromS);
  for (const t of TIERS) {
    const step = t.stepS || pollIntervalS;
    if (fromS < nowS - t.retentionS) continue;
    if (span / step <= maxPoints) return t;
  }
  return TIERS[TIERS.length - 1]!;
}
