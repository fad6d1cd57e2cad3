import { Layout, type ShellUser } from '../layout.js';
import { Notice } from '../partials/form.js';
import { Time, StatusBadge } from '../partials/time.js';
import { GaugeBar } from '../charts/gauge-bar.js';
import { formatValue } from '../charts/scale.js';
import { ActiveAlerts, type ActiveAlertRow } from './rules/active-alerts.js';
import { SeverityBadge, SEVERITY_OPTIONS } from './rules/severity.js';

/** Every kind of event, as people read it (the filter offers them in this order). */
export const EVENT_KIND_LABELS = {
  'alert.raised': 'Alert raised',
  'alert.cleared': 'Alert cleared',
  'device.new': 'New device',
  'device.missing': 'Device missing',
  'device.returned': 'Device back',
  'device.identity-changed': 'Identity changed',
  'device.address-changed': 'Address changed',
  'inspection.overdue': 'Inspection overdue',
  'metrics.suspended': 'Metrics suspended',
  'metrics.resumed': 'Metrics resumed',
  'notify.channel-failing': 'Notification channel failing',
  'notify.channel-recovered': 'Notification channel recovered',
  'trap.received': 'SNMP trap',
  'trap.auth-failure': 'Trap refused',
  'maintenance.started': 'Maintenance started',
  'maintenance.ended': 'Maintenance ended',
  'backup.failed': 'Backup failed',
  'backup.succeeded': 'Backup succeeded',
  'backup.stale': 'Backup stale',
  'backup.fresh': 'Backup up to date',
  'backup.restore-test-failed': 'Restore test failed',
  'backup.restore-test-passed': 'Restore test passed',
} as const;

export type EventKind = keyof typeof EVENT_KIND_LABELS;

export interface EventRow {
  key: string;
  /** ISO-8601. */
  at: string;
  kind: string;
  severity: string;
  message: string;
  deviceId?: string | undefined;
  /** Absent when the device has been deleted since. */
  deviceName?: string | undefined;
}

export interface EventFilter {
  /** At least this severity. */
  severity?: string | undefined;
  kind?: string | undefined;
  /** The cursor this page starts after (older than). */
  before?: string | undefined;
}

export interface MonitoringJobRow {
  name: string;
  title: string;
  description: string;
  running: boolean;
  lastStatus?: string | undefined;
  lastAt?: string | undefined;
  lastSummary?: string | undefined;
  nextRunAt?: string | undefined;
}

export interface MonitoringPageProps {
  siteName: string;
  user: ShellUser;
  csrfToken: string;
  timezone: string;
  alerts: ActiveAlertRow[];
  events: EventRow[];
  filter: EventFilter;
  /** Cursor of the next, older page of events. */
  next?: string | undefined;
  rules: { total: number; enabled: number };
  inspections: { overdue: number; due: number; soon: number };
  metricsStore: {
    bytes: number;
    quotaBytes: number;
    /** Bytes per tier, finest first, with what the tier keeps. */
    tiers: Array<{ label: string; bytes: number }>;
    /** Why writing metrics is suspended, when it is. */
    suspended?: string | undefined;
  };
  jobs: MonitoringJobRow[];
  /** The SNMP trap receiver: listening, off, or failed to open its port. */
  traps?:
    { state: 'listening' | 'off' | 'idle' | 'failed'; accepted?: number | undefined } | undefined;
}

export const EVENTS_ID = 'events';

function eventsHref(f: EventFilter): string {
  const q = new URLSearchParams();
  if (f.severity) q.set('severity', f.severity);
  if (f.kind) q.set('kind', f.kind);
  if (f.before) q.set('before', f.before);
  const s = q.toString();
  return `/monitoring${s ? `?${s}` : ''}#${EVENTS_ID}`;
}

function kindLabel(kind: string): string {
  return (EVENT_KIND_LABELS as Record<string, string>)[kind] ?? kind;
}

function Events(p: MonitoringPageProps) {
  const f = p.filter;
  const filtered = Boolean(f.severity || f.kind);
  return (
    <section class="card" id={EVENTS_ID} aria-labelledby="events-h">
      <div class="card-head">
        <h2 id="events-h">Events</h2>
        <span class="muted small">newest first</span>
      </div>
      <form method="get" action={`/monitoring#${EVENTS_ID}`} class="filters" role="search">
        <div class="field">
          <label for="f-severity">Severity</label>
          <select id="f-severity" name="severity">
            <option value="" selected={!f.severity}>
              Any severity
            </option>
            {SEVERITY_OPTIONS.filter((o) => o.value !== 'info').map((o) => (
              <option value={o.value} selected={f.severity === o.value}>
                {o.label} or worse
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-kind">Kind</label>
          <select id="f-kind" name="kind">
            <option value="" selected={!f.kind}>
              Every kind
            </option>
            {Object.entries(EVENT_KIND_LABELS).map(([value, label]) => (
              <option value={value} selected={f.kind === value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div class="filter-actions">
          <button type="submit">Show</button>
          {filtered ? <a href={`/monitoring#${EVENTS_ID}`}>All events</a> : null}
        </div>
      </form>
      {p.events.length ? (
        <div class="table-scroll">
          <table class="table compact events">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Severity</th>
                <th scope="col">Event</th>
                <th scope="col">Device</th>
              </tr>
            </thead>
            <tbody>
              {p.events.map((e) => (
                <tr data-event={e.key}>
                  <td class="nowrap small">
                    <Time iso={e.at} timezone={p.timezone} />
                  </td>
                  <td>
                    <SeverityBadge severity={e.severity} />
                  </td>
                  <td>
                    <strong>{kindLabel(e.kind)}</strong>
                    <div class="small">{e.message}</div>
                  </td>
                  <td class="nowrap">
                    {e.deviceId ? (
                      e.deviceName ? (
                        <a href={`/devices/${encodeURIComponent(e.deviceId)}`}>{e.deviceName}</a>
                      ) : (
                        <span class="muted">a deleted device</span>
                      )
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="empty-line">
          {f.before
            ? 'No older events.'
            : filtered
              ? 'No event matches these filters.'
              : 'No events yet.'}
        </p>
      )}
      {f.before || p.next ? (
        <nav class="pager" aria-label="Event pages">
          {f.before ? (
            <a href={eventsHref({ ...f, before: undefined })}>← Newest</a>
          ) : (
            <span class="muted">← Newest</span>
          )}
          {p.next ? (
            <a href={eventsHref({ ...f, before: p.next })} rel="next">
              Older →
            </a>
          ) : (
            <span class="muted">Older →</span>
          )}
        </nav>
      ) : null}
    </section>
  );
}

function MetricsStore(p: MonitoringPageProps) {
  const m = p.metricsStore;
  const pct = m.quotaBytes > 0 ? (m.bytes / m.quotaBytes) * 100 : null;
  return (
    <section class="card" id="metrics-store" aria-labelledby="metrics-store-h">
      <h2 id="metrics-store-h">Metrics store</h2>
      {m.suspended ? (
        <Notice kind="error">
          Measurements are not being stored: {m.suspended} They are stored again by themselves once
          there is room.
        </Notice>
      ) : (
        <p class="small muted">
          Measurements are being stored. The oldest detail is summarised and then dropped, so the
          store never grows past its quota.
        </p>
      )}
      <GaugeBar
        label="Quota used"
        value={pct}
        warnAt={90}
        critAt={98}
        detail={`${formatValue(m.bytes, 'B')} of ${formatValue(m.quotaBytes, 'B')}`}
      />
      <dl class="facts tiers">
        {m.tiers.map((t) => (
          <>
            <dt>{t.label}</dt>
            <dd>{formatValue(t.bytes, 'B')}</dd>
          </>
        ))}
      </dl>
    </section>
  );
}

function Jobs(p: MonitoringPageProps) {
  return (
    <section class="card" id="monitoring-jobs" aria-labelledby="monitoring-jobs-h">
      <div class="card-head">
        <h2 id="monitoring-jobs-h">Monitoring jobs</h2>
        <a class="small" href="/settings/jobs">
          All jobs
        </a>
      </div>
      <div class="table-scroll">
        <table class="table compact">
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Last run</th>
              <th scope="col">Next run</th>
            </tr>
          </thead>
          <tbody>
            {p.jobs.map((j) => (
              <tr>
                <td>
                  <a href={`/settings/jobs/${encodeURIComponent(j.name)}`}>{j.title}</a>
                  <div class="muted small">{j.description}</div>
                </td>
                <td>
                  {j.running ? (
                    <StatusBadge status="running" />
                  ) : j.lastStatus ? (
                    <StatusBadge status={j.lastStatus} />
                  ) : null}{' '}
                  <Time iso={j.lastAt} timezone={p.timezone} />
                  {j.lastSummary ? <div class="muted small">{j.lastSummary}</div> : null}
                </td>
                <td class="small">
                  <Time iso={j.nextRunAt} timezone={p.timezone} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

/**
 * /monitoring: what is raised now, what happened (events, filtered and paged), the way to the
 * rules and the inspections, and whether monitoring itself is healthy (its jobs and its store).
 */
export function MonitoringPage(p: MonitoringPageProps) {
  const ins = p.inspections;
  const insText = [
    ins.overdue ? `${ins.overdue} overdue` : '',
    ins.due ? `${ins.due} due` : '',
    ins.soon ? `${ins.soon} due this week` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return (
    <Layout
      title="Monitoring"
      siteName={p.siteName}
      active="/monitoring"
      user={p.user}
      csrfToken={p.csrfToken}
    >
      <div class="page-head">
        <h1>Monitoring</h1>
        <p class="muted">
          Every device is checked for reachability, polled over SNMP and held to the alert rules.
        </p>
      </div>
      <nav class="grid cards" aria-label="Monitoring pages">
        <a class="card area" href="/monitoring/rules">
          <div class="card-head">
            <h2>Alert rules</h2>
            <span class={`pill ${p.alerts.length ? 'st-due' : 'ok'}`}>
              {p.alerts.length ? `${plural(p.alerts.length, 'alert')} raised` : 'all clear'}
            </span>
          </div>
          <p>
            {p.rules.enabled} of {plural(p.rules.total, 'rule')} on: thresholds, interfaces down,
            reboots, toner, UPS battery.
          </p>
        </a>
        <a class="card area" href="/monitoring/inspections">
          <div class="card-head">
            <h2>Inspections</h2>
            <span
              class={`pill ${ins.overdue ? 'st-overdue' : ins.due ? 'st-due' : insText ? 'st-soon' : 'ok'}`}
            >
              {insText || 'nothing due'}
            </span>
          </div>
          <p>Recurring checks people do by hand, with a checklist and someone responsible.</p>
        </a>
        <a class="card area" href="/monitoring/traps">
          <div class="card-head">
            <h2>SNMP traps</h2>
            {p.traps ? (
              <span
                class={`pill ${p.traps.state === 'listening' ? 'ok' : p.traps.state === 'failed' ? 'st-overdue' : 'st-missing'}`}
              >
                {p.traps.state === 'listening'
                  ? `listening${p.traps.accepted ? `, ${p.traps.accepted} received` : ''}`
                  : p.traps.state === 'failed'
                    ? 'not receiving'
                    : p.traps.state === 'idle'
                      ? 'not started'
                      : 'off'}
              </span>
            ) : null}
          </div>
          <p>Link changes, restarts and alarms the devices report themselves, known or not.</p>
        </a>
      </nav>
      <ActiveAlerts alerts={p.alerts} timezone={p.timezone} title="Raised now" limit={20} />
      <Events {...p} />
      <div class="grid two">
        <MetricsStore {...p} />
        <Jobs {...p} />
      </div>
    </Layout>
  );
}
