import { Time } from '../../partials/time.js';
import { SeverityBadge } from './severity.js';
import { compareText } from '../../../src/lib/collate.js';

/** One raised alert as the list shows it. */
export interface ActiveAlertRow {
  key: string;
  ruleId: string;
  title: string;
  deviceId: string;
  deviceName: string;
  instance: string;
  severity: 'info' | 'warning' | 'minor' | 'major' | 'critical';
  message: string;
  /** ms, for ordering */
  raisedAt: number;
  /** ISO time it was raised */
  since: string;
}

const RANK: Record<string, number> = { info: 0, warning: 1, minor: 2, major: 3, critical: 4 };

/** Worst first; among equals the one waiting longest first. */
export function sortWorstFirst<T extends Pick<ActiveAlertRow, 'severity' | 'raisedAt' | 'key'>>(
  alerts: readonly T[],
): T[] {
  return [...alerts].sort(
    (a, b) =>
      (RANK[b.severity] ?? 0) - (RANK[a.severity] ?? 0) ||
      a.raisedAt - b.raisedAt ||
      compareText(a.key, b.key),
  );
}

/**
 * The raised alerts, worst first: for the dashboard and the monitoring pages. Shows at most
 * `limit` with a count of the rest.
 */
export function ActiveAlerts(props: {
  alerts: readonly ActiveAlertRow[];
  timezone: string;
  /** Heading of the card; none when the caller has its own. */
  title?: string;
  limit?: number;
  /** Shown when nothing is raised. */
  emptyText?: string;
  /** Hide the device column (on a device's own page). */
  hideDevice?: boolean;
}) {
  const sorted = sortWorstFirst(props.alerts);
  const shown = props.limit ? sorted.slice(0, props.limit) : sorted;
  const counts = Object.entries(
    sorted.reduce<Record<string, number>>((acc, a) => {
      acc[a.severity] = (acc[a.severity] ?? 0) + 1;
      return acc;
    }, {}),
  ).sort((a, b) => (RANK[b[0]] ?? 0) - (RANK[a[0]] ?? 0));
  return (
    <section class="card" id="active-alerts" aria-label={props.title ?? 'Active alerts'}>
      {props.title ? (
        <h2>
          {props.title}{' '}
          {counts.map(([sev, n]) => (
            <>
              <SeverityBadge severity={sev} /> <span class="small muted">{n}</span>{' '}
            </>
          ))}
        </h2>
      ) : null}
      {sorted.length === 0 ? (
        <p class="empty-line">{props.emptyText ?? 'No alerts: every rule is satisfied.'}</p>
      ) : (
        <div class="table-scroll">
          <table class="table">
            <thead>
              <tr>
                <th>Severity</th>
                {props.hideDevice ? null : <th>Device</th>}
                <th>Alert</th>
                <th>Since</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((a) => (
                <tr data-alert={a.key}>
                  <td>
                    <SeverityBadge severity={a.severity} />
                  </td>
                  {props.hideDevice ? null : (
                    <td class="nowrap">
                      <a href={`/devices/${encodeURIComponent(a.deviceId)}`}>{a.deviceName}</a>
                    </td>
                  )}
                  <td>
                    <strong>{a.title}</strong>
                    <br />
                    <span class="small">{a.message}</span>
                  </td>
                  <td class="nowrap small">
                    <Time iso={a.since} timezone={props.timezone} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {shown.length < sorted.length ? (
        <p class="small muted">
          and {sorted.length - shown.length} more:{' '}
          <a href="/monitoring/rules#active-alerts">see all</a>
        </p>
      ) : null}
    </section>
  );
}
