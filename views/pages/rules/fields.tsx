import type { FieldErrors } from '../../partials/form.js';

/** A number input that takes decimals (levels like 0.5/s), with its unit and error beside it. */
export function NumberField(props: {
  name: string;
  label: string;
  value: string;
  unit?: string;
  errors?: FieldErrors | undefined;
  hint?: string;
  placeholder?: string;
  disabled?: boolean;
}) {
  const error = props.errors?.[props.name];
  const id = `f-${props.name}`;
  return (
    <div class={error ? 'field invalid' : 'field'}>
      <label for={id}>
        {props.label}
        {props.unit ? <span class="muted"> ({props.unit})</span> : null}
      </label>
      <input
        id={id}
        name={props.name}
        type="text"
        inputmode="decimal"
        value={props.value}
        placeholder={props.placeholder}
        disabled={props.disabled}
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
