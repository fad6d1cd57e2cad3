import type { Child } from 'hono/jsx';
import type { FieldErrors } from './form.js';

/** A labelled textarea with its error (or hint) beside it. */
export function TextArea(props: {
  name: string;
  label: string;
  value?: string;
  errors?: FieldErrors | undefined;
  /** Several messages for one field (one per bad line), shown as a list. */
  errorList?: string[] | undefined;
  hint?: string | Child;
  rows?: number;
  maxlength?: number;
  placeholder?: string;
  mono?: boolean;
}) {
  const id = `f-${props.name}`;
  const list = props.errorList?.length
    ? props.errorList
    : props.errors?.[props.name]
      ? [props.errors[props.name]!]
      : [];
  return (
    <div class={list.length ? 'field invalid' : 'field'}>
      <label for={id}>{props.label}</label>
      <textarea
        id={id}
        name={props.name}
        rows={props.rows ?? 4}
        maxlength={props.maxlength}
        placeholder={props.placeholder}
        class={props.mono ? 'mono' : undefined}
        spellcheck={props.mono ? false : undefined}
        aria-invalid={list.length ? 'true' : undefined}
        aria-describedby={list.length ? `${id}-err` : props.hint ? `${id}-hint` : undefined}
      >
        {props.value ?? ''}
      </textarea>
      {list.length ? (
        list.length === 1 ? (
          <p class="error-text" id={`${id}-err`}>
            {list[0]}
          </p>
        ) : (
          <ul class="error-text" id={`${id}-err`}>
            {list.map((m) => (
              <li>{m}</li>
            ))}
          </ul>
        )
      ) : null}
      {props.hint ? (
        <p class="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}

/** A checkbox with its label to the right and a hint below. */
export function CheckBox(props: {
  name: string;
  label: string;
  checked: boolean;
  hint?: string;
  errors?: FieldErrors | undefined;
}) {
  const id = `f-${props.name}`;
  const error = props.errors?.[props.name];
  return (
    <div class={error ? 'field check invalid' : 'field check'}>
      <input
        id={id}
        type="checkbox"
        name={props.name}
        value="on"
        checked={props.checked}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
      />
      <label for={id}>{props.label}</label>
      {error ? <p class="error-text">{error}</p> : null}
      {props.hint ? (
        <p class="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}
