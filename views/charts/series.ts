/**
 * The data side of the charts: the shape the metrics store hands to views, and pure helpers that
 * clean, thin and split it before anything is drawn. Nothing here invents data: a null average,
 * or a stretch without points, stays a gap.
 */

/** One point of a series. `t` is ms since the epoch. Raw data has min = avg = max (or none). */
export interface Point {
  t: number;
  avg: number | null;
  min?: number | null | undefined;
  max?: number | null | undefined;
}

export interface ChartSeries {
  label: string;
  unit: string;
  points: Point[];
  kind?: 'line' | 'area' | undefined;
  /** Drawn below the axis (traffic out); values in legends and tables stay positive. */
  negate?: boolean | undefined;
}

export interface Threshold {
  value: number;
  label: string;
  level?: 'warning' | 'critical' | undefined;
}

/**
 * Values beyond this are clamped: no metric on a branch LAN comes near it, and it keeps every
 * computation (ranges, ticks, coordinates) finite.
 */
export const VALUE_LIMIT = 1e18;

/** Times beyond this (about 275 000 years from 1970) are not valid dates. */
export const TIME_LIMIT = 8.64e15;

/** A finite number within ±VALUE_LIMIT, or null. */
export function finite(v: unknown): number | null {
  if (typeof v !== 'number' || !Number.isFinite(v)) return null;
  return Math.max(-VALUE_LIMIT, Math.min(VALUE_LIMIT, v));
}

/**
 * Valid points in time order, optionally limited to [from, to]: non-finite times are dropped,
 * non-finite values become gaps, and min ≤ avg ≤ max holds.
 */
export function cleanPoints(
  points: readonly Point[] | undefined | null,
  from?: number,
  to?: number,
): Point[] {
  if (!Array.isArray(points)) return [];
  const out: Point[] = [];
  let sorted = true;
  for (const p of points) {
    if (!p || typeof p.t !== 'number' || !(Math.abs(p.t) <= TIME_LIMIT)) continue;
    if (from !== undefined && p.t < from) continue;
    if (to !== undefined && p.t > to) continue;
    const avg = finite(p.avg);
    let min = avg === null ? null : finite(p.min);
    let max = avg === null ? null : finite(p.max);
    if (avg !== null) {
      min = min === null ? null : Math.min(min, avg);
      max = max === null ? null : Math.max(max, avg);
    }
    const prev = out[out.length - 1];
    if (prev && prev.t > p.t) sorted = false;
    out.push({ t: p.t, avg, min, max });
  }
  if (!sorted) out.sort((a, b) => a.t - b.t);
  return out;
}

/**
 * At most `buckets` points: each bucket of equal time keeps the mean of its averages and the
 * lowest minimum and highest maximum, so peaks survive as a band. Buckets without points are
 * left out (they become gaps); buckets holding only gaps stay gaps.
 */
export function downsample(points: Point[], from: number, to: number, buckets: number): Point[] {
  const n = Math.max(1, Math.floor(buckets));
  if (points.length <= n) return points;
  const span = to - from;
  if (!(span > 0)) return points.slice(0, n);
  const acc: Array<{ tSum: number; k: number; sum: number; m: number; min: number; max: number }> =
    [];
  for (const p of points) {
    const i = Math.min(n - 1, Math.max(0, Math.floor(((p.t - from) / span) * n)));
    let b = acc[i];
    if (!b) {
      b = { tSum: 0, k: 0, sum: 0, m: 0, min: Infinity, max: -Infinity };
      acc[i] = b;
    }
    b.tSum += p.t;
    b.k++;
    if (p.avg !== null) {
      b.sum += p.avg;
      b.m++;
      b.min = Math.min(b.min, p.min ?? p.avg);
      b.max = Math.max(b.max, p.max ?? p.avg);
    }
  }
  const out: Point[] = [];
  for (const b of acc) {
    if (!b) continue;
    const t = b.tSum / b.k;
    out.push(b.m ? { t, avg: b.sum / b.m, min: b.min, max: b.max } : { t, avg: null });
  }
  return out;
}

/** The median distance between consecutive points, ignoring repeated times. */
export function medianStep(points: Point[]): number | undefined {
  const steps: number[] = [];
  for (let i = 1; i < points.length; i++) {
    const d = points[i]!.t - points[i - 1]!.t;
    if (d > 0) steps.push(d);
  }
  if (!steps.length) return undefined;
  steps.sort((a, b) => a - b);
  const mid = steps.length >> 1;
  return steps.length % 2 ? steps[mid]! : (steps[mid - 1]! + steps[mid]!) / 2;
}

/** How much further apart than usual two points may be before the line breaks. */
export const GAP_FACTOR = 2.5;

/**
 * Runs of points to draw as one line: a run ends at a point without data and where two points are
 * further apart than GAP_FACTOR times the median step (the poller was down, the box was off).
 */
export function segments(points: Point[]): Point[][] {
  const step = medianStep(points);
  const limit = step === undefined ? Infinity : step * GAP_FACTOR;
  const out: Point[][] = [];
  let run: Point[] = [];
  let prevT: number | undefined;
  for (const p of points) {
    if (p.avg === null) {
      if (run.length) out.push(run);
      run = [];
    } else {
      if (run.length && prevT !== undefined && p.t - prevT > limit) {
        out.push(run);
        run = [];
      }
      run.push(p);
    }
    prevT = p.t;
  }
  if (run.length) out.push(run);
  return out;
}

/** True when the points carry a min–max spread (rolled-up data), not just raw values. */
export function hasBand(points: Point[]): boolean {
  return points.some(
    (p) =>
      p.avg !== null &&
      ((p.min !== null && p.min !== undefined && p.min !== p.avg) ||
        (p.max !== null && p.max !== undefined && p.max !== p.avg)),
  );
}

export interface SeriesStats {
  /** The newest value, and when it was measured. */
  last: number | null;
  lastT?: number | undefined;
  avg: number | null;
  min: number | null;
  max: number | null;
  /** Points with data. */
  count: number;
}

/** Last, mean (of the averages), lowest minimum and highest maximum of cleaned points. */
export function seriesStats(points: Point[]): SeriesStats {
  let sum = 0;
  let count = 0;
  let min = Infinity;
  let max = -Infinity;
  let last: Point | undefined;
  for (const p of points) {
    if (p.avg === null) continue;
    sum += p.avg;
    count++;
    min = Math.min(min, p.min ?? p.avg);
    max = Math.max(max, p.max ?? p.avg);
    last = p;
  }
  if (!count) return { last: null, avg: null, min: null, max: null, count: 0 };
  return {
    last: last!.avg,
    lastT: last!.t,
    avg: finite(sum / count),
    min,
    max,
    count,
  };
}

/** A coordinate rounded to one decimal, without a "-0". */
export function r1(n: number): string {
  const v = Math.round(n * 10) / 10;
  return Object.is(v, -0) || v === 0 ? '0' : String(v);
}
