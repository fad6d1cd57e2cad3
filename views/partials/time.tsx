/** A timestamp rendered in the site's time zone, with the exact UTC time on hover. */
export function Time(props: { iso: string | undefined; timezone: string }) {
  if (!props.iso) return <span class="muted">never</span>;
  const d = new Date(props.iso);
  const text = new Intl.DateTimeFormat('en-GB', {
    timeZone: props.timezone,
    year: 'numeric',
    month: 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).format(d);
  return (
    <time datetime={props.iso} title={props.iso}>
      {text}
    </time>
  );
}

export function StatusBadge(props: { status: string }) {
  return <span class={`badge s-${props.status}`}>{props.status}</span>;
}
