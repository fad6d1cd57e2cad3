import { SettingsShell, type SettingsShellProps } from '../settings/nav.js';
import { Csrf } from '../../partials/form.js';
import { Time } from '../../partials/time.js';
import { Outcome } from './inputs.js';

export const KIND_LABELS: Record<string, string> = {
  email: 'E-mail',
  webhook: 'Webhook',
  syslog: 'Syslog',
};

export interface ChannelStateView {
  failing: boolean;
  failingSince?: string | undefined;
  consecutiveFailures: number;
  lastOkAt?: string | undefined;
  lastErrorAt?: string | undefined;
  lastError?: { code: string; message: string } | undefined;
  nextDigestAt?: string | undefined;
}

export interface ChannelRow {
  id: string;
  name: string;
  kind: string;
  enabled: boolean;
  /** Where it sends to, in one line (never a secret). */
  target: string;
  /** What it sends, as short phrases. */
  filters: string[];
  state: ChannelStateView;
}

export interface TestOutcomeView {
  ok: boolean;
  durationMs: number;
  detail?: string | undefined;
  error?: { code: string; message: string } | undefined;
}

export interface ChannelsPageProps extends Omit<SettingsShellProps, 'tab' | 'title'> {
  timezone: string;
  channels: ChannelRow[];
  stats: { pending: number; failedLast24h: number; failingChannels: number };
  maxChannels: number;
  /** Admins add, edit and delete channels. */
  canEdit: boolean;
  /** Operators (and admins) send test messages. */
  canTest: boolean;
  notice?: string | undefined;
  error?: string | undefined;
}

const BASE = '/settings/notifications';

/** The answer to "Send test": shown in the channel's row (an htmx fragment) or as a banner. */
export function TestOutcome(p: { result: TestOutcomeView }) {
  const r = p.result;
  return r.ok ? (
    <span class="test-outcome ok">
      <span class="badge s-ok">test sent</span>{' '}
      <span class="small">
        in {r.durationMs} ms{r.detail ? `: ${r.detail}` : ''}
      </span>
    </span>
  ) : (
    <span class="test-outcome failed" role="alert">
      <span class="badge s-failed">test failed</span>{' '}
      <span class="small error-text">{r.error?.message ?? 'The test message was not sent.'}</span>{' '}
      {r.error ? <code class="small">{r.error.code}</code> : null}
    </span>
  );
}

function StateCell(p: { row: ChannelRow; timezone: string }) {
  const s = p.row.state;
  if (!p.row.enabled)
    return (
      <>
        <span class="badge s-skipped">disabled</span>
        <div class="muted small">nothing is sent</div>
      </>
    );
  if (s.failing || s.lastError) {
    // A last error older than the last success is history: the channel works.
    const stale = s.lastOkAt && s.lastErrorAt && s.lastOkAt > s.lastErrorAt;
    if (!s.failing && stale)
      return (
        <>
          <span class="badge s-ok">ok</span>
          <div class="muted small">
            last sent <Time iso={s.lastOkAt} timezone={p.timezone} />
          </div>
        </>
      );
    return (
      <>
        <span class={`badge ${s.failing ? 's-failed' : 's-cancelled'}`}>
          {s.failing ? 'failing' : 'last attempt failed'}
        </span>
        {s.failing && s.failingSince ? (
          <div class="muted small">
            since <Time iso={s.failingSince} timezone={p.timezone} />, {s.consecutiveFailures}{' '}
            attempts in a row
          </div>
        ) : null}
        {s.lastError ? (
          <div class="small">
            <span class="error-text">{s.lastError.message}</span> <code>{s.lastError.code}</code>
          </div>
        ) : null}
      </>
    );
  }
  if (s.lastOkAt)
    return (
      <>
        <span class="badge s-ok">ok</span>
        <div class="muted small">
          last sent <Time iso={s.lastOkAt} timezone={p.timezone} />
        </div>
      </>
    );
  return <span class="badge s-queued">nothing sent yet</span>;
}

/** Settings → Notifications: the channels, their health and the way to add one. */
export function ChannelsPage(p: ChannelsPageProps) {
  const full = p.channels.length >= p.maxChannels;
  return (
    <SettingsShell {...p} tab={BASE} title="Notifications">
      <Outcome notice={p.notice} error={p.error} />
      <section class="card" id="channels">
        <div class="card-head">
          <h2>Notification channels</h2>
          {p.canEdit && !full ? (
            <a class="button-link primary" href={`${BASE}/new`}>
              Add channel
            </a>
          ) : null}
        </div>
        <p class="muted">
          Incidents are sent to every enabled channel whose filters they pass: by e-mail, to a
          webhook (signed with HMAC-SHA256) or to a syslog collector. A failed delivery is tried
          again with growing pauses. Passwords and signing secrets are stored encrypted and never
          shown again.
        </p>
        <dl class="counts">
          <div>
            <dt>Waiting</dt>
            <dd>{p.stats.pending}</dd>
          </div>
          <div>
            <dt>Failed (24 h)</dt>
            <dd class={p.stats.failedLast24h ? 'bad' : undefined}>{p.stats.failedLast24h}</dd>
          </div>
          <div>
            <dt>Failing channels</dt>
            <dd class={p.stats.failingChannels ? 'bad' : undefined}>{p.stats.failingChannels}</dd>
          </div>
        </dl>
        {p.channels.length === 0 ? (
          <p class="empty-line">
            No channels yet: incidents are opened and shown here, but nobody is told.{' '}
            {p.canEdit ? (
              <a href={`${BASE}/new`}>Add the first channel.</a>
            ) : (
              'An admin can add one.'
            )}
          </p>
        ) : (
          <div class="table-scroll">
            <table class="table channels">
              <thead>
                <tr>
                  <th>Channel</th>
                  <th>Sends to, what</th>
                  <th>State</th>
                  <th class="actions">Actions</th>
                </tr>
              </thead>
              <tbody>
                {p.channels.map((c) => (
                  <tr class={c.enabled ? undefined : 'disabled'} id={`channel-${c.id}`}>
                    <td>
                      <strong>{c.name}</strong>
                      <div class="muted small">{KIND_LABELS[c.kind] ?? c.kind}</div>
                    </td>
                    <td class="target">
                      <code>{c.target}</code>
                      <div class="muted small">{c.filters.join(' · ')}</div>
                    </td>
                    <td>
                      <StateCell row={c} timezone={p.timezone} />
                    </td>
                    <td class="actions">
                      <div class="row-actions">
                        {p.canTest ? (
                          <form
                            method="post"
                            action={`${BASE}/${c.id}/test`}
                            class="inline"
                            hx-post={`${BASE}/${c.id}/test`}
                            hx-target={`#test-${c.id}`}
                            hx-swap="innerHTML"
                            hx-disabled-elt="find button"
                          >
                            <Csrf token={p.csrfToken} />
                            <button type="submit">Send test</button>
                          </form>
                        ) : null}
                        <a class="button-link" href={`${BASE}/${c.id}/deliveries`}>
                          Deliveries
                        </a>
                        {p.canEdit ? (
                          <>
                            <a class="button-link" href={`${BASE}/${c.id}/edit`}>
                              Edit
                            </a>
                            <a class="button-link danger" href={`${BASE}/${c.id}/delete`}>
                              Delete
                            </a>
                          </>
                        ) : null}
                      </div>
                      <output id={`test-${c.id}`} class="test-result" aria-live="polite"></output>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {p.canEdit && full ? (
          <p class="muted small">
            {p.maxChannels} channels is the most this box keeps; remove one to add another.
          </p>
        ) : null}
        {!p.canEdit ? (
          <p class="muted small">
            Only admins add and change channels{p.canTest ? '; you can send test messages.' : '.'}
          </p>
        ) : null}
      </section>
    </SettingsShell>
  );
}
