import { Layout, type ShellUser } from '../../layout.js';
import { Notice, type FieldErrors } from '../../partials/form.js';
import {
  Ago,
  At,
  DELIVERY_STATUS_LABELS,
  Sev,
  StatePill,
  formatDuration,
  kindOf,
  plural,
  type IncidentStateName,
  type SeverityName,
} from './format.js';
import { IncidentActions, type ActionValues } from './actions.js';

export interface IncidentDetail {
  id: string;
  title: string;
  severity: SeverityName;
  state: IncidentStateName;
  /** The problem it stands for (`alert:<rule>/<device>/<instance>`, `missing:<device>`, …). */
  key: string;
  ruleId?: string | undefined;
  instance?: string | undefined;
  value?: number | undefined;
  threshold?: number | undefined;
  /** `name` is absent when the device has been deleted since. */
  device?: { id: string; name?: string | undefined } | undefined;
  count: number;
  firstSeen: string;
  lastSeen: string;
  openedAt: string;
  active: boolean;
  autoResolve: boolean;
  /** A one-time problem (a restart, a trap): nothing clears it, people resolve it. */
  oneShot: boolean;
  acknowledgedAt?: string | undefined;
  acknowledgedBy?: string | undefined;
  resolvedAt?: string | undefined;
  resolvedBy?: string | undefined;
  /** `name` is absent when the user has been deleted since. */
  assignee?: { id: string; name?: string | undefined } | undefined;
  reopenCount: number;
  flapping: boolean;
  suppressedBy?: { id: string; name: string } | undefined;
  maintenance?: { name: string } | undefined;
  /** Time to acknowledge and to resolve, once reached. */
  ttaMs?: number | undefined;
  ttrMs?: number | undefined;
}

export interface TimelineRow {
  key: string;
  at: string;
  kind: string;
  by: string;
  text: string;
}

export interface DeliveryRow {
  id: string;
  channelName: string;
  channelKind: string;
  /** What was sent: opened, reopened, escalated, resolved, … */
  kind: string;
  status: string;
  attempts: number;
  lastAttemptAt?: string | undefined;
  /** The last attempt's error, or why it was dropped. */
  problem?: string | undefined;
}

export interface IncidentMainProps {
  tz: string;
  now: number;
  csrfToken: string;
  incident: IncidentDetail;
  /** Oldest first. */
  timeline: TimelineRow[];
  /** Set when the store gave only the first lines of a longer timeline. */
  timelineCut?: boolean | undefined;
  deliveries: DeliveryRow[];
  /** Operators and admins act on incidents; viewers only read. */
  canAct: boolean;
  /** People an incident can be assigned to. */
  assignees: Array<{ id: string; label: string }>;
  meId: string;
  /** The outcome of the last action, or why it was refused. */
  notice?: string | undefined;
  error?: string | undefined;
  errors?: FieldErrors | undefined;
  values?: ActionValues | undefined;
}

export interface IncidentPageProps extends IncidentMainProps {
  siteName: string;
  user: ShellUser;
}

/** The element every action re-renders (header, actions, timeline and notifications). */
export const MAIN_ID = 'incident-main';

function deviceLink(d: { id: string; name?: string | undefined }) {
  return d.name ? (
    <a href={`/devices/${encodeURIComponent(d.id)}`}>{d.name}</a>
  ) : (
    <span class="muted">a deleted device ({d.id})</span>
  );
}

function Header(p: IncidentMainProps) {
  const i = p.incident;
  return (
    <section class={`card inc-header sev-${i.severity}`} aria-labelledby="inc-title">
      <h1 class="with-badges" id="inc-title">
        <Sev severity={i.severity} />
        <span class="inc-title-text">{i.title}</span>
        <StatePill state={i.state} />
      </h1>
      <dl class="facts inc-facts">
        <dt>Device</dt>
        <dd>{i.device ? deviceLink(i.device) : <span class="muted">this box</span>}</dd>
        <dt>Opened</dt>
        <dd>
          <At iso={i.openedAt} tz={p.tz} />{' '}
          <span class="muted small">
            (<Ago iso={i.openedAt} now={p.now} tz={p.tz} />)
          </span>
          {i.reopenCount ? (
            <span class="muted small"> · reopened {plural(i.reopenCount, 'time')}</span>
          ) : null}
        </dd>
        <dt>Events</dt>
        <dd>
          <span class={i.count > 1 ? 'folded' : undefined}>×{i.count}</span>{' '}
          <span class="muted small">
            first <Ago iso={i.firstSeen} now={p.now} tz={p.tz} />, last{' '}
            <Ago iso={i.lastSeen} now={p.now} tz={p.tz} />
          </span>
        </dd>
        {i.value !== undefined ? (
          <>
            <dt>Value</dt>
            <dd>
              {i.value}
              {i.threshold !== undefined ? (
                <span class="muted"> (threshold {i.threshold})</span>
              ) : null}
            </dd>
          </>
        ) : null}
        <dt>Assignee</dt>
        <dd>
          {i.assignee ? (
            (i.assignee.name ?? <em class="muted">a removed user</em>)
          ) : (
            <span class="muted">nobody</span>
          )}
        </dd>
        {i.acknowledgedAt ? (
          <>
            <dt>Acknowledged</dt>
            <dd>
              <At iso={i.acknowledgedAt} tz={p.tz} />
              {i.acknowledgedBy ? ` by ${i.acknowledgedBy}` : ''}
              {i.ttaMs !== undefined ? (
                <span class="muted small" title="Time to acknowledge">
                  {' '}
                  · after {formatDuration(i.ttaMs)}
                </span>
              ) : null}
            </dd>
          </>
        ) : null}
        {i.resolvedAt ? (
          <>
            <dt>Resolved</dt>
            <dd>
              <At iso={i.resolvedAt} tz={p.tz} />
              {i.resolvedBy === 'auto'
                ? ' by itself (the problem cleared)'
                : i.resolvedBy
                  ? ` by ${i.resolvedBy}`
                  : ''}
              {i.ttrMs !== undefined ? (
                <span class="muted small" title="Time to resolve">
                  {' '}
                  · after {formatDuration(i.ttrMs)}
                </span>
              ) : null}
            </dd>
          </>
        ) : null}
        <dt>Problem</dt>
        <dd>
          <code class="inc-key">{i.key}</code>
        </dd>
      </dl>
      <ul class="inc-notes">
        {i.suppressedBy ? (
          <li class="flag suppressed">
            Suppressed by{' '}
            <a href={`/devices/${encodeURIComponent(i.suppressedBy.id)}`}>{i.suppressedBy.name}</a>:
            the device in front of it is down, so no notification goes out for this one.
          </li>
        ) : null}
        {i.maintenance ? (
          <li class="flag maintenance">
            In maintenance window “{i.maintenance.name}”: notifications wait until it ends and a
            re-check still finds the problem.
          </li>
        ) : null}
        {i.flapping ? (
          <li class="flag flapping">
            Flapping: the problem comes and goes; it stays open until it has been stable for a
            while.
          </li>
        ) : null}
        {i.state !== 'resolved' && i.oneShot ? (
          <li class="muted">
            A one-time problem: nothing clears it by itself; resolve it once it has been looked at.
          </li>
        ) : null}
        {i.state !== 'resolved' && !i.active && !i.oneShot ? (
          <li class="flag cleared">
            The problem has cleared
            {i.autoResolve ? '.' : '; resolve the incident by hand once it is dealt with.'}
          </li>
        ) : null}
        {i.state !== 'resolved' && i.active && i.autoResolve ? (
          <li class="muted">Resolves by itself when the problem clears.</li>
        ) : null}
      </ul>
    </section>
  );
}

function Timeline(p: IncidentMainProps) {
  return (
    <section class="card inc-timeline-card" id="timeline" aria-labelledby="timeline-h">
      <div class="card-head">
        <h2 id="timeline-h">Timeline</h2>
        <span class="muted small">oldest first</span>
      </div>
      {p.timeline.length === 0 ? (
        <p class="empty-line">Nothing recorded yet.</p>
      ) : (
        <ol class="timeline inc-timeline">
          {p.timeline.map((e) => {
            const k = kindOf(e.kind);
            return (
              <li class={`tk tk-${e.kind}`} data-kind={e.kind}>
                <span class="tk-icon" aria-hidden="true">
                  {k.icon}
                </span>
                <div class="tk-body">
                  <div class="when small">
                    <strong class="tk-label">{k.label}</strong>
                    <span class="muted">
                      {' '}
                      · {e.by === 'system' ? 'Caretaker' : e.by} · <At iso={e.at} tz={p.tz} />
                    </span>
                  </div>
                  <p class="prewrap">{e.text}</p>
                </div>
              </li>
            );
          })}
        </ol>
      )}
      {p.timelineCut ? (
        <p class="muted small">
          Only the latest {p.timeline.length} lines are shown; older ones are not.
        </p>
      ) : null}
    </section>
  );
}

function Notifications(p: IncidentMainProps) {
  const i = p.incident;
  return (
    <section class="card" id="notifications" aria-labelledby="notifications-h">
      <h2 id="notifications-h">Notifications</h2>
      {p.deliveries.length === 0 ? (
        <p class="empty-line">
          {i.suppressedBy || i.maintenance
            ? 'None: notifications for this incident are held back (see above).'
            : 'None were sent for this incident.'}
        </p>
      ) : (
        <div class="table-scroll">
          <table class="table compact deliveries">
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col">About</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">
                  Attempts
                </th>
                <th scope="col">Last attempt</th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {p.deliveries.map((d) => (
                <tr data-delivery={d.id}>
                  <td>
                    {d.channelName} <span class="muted small">{d.channelKind}</span>
                  </td>
                  <td>{d.kind}</td>
                  <td>
                    <span class={`badge dl-${d.status}`}>
                      {DELIVERY_STATUS_LABELS[d.status] ?? d.status}
                    </span>
                  </td>
                  <td class="num">{d.attempts}</td>
                  <td class="nowrap small">
                    <Ago iso={d.lastAttemptAt} now={p.now} tz={p.tz} />
                  </td>
                  <td class="small">{d.problem ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/**
 * Everything about one incident that an action changes: the header, the actions, the timeline
 * and the notifications. Each action posts to a UI route that answers with this fragment again
 * (with htmx), or redirects back to the page (without).
 */
export function IncidentMain(p: IncidentMainProps) {
  return (
    <div id={MAIN_ID} class="incident">
      <Header {...p} />
      {p.error ? <Notice kind="error">{p.error}</Notice> : null}
      {p.notice ? <Notice kind="ok">{p.notice}</Notice> : null}
      <div class="inc-grid">
        <Timeline {...p} />
        <IncidentActions
          id={p.incident.id}
          state={p.incident.state}
          canAct={p.canAct}
          csrfToken={p.csrfToken}
          assignees={p.assignees}
          currentAssigneeId={p.incident.assignee?.id}
          meId={p.meId}
          errors={p.errors}
          values={p.values}
        />
      </div>
      <Notifications {...p} />
    </div>
  );
}

export function IncidentPage(p: IncidentPageProps) {
  return (
    <Layout
      title={p.incident.title}
      siteName={p.siteName}
      active="/incidents"
      user={p.user}
      csrfToken={p.csrfToken}
    >
      <p class="crumbs">
        <a href="/incidents">Incidents</a> › {p.incident.title}
      </p>
      <div id="flash" aria-live="polite"></div>
      <IncidentMain {...p} />
    </Layout>
  );
}
