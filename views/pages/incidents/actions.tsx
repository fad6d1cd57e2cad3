import type { Child } from 'hono/jsx';
import { Csrf, type FieldErrors } from '../../partials/form.js';
import { TextArea } from '../../partials/fields.js';
import { incidentHref, type IncidentStateName } from './format.js';

/** What was typed into the action forms, kept when one is refused. */
export interface ActionValues {
  /** The note (add note). */
  text?: string | undefined;
  /** The resolution note (resolve). */
  note?: string | undefined;
  /** The chosen assignee; '' for nobody. */
  assigneeId?: string | undefined;
}

export interface IncidentActionsProps {
  id: string;
  state: IncidentStateName;
  canAct: boolean;
  csrfToken: string;
  assignees: Array<{ id: string; label: string }>;
  currentAssigneeId?: string | undefined;
  meId: string;
  /** Keys: `text` (note), `note` (resolution), `assigneeId`. */
  errors?: FieldErrors | undefined;
  values?: ActionValues | undefined;
}

/**
 * A form that works as a plain POST (the route redirects back to the page) and, with htmx,
 * swaps the incident's main fragment in place.
 */
function ActionForm(p: {
  action: string;
  csrfToken: string;
  class?: string;
  label: string;
  children?: Child;
}) {
  return (
    <form
      method="post"
      action={p.action}
      class={`inc-action ${p.class ?? ''}`}
      aria-label={p.label}
      hx-post={p.action}
      hx-target="#incident-main"
      hx-swap="outerHTML"
    >
      <Csrf token={p.csrfToken} />
      {p.children}
    </form>
  );
}

/** Acknowledge, assign, add a note, resolve: for operators and admins. */
export function IncidentActions(p: IncidentActionsProps) {
  if (!p.canAct)
    return (
      <aside class="card inc-actions" aria-label="Actions">
        <p class="muted">
          Operators and admins acknowledge, assign, comment on and resolve incidents.
        </p>
      </aside>
    );
  const base = incidentHref(p.id);
  const e = p.errors ?? {};
  const v = p.values ?? {};
  const open = p.state !== 'resolved';
  // "me" by default, so that taking an incident is one click.
  const chosen = v.assigneeId ?? p.meId;
  return (
    <aside class="card inc-actions" aria-label="Actions">
      <h2>{open ? 'Respond' : 'Add a note'}</h2>
      {open ? (
        <div class="inc-respond">
          {p.state === 'open' ? (
            <ActionForm action={`${base}/acknowledge`} csrfToken={p.csrfToken} label="Acknowledge">
              <button type="submit" class="primary">
                Acknowledge
              </button>
              <p class="hint">Says that someone is on it; repeated notifications stop.</p>
            </ActionForm>
          ) : null}
          <ActionForm
            action={`${base}/assign`}
            csrfToken={p.csrfToken}
            label="Assign"
            class="assign"
          >
            <div class={e.assigneeId ? 'field invalid' : 'field'}>
              <label for="f-assigneeId">Assignee</label>
              <div class="inline-field">
                <select
                  id="f-assigneeId"
                  name="assigneeId"
                  aria-invalid={e.assigneeId ? 'true' : undefined}
                >
                  <option value="" selected={chosen === ''}>
                    Nobody (unassign)
                  </option>
                  {p.assignees.map((a) => (
                    <option value={a.id} selected={chosen === a.id}>
                      {a.id === p.meId ? `Me (${a.label})` : a.label}
                      {a.id === p.currentAssigneeId ? ' – assigned now' : ''}
                    </option>
                  ))}
                </select>
                <button type="submit">Assign</button>
              </div>
              {e.assigneeId ? <p class="error-text">{e.assigneeId}</p> : null}
            </div>
          </ActionForm>
        </div>
      ) : null}
      <ActionForm action={`${base}/notes`} csrfToken={p.csrfToken} label="Add a note" class="stack">
        <TextArea
          name="text"
          label="Note"
          value={v.text ?? ''}
          errors={e}
          rows={3}
          maxlength={4000}
          placeholder="What you found or did"
        />
        <button type="submit">Add note</button>
      </ActionForm>
      {open ? (
        <ActionForm
          action={`${base}/resolve`}
          csrfToken={p.csrfToken}
          label="Resolve"
          class="stack resolve"
        >
          <TextArea
            name="note"
            label="Resolution (optional)"
            value={v.note ?? ''}
            errors={e}
            rows={2}
            maxlength={4000}
            placeholder="How it was fixed"
          />
          <button type="submit" class="primary">
            Resolve
          </button>
        </ActionForm>
      ) : null}
    </aside>
  );
}
