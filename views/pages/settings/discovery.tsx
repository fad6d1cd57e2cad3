import { SettingsShell, type SettingsShellProps } from './nav.js';
import { Field, Select, Csrf, Notice, type FieldErrors } from '../../partials/form.js';
import { TextArea, CheckBox } from '../../partials/fields.js';

export const SCHEDULE_PRESETS = [
  { value: '', label: 'Only by hand' },
  { value: '0 * * * *', label: 'Every hour' },
  { value: '0 */4 * * *', label: 'Every 4 hours' },
  { value: '0 3 * * *', label: 'Daily at 03:00' },
  { value: '0 3 * * 1', label: 'Weekly, Monday at 03:00' },
  { value: 'custom', label: 'Custom (cron expression below)' },
] as const;

export interface DiscoveryFormValues {
  subnets: string;
  exclude: string;
  /** A preset's cron expression, '' for manual only, or 'custom'. */
  schedule: string;
  scheduleCustom: string;
  serviceScan: boolean;
}

/** The form values for stored settings: a schedule that is no preset shows as custom. */
export function discoveryFormValues(s: {
  subnets: string[];
  exclude: string[];
  schedule: string;
  serviceScan: boolean;
}): DiscoveryFormValues {
  const preset = SCHEDULE_PRESETS.some((p) => p.value === s.schedule && p.value !== 'custom');
  return {
    subnets: s.subnets.join('\n'),
    exclude: s.exclude.join('\n'),
    schedule: preset ? s.schedule : 'custom',
    scheduleCustom: preset ? '' : s.schedule,
    serviceScan: s.serviceScan,
  };
}

export function DiscoverySettingsPage(
  p: Omit<SettingsShellProps, 'tab' | 'title'> & {
    values: DiscoveryFormValues;
    /** Messages per field; subnets and exclude may have one per bad line. */
    errors?: { fields: FieldErrors; subnets: string[]; exclude: string[] } | undefined;
    /** The stored settings have networks (nothing is scanned otherwise). */
    configured: boolean;
    scheduleText: string;
    canEdit: boolean;
    saved?: boolean;
    maxNetworks: number;
    /** TCP ports the service scan checks per host. */
    topPorts: number;
  },
) {
  const fields = p.errors?.fields;
  return (
    <SettingsShell {...p} tab="/settings/discovery" title="Discovery settings">
      {p.saved ? (
        <Notice kind="ok">
          Discovery settings saved. <a href="/discovery">Go to the scans</a>.
        </Notice>
      ) : null}
      {p.errors ? <Notice kind="error">Please correct the fields marked below.</Notice> : null}
      {!p.configured && !p.errors ? (
        <Notice kind="warn">
          Nothing is scanned until at least one network is listed here.
          {p.canEdit ? '' : ' Only an admin can set them.'}
        </Notice>
      ) : null}
      <section class="card">
        <h2>Discovery</h2>
        <p class="muted">
          Which networks Caretaker scans for devices, and how often. A scan sends packets to every
          address of these networks (nmap host discovery, then SNMP to each live host): list only
          this site’s own networks.
        </p>
        {p.configured ? (
          <p class="small">
            Scans now: <strong>{p.scheduleText}</strong>.{' '}
            <a href="/discovery">Past and running scans</a>
          </p>
        ) : null}
        <form method="post" action="/settings/discovery" class="stack form-grid">
          <Csrf token={p.csrfToken} />
          <fieldset disabled={!p.canEdit}>
            <TextArea
              name="subnets"
              label="Networks to scan"
              value={p.values.subnets}
              errors={fields}
              errorList={p.errors?.subnets}
              rows={5}
              mono
              placeholder={'192.168.10.0/24\n10.20.0.0/22'}
              hint={`One network per line in CIDR notation, for example 192.168.10.0/24; a single address is /32. Each at most a /16 (65,536 addresses), up to ${p.maxNetworks} networks.`}
            />
            <TextArea
              name="exclude"
              label="Leave alone"
              value={p.values.exclude}
              errors={fields}
              errorList={p.errors?.exclude}
              rows={3}
              mono
              placeholder="192.168.10.250/32"
              hint="Addresses or networks that are never scanned, one per line (for example a fragile device)."
            />
            <Select
              name="schedule"
              label="Scan automatically"
              value={p.values.schedule}
              options={SCHEDULE_PRESETS}
              errors={fields}
            />
            <div data-show-if="schedule=custom">
              <Field
                name="scheduleCustom"
                label="Custom schedule"
                value={p.values.scheduleCustom}
                errors={fields}
                maxlength={100}
                hint="Used when the schedule is “Custom”: a cron expression, minute hour day month weekday, for example “30 2 * * 6” for Saturdays at 02:30 (site time)."
              />
            </div>
            <CheckBox
              name="serviceScan"
              label="Also scan services (open ports and versions)"
              checked={p.values.serviceScan}
              errors={fields}
              hint={`Slower: checks the ${p.topPorts} most common TCP ports of each live host. It helps to tell servers, NAS and printers apart.`}
            />
            {p.canEdit ? (
              <button type="submit" class="primary">
                Save
              </button>
            ) : (
              <p class="muted">Only admins can change these settings.</p>
            )}
          </fieldset>
        </form>
      </section>
    </SettingsShell>
  );
}
