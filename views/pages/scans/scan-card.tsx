import { Csrf, Notice } from '../../partials/form.js';
import { Time, StatusBadge } from '../../partials/time.js';
import { PHASES } from '../devices/format.js';
import { ScanButton } from '../devices/list.js';

export interface ScanView {
  id: string;
  status: string;
  trigger: string;
  actor?: string | undefined;
  subnets: string[];
  createdAt: string;
  startedAt?: string | undefined;
  finishedAt?: string | undefined;
  phase: string;
  progress: {
    percent: number;
    hostsUp: number;
    hostsProbed: number;
    snmpAnswered: number;
    devicesNew: number;
    devicesUpdated: number;
    devicesMissing: number;
  };
  error?: { code: string; message: string } | undefined;
  notes: string[];
  /** Computed by the handler: how long it ran, or has been running. */
  duration: string;
}

export const POLL_HEADERS = JSON.stringify({ 'X-Caretaker-Poll': '1' });

export function triggerText(s: Pick<ScanView, 'trigger' | 'actor'>): string {
  if (s.trigger === 'schedule') return 'scheduled';
  return s.actor ? `by ${s.actor}` : 'by hand';
}

function Phases(props: { scan: ScanView; withServices: boolean }) {
  const s = props.scan;
  const steps = PHASES.filter(
    (p) => p.id !== 'done' && (p.id !== 'services' || props.withServices || s.phase === 'services'),
  );
  const at = steps.findIndex((p) => p.id === s.phase);
  return (
    <ol class="phases">
      {steps.map((p, i) => {
        const state =
          s.status === 'done' || i < at
            ? 'done'
            : i === at
              ? s.status === 'running'
                ? 'current'
                : 'stopped'
              : 'todo';
        return (
          <li class={`phase ${state}`} aria-current={state === 'current' ? 'step' : undefined}>
            {p.label}
          </li>
        );
      })}
    </ol>
  );
}

/**
 * One scan with its progress and counts. While it runs (`live`) the card polls its own fragment
 * and replaces itself; the finished card no longer polls.
 */
export function ScanCard(props: {
  scan: ScanView;
  timezone: string;
  csrfToken: string;
  canOperate: boolean;
  withServices: boolean;
  /** The URL of this card's fragment; set while the scan runs. */
  pollUrl?: string | undefined;
  /** Link to the scan's own page. */
  showLink?: boolean;
  /** Offer to start another scan once this one has finished. */
  canStart?: boolean;
}) {
  const s = props.scan;
  const running = s.status === 'running' || s.status === 'queued';
  const p = s.progress;
  return (
    <section
      class={`card scan-card${running ? ' running' : ''}`}
      id="scan-live"
      aria-live="polite"
      hx-get={running ? props.pollUrl : undefined}
      hx-trigger={running && props.pollUrl ? 'every 1s' : undefined}
      hx-headers={running && props.pollUrl ? POLL_HEADERS : undefined}
      hx-swap={running && props.pollUrl ? 'outerHTML' : undefined}
    >
      <div class="card-head">
        <h2>
          {running ? 'Scan running' : s.status === 'done' ? 'Scan finished' : `Scan ${s.status}`}
        </h2>
        <StatusBadge status={s.status} />
      </div>
      <Phases scan={s} withServices={props.withServices} />
      <div class="progress-row">
        <progress max="100" value={String(p.percent)} aria-label="Progress">
          {p.percent}%
        </progress>
        <span class="percent">{p.percent}%</span>
      </div>
      <dl class="counts">
        <div>
          <dt>Hosts up</dt>
          <dd>{p.hostsUp}</dd>
        </div>
        <div>
          <dt>Probed</dt>
          <dd>
            {p.hostsProbed}
            {running && p.hostsUp ? <span class="muted"> / {p.hostsUp}</span> : null}
          </dd>
        </div>
        <div>
          <dt>SNMP answered</dt>
          <dd>{p.snmpAnswered}</dd>
        </div>
        <div>
          <dt>New</dt>
          <dd>{p.devicesNew}</dd>
        </div>
        <div>
          <dt>Changed</dt>
          <dd>{p.devicesUpdated}</dd>
        </div>
        <div>
          <dt>Now missing</dt>
          <dd>{p.devicesMissing}</dd>
        </div>
      </dl>
      <p class="muted small">
        {s.subnets.join(', ')} · started{' '}
        <Time iso={s.startedAt ?? s.createdAt} timezone={props.timezone} /> {triggerText(s)} ·{' '}
        {running ? 'running for ' : 'took '}
        {s.duration}
        {props.showLink ? (
          <>
            {' · '}
            <a href={`/discovery/scans/${s.id}`}>details</a>
          </>
        ) : null}
      </p>
      {s.error ? (
        <Notice kind={s.status === 'cancelled' ? 'warn' : 'error'}>
          {s.error.message} <code>{s.error.code}</code>
        </Notice>
      ) : null}
      {s.status === 'cancelled' || s.status === 'failed' ? (
        <p class="small">The inventory was left as it was before this scan.</p>
      ) : null}
      {s.notes.length ? (
        <details class="notes">
          <summary>
            {s.notes.length} note{s.notes.length === 1 ? '' : 's'}
          </summary>
          <ul>
            {s.notes.map((n) => (
              <li>{n}</li>
            ))}
          </ul>
        </details>
      ) : null}
      <div class="actions-row">
        {running && props.canOperate ? (
          <form method="post" action={`/discovery/scans/${s.id}/cancel`} class="inline">
            <Csrf token={props.csrfToken} />
            <button type="submit" class="danger">
              Cancel scan
            </button>
          </form>
        ) : null}
        {s.status === 'done' ? <a href="/devices">Show devices</a> : null}
        {!running && props.canStart ? (
          <ScanButton csrfToken={props.csrfToken} label="Scan again" />
        ) : null}
      </div>
    </section>
  );
}
