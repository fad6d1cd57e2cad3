/**
 * Charts and monitoring views rendered to HTML strings: gaps, bands, empty states, ticks, units,
 * time zones, thinning, escaping, and that absurd input never produces NaN or Infinity.
 */
import { describe, expect, it } from 'vitest';
import { LineChart, type LineChartProps } from '../../views/charts/line-chart.js';
import { Sparkline } from '../../views/charts/sparkline.js';
import { GaugeBar, gaugeLevel } from '../../views/charts/gauge-bar.js';
import {
  RangePicker,
  parseRangeQuery,
  rangeUrl,
  resolveRange,
} from '../../views/charts/range-picker.js';
import {
  formatValue,
  fromWallClock,
  niceTicks,
  parseLocalInput,
  timeTicks,
  toLocalInput,
  valueAxis,
  wallClock,
} from '../../views/charts/scale.js';
import {
  cleanPoints,
  downsample,
  segments,
  type ChartSeries,
  type Point,
} from '../../views/charts/series.js';
import {
  MonitoringDashboard,
  type MonitoringDashboardProps,
} from '../../views/pages/dashboard-monitoring.js';
import {
  DeviceMetricsSection,
  type DeviceMetricsProps,
} from '../../views/pages/devices/metrics-section.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const T0 = Date.parse('2024-06-01T00:00:00Z');
const TZ = 'Europe/Berlin';

const html = (node: unknown): string => String(node);

function raw(n: number, step = MIN, start = T0, value = (i: number) => 10 + (i % 7)): Point[] {
  return Array.from({ length: n }, (_, i) => ({ t: start + i * step, avg: value(i) }));
}

function chart(series: ChartSeries[], extra: Partial<LineChartProps> = {}): string {
  return html(
    LineChart({ title: 'Test chart', series, from: T0, to: T0 + HOUR, tz: TZ, ...extra }),
  );
}

/** The `d` of the series' line path(s). */
function lineD(out: string): string[] {
  return [...out.matchAll(/<path class="line" d="([^"]*)"/g)].map((m) => m[1]!);
}

function moves(d: string): number {
  return (d.match(/M/g) ?? []).length;
}

function expectFinite(out: string) {
  expect(out).not.toMatch(/NaN|Infinity|undefined/);
}

describe('value axes and units', () => {
  it('labels 0 to 1.2 Gbit/s in Gbit/s with even steps', () => {
    const axis = valueAxis(0, 1.2e9, 'bit/s');
    expect(axis.min).toBe(0);
    expect(axis.max).toBeGreaterThanOrEqual(1.2e9);
    expect(axis.max).toBeLessThanOrEqual(1.5e9);
    expect(axis.ticks[0]!.label).toBe('0');
    for (const t of axis.ticks.slice(1)) expect(t.label).toMatch(/^\d+(\.\d+)? Gbit\/s$/);
    expect(axis.ticks.map((t) => t.label)).toContain('1.2 Gbit/s');
    const steps = axis.ticks.slice(1).map((t, i) => t.value - axis.ticks[i]!.value);
    for (const s of steps) expect(s).toBeCloseTo(steps[0]!, 0);
  });

  it('uses binary units for bytes and SI units for bits', () => {
    const labels = valueAxis(0, 1.5 * 1024 ** 4, 'B').ticks.map((t) => t.label);
    expect(labels.at(-1)).toBe('1.5 TiB');
    expect(valueAxis(0, 400 * 1024 ** 3, 'B').ticks.at(-1)!.label).toBe('400 GiB');
    expect(formatValue(1.5 * 1024 ** 3, 'B')).toBe('1.5 GiB');
    expect(formatValue(1536, 'B')).toBe('1.5 KiB');
    expect(formatValue(1234, 'bit/s')).toBe('1.23 kbit/s');
    expect(formatValue(12.5e6, 'bit/s')).toBe('12.5 Mbit/s');
    expect(formatValue(3.2e9, 'bit/s')).toBe('3.2 Gbit/s');
    expect(formatValue(2000, 'pkt/s')).toBe('2 kpkt/s');
  });

  it('formats the other units people read', () => {
    expect(formatValue(42, '%')).toBe('42%');
    expect(formatValue(93.44, '%')).toBe('93.4%');
    expect(formatValue(21.54, '°C')).toBe('21.5 °C');
    expect(formatValue(0.82, 'ms')).toBe('0.82 ms');
    expect(formatValue(1500, 'ms')).toBe('1.5 s');
    expect(formatValue(45, 'min')).toBe('45 min');
    expect(formatValue(1, 'days')).toBe('1 day');
    expect(formatValue(12, 'days')).toBe('12 days');
    expect(formatValue(0, 'bit/s')).toBe('0 bit/s');
    expect(formatValue(NaN, 'bit/s')).toBe('–');
    expect(formatValue(null, '%')).toBe('–');
    expect(formatValue(Infinity, 'B')).toBe('–');
    expect(formatValue(0.985, 'bool')).toBe('98.5%');
    expect(valueAxis(0, 1, 'bool').ticks.at(-1)!.label).toBe('100%');
  });

  it('keeps percentages on 0–100 and writes negative ticks without a sign when asked', () => {
    expect(valueAxis(0, 100, '%').ticks.map((t) => t.label)).toEqual([
      '0',
      '20%',
      '40%',
      '60%',
      '80%',
      '100%',
    ]);
    const labels = valueAxis(-3e6, 8e6, 'bit/s', { absolute: true }).ticks.map((t) => t.label);
    expect(labels.some((l) => l.startsWith('-'))).toBe(false);
    expect(labels).toContain('0');
  });

  it('gives sane ticks for degenerate and absurd ranges', () => {
    for (const [lo, hi] of [
      [5, 5],
      [0, 0],
      [NaN, Infinity],
      [10, -10],
      [-1e18, 1e18],
      [1e-9, 2e-9],
    ] as Array<[number, number]>) {
      const t = niceTicks(lo, hi);
      expect(t.ticks.length).toBeGreaterThanOrEqual(2);
      expect(t.ticks.length).toBeLessThanOrEqual(40);
      for (const v of t.ticks) expect(Number.isFinite(v)).toBe(true);
      for (let i = 1; i < t.ticks.length; i++) expect(t.ticks[i]!).toBeGreaterThan(t.ticks[i - 1]!);
    }
    expect(niceTicks(5, 5).min).toBeGreaterThanOrEqual(0);
  });
});

describe('time axes in the site time zone', () => {
  const berlinHour = (t: number) => new Date(wallClock(t, TZ)).getUTCHours();

  it('keeps ticks on round local hours across the spring DST change in Europe/Berlin', () => {
    const from = Date.parse('2024-03-30T12:00:00Z');
    const to = Date.parse('2024-04-01T00:00:00Z');
    const ticks = timeTicks(from, to, TZ, 900);
    expect(ticks.length).toBeGreaterThanOrEqual(8);
    for (let i = 0; i < ticks.length; i++) {
      const t = ticks[i]!;
      expect(t.t).toBeGreaterThanOrEqual(from);
      expect(t.t).toBeLessThanOrEqual(to);
      if (i) expect(t.t).toBeGreaterThan(ticks[i - 1]!.t);
      expect(new Date(wallClock(t.t, TZ)).getUTCMinutes()).toBe(0);
      expect(berlinHour(t.t) % 3).toBe(0);
    }
    // local midnights: 31 March at 23:00 UTC (CET), 1 April at 22:00 UTC (CEST)
    const byLabel = new Map(ticks.map((t) => [t.label, t]));
    expect(byLabel.get('31 Mar')?.t).toBe(Date.parse('2024-03-30T23:00:00Z'));
    expect(byLabel.get('31 Mar')?.major).toBe(true);
    expect(byLabel.get('1 Apr')?.t).toBe(Date.parse('2024-03-31T22:00:00Z'));
    // 03:00 CEST follows 00:00 CET after two real hours
    expect(byLabel.get('03:00')?.t).toBe(Date.parse('2024-03-31T01:00:00Z'));
  });

  it('labels the repeated hour of the autumn change once, at its first occurrence', () => {
    const from = Date.parse('2024-10-26T22:00:00Z');
    const to = Date.parse('2024-10-27T06:00:00Z');
    const ticks = timeTicks(from, to, TZ, 900);
    const labels = ticks.map((t) => t.label);
    expect(labels.filter((l) => l === '02:00')).toHaveLength(1);
    expect(ticks.find((t) => t.label === '02:00')!.t).toBe(Date.parse('2024-10-27T00:00:00Z'));
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]!.t).toBeGreaterThan(ticks[i - 1]!.t);
  });

  it('steps by days, weeks and months on local midnights', () => {
    const from = Date.parse('2024-10-01T00:00:00Z');
    const week = timeTicks(from, from + 7 * DAY, TZ, 640);
    expect(week.length).toBeGreaterThanOrEqual(6);
    for (const t of week) expect(berlinHour(t.t)).toBe(0);
    const year = timeTicks(from, from + 365 * DAY, TZ, 640);
    expect(year.map((t) => t.label)).toContain('Jan 2025');
    expect(year.find((t) => t.label === 'Apr')!.t).toBe(Date.parse('2025-03-31T22:00:00Z'));
    const hour = timeTicks(from, from + HOUR, TZ, 640);
    expect(hour.length).toBeGreaterThanOrEqual(4);
    expect(hour.length).toBeLessThanOrEqual(13);
  });

  it('falls back to UTC for an unknown zone and returns nothing for a broken range', () => {
    const ticks = timeTicks(T0, T0 + DAY, 'Not/A_Zone', 640);
    expect(ticks.length).toBeGreaterThan(2);
    expect(ticks[0]!.t % HOUR).toBe(0);
    expect(timeTicks(NaN, T0, TZ)).toEqual([]);
    expect(timeTicks(T0, T0 - 1, TZ)).toEqual([]);
  });

  it('reads and writes datetime-local values in the site zone', () => {
    const t = Date.parse('2024-07-01T12:30:00Z');
    expect(toLocalInput(t, TZ)).toBe('2024-07-01T14:30');
    expect(parseLocalInput('2024-07-01T14:30', TZ)).toBe(t);
    expect(parseLocalInput('2024-01-15T08:00', TZ)).toBe(Date.parse('2024-01-15T07:00:00Z'));
    // 02:30 does not exist on 31 March in Berlin: the instant after the jump
    expect(fromWallClock(Date.UTC(2024, 2, 31, 2, 30), TZ).exact).toBe(false);
    expect(parseLocalInput('2024-02-30T10:00', TZ)).toBeUndefined();
    expect(parseLocalInput('yesterday', TZ)).toBeUndefined();
    expect(parseLocalInput(undefined, TZ)).toBeUndefined();
  });
});

describe('series helpers', () => {
  it('breaks at nulls and at gaps wider than 2.5 times the median step, not at jitter', () => {
    const pts = raw(30);
    pts[10] = { t: pts[10]!.t, avg: null };
    expect(segments(pts)).toHaveLength(2);
    const jitter = raw(30).map((p, i) => (i === 15 ? { ...p, t: p.t + 0.4 * MIN } : p));
    expect(segments(jitter)).toHaveLength(1);
    const hole = raw(30).filter((_, i) => i < 10 || i > 13);
    expect(segments(hole)).toHaveLength(2);
  });

  it('cleans unsorted, non-finite and inconsistent points', () => {
    const c = cleanPoints([
      { t: T0 + 2 * MIN, avg: 5, min: 9, max: 1 },
      { t: T0, avg: NaN },
      { t: NaN, avg: 3 },
      { t: T0 + MIN, avg: Infinity },
    ]);
    expect(c.map((p) => p.t)).toEqual([T0, T0 + MIN, T0 + 2 * MIN]);
    expect(c[0]!.avg).toBeNull();
    // not a measurement: a gap, not a clamped value
    expect(c[1]!.avg).toBeNull();
    expect(cleanPoints([{ t: T0, avg: 1e300 }])[0]!.avg).toBe(1e18);
    expect(c[2]).toMatchObject({ avg: 5, min: 5, max: 5 });
  });

  it('thins to at most one point per bucket and keeps the extremes', () => {
    const pts = raw(10_000, 1000, T0, (i) => (i === 5000 ? 999 : 1));
    const d = downsample(pts, T0, T0 + 10_000_000, 100);
    expect(d.length).toBeLessThanOrEqual(100);
    expect(Math.max(...d.map((p) => p.max ?? 0))).toBe(999);
  });
});

describe('LineChart', () => {
  const series = (points: Point[], extra: Partial<ChartSeries> = {}): ChartSeries => ({
    label: 'Traffic in',
    unit: 'bit/s',
    points,
    ...extra,
  });

  it('draws a line with one subpath per run of data', () => {
    const pts = raw(60);
    const whole = lineD(chart([series(pts)]));
    expect(whole).toHaveLength(1);
    expect(moves(whole[0]!)).toBe(1);

    const withNull = pts.map((p, i) => (i === 30 ? { t: p.t, avg: null } : p));
    expect(moves(lineD(chart([series(withNull)]))[0]!)).toBe(2);

    const withHole = pts.filter((_, i) => i < 20 || i >= 30);
    expect(moves(lineD(chart([series(withHole)]))[0]!)).toBe(2);
  });

  it('draws an isolated point as a dot, not an invisible line', () => {
    const pts = raw(60).map((p, i) => (i === 29 || i === 31 ? { t: p.t, avg: null } : p));
    expect(chart([series(pts)])).toContain('class="dot"');
  });

  it('says so when there is no data for the period', () => {
    const allNull = raw(60).map((p) => ({ t: p.t, avg: null }));
    for (const out of [
      chart([series(allNull)]),
      chart([]),
      chart([series([])]),
      chart([series(raw(10, MIN, T0 - DAY))]),
      html(LineChart({ title: 'x', series: [], from: NaN, to: NaN, tz: TZ })),
    ]) {
      expect(out).toContain('No data for this period');
      expect(out).not.toContain('<svg');
      expectFinite(out);
    }
  });

  it('draws a min–max band for rolled-up data and none for raw data', () => {
    const rolled = raw(48, 30 * MIN, T0).map((p) => ({ ...p, min: p.avg! - 2, max: p.avg! + 5 }));
    const out = chart([series(rolled)], { to: T0 + DAY });
    expect(out).toContain('class="band"');
    expect(out).toContain('shaded: lowest to highest');
    const plain = chart([series(raw(60))]);
    expect(plain).not.toContain('class="band"');
  });

  it('draws negated series below the axis and labels the axis without signs', () => {
    const out = chart([
      series(raw(60), { kind: 'area' }),
      series(raw(60), { label: 'Out', negate: true, kind: 'area' }),
    ]);
    const zeroY = Number(/<line class="zero"[^>]*y1="([\d.]+)"/.exec(out)![1]);
    const outLine = lineD(out)[1]!;
    const ys = [...outLine.matchAll(/[ML][\d.]+ ([\d.]+)/g)].map((m) => Number(m[1]));
    for (const yv of ys) expect(yv).toBeGreaterThan(zeroY);
    const yLabels = [...out.matchAll(/<text x="[\d.]+" y="[\d.]+">([^<]*)<\/text>/g)].map(
      (m) => m[1]!,
    );
    expect(yLabels.length).toBeGreaterThan(2);
    expect(yLabels.some((l) => l.startsWith('-'))).toBe(false);
    expect(out).toContain('(below the axis)');
    expect(out).toContain('class="area"');
  });

  it('shows thresholds near the data and lists far ones as off the chart', () => {
    const out = chart([{ label: 'CPU', unit: '%', points: raw(60, MIN, T0, () => 40) }], {
      thresholds: [{ value: 90, label: 'Critical', level: 'critical' }],
    });
    expect(out).toContain('class="threshold critical"');
    const far = chart([{ label: 'RTT', unit: 'ms', points: raw(60, MIN, T0, () => 2) }], {
      thresholds: [{ value: 500, label: 'Slow' }],
    });
    expect(far).not.toContain('class="threshold warning"');
    expect(far).toContain('(off the chart)');
  });

  it('has an accessible name, a description and the numbers in a table', () => {
    const out = chart([series(raw(60))], { id: 'if-3' });
    expect(out).toMatch(/<svg[^>]*role="img"[^>]*aria-labelledby="if-3-t if-3-d"/);
    expect(out).toContain('<title id="if-3-t">Test chart</title>');
    expect(out).toMatch(/<desc id="if-3-d">Traffic in: last [^<]+, average [^<]+, maximum /);
    expect(out).toContain('<details class="chart-data">');
    const rows = (out.match(/<th scope="row"/g) ?? []).length;
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThanOrEqual(24);
    expect(out).toContain('last <b>');
  });

  it('rounds coordinates to one decimal', () => {
    const pts = raw(60, MIN, T0, (i) => Math.PI * 1e6 * (1 + Math.sin(i)));
    const out = chart([series(pts)]);
    for (const d of lineD(out)) {
      for (const n of d.split(/[MLZ ]/).filter(Boolean)) expect(n).toMatch(/^-?\d+(\.\d)?$/);
    }
    for (const m of out.matchAll(/ (?:x1|x2|y1|y2|cx|cy|x|y)="([^"]*)"/g))
      expect(m[1]).toMatch(/^-?\d+(\.\d)?$/);
  });

  it('thins a huge series to the pixel width', () => {
    const pts = raw(100_000, 1000, T0, (i) => (i * 7919) % 1000);
    const out = chart([series(pts)], { to: T0 + 100_000_000, width: 640 });
    const d = lineD(out)[0]!;
    const vertices = (d.match(/[ML]/g) ?? []).length;
    expect(vertices).toBeLessThanOrEqual(640);
    expect(vertices).toBeGreaterThan(100);
    expect(out.length).toBeLessThan(80_000);
  });

  it('never writes NaN or Infinity, whatever it is given', () => {
    const absurd: Point[] = [
      { t: T0, avg: -5 },
      { t: T0 + MIN, avg: 1e300, min: -1e300, max: Infinity },
      { t: T0 + 2 * MIN, avg: NaN },
      { t: Infinity, avg: 3 },
      { t: T0 + 3 * MIN, avg: -1e300 },
      { t: T0 + 4 * MIN, avg: 0 },
    ];
    const cases: string[] = [
      chart([series(absurd)]),
      chart([series([{ t: T0 + 10 * MIN, avg: 42 }])]),
      chart([series(raw(5))], { from: T0 + HOUR, to: T0 }),
      chart([series(raw(5))], { from: NaN, to: NaN }),
      chart([series(raw(5))], { from: T0, to: T0 }),
      chart([series(raw(60, MIN, T0, () => -7))]),
      chart([series(raw(60))], { width: NaN, height: -1, yMax: NaN }),
      chart([{ label: 'Temp', unit: '°C', points: raw(60, MIN, T0, () => 21) }]),
      chart([series(raw(60))], { tz: 'Mars/Olympus' }),
      chart([series(raw(60))], { thresholds: [{ value: NaN, label: 'x' }] }),
      chart([series(raw(60))], { from: -1e300, to: 1e300 }),
      chart([series([{ t: 1e17, avg: 1 }, ...raw(3)])], { from: NaN, to: NaN }),
    ];
    for (const out of cases) {
      expectFinite(out);
      expect(out).toMatch(/<svg|No data for this period/);
    }
    expect(cases[1]).toContain('class="dot"');
  });

  it('escapes labels and titles', () => {
    const evil = '<script>alert(1)</script>';
    const out = html(
      LineChart({
        title: evil,
        series: [series(raw(10), { label: evil })],
        from: T0,
        to: T0 + HOUR,
        tz: TZ,
        thresholds: [{ value: 12, label: evil }],
      }),
    );
    expect(out).not.toContain('<script>');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    for (const m of out.matchAll(/ id="([^"]*)"/g)) expect(m[1]).toMatch(/^[a-z][a-z0-9_-]*$/);
  });

  it('draws a second, narrower drawing for phones when asked', () => {
    const out = chart([series(raw(60))], { id: 'site', width: 960, compactWidth: 520 });
    expect(out).toContain('class="chart-svg wide-only"');
    expect(out).toContain('class="chart-svg narrow-only"');
    expect(out).toContain('viewBox="0 0 520 200"');
    expect(out).toContain('id="site-n-t"');
  });
});

describe('Sparkline', () => {
  it('draws a small line with its numbers in the accessible name', () => {
    const out = html(Sparkline({ points: raw(60), label: 'eth0 <in>', unit: 'bit/s' }));
    expect(out).toMatch(/^<svg class="spark s0"/);
    expect(out).toMatch(/aria-label="eth0 &lt;in&gt;: last [^"]+ bit\/s, highest/);
    expect(out).toContain('width="96"');
  });

  it('leaves gaps open and says when there is nothing', () => {
    const holey = raw(60).filter((_, i) => i < 20 || i > 30);
    const d = /class="line" d="([^"]*)"/.exec(
      html(Sparkline({ points: holey, label: 'x', unit: 'bit/s' })),
    )![1]!;
    expect(moves(d)).toBe(2);
    expect(html(Sparkline({ points: [], label: 'x', unit: 'bit/s' }))).toContain('no data');
    const nulls = raw(5).map((p) => ({ t: p.t, avg: null }));
    expect(html(Sparkline({ points: nulls, label: 'x', unit: 'bit/s' }))).toContain('no data');
  });

  it('survives absurd input', () => {
    for (const out of [
      html(Sparkline({ points: [{ t: T0, avg: 5 }], label: 'x', unit: '%' })),
      html(
        Sparkline({
          points: [
            { t: T0, avg: -1e300 },
            { t: T0 + MIN, avg: 1e300 },
          ],
          label: 'x',
          unit: '%',
          width: NaN,
          height: Infinity,
        }),
      ),
      html(Sparkline({ points: raw(5), label: 'x', unit: '%', from: T0 + HOUR, to: T0 })),
    ])
      expectFinite(out);
  });
});

describe('GaugeBar', () => {
  it('colours by level, both ways round', () => {
    expect(gaugeLevel(93)).toBe('critical');
    expect(gaugeLevel(85)).toBe('warning');
    expect(gaugeLevel(40)).toBe('ok');
    expect(gaugeLevel(8, 'low')).toBe('warning');
    expect(gaugeLevel(3, 'low')).toBe('critical');
    expect(gaugeLevel(null)).toBe('unknown');
    const out = html(GaugeBar({ label: 'nas-01 /volume1', value: 93.4, href: '/devices/x' }));
    expect(out).toContain('class="gauge critical"');
    expect(out).toContain('critical</span>93.4%');
    expect(out).toMatch(/role="meter"[^>]*aria-label="nas-01 \/volume1"/);
    expect(out).toContain('aria-valuenow="93.4"');
    expect(out).toContain('class="gauge-fill" width="93.4"');
  });

  it('clamps the bar and handles unknown or absurd values', () => {
    expect(html(GaugeBar({ label: 'x', value: 150 }))).toContain('class="gauge-fill" width="100"');
    expect(html(GaugeBar({ label: 'x', value: -5 }))).toContain('class="gauge-fill" width="0"');
    const unknown = html(GaugeBar({ label: 'x', value: null }));
    expect(unknown).toContain('class="gauge unknown"');
    expect(unknown).toContain('unknown');
    expectFinite(html(GaugeBar({ label: 'x', value: NaN, max: 0, warnAt: NaN })));
  });
});

describe('RangePicker', () => {
  it('links every preset, keeps other parameters and marks the current one', () => {
    const out = html(
      RangePicker({
        baseUrl: '/devices/d1?tab=metrics&range=7d',
        current: { range: '7d' },
        target: '#device-metrics',
        tz: TZ,
        anchor: 'device-metrics',
      }),
    );
    for (const r of ['1h', '1d', '7d', '30d', '1y'])
      expect(out).toContain(`href="/devices/d1?tab=metrics&amp;range=${r}#device-metrics"`);
    expect(out).toMatch(/range=7d#device-metrics" hx-get="[^"]*" [^>]*aria-current="true"/);
    expect((out.match(/aria-current="true"/g) ?? []).length).toBe(1);
    expect(out).toContain('hx-target="#device-metrics"');
    expect(out).toContain('hx-select="#device-metrics"');
    expect(out).toContain('hx-swap="outerHTML"');
    expect(out).toContain('<form method="get" action="/devices/d1#device-metrics"');
    expect(out).toContain('<input type="hidden" name="tab" value="metrics"/>');
    expect(out).toContain('<input type="hidden" name="range" value="custom"/>');
    expect(out).toContain('type="datetime-local" name="from"');
  });

  it('fills the custom form in the site zone and opens it for a custom range', () => {
    const from = Date.parse('2024-07-01T06:00:00Z');
    const to = Date.parse('2024-07-02T06:00:00Z');
    const out = html(
      RangePicker({ baseUrl: '/x', current: { range: 'custom', from, to }, target: '#c', tz: TZ }),
    );
    expect(out).toContain('<details class="range-custom" open="">');
    expect(out).toContain('value="2024-07-01T08:00"');
    expect(out).toContain('value="2024-07-02T08:00"');
    expect(rangeUrl('/x', { range: 'custom', from, to }, TZ)).toBe(
      '/x?range=custom&from=2024-07-01T08%3A00&to=2024-07-02T08%3A00',
    );
  });

  it('resolves and parses ranges, falling back to 24 hours', () => {
    const now = T0;
    expect(resolveRange({ range: '1h' }, now)).toEqual({ from: now - HOUR, to: now });
    expect(resolveRange({ range: 'custom' }, now)).toEqual({ from: now - DAY, to: now });
    expect(resolveRange({ range: 'custom', from: now, to: now - 1 }, now).from).toBe(now - DAY);
    expect(parseRangeQuery({ range: 'bogus' }, TZ)).toEqual({ range: '1d' });
    expect(parseRangeQuery({ range: '30d' }, TZ)).toEqual({ range: '30d' });
    expect(
      parseRangeQuery({ range: 'custom', from: '2024-07-01T08:00', to: '2024-07-02T08:00' }, TZ),
    ).toEqual({
      range: 'custom',
      from: Date.parse('2024-07-01T06:00:00Z'),
      to: Date.parse('2024-07-02T06:00:00Z'),
    });
    expect(parseRangeQuery({ range: 'custom', from: 'x', to: '2024-07-02T08:00' }, TZ)).toEqual({
      range: '1d',
    });
  });
});

function dashboard(over: Partial<MonitoringDashboardProps> = {}): string {
  const now = Date.parse('2024-10-27T14:00:00Z');
  const props: MonitoringDashboardProps = {
    siteName: 'Branch',
    tz: TZ,
    now,
    devices: { total: 23, up: 23, down: 0, unknown: 0, flapping: 0 },
    problems: [],
    topTalkers: [],
    storageNearlyFull: [],
    tasksDue: { overdue: 0, dueSoon: 0, items: [] },
    lastPollAt: new Date(now - 20_000).toISOString(),
    ...over,
  };
  return html(MonitoringDashboard(props));
}

describe('MonitoringDashboard', () => {
  it('says "All 23 devices up" in green and refreshes itself with htmx', () => {
    const out = dashboard();
    expect(out).toContain('class="status-strip ok"');
    expect(out).toContain('All 23 devices up');
    expect(out).toMatch(/^<div id="dashboard-body" class="dash" hx-get="\/dashboard\/body"/);
    expect(out).toContain('hx-trigger="every 30s"');
    expect(out).toContain('hx-swap="outerHTML"');
    expect(out).toContain('X-Caretaker-Poll');
    expect(out).toContain('No problems');
    expectFinite(out);
  });

  it('puts devices down in red with the problems linked to their devices', () => {
    const now = Date.parse('2024-10-27T14:00:00Z');
    const out = dashboard({
      devices: { total: 23, up: 21, down: 2, unknown: 0, flapping: 0 },
      problems: [
        {
          severity: 'critical',
          deviceId: 'dev/1',
          deviceName: '<b>fw</b>',
          message: 'Not answering',
          since: new Date(now - 47 * MIN).toISOString(),
        },
        { severity: 'minor', deviceId: 'd2', deviceName: 'nas', message: 'x', since: 'bogus' },
      ],
      tasksDue: {
        overdue: 1,
        dueSoon: 0,
        items: [
          {
            planId: 'ups test',
            title: 'UPS test',
            dueAt: '2024-10-25T10:00:00Z',
            overdue: true,
          },
        ],
      },
      storageNearlyFull: [
        { deviceId: 'd3', deviceName: 'nas', descr: '/vol1', usedPct: 93, daysToFull: 12 },
      ],
      topTalkers: [
        {
          deviceId: 'd4',
          deviceName: 'sw',
          ifName: 'Gi1',
          inBps: 3e8,
          outBps: 4e7,
          spark: raw(60, MIN, now - HOUR, () => 3e8),
        },
      ],
      siteTraffic: [
        { label: 'In', unit: 'bit/s', points: raw(288, 5 * MIN, now - DAY), kind: 'area' },
      ],
    });
    expect(out).toContain('class="status-strip bad"');
    expect(out).toContain('2 devices down');
    expect(out).toContain('href="/devices/dev%2F1"');
    expect(out).toContain('&lt;b&gt;fw&lt;/b&gt;');
    expect(out).toContain('for 47 min');
    expect(out).toContain('class="sev sev-critical">critical</span>');
    expect(out).toContain('href="/monitoring/inspections/ups%20test"');
    expect(out).toContain('1 task overdue');
    expect(out).toContain('full in about 12 days');
    expect(out).toContain('300 Mbit/s');
    expect(out).toContain('<svg class="spark');
    expect(out).toContain('id="dash-traffic-chart"');
    expectFinite(out);
  });

  it('handles an empty site and a stalled poller', () => {
    const empty = dashboard({
      devices: { total: 0, up: 0, down: 0, unknown: 0, flapping: 0 },
      lastPollAt: undefined,
    });
    expect(empty).toContain('No devices monitored yet');
    expect(empty).toContain('class="status-strip idle"');
    const stale = dashboard({ lastPollAt: '2024-10-27T13:00:00Z' });
    expect(stale).toContain('class="status-strip warn"');
    expect(stale).toContain('monitoring may have stopped');
    const absurd = dashboard({
      devices: { total: NaN, up: -1, down: Infinity, unknown: 0, flapping: 0 },
    });
    expectFinite(absurd);
  });
});

describe('DeviceMetricsSection', () => {
  const now = Date.parse('2024-10-27T14:00:00Z');
  const base: DeviceMetricsProps = {
    deviceId: 'dev-1',
    tz: TZ,
    now,
    range: { range: '1d' },
    status: {
      state: 'up',
      since: new Date(now - 3 * DAY).toISOString(),
      rttMs: 0.82,
      lastPollAt: new Date(now - 40_000).toISOString(),
      pollMs: 340,
      uptimeS: 12 * 86_400,
    },
    interfaces: [
      {
        ifIndex: 1,
        name: 'eth0',
        alias: 'uplink',
        oper: 'up',
        speedBps: 1e9,
        important: true,
        inBps: 3e8,
        outBps: 4e7,
        spark: raw(60, MIN, now - HOUR),
        chartId: 'if-1',
      },
      { ifIndex: 2, name: 'lo', alias: '', oper: 'up', important: false },
    ],
    charts: [
      {
        id: 'if-1',
        group: 'traffic',
        title: 'eth0 traffic',
        series: [
          { label: 'In', unit: 'bit/s', points: raw(288, 5 * MIN, now - DAY) },
          { label: 'Out', unit: 'bit/s', points: raw(288, 5 * MIN, now - DAY), negate: true },
        ],
      },
      {
        id: 'cpu',
        group: 'system',
        title: 'CPU',
        series: [{ label: 'CPU', unit: '%', points: [] }],
        thresholds: [{ value: 90, label: 'Critical', level: 'critical' }],
      },
    ],
    storage: [{ descr: '/volume1', usedPct: 93, usedBytes: 3 * 1024 ** 4, sizeBytes: 4e12 }],
    supplies: [{ descr: 'Black toner', pct: 8, colour: 'black' }],
    ups: { onBattery: true, batteryPct: 80, runtimeMin: 35, loadPct: 40 },
  };

  it('shows the state, the range picker, the levels and the charts by group', () => {
    const out = html(DeviceMetricsSection(base));
    expect(out).toMatch(/^<section id="device-metrics" class="metrics"/);
    expect(out).toContain('class="card mstatus st-up"');
    expect(out).toContain('for 3 d');
    expect(out).toContain('0.82 ms');
    expect(out).toContain('took 340 ms');
    expect(out).toContain('12 d');
    expect(out).toContain('hx-target="#device-metrics"');
    expect(out).toContain('href="/devices/dev-1?range=1d#device-metrics"');
    expect(out).toContain('id="chart-if-1"');
    expect(out).toContain('href="#chart-if-1"');
    expect(out).toContain('Interface traffic and errors');
    expect(out).toContain('CPU and memory');
    expect(out).toContain('No data for this period');
    expect(out).toContain('running on battery');
    expect(out).toContain('class="supply ink-black"');
    expect(out).toContain('Show 1 other interfaces');
    expectFinite(out);
  });

  it('reads sensibly for a device without measurements', () => {
    const out = html(
      DeviceMetricsSection({
        ...base,
        status: { state: 'unknown' },
        charts: [],
        interfaces: [],
        storage: undefined,
        supplies: undefined,
        ups: undefined,
      }),
    );
    expect(out).toContain('Not known yet');
    expect(out).toContain('Nothing measured yet');
    expectFinite(out);
  });
});
