import { Csrf, Notice, type FieldErrors } from '../../partials/form.js';
import { RESULT_LABELS, formatDate, type ResultName } from './format.js';

export interface CompleteFormValues {
  /** itemId → result */
  answers: Record<string, string>;
  /** itemId → comment */
  comments: Record<string, string>;
  notes: string;
}

export interface CompleteFormProps {
  planId: string;
  /** The open task's due date: sent back so a task completed meanwhile is not completed twice. */
  dueDate: string;
  csrfToken: string;
  items: Array<{ id: string; text: string }>;
  values?: CompleteFormValues | undefined;
  /** Keys `answers.<itemId>`, `answers.<itemId>.comment`, `notes`, `answers`. */
  errors?: FieldErrors | undefined;
  error?: string | undefined;
}

const RESULTS = Object.keys(RESULT_LABELS) as ResultName[];

/**
 * Completing the open task: each checklist item done, not done or n/a with an optional comment,
 * and notes. A plain form; with htmx it swaps only itself, so a refused answer comes back next to
 * its item without reloading the page.
 */
export function CompleteForm(p: CompleteFormProps) {
  const e = p.errors ?? {};
  const v = p.values ?? { answers: {}, comments: {}, notes: '' };
  const action = `/monitoring/inspections/${p.planId}/complete`;
  return (
    <form
      method="post"
      action={action}
      id="complete-form"
      class="stack complete-form"
      hx-post={action}
      hx-target="this"
      hx-swap="outerHTML"
    >
      <Csrf token={p.csrfToken} />
      <input type="hidden" name="dueDate" value={p.dueDate} />
      <p class="muted">
        Completing the task due <strong>{formatDate(p.dueDate)}</strong>.
      </p>
      {p.error ? <Notice kind="error">{p.error}</Notice> : null}
      {e.answers ? <Notice kind="error">{e.answers}</Notice> : null}
      <ol class="answer-list">
        {p.items.map((item) => {
          const err = e[`answers.${item.id}`];
          const commentErr = e[`answers.${item.id}.comment`];
          const name = `answer.${item.id}`;
          return (
            <li class={err || commentErr ? 'answer invalid' : 'answer'}>
              <fieldset aria-describedby={err ? `err-${item.id}` : undefined}>
                <legend>{item.text}</legend>
                <div class="choices">
                  {RESULTS.map((r) => (
                    <label class={`choice r-${r}`}>
                      <input
                        type="radio"
                        name={name}
                        value={r}
                        checked={v.answers[item.id] === r}
                        required
                      />{' '}
                      {RESULT_LABELS[r]}
                    </label>
                  ))}
                </div>
                {err ? (
                  <p class="error-text" id={`err-${item.id}`}>
                    {err}
                  </p>
                ) : null}
                <label class="sr-only" for={`comment-${item.id}`}>
                  Comment on “{item.text}”
                </label>
                <input
                  id={`comment-${item.id}`}
                  type="text"
                  name={`comment.${item.id}`}
                  value={v.comments[item.id] ?? ''}
                  maxlength={500}
                  placeholder="Comment (needed when not done)"
                  aria-invalid={commentErr ? 'true' : undefined}
                />
                {commentErr ? <p class="error-text">{commentErr}</p> : null}
              </fieldset>
            </li>
          );
        })}
      </ol>
      <div class={e.notes ? 'field invalid' : 'field'}>
        <label for="f-notes">Notes</label>
        <textarea id="f-notes" name="notes" rows={3} maxlength={4000}>
          {v.notes}
        </textarea>
        {e.notes ? <p class="error-text">{e.notes}</p> : null}
      </div>
      <button type="submit" class="primary">
        Mark as done
      </button>
    </form>
  );
}
