import { Layout, type ShellUser } from '../layout.js';
import { Field, Csrf, Notice, type FieldErrors } from '../partials/form.js';

export function AccountPage(p: {
  siteName: string;
  user: ShellUser;
  csrfToken: string;
  errors?: FieldErrors | undefined;
  saved?: boolean;
  passwordMinLength: number;
}) {
  return (
    <Layout title="Your account" siteName={p.siteName} user={p.user} csrfToken={p.csrfToken}>
      <div class="page-head">
        <h1>Your account</h1>
        <p class="muted">
          Signed in as <strong>{p.user.username}</strong> ({p.user.role}).
        </p>
      </div>
      <div id="flash" aria-live="polite"></div>
      <section class="card">
        <h2>Change your password</h2>
        {p.saved ? (
          <Notice kind="ok">Password changed. Your other sessions were logged out.</Notice>
        ) : null}
        <form method="post" action="/account/password" class="stack form-grid">
          <Csrf token={p.csrfToken} />
          <Field
            name="currentPassword"
            label="Current password"
            type="password"
            errors={p.errors}
            required
            autocomplete="current-password"
          />
          <Field
            name="newPassword"
            label="New password"
            type="password"
            errors={p.errors}
            required
            autocomplete="new-password"
            hint={`At least ${p.passwordMinLength} characters.`}
          />
          <Field
            name="confirm"
            label="Repeat the new password"
            type="password"
            errors={p.errors}
            required
            autocomplete="new-password"
          />
          <button type="submit" class="primary">
            Change password
          </button>
        </form>
      </section>
    </Layout>
  );
}
