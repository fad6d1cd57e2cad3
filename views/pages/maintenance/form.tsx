import { SettingsShell, type SettingsShellProps } from '../settings/nav.js';
import { Field, Select, Csrf, Notice, type FieldErrors } from '../../partials/form.js';
import { CheckBox, TextArea } from '../../partials/fields.js';
import { TYPE_LABELS } from '../devices/format.js';
import { CheckGroup, Input } from '../notify/inputs.js';

/** The window form's fields as typed, so that a refused form comes back as it was sent. */
export interface WindowFormValues {
  name: string;
  reason: string;
  scopeKind: string;
  deviceIds: string[];
  types: string[];
  scheduleKind: string;
  /** datetime-local values (once), read in the window's time zone. */
  start: string;
  end: string;
  at: string;
  durationMin: string;
  /** Days of the week, "0" (Sunday) to "6". */
  days: string[];
  /** "1" to "31" or "last". */
  monthDay: string;
  timeZone: string;
  enabled: boolean;
  suppressNotifications: boolean;
}

export interface WindowFormProps extends Omit<SettingsShellProps, 'tab' | 'title'> {
  values: WindowFormValues;
  errors?: FieldErrors | undefined;
  error?: string | undefined;
  /** Editing this window, or adding one. */
  editing?: { id: string; name: string } | undefined;
  devices: Array<{ id: string; label: string }>;
  siteTimeZone: string;
}

const SCOPES = [
  { value: 'site', label: 'The whole site: every device' },
  { value: 'devices', label: 'Chosen devices' },
  { value: 'types', label: 'Devices of chosen types' },
];

const SCHEDULES = [
  { value: 'once', label: 'Once' },
  { value: 'daily', label: 'Every day' },
  { value: 'weekly', label: 'Every week' },
  { value: 'monthly', label: 'Every month' },
];

// Monday first, as people read a week; the values are JavaScript's (Sunday is 0).
const DAYS = [
  { value: '1', label: 'Mon' },
  { value: '2', label: 'Tue' },
  { value: '3', label: 'Wed' },
  { value: '4', label: 'Thu' },
  { value: '5', label: 'Fri' },
  { value: '6', label: 'Sat' },
  { value: '0', label: 'Sun' },
];

const MONTH_DAYS = [
  ...Array.from({ length: 31 }, (_, i) => ({ value: String(i + 1), label: String(i + 1) })),
  { value: 'last', label: 'the last day' },
];

const TYPE_OPTIONS = Object.entries(TYPE_LABELS).map(([value, label]) => ({ value, label }));

/** Adding or editing a maintenance window. */
export function WindowFormPage(p: WindowFormProps) {
  const v = p.values;
  const e = p.errors;
  const ed = p.editing;
  const action = ed ? `/settings/maintenance/${ed.id}` : '/settings/maintenance';
  const title = ed ? `Edit “${ed.name}”` : 'Plan a maintenance window';
  const chosen = new Set(v.deviceIds);
  // A device deleted since stays listed (and chosen) so that saving does not drop it unseen.
  const devices = [
    ...p.devices,
    ...v.deviceIds
      .filter((id) => !p.devices.some((d) => d.id === id))
      .map((id) => ({ id, label: `${id} (no longer in the inventory)` })),
  ];
  return (
    <SettingsShell {...p} tab="/settings/maintenance" title={title}>
      <p class="crumbs">
        <a href="/settings/maintenance">Maintenance windows</a> › {ed ? ed.name : 'New'}
      </p>
      <section class="card" id="window-form">
        <h2>{title}</h2>
        {e ? (
          <Notice kind="error">{p.error ?? 'Please correct the fields marked below.'}</Notice>
        ) : null}
        <form method="post" action={action} class="stack form-grid window-form">
          <Csrf token={p.csrfToken} />
          <Field
            name="name"
            label="Name"
            value={v.name}
            errors={e}
            required
            maxlength={80}
            hint="“Firmware update core switch”, “Weekly server reboot”."
          />
          <TextArea
            name="reason"
            label="Reason"
            value={v.reason}
            errors={e}
            rows={2}
            maxlength={500}
            hint="Why: shown on incidents held back by this window."
          />

          <fieldset class="subform">
            <legend>Covers</legend>
            <Select
              name="scopeKind"
              label="Scope"
              value={v.scopeKind}
              options={SCOPES}
              errors={e}
            />
            <div class={e?.deviceIds ? 'field invalid' : 'field'} data-show-if="scopeKind=devices">
              <label for="f-deviceIds">Devices</label>
              {devices.length ? (
                <select
                  id="f-deviceIds"
                  name="deviceIds"
                  multiple
                  size={Math.min(8, Math.max(3, devices.length))}
                  aria-invalid={e?.deviceIds ? 'true' : undefined}
                  aria-describedby="f-deviceIds-msg"
                >
                  {devices.map((d) => (
                    <option value={d.id} selected={chosen.has(d.id)}>
                      {d.label}
                    </option>
                  ))}
                </select>
              ) : (
                <p class="muted">The inventory is empty.</p>
              )}
              <p class={e?.deviceIds ? 'error-text' : 'hint'} id="f-deviceIds-msg">
                {e?.deviceIds ??
                  'For the scope “Chosen devices”. Hold Ctrl (⌘ on a Mac) to choose several.'}
              </p>
            </div>
            <div data-show-if="scopeKind=types">
              <CheckGroup
                name="types"
                legend="Device types"
                options={TYPE_OPTIONS}
                checked={v.types}
                errors={e}
                hint="For the scope “Devices of chosen types”."
              />
            </div>
          </fieldset>

          <fieldset class="subform">
            <legend>When</legend>
            <Select
              name="scheduleKind"
              label="Repeats"
              value={v.scheduleKind}
              options={SCHEDULES}
              errors={e}
            />
            <div class="row" data-show-if="scheduleKind=once">
              <Input
                name="start"
                label="Starts"
                type="datetime-local"
                value={v.start}
                errors={e}
                hint="For “Once”."
              />
              <Input
                name="end"
                label="Ends"
                type="datetime-local"
                value={v.end}
                errors={e}
                hint="At most 30 days later."
              />
            </div>
            <div data-show-if="scheduleKind=weekly">
              <CheckGroup
                name="days"
                legend="On"
                options={DAYS}
                checked={v.days}
                errors={e}
                hint="For “Every week”."
              />
            </div>
            <div data-show-if="scheduleKind=monthly">
              <Select
                name="monthDay"
                label="Day of the month"
                value={v.monthDay}
                options={MONTH_DAYS}
                errors={e}
                hint="For “Every month”. The 29th to 31st fall on the last day of shorter months."
              />
            </div>
            <div class="row" data-show-if="scheduleKind=daily,weekly,monthly">
              <Input
                name="at"
                label="At"
                type="time"
                value={v.at}
                errors={e}
                class="short"
                hint="For repeating windows."
              />
              <Input
                name="durationMin"
                label="For (minutes)"
                value={v.durationMin}
                errors={e}
                inputmode="numeric"
                maxlength={5}
                class="short"
                hint="120 is two hours; up to a day (daily) or a week."
              />
            </div>
            <Input
              name="timeZone"
              label="Time zone"
              value={v.timeZone}
              errors={e}
              maxlength={64}
              hint={`IANA name such as Europe/Berlin; empty: the site’s (${p.siteTimeZone}).`}
            />
          </fieldset>

          <CheckBox
            name="suppressNotifications"
            label="Hold back notifications"
            checked={v.suppressNotifications}
            errors={e}
            hint="Untick to be notified as usual: the window then only records its start and end as events."
          />
          <CheckBox
            name="enabled"
            label="Enabled"
            checked={v.enabled}
            errors={e}
            hint="A disabled window is kept but covers nothing."
          />
          <div class="actions-row">
            <button type="submit" class="primary">
              {ed ? 'Save window' : 'Add window'}
            </button>
            <a class="button-link" href="/settings/maintenance">
              Cancel
            </a>
          </div>
        </form>
      </section>
    </SettingsShell>
  );
}
