import { SettingsShell, type SettingsShellProps } from './nav.js';
import { Field, Select, Csrf, Notice, type FieldErrors } from '../../partials/form.js';
import { Time } from '../../partials/time.js';
import { HqConnection, type HqConnectionProps } from './hq-connection.js';

export interface TokenRow {
  id: string;
  name: string;
  scope: string;
  createdAt: string;
  createdBy: string;
  lastUsedAt?: string;
  revokedAt?: string;
}

const SCOPES = [
  { value: 'read', label: 'read: HQ monitoring, reports and Prometheus (changes nothing)' },
  { value: 'operate', label: 'operate: also run jobs and handle incidents' },
  { value: 'admin', label: 'admin: full control, including users and settings' },
];

export function TokensPage(
  p: Omit<SettingsShellProps, 'tab' | 'title'> & {
    tokens: TokenRow[];
    timezone: string;
    created?: { name: string; token: string } | undefined;
    errors?: FieldErrors | undefined;
    values?: { name?: string; scope?: string };
    notice?: string | undefined;
    hq?: HqConnectionProps | undefined;
  },
) {
  return (
    <SettingsShell {...p} tab="/settings/tokens" title="API tokens">
      {p.created ? (
        <section class="card highlight" aria-live="polite">
          <h2>Token “{p.created.name}” created</h2>
          <p>
            Copy it now: it is shown only this once. Use it as{' '}
            <code>Authorization: Bearer &lt;token&gt;</code>.
          </p>
          <pre class="secret" id="new-token">
            <code>{p.created.token}</code>
          </pre>
        </section>
      ) : null}
      {p.notice ? <Notice kind="ok">{p.notice}</Notice> : null}
      <section class="card">
        <h2>API tokens</h2>
        <p class="muted">
          Tokens let HQ and scripts use the REST API without a password. Only a hash is kept on the
          box.
        </p>
        {p.tokens.length === 0 ? (
          <p class="empty-line">No tokens yet.</p>
        ) : (
          <div class="table-scroll">
            <table class="table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Scope</th>
                  <th>Created</th>
                  <th>Last used</th>
                  <th class="actions">Actions</th>
                </tr>
              </thead>
              <tbody>
                {p.tokens.map((t) => (
                  <tr class={t.revokedAt ? 'disabled' : undefined}>
                    <td>
                      <strong>{t.name}</strong> <code class="muted">ct_{t.id}…</code>
                    </td>
                    <td>{t.scope}</td>
                    <td>
                      <Time iso={t.createdAt} timezone={p.timezone} />{' '}
                      <span class="muted">by {t.createdBy}</span>
                    </td>
                    <td>
                      <Time iso={t.lastUsedAt} timezone={p.timezone} />
                    </td>
                    <td class="actions">
                      {t.revokedAt ? (
                        <span class="pill idle">revoked</span>
                      ) : (
                        <form
                          method="post"
                          action={`/settings/tokens/${t.id}/revoke`}
                          class="inline"
                          hx-confirm={`Revoke the token ${t.name}? Anything using it stops working.`}
                        >
                          <Csrf token={p.csrfToken} />
                          <button type="submit" class="danger">
                            Revoke
                          </button>
                        </form>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section class="card">
        <h2>Create a token</h2>
        <form method="post" action="/settings/tokens" class="stack form-grid">
          <Csrf token={p.csrfToken} />
          <Field
            name="name"
            label="Name"
            value={p.values?.name ?? ''}
            errors={p.errors}
            required
            hint="Who or what uses it, for example “HQ Prometheus”."
            maxlength={64}
          />
          <Select
            name="scope"
            label="Scope"
            value={p.values?.scope ?? 'read'}
            options={SCOPES}
            errors={p.errors}
          />
          <button type="submit" class="primary">
            Create token
          </button>
        </form>
      </section>
      {p.hq ? <HqConnection {...p.hq} /> : null}
    </SettingsShell>
  );
}
