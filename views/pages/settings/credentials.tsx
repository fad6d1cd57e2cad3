import { SettingsShell, type SettingsShellProps } from './nav.js';
import { Field, Select, Csrf, Notice, type FieldErrors } from '../../partials/form.js';

export interface CredentialRow {
  id: string;
  name: string;
  version: string;
  order: number;
  user?: string | undefined;
  level?: string | undefined;
  authProtocol?: string | undefined;
  privProtocol?: string | undefined;
}

/** What the form shows again after an error or for editing: never a community or key. */
export interface CredentialFormValues {
  name: string;
  version: string;
  user: string;
  level: string;
  authProtocol: string;
  privProtocol: string;
}

export const EMPTY_CREDENTIAL: CredentialFormValues = {
  name: '',
  version: '2c',
  user: '',
  level: 'authPriv',
  authProtocol: 'sha',
  privProtocol: 'aes',
};

const VERSIONS = [
  { value: '2c', label: 'SNMPv2c (community)' },
  { value: '1', label: 'SNMPv1 (community)' },
  { value: '3', label: 'SNMPv3 (user and keys)' },
];
const LEVELS = [
  { value: 'authPriv', label: 'authPriv: authenticated and encrypted' },
  { value: 'authNoPriv', label: 'authNoPriv: authenticated, not encrypted' },
  { value: 'noAuthNoPriv', label: 'noAuthNoPriv: user name only' },
];
const AUTH = [
  { value: '', label: '(none)' },
  ...['sha', 'sha256', 'sha384', 'sha512', 'sha224', 'md5'].map((v) => ({
    value: v,
    label: v === 'sha' ? 'SHA-1' : v === 'md5' ? 'MD5' : v.toUpperCase().replace('SHA', 'SHA-'),
  })),
];
const PRIV = [
  { value: '', label: '(none)' },
  { value: 'aes', label: 'AES-128' },
  { value: 'aes256b', label: 'AES-256 (Blumenthal)' },
  { value: 'aes256r', label: 'AES-256 (Reeder, Cisco)' },
  { value: 'des', label: 'DES' },
];

function labelOf(list: Array<{ value: string; label: string }>, v: string | undefined) {
  return list.find((x) => x.value === v)?.label ?? v ?? '';
}

function CredentialForm(p: {
  csrfToken: string;
  action: string;
  values: CredentialFormValues;
  errors?: FieldErrors | undefined;
  editing: boolean;
}) {
  const v = p.values;
  return (
    <form method="post" action={p.action} class="stack form-grid" autocomplete="off">
      <Csrf token={p.csrfToken} />
      <Field
        name="name"
        label="Name"
        value={v.name}
        errors={p.errors}
        required
        maxlength={64}
        hint="For people: where it is used, for example “switches (read-only)”."
      />
      <Select
        name="version"
        label="SNMP version"
        value={v.version}
        options={VERSIONS}
        errors={p.errors}
      />
      <fieldset class="subform" data-show-if="version=1,2c">
        <legend>SNMPv1 and v2c</legend>
        <Field
          name="community"
          label="Community"
          type="password"
          errors={p.errors}
          autocomplete="new-password"
          hint={
            p.editing
              ? 'Versions 1 and 2c only. Enter it again: it is never shown, and saving replaces it.'
              : 'Versions 1 and 2c only. Stored encrypted on this box and never shown again.'
          }
        />
      </fieldset>
      <fieldset class="subform" data-show-if="version=3">
        <legend>SNMPv3</legend>
        <Field
          name="user"
          label="User"
          value={v.user}
          errors={p.errors}
          maxlength={64}
          autocomplete="off"
          hint="Version 3 only."
        />
        <Select
          name="level"
          label="Security level"
          value={v.level}
          options={LEVELS}
          errors={p.errors}
        />
        <div class="pair" data-show-if="level=authNoPriv,authPriv">
          <Select
            name="authProtocol"
            label="Authentication protocol"
            value={v.authProtocol}
            options={AUTH}
            errors={p.errors}
            hint="For authNoPriv and authPriv."
          />
          <Field
            name="authKey"
            label="Authentication key"
            type="password"
            errors={p.errors}
            autocomplete="new-password"
            hint={
              p.editing
                ? 'At least 8 characters. Enter it again: it is never shown.'
                : 'At least 8 characters. Never shown again.'
            }
          />
        </div>
        <div class="pair" data-show-if="level=authPriv">
          <Select
            name="privProtocol"
            label="Privacy protocol"
            value={v.privProtocol}
            options={PRIV}
            errors={p.errors}
            hint="For authPriv only."
          />
          <Field
            name="privKey"
            label="Privacy key"
            type="password"
            errors={p.errors}
            autocomplete="new-password"
            hint={
              p.editing
                ? 'At least 8 characters. Enter it again: it is never shown.'
                : 'At least 8 characters. Never shown again.'
            }
          />
        </div>
      </fieldset>
      <div class="actions-row">
        <button type="submit" class="primary">
          {p.editing ? 'Save credential' : 'Add credential'}
        </button>
        {p.editing ? <a href="/settings/credentials">Cancel</a> : null}
      </div>
    </form>
  );
}

export function CredentialsPage(
  p: Omit<SettingsShellProps, 'tab' | 'title'> & {
    credentials: CredentialRow[];
    values?: CredentialFormValues | undefined;
    errors?: FieldErrors | undefined;
    /** Edit this credential instead of adding one. */
    editing?: CredentialRow | undefined;
    notice?: string | undefined;
    error?: string | undefined;
  },
) {
  const list = p.credentials;
  return (
    <SettingsShell {...p} tab="/settings/credentials" title="SNMP credentials">
      {p.notice ? <Notice kind="ok">{p.notice}</Notice> : null}
      {p.error ? <Notice kind="error">{p.error}</Notice> : null}
      <section class="card" id="credentials">
        <h2>SNMP credentials</h2>
        <p class="muted">
          Discovery tries these in order on every live host until one answers; the one that worked
          last time for a host is tried first. Communities and keys are stored encrypted on this box
          and are never shown again, here or in the API.
        </p>
        {list.length === 0 ? (
          <p class="empty-line">
            No credentials yet: devices are found, but cannot tell what they are. Add the site’s
            read-only community or SNMPv3 user below.
          </p>
        ) : (
          <div class="table-scroll">
            <table class="table">
              <thead>
                <tr>
                  <th>#</th>
                  <th>Name</th>
                  <th>Version</th>
                  <th>Details</th>
                  <th class="actions">Actions</th>
                </tr>
              </thead>
              <tbody>
                {list.map((c, i) => (
                  <tr class={p.editing?.id === c.id ? 'current' : undefined}>
                    <td class="muted">{i + 1}</td>
                    <td>
                      <strong>{c.name}</strong>
                    </td>
                    <td class="nowrap">SNMPv{c.version}</td>
                    <td>
                      {c.version === '3' ? (
                        <>
                          user <code>{c.user}</code> · {c.level}
                          {c.authProtocol ? ` · ${labelOf(AUTH, c.authProtocol)}` : ''}
                          {c.privProtocol ? ` · ${labelOf(PRIV, c.privProtocol)}` : ''}
                        </>
                      ) : (
                        <span class="muted">community (hidden)</span>
                      )}
                    </td>
                    <td class="actions">
                      <form
                        method="post"
                        action={`/settings/credentials/${c.id}/move`}
                        class="inline"
                      >
                        <Csrf token={p.csrfToken} />
                        <input type="hidden" name="dir" value="up" />
                        <button
                          type="submit"
                          disabled={i === 0}
                          aria-label={`Move ${c.name} up`}
                          title="Try earlier"
                        >
                          ↑
                        </button>
                      </form>
                      <form
                        method="post"
                        action={`/settings/credentials/${c.id}/move`}
                        class="inline"
                      >
                        <Csrf token={p.csrfToken} />
                        <input type="hidden" name="dir" value="down" />
                        <button
                          type="submit"
                          disabled={i === list.length - 1}
                          aria-label={`Move ${c.name} down`}
                          title="Try later"
                        >
                          ↓
                        </button>
                      </form>
                      <a class="button-link" href={`/settings/credentials/${c.id}`}>
                        Edit
                      </a>
                      <form
                        method="post"
                        action={`/settings/credentials/${c.id}/delete`}
                        class="inline"
                        hx-confirm={`Delete the SNMP credential ${c.name}? Devices that answered with it will not be read until another one works.`}
                      >
                        <Csrf token={p.csrfToken} />
                        <button type="submit" class="danger">
                          Delete
                        </button>
                      </form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section class="card" id="credential-form">
        {p.editing ? (
          <>
            <h2>Edit “{p.editing.name}”</h2>
            <Notice kind="info">
              The community and keys are never shown. Enter them again to save: an empty field is
              not “keep the old one”.
            </Notice>
          </>
        ) : (
          <h2>Add a credential</h2>
        )}
        {p.errors ? <Notice kind="error">Please correct the fields marked below.</Notice> : null}
        <CredentialForm
          csrfToken={p.csrfToken}
          action={p.editing ? `/settings/credentials/${p.editing.id}` : '/settings/credentials'}
          values={p.values ?? EMPTY_CREDENTIAL}
          errors={p.errors}
          editing={Boolean(p.editing)}
        />
      </section>
    </SettingsShell>
  );
}
