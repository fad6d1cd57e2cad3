import { describe, it, expect } from 'vitest';
import {
  daysToFull,
  linearTrend,
  trendPoints,
  type FillPoint,
} from '../../src/monitor/forecast.js';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const H = 3_600_000;
const DAY = 24 * H;

/** A disk filling at `perDay` points a day from `start` %, measured every `stepH` hours. */
function series(start: number, perDay: number, days: number, stepH = 6): FillPoint[] {
  const out: FillPoint[] = [];
  for (let t = 0; t <= days * DAY; t += stepH * H)
    out.push({ t: T0 + t, v: start + (perDay * t) / DAY });
  return out;
}

describe('forecast: days until full', () => {
  it('extrapolates a steady rise from the last level', () => {
    // 60 % → 70 % over 10 days: 1 point a day, 30 points left.
    expect(daysToFull(series(60, 1, 10))).toBeCloseTo(30, 6);
  });

  it('gives undefined for a flat or shrinking disk', () => {
    expect(daysToFull(series(50, 0, 10))).toBeUndefined();
    expect(daysToFull(series(80, -0.5, 10))).toBeUndefined();
  });

  it('gives undefined for too few points or too short a span', () => {
    expect(daysToFull(series(60, 1, 10).slice(0, 3))).toBeUndefined();
    // Six points an hour apart: five hours say nothing about a trend.
    expect(daysToFull(series(60, 24, 5 / 24, 1))).toBeUndefined();
    expect(daysToFull([])).toBeUndefined();
  });

  it('is unaffected by gaps and uneven spacing, and by the order of the points', () => {
    const full = series(40, 2, 20);
    const gappy = full.filter((p) => {
      const d = (p.t - T0) / DAY;
      return d < 3 || d > 12 || (d > 6 && d < 7);
    });
    expect(daysToFull(gappy)).toBeCloseTo(daysToFull(full)!, 6);
    expect(daysToFull([...gappy].reverse())).toBeCloseTo(daysToFull(full)!, 6);
  });

  it('fits through noise', () => {
    const noisy = series(50, 1, 20).map((p, i) => ({ ...p, v: p.v + (i % 2 ? 0.4 : -0.4) }));
    expect(daysToFull(noisy)).toBeGreaterThan(28);
    expect(daysToFull(noisy)).toBeLessThan(32);
  });

  it('starts again after a clean-up: the trend before a big drop does not count', () => {
    const before = series(70, 1, 10); // up to 80 %
    const after = series(40, 2, 5).map((p) => ({ ...p, t: p.t + 11 * DAY })); // 40 → 50 %
    // From 50 % at 2 points a day.
    expect(daysToFull([...before, ...after])).toBeCloseTo(25, 6);
    expect(trendPoints([...before, ...after])).toHaveLength(after.length);
  });

  it('says 0 when already full by the trend, and undefined when decades away', () => {
    expect(daysToFull(series(95, 1, 10))).toBe(0);
    expect(daysToFull(series(10, 0.01, 10))).toBeUndefined();
  });

  it('drops impossible values', () => {
    const pts = series(60, 1, 10);
    pts.push({ t: T0 + 3 * DAY, v: Number.NaN }, { t: T0 + 4 * DAY, v: 250 });
    expect(daysToFull(pts)).toBeCloseTo(30, 6);
  });

  it('centres time before fitting, so epoch milliseconds keep their precision', () => {
    const tr = linearTrend(series(60, 1, 10))!;
    expect(tr.slopePerDay).toBeCloseTo(1, 9);
    expect(tr.level).toBeCloseTo(70, 9);
  });
});
