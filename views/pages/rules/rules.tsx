import { Layout, type ShellUser } from '../../layout.js';
import { Notice } from '../../partials/form.js';
import { ActiveAlerts, type ActiveAlertRow } from './active-alerts.js';
import { SeverityBadge } from './severity.js';

/** One rule in the table. */
export interface RuleRow {
  id: string;
  title: string;
  /** "CPU load above 90 % for 15 min" */
  condition: string;
  severity: string;
  enabled: boolean;
  /** Changed from the built-in default. */
  edited: boolean;
  typeOverrides: number;
  deviceOverrides: number;
}

export interface ShellProps {
  siteName: string;
  user: ShellUser;
  csrfToken: string;
}

/** Page head shared by the rules pages: breadcrumb back to Monitoring. */
export function RulesHead(props: { title: string; sub?: string; rule?: boolean }) {
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/monitoring">Monitoring</a> <span aria-hidden="true">›</span>
        {props.rule ? (
          <>
            {' '}
            <a href="/monitoring/rules">Alert rules</a> <span aria-hidden="true">›</span>
          </>
        ) : null}
      </nav>
      <div class="page-head">
        <h1>{props.title}</h1>
        {props.sub ? <p class="muted">{props.sub}</p> : null}
      </div>
    </>
  );
}

/** /monitoring/rules: the alerts raised now and every rule that raises them. */
export function RulesPage(
  p: ShellProps & {
    timezone: string;
    rules: RuleRow[];
    alerts: ActiveAlertRow[];
    canEdit: boolean;
    notice?: string | undefined;
  },
) {
  return (
    <Layout
      title="Alert rules"
      siteName={p.siteName}
      active="/monitoring"
      user={p.user}
      csrfToken={p.csrfToken}
    >
      <RulesHead
        title="Alert rules"
        sub="What the monitor raises an alert for. Each alert becomes an event; it clears by itself when the condition stops."
      />
      {p.notice ? <Notice kind="ok">{p.notice}</Notice> : null}
      <ActiveAlerts alerts={p.alerts} timezone={p.timezone} title="Raised now" />
      <section class="card" id="rules">
        <h2>Rules</h2>
        <p class="muted">
          {p.canEdit
            ? 'Open a rule to change its level, how long it must last, its severity, or to set it differently for a type of device or for one device.'
            : 'Only an admin can change rules.'}
        </p>
        <div class="table-scroll">
          <table class="table">
            <thead>
              <tr>
                <th>Rule</th>
                <th>Condition</th>
                <th>Severity</th>
                <th>Enabled</th>
                <th>Overrides</th>
              </tr>
            </thead>
            <tbody>
              {p.rules.map((r) => (
                <tr id={`rule-${r.id}`}>
                  <td>
                    <a href={`/monitoring/rules/${r.id}`}>
                      <strong>{r.title}</strong>
                    </a>
                    {r.edited ? <span class="pill">edited</span> : null}
                  </td>
                  <td>{r.condition}</td>
                  <td>
                    <SeverityBadge severity={r.severity} />
                  </td>
                  <td>{r.enabled ? 'yes' : <span class="muted">no</span>}</td>
                  <td class="small">
                    {r.typeOverrides + r.deviceOverrides === 0 ? (
                      <span class="muted">none</span>
                    ) : (
                      [
                        r.typeOverrides
                          ? `${r.typeOverrides} type${r.typeOverrides === 1 ? '' : 's'}`
                          : '',
                        r.deviceOverrides
                          ? `${r.deviceOverrides} device${r.deviceOverrides === 1 ? '' : 's'}`
                          : '',
                      ]
                        .filter(Boolean)
                        .join(', ')
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </Layout>
  );
}
