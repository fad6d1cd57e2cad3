import { Field, Select, Csrf, Notice, type FieldErrors } from '../../partials/form.js';
import { CheckBox, TextArea } from '../../partials/fields.js';
import { Input } from '../notify/inputs.js';
import {
  BASE,
  BackupsLayout,
  Crumbs,
  Flash,
  SnapshotTime,
  jobHref,
  plural,
  type BackupsShellProps,
} from './format.js';

export const SCHEDULE_PRESETS = [
  { value: '30 1 * * *', label: 'Every day at 01:30' },
  { value: '0 * * * *', label: 'Every hour' },
  { value: '', label: 'Only by hand' },
  { value: 'custom', label: 'Custom (cron expression below)' },
] as const;

/** The job form's fields as typed, so that a refused form comes back as it was sent. */
export interface JobFormValues {
  name: string;
  targetId: string;
  /** One per line. */
  sources: string;
  include: string;
  exclude: string;
  /** A preset's cron expression, '' (by hand) or 'custom'. */
  schedule: string;
  scheduleCustom: string;
  keepLast: string;
  keepAllDays: string;
  dailyDays: string;
  weeklyWeeks: string;
  monthlyMonths: string;
  maxCount: string;
  verifySample: string;
  bwlimitKiB: string;
  staleAfterHours: string;
  restoreTestEveryDays: string;
  applianceData: boolean;
  /** For rsync daemon sources; never rendered back. */
  rsyncPassword: string;
  oneFileSystem: boolean;
  numericIds: boolean;
  aclsXattrs: boolean;
  enabled: boolean;
}

/** Messages per field; the line lists may have one message per bad line. */
export interface JobFormErrors {
  fields: FieldErrors;
  sources: string[];
  include: string[];
  exclude: string[];
}

export interface RetentionPlanView {
  keep: Array<{ id: string; reasons: string[] }>;
  remove: Array<{ id: string; reason: string }>;
}

export interface RetentionPreviewProps {
  tz: string;
  plan?: RetentionPlanView | undefined;
  /** The policy in words. */
  description?: string | undefined;
  /** Why there is no preview (bad numbers, target not available). */
  error?: string | undefined;
  /** No job yet: nothing to preview. */
  unsaved?: boolean | undefined;
}

export const PREVIEW_ID = 'retention-preview';

/** What the retention policy would keep and remove now (the "Preview" button's answer). */
export function RetentionPreview(p: RetentionPreviewProps) {
  return (
    <div id={PREVIEW_ID} class="retention-preview" aria-live="polite">
      {p.error ? (
        <Notice kind="error">{p.error}</Notice>
      ) : p.unsaved ? (
        <p class="hint">The preview lists this job’s snapshots once it has some.</p>
      ) : p.plan ? (
        <>
          {p.description ? <p class="small">{p.description}</p> : null}
          {p.plan.keep.length + p.plan.remove.length === 0 ? (
            <p class="empty-line">No snapshots yet: nothing to keep or remove.</p>
          ) : (
            <>
              <p>
                <strong>{plural(p.plan.keep.length, 'snapshot')} kept</strong>,{' '}
                <strong class={p.plan.remove.length ? 'bad-text' : undefined}>
                  {p.plan.remove.length} removed
                </strong>{' '}
                with these numbers. Nothing is removed now: once saved, they apply after the next
                backup.
              </p>
              <div class="table-scroll contained">
                <table class="table compact small retention-table">
                  <thead>
                    <tr>
                      <th>Snapshot</th>
                      <th>Outcome</th>
                      <th>Why</th>
                    </tr>
                  </thead>
                  <tbody>
                    {[
                      ...p.plan.keep.map((k) => ({
                        id: k.id,
                        keep: true,
                        why: k.reasons.join(', '),
                      })),
                      ...p.plan.remove.map((r) => ({ id: r.id, keep: false, why: r.reason })),
                    ]
                      .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
                      .map((r) => (
                        <tr class={r.keep ? 'keep' : 'remove'}>
                          <td class="nowrap">
                            <SnapshotTime name={r.id} tz={p.tz} />
                          </td>
                          <td>
                            {r.keep ? (
                              <span class="badge s-succeeded">kept</span>
                            ) : (
                              <span class="badge s-failed">removed</span>
                            )}
                          </td>
                          <td>{r.why}</td>
                        </tr>
                      ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </>
      ) : null}
    </div>
  );
}

export interface JobFormProps extends BackupsShellProps {
  tz: string;
  values: JobFormValues;
  errors?: JobFormErrors | undefined;
  error?: string | undefined;
  editing?: { id: string; name: string } | undefined;
  targets: Array<{ id: string; name: string; path: string }>;
  preview?: RetentionPreviewProps | undefined;
}

/** Adding or editing a backup job. */
export function JobFormPage(p: JobFormProps) {
  const v = p.values;
  const e = p.errors?.fields;
  const ed = p.editing;
  const action = ed ? jobHref(ed.id) : `${BASE}/jobs`;
  const title = ed ? `Edit “${ed.name}”` : 'Add a backup job';
  const previewAction = ed ? `${jobHref(ed.id)}/retention-preview` : undefined;
  const targetOptions = [
    ...(v.targetId && !p.targets.some((t) => t.id === v.targetId)
      ? [{ value: v.targetId, label: `${v.targetId} (no longer exists)` }]
      : []),
    ...(p.targets.length ? [] : [{ value: '', label: 'No target yet: add one first' }]),
    ...p.targets.map((t) => ({ value: t.id, label: `${t.name} (${t.path})` })),
  ];
  return (
    <BackupsLayout {...p} title={title}>
      <Crumbs
        items={[
          { href: BASE, label: 'Backups' },
          ...(ed ? [{ href: jobHref(ed.id), label: ed.name }] : []),
          { label: ed ? 'Edit' : 'New job' },
        ]}
      />
      <Flash />
      <section class="card" id="job-form">
        <h2>{title}</h2>
        {p.errors || p.error ? (
          <Notice kind="error">{p.error ?? 'Please correct the fields marked below.'}</Notice>
        ) : null}
        <form method="post" action={action} class="stack form-grid job-form">
          <Csrf token={p.csrfToken} />
          <Field
            name="name"
            label="Name"
            value={v.name}
            errors={e}
            required
            maxlength={80}
            hint="“File server shares”, “Accounting”."
          />
          <Select
            name="targetId"
            label="Target"
            value={v.targetId}
            options={targetOptions}
            errors={e}
            hint="Where the snapshots go."
          />
          <TextArea
            name="sources"
            label="Folders to back up"
            value={v.sources}
            errors={e}
            errorList={p.errors?.sources}
            rows={3}
            mono
            placeholder={'/srv/files\n/home'}
            hint={
              <>
                One per line: a folder on this box (<code>/srv/files</code>), a folder on a server
                over SSH (<code>backup@nas:/volume1/share</code>, with a port:{' '}
                <code>backup@nas:2222:/volume1/share</code>) or an rsync daemon module (
                <code>rsync://backup@nas/share</code>). Each lands in the snapshot under its own
                path (<code>/srv/files</code> → <code>srv/files</code>).
              </>
            }
          />
          <div class={e?.rsyncPassword ? 'field invalid' : 'field'}>
            <label for="f-rsyncPassword">rsync daemon password</label>
            <input
              id="f-rsyncPassword"
              name="rsyncPassword"
              type="password"
              autocomplete="new-password"
              maxlength={256}
              aria-describedby="f-rsyncPassword-hint"
            />
            <p class={e?.rsyncPassword ? 'error-text' : 'hint'} id="f-rsyncPassword-hint">
              {e?.rsyncPassword ??
                'Only for rsync:// lines that need one. Stored encrypted and never shown again; leave it empty to keep the stored one.'}
            </p>
          </div>
          <CheckBox
            name="applianceData"
            label="Also back up this box itself"
            checked={v.applianceData}
            errors={e}
            hint="A consistent copy of Caretaker’s own data and settings, to set up a new box from it."
          />
          <div class="row two">
            <TextArea
              name="include"
              label="Include patterns"
              value={v.include}
              errors={e}
              errorList={p.errors?.include}
              rows={3}
              mono
              placeholder="*.odt"
              hint="Optional, one per line (rsync patterns)."
            />
            <TextArea
              name="exclude"
              label="Exclude patterns"
              value={v.exclude}
              errors={e}
              errorList={p.errors?.exclude}
              rows={3}
              mono
              placeholder={'*.tmp\n.cache/'}
              hint="Optional, one per line: left out of every snapshot."
            />
          </div>

          <fieldset class="subform">
            <legend>When</legend>
            <Select
              name="schedule"
              label="Run"
              value={v.schedule}
              options={SCHEDULE_PRESETS}
              errors={e}
              hint="At night the files are not in use. Cron times are in the site’s time zone (Settings → Site); a time the clock skips when summer time starts runs an hour later, a time it shows twice runs once. The job’s page shows the next run. A run missed while the box was off starts once it is back."
            />
            <div data-show-if="schedule=custom">
              <Field
                name="scheduleCustom"
                label="Custom schedule"
                value={v.scheduleCustom}
                errors={e}
                maxlength={100}
                hint="For “Custom”: a cron expression, minute hour day month weekday. “30 1 * * *” is 01:30 every day, “0 */6 * * *” every six hours, “0 22 * * 1-5” weekdays at 22:00."
              />
            </div>
          </fieldset>

          <fieldset class="subform retention">
            <legend>Keep</legend>
            <p class="hint">
              After each run, older snapshots are thinned out: all of the last days, then one per
              day, per week and per month. The newest snapshot is never deleted.
            </p>
            <div class="row numbers">
              <Input
                name="keepLast"
                label="Newest"
                value={v.keepLast}
                errors={e}
                inputmode="numeric"
                maxlength={4}
                class="short"
                hint="always kept"
              />
              <Input
                name="keepAllDays"
                label="All, for days"
                value={v.keepAllDays}
                errors={e}
                inputmode="numeric"
                maxlength={4}
                class="short"
                hint="every snapshot"
              />
              <Input
                name="dailyDays"
                label="Daily, for days"
                value={v.dailyDays}
                errors={e}
                inputmode="numeric"
                maxlength={4}
                class="short"
                hint="one a day"
              />
              <Input
                name="weeklyWeeks"
                label="Weekly, for weeks"
                value={v.weeklyWeeks}
                errors={e}
                inputmode="numeric"
                maxlength={3}
                class="short"
                hint="one a week"
              />
              <Input
                name="monthlyMonths"
                label="Monthly, for months"
                value={v.monthlyMonths}
                errors={e}
                inputmode="numeric"
                maxlength={4}
                class="short"
                hint="one a month"
              />
              <Input
                name="maxCount"
                label="At most"
                value={v.maxCount}
                errors={e}
                inputmode="numeric"
                maxlength={6}
                class="short"
                hint="optional cap"
              />
            </div>
            {previewAction ? (
              <button
                type="submit"
                name="intent"
                value="preview"
                formaction={previewAction}
                hx-post={previewAction}
                hx-target={`#${PREVIEW_ID}`}
                hx-swap="outerHTML"
              >
                Preview
              </button>
            ) : null}
            <RetentionPreview {...(p.preview ?? { tz: p.tz, unsaved: !ed })} />
          </fieldset>

          <fieldset class="subform">
            <legend>How</legend>
            <div class="row">
              <Input
                name="verifySample"
                label="Verify files"
                value={v.verifySample}
                errors={e}
                inputmode="numeric"
                maxlength={4}
                class="short"
                hint="Compared by checksum with the source after each run; 0 turns it off."
              />
              <Input
                name="bwlimitKiB"
                label="Bandwidth limit (KiB/s)"
                value={v.bwlimitKiB}
                errors={e}
                inputmode="numeric"
                maxlength={8}
                class="short"
                hint="Empty: as fast as the disks allow."
              />
            </div>
            <div class="row">
              <Input
                name="staleAfterHours"
                label="Warn after (hours)"
                value={v.staleAfterHours}
                errors={e}
                inputmode="numeric"
                maxlength={4}
                class="short"
                hint="Without a good backup for this long, the job is stale and an incident opens."
              />
              <Input
                name="restoreTestEveryDays"
                label="Restore test every (days)"
                value={v.restoreTestEveryDays}
                errors={e}
                inputmode="numeric"
                maxlength={3}
                class="short"
                hint="Sample files are restored into a scratch folder and compared; 0 turns it off."
              />
            </div>
            <CheckBox
              name="oneFileSystem"
              label="Stay on one file system"
              checked={v.oneFileSystem}
              errors={e}
              hint="Do not descend into other disks or network shares mounted inside a folder."
            />
            <CheckBox
              name="numericIds"
              label="Keep numeric owner ids"
              checked={v.numericIds}
              errors={e}
              hint="Restores give files back to the same user and group ids."
            />
            <CheckBox
              name="aclsXattrs"
              label="Copy ACLs and extended attributes"
              checked={v.aclsXattrs}
              errors={e}
              hint="Only where the target’s file system supports them."
            />
          </fieldset>
          <CheckBox
            name="enabled"
            label="Enabled"
            checked={v.enabled}
            errors={e}
            hint="A disabled job keeps its snapshots and can still be run by hand, but is not scheduled."
          />
          <div class="actions-row">
            <button type="submit" class="primary">
              {ed ? 'Save job' : 'Add job'}
            </button>
            <a class="button-link" href={ed ? jobHref(ed.id) : BASE}>
              Cancel
            </a>
          </div>
        </form>
      </section>
    </BackupsLayout>
  );
}
