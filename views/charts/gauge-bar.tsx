import type { Child } from 'hono/jsx';
import { finite, r1 } from './series.js';
import { formatValue } from './scale.js';

export type GaugeLevel = 'ok' | 'warning' | 'critical' | 'unknown';

export interface GaugeBarProps {
  /** What is measured: "nas-01 /volume1", "Black toner". Also the accessible name. */
  label: string;
  /** Optional link for the label (the device page). */
  href?: string | undefined;
  /** The value; null or undefined when unknown. */
  value: number | null | undefined;
  /** Full scale. Default 100 (a percentage). */
  max?: number | undefined;
  unit?: string | undefined;
  /**
   * 'high' (default): a high value is bad (storage, load). 'low': a low value is bad (toner,
   * battery).
   */
  bad?: 'high' | 'low' | undefined;
  /** Where warning and critical start. Defaults: 80/90 for 'high', 20/5 for 'low'. */
  warnAt?: number | undefined;
  critAt?: number | undefined;
  /** A line under the bar: "1.2 TiB of 2 TiB · full in about 12 days". */
  detail?: Child;
}

export function gaugeLevel(
  value: number | null | undefined,
  bad: 'high' | 'low' = 'high',
  warnAt?: number,
  critAt?: number,
): GaugeLevel {
  const v = finite(value);
  if (v === null) return 'unknown';
  const warn = finite(warnAt) ?? (bad === 'high' ? 80 : 20);
  const crit = finite(critAt) ?? (bad === 'high' ? 90 : 5);
  if (bad === 'high') return v >= crit ? 'critical' : v >= warn ? 'warning' : 'ok';
  return v <= crit ? 'critical' : v <= warn ? 'warning' : 'ok';
}

const FLAG: Record<'high' | 'low', Partial<Record<GaugeLevel, string>>> = {
  high: { warning: 'high', critical: 'critical' },
  low: { warning: 'low', critical: 'very low' },
};

/**
 * A horizontal usage bar: the fill is an SVG rect (its width is an attribute, which the CSP
 * allows where an inline style would not), coloured by level through CSS classes, with the level
 * also written out so colour is never the only signal. The bar is a meter for assistive
 * technology (on the bar alone: a meter's content is not read, and the label may be a link).
 */
export function GaugeBar(props: GaugeBarProps) {
  const max = finite(props.max) && props.max! > 0 ? props.max! : 100;
  const unit = props.unit ?? '%';
  const bad = props.bad ?? 'high';
  const v = finite(props.value);
  const level = gaugeLevel(v, bad, props.warnAt, props.critAt);
  const pct = v === null ? 0 : Math.max(0, Math.min(100, (v / max) * 100));
  const text = v === null ? 'unknown' : formatValue(v, unit);
  const flag = FLAG[bad][level];
  const marks = [
    props.warnAt ?? (bad === 'high' ? 80 : 20),
    props.critAt ?? (bad === 'high' ? 90 : 5),
  ]
    .map((m) => finite(m))
    .filter((m): m is number => m !== null && m > 0 && m < max);
  return (
    <div class={`gauge ${level}`}>
      <div class="gauge-head">
        <span class="gauge-label">
          {props.href ? <a href={props.href}>{props.label}</a> : props.label}
        </span>
        <span class="gauge-value">
          {flag ? <span class="gauge-flag">{flag}</span> : null}
          {text}
        </span>
      </div>
      <svg
        class="gauge-bar"
        viewBox="0 0 100 8"
        preserveAspectRatio="none"
        width="100%"
        height="8"
        focusable="false"
        role="meter"
        aria-label={props.label}
        aria-valuemin={0}
        aria-valuemax={max}
        aria-valuenow={v === null ? undefined : v}
        aria-valuetext={flag ? `${text} (${flag})` : text}
      >
        <rect class="gauge-track" width="100" height="8" fill="#8884" />
        <rect class="gauge-fill" width={r1(pct)} height="8" fill="#4a7bb7" />
        {marks.map((m) => (
          <rect
            class="gauge-mark"
            x={r1((m / max) * 100 - 0.25)}
            width="0.5"
            height="8"
            fill="#8888"
          />
        ))}
      </svg>
      {props.detail ? <div class="gauge-detail muted small">{props.detail}</div> : null}
    </div>
  );
}
