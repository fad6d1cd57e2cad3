import { SettingsShell, type SettingsShellProps } from './nav.js';
import { Time } from '../../partials/time.js';

export interface AuditRow {
  key: string;
  at: string;
  actor: string;
  action: string;
  target?: string | undefined;
  ip?: string | undefined;
  details?: string | undefined;
}

export function AuditPage(
  p: Omit<SettingsShellProps, 'tab' | 'title'> & {
    rows: AuditRow[];
    timezone: string;
    next: string | null;
  },
) {
  return (
    <SettingsShell {...p} tab="/settings/audit" title="Audit log">
      <section class="card">
        <h2>Audit log</h2>
        <p class="muted">
          Every change on this box: who, what, when and from which address. Newest first.
        </p>
        <div class="table-scroll">
          <table class="table audit">
            <thead>
              <tr>
                <th>When</th>
                <th>Who</th>
                <th>What</th>
                <th>Target</th>
                <th>From</th>
              </tr>
            </thead>
            <tbody id="audit-rows">
              {p.rows.map((r) => (
                <tr>
                  <td>
                    <Time iso={r.at} timezone={p.timezone} />
                  </td>
                  <td>{r.actor}</td>
                  <td>
                    <code>{r.action}</code>
                    {r.details ? <div class="muted small">{r.details}</div> : null}
                  </td>
                  <td>{r.target ?? ''}</td>
                  <td>{r.ip ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {p.next ? (
          <p>
            <a href={`/settings/audit?before=${encodeURIComponent(p.next)}`}>Older entries →</a>
          </p>
        ) : null}
      </section>
    </SettingsShell>
  );
}
