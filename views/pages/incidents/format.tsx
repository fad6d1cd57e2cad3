/** Words, badges and small helpers shared by the incident views. Pure. */
import { formatDateTime, formatDuration } from '../../charts/scale.js';

export type SeverityName = 'info' | 'warning' | 'minor' | 'major' | 'critical';
export type IncidentStateName = 'open' | 'acknowledged' | 'resolved';
/** The list's state filter: the three states, plus "not resolved" (the default) and everything. */
export type StateFilter = IncidentStateName | 'unresolved' | 'all';

export const SEVERITY_ORDER: readonly SeverityName[] = [
  'info',
  'warning',
  'minor',
  'major',
  'critical',
];

export const STATE_LABELS: Record<IncidentStateName, string> = {
  open: 'Open',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
};

export const FILTER_LABELS: Record<StateFilter, string> = {
  unresolved: 'Unresolved',
  open: 'Open',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
  all: 'All',
};

/**
 * Every kind of timeline line: a glyph (decoration only, the label is always written) and the
 * words. Unknown kinds (a newer service) fall back to their own name.
 */
export const TIMELINE_KINDS: Record<string, { icon: string; label: string }> = {
  event: { icon: '●', label: 'Event' },
  opened: { icon: '▲', label: 'Opened' },
  reopened: { icon: '↻', label: 'Reopened' },
  acknowledged: { icon: '✓', label: 'Acknowledged' },
  unacknowledged: { icon: '↺', label: 'Acknowledgement withdrawn' },
  assigned: { icon: '→', label: 'Assigned' },
  note: { icon: '✎', label: 'Note' },
  resolved: { icon: '✔', label: 'Resolved' },
  cleared: { icon: '▽', label: 'Cleared' },
  escalated: { icon: '⇧', label: 'Escalated' },
  flapping: { icon: '≈', label: 'Flapping' },
  stable: { icon: '═', label: 'Stable again' },
  suppressed: { icon: '⊘', label: 'Suppressed' },
  unsuppressed: { icon: '○', label: 'No longer suppressed' },
  maintenance: { icon: '⚙', label: 'Maintenance' },
  notified: { icon: '✉', label: 'Notification' },
  'notify-failed': { icon: '✉', label: 'Notification failed' },
};

/** An incident's page. Ids are times (`2026-11-26T08:01:00.000Z.…`): colons may stay as they are. */
export function incidentHref(id: string): string {
  return `/incidents/${encodeURIComponent(id).replace(/%3A/gi, ':')}`;
}

export function kindOf(kind: string): { icon: string; label: string } {
  return TIMELINE_KINDS[kind] ?? { icon: '•', label: kind };
}

export const DELIVERY_STATUS_LABELS: Record<string, string> = {
  pending: 'Waiting',
  sending: 'Sending',
  sent: 'Sent',
  failed: 'Failed',
  dropped: 'Not sent',
};

/** Severity as a written word on a coloured background (the word carries the meaning). */
export function Sev(props: { severity: string }) {
  return <span class={`sev sev-${props.severity}`}>{props.severity}</span>;
}

export function StatePill(props: { state: IncidentStateName }) {
  return <span class={`pill inc-${props.state}`}>{STATE_LABELS[props.state] ?? props.state}</span>;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "5 min ago" with the exact local time on hover; "–" when there is no time. */
export function Ago(props: { iso: string | undefined; now: number; tz: string }) {
  if (!props.iso) return <span class="muted">–</span>;
  const t = Date.parse(props.iso);
  if (!Number.isFinite(t)) return <span>{props.iso}</span>;
  const d = props.now - t;
  const text =
    Math.abs(d) < 45_000
      ? 'just now'
      : d > 0
        ? `${formatDuration(d)} ago`
        : `in ${formatDuration(-d)}`;
  return (
    <time datetime={props.iso} title={formatDateTime(t, props.tz, true)}>
      {text}
    </time>
  );
}

/** The local date and time, as written on a timeline ("26 Nov 2026 14:03"). */
export function At(props: { iso: string; tz: string }) {
  const t = Date.parse(props.iso);
  if (!Number.isFinite(t)) return <span>{props.iso}</span>;
  return (
    <time datetime={props.iso} title={props.iso}>
      {formatDateTime(t, props.tz, true)}
    </time>
  );
}

export { formatDuration };
