import { typeLabel } from './format.js';

/** One small line drawing per device type, on a 16×16 grid, drawn with the current colour. */
export function TypeGlyph(props: { type: string }) {
  switch (props.type) {
    case 'router':
      return (
        <g>
          <circle cx="8" cy="8" r="6.5" />
          <path d="M4.5 8h7M9.5 6l2 2-2 2M6.5 6l-2 2 2 2" />
        </g>
      );
    case 'switch':
      return (
        <g>
          <rect x="1.5" y="4.5" width="13" height="7" rx="1.5" />
          <path d="M4 9.5v-2M6.5 9.5v-2M9 9.5v-2M11.5 9.5v-2" />
        </g>
      );
    case 'firewall':
      return (
        <g>
          <rect x="1.5" y="3.5" width="13" height="9" rx="1" />
          <path d="M1.5 6.5h13M1.5 9.5h13M6 3.5v3M10 6.5v3M6 9.5v3" />
        </g>
      );
    case 'access-point':
      return (
        <g>
          <path d="M2.5 6.5a8 8 0 0 1 11 0M4.5 8.8a5 5 0 0 1 7 0M6.6 11a2 2 0 0 1 2.8 0" />
          <circle cx="8" cy="13" r="0.8" />
        </g>
      );
    case 'printer':
      return (
        <g>
          <path d="M4.5 6V2.5h7V6" />
          <rect x="1.5" y="6" width="13" height="5.5" rx="1" />
          <path d="M4.5 9.5h7v4h-7z" />
        </g>
      );
    case 'ups':
      return (
        <g>
          <rect x="1.5" y="4.5" width="12" height="7" rx="1" />
          <path d="M14.5 6.5v3M8 5.5l-2 3h3l-2 3" />
        </g>
      );
    case 'nas':
      return (
        <g>
          <rect x="2.5" y="2.5" width="11" height="5" rx="1" />
          <rect x="2.5" y="8.5" width="11" height="5" rx="1" />
          <path d="M5 5h.01M5 11h.01" />
        </g>
      );
    case 'server':
      return (
        <g>
          <rect x="3.5" y="1.5" width="9" height="13" rx="1" />
          <path d="M5.5 4.5h5M5.5 7h5M8 11.5h.01" />
        </g>
      );
    case 'workstation':
      return (
        <g>
          <rect x="1.5" y="2.5" width="13" height="8.5" rx="1" />
          <path d="M5.5 14h5M8 11v3" />
        </g>
      );
    case 'phone':
      return (
        <g>
          <rect x="4.5" y="1.5" width="7" height="13" rx="1.5" />
          <path d="M7 12.5h2" />
        </g>
      );
    case 'camera':
      return (
        <g>
          <rect x="1.5" y="4.5" width="9" height="7" rx="1" />
          <path d="M10.5 7l4-2v6l-4-2" />
        </g>
      );
    default:
      return (
        <g>
          <circle cx="8" cy="8" r="6.5" />
          <path d="M6.2 6.2a1.9 1.9 0 1 1 2.6 1.7c-.5.3-.8.7-.8 1.3M8 11.5h.01" />
        </g>
      );
  }
}

/** The glyph as a standalone inline icon. */
export function TypeIcon(props: { type: string }) {
  return (
    <svg
      class="ticon"
      viewBox="0 0 16 16"
      width="16"
      height="16"
      aria-hidden="true"
      fill="none"
      stroke="currentColor"
      stroke-width="1.4"
      stroke-linecap="round"
      stroke-linejoin="round"
    >
      <TypeGlyph type={props.type} />
    </svg>
  );
}

/** The device type as a coloured badge with its glyph; `manual` marks a type an admin chose. */
export function TypeBadge(props: { type: string; manual?: boolean }) {
  return (
    <span
      class={`tbadge t-${props.type}`}
      title={props.manual ? 'Set by hand' : 'Identified automatically'}
    >
      <TypeIcon type={props.type} />
      {typeLabel(props.type)}
      {props.manual ? <span class="sr-only"> (set by hand)</span> : null}
    </span>
  );
}

export function StatusPill(props: { status: string }) {
  return (
    <span class={`pill st-${props.status}`}>{props.status === 'up' ? 'up' : props.status}</span>
  );
}
