import { SettingsShell, type SettingsShellProps } from '../settings/nav.js';
import { Field, Select, Csrf, Notice, type FieldErrors } from '../../partials/form.js';
import { CheckBox, TextArea } from '../../partials/fields.js';
import { SEVERITY_OPTIONS } from '../rules/severity.js';
import { TYPE_LABELS } from '../devices/format.js';
import { CheckGroup, Input } from './inputs.js';

/**
 * The channel form's fields as typed (strings), so that a refused form comes back as it was sent.
 * Secret fields (the e-mail password, the webhook signing secret) are never part of it.
 */
export interface ChannelFormValues {
  name: string;
  enabled: boolean;
  kind: string;
  // e-mail
  emailHost: string;
  emailPort: string;
  security: string;
  username: string;
  from: string;
  /** Recipients, one per line (commas work too). */
  to: string;
  tlsRejectUnauthorized: boolean;
  caPem: string;
  emailTimeoutMs: string;
  // webhook
  url: string;
  /** Extra headers, one "Name: value" per line. */
  headers: string;
  /** Headers are stored (sealed, not shown): an empty field keeps them. */
  headersSet?: boolean;
  webhookTimeoutMs: string;
  // syslog
  syslogHost: string;
  syslogPort: string;
  transport: string;
  facility: string;
  appName: string;
  hostname: string;
  syslogTimeoutMs: string;
  // filters
  minSeverity: string;
  deviceTypes: string[];
  notifyResolved: boolean;
  quiet: boolean;
  quietStart: string;
  quietEnd: string;
  quietAllowCritical: boolean;
  digestMode: string;
  digestAt: string;
}

export const EMPTY_CHANNEL_FORM: ChannelFormValues = {
  name: '',
  enabled: true,
  kind: 'email',
  emailHost: '',
  emailPort: '587',
  security: 'starttls',
  username: '',
  from: '',
  to: '',
  tlsRejectUnauthorized: true,
  caPem: '',
  emailTimeoutMs: '15000',
  url: '',
  headers: '',
  webhookTimeoutMs: '5000',
  syslogHost: '',
  syslogPort: '514',
  transport: 'udp',
  facility: '16',
  appName: 'caretaker',
  hostname: '',
  syslogTimeoutMs: '5000',
  minSeverity: 'warning',
  deviceTypes: [],
  notifyResolved: true,
  quiet: false,
  quietStart: '22:00',
  quietEnd: '07:00',
  quietAllowCritical: true,
  digestMode: 'immediate',
  digestAt: '08:00',
};

export const KINDS = [
  { value: 'email', label: 'E-mail' },
  { value: 'webhook', label: 'Webhook (HTTP POST, JSON)' },
  { value: 'syslog', label: 'Syslog (RFC 5424)' },
];

const SECURITY = [
  { value: 'starttls', label: 'STARTTLS (usually port 587)' },
  { value: 'tls', label: 'TLS from the start (usually port 465)' },
  { value: 'none', label: 'None: plain text (a relay on the LAN, port 25)' },
];

const TRANSPORTS = [
  { value: 'udp', label: 'UDP' },
  { value: 'tcp', label: 'TCP (octet-counted framing)' },
];

const FACILITY_NAMES = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'authpriv',
  'ftp',
  'ntp',
  'security',
  'console',
  'solaris-cron',
];
const FACILITIES = Array.from({ length: 24 }, (_, i) => ({
  value: String(i),
  label: `${i}: ${i >= 16 ? `local${i - 16}` : FACILITY_NAMES[i]}`,
}));

const DIGEST_MODES = [
  { value: 'immediate', label: 'Each notification as it happens' },
  { value: 'digest-only', label: 'One daily summary instead' },
  { value: 'both', label: 'Each notification, and a daily summary' },
];

const TYPE_OPTIONS = Object.entries(TYPE_LABELS).map(([value, label]) => ({ value, label }));

export interface ChannelFormProps extends Omit<SettingsShellProps, 'tab' | 'title'> {
  timezone: string;
  values: ChannelFormValues;
  errors?: FieldErrors | undefined;
  error?: string | undefined;
  /** Editing this channel (its id, name, kind and which secrets are stored), or adding one. */
  editing?:
    | { id: string; name: string; kind: string; passwordSet: boolean; secretSet: boolean }
    | undefined;
}

function secretHint(set: boolean, kindNow: boolean, what: string, extra = ''): string {
  if (set && kindNow)
    return `A ${what} is stored. Leave empty to keep it; type a new one to replace it.${extra}`;
  return `Stored encrypted on this box and never shown again.${extra}`;
}

/** Adding or editing a notification channel: the kind's own fields, then what it is sent. */
export function ChannelFormPage(p: ChannelFormProps) {
  const v = p.values;
  const e = p.errors;
  const ed = p.editing;
  const action = ed ? `/settings/notifications/${ed.id}` : '/settings/notifications';
  const title = ed ? `Edit “${ed.name}”` : 'Add a notification channel';
  return (
    <SettingsShell {...p} tab="/settings/notifications" title={title}>
      <p class="crumbs">
        <a href="/settings/notifications">Notification channels</a> › {ed ? ed.name : 'New'}
      </p>
      <section class="card" id="channel-form">
        <h2>{title}</h2>
        {e ? (
          <Notice kind="error">{p.error ?? 'Please correct the fields marked below.'}</Notice>
        ) : null}
        <form method="post" action={action} class="stack form-grid channel-form" autocomplete="off">
          <Csrf token={p.csrfToken} />
          <Field
            name="name"
            label="Name"
            value={v.name}
            errors={e}
            required
            maxlength={64}
            hint="For people: “IT team mail”, “Ticket system”, “SIEM”."
          />
          <CheckBox
            name="enabled"
            label="Enabled"
            checked={v.enabled}
            errors={e}
            hint="A disabled channel keeps its settings; what was waiting for it is dropped."
          />
          <Select
            name="kind"
            label="Kind"
            value={v.kind}
            options={KINDS}
            errors={e}
            hint="Only the settings of the chosen kind are used."
          />

          <fieldset class="subform" data-show-if="kind=email">
            <legend>E-mail (for the kind E-mail)</legend>
            <div class="row">
              <Input
                name="emailHost"
                label="Mail server"
                value={v.emailHost}
                errors={e}
                maxlength={253}
                placeholder="mail.example.com"
                class="grow"
              />
              <Input
                name="emailPort"
                label="Port"
                value={v.emailPort}
                errors={e}
                inputmode="numeric"
                maxlength={5}
                class="short"
              />
            </div>
            <Select
              name="security"
              label="Connection security"
              value={v.security}
              options={SECURITY}
              errors={e}
            />
            <div class="row">
              <Input
                name="username"
                label="User name"
                value={v.username}
                errors={e}
                maxlength={256}
                autocomplete="off"
                hint="Empty: send without logging in."
              />
              <Input
                name="password"
                label="Password"
                type="password"
                errors={e}
                autocomplete="new-password"
                hint={secretHint(
                  ed?.passwordSet ?? false,
                  ed?.kind === 'email',
                  'password',
                  ' Emptying the user name removes it.',
                )}
              />
            </div>
            <Input
              name="from"
              label="From"
              inputmode="email"
              value={v.from}
              errors={e}
              maxlength={254}
              placeholder="caretaker@branch.example"
            />
            <TextArea
              name="to"
              label="To"
              value={v.to}
              errors={e}
              rows={3}
              placeholder={'it-team@example.com\noncall@example.com'}
              hint="One address per line (commas work too), at most 20."
            />
            <CheckBox
              name="tlsRejectUnauthorized"
              label="Check the server’s certificate"
              checked={v.tlsRejectUnauthorized}
              errors={e}
              hint="Turn off only for a server with a self-signed certificate you cannot paste below."
            />
            <TextArea
              name="caPem"
              label="CA certificate (optional)"
              value={v.caPem}
              errors={e}
              rows={3}
              mono
              placeholder="-----BEGIN CERTIFICATE-----"
              hint="PEM text of the CA, or of the server’s self-signed certificate, to check it against."
            />
            <Input
              name="emailTimeoutMs"
              label="Timeout (ms)"
              value={v.emailTimeoutMs}
              errors={e}
              inputmode="numeric"
              maxlength={6}
              class="short"
              hint="For the whole attempt: connecting, TLS, login and the message."
            />
          </fieldset>

          <fieldset class="subform" data-show-if="kind=webhook">
            <legend>Webhook (for the kind Webhook)</legend>
            <Input
              name="url"
              label="Address"
              inputmode="url"
              value={v.url}
              errors={e}
              maxlength={2048}
              placeholder="https://tickets.example.com/hooks/caretaker"
              hint="Incidents are POSTed here as JSON."
            />
            <Input
              name="secret"
              label="Signing secret"
              type="password"
              errors={e}
              autocomplete="new-password"
              hint={secretHint(
                ed?.secretSet ?? false,
                ed?.kind === 'webhook',
                'signing secret',
                ' At least 16 characters; the receiver checks X-Caretaker-Signature with it.',
              )}
            />
            <TextArea
              name="headers"
              label="Extra headers (optional)"
              value={v.headers}
              errors={e}
              rows={3}
              mono
              placeholder="X-Tenant: branch-north"
              hint={
                v.headersSet
                  ? 'Headers are stored and encrypted; they are not shown. Leave empty to keep them, or enter all of them again to replace them.'
                  : 'One “Name: value” per line, at most 10. Stored encrypted and never shown again (they may carry a token).'
              }
            />
            <Input
              name="webhookTimeoutMs"
              label="Timeout (ms)"
              value={v.webhookTimeoutMs}
              errors={e}
              inputmode="numeric"
              maxlength={6}
              class="short"
            />
          </fieldset>

          <fieldset class="subform" data-show-if="kind=syslog">
            <legend>Syslog (for the kind Syslog)</legend>
            <div class="row">
              <Input
                name="syslogHost"
                label="Collector"
                value={v.syslogHost}
                errors={e}
                maxlength={253}
                placeholder="siem.example.com"
                class="grow"
              />
              <Input
                name="syslogPort"
                label="Port"
                value={v.syslogPort}
                errors={e}
                inputmode="numeric"
                maxlength={5}
                class="short"
              />
            </div>
            <div class="row">
              <Select
                name="transport"
                label="Transport"
                value={v.transport}
                options={TRANSPORTS}
                errors={e}
              />
              <Select
                name="facility"
                label="Facility"
                value={v.facility}
                options={FACILITIES}
                errors={e}
              />
            </div>
            <div class="row">
              <Input
                name="appName"
                label="App name"
                value={v.appName}
                errors={e}
                maxlength={48}
                hint="APP-NAME of each message."
              />
              <Input
                name="hostname"
                label="Host name (optional)"
                value={v.hostname}
                errors={e}
                maxlength={255}
                hint="Empty: this box’s name."
              />
            </div>
            <Input
              name="syslogTimeoutMs"
              label="Timeout (ms)"
              value={v.syslogTimeoutMs}
              errors={e}
              inputmode="numeric"
              maxlength={6}
              class="short"
            />
          </fieldset>

          <fieldset class="subform">
            <legend>What is sent</legend>
            <Select
              name="minSeverity"
              label="Least severity"
              value={v.minSeverity}
              options={SEVERITY_OPTIONS.map((o) => ({
                value: o.value,
                label: `${o.label} or worse`,
              }))}
              errors={e}
            />
            <CheckGroup
              name="deviceTypes"
              legend="Device types"
              options={TYPE_OPTIONS}
              checked={v.deviceTypes}
              errors={e}
              hint="None ticked: incidents of every device (and of none)."
            />
            <CheckBox
              name="notifyResolved"
              label="Tell when an incident is resolved"
              checked={v.notifyResolved}
              errors={e}
              hint="Only for incidents this channel was told about."
            />
          </fieldset>

          <fieldset class="subform">
            <legend>Quiet hours</legend>
            <CheckBox
              name="quiet"
              label="Hold notifications during quiet hours"
              checked={v.quiet}
              errors={e}
              hint={`They are sent when the quiet hours end, if still relevant. Times in ${p.timezone}.`}
            />
            <div class="row">
              <Input
                name="quietStart"
                label="From"
                type="time"
                value={v.quietStart}
                errors={e}
                class="short"
              />
              <Input
                name="quietEnd"
                label="Until"
                type="time"
                value={v.quietEnd}
                errors={e}
                class="short"
              />
            </div>
            <CheckBox
              name="quietAllowCritical"
              label="Critical incidents are sent all the same"
              checked={v.quietAllowCritical}
              errors={e}
            />
          </fieldset>

          <fieldset class="subform">
            <legend>Daily summary</legend>
            <Select
              name="digestMode"
              label="Send"
              value={v.digestMode}
              options={DIGEST_MODES}
              errors={e}
            />
            <div data-show-if="digestMode=digest-only,both">
              <Input
                name="digestAt"
                label="Summary at"
                type="time"
                value={v.digestAt}
                errors={e}
                class="short"
                hint={`Local time (${p.timezone}). Open incidents and those of the last 24 hours.`}
              />
            </div>
          </fieldset>

          <div class="actions-row">
            <button type="submit" class="primary">
              {ed ? 'Save channel' : 'Add channel'}
            </button>
            <a class="button-link" href="/settings/notifications">
              Cancel
            </a>
          </div>
        </form>
      </section>
    </SettingsShell>
  );
}
