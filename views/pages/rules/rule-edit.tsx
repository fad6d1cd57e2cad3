import { Layout } from '../../layout.js';
import { Field, Select, Csrf, Notice, type FieldErrors } from '../../partials/form.js';
import { CheckBox } from '../../partials/fields.js';
import { Time } from '../../partials/time.js';
import { NumberField } from './fields.js';
import { RulesHead, type ShellProps } from './rules.js';
import { SeverityBadge, SEVERITY_OPTIONS } from './severity.js';

/** What the edit page needs to know about the rule to choose its fields. */
export interface RuleDetail {
  id: string;
  title: string;
  condition: string;
  severity: string;
  enabled: boolean;
  edited: boolean;
  /** Has a level to compare against (threshold or forecast, and not a yes/no value). */
  hasLevel: boolean;
  /** '>' raises above the level, '<' below. */
  op: string;
  /** '%', '/s', 'days', … */
  unit: string;
  /** Can have a second, worse level. */
  canEscalate: boolean;
  /** Looks at interfaces: all of them or only the important ones. */
  onInterfaces: boolean;
  /** A restart alert, which clears by itself after a while. */
  isReboot: boolean;
  /** Counts checks in a row (service checks). */
  hasCount: boolean;
  /** Device types it is limited to; empty: every type. */
  appliesTo: string[];
}

/** The rule form's fields as typed (strings), to show again after an error. */
export interface RuleFormValues {
  title: string;
  enabled: boolean;
  autoResolve: boolean;
  threshold: string;
  clearThreshold: string;
  forMin: string;
  forCount: string;
  severity: string;
  escalateThreshold: string;
  escalateSeverity: string;
  interfaces: string;
  clearAfterMin: string;
}

export interface OverrideRow {
  scope: 'type' | 'device';
  key: string;
  /** The type's name or the device's name. */
  label: string;
  /** "threshold 80 %, severity major", in words. */
  summary: string;
  updatedBy: string;
  updatedAt: string;
}

export interface OverrideFormValues {
  scope: string;
  type: string;
  device: string;
  enabled: string;
  threshold: string;
  clearThreshold: string;
  forMin: string;
  severity: string;
}

export const EMPTY_OVERRIDE: OverrideFormValues = {
  scope: 'type',
  type: '',
  device: '',
  enabled: '',
  threshold: '',
  clearThreshold: '',
  forMin: '',
  severity: '',
};

function RuleForm(p: {
  rule: RuleDetail;
  values: RuleFormValues;
  errors?: FieldErrors | undefined;
  csrfToken: string;
  canEdit: boolean;
}) {
  const { rule: r, values: v } = p;
  const above = r.op !== '<';
  return (
    <form method="post" action={`/monitoring/rules/${r.id}`} class="stack form-grid" id="rule-form">
      <Csrf token={p.csrfToken} />
      <Field name="title" label="Title" value={v.title} errors={p.errors} maxlength={80} required />
      <CheckBox
        name="enabled"
        label="Enabled"
        checked={v.enabled}
        errors={p.errors}
        hint="A disabled rule raises nothing, and its raised alerts clear. Overrides can still turn it on for a type or a device."
      />
      <CheckBox
        name="autoResolve"
        label="Resolve its incidents by themselves"
        checked={v.autoResolve}
        errors={p.errors}
        hint="When the alert clears, its incident is resolved. Off: the incident stays open (marked cleared) until a person resolves it."
      />
      {r.hasLevel ? (
        <div class="pair">
          <NumberField
            name="threshold"
            label={above ? 'Alert above' : 'Alert below'}
            unit={r.unit}
            value={v.threshold}
            errors={p.errors}
          />
          <NumberField
            name="clearThreshold"
            label={above ? 'Clear at or below' : 'Clear at or above'}
            unit={r.unit}
            value={v.clearThreshold}
            errors={p.errors}
            hint="Hysteresis: a raised alert stays until the value is back past this level. Empty: clears as soon as the alert level is no longer passed."
          />
        </div>
      ) : null}
      <div class="pair">
        <NumberField
          name="forMin"
          label="For at least"
          unit="minutes"
          value={v.forMin}
          errors={p.errors}
          hint="The condition must hold this long before the alert is raised. 0: at once."
        />
        {r.hasCount ? (
          <NumberField
            name="forCount"
            label="Checks in a row"
            value={v.forCount}
            errors={p.errors}
            hint="…and in this many observations in a row."
          />
        ) : null}
      </div>
      <Select
        name="severity"
        label="Severity"
        value={v.severity}
        options={SEVERITY_OPTIONS}
        errors={p.errors}
      />
      {r.canEscalate ? (
        <div class="pair">
          <NumberField
            name="escalateThreshold"
            label={above ? 'Worse above' : 'Worse below'}
            unit={r.unit}
            value={v.escalateThreshold}
            errors={p.errors}
            hint="A second level at which the same alert gets the severity beside. Empty: none."
          />
          <Select
            name="escalateSeverity"
            label="Severity there"
            value={v.escalateSeverity}
            options={[{ value: '', label: '(no second level)' }, ...SEVERITY_OPTIONS]}
            errors={p.errors}
          />
        </div>
      ) : null}
      {r.onInterfaces ? (
        <Select
          name="interfaces"
          label="Interfaces"
          value={v.interfaces}
          options={[
            { value: 'all', label: 'Every enabled interface' },
            { value: 'important', label: 'Only important interfaces (uplinks and marked ones)' },
          ]}
          errors={p.errors}
        />
      ) : null}
      {r.isReboot ? (
        <NumberField
          name="clearAfterMin"
          label="Clears by itself after"
          unit="minutes"
          value={v.clearAfterMin}
          errors={p.errors}
        />
      ) : null}
      {p.canEdit ? (
        <div class="actions-row">
          <button type="submit" class="primary">
            Save rule
          </button>
          <a href="/monitoring/rules">Cancel</a>
        </div>
      ) : null}
    </form>
  );
}

function OverrideForm(p: {
  rule: RuleDetail;
  values: OverrideFormValues;
  errors?: FieldErrors | undefined;
  csrfToken: string;
  typeOptions: ReadonlyArray<{ value: string; label: string }>;
  deviceOptions: ReadonlyArray<{ value: string; label: string }>;
}) {
  const { rule: r, values: v } = p;
  return (
    <form
      method="post"
      action={`/monitoring/rules/${r.id}/overrides`}
      class="stack form-grid"
      id="override-form"
    >
      <Csrf token={p.csrfToken} />
      <Select
        name="o_scope"
        label="For"
        value={v.scope}
        options={[
          { value: 'type', label: 'Every device of a type' },
          { value: 'device', label: 'One device' },
        ]}
        errors={p.errors}
      />
      <div class="pair">
        <Select
          name="o_type"
          label="Device type"
          value={v.type}
          options={[{ value: '', label: '(choose a type)' }, ...p.typeOptions]}
          errors={p.errors}
          hint="When “for” is a type."
        />
        <Select
          name="o_device"
          label="Device"
          value={v.device}
          options={[{ value: '', label: '(choose a device)' }, ...p.deviceOptions]}
          errors={p.errors}
          hint="When “for” is one device."
        />
      </div>
      <Select
        name="o_enabled"
        label="Enabled"
        value={v.enabled}
        options={[
          { value: '', label: 'as the rule says' },
          { value: 'on', label: 'on' },
          { value: 'off', label: 'off' },
        ]}
        errors={p.errors}
      />
      {r.hasLevel ? (
        <div class="pair">
          <NumberField
            name="o_threshold"
            label={r.op === '<' ? 'Alert below' : 'Alert above'}
            unit={r.unit}
            value={v.threshold}
            errors={p.errors}
            placeholder="as the rule says"
          />
          <NumberField
            name="o_clearThreshold"
            label="Clear level"
            unit={r.unit}
            value={v.clearThreshold}
            errors={p.errors}
            placeholder="keeps the rule's gap"
          />
        </div>
      ) : null}
      <div class="pair">
        <NumberField
          name="o_forMin"
          label="For at least"
          unit="minutes"
          value={v.forMin}
          errors={p.errors}
          placeholder="as the rule says"
        />
        <Select
          name="o_severity"
          label="Severity"
          value={v.severity}
          options={[{ value: '', label: 'as the rule says' }, ...SEVERITY_OPTIONS]}
          errors={p.errors}
        />
      </div>
      <div class="actions-row">
        <button type="submit" class="primary">
          Save override
        </button>
      </div>
    </form>
  );
}

/** /monitoring/rules/{id}: one rule, its form, and its overrides per type and device. */
export function RuleEditPage(
  p: ShellProps & {
    timezone: string;
    rule: RuleDetail;
    values: RuleFormValues;
    errors?: FieldErrors | undefined;
    overrides: OverrideRow[];
    overrideValues: OverrideFormValues;
    overrideErrors?: FieldErrors | undefined;
    typeOptions: ReadonlyArray<{ value: string; label: string }>;
    deviceOptions: ReadonlyArray<{ value: string; label: string }>;
    canEdit: boolean;
    notice?: string | undefined;
    error?: string | undefined;
  },
) {
  const r = p.rule;
  return (
    <Layout
      title={r.title}
      siteName={p.siteName}
      active="/monitoring"
      user={p.user}
      csrfToken={p.csrfToken}
    >
      <RulesHead title={r.title} sub={r.condition} rule />
      {p.notice ? <Notice kind="ok">{p.notice}</Notice> : null}
      {p.error ? <Notice kind="error">{p.error}</Notice> : null}
      <section class="card" id="rule">
        <h2>
          Rule <SeverityBadge severity={r.severity} />
          {r.enabled ? null : <span class="pill">disabled</span>}
          {r.edited ? <span class="pill">edited</span> : null}
        </h2>
        {r.appliesTo.length ? <p class="muted">Applies to: {r.appliesTo.join(', ')}.</p> : null}
        {p.errors ? <Notice kind="error">Please correct the fields marked below.</Notice> : null}
        {p.canEdit ? (
          <RuleForm rule={r} values={p.values} errors={p.errors} csrfToken={p.csrfToken} canEdit />
        ) : (
          // Read-only for those who may not change rules: the same fields, greyed out.
          <fieldset disabled class="subform">
            <RuleForm
              rule={r}
              values={p.values}
              errors={p.errors}
              csrfToken={p.csrfToken}
              canEdit={false}
            />
          </fieldset>
        )}
        {p.canEdit && r.edited ? (
          <form
            method="post"
            action={`/monitoring/rules/${r.id}/reset`}
            class="inline"
            hx-confirm={`Put “${r.title}” back to its built-in settings? Its overrides stay.`}
          >
            <Csrf token={p.csrfToken} />
            <button type="submit">Back to the default</button>
          </form>
        ) : null}
      </section>
      <section class="card" id="overrides">
        <h2>Overrides</h2>
        <p class="muted">
          Different settings for a type of device or for one device. A device’s own override wins
          over its type’s, which wins over the rule; each field separately.
        </p>
        {p.overrides.length === 0 ? (
          <p class="empty-line">None: the rule applies the same way everywhere.</p>
        ) : (
          <div class="table-scroll">
            <table class="table">
              <thead>
                <tr>
                  <th>For</th>
                  <th>Settings</th>
                  <th>Changed</th>
                  {p.canEdit ? <th class="actions">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {p.overrides.map((o) => (
                  <tr data-override={`${o.scope}:${o.key}`}>
                    <td>
                      <span class="muted">{o.scope === 'type' ? 'type' : 'device'}</span>{' '}
                      {o.scope === 'device' ? (
                        <a href={`/devices/${encodeURIComponent(o.key)}`}>{o.label}</a>
                      ) : (
                        <strong>{o.label}</strong>
                      )}
                    </td>
                    <td>{o.summary}</td>
                    <td class="small nowrap">
                      <Time iso={o.updatedAt} timezone={p.timezone} /> by {o.updatedBy}
                    </td>
                    {p.canEdit ? (
                      <td class="actions">
                        <form
                          method="post"
                          action={`/monitoring/rules/${r.id}/overrides/${o.scope}/${encodeURIComponent(o.key)}/delete`}
                          class="inline"
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
          <>
            <h3>Add or replace an override</h3>
            {p.overrideErrors ? (
              <Notice kind="error">Please correct the override fields marked below.</Notice>
            ) : null}
            <OverrideForm
              rule={r}
              values={p.overrideValues}
              errors={p.overrideErrors}
              csrfToken={p.csrfToken}
              typeOptions={p.typeOptions}
              deviceOptions={p.deviceOptions}
            />
          </>
        ) : null}
      </section>
    </Layout>
  );
}
