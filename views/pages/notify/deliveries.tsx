import { SettingsShell, type SettingsShellProps } from '../settings/nav.js';
import { Time } from '../../partials/time.js';
import { SeverityBadge } from '../rules/severity.js';
import { KIND_LABELS } from './channels.js';

export interface DeliveryAttemptView {
  at: string;
  ok: boolean;
  durationMs: number;
  error?: { code: string; message: string; kind?: string | undefined } | undefined;
  detail?: string | undefined;
}

export interface DeliveryRow {
  id: string;
  kind: string;
  severity: string;
  summary: string;
  incidentId?: string | undefined;
  status: string;
  attempts: DeliveryAttemptView[];
  createdAt: string;
  nextAt?: string | undefined;
  heldUntil?: string | undefined;
  sentAt?: string | undefined;
  finishedAt?: string | undefined;
  reason?: string | undefined;
}

export interface DeliveriesPageProps extends Omit<SettingsShellProps, 'tab' | 'title'> {
  timezone: string;
  channel: { id: string; name: string; kind: string };
  rows: DeliveryRow[];
  /** This page starts after (is older than) this delivery. */
  before?: string | undefined;
  /** Cursor of the next, older page. */
  next?: string | undefined;
}

const WHAT: Record<string, string> = {
  opened: 'Incident opened',
  reopened: 'Incident reopened',
  escalated: 'Escalated',
  flapping: 'Flapping',
  resolved: 'Resolved',
  recheck: 'Recheck',
  test: 'Test message',
  digest: 'Daily summary',
};

const STATUS_CLASS: Record<string, string> = {
  sent: 's-ok',
  failed: 's-failed',
  dropped: 's-skipped',
  pending: 's-queued',
  sending: 's-running',
};

function Attempts(p: { attempts: DeliveryAttemptView[]; timezone: string }) {
  const n = p.attempts.length;
  if (!n) return <span class="muted">none yet</span>;
  const failed = p.attempts.filter((a) => !a.ok).length;
  return (
    <details class="attempts">
      <summary>
        {n} attempt{n === 1 ? '' : 's'}
        {failed ? <span class="error-text">, {failed} failed</span> : null}
      </summary>
      <ol>
        {p.attempts.map((a) => (
          <li class={a.ok ? 'ok' : 'failed'}>
            <Time iso={a.at} timezone={p.timezone} /> · {a.durationMs} ms ·{' '}
            {a.ok ? (
              <span>{a.detail ?? 'sent'}</span>
            ) : (
              <>
                <span class="error-text">{a.error?.message ?? 'failed'}</span>{' '}
                {a.error ? <code>{a.error.code}</code> : null}
                {a.error?.kind ? <span class="muted"> ({a.error.kind})</span> : null}
              </>
            )}
          </li>
        ))}
      </ol>
    </details>
  );
}

/** One channel's delivery log, newest first, paged by cursor. */
export function DeliveriesPage(p: DeliveriesPageProps) {
  const base = `/settings/notifications/${p.channel.id}/deliveries`;
  return (
    <SettingsShell {...p} tab="/settings/notifications" title={`Deliveries of ${p.channel.name}`}>
      <p class="crumbs">
        <a href="/settings/notifications">Notification channels</a> › {p.channel.name}
      </p>
      <section class="card" id="deliveries">
        <div class="card-head">
          <h2>Deliveries of “{p.channel.name}”</h2>
          <span class="muted small">
            {KIND_LABELS[p.channel.kind] ?? p.channel.kind}, newest first
          </span>
        </div>
        {p.rows.length === 0 ? (
          <p class="empty-line">
            {p.before ? 'No older deliveries.' : 'Nothing has been sent over this channel yet.'}
          </p>
        ) : (
          <div class="table-scroll">
            <table class="table compact deliveries">
              <thead>
                <tr>
                  <th>Queued</th>
                  <th>What</th>
                  <th>Status</th>
                  <th>Attempts</th>
                </tr>
              </thead>
              <tbody>
                {p.rows.map((d) => (
                  <tr id={`delivery-${d.id}`}>
                    <td class="nowrap small">
                      <Time iso={d.createdAt} timezone={p.timezone} />
                    </td>
                    <td>
                      <strong>{WHAT[d.kind] ?? d.kind}</strong>{' '}
                      <SeverityBadge severity={d.severity} />
                      <div class="small">
                        {d.incidentId ? (
                          <a href={`/incidents/${encodeURIComponent(d.incidentId)}`}>{d.summary}</a>
                        ) : (
                          d.summary
                        )}
                      </div>
                      <div class="muted small">
                        id <code>{d.id}</code>
                      </div>
                    </td>
                    <td>
                      <span class={`badge ${STATUS_CLASS[d.status] ?? ''}`}>{d.status}</span>
                      {d.status === 'sent' && d.sentAt ? (
                        <div class="muted small">
                          <Time iso={d.sentAt} timezone={p.timezone} />
                        </div>
                      ) : null}
                      {d.heldUntil ? (
                        <div class="muted small">
                          quiet hours until <Time iso={d.heldUntil} timezone={p.timezone} />
                        </div>
                      ) : d.nextAt && (d.status === 'pending' || d.status === 'sending') ? (
                        <div class="muted small">
                          next try <Time iso={d.nextAt} timezone={p.timezone} />
                        </div>
                      ) : null}
                      {d.reason && d.reason !== d.attempts.at(-1)?.error?.message ? (
                        <div class="small">{d.reason}</div>
                      ) : null}
                    </td>
                    <td>
                      <Attempts attempts={d.attempts} timezone={p.timezone} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {p.before || p.next ? (
          <nav class="pager" aria-label="Delivery pages">
            {p.before ? <a href={base}>← Newest</a> : <span class="muted">← Newest</span>}
            {p.next ? (
              <a href={`${base}?before=${encodeURIComponent(p.next)}`} rel="next">
                Older →
              </a>
            ) : (
              <span class="muted">Older →</span>
            )}
          </nav>
        ) : null}
      </section>
    </SettingsShell>
  );
}
