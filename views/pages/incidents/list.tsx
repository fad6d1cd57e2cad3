import { Layout, type ShellUser } from '../../layout.js';
import { Notice } from '../../partials/form.js';
import {
  Ago,
  FILTER_LABELS,
  SEVERITY_ORDER,
  Sev,
  StatePill,
  formatDuration,
  incidentHref,
  plural,
  type IncidentStateName,
  type SeverityName,
  type StateFilter,
} from './format.js';

export interface IncidentRow {
  id: string;
  title: string;
  severity: SeverityName;
  state: IncidentStateName;
  /** `name` is absent when the device has been deleted since. */
  device?: { id: string; name?: string | undefined } | undefined;
  count: number;
  firstSeen: string;
  lastSeen: string;
  /** The problem went away, but the incident waits to be resolved by hand. */
  cleared: boolean;
  assigneeName?: string | undefined;
  /** The device in front that is down and explains this one. */
  suppressedBy?: { id: string; name: string } | undefined;
  /** The maintenance window that holds its notifications back. */
  maintenance?: { name: string } | undefined;
  flapping: boolean;
}

export interface IncidentListQuery {
  state: StateFilter;
  /** At least this severity. */
  severity?: SeverityName | undefined;
  device?: string | undefined;
  /** A user id, or `me`. */
  assignee?: string | undefined;
  offset: number;
  limit: number;
}

export interface IncidentResultsProps {
  tz: string;
  /** ms since the epoch: relative times are drawn against it. */
  now: number;
  rows: IncidentRow[];
  /** Incidents matching the filter, when the service counted them (unresolved states). */
  total?: number | undefined;
  /** Whether a next page exists (known even when the total is not). */
  hasMore: boolean;
  /** Unresolved incidents per state and per severity, over all of them. */
  counts: Record<string, number>;
  query: IncidentListQuery;
}

export interface IncidentListProps extends IncidentResultsProps {
  siteName: string;
  user: ShellUser;
  csrfToken: string;
  /** Devices to filter by, sorted for people. */
  devices: Array<{ id: string; label: string }>;
  /** People to filter by (besides "me"). */
  users: Array<{ id: string; label: string }>;
  /** Response times over the last 30 days. */
  recent?: { incidents: number; mttaMs?: number | undefined; mttrMs?: number | undefined };
  notice?: string | undefined;
}

/** The element the list refreshes itself into. */
export const RESULTS_ID = 'incident-results';
/** Background polls say so (src/http/middleware/authenticate.ts): they are not activity. */
const POLL_HEADERS = JSON.stringify({ 'X-Caretaker-Poll': '1' });

function params(q: IncidentListQuery): URLSearchParams {
  const p = new URLSearchParams();
  if (q.state !== 'unresolved') p.set('state', q.state);
  if (q.severity) p.set('severity', q.severity);
  if (q.device) p.set('device', q.device);
  if (q.assignee) p.set('assignee', q.assignee);
  if (q.offset) p.set('offset', String(q.offset));
  return p;
}

export function listHref(q: IncidentListQuery, change: Partial<IncidentListQuery> = {}): string {
  const s = params({ ...q, ...change }).toString();
  return `/incidents${s ? `?${s}` : ''}`;
}

function bodyHref(q: IncidentListQuery): string {
  const s = params(q).toString();
  return `/incidents/body${s ? `?${s}` : ''}`;
}

function Flags(p: { row: IncidentRow }) {
  const r = p.row;
  const flags = [
    r.suppressedBy ? (
      <li class="flag suppressed">
        suppressed by{' '}
        <a href={`/devices/${encodeURIComponent(r.suppressedBy.id)}`}>{r.suppressedBy.name}</a>
      </li>
    ) : null,
    r.maintenance ? <li class="flag maintenance">in maintenance ({r.maintenance.name})</li> : null,
    r.flapping ? <li class="flag flapping">flapping</li> : null,
    r.cleared ? <li class="flag cleared">cleared</li> : null,
  ].filter(Boolean);
  return flags.length ? <ul class="flags">{flags}</ul> : null;
}

function Pager(p: IncidentResultsProps) {
  const q = p.query;
  if (q.offset === 0 && !p.hasMore) return null;
  const page = Math.floor(q.offset / q.limit) + 1;
  return (
    <nav class="pager" aria-label="Pages">
      {q.offset > 0 ? (
        <a href={listHref(q, { offset: Math.max(0, q.offset - q.limit) })} rel="prev">
          ← Previous
        </a>
      ) : (
        <span class="muted">← Previous</span>
      )}
      <span class="muted">
        Page {page}
        {p.total !== undefined ? ` of ${Math.max(1, Math.ceil(p.total / q.limit))}` : ''}
      </span>
      {p.hasMore ? (
        <a href={listHref(q, { offset: q.offset + q.limit })} rel="next">
          Next →
        </a>
      ) : (
        <span class="muted">Next →</span>
      )}
    </nav>
  );
}

/**
 * The state tabs and the table: the part of the list that refreshes itself every 10 s (htmx),
 * with the same filters. Without htmx it is as fresh as the last page load.
 */
export function IncidentResults(p: IncidentResultsProps) {
  const q = p.query;
  const n = (k: string) => p.counts[k] ?? 0;
  const tabs: Array<{ state: StateFilter; count?: number }> = [
    { state: 'unresolved', count: n('open') + n('acknowledged') },
    { state: 'open', count: n('open') },
    { state: 'acknowledged', count: n('acknowledged') },
    { state: 'resolved' },
    { state: 'all' },
  ];
  const filtered = Boolean(q.severity || q.device || q.assignee);
  return (
    <div
      id={RESULTS_ID}
      hx-get={bodyHref(q)}
      hx-trigger="every 10s"
      hx-headers={POLL_HEADERS}
      hx-select={`#${RESULTS_ID}`}
      hx-swap="outerHTML"
      // Links inside are boosted page loads: inheriting hx-select would swap in nothing.
      hx-disinherit="*"
    >
      <nav class="state-filter" aria-label="Filter by state">
        {tabs.map((t) => (
          <a
            href={listHref(q, { state: t.state, offset: 0 })}
            aria-current={q.state === t.state ? 'page' : undefined}
          >
            {FILTER_LABELS[t.state]}
            {t.count !== undefined ? <span class="count"> {t.count}</span> : null}
          </a>
        ))}
      </nav>
      {p.rows.length === 0 ? (
        <p
          class={
            q.state === 'unresolved' && !filtered && q.offset === 0 ? 'all-clear' : 'empty-line'
          }
        >
          {q.offset > 0
            ? 'No more incidents.'
            : filtered
              ? 'No incident matches these filters.'
              : q.state === 'unresolved'
                ? 'No unresolved incidents: nothing needs attention.'
                : `No ${FILTER_LABELS[q.state].toLowerCase()} incidents.`}
        </p>
      ) : (
        <div class="table-scroll">
          <table class="table incidents">
            <thead>
              <tr>
                <th scope="col">Severity</th>
                <th scope="col">Incident</th>
                <th scope="col">Device</th>
                <th scope="col">State</th>
                <th scope="col" class="num">
                  Events
                </th>
                <th scope="col">First seen</th>
                <th scope="col">Last seen</th>
                <th scope="col">Assignee</th>
                <th scope="col">Flags</th>
              </tr>
            </thead>
            <tbody>
              {p.rows.map((r) => (
                <tr class={`sev-${r.severity} inc-${r.state}`} data-incident={r.id}>
                  <td>
                    <Sev severity={r.severity} />
                  </td>
                  <td class="inc-title">
                    <a href={incidentHref(r.id)}>{r.title}</a>
                  </td>
                  <td class="nowrap">
                    {r.device ? (
                      r.device.name ? (
                        <a href={`/devices/${encodeURIComponent(r.device.id)}`}>{r.device.name}</a>
                      ) : (
                        <span class="muted">a deleted device</span>
                      )
                    ) : (
                      <span class="muted">this box</span>
                    )}
                  </td>
                  <td>
                    <StatePill state={r.state} />
                  </td>
                  <td class="num">
                    <span
                      class={r.count > 1 ? 'folded' : 'muted'}
                      title={`${plural(r.count, 'event')} folded into this incident`}
                    >
                      ×{r.count}
                    </span>
                  </td>
                  <td class="nowrap small">
                    <Ago iso={r.firstSeen} now={p.now} tz={p.tz} />
                  </td>
                  <td class="nowrap small">
                    <Ago iso={r.lastSeen} now={p.now} tz={p.tz} />
                  </td>
                  <td>{r.assigneeName ?? <span class="muted">nobody</span>}</td>
                  <td>
                    <Flags row={r} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager {...p} />
    </div>
  );
}

/** Every incident, unresolved first (worst, then newest), filtered and paged. */
export function IncidentListPage(p: IncidentListProps) {
  const q = p.query;
  const filtered = Boolean(q.severity || q.device || q.assignee);
  const r = p.recent;
  return (
    <Layout
      title="Incidents"
      siteName={p.siteName}
      active="/incidents"
      user={p.user}
      csrfToken={p.csrfToken}
    >
      <div class="page-head">
        <h1>Incidents</h1>
        <p class="muted">
          Problems found by monitoring, traps and discovery, each with an owner and a timeline.
          Repeated events fold into one incident. Times in {p.tz}.
        </p>
        {r && r.incidents ? (
          <p class="small muted inc-recent">
            Last 30 days: {plural(r.incidents, 'incident')}
            {r.mttaMs !== undefined ? `, mean time to acknowledge ${formatDuration(r.mttaMs)}` : ''}
            {r.mttrMs !== undefined ? `, mean time to resolve ${formatDuration(r.mttrMs)}` : ''}.
          </p>
        ) : null}
      </div>
      <div id="flash" aria-live="polite"></div>
      {p.notice ? <Notice kind="ok">{p.notice}</Notice> : null}
      <section class="card" aria-label="Incidents">
        <form method="get" action="/incidents" class="filters" role="search">
          {q.state !== 'unresolved' ? <input type="hidden" name="state" value={q.state} /> : null}
          <div class="field">
            <label for="f-severity">Severity</label>
            <select id="f-severity" name="severity">
              <option value="" selected={!q.severity}>
                Any severity
              </option>
              {SEVERITY_ORDER.filter((s) => s !== 'info').map((s) => (
                <option value={s} selected={q.severity === s}>
                  {s[0]!.toUpperCase() + s.slice(1)} or worse
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="f-device">Device</label>
            <select id="f-device" name="device">
              <option value="" selected={!q.device}>
                Any device
              </option>
              {p.devices.map((d) => (
                <option value={d.id} selected={q.device === d.id}>
                  {d.label}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="f-assignee">Assignee</label>
            <select id="f-assignee" name="assignee">
              <option value="" selected={!q.assignee}>
                Anyone
              </option>
              <option value="me" selected={q.assignee === 'me'}>
                Me
              </option>
              {p.users.map((u) => (
                <option value={u.id} selected={q.assignee === u.id}>
                  {u.label}
                </option>
              ))}
            </select>
          </div>
          <div class="filter-actions">
            <button type="submit">Show</button>
            {filtered ? (
              <a
                href={listHref(q, {
                  severity: undefined,
                  device: undefined,
                  assignee: undefined,
                  offset: 0,
                })}
              >
                Clear filters
              </a>
            ) : null}
          </div>
        </form>
        <IncidentResults {...p} />
      </section>
    </Layout>
  );
}
