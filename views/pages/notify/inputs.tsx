import type { Child } from 'hono/jsx';
import { SettingsShell, type SettingsShellProps } from '../settings/nav.js';
import { Csrf, Notice, type FieldErrors } from '../../partials/form.js';

/**
 * Form pieces of the notification and maintenance settings that the shared partials lack: inputs
 * of other types (time, number, datetime-local) with their error or hint beside them, and a group
 * of checkboxes for a list (device types, days of the week).
 */

export function Input(props: {
  name: string;
  label: string;
  value?: string;
  type?: string;
  errors?: FieldErrors | undefined;
  hint?: string | Child;
  required?: boolean;
  maxlength?: number;
  placeholder?: string;
  inputmode?: 'numeric' | 'email' | 'url' | 'text' | undefined;
  autocomplete?: string;
  min?: string;
  max?: string;
  /** Extra class of the field (e.g. "short" for a port or a time). */
  class?: string;
}) {
  const id = `f-${props.name}`;
  const error = props.errors?.[props.name];
  return (
    <div class={['field', props.class, error ? 'invalid' : ''].filter(Boolean).join(' ')}>
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.type === 'password' ? undefined : props.value}
        required={props.required}
        maxlength={props.maxlength}
        placeholder={props.placeholder}
        inputmode={props.inputmode}
        autocomplete={props.autocomplete}
        min={props.min}
        max={props.max}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${id}-err` : props.hint ? `${id}-hint` : undefined}
      />
      {error ? (
        <p class="error-text" id={`${id}-err`}>
          {error}
        </p>
      ) : props.hint ? (
        <p class="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}

/** Several checkboxes sending the same name (one value each), with one error for the group. */
export function CheckGroup(props: {
  name: string;
  legend: string;
  options: ReadonlyArray<{ value: string; label: string }>;
  checked: readonly string[];
  errors?: FieldErrors | undefined;
  hint?: string;
}) {
  const error = props.errors?.[props.name];
  const on = new Set(props.checked);
  return (
    <fieldset class={error ? 'check-group invalid' : 'check-group'}>
      <legend>{props.legend}</legend>
      <div class="check-options">
        {props.options.map((o) => (
          <label class="check-option">
            <input
              type="checkbox"
              name={props.name}
              value={o.value}
              checked={on.has(o.value)}
              aria-invalid={error ? 'true' : undefined}
            />{' '}
            {o.label}
          </label>
        ))}
      </div>
      {error ? (
        <p class="error-text">{error}</p>
      ) : props.hint ? (
        <p class="hint">{props.hint}</p>
      ) : null}
    </fieldset>
  );
}

/**
 * "Delete X?" as a page of its own, so that deleting asks first even where htmx (and with it
 * hx-confirm) has not loaded.
 */
export function ConfirmDeletePage(
  p: Omit<SettingsShellProps, 'title'> & {
    heading: string;
    action: string;
    cancelHref: string;
    button: string;
    children?: Child;
  },
) {
  return (
    <SettingsShell {...p} title={p.heading}>
      <section class="card danger-zone">
        <h2>{p.heading}</h2>
        {p.children}
        <form method="post" action={p.action} class="actions-row">
          <Csrf token={p.csrfToken} />
          <button type="submit" class="danger">
            {p.button}
          </button>
          <a class="button-link" href={p.cancelHref}>
            Cancel
          </a>
        </form>
      </section>
    </SettingsShell>
  );
}

/** The banners of a list page: what the last action did, or why it failed. */
export function Outcome(p: { notice?: string | undefined; error?: string | undefined }) {
  return (
    <>
      {p.notice ? <Notice kind="ok">{p.notice}</Notice> : null}
      {p.error ? <Notice kind="error">{p.error}</Notice> : null}
    </>
  );
}
