import { Layout, type ShellUser } from '../../layout.js';
import { Csrf, Notice } from '../../partials/form.js';
import { Time } from '../../partials/time.js';
import { Crumbs } from './crumbs.js';
import { CompleteForm, type CompleteFormProps } from './complete-form.js';
import {
  RESULT_LABELS,
  STATE_LABELS,
  dueLine,
  formatDate,
  type ResultName,
  type TaskStateName,
} from './format.js';

export interface PlanDetail {
  id: string;
  title: string;
  description: string;
  recurrence: string;
  startDate: string;
  dueTime: string;
  graceHours: number;
  checklist: Array<{ id: string; text: string }>;
  assigneeName?: string | undefined;
  assigneeUnavailable: boolean;
  state: TaskStateName;
  nextDue: string;
  dueAt: string;
  overdueAt: string;
  /** Set while an overdue event has been raised for the open task. */
  overdue?: { since: string; missed: number } | undefined;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

export interface CompletionRow {
  key: string;
  completedAt: string;
  by: string;
  dueDate: string;
  late: boolean;
  notes: string;
  answers: Array<{ text: string; result: ResultName; comment?: string | undefined }>;
}

export interface PlanPageProps {
  siteName: string;
  user: ShellUser;
  csrfToken: string;
  timezone: string;
  now: string;
  plan: PlanDetail;
  /** Linked devices; `missing` when a device has since been deleted from the inventory. */
  devices: Array<{ id: string; name: string; ip?: string | undefined; missing: boolean }>;
  history: CompletionRow[];
  /** Key to pass as `before` for the next (older) page of history, if there is one. */
  historyNext?: string | undefined;
  /** Whether this is a later page of the history (so "newest" can link back). */
  historyPaged: boolean;
  canComplete: boolean;
  canEdit: boolean;
  canDelete: boolean;
  /** The complete form's state after a refused submission (without JS). */
  complete?: Pick<CompleteFormProps, 'values' | 'errors' | 'error'> | undefined;
  notice?: string | undefined;
}

function tally(answers: CompletionRow['answers']): string {
  const n = (r: ResultName) => answers.filter((a) => a.result === r).length;
  return (['done', 'not-done', 'na'] as const)
    .filter((r) => n(r) > 0)
    .map((r) => `${n(r)} ${RESULT_LABELS[r].toLowerCase()}`)
    .join(', ');
}

/** One plan: its schedule and checklist, the open task with the form to complete it, history. */
export function PlanPage(p: PlanPageProps) {
  const plan = p.plan;
  const base = `/monitoring/inspections/${plan.id}`;
  return (
    <Layout
      title={plan.title}
      siteName={p.siteName}
      active="/monitoring"
      user={p.user}
      csrfToken={p.csrfToken}
    >
      <div class="page-head split">
        <div>
          <Crumbs trail={[{ label: plan.title }]} />
          <h1 class="with-badges">
            {plan.title}
            <span class={`pill st-${plan.state}`}>{STATE_LABELS[plan.state]}</span>
          </h1>
          <p class="muted">{plan.recurrence}</p>
        </div>
        <div class="head-actions">
          {p.canEdit ? (
            <a class="button-link" href={`${base}/edit`}>
              Edit
            </a>
          ) : null}
          {p.canDelete ? (
            <form
              method="post"
              action={`${base}/delete`}
              class="inline"
              hx-confirm={`Delete the plan "${plan.title}" and its history of completions?`}
            >
              <Csrf token={p.csrfToken} />
              <button type="submit" class="danger">
                Delete
              </button>
            </form>
          ) : null}
        </div>
      </div>
      <div id="flash" aria-live="polite"></div>
      {p.notice ? <Notice kind="ok">{p.notice}</Notice> : null}
      {plan.state === 'overdue' ? (
        <Notice kind="warn">
          The task due {formatDate(plan.nextDue)} is overdue
          {plan.overdue && plan.overdue.missed > 1
            ? `; ${plan.overdue.missed} due dates have passed since`
            : ''}
          . Completing it clears the overdue state.
        </Notice>
      ) : null}
      <div class="grid two plan-grid">
        <section class="card">
          <h2>Plan</h2>
          {plan.description ? <p class="prewrap">{plan.description}</p> : null}
          <dl class="facts">
            <dt>Next due</dt>
            <dd>
              {formatDate(plan.nextDue)} at {plan.dueTime}
              <div class="muted small">{dueLine(plan, p.now)}</div>
            </dd>
            <dt>Schedule</dt>
            <dd>
              {plan.recurrence}, from {formatDate(plan.startDate)} at {plan.dueTime} ({p.timezone})
            </dd>
            <dt>Grace period</dt>
            <dd>
              {plan.graceHours} hour{plan.graceHours === 1 ? '' : 's'}
            </dd>
            <dt>Assignee</dt>
            <dd>
              {plan.assigneeName ?? <em>a removed user</em>}
              {plan.assigneeUnavailable ? (
                <div class="error-text small">
                  This user cannot complete tasks any more; choose another assignee.
                </div>
              ) : null}
            </dd>
            <dt>Devices</dt>
            <dd>
              {p.devices.length ? (
                <ul class="plain">
                  {p.devices.map((d) =>
                    d.missing ? (
                      <li class="muted">a deleted device ({d.id})</li>
                    ) : (
                      <li>
                        <a href={`/devices/${d.id}`}>{d.name}</a>
                        {d.ip ? <span class="muted"> {d.ip}</span> : null}
                      </li>
                    ),
                  )}
                </ul>
              ) : (
                <span class="muted">none</span>
              )}
            </dd>
            <dt>Created</dt>
            <dd>
              <Time iso={plan.createdAt} timezone={p.timezone} /> by {plan.createdBy}
            </dd>
          </dl>
        </section>
        <section class="card" id="complete">
          <h2>Checklist</h2>
          {p.canComplete ? (
            <CompleteForm
              planId={plan.id}
              dueDate={plan.nextDue}
              csrfToken={p.csrfToken}
              items={plan.checklist}
              {...(p.complete ?? {})}
            />
          ) : (
            <>
              <ol class="checklist">
                {plan.checklist.map((i) => (
                  <li>{i.text}</li>
                ))}
              </ol>
              <p class="muted">Operators and admins complete tasks.</p>
            </>
          )}
        </section>
      </div>
      <section class="card" id="history">
        <div class="card-head">
          <h2>History</h2>
          {p.historyPaged ? <a href={`${base}#history`}>Newest</a> : null}
        </div>
        {p.history.length === 0 ? (
          <p class="empty-line">Not done yet.</p>
        ) : (
          <div class="table-scroll">
            <table class="table completions">
              <thead>
                <tr>
                  <th>Done</th>
                  <th>By</th>
                  <th>Task due</th>
                  <th>Checklist</th>
                  <th>Notes</th>
                </tr>
              </thead>
              <tbody>
                {p.history.map((h) => (
                  <tr>
                    <td class="nowrap">
                      <Time iso={h.completedAt} timezone={p.timezone} />
                    </td>
                    <td>{h.by}</td>
                    <td class="nowrap">
                      {formatDate(h.dueDate)}
                      {h.late ? <span class="badge st-overdue">late</span> : null}
                    </td>
                    <td>
                      <details>
                        <summary>{tally(h.answers)}</summary>
                        <ul class="answers">
                          {h.answers.map((a) => (
                            <li class={`r-${a.result}`}>
                              <span class={`badge r-${a.result}`}>{RESULT_LABELS[a.result]}</span>{' '}
                              {a.text}
                              {a.comment ? <div class="muted small">{a.comment}</div> : null}
                            </li>
                          ))}
                        </ul>
                      </details>
                    </td>
                    <td class="prewrap">{h.notes}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {p.historyNext ? (
          <nav class="pager" aria-label="History pages">
            <a href={`${base}?before=${encodeURIComponent(p.historyNext)}#history`} rel="next">
              Older →
            </a>
          </nav>
        ) : null}
      </section>
    </Layout>
  );
}
