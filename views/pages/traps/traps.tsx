import { Layout, type ShellUser } from '../../layout.js';
import { Notice } from '../../partials/form.js';
import { Time } from '../../partials/time.js';

export interface TrapReceiverView {
  enabled: boolean;
  listening?: { address: string; port: number } | undefined;
  error?: { code: string; message: string } | undefined;
  stats?:
    | {
        received: number;
        accepted: number;
        dropped: number;
        malformed: number;
        authFailures: number;
        bySource: Array<{
          address: string;
          received: number;
          accepted: number;
          dropped: number;
          malformed: number;
          authFailures: number;
          lastSeen: number;
        }>;
      }
    | undefined;
}

export interface TrapRow {
  key: string;
  receivedAt: string;
  address: string;
  version: string;
  notification: string;
  kind: string;
  trapOid: string;
  enterprise?: string | undefined;
  ifIndex?: number | undefined;
  ifName?: string | undefined;
  operStatus?: string | undefined;
  agentAddress?: string | undefined;
  credentialName?: string | undefined;
  user?: string | undefined;
  /** The inventory device that sent it; absent for an unknown sender. */
  device?: { id: string; name?: string | undefined } | undefined;
  varbinds: Array<{ oid: string; type: string; value: string }>;
  omittedVarbinds: number;
}

export interface TrapsPageProps {
  siteName: string;
  user: ShellUser;
  csrfToken: string;
  timezone: string;
  receiver: TrapReceiverView;
  rows: TrapRow[];
  unknownOnly: boolean;
  before?: string | undefined;
  next?: string | undefined;
}

const KIND_LABELS: Record<string, string> = {
  linkDown: 'Link down',
  linkUp: 'Link up',
  coldStart: 'Cold start',
  warmStart: 'Warm start',
  authenticationFailure: 'Authentication failure',
  vendor: 'Vendor trap',
};

const BASE = '/monitoring/traps';

function href(q: { unknownOnly: boolean; before?: string | undefined }): string {
  const s = new URLSearchParams();
  if (q.unknownOnly) s.set('unknown', '1');
  if (q.before) s.set('before', q.before);
  const t = s.toString();
  return `${BASE}${t ? `?${t}` : ''}`;
}

function Receiver(p: { r: TrapReceiverView; timezone: string }) {
  const r = p.r;
  const st = r.stats;
  return (
    <section class="card" id="receiver" aria-labelledby="receiver-h">
      <div class="card-head">
        <h2 id="receiver-h">Receiver</h2>
        {!r.enabled ? (
          <span class="pill st-missing">off</span>
        ) : r.listening ? (
          <span class="pill ok">listening</span>
        ) : (
          <span class="pill st-overdue">not receiving</span>
        )}
      </div>
      {!r.enabled ? (
        <p class="muted">
          The trap receiver is turned off in the configuration (<code>traps.enabled</code>).
        </p>
      ) : r.listening ? (
        <p>
          Listening on UDP{' '}
          <code>
            {r.listening.address}:{r.listening.port}
          </code>
          . Point the devices’ trap destination at this box, with a community or SNMPv3 user that is
          among the SNMP credentials.
        </p>
      ) : r.error ? (
        <Notice kind="error">
          {r.error.message} <code>{r.error.code}</code>
        </Notice>
      ) : (
        <p class="muted">The receiver is starting.</p>
      )}
      {st ? (
        <>
          <dl class="counts">
            <div>
              <dt>Received</dt>
              <dd>{st.received}</dd>
            </div>
            <div>
              <dt>Accepted</dt>
              <dd>{st.accepted}</dd>
            </div>
            <div>
              <dt>Dropped (rate)</dt>
              <dd class={st.dropped ? 'warn' : undefined}>{st.dropped}</dd>
            </div>
            <div>
              <dt>Malformed</dt>
              <dd class={st.malformed ? 'warn' : undefined}>{st.malformed}</dd>
            </div>
            <div>
              <dt>Refused (auth)</dt>
              <dd class={st.authFailures ? 'bad' : undefined}>{st.authFailures}</dd>
            </div>
          </dl>
          <p class="muted small">Counted since Caretaker started.</p>
          {st.bySource.length ? (
            <details class="sources">
              <summary>Busiest senders</summary>
              <div class="table-scroll">
                <table class="table compact">
                  <thead>
                    <tr>
                      <th>Address</th>
                      <th class="num">Received</th>
                      <th class="num">Accepted</th>
                      <th class="num">Dropped</th>
                      <th class="num">Refused</th>
                      <th>Last</th>
                    </tr>
                  </thead>
                  <tbody>
                    {st.bySource.map((s) => (
                      <tr>
                        <td>
                          <code>{s.address}</code>
                        </td>
                        <td class="num">{s.received}</td>
                        <td class="num">{s.accepted}</td>
                        <td class="num">{s.dropped + s.malformed}</td>
                        <td class="num">{s.authFailures}</td>
                        <td class="small nowrap">
                          <Time iso={new Date(s.lastSeen).toISOString()} timezone={p.timezone} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </details>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function Source(p: { t: TrapRow }) {
  const t = p.t;
  return (
    <>
      {t.device ? (
        t.device.name ? (
          <a href={`/devices/${encodeURIComponent(t.device.id)}`}>{t.device.name}</a>
        ) : (
          <span class="muted">a deleted device</span>
        )
      ) : (
        <span class="unknown-sender">
          unknown: <code>{t.address}</code>
        </span>
      )}
      <div class="muted small">
        {t.device ? <code>{t.address}</code> : null}
        {t.agentAddress && t.agentAddress !== t.address ? (
          <>
            {' '}
            for <code>{t.agentAddress}</code>
          </>
        ) : null}{' '}
        SNMP{t.version}
        {t.notification === 'inform' ? ' inform' : ''}
        {t.credentialName ? ` · ${t.credentialName}` : ''}
        {t.user ? ` · user ${t.user}` : ''}
      </div>
    </>
  );
}

/** /monitoring/traps: whether traps arrive, and the latest ones (known and unknown senders). */
export function TrapsPage(p: TrapsPageProps) {
  return (
    <Layout
      title="SNMP traps"
      siteName={p.siteName}
      active="/monitoring"
      user={p.user}
      csrfToken={p.csrfToken}
    >
      <div class="page-head">
        <p class="crumbs">
          <a href="/monitoring">Monitoring</a> ›
        </p>
        <h1>SNMP traps</h1>
        <p class="muted">
          Devices report link changes, restarts and their own alarms as traps. Each one becomes an
          event; traps from senders that are not in the inventory are kept and shown too.
        </p>
      </div>
      <Receiver r={p.receiver} timezone={p.timezone} />
      <section class="card" id="traps" aria-labelledby="traps-h">
        <div class="card-head">
          <h2 id="traps-h">Received traps</h2>
          <span class="muted small">newest first</span>
        </div>
        <form method="get" action={BASE} class="filters" role="search">
          <div class="field check">
            <input
              id="f-unknown"
              type="checkbox"
              name="unknown"
              value="1"
              checked={p.unknownOnly}
            />
            <label for="f-unknown">Unknown senders only</label>
          </div>
          <div class="filter-actions">
            <button type="submit">Show</button>
            {p.unknownOnly ? <a href={BASE}>All senders</a> : null}
          </div>
        </form>
        {p.rows.length === 0 ? (
          <p class="empty-line">
            {p.before
              ? 'No older traps.'
              : p.unknownOnly
                ? 'No traps from unknown senders.'
                : 'No traps received yet.'}
          </p>
        ) : (
          <div class="table-scroll">
            <table class="table compact trap-table">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Source</th>
                  <th>Trap</th>
                  <th>Interface</th>
                  <th>Variables</th>
                </tr>
              </thead>
              <tbody>
                {p.rows.map((t) => (
                  <tr class={t.device ? undefined : 'unknown'}>
                    <td class="nowrap small">
                      <Time iso={t.receivedAt} timezone={p.timezone} />
                    </td>
                    <td>
                      <Source t={t} />
                    </td>
                    <td>
                      <strong>{KIND_LABELS[t.kind] ?? t.kind}</strong>
                      <div class="small">
                        <code>{t.trapOid}</code>
                      </div>
                      {t.enterprise ? (
                        <div class="muted small">
                          enterprise <code>{t.enterprise}</code>
                        </div>
                      ) : null}
                    </td>
                    <td class="small">
                      {t.ifName ?? (t.ifIndex !== undefined ? `ifIndex ${t.ifIndex}` : '')}
                      {t.operStatus ? <div class="muted">{t.operStatus}</div> : null}
                    </td>
                    <td class="varbinds">
                      {t.varbinds.length ? (
                        <details>
                          <summary>
                            {t.varbinds.length} variable{t.varbinds.length === 1 ? '' : 's'}
                          </summary>
                          <table class="table compact">
                            <tbody>
                              {t.varbinds.map((v) => (
                                <tr>
                                  <td>
                                    <code>{v.oid}</code>
                                  </td>
                                  <td class="muted">{v.type}</td>
                                  <td class="vb-value">{v.value}</td>
                                </tr>
                              ))}
                            </tbody>
                          </table>
                          {t.omittedVarbinds ? (
                            <p class="muted small">and {t.omittedVarbinds} more, not kept</p>
                          ) : null}
                        </details>
                      ) : (
                        <span class="muted">none</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {p.before || p.next ? (
          <nav class="pager" aria-label="Trap pages">
            {p.before ? (
              <a href={href({ unknownOnly: p.unknownOnly })}>← Newest</a>
            ) : (
              <span class="muted">← Newest</span>
            )}
            {p.next ? (
              <a href={href({ unknownOnly: p.unknownOnly, before: p.next })} rel="next">
                Older →
              </a>
            ) : (
              <span class="muted">Older →</span>
            )}
          </nav>
        ) : null}
      </section>
    </Layout>
  );
}
