/** The severities, worst last, as people read them. */
export const SEVERITY_OPTIONS = [
  { value: 'info', label: 'Info' },
  { value: 'warning', label: 'Warning' },
  { value: 'minor', label: 'Minor' },
  { value: 'major', label: 'Major' },
  { value: 'critical', label: 'Critical' },
] as const;

// Reuses the status colours of the stylesheet: red for what needs someone now, amber for soon.
const CLASS: Record<string, string> = {
  critical: 's-failed',
  major: 's-error',
  minor: 's-aborted',
  warning: 's-cancelled',
  info: 's-queued',
};

export function SeverityBadge(props: { severity: string }) {
  return (
    <span class={`badge sev ${CLASS[props.severity] ?? ''}`} data-severity={props.severity}>
      {props.severity}
    </span>
  );
}
