import { Layout, type ShellUser } from '../../layout.js';
import { Field, Select, Csrf, Notice, type FieldErrors } from '../../partials/form.js';
import { TextArea } from '../../partials/fields.js';
import { Crumbs } from './crumbs.js';

/** The form's fields as typed (strings), so a refused form comes back exactly as it was sent. */
export interface PlanFormValues {
  title: string;
  description: string;
  every: string;
  unit: string;
  startDate: string;
  dueTime: string;
  graceHours: string;
  /** One checklist item per line. */
  checklist: string;
  assigneeId: string;
  deviceIds: string[];
}

export interface PlanFormProps {
  siteName: string;
  user: ShellUser;
  csrfToken: string;
  timezone: string;
  /** Editing an existing plan (its id and title), or creating one. */
  plan?: { id: string; title: string } | undefined;
  values: PlanFormValues;
  errors?: FieldErrors | undefined;
  /** One message per bad checklist line. */
  checklistErrors?: string[] | undefined;
  error?: string | undefined;
  /** Users who can complete tasks (operators and admins, not disabled). */
  assignees: Array<{ id: string; label: string }>;
  devices: Array<{ id: string; label: string }>;
}

const UNIT_OPTIONS = [
  { value: 'days', label: 'days' },
  { value: 'weeks', label: 'weeks' },
  { value: 'months', label: 'months' },
];

/** Creating or editing an inspection plan. */
export function PlanFormPage(p: PlanFormProps) {
  const v = p.values;
  const e = p.errors;
  const editing = Boolean(p.plan);
  const title = editing ? `Edit ${p.plan!.title}` : 'New inspection plan';
  const action = editing ? `/monitoring/inspections/${p.plan!.id}` : '/monitoring/inspections';
  const assignees = [
    ...(v.assigneeId && !p.assignees.some((a) => a.id === v.assigneeId)
      ? [{ value: v.assigneeId, label: 'A user who can no longer complete tasks' }]
      : [{ value: '', label: 'Choose a person…' }]),
    ...p.assignees.map((a) => ({ value: a.id, label: a.label })),
  ];
  const selected = new Set(v.deviceIds);
  const deviceError = e?.deviceIds;
  return (
    <Layout
      title={title}
      siteName={p.siteName}
      active="/monitoring"
      user={p.user}
      csrfToken={p.csrfToken}
    >
      <div class="page-head">
        <Crumbs
          trail={
            editing
              ? [
                  { label: p.plan!.title, href: `/monitoring/inspections/${p.plan!.id}` },
                  { label: 'Edit' },
                ]
              : [{ label: 'New plan' }]
          }
        />
        <h1>{title}</h1>
      </div>
      <div id="flash" aria-live="polite"></div>
      <section class="card">
        {e || p.checklistErrors?.length ? (
          <Notice kind="error">{p.error ?? 'Please correct the fields marked below.'}</Notice>
        ) : null}
        <form method="post" action={action} class="stack form-grid plan-form">
          <Csrf token={p.csrfToken} />
          <Field name="title" label="Title" value={v.title} errors={e} required maxlength={120} />
          <TextArea
            name="description"
            label="Description"
            value={v.description}
            errors={e}
            rows={3}
            maxlength={2000}
            hint="What to do and why; shown above the checklist."
          />
          <fieldset class="schedule">
            <legend>Schedule</legend>
            <div class="row">
              <div class={e?.every ? 'field invalid' : 'field'}>
                <label for="f-every">Every</label>
                <input
                  id="f-every"
                  name="every"
                  type="number"
                  min="1"
                  max="366"
                  step="1"
                  required
                  value={v.every}
                  aria-invalid={e?.every ? 'true' : undefined}
                  aria-describedby={e?.every ? 'f-every-err' : undefined}
                />
                {e?.every ? (
                  <p class="error-text" id="f-every-err">
                    {e.every}
                  </p>
                ) : null}
              </div>
              <Select name="unit" label="Unit" value={v.unit} options={UNIT_OPTIONS} errors={e} />
            </div>
            <div class="row">
              <div class={e?.startDate ? 'field invalid' : 'field'}>
                <label for="f-startDate">First due on</label>
                <input
                  id="f-startDate"
                  name="startDate"
                  type="date"
                  required
                  value={v.startDate}
                  aria-invalid={e?.startDate ? 'true' : undefined}
                  aria-describedby="f-startDate-msg"
                />
                <p class={e?.startDate ? 'error-text' : 'hint'} id="f-startDate-msg">
                  {e?.startDate ??
                    'Later tasks follow from this date; a plan that starts on the 31st is due on the last day of shorter months.'}
                </p>
              </div>
              <div class={e?.dueTime ? 'field invalid' : 'field'}>
                <label for="f-dueTime">Due at</label>
                <input
                  id="f-dueTime"
                  name="dueTime"
                  type="time"
                  required
                  value={v.dueTime}
                  aria-invalid={e?.dueTime ? 'true' : undefined}
                  aria-describedby="f-dueTime-msg"
                />
                <p class={e?.dueTime ? 'error-text' : 'hint'} id="f-dueTime-msg">
                  {e?.dueTime ?? `Local time (${p.timezone}).`}
                </p>
              </div>
              <div class={e?.graceHours ? 'field invalid' : 'field'}>
                <label for="f-graceHours">Grace period (hours)</label>
                <input
                  id="f-graceHours"
                  name="graceHours"
                  type="number"
                  min="0"
                  max="720"
                  step="1"
                  required
                  value={v.graceHours}
                  aria-invalid={e?.graceHours ? 'true' : undefined}
                  aria-describedby="f-graceHours-msg"
                />
                <p class={e?.graceHours ? 'error-text' : 'hint'} id="f-graceHours-msg">
                  {e?.graceHours ?? 'How long after the due time the task turns overdue.'}
                </p>
              </div>
            </div>
          </fieldset>
          <TextArea
            name="checklist"
            label="Checklist"
            value={v.checklist}
            errors={e}
            errorList={p.checklistErrors}
            rows={6}
            hint="One item per line, for example “Battery test passed” or “Filters clean”."
          />
          <Select
            name="assigneeId"
            label="Assignee"
            value={v.assigneeId}
            options={assignees}
            errors={e}
            hint="An operator or admin of this box: viewers cannot complete tasks."
          />
          <div class={deviceError ? 'field invalid' : 'field'}>
            <label for="f-deviceIds">Devices (optional)</label>
            {p.devices.length ? (
              <select
                id="f-deviceIds"
                name="deviceIds"
                multiple
                size={Math.min(8, Math.max(3, p.devices.length))}
                aria-invalid={deviceError ? 'true' : undefined}
                aria-describedby="f-deviceIds-msg"
              >
                {p.devices.map((d) => (
                  <option value={d.id} selected={selected.has(d.id)}>
                    {d.label}
                  </option>
                ))}
              </select>
            ) : (
              <p class="muted">
                The inventory is empty; devices can be linked once they are found.
              </p>
            )}
            <p class={deviceError ? 'error-text' : 'hint'} id="f-deviceIds-msg">
              {deviceError ??
                'The devices this task is about. Hold Ctrl (⌘ on a Mac) to choose several.'}
            </p>
          </div>
          <div class="actions-row">
            <button type="submit" class="primary">
              {editing ? 'Save plan' : 'Create plan'}
            </button>
            <a
              class="button-link"
              href={editing ? `/monitoring/inspections/${p.plan!.id}` : '/monitoring/inspections'}
            >
              Cancel
            </a>
          </div>
        </form>
      </section>
    </Layout>
  );
}
