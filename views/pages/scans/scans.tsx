import { Layout, type ShellUser } from '../../layout.js';
import { Notice } from '../../partials/form.js';
import { Time, StatusBadge } from '../../partials/time.js';
import { ScanButton } from '../devices/list.js';
import { ScanCard, triggerText, type ScanView } from './scan-card.js';

export interface DiscoverySummary {
  subnets: string[];
  exclude: string[];
  scheduleText: string;
  serviceScan: boolean;
}

interface Shell {
  siteName: string;
  user: ShellUser;
  csrfToken: string;
  timezone: string;
}

export interface ScansPageProps extends Shell {
  settings: DiscoverySummary;
  /** The running scan, or else the latest one. */
  current?: ScanView | undefined;
  scans: ScanView[];
  /** Cursor for older scans. */
  next: string | null;
  canOperate: boolean;
  isAdmin: boolean;
  notice?: string | undefined;
  error?: { code: string; message: string } | undefined;
}

/** Past scans; also sent out of band when a followed scan finishes. */
export function ScanHistory(props: {
  scans: ScanView[];
  timezone: string;
  next: string | null;
  oob?: boolean;
}) {
  return (
    <section class="card" id="scan-history" hx-swap-oob={props.oob ? 'true' : undefined}>
      <h2>Past scans</h2>
      {props.scans.length === 0 ? (
        <p class="empty-line">No scan has run yet.</p>
      ) : (
        <div class="table-scroll">
          <table class="table scans">
            <thead>
              <tr>
                <th>Started</th>
                <th>Result</th>
                <th>Networks</th>
                <th>Duration</th>
                <th>Found</th>
                <th>Changes</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {props.scans.map((s) => (
                <tr>
                  <td class="nowrap">
                    <a href={`/discovery/scans/${s.id}`}>
                      <Time iso={s.startedAt ?? s.createdAt} timezone={props.timezone} />
                    </a>
                    <div class="muted small">{triggerText(s)}</div>
                  </td>
                  <td>
                    <StatusBadge status={s.status} />
                  </td>
                  <td>
                    {s.subnets.map((n) => (
                      <code class="block">{n}</code>
                    ))}
                  </td>
                  <td class="nowrap">{s.duration}</td>
                  <td class="nowrap">
                    {s.progress.hostsUp} up
                    <div class="muted small">{s.progress.snmpAnswered} SNMP</div>
                  </td>
                  <td class="nowrap">
                    {s.status === 'done' ? (
                      <>
                        {s.progress.devicesNew} new, {s.progress.devicesUpdated} changed
                        <div class="muted small">{s.progress.devicesMissing} missing</div>
                      </>
                    ) : (
                      <span class="muted">none</span>
                    )}
                  </td>
                  <td>
                    {s.error ? (
                      <span class={s.status === 'cancelled' ? 'muted' : 'error-text'}>
                        {s.error.message}
                      </span>
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
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {props.next ? (
        <p>
          <a href={`/discovery?before=${encodeURIComponent(props.next)}`}>Older scans →</a>
        </p>
      ) : null}
    </section>
  );
}

export function ScansPage(p: ScansPageProps) {
  const configured = p.settings.subnets.length > 0;
  return (
    <Layout
      title="Discovery scans"
      siteName={p.siteName}
      active="/devices"
      user={p.user}
      csrfToken={p.csrfToken}
    >
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/devices">Devices</a> <span aria-hidden="true">›</span>
      </nav>
      <div class="page-head">
        <h1>Discovery scans</h1>
        <p class="muted">
          Each scan finds the live hosts with nmap, asks each one over SNMP what it is, and updates
          the inventory in one step at the end.
        </p>
      </div>
      <div id="flash" aria-live="polite"></div>
      {p.notice ? <Notice kind="ok">{p.notice}</Notice> : null}
      {p.error ? (
        <Notice kind="error">
          {p.error.message} <code>{p.error.code}</code>
        </Notice>
      ) : null}
      <section class="card" id="scan-settings">
        <div class="card-head">
          <h2>What is scanned</h2>
          <a href="/settings/discovery" class="small">
            {p.isAdmin ? 'Change' : 'Settings'}
          </a>
        </div>
        {configured ? (
          <dl class="facts">
            <dt>Networks</dt>
            <dd>
              {p.settings.subnets.map((n) => (
                <code class="chip">{n}</code>
              ))}
            </dd>
            {p.settings.exclude.length ? (
              <>
                <dt>Left alone</dt>
                <dd>
                  {p.settings.exclude.map((n) => (
                    <code class="chip">{n}</code>
                  ))}
                </dd>
              </>
            ) : null}
            <dt>Schedule</dt>
            <dd>{p.settings.scheduleText}</dd>
            <dt>Service scan</dt>
            <dd>{p.settings.serviceScan ? 'on (open ports and versions)' : 'off'}</dd>
          </dl>
        ) : (
          <p>
            No networks to scan are configured, so nothing is scanned.{' '}
            {p.isAdmin ? (
              <a href="/settings/discovery">Set them under Settings → Discovery.</a>
            ) : (
              'An admin sets them under Settings → Discovery.'
            )}
          </p>
        )}
      </section>
      {p.current ? (
        <ScanCard
          scan={p.current}
          timezone={p.timezone}
          csrfToken={p.csrfToken}
          canOperate={p.canOperate}
          withServices={p.settings.serviceScan}
          pollUrl={`/discovery/scans/${p.current.id}/progress?history=1`}
          showLink
          canStart={p.canOperate && configured}
        />
      ) : (
        <section class="card" id="scan-live">
          <div class="card-head">
            <h2>No scan has run yet</h2>
          </div>
          {p.canOperate && configured ? (
            <ScanButton csrfToken={p.csrfToken} />
          ) : (
            <p class="muted small">
              {configured
                ? 'Operators and admins can start a scan here.'
                : 'Scans can start once networks are configured.'}
            </p>
          )}
        </section>
      )}
      <ScanHistory scans={p.scans} timezone={p.timezone} next={p.next} />
    </Layout>
  );
}

export function ScanDetailPage(
  p: Shell & {
    scan: ScanView;
    canOperate: boolean;
    withServices: boolean;
    notice?: string | undefined;
  },
) {
  const s = p.scan;
  const running = s.status === 'running' || s.status === 'queued';
  return (
    <Layout
      title={`Scan ${s.id}`}
      siteName={p.siteName}
      active="/devices"
      user={p.user}
      csrfToken={p.csrfToken}
    >
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/devices">Devices</a> <span aria-hidden="true">›</span>{' '}
        <a href="/discovery">Scans</a> <span aria-hidden="true">›</span>
      </nav>
      <div class="page-head">
        <h1>
          Scan <code>{s.id}</code>
        </h1>
        <p class="muted">
          Started <Time iso={s.startedAt ?? s.createdAt} timezone={p.timezone} /> {triggerText(s)}
          {s.finishedAt ? (
            <>
              , finished <Time iso={s.finishedAt} timezone={p.timezone} />
            </>
          ) : null}
        </p>
      </div>
      <div id="flash" aria-live="polite"></div>
      {p.notice ? <Notice kind="ok">{p.notice}</Notice> : null}
      <ScanCard
        scan={s}
        timezone={p.timezone}
        csrfToken={p.csrfToken}
        canOperate={p.canOperate}
        withServices={p.withServices}
        pollUrl={running ? `/discovery/scans/${s.id}/progress` : undefined}
      />
    </Layout>
  );
}
