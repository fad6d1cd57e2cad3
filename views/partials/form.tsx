import type { Child } from 'hono/jsx';

export type FieldErrors = Record<string, string>;

/** A labelled input with its error message beside it. */
export function Field(props: {
  name: string;
  label: string;
  type?: string;
  value?: string;
  errors?: FieldErrors | undefined;
  hint?: string;
  required?: boolean;
  autocomplete?: string;
  autofocus?: boolean;
  maxlength?: number;
}) {
  const error = props.errors?.[props.name];
  const id = `f-${props.name}`;
  return (
    <div class={error ? 'field invalid' : 'field'}>
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.type === 'password' ? undefined : props.value}
        required={props.required}
        autocomplete={props.autocomplete}
        autofocus={props.autofocus}
        maxlength={props.maxlength}
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

export function Select(props: {
  name: string;
  label: string;
  value?: string;
  options: ReadonlyArray<{ value: string; label: string }>;
  errors?: FieldErrors | undefined;
  hint?: string;
}) {
  const error = props.errors?.[props.name];
  const id = `f-${props.name}`;
  return (
    <div class={error ? 'field invalid' : 'field'}>
      <label for={id}>{props.label}</label>
      <select id={id} name={props.name}>
        {props.options.map((o) => (
          <option value={o.value} selected={o.value === props.value}>
            {o.label}
          </option>
        ))}
      </select>
      {error ? (
        <p class="error-text">{error}</p>
      ) : props.hint ? (
        <p class="hint">{props.hint}</p>
      ) : null}
    </div>
  );
}

export function Csrf(props: { token: string | undefined }) {
  return <input type="hidden" name="_csrf" value={props.token ?? ''} />;
}

/** A banner for the outcome of the last action or a form-level error. */
export function Notice(props: { kind: 'ok' | 'error' | 'info' | 'warn'; children?: Child }) {
  return (
    <div class={`notice ${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </div>
  );
}
