import {
  cleanPoints,
  downsample,
  finite,
  hasBand,
  r1,
  segments,
  seriesStats,
  TIME_LIMIT,
  type ChartSeries,
  type Point,
  type SeriesStats,
  type Threshold,
} from './series.js';
import {
  formatDateTime,
  formatDuration,
  formatValue,
  isZeroBased,
  timeTicks,
  valueAxis,
  type ValueAxis,
} from './scale.js';

export type { ChartSeries, Point, Threshold } from './series.js';

export interface LineChartProps {
  title: string;
  series: ChartSeries[];
  /** The period shown, ms since the epoch. */
  from: number;
  to: number;
  /** The site's IANA time zone: time labels follow its wall clock. */
  tz: string;
  /** Height of the drawing in viewBox units (px at full width). Default 200. */
  height?: number | undefined;
  /** Width of the drawing in viewBox units; it scales to its container. Default 640. */
  width?: number | undefined;
  /** The axis reaches at least this value (percentages default to 100, 'bool' to 1). */
  yMax?: number | undefined;
  thresholds?: Threshold[] | undefined;
  /** Element id, unique in the page; derived from the title when absent. */
  id?: string | undefined;
  /**
   * Also draw the chart this wide (viewBox units) for narrow screens, where a wide drawing would
   * shrink its labels to nothing; CSS shows one of the two.
   */
  compactWidth?: number | undefined;
  /** Hide the numbers table (for small repeated charts). */
  noTable?: boolean | undefined;
}

/** Series colours: classes s0…s5 in app.css, repeated beyond six. */
export const PALETTE_SIZE = 6;
const TABLE_ROWS = 24;
const FONT = 11;

export function chartDomId(title: string, id?: string): string {
  const base = (id ?? `chart-${title}`)
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return /^[a-z]/.test(base) ? base : `c-${base || 'chart'}`;
}

interface Prepared {
  s: ChartSeries;
  index: number;
  /** Cleaned points in the period; drawings thin them to one per pixel column. */
  clean: Point[];
  stats: SeriesStats;
}

/** The period to draw: finite, ordered and not empty (from the data when not given). */
function period(from: number, to: number, series: ChartSeries[]): [number, number] | undefined {
  let f = finite(from);
  let t = finite(to);
  if (f === null || t === null) {
    let first = Infinity;
    let last = -Infinity;
    for (const s of series) {
      for (const p of cleanPoints(s?.points)) {
        first = Math.min(first, p.t);
        last = Math.max(last, p.t);
      }
    }
    if (first > last) return undefined;
    f ??= first;
    t ??= last;
  }
  if (t < f) [f, t] = [t, f];
  // keep a day inside the range of dates, where time zones still apply
  const limit = TIME_LIMIT - 2 * 86_400_000;
  f = Math.max(-limit, Math.min(limit, f));
  t = Math.max(-limit, Math.min(limit, t));
  if (t - f < 60_000) {
    f -= 1_800_000;
    t += 1_800_000;
  }
  return [f, t];
}

function statsText(p: Prepared): string {
  const u = p.s.unit;
  if (!p.stats.count) return 'no data';
  return `last ${formatValue(p.stats.last, u)}, average ${formatValue(p.stats.avg, u)}, maximum ${formatValue(p.stats.max, u)}`;
}

/**
 * A time-series chart drawn on the server: one line (or area) per series, a min–max band where
 * the data is rolled up, gaps where there is no data, thresholds as dashed lines, a legend with
 * last/average/maximum values, and the numbers in a table for people who cannot see the drawing.
 * All series of one chart share the first series' unit.
 */
export function LineChart(props: LineChartProps) {
  const id = chartDomId(props.title, props.id);
  const list = Array.isArray(props.series) ? props.series : [];
  const span = period(props.from, props.to, list);
  const W = Math.round(Math.min(2000, Math.max(200, finite(props.width) ?? 640)));
  const H = Math.round(Math.min(1000, Math.max(80, finite(props.height) ?? 200)));
  const compactW =
    finite(props.compactWidth) === null
      ? undefined
      : Math.round(Math.min(W, Math.max(200, props.compactWidth!)));

  if (!span) return <NoData id={id} title={props.title} />;
  const [from, to] = span;
  const unit = list[0]?.unit ?? '';
  const prepared: Prepared[] = list.filter(Boolean).map((s, index) => {
    const clean = cleanPoints(s.points, from, to);
    return { s, index, clean, stats: seriesStats(clean) };
  });
  if (!prepared.some((p) => p.stats.count)) {
    return <NoData id={id} title={props.title} from={from} to={to} tz={props.tz} />;
  }

  // value range over all data (thinning keeps the extremes), negated series below the axis
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of prepared) {
    const sign = p.s.negate ? -1 : 1;
    for (const pt of p.clean) {
      if (pt.avg === null) continue;
      const a = sign * (sign > 0 ? (pt.min ?? pt.avg) : (pt.max ?? pt.avg));
      const b = sign * (sign > 0 ? (pt.max ?? pt.avg) : (pt.min ?? pt.avg));
      if (a < lo) lo = a;
      if (b > hi) hi = b;
    }
  }
  if (isZeroBased(unit)) {
    lo = Math.min(lo, 0);
    hi = Math.max(hi, 0);
  }
  const yMax = finite(props.yMax) ?? (unit === '%' ? 100 : unit === 'bool' ? 1 : null);
  if (yMax !== null) hi = Math.max(hi, yMax);
  // thresholds near the data are worth making room for; far ones would flatten the lines
  const thresholds = (props.thresholds ?? []).filter((t) => finite(t?.value) !== null);
  for (const t of thresholds) {
    if (t.value <= hi + Math.abs(hi) * 0.25 && t.value >= lo - Math.abs(lo) * 0.25) {
      hi = Math.max(hi, t.value);
      lo = Math.min(lo, t.value);
    }
  }
  const negated = prepared.some((p) => p.s.negate);
  const axis = valueAxis(lo, hi, unit, { count: H >= 160 ? 5 : 3, absolute: negated });
  const shownThresholds = thresholds.filter((t) => t.value >= axis.min && t.value <= axis.max);

  const withYear = to - from > 300 * 86_400_000;
  const rangeText = `${formatDateTime(from, props.tz, withYear)} to ${formatDateTime(to, props.tz, withYear)}`;
  const desc = `${prepared.map((p) => `${p.s.label}: ${statsText(p)}`).join('. ')}. From ${rangeText}.`;
  const drawing = { title: props.title, desc, H, from, to, tz: props.tz, axis, prepared };
  const main = (
    <ChartSvg
      {...drawing}
      W={W}
      id={id}
      thresholds={shownThresholds}
      cls={compactW ? 'chart-svg wide-only' : 'chart-svg'}
    />
  );
  const anyBand = prepared.some((p) => hasBand(p.clean) || p.clean.length > W);

  return (
    <figure class="chart" id={id}>
      <figcaption class="chart-title">{props.title}</figcaption>
      {main}
      {compactW ? (
        <ChartSvg
          {...drawing}
          W={compactW}
          id={`${id}-n`}
          thresholds={shownThresholds}
          cls="chart-svg narrow-only"
        />
      ) : null}
      <ul class="chart-legend">
        {prepared.map((p) => (
          <li>
            <span class={`swatch s${p.index % PALETTE_SIZE}`} aria-hidden="true"></span>
            <span class="name">
              {p.s.label}
              {p.s.negate ? <span class="muted"> (below the axis)</span> : null}
            </span>{' '}
            {p.stats.count ? (
              <span class="stats">
                <span class="stat">
                  last <b>{formatValue(p.stats.last, p.s.unit)}</b>
                </span>{' '}
                ·{' '}
                <span class="stat">
                  avg <b>{formatValue(p.stats.avg, p.s.unit)}</b>
                </span>{' '}
                ·{' '}
                <span class="stat">
                  max <b>{formatValue(p.stats.max, p.s.unit)}</b>
                </span>
              </span>
            ) : (
              <span class="stats muted">no data</span>
            )}
          </li>
        ))}
        {anyBand ? (
          <li class="band-note">
            <span class="swatch band" aria-hidden="true"></span>
            <span class="muted">shaded: lowest to highest in each interval</span>
          </li>
        ) : null}
        {thresholds.map((t) => (
          <li class={`threshold-note ${t.level ?? 'warning'}`}>
            <span class="swatch dash" aria-hidden="true"></span>
            <span class="muted">
              {t.label}: {formatValue(t.value, unit)}
              {shownThresholds.includes(t) ? '' : ' (off the chart)'}
            </span>
          </li>
        ))}
      </ul>
      {props.noTable ? null : (
        <DataTable
          id={id}
          title={props.title}
          prepared={prepared}
          from={from}
          to={to}
          tz={props.tz}
        />
      )}
    </figure>
  );
}

/** The drawing itself, for one width. */
function ChartSvg(props: {
  id: string;
  cls: string;
  title: string;
  desc: string;
  W: number;
  H: number;
  from: number;
  to: number;
  tz: string;
  axis: ValueAxis;
  prepared: Prepared[];
  thresholds: Threshold[];
}) {
  const { id, W, H, from, to, axis } = props;
  const longest = Math.max(...axis.ticks.map((t) => t.label.length));
  // room for labels up to 13 px (phones draw them larger, see app.css)
  const left = Math.max(28, Math.round(longest * 13 * 0.6 + 8));
  const top = 8;
  const right = W - 10;
  const bottom = H - 22;
  const plotW = right - left;
  const x = (t: number) => left + ((t - from) / (to - from)) * plotW;
  const yRange = axis.max - axis.min || 1;
  const y = (v: number) => top + ((axis.max - v) / yRange) * (bottom - top);
  const y0 = y(Math.min(axis.max, Math.max(axis.min, 0)));
  const xTicks = timeTicks(from, to, props.tz, plotW);
  return (
    <svg
      class={props.cls}
      viewBox={`0 0 ${W} ${H}`}
      width="100%"
      role="img"
      aria-labelledby={`${id}-t ${id}-d`}
      font-size={FONT}
    >
      <title id={`${id}-t`}>{props.title}</title>
      <desc id={`${id}-d`}>{props.desc}</desc>
      <g class="grid" stroke="#8888" stroke-width="1">
        {axis.ticks.map((t) => (
          <line
            class={t.value === 0 ? 'zero' : undefined}
            x1={left}
            x2={right}
            y1={r1(y(t.value))}
            y2={r1(y(t.value))}
          />
        ))}
        {xTicks.map((t) => (
          <line
            class={t.major ? 'major' : undefined}
            x1={r1(x(t.t))}
            x2={r1(x(t.t))}
            y1={top}
            y2={bottom}
          />
        ))}
      </g>
      <g class="axis y" text-anchor="end" fill="currentColor">
        {axis.ticks.map((t) => (
          <text x={left - 6} y={r1(y(t.value) + 3.5)}>
            {t.label}
          </text>
        ))}
      </g>
      <g class="axis x" fill="currentColor">
        {xTicks.map((t) => {
          const px = x(t.t);
          const anchor = px < left + 24 ? 'start' : px > right - 24 ? 'end' : 'middle';
          return (
            <text x={r1(px)} y={H - 6} text-anchor={anchor} class={t.major ? 'major' : undefined}>
              {t.label}
            </text>
          );
        })}
      </g>
      {props.prepared.map((p) => {
        const drawn = downsample(p.clean, from, to, plotW);
        return <SeriesShapes p={p} drawn={drawn} band={hasBand(drawn)} x={x} y={y} y0={y0} />;
      })}
      {props.thresholds.map((t) => (
        <g class={`threshold ${t.level ?? 'warning'}`}>
          <line
            x1={left}
            x2={right}
            y1={r1(y(t.value))}
            y2={r1(y(t.value))}
            stroke="currentColor"
            stroke-dasharray="5 4"
          />
          <text x={right - 2} y={r1(y(t.value) - 4)} text-anchor="end" fill="currentColor">
            {t.label}
          </text>
        </g>
      ))}
    </svg>
  );
}

function SeriesShapes(props: {
  p: Prepared;
  drawn: Point[];
  band: boolean;
  x: (t: number) => number;
  y: (v: number) => number;
  y0: number;
}) {
  const { p, x, y, y0 } = props;
  const sign = p.s.negate ? -1 : 1;
  const line: string[] = [];
  const area: string[] = [];
  const band: string[] = [];
  const dots: Array<[string, string]> = [];
  for (const seg of segments(props.drawn)) {
    const xs = seg.map((pt) => r1(x(pt.t)));
    const ys = seg.map((pt) => r1(y(sign * pt.avg!)));
    if (seg.length === 1) {
      dots.push([xs[0]!, ys[0]!]);
      continue;
    }
    line.push(`M${xs.map((xv, i) => `${xv} ${ys[i]}`).join('L')}`);
    if (p.s.kind === 'area') {
      const base = r1(y0);
      area.push(
        `M${xs[0]} ${base}L${xs.map((xv, i) => `${xv} ${ys[i]}`).join('L')}L${xs[xs.length - 1]} ${base}Z`,
      );
    }
    if (props.band) {
      const upper = seg.map((pt, i) => `${xs[i]} ${r1(y(sign * (pt.max ?? pt.avg!)))}`);
      const lower = seg.map((pt, i) => `${xs[i]} ${r1(y(sign * (pt.min ?? pt.avg!)))}`).reverse();
      band.push(`M${upper.join('L')}L${lower.join('L')}Z`);
    }
  }
  const cls = `series s${p.index % PALETTE_SIZE}`;
  return (
    <g class={cls} color="#4a7bb7">
      {band.length ? (
        <path class="band" d={band.join('')} fill="currentColor" fill-opacity="0.18" />
      ) : null}
      {area.length ? (
        <path class="area" d={area.join('')} fill="currentColor" fill-opacity="0.15" />
      ) : null}
      {line.length ? (
        <path
          class="line"
          d={line.join('')}
          fill="none"
          stroke="currentColor"
          stroke-width="1.6"
          stroke-linejoin="round"
          stroke-linecap="round"
        >
          <title>{p.s.label}</title>
        </path>
      ) : null}
      {dots.map(([cx, cy]) => (
        <circle class="dot" cx={cx} cy={cy} r="2.2" fill="currentColor" />
      ))}
    </g>
  );
}

function NoData(props: { id: string; title: string; from?: number; to?: number; tz?: string }) {
  const tz = props.tz ?? 'UTC';
  return (
    <figure class="chart no-data" id={props.id}>
      <figcaption class="chart-title">{props.title}</figcaption>
      <div class="chart-empty">
        <p>No data for this period</p>
        {props.from !== undefined && props.to !== undefined ? (
          <p class="muted small">
            {formatDateTime(props.from, tz)} to {formatDateTime(props.to, tz)}
          </p>
        ) : null}
      </div>
    </figure>
  );
}

/**
 * The chart's numbers: one row per point when there are few, else the mean (and the highest
 * value, for rolled-up data) over TABLE_ROWS equal intervals.
 */
function DataTable(props: {
  id: string;
  title: string;
  prepared: Prepared[];
  from: number;
  to: number;
  tz: string;
}) {
  const { prepared, from, to, tz } = props;
  // one row per point when all series together have few; else equal intervals
  const total = prepared.reduce((n, p) => n + p.clean.length, 0);
  const times =
    total <= TABLE_ROWS * prepared.length
      ? [...new Set(prepared.flatMap((p) => p.clean.map((pt) => pt.t)))].sort((a, b) => a - b)
      : [];
  const bucketed = !times.length || times.length > TABLE_ROWS;
  const size = (to - from) / TABLE_ROWS;
  const starts = bucketed ? Array.from({ length: TABLE_ROWS }, (_, i) => from + i * size) : times;
  const withMax = bucketed || prepared.some((p) => hasBand(p.clean));
  const withYear = to - from > 300 * 86_400_000;
  const rowOf = bucketed
    ? (t: number) => Math.min(TABLE_ROWS - 1, Math.max(0, Math.floor((t - from) / size)))
    : (t: number) => starts.indexOf(t);
  // per series, per row: the points' statistics, in one pass
  const cells = prepared.map((p) => {
    const rows: Point[][] = starts.map(() => []);
    for (const pt of p.clean) rows[rowOf(pt.t)]?.push(pt);
    return rows.map((r) => seriesStats(r));
  });
  const cell = (k: number, i: number) => cells[k]![i]!;
  return (
    <details class="chart-data">
      <summary>Show the numbers</summary>
      <div class="table-scroll">
        <table class="table compact">
          <caption class="small muted">
            {props.title}
            {bucketed
              ? `: average${withMax ? ' and highest' : ''} per ${formatDuration(size)}`
              : ''}
          </caption>
          <thead>
            <tr>
              <th scope="col">{bucketed ? 'From' : 'Time'}</th>
              {prepared.map((p) =>
                withMax ? (
                  <>
                    <th scope="col" class="num">
                      {p.s.label}
                    </th>
                    <th scope="col" class="num">
                      {p.s.label} (highest)
                    </th>
                  </>
                ) : (
                  <th scope="col" class="num">
                    {p.s.label}
                  </th>
                ),
              )}
            </tr>
          </thead>
          <tbody>
            {starts.map((t, i) => (
              <tr>
                <th scope="row" class="nowrap">
                  {formatDateTime(t, tz, withYear)}
                </th>
                {prepared.map((p, k) => {
                  const c = cell(k, i);
                  return withMax ? (
                    <>
                      <td class="num">
                        {c.avg === null ? 'no data' : formatValue(c.avg, p.s.unit)}
                      </td>
                      <td class="num">{c.max === null ? '' : formatValue(c.max, p.s.unit)}</td>
                    </>
                  ) : (
                    <td class="num">{c.avg === null ? 'no data' : formatValue(c.avg, p.s.unit)}</td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
