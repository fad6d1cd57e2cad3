import { BarePage } from '../layout.js';
import { Field, Csrf, Notice, type FieldErrors } from '../partials/form.js';

export function LoginPage(props: {
  siteName: string;
  csrfToken: string;
  next?: string | undefined;
  username?: string;
  error?: string | undefined;
  notice?: string | undefined;
  /** A setup code issued on the console is waiting to be used. */
  setupOpen?: boolean;
}) {
  return (
    <BarePage title="Log in" siteName={props.siteName}>
      <h1>Log in</h1>
      {props.notice ? <Notice kind="ok">{props.notice}</Notice> : null}
      {props.error ? <Notice kind="error">{props.error}</Notice> : null}
      {props.setupOpen ? (
        <Notice kind="info">
          A setup code was issued on the box’s console. <a href="/setup">Create an admin with it</a>
          .
        </Notice>
      ) : null}
      <form method="post" action="/login" class="stack">
        <Csrf token={props.csrfToken} />
        {props.next ? <input type="hidden" name="next" value={props.next} /> : null}
        <Field
          name="username"
          label="User name"
          value={props.username ?? ''}
          autocomplete="username"
          required
          autofocus={!props.username}
        />
        <Field
          name="password"
          label="Password"
          type="password"
          autocomplete="current-password"
          required
          autofocus={Boolean(props.username)}
        />
        <button type="submit" class="primary wide">
          Log in
        </button>
      </form>
      <p class="muted small">
        Forgot the password? An admin can set a new one under Settings → Users. If no admin can log
        in, run <code>caretaker reset-password &lt;user&gt;</code> on the box’s console.
      </p>
    </BarePage>
  );
}

export function SetupPage(props: {
  siteName: string;
  csrfToken: string;
  values?: { username?: string };
  errors?: FieldErrors | undefined;
  error?: string | undefined;
  dataDir: string;
  passwordMinLength: number;
}) {
  return (
    <BarePage title="Set up this box" siteName={props.siteName}>
      <h1>Set up this box</h1>
      <p>
        Create the first administrator. To prove that you have access to the box itself, enter the
        one-time setup code. It is printed in the service log (
        <code class="nowrap">journalctl -u caretaker</code>) and stored in{' '}
        <code>{props.dataDir}/setup-code</code>.
      </p>
      {props.error ? <Notice kind="error">{props.error}</Notice> : null}
      <form method="post" action="/setup" class="stack">
        <Csrf token={props.csrfToken} />
        <Field
          name="setupCode"
          label="Setup code"
          errors={props.errors}
          autocomplete="one-time-code"
          required
          autofocus
          hint="For example ABCD-EFGH-JKMN-PQRS"
        />
        <Field
          name="username"
          label="Admin user name"
          value={props.values?.username ?? ''}
          errors={props.errors}
          autocomplete="username"
          required
        />
        <Field
          name="password"
          label="Password"
          type="password"
          errors={props.errors}
          autocomplete="new-password"
          required
          hint={`At least ${props.passwordMinLength} characters. A passphrase of a few words is easiest.`}
        />
        <Field
          name="confirm"
          label="Repeat the password"
          type="password"
          errors={props.errors}
          autocomplete="new-password"
          required
        />
        <button type="submit" class="primary wide">
          Create admin and log in
        </button>
      </form>
    </BarePage>
  );
}
