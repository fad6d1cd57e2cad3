import {
  cleanPoints,
  downsample,
  finite,
  r1,
  segments,
  seriesStats,
  type Point,
} from './series.js';
import { formatValue } from './scale.js';

export interface SparklineProps {
  points: Point[];
  /** What it shows, for the accessible name: "Traffic on eth0, last hour". */
  label: string;
  unit: string;
  /** The period; defaults to the first and last point. */
  from?: number | undefined;
  to?: number | undefined;
  /** Size in px. Default 96 × 24. */
  width?: number | undefined;
  height?: number | undefined;
  /** Colour class s0…s5 of the chart palette. Default 0. */
  tone?: number | undefined;
}

/**
 * A tiny trend line for a table cell: no axes, the area under the line lightly filled, gaps left
 * open. Its accessible name carries the numbers (last and highest value).
 */
export function Sparkline(props: SparklineProps) {
  const W = Math.round(Math.min(400, Math.max(24, finite(props.width) ?? 96)));
  const H = Math.round(Math.min(100, Math.max(8, finite(props.height) ?? 24)));
  const all = cleanPoints(props.points);
  const first = all[0]?.t;
  const last = all[all.length - 1]?.t;
  let from = finite(props.from) ?? first;
  let to = finite(props.to) ?? last;
  const stats = seriesStats(
    from !== undefined && to !== undefined
      ? all.filter((p) => p.t >= Math.min(from!, to!) && p.t <= Math.max(from!, to!))
      : all,
  );
  if (from === undefined || to === undefined || !stats.count) {
    return (
      <span class="spark-empty muted small" title={`${props.label}: no data`}>
        no data
      </span>
    );
  }
  if (to < from) [from, to] = [to, from];
  if (to === from) {
    from -= 1;
    to += 1;
  }
  const drawn = downsample(cleanPoints(all, from, to), from, to, W);
  const lo = Math.min(0, stats.min ?? 0);
  let hi = Math.max(0, stats.max ?? 0);
  if (hi === lo) hi = lo + 1;
  const pad = 1.5;
  const x = (t: number) => pad + ((t - from!) / (to! - from!)) * (W - 2 * pad);
  const y = (v: number) => pad + ((hi - v) / (hi - lo)) * (H - 2 * pad);
  const base = r1(y(Math.max(lo, Math.min(hi, 0))));
  const line: string[] = [];
  const area: string[] = [];
  const dots: Array<[string, string]> = [];
  for (const seg of segments(drawn)) {
    const pts = seg.map((p) => `${r1(x(p.t))} ${r1(y(p.avg!))}`);
    if (seg.length === 1) {
      const [cx, cy] = pts[0]!.split(' ') as [string, string];
      dots.push([cx, cy]);
      continue;
    }
    line.push(`M${pts.join('L')}`);
    area.push(
      `M${r1(x(seg[0]!.t))} ${base}L${pts.join('L')}L${r1(x(seg[seg.length - 1]!.t))} ${base}Z`,
    );
  }
  const tone = Math.abs(Math.round(finite(props.tone) ?? 0)) % 6;
  const name = `${props.label}: last ${formatValue(stats.last, props.unit)}, highest ${formatValue(stats.max, props.unit)}`;
  return (
    <svg
      class={`spark s${tone}`}
      viewBox={`0 0 ${W} ${H}`}
      width={W}
      height={H}
      role="img"
      aria-label={name}
      color="#4a7bb7"
    >
      <title>{name}</title>
      {area.length ? (
        <path class="area" d={area.join('')} fill="currentColor" fill-opacity="0.15" />
      ) : null}
      {line.length ? (
        <path
          class="line"
          d={line.join('')}
          fill="none"
          stroke="currentColor"
          stroke-width="1.3"
          stroke-linejoin="round"
        />
      ) : null}
      {dots.map(([cx, cy]) => (
        <circle cx={cx} cy={cy} r="1.6" fill="currentColor" />
      ))}
    </svg>
  );
}
