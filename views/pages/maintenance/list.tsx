import { SettingsShell, type SettingsShellProps } from '../settings/nav.js';
import { Time } from '../../partials/time.js';
import { typeLabel } from '../devices/format.js';
import { Outcome } from '../notify/inputs.js';

export type ScopeView =
  | { kind: 'site' }
  | { kind: 'devices'; devices: Array<{ id: string; name?: string | undefined }> }
  | { kind: 'types'; types: string[] };

export interface WindowRow {
  id: string;
  name: string;
  reason: string;
  enabled: boolean;
  suppressNotifications: boolean;
  /** The schedule in words, with its time zone. */
  description: string;
  scope: ScopeView;
  active?: { start: string; end: string } | undefined;
  next?: { start: string; end: string } | undefined;
  backupJobs: number;
}

export interface MaintenanceListProps extends Omit<SettingsShellProps, 'tab' | 'title'> {
  timezone: string;
  windows: WindowRow[];
  canEdit: boolean;
  canDelete: boolean;
  notice?: string | undefined;
  error?: string | undefined;
}

const BASE = '/settings/maintenance';
/** Devices named in the table before "and N more". */
const SHOWN_DEVICES = 5;

export function ScopeText(p: { scope: ScopeView }) {
  const s = p.scope;
  if (s.kind === 'site') return <span>The whole site</span>;
  if (s.kind === 'types') return <span>Device types: {s.types.map(typeLabel).join(', ')}</span>;
  const shown = s.devices.slice(0, SHOWN_DEVICES);
  return (
    <span>
      {shown.map((d, i) => (
        <>
          {i ? ', ' : ''}
          {d.name ? (
            <a href={`/devices/${encodeURIComponent(d.id)}`}>{d.name}</a>
          ) : (
            <span class="muted">a deleted device</span>
          )}
        </>
      ))}
      {s.devices.length > shown.length ? ` and ${s.devices.length - shown.length} more` : ''}
    </span>
  );
}

/** Settings → Maintenance: planned work during which incidents stay quiet. */
export function MaintenanceListPage(p: MaintenanceListProps) {
  const activeCount = p.windows.filter((w) => w.active).length;
  return (
    <SettingsShell {...p} tab={BASE} title="Maintenance windows">
      <Outcome notice={p.notice} error={p.error} />
      <section class="card" id="windows">
        <div class="card-head">
          <h2>Maintenance windows</h2>
          {p.canEdit ? (
            <a class="button-link primary" href={`${BASE}/new`}>
              Add window
            </a>
          ) : null}
        </div>
        <p class="muted">
          During a window, problems of the devices it covers still open incidents, marked as
          maintenance, but nobody is notified until it ends. The site is checked again right after.
          Times in {p.timezone}; a window may name its own zone.
        </p>
        {activeCount ? (
          <p class="maint-now">
            <span class="pill st-due">
              {activeCount} window{activeCount === 1 ? '' : 's'} active now
            </span>
          </p>
        ) : null}
        {p.windows.length === 0 ? (
          <p class="empty-line">
            No maintenance windows.{' '}
            {p.canEdit ? (
              <a href={`${BASE}/new`}>Plan one</a>
            ) : (
              'Operators and admins can plan them.'
            )}
            {p.canEdit
              ? ' before the next firmware update or the weekly reboot of the server.'
              : ''}
          </p>
        ) : (
          <div class="table-scroll">
            <table class="table windows">
              <thead>
                <tr>
                  <th>Window</th>
                  <th>When</th>
                  <th>Covers</th>
                  <th>Notifications</th>
                  {p.canEdit || p.canDelete ? <th class="actions">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {p.windows.map((w) => (
                  <tr
                    class={w.active ? 'active-window' : w.enabled ? undefined : 'disabled'}
                    id={`window-${w.id}`}
                  >
                    <td>
                      <strong>{w.name}</strong>{' '}
                      {w.active ? (
                        <span class="badge s-running">active now</span>
                      ) : !w.enabled ? (
                        <span class="badge s-skipped">disabled</span>
                      ) : null}
                      <div class="small prewrap">{w.reason}</div>
                    </td>
                    <td>
                      <div class="small">{w.description}</div>
                      {w.active ? (
                        <div class="small">
                          <strong>
                            until <Time iso={w.active.end} timezone={p.timezone} />
                          </strong>
                        </div>
                      ) : w.next ? (
                        <div class="muted small">
                          next <Time iso={w.next.start} timezone={p.timezone} /> –{' '}
                          <Time iso={w.next.end} timezone={p.timezone} />
                        </div>
                      ) : w.enabled ? (
                        <div class="muted small">no further occurrence (over)</div>
                      ) : null}
                    </td>
                    <td class="small">
                      <ScopeText scope={w.scope} />
                      {w.backupJobs ? (
                        <div class="muted">
                          and {w.backupJobs} backup job{w.backupJobs === 1 ? '' : 's'} run only
                          inside it
                        </div>
                      ) : null}
                    </td>
                    <td class="small">
                      {w.suppressNotifications ? 'held back' : <strong>sent as usual</strong>}
                    </td>
                    {p.canEdit || p.canDelete ? (
                      <td class="actions">
                        <div class="row-actions">
                          {p.canEdit ? (
                            <a class="button-link" href={`${BASE}/${w.id}/edit`}>
                              Edit
                            </a>
                          ) : null}
                          {p.canDelete ? (
                            <a class="button-link danger" href={`${BASE}/${w.id}/delete`}>
                              Delete
                            </a>
                          ) : null}
                        </div>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </SettingsShell>
  );
}
