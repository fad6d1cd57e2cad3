import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ctxOf, isHtmx, validate } from '../request.js';
import { assertRole, formErrors, hasRole, shellProps } from './shell.js';
import { describeError, isAppError, validationFailed } from '../../core/errors.js';
import { issuesToFields } from '../../core/zod-errors.js';
import type { BackupRun, BackupTarget } from '../../store/backups.js';
import { describeRetention, retentionSchema, DEFAULT_RETENTION } from '../../backup/retention.js';
import { listBlockDevices, MARKER_FILE, TARGET_DATA_DIR } from '../../backup/targets.js';
import {
  emptyJobForm,
  hasJobErrors,
  jobFormErrors,
  jobFormValues,
  jobInput,
  numberProblems,
  readJobForm,
  readTargetForm,
  retentionInput,
  retentionProblems,
  schemaFields,
  targetFieldErrors,
  targetInput,
} from './backups-forms.js';
import { jobSummary, targetView, type ProbeOutcome } from './backups-model.js';
import { browsePages } from './backups-browse.js';
import { BASE, jobHref } from '../../../views/pages/backups/format.js';
import { BackupsPage, JobCard } from '../../../views/pages/backups/overview.js';
import { JobLive, JobPage, LIVE_ID } from '../../../views/pages/backups/job.js';
import { RunHistory } from '../../../views/pages/backups/runs.js';
import { RunLive, RunPage } from '../../../views/pages/backups/run.js';
import {
  EMPTY_TARGET_FORM,
  TargetFormPage,
  type DiskOption,
  type TargetFormProps,
  type TargetFormValues,
} from '../../../views/pages/backups/target-form.js';
import {
  JobFormPage,
  RetentionPreview,
  type JobFormErrors,
  type JobFormProps,
  type JobFormValues,
  type RetentionPreviewProps,
} from '../../../views/pages/backups/job-form.js';
import { ConfirmPage } from '../../../views/pages/backups/restore-form.js';
import { compareNatural } from '../../lib/collate.js';

const HISTORY_SIZE = 20;

const done = (path: string, message: string) => `${path}?done=${encodeURIComponent(message)}`;
const failed = (path: string, message: string) => `${path}?failed=${encodeURIComponent(message)}`;

const historyQuery = z.object({
  before: z
    .string()
    .max(80)
    .regex(/^[\w:.-]+$/, 'is not a page cursor')
    .optional(),
});

const RETENTION_LABELS: Record<string, string> = {
  keepLast: 'Newest',
  keepAllDays: 'All, for days',
  dailyDays: 'Daily, for days',
  weeklyWeeks: 'Weekly, for weeks',
  monthlyMonths: 'Monthly, for months',
  maxCount: 'At most',
};

/**
 * /backups: the overview (jobs with freshness and live progress, targets with their health),
 * targets and jobs (admins), run now (operators), a job's page with its run history, one run's
 * page, and (backups-browse.tsx) the snapshot browser and restores. Everyone signed in reads.
 */
export function backupsPages(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const svc = deps.backups;
  const timezone = async () => (await deps.site.get()).timezone;

  /** A target's state now; a probe that throws (a bad stored path) reads as a failed one. */
  const probeOf = async (t: BackupTarget): Promise<ProbeOutcome> => {
    try {
      return (await svc.checkTarget(t.id)).probe;
    } catch (err) {
      return { ok: false, ...describeError(err) };
    }
  };

  /** One job as the overview shows it (the service's overview, for a single job). */
  const summaryOf = async (id: string) => {
    const job = await svc.getJob(id);
    const [runs, targets] = await Promise.all([
      deps.store.backups.runsOf(id, 50),
      svc.listTargets(),
    ]);
    const backups = runs.filter((r) => r.kind === 'backup');
    const lastGood = backups.find((r) => r.status === 'succeeded' || r.status === 'warning');
    const progress = svc.progress(id);
    return jobSummary(
      {
        job,
        ...(backups[0] ? { lastRun: backups[0] } : {}),
        ...(lastGood ? { lastGood } : {}),
        ...(progress ? { progress } : {}),
      },
      new Map(targets.map((t) => [t.id, t])),
      deps.clock.now(),
    );
  };

  // ---- overview ---------------------------------------------------------------------------
  app.get('/', async (c) => {
    const [overview, targets, tz] = await Promise.all([
      svc.overview(),
      svc.listTargets(),
      timezone(),
    ]);
    const byId = new Map(targets.map((t) => [t.id, t]));
    const jobs = overview.map((o) => o.job);
    const probes = await Promise.all(targets.map(probeOf));
    const now = deps.clock.now();
    return c.html(
      <BackupsPage
        {...shellProps(c, deps)}
        tz={tz}
        now={now}
        jobs={overview.map((o) => jobSummary(o, byId, now))}
        targets={targets
          .map((t, i) => targetView(t, probes[i]!, jobs))
          .sort((a, b) => compareNatural(a.name, b.name))}
        canRun={hasRole(c, 'operator')}
        isAdmin={hasRole(c, 'admin')}
        notice={c.req.query('done')}
        error={c.req.query('failed')}
      />,
    );
  });

  // ---- targets (admin) --------------------------------------------------------------------
  const targetFormPage = async (
    c: Context<AppEnv>,
    values: TargetFormValues,
    extra: Partial<TargetFormProps> = {},
    status: 200 | 409 | 422 = 200,
  ) => {
    let disks: DiskOption[] = [];
    let disksError: string | undefined;
    try {
      disks = (await listBlockDevices(c.req.raw.signal)).map((d) => ({
        device: d.path,
        uuid: d.uuid,
        fstype: d.fstype,
        label: d.label,
        sizeBytes: d.sizeBytes,
        mountpoints: d.mountpoints,
        model: d.model,
        usable: d.usable,
        note: d.note,
      }));
    } catch (err) {
      disksError = describeError(err).message;
    }
    return c.html(
      <TargetFormPage
        {...shellProps(c, deps)}
        values={values}
        disks={disks}
        disksError={disksError}
        markerFile={MARKER_FILE}
        mountRoot={svc.mountRoot}
        dataDir={TARGET_DATA_DIR}
        {...extra}
      />,
      status,
    );
  };

  app.get('/targets/new', async (c) => {
    assertRole(c, 'admin');
    return targetFormPage(c, EMPTY_TARGET_FORM);
  });

  app.post('/targets', async (c) => {
    assertRole(c, 'admin');
    const values = await readTargetForm(c);
    try {
      const t = await svc.createTarget(targetInput(values), ctxOf(c));
      return c.redirect(
        done(BASE, `Target ${t.name} added: ${t.path} now carries Caretaker’s marker file.`),
        303,
      );
    } catch (err) {
      const e = formErrors(err);
      const errors = targetFieldErrors(e.fields, e.error.code, e.message);
      return targetFormPage(
        c,
        values,
        {
          errors,
          ...(e.error.code === 'VALIDATION_FAILED' ? {} : { error: e.message }),
        },
        e.error.status === 409 ? 409 : 422,
      );
    }
  });

  const targetConfirm = async (c: Context<AppEnv>, id: string, error?: string) => {
    const t = await svc.getTarget(id);
    const users = (await svc.listJobs()).filter((j) => j.targetId === t.id);
    return c.html(
      <ConfirmPage
        {...shellProps(c, deps)}
        title={`Delete the target “${t.name}”?`}
        crumbs={[{ href: BASE, label: 'Backups' }, { label: 'Delete target' }]}
        action={`${BASE}/targets/${t.id}/delete`}
        cancelHref={`${BASE}#targets`}
        button="Delete target"
        error={error}
      >
        <p>
          Caretaker forgets <code>{t.path}</code>. The snapshots already there stay on the disk;
          delete them by hand if they are no longer needed.
        </p>
        {users.length ? (
          <p>
            <strong>Jobs still write to it:</strong> {users.map((j) => j.name).join(', ')}. Move
            them to another target or delete them first.
          </p>
        ) : null}
      </ConfirmPage>,
      error ? 409 : 200,
    );
  };

  app.get('/targets/:id/delete', async (c) => {
    assertRole(c, 'admin');
    return targetConfirm(c, c.req.param('id'));
  });

  app.post('/targets/:id/delete', async (c) => {
    assertRole(c, 'admin');
    const t = await svc.getTarget(c.req.param('id'));
    try {
      await svc.removeTarget(t.id, ctxOf(c));
    } catch (err) {
      const e = formErrors(err);
      return targetConfirm(c, t.id, `${e.message} (${e.error.code})`);
    }
    return c.redirect(done(BASE, `Target ${t.name} deleted; its snapshots stay on the disk.`), 303);
  });

  // ---- jobs: add and edit (admin) ----------------------------------------------------------
  const jobFormPage = async (
    c: Context<AppEnv>,
    values: JobFormValues,
    extra: Partial<JobFormProps> = {},
    status: 200 | 409 | 422 = 200,
  ) => {
    const [targets, tz] = await Promise.all([svc.listTargets(), timezone()]);
    return c.html(
      <JobFormPage
        {...shellProps(c, deps)}
        tz={tz}
        values={values}
        targets={targets
          .map((t) => ({ id: t.id, name: t.name, path: t.path }))
          .sort((a, b) => compareNatural(a.name, b.name))}
        {...extra}
      />,
      status,
    );
  };

  /** Field errors for the job form: problems found here first, then what the service said. */
  const refusedJob = (values: JobFormValues, err: unknown, pre: Record<string, string>) => {
    const e = formErrors(err);
    const errors: JobFormErrors = jobFormErrors(values, e.fields);
    Object.assign(errors.fields, pre);
    return {
      errors,
      ...(e.error.code === 'VALIDATION_FAILED' && hasJobErrors(errors) ? {} : { error: e.message }),
      status: (e.error.status === 409 ? 409 : 422) as 409 | 422,
    };
  };

  app.get('/jobs/new', async (c) => {
    assertRole(c, 'admin');
    const targets = await svc.listTargets();
    return jobFormPage(c, emptyJobForm(targets.length === 1 ? targets[0]!.id : ''));
  });

  app.post('/jobs', async (c) => {
    assertRole(c, 'admin');
    const values = await readJobForm(c);
    // Every problem at once: numbers found here, the rest by the schema.
    const pre = numberProblems(values);
    const input = jobInput(values);
    try {
      if (Object.keys(pre).length) throw validationFailed('Invalid job.', schemaFields(input));
      const job = await svc.createJob(input, ctxOf(c));
      return c.redirect(
        done(jobHref(job.id), `Job ${job.name} added. Run it now to make its first snapshot.`),
        303,
      );
    } catch (err) {
      const { status, ...r } = refusedJob(values, err, pre);
      return jobFormPage(c, values, r, status);
    }
  });

  app.get('/jobs/:id/edit', async (c) => {
    assertRole(c, 'admin');
    const job = await svc.getJob(c.req.param('id'));
    return jobFormPage(c, jobFormValues(job), { editing: { id: job.id, name: job.name } });
  });

  app.post('/jobs/:id', async (c) => {
    assertRole(c, 'admin');
    const job = await svc.getJob(c.req.param('id'));
    const values = await readJobForm(c);
    const pre = numberProblems(values);
    const input = jobInput(values);
    try {
      if (Object.keys(pre).length) throw validationFailed('Invalid job.', schemaFields(input));
      const saved = await svc.updateJob(job.id, input, ctxOf(c));
      return c.redirect(done(jobHref(job.id), `Job ${saved.name} saved.`), 303);
    } catch (err) {
      const { status, ...r } = refusedJob(values, err, pre);
      return jobFormPage(c, values, { editing: { id: job.id, name: job.name }, ...r }, status);
    }
  });

  /** What the retention fields of the form would keep and remove now. */
  const previewOf = async (
    jobId: string,
    values: JobFormValues,
  ): Promise<{ preview: RetentionPreviewProps; fields: Record<string, string> }> => {
    const tz = await timezone();
    const fields: Record<string, string> = { ...retentionProblems(values) };
    const parsed = retentionSchema.safeParse({ ...DEFAULT_RETENTION, ...retentionInput(values) });
    if (!parsed.success) {
      for (const [k, m] of Object.entries(issuesToFields(parsed.error))) fields[k] ??= m;
    }
    if (Object.keys(fields).length || !parsed.success) {
      const error = Object.entries(fields)
        .map(([k, m]) => `${RETENTION_LABELS[k] ?? k}: ${m}`)
        .join(' ');
      return { preview: { tz, error }, fields };
    }
    try {
      const plan = await svc.retentionPreview(jobId, parsed.data);
      return { preview: { tz, plan, description: describeRetention(parsed.data) }, fields };
    } catch (err) {
      if (!isAppError(err) || err.status >= 500) throw err;
      return { preview: { tz, error: `${err.message} (${err.code})` }, fields };
    }
  };

  app.post('/jobs/:id/retention-preview', async (c) => {
    assertRole(c, 'admin');
    const job = await svc.getJob(c.req.param('id'));
    const values = await readJobForm(c);
    const { preview, fields } = await previewOf(job.id, values);
    if (isHtmx(c)) return c.html(<RetentionPreview {...preview} />);
    // Without htmx the whole form comes back, as typed, with the preview in it.
    const errors = Object.keys(fields).length
      ? { fields, sources: [], include: [], exclude: [] }
      : undefined;
    return jobFormPage(
      c,
      values,
      { editing: { id: job.id, name: job.name }, preview, errors },
      errors ? 422 : 200,
    );
  });

  app.get('/jobs/:id/delete', async (c) => {
    assertRole(c, 'admin');
    const job = await svc.getJob(c.req.param('id'));
    return c.html(
      <ConfirmPage
        {...shellProps(c, deps)}
        title={`Delete the job “${job.name}”?`}
        crumbs={[
          { href: BASE, label: 'Backups' },
          { href: jobHref(job.id), label: job.name },
          { label: 'Delete' },
        ]}
        action={`${jobHref(job.id)}/delete`}
        cancelHref={jobHref(job.id)}
        button="Delete job"
      >
        <p>
          It is no longer run. Its snapshots stay on the target (deleting backups is a separate
          decision), but they are no longer listed here.
        </p>
      </ConfirmPage>,
    );
  });

  app.post('/jobs/:id/delete', async (c) => {
    assertRole(c, 'admin');
    const job = await svc.getJob(c.req.param('id'));
    try {
      await svc.removeJob(job.id, ctxOf(c));
    } catch (err) {
      const e = formErrors(err);
      return c.redirect(failed(jobHref(job.id), `${e.message} (${e.error.code})`), 303);
    }
    return c.redirect(
      done(BASE, `Job ${job.name} deleted; its snapshots stay on the target.`),
      303,
    );
  });

  // ---- running ----------------------------------------------------------------------------
  app.post('/jobs/:id/run', async (c) => {
    assertRole(c, 'operator');
    const job = await svc.getJob(c.req.param('id'));
    let notice: string | undefined;
    let error: string | undefined;
    try {
      await svc.runNow(job.id, ctxOf(c));
      notice = `Backup of ${job.name} started.`;
    } catch (err) {
      const e = formErrors(err);
      error = `${e.message} (${e.error.code})`;
    }
    const status = error ? 409 : 202;
    if (isHtmx(c)) {
      const [summary, tz] = await Promise.all([summaryOf(job.id), timezone()]);
      const props = {
        job: summary,
        tz,
        now: deps.clock.now(),
        csrfToken: shellProps(c, deps).csrfToken,
        canRun: true,
        notice,
        error,
      };
      // The job page's live block or the overview's card, whichever asked.
      return c.html(
        c.req.header('hx-target') === LIVE_ID ? <JobLive {...props} /> : <JobCard {...props} />,
        status,
      );
    }
    // Back to the page the button was on: the job's page or the overview.
    let back = BASE;
    try {
      if (new URL(c.req.header('referer') ?? '/', 'http://x').pathname === jobHref(job.id))
        back = jobHref(job.id);
    } catch {
      // an unreadable referer: the overview
    }
    return c.redirect(error ? failed(back, error) : done(back, notice!), 303);
  });

  /**
   * "Run restore test now" on the job page: the same service call as the API's
   * POST /api/v1/backup/jobs/:id/restore-test (it records the run and the audit entry). The test
   * restores a sample of files, which takes seconds, so the answer comes when it is done.
   */
  app.post('/jobs/:id/restore-test', async (c) => {
    assertRole(c, 'operator');
    const job = await svc.getJob(c.req.param('id'));
    const back = jobHref(job.id);
    let run: BackupRun;
    try {
      run = await svc.restoreTest(job.id, ctxOf(c));
    } catch (err) {
      const e = formErrors(err);
      return c.redirect(failed(back, `${e.message} (${e.error.code})`), 303);
    }
    if (run.status === 'succeeded') {
      const n = run.verification?.checked ?? 0;
      return c.redirect(
        done(
          back,
          `Restore test of ${job.name} passed: ${n} ${n === 1 ? 'file' : 'files'} of snapshot ${run.snapshot} restored and compared.`,
        ),
        303,
      );
    }
    const why = run.error ? `${run.error.message} (${run.error.code})` : 'see the run for details';
    return c.redirect(failed(back, `Restore test of ${job.name} failed: ${why}`), 303);
  });

  /** The overview's card of one job alone, polled every 2 s while it runs. */
  app.get('/jobs/:id/card', async (c) => {
    const [summary, tz] = await Promise.all([summaryOf(c.req.param('id')), timezone()]);
    return c.html(
      <JobCard
        job={summary}
        tz={tz}
        now={deps.clock.now()}
        csrfToken={shellProps(c, deps).csrfToken}
        canRun={hasRole(c, 'operator')}
      />,
    );
  });

  const history = async (jobId: string, before?: string) => {
    const runs = await deps.store.backups.runsOf(jobId, HISTORY_SIZE + 1, before);
    const shown = runs.slice(0, HISTORY_SIZE);
    return {
      runs: shown,
      olderHref:
        runs.length > HISTORY_SIZE
          ? `${jobHref(jobId)}?before=${encodeURIComponent(shown.at(-1)!.id)}#run-history`
          : undefined,
      newestHref: before ? `${jobHref(jobId)}#run-history` : undefined,
    };
  };

  // ---- one job ----------------------------------------------------------------------------
  app.get('/jobs/:id', async (c) => {
    const q = validate(historyQuery, c.req.query(), 'The page cursor');
    const id = c.req.param('id');
    const summary = await summaryOf(id);
    const job = await svc.getJob(id);
    const [h, tz] = await Promise.all([history(id, q.before), timezone()]);
    const failure = c.req.query('failed');
    return c.html(
      <JobPage
        {...shellProps(c, deps)}
        tz={tz}
        now={deps.clock.now()}
        job={summary}
        settings={{
          include: job.include,
          exclude: job.exclude,
          retentionText: describeRetention(
            retentionSchema.parse({ ...DEFAULT_RETENTION, ...job.retention }),
          ),
          verifySample: job.verifySample,
          staleAfterHours: job.staleAfterHours ?? 26,
          restoreTestEveryDays: job.restoreTestEveryDays ?? 7,
          bwlimitKiB: job.bwlimitKiB,
          oneFileSystem: job.oneFileSystem,
          numericIds: job.numericIds,
          aclsXattrs: job.aclsXattrs,
          createdBy: job.createdBy,
        }}
        {...h}
        canRun={hasRole(c, 'operator')}
        isAdmin={hasRole(c, 'admin')}
        notice={c.req.query('done')}
        error={failure}
      />,
    );
  });

  /** The job page's live block, polled every 2 s while a run is under way; the history rides along once it ends. */
  app.get('/jobs/:id/live', async (c) => {
    const id = c.req.param('id');
    const [summary, tz] = await Promise.all([summaryOf(id), timezone()]);
    const now = deps.clock.now();
    const live = (
      <JobLive
        job={summary}
        tz={tz}
        now={now}
        csrfToken={shellProps(c, deps).csrfToken}
        canRun={hasRole(c, 'operator')}
      />
    );
    if (summary.progress) return c.html(live);
    const h = await history(id);
    return c.html(
      <>
        {live}
        <RunHistory runs={h.runs} tz={tz} now={now} olderHref={h.olderHref} oob />
      </>,
    );
  });

  // ---- one run ----------------------------------------------------------------------------
  const runProgress = (r: BackupRun) => {
    if (r.status !== 'running' || r.kind !== 'backup') return undefined;
    const g = svc.progress(r.jobId);
    return g?.runId === r.id ? g : undefined;
  };

  app.get('/runs/:id', async (c) => {
    const run = await svc.getRun(c.req.param('id'));
    return c.html(
      <RunPage
        {...shellProps(c, deps)}
        tz={await timezone()}
        run={run}
        progress={runProgress(run)}
        notice={c.req.query('done')}
      />,
    );
  });

  app.get('/runs/:id/status', async (c) => {
    const run = await svc.getRun(c.req.param('id'));
    return c.html(<RunLive run={run} progress={runProgress(run)} tz={await timezone()} />);
  });

  // ---- snapshots, versions, search and restores -------------------------------------------
  app.route('/', browsePages(deps));

  return app;
}
