import { SettingsShell, type SettingsShellProps } from './nav.js';
import { Field, Csrf, Notice, type FieldErrors } from '../../partials/form.js';

export function SiteSettingsPage(
  p: Omit<SettingsShellProps, 'tab' | 'title'> & {
    values: { name: string; location: string; timezone: string; contact: string };
    errors?: FieldErrors | undefined;
    saved?: boolean;
    welcome?: boolean;
    canEdit: boolean;
  },
) {
  return (
    <SettingsShell {...p} tab="/settings" title="Site settings">
      <section class="card">
        <h2>Site identity</h2>
        <p class="muted">
          Used in reports, notifications and maintenance windows. Times on this box are shown in the
          site’s time zone.
        </p>
        {p.welcome ? (
          <Notice kind="ok">
            Welcome, this box is now yours. Give the site its name, address and time zone, then add
            the people who look after it under Users.
          </Notice>
        ) : null}
        {p.saved ? <Notice kind="ok">Site settings saved.</Notice> : null}
        {p.errors ? <Notice kind="error">Please correct the fields marked below.</Notice> : null}
        <form method="post" action="/settings/site" class="stack form-grid">
          <Csrf token={p.csrfToken} />
          <fieldset disabled={!p.canEdit}>
            <Field
              name="name"
              label="Site name"
              value={p.values.name}
              errors={p.errors}
              required
              maxlength={80}
            />
            <Field
              name="location"
              label="Address or location"
              value={p.values.location}
              errors={p.errors}
              maxlength={200}
            />
            <Field
              name="timezone"
              label="Time zone"
              value={p.values.timezone}
              errors={p.errors}
              required
              hint="IANA name, for example Europe/Berlin or America/Chicago."
            />
            <Field
              name="contact"
              label="Local contact"
              value={p.values.contact}
              errors={p.errors}
              maxlength={200}
              hint="Who to call on site: name, phone or e-mail."
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
