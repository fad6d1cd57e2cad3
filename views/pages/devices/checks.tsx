import type { Child } from 'hono/jsx';
import { Layout, type ShellUser } from '../../layout.js';
import { Csrf, Notice, type FieldErrors } from '../../partials/form.js';
import { Time } from '../../partials/time.js';

/** The latest result of a check, as shown. */
export interface CheckResultView {
  at: string;
  ok: boolean;
  rttMs?: number | undefined;
  certDays?: number | undefined;
  statusCode?: number | undefined;
  error?: { code: string; message: string } | undefined;
}

export interface CheckRow {
  id: string;
  name: string;
  enabled: boolean;
  kind: 'tcp' | 'http' | 'dns';
  /** One line saying what is checked: "HTTPS :443/health". */
  summary: string;
  /** For HTTPS checks: below this many days the certificate is shown as a warning. */
  certWarnDays?: number | undefined;
  lastResult?: CheckResultView | undefined;
}

/** What the form shows: strings as typed, so that a wrong value comes back as it was. */
export interface CheckFormValues {
  kind: string;
  name: string;
  enabled: boolean;
  timeoutMs: string;
  tcpPort: string;
  httpPort: string;
  path: string;
  https: boolean;
  expectStatus: string;
  keyword: string;
  certWarnDays: string;
  verifyTls: boolean;
  hostHeader: string;
  dnsPort: string;
  query: string;
  type: string;
  expect: string;
}

export const EMPTY_CHECK_FORM: CheckFormValues = {
  kind: 'tcp',
  name: '',
  enabled: true,
  timeoutMs: '5000',
  tcpPort: '',
  httpPort: '',
  path: '/',
  https: false,
  expectStatus: '200-399',
  keyword: '',
  certWarnDays: '21',
  verifyTls: false,
  hostHeader: '',
  dnsPort: '53',
  query: '',
  type: 'A',
  expect: '',
};

export interface DeviceChecksProps {
  deviceId: string;
  csrfToken: string;
  timezone: string;
  checks: CheckRow[];
  /** Operators and admins add, edit and remove checks; viewers only read. */
  canEdit: boolean;
  /** The id of the check whose form is open for editing; otherwise the form adds a check. */
  editing?: string | undefined;
  /** The form's values after a rejected post (or of the check being edited). */
  values?: CheckFormValues | undefined;
  errors?: FieldErrors | undefined;
  /** A form-level message (a conflict, a problem that is not about one field). */
  error?: string | undefined;
  /** The outcome of the last action ("Check added."). */
  notice?: string | undefined;
}

const KINDS = [
  { value: 'tcp', label: 'TCP port open' },
  { value: 'http', label: 'Web page (HTTP or HTTPS)' },
  { value: 'dns', label: 'DNS server answers' },
];
const DNS_TYPES = ['A', 'AAAA', 'MX', 'TXT', 'CNAME'];
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/*
 * Local form controls: this form sits on the device page next to the device's own edit form,
 * so its ids carry a prefix (the shared Field would give both forms an id "f-name").
 */
function Input(p: {
  name: keyof CheckFormValues;
  label: string;
  value: string;
  errors?: FieldErrors | undefined;
  hint?: string;
  type?: string;
  required?: boolean;
  maxlength?: number;
  inputmode?: 'numeric' | 'text';
  placeholder?: string;
}) {
  const error = p.errors?.[p.name];
  const id = `chk-${p.name}`;
  return (
    <div class={error ? 'field invalid' : 'field'}>
      <label for={id}>{p.label}</label>
      <input
        id={id}
        name={p.name}
        type={p.type ?? 'text'}
        value={p.value}
        required={p.required}
        maxlength={p.maxlength}
        inputmode={p.inputmode}
        placeholder={p.placeholder}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${id}-err` : p.hint ? `${id}-hint` : undefined}
      />
      {error ? (
        <p class="error-text" id={`${id}-err`}>
          {error}
        </p>
      ) : p.hint ? (
        <p class="hint" id={`${id}-hint`}>
          {p.hint}
        </p>
      ) : null}
    </div>
  );
}

function Choice(p: {
  name: keyof CheckFormValues;
  label: string;
  value: string;
  options: ReadonlyArray<{ value: string; label: string }>;
  errors?: FieldErrors | undefined;
  hint?: string;
}) {
  const error = p.errors?.[p.name];
  const id = `chk-${p.name}`;
  return (
    <div class={error ? 'field invalid' : 'field'}>
      <label for={id}>{p.label}</label>
      <select id={id} name={p.name}>
        {p.options.map((o) => (
          <option value={o.value} selected={o.value === p.value}>
            {o.label}
          </option>
        ))}
      </select>
      {error ? <p class="error-text">{error}</p> : p.hint ? <p class="hint">{p.hint}</p> : null}
    </div>
  );
}

function Tick(p: {
  name: keyof CheckFormValues;
  label: string;
  checked: boolean;
  hint?: string;
  errors?: FieldErrors | undefined;
}) {
  const id = `chk-${p.name}`;
  const error = p.errors?.[p.name];
  return (
    <div class={error ? 'field check invalid' : 'field check'}>
      <input id={id} type="checkbox" name={p.name} value="on" checked={p.checked} />
      <label for={id}>{p.label}</label>
      {error ? <p class="error-text">{error}</p> : null}
      {p.hint ? <p class="hint">{p.hint}</p> : null}
    </div>
  );
}

/** htmx: post or fetch, then replace this section with the same section of the answer. */
const swapSection = {
  'hx-target': '#checks',
  'hx-select': '#checks',
  'hx-swap': 'outerHTML',
} as const;

function ResultCell(p: { row: CheckRow; timezone: string }) {
  const r = p.row.lastResult;
  if (!p.row.enabled) return <span class="badge s-skipped">paused</span>;
  if (!r) return <span class="badge s-queued">not run yet</span>;
  return (
    <>
      {r.ok ? <span class="badge s-ok">passing</span> : <span class="badge s-failed">failing</span>}
      {r.statusCode ? <span class="muted small"> HTTP {r.statusCode}</span> : null}
      {r.error ? (
        <div class="small">
          <span class="error-text">{r.error.message}</span> <code>{r.error.code}</code>
        </div>
      ) : null}
      <div class="muted small">
        <Time iso={r.at} timezone={p.timezone} />
      </div>
    </>
  );
}

function CertCell(p: { row: CheckRow }) {
  const days = p.row.lastResult?.certDays;
  if (days === undefined) return <span class="muted">–</span>;
  const text =
    days < 0 ? `expired ${plural(Math.ceil(-days), 'day')} ago` : plural(Math.floor(days), 'day');
  const warn = p.row.certWarnDays !== undefined && days < p.row.certWarnDays;
  if (days < 0) return <span class="badge s-failed">{text}</span>;
  return warn ? <span class="badge s-cancelled">{text}</span> : <span>{text}</span>;
}

function CheckForm(p: DeviceChecksProps) {
  const v = p.values ?? EMPTY_CHECK_FORM;
  const action = p.editing
    ? `/devices/${p.deviceId}/checks/${p.editing}`
    : `/devices/${p.deviceId}/checks`;
  return (
    <form
      method="post"
      action={action}
      class="stack form-grid"
      hx-post={action}
      {...swapSection}
      autocomplete="off"
    >
      <Csrf token={p.csrfToken} />
      <Input
        name="name"
        label="Name"
        value={v.name}
        errors={p.errors}
        required
        maxlength={80}
        hint="For people: “Intranet”, “SSH”, “Branch DNS”."
      />
      <Choice name="kind" label="What to check" value={v.kind} options={KINDS} errors={p.errors} />
      <fieldset class="subform" data-show-if="kind=tcp">
        <legend>TCP port</legend>
        <Input
          name="tcpPort"
          label="Port"
          value={v.tcpPort}
          errors={p.errors}
          inputmode="numeric"
          hint="Passes when the device accepts a connection on this port."
        />
      </fieldset>
      <fieldset class="subform" data-show-if="kind=http">
        <legend>Web page</legend>
        <Tick
          name="https"
          label="HTTPS"
          checked={v.https}
          errors={p.errors}
          hint="The certificate's remaining days are recorded, even for a self-signed one."
        />
        <div class="pair">
          <Input
            name="httpPort"
            label="Port"
            value={v.httpPort}
            errors={p.errors}
            inputmode="numeric"
            hint="Empty: 80, or 443 with HTTPS."
          />
          <Input
            name="path"
            label="Path"
            value={v.path}
            errors={p.errors}
            maxlength={1000}
            hint="For example / or /health."
          />
        </div>
        <div class="pair">
          <Input
            name="expectStatus"
            label="Expected status"
            value={v.expectStatus}
            errors={p.errors}
            maxlength={100}
            hint="200-399, 200, or 200,301-302. Redirects are not followed."
          />
          <Input
            name="keyword"
            label="Keyword"
            value={v.keyword}
            errors={p.errors}
            maxlength={200}
            hint="Optional: text the page must contain (its first 256 KiB are read)."
          />
        </div>
        <div class="pair">
          <Input
            name="certWarnDays"
            label="Warn when the certificate expires within (days)"
            value={v.certWarnDays}
            errors={p.errors}
            inputmode="numeric"
            hint="HTTPS only. The check keeps passing; the expiry is raised as a warning."
          />
          <Input
            name="hostHeader"
            label="Host name"
            value={v.hostHeader}
            errors={p.errors}
            maxlength={253}
            hint="Optional: for a site served by name (sent as Host and TLS server name)."
          />
        </div>
        <Tick
          name="verifyTls"
          label="Fail when the certificate is not trusted"
          checked={v.verifyTls}
          errors={p.errors}
          hint="Off by default: devices usually have self-signed certificates."
        />
      </fieldset>
      <fieldset class="subform" data-show-if="kind=dns">
        <legend>DNS server</legend>
        <div class="pair">
          <Input
            name="query"
            label="Name to look up"
            value={v.query}
            errors={p.errors}
            maxlength={253}
            hint="Asked of the device itself, as a DNS server."
          />
          <Choice
            name="type"
            label="Record type"
            value={v.type}
            options={DNS_TYPES.map((t) => ({ value: t, label: t }))}
            errors={p.errors}
          />
        </div>
        <div class="pair">
          <Input
            name="expect"
            label="Expected answer"
            value={v.expect}
            errors={p.errors}
            maxlength={255}
            hint="Optional: an address or name that must be among the answers."
          />
          <Input
            name="dnsPort"
            label="Port"
            value={v.dnsPort}
            errors={p.errors}
            inputmode="numeric"
          />
        </div>
      </fieldset>
      <div class="pair">
        <Input
          name="timeoutMs"
          label="Timeout (ms)"
          value={v.timeoutMs}
          errors={p.errors}
          inputmode="numeric"
          hint="100 to 30000. No answer within this time fails the check."
        />
        <Tick
          name="enabled"
          label="Enabled"
          checked={v.enabled}
          errors={p.errors}
          hint="A paused check is kept but not run."
        />
      </div>
      <div class="actions-row">
        <button type="submit" class="primary">
          {p.editing ? 'Save check' : 'Add check'}
        </button>
        {p.editing ? (
          <a
            href={`/devices/${p.deviceId}/checks`}
            hx-get={`/devices/${p.deviceId}/checks`}
            {...swapSection}
          >
            Cancel
          </a>
        ) : null}
      </div>
    </form>
  );
}

/**
 * A device's service checks with their latest results and, for operators, the add/edit form.
 * A section of the device page; it swaps itself in place with htmx and works as plain forms
 * and links without it.
 */
export function DeviceChecks(p: DeviceChecksProps) {
  const editing = p.editing ? p.checks.find((c) => c.id === p.editing) : undefined;
  return (
    <section class="card" id="checks">
      <div class="card-head">
        <h2>Service checks</h2>
        {p.checks.length ? <span class="muted small">{p.checks.length}</span> : null}
      </div>
      {p.notice ? <Notice kind="ok">{p.notice}</Notice> : null}
      {p.error ? <Notice kind="error">{p.error}</Notice> : null}
      {p.checks.length === 0 ? (
        <p class="empty-line">
          No service checks yet.
          {p.canEdit
            ? ' Add one below to watch a port, a web page or a DNS server on this device.'
            : ''}
        </p>
      ) : (
        <div class="table-scroll">
          <table class="table compact">
            <thead>
              <tr>
                <th>Name</th>
                <th>Checks</th>
                <th>Result</th>
                <th>Response</th>
                <th>Certificate</th>
                {p.canEdit ? <th class="actions">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {p.checks.map((c) => (
                <tr
                  class={
                    [c.enabled ? '' : 'disabled', c.id === p.editing ? 'current' : '']
                      .filter(Boolean)
                      .join(' ') || undefined
                  }
                >
                  <td>{c.name}</td>
                  <td>
                    <code>{c.summary}</code>
                  </td>
                  <td>
                    <ResultCell row={c} timezone={p.timezone} />
                  </td>
                  <td class="nowrap">
                    {c.lastResult?.rttMs !== undefined ? (
                      `${c.lastResult.rttMs < 10 ? c.lastResult.rttMs.toFixed(1) : Math.round(c.lastResult.rttMs)} ms`
                    ) : (
                      <span class="muted">–</span>
                    )}
                  </td>
                  <td class="nowrap">
                    <CertCell row={c} />
                  </td>
                  {p.canEdit ? (
                    <td class="actions">
                      <a
                        href={`/devices/${p.deviceId}/checks/${c.id}/edit`}
                        hx-get={`/devices/${p.deviceId}/checks/${c.id}/edit`}
                        {...swapSection}
                      >
                        Edit
                      </a>{' '}
                      <form
                        method="post"
                        action={`/devices/${p.deviceId}/checks/${c.id}/delete`}
                        class="inline"
                        hx-post={`/devices/${p.deviceId}/checks/${c.id}/delete`}
                        hx-confirm={`Remove the check ${c.name}? Its history stays in the metrics.`}
                        {...swapSection}
                      >
                        <Csrf token={p.csrfToken} />
                        <button type="submit" class="danger">
                          Remove
                        </button>
                      </form>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {p.canEdit ? (
        <details open={Boolean(p.errors || p.error || editing)}>
          <summary>
            <strong>{editing ? `Edit “${editing.name}”` : 'Add a check'}</strong>
          </summary>
          {p.errors ? (
            <Notice kind="error">{p.error ?? 'Please correct the fields below.'}</Notice>
          ) : null}
          <CheckForm {...p} />
        </details>
      ) : null}
    </section>
  );
}

/** The checks of one device on their own page: where the forms land without htmx. */
export function DeviceChecksPage(
  p: DeviceChecksProps & {
    siteName: string;
    user: ShellUser;
    deviceName: string;
    deviceIp: string;
    children?: Child;
  },
) {
  return (
    <Layout
      title={`Checks · ${p.deviceName}`}
      siteName={p.siteName}
      active="/devices"
      user={p.user}
      csrfToken={p.csrfToken}
    >
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/devices">Devices</a> <span aria-hidden="true">›</span>{' '}
        <a href={`/devices/${p.deviceId}`}>{p.deviceName}</a> <span aria-hidden="true">›</span>
      </nav>
      <div class="page-head">
        <h1>Service checks</h1>
        <p class="muted">
          {p.deviceName} · <code>{p.deviceIp}</code>
        </p>
      </div>
      <div id="flash" aria-live="polite"></div>
      <DeviceChecks {...p} />
    </Layout>
  );
}
