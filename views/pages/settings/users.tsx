import { SettingsShell, type SettingsShellProps } from './nav.js';
import { Field, Select, Csrf, Notice, type FieldErrors } from '../../partials/form.js';
import { Time } from '../../partials/time.js';

export interface UserRow {
  id: string;
  username: string;
  displayName: string;
  role: string;
  disabled: boolean;
  lastLoginAt?: string;
}

const ROLE_OPTIONS = [
  { value: 'viewer', label: 'Viewer: sees everything, changes nothing' },
  { value: 'operator', label: 'Operator: runs jobs, handles incidents and backups' },
  { value: 'admin', label: 'Admin: also manages users, tokens and settings' },
];

export function UsersPage(
  p: Omit<SettingsShellProps, 'tab' | 'title'> & {
    users: UserRow[];
    timezone: string;
    currentUserId: string;
    values?: { username?: string; displayName?: string; role?: string };
    errors?: FieldErrors | undefined;
    notice?: string | undefined;
    error?: string | undefined;
    passwordMinLength: number;
  },
) {
  return (
    <SettingsShell {...p} tab="/settings/users" title="Users">
      {p.notice ? <Notice kind="ok">{p.notice}</Notice> : null}
      {p.error ? <Notice kind="error">{p.error}</Notice> : null}
      <section class="card">
        <h2>Users</h2>
        <div class="table-scroll">
          <table class="table">
            <thead>
              <tr>
                <th>User</th>
                <th>Role</th>
                <th>Last login</th>
                <th class="actions">Actions</th>
              </tr>
            </thead>
            <tbody>
              {p.users.map((u) => (
                <tr class={u.disabled ? 'disabled' : undefined}>
                  <td>
                    <strong>{u.username}</strong>
                    {u.displayName ? <span class="muted"> · {u.displayName}</span> : null}
                    {u.disabled ? <span class="pill idle">disabled</span> : null}
                    {u.id === p.currentUserId ? <span class="pill">you</span> : null}
                  </td>
                  <td>{u.role}</td>
                  <td>
                    <Time iso={u.lastLoginAt} timezone={p.timezone} />
                  </td>
                  <td class="actions">
                    <form method="post" action={`/settings/users/${u.id}`} class="inline">
                      <Csrf token={p.csrfToken} />
                      <label class="sr-only" for={`role-${u.id}`}>
                        Role of {u.username}
                      </label>
                      <select id={`role-${u.id}`} name="role">
                        {['viewer', 'operator', 'admin'].map((r) => (
                          <option value={r} selected={r === u.role}>
                            {r}
                          </option>
                        ))}
                      </select>
                      <input type="hidden" name="disabled" value={u.disabled ? 'true' : 'false'} />
                      <button type="submit">Set role</button>
                    </form>
                    <form method="post" action={`/settings/users/${u.id}`} class="inline">
                      <Csrf token={p.csrfToken} />
                      <input type="hidden" name="role" value={u.role} />
                      <input type="hidden" name="disabled" value={u.disabled ? 'false' : 'true'} />
                      <button type="submit">{u.disabled ? 'Enable' : 'Disable'}</button>
                    </form>
                    <details class="inline">
                      <summary>New password</summary>
                      <form
                        method="post"
                        action={`/settings/users/${u.id}/password`}
                        class="inline"
                      >
                        <Csrf token={p.csrfToken} />
                        <label class="sr-only" for={`pw-${u.id}`}>
                          New password for {u.username}
                        </label>
                        <input
                          id={`pw-${u.id}`}
                          type="password"
                          name="password"
                          autocomplete="new-password"
                          minlength={p.passwordMinLength}
                          required
                        />
                        <button type="submit">Set</button>
                      </form>
                    </details>
                    {u.id !== p.currentUserId ? (
                      <form
                        method="post"
                        action={`/settings/users/${u.id}/delete`}
                        class="inline"
                        hx-confirm={`Delete the user ${u.username}?`}
                      >
                        <Csrf token={p.csrfToken} />
                        <button type="submit" class="danger">
                          Delete
                        </button>
                      </form>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section class="card">
        <h2>Add a user</h2>
        <form method="post" action="/settings/users" class="stack form-grid">
          <Csrf token={p.csrfToken} />
          <Field
            name="username"
            label="User name"
            value={p.values?.username ?? ''}
            errors={p.errors}
            required
            autocomplete="off"
          />
          <Field
            name="displayName"
            label="Full name"
            value={p.values?.displayName ?? ''}
            errors={p.errors}
            maxlength={80}
          />
          <Select
            name="role"
            label="Role"
            value={p.values?.role ?? 'viewer'}
            options={ROLE_OPTIONS}
            errors={p.errors}
          />
          <Field
            name="password"
            label="Initial password"
            type="password"
            errors={p.errors}
            required
            autocomplete="new-password"
            hint={`At least ${p.passwordMinLength} characters. Give it to the person in private.`}
          />
          <button type="submit" class="primary">
            Add user
          </button>
        </form>
      </section>
    </SettingsShell>
  );
}
