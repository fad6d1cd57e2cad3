/** A measured fill level: time in ms, value in percent used. */
export interface FillPoint {
  t: number;
  v: number;
}

export interface ForecastOptions {
  /** Fewer points than this say nothing about a trend. */
  minPoints?: number;
  /** Points spanning less than this (ms) say nothing either: a busy hour is not a trend. */
  minSpanMs?: number;
  /** The level that counts as full, in percent. */
  full?: number;
  /**
   * A fall of more than this many points between two consecutive measurements is a clean-up or a
   * grown volume: the trend starts again after it, since what came before no longer predicts.
   */
  resetDrop?: number;
  /** Beyond this many days the answer is "not in any useful time": undefined. */
  maxDays?: number;
}

const DAY_MS = 86_400_000;

export interface LinearTrend {
  /** Percentage points per day. */
  slopePerDay: number;
  /** The fitted level at the last point's time. */
  level: number;
  /** The last point's time. */
  at: number;
}

/**
 * Least-squares line through the points. Times are centred on their mean before squaring: epoch
 * milliseconds squared lose every useful digit in a double.
 */
export function linearTrend(points: readonly FillPoint[]): LinearTrend | undefined {
  const n = points.length;
  if (n < 2) return undefined;
  let st = 0;
  let sv = 0;
  for (const p of points) {
    st += p.t;
    sv += p.v;
  }
  const mt = st / n;
  const mv = sv / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    const dt = p.t - mt;
    sxx += dt * dt;
    sxy += dt * (p.v - mv);
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  const last = points[n - 1]!.t;
  return { slopePerDay: slope * DAY_MS, level: mv + slope * (last - mt), at: last };
}

/** The points the trend is fitted on: sane values in time order, after the last clean-up. */
export function trendPoints(points: readonly FillPoint[], resetDrop = 5): FillPoint[] {
  const clean = points
    .filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v) && p.v >= 0 && p.v <= 100)
    .slice()
    .sort((a, b) => a.t - b.t);
  let start = 0;
  for (let i = 1; i < clean.length; i++) {
    if (clean[i - 1]!.v - clean[i]!.v > resetDrop) start = i;
  }
  return clean.slice(start);
}

/**
 * Days until the level reaches `full` at the current linear rate; undefined when the level is flat
 * or falling, when there are too few points or too short a span to tell, or when it is so far off
 * that it means nothing. Irregular spacing and gaps are fine: the fit uses the real times.
 */
export function daysToFull(
  points: readonly FillPoint[],
  opts: ForecastOptions = {},
): number | undefined {
  const minPoints = opts.minPoints ?? 6;
  const minSpanMs = opts.minSpanMs ?? 12 * 3_600_000;
  const full = opts.full ?? 100;
  const maxDays = opts.maxDays ?? 3650;
  const pts = trendPoints(points, opts.resetDrop ?? 5);
  if (pts.length < minPoints) return undefined;
  if (pts[pts.length - 1]!.t - pts[0]!.t < minSpanMs) return undefined;
  const trend = linearTrend(pts);
  // Less than a thousandth of a point a day is measurement noise, not growth.
  if (!trend || trend.slopePerDay <= 1e-3) return undefined;
  const days = (full - trend.level) / trend.slopePerDay;
  if (days <= 0) return 0;
  return days > maxDays ? undefined : days;
}
