import { formatTimestamp } from '../charts/scale.js';
/** A timestamp rendered in the site's time zone, with the exact UTC time on hover. */
export function Time(props: { iso: string | undefined; timezone: string }) {
  if (!props.iso) return <span class="muted">never</span>;
  const text = formatTimestamp(Date.parse(props.iso), props.timezone);
  return (
    <time datetime={props.iso} title={props.iso}>
      {text}
    </time>
  );
}

export function StatusBadge(props: { status: string }) {
  return <span class={`badge s-${props.status}`}>{props.status}</span>;
}
