import { parseLocalInput, toLocalInput } from './scale.js';

export type PresetRange = '1h' | '1d' | '7d' | '30d' | '1y';
export type RangeKey = PresetRange | 'custom';

export const RANGES: ReadonlyArray<{ key: PresetRange; label: string; ms: number }> = [
  { key: '1h', label: '1 hour', ms: 3_600_000 },
  { key: '1d', label: '24 hours', ms: 86_400_000 },
  { key: '7d', label: '7 days', ms: 7 * 86_400_000 },
  { key: '30d', label: '30 days', ms: 30 * 86_400_000 },
  { key: '1y', label: '1 year', ms: 365 * 86_400_000 },
];

export interface RangeState {
  range: RangeKey;
  /** For 'custom': the period, ms since the epoch. */
  from?: number | undefined;
  to?: number | undefined;
}

export interface RangePickerProps {
  /** The page (or fragment) URL the choices point at; its own query parameters are kept. */
  baseUrl: string;
  current: RangeState;
  /** CSS selector of the element htmx replaces with the same element of the answer. */
  target: string;
  /** The site's time zone, for the custom from/to fields. */
  tz: string;
  /** Now, to prefill the custom fields with the period shown. */
  now?: number | undefined;
  /** An id in the page to scroll to when the link is followed without htmx. */
  anchor?: string | undefined;
}

export function isRangeKey(s: unknown): s is RangeKey {
  return s === 'custom' || RANGES.some((r) => r.key === s);
}

/** The longest custom period; longer ones are cut to their last year. */
export const MAX_CUSTOM_MS = 5 * 365 * 86_400_000;

/**
 * The period a range stands for. A custom range without a valid from/to (or backwards) falls back
 * to the last 24 hours; one longer than MAX_CUSTOM_MS keeps its end.
 */
export function resolveRange(current: RangeState, now: number): { from: number; to: number } {
  if (current.range === 'custom') {
    const from = current.from;
    const to = current.to;
    if (
      from !== undefined &&
      to !== undefined &&
      Number.isFinite(from) &&
      Number.isFinite(to) &&
      to > from
    ) {
      return { from: Math.max(from, to - MAX_CUSTOM_MS), to };
    }
    return { from: now - 86_400_000, to: now };
  }
  const preset = RANGES.find((r) => r.key === current.range) ?? RANGES[1]!;
  return { from: now - preset.ms, to: now };
}

/**
 * Reads `range`, `from` and `to` query parameters (from/to as datetime-local values in the
 * site's zone, as the custom form sends them). Anything unknown means the default, 24 hours.
 */
export function parseRangeQuery(
  q: { range?: string | undefined; from?: string | undefined; to?: string | undefined },
  tz: string,
): RangeState {
  const range = isRangeKey(q.range) ? q.range : '1d';
  if (range !== 'custom') return { range };
  const from = parseLocalInput(q.from, tz);
  const to = parseLocalInput(q.to, tz);
  return from !== undefined && to !== undefined && to > from
    ? { range, from, to }
    : { range: '1d' };
}

const RANGE_PARAMS = new Set(['range', 'from', 'to']);

function splitBase(baseUrl: string): { path: string; keep: Array<[string, string]> } {
  const u = new URL(baseUrl, 'http://box.invalid');
  const keep = [...u.searchParams.entries()].filter(([k]) => !RANGE_PARAMS.has(k));
  const path = u.origin === 'http://box.invalid' ? u.pathname : `${u.origin}${u.pathname}`;
  return { path, keep };
}

export function rangeUrl(baseUrl: string, state: RangeState, tz: string): string {
  const { path, keep } = splitBase(baseUrl);
  const q = new URLSearchParams(keep);
  q.set('range', state.range);
  if (state.range === 'custom') {
    if (state.from !== undefined) q.set('from', toLocalInput(state.from, tz));
    if (state.to !== undefined) q.set('to', toLocalInput(state.to, tz));
  }
  return `${path}?${q.toString()}`;
}

/**
 * Links for the usual periods and a GET form for any other: they work as plain navigation, and
 * with htmx they replace just `target` (and update the address bar).
 */
export function RangePicker(props: RangePickerProps) {
  const { path, keep } = splitBase(props.baseUrl);
  const hash = props.anchor ? `#${props.anchor}` : '';
  const custom = props.current.range === 'custom';
  const shown =
    props.now !== undefined || custom ? resolveRange(props.current, props.now ?? 0) : undefined;
  const hx = {
    'hx-target': props.target,
    'hx-select': props.target,
    'hx-swap': 'outerHTML',
    'hx-push-url': 'true',
  };
  return (
    <div class="range-picker">
      <nav class="range-presets" aria-label="Time range">
        <span class="muted small">Last</span>
        {RANGES.map((r) => {
          const url = rangeUrl(props.baseUrl, { range: r.key }, props.tz);
          return (
            <a
              href={`${url}${hash}`}
              hx-get={url}
              {...hx}
              aria-current={props.current.range === r.key ? 'true' : undefined}
            >
              {r.label}
            </a>
          );
        })}
      </nav>
      <details class="range-custom" open={custom}>
        <summary>
          {custom && shown ? 'Custom period' : 'Other period…'}
          <span class="sr-only"> (from and to, in the site's time zone)</span>
        </summary>
        <form method="get" action={`${path}${hash}`} hx-get={path} {...hx}>
          {keep.map(([k, v]) => (
            <input type="hidden" name={k} value={v} />
          ))}
          <input type="hidden" name="range" value="custom" />
          <label>
            From{' '}
            <input
              type="datetime-local"
              name="from"
              required
              value={shown ? toLocalInput(shown.from, props.tz) : undefined}
            />
          </label>
          <label>
            To{' '}
            <input
              type="datetime-local"
              name="to"
              required
              value={shown ? toLocalInput(shown.to, props.tz) : undefined}
            />
          </label>
          <button type="submit">Show</button>
        </form>
      </details>
    </div>
  );
}
