import { Csrf, Notice } from '../../partials/form.js';
import {
  Ago,
  At,
  BASE,
  BackupsLayout,
  Flash,
  PHASE_LABELS,
  Poller,
  RunBadge,
  bytes,
  count,
  jobHref,
  plural,
  snapshotsHref,
  type BackupsShellProps,
} from './format.js';
import type { JobSummary, ProgressView, TargetView } from './types.js';

/** A running backup: phase, bar, bytes, rate and time left. */
export function RunProgress(p: { progress: ProgressView }) {
  const g = p.progress;
  const pct = Math.max(0, Math.min(100, Math.round(g.percent)));
  return (
    <div class="backup-progress">
      <p class="phase-line">
        <span class="badge s-running">running</span>{' '}
        <strong>{PHASE_LABELS[g.phase] ?? g.phase}</strong>
      </p>
      <div class="progress-row">
        <progress max="100" value={String(pct)} aria-label="Progress">
          {pct}%
        </progress>
        <span class="percent">{pct}%</span>
      </div>
      <p class="small muted progress-figures">
        {bytes(g.bytes)} copied
        {/* rsync reports 0 kB/s and no time left before its first real measurement */}
        {g.rate && pct > 0 ? ` · ${g.rate}` : ''}
        {g.eta && pct > 0 && g.phase === 'copying' ? ` · about ${g.eta} left` : ''}
      </p>
    </div>
  );
}

/** "Run now": a plain form that htmx turns into an in-place update of `target`. */
export function RunNowButton(p: {
  jobId: string;
  csrfToken: string;
  /** The element to replace (its id, without #). */
  target: string;
  running: boolean;
}) {
  const action = `${jobHref(p.jobId)}/run`;
  return (
    <form
      method="post"
      action={action}
      class="inline run-now"
      hx-post={action}
      hx-target={`#${p.target}`}
      hx-swap="outerHTML"
    >
      <Csrf token={p.csrfToken} />
      <button type="submit" class="primary" disabled={p.running}>
        {p.running ? 'Running…' : 'Run now'}
      </button>
    </form>
  );
}

/** Last good backup: how long ago, and whether that is too long. */
export function Freshness(p: { job: JobSummary; now: number; tz: string }) {
  const j = p.job;
  return (
    <span class={j.stale ? 'freshness stale' : 'freshness'}>
      <Ago iso={j.lastGood?.finishedAt ?? j.lastGood?.startedAt} now={p.now} tz={p.tz} />
      {j.stale ? (
        <>
          {' '}
          <span class="badge s-stale" title={`No good backup for longer than ${j.stale.limit}`}>
            stale
          </span>
        </>
      ) : null}
    </span>
  );
}

/** The last run in one line: its outcome, when, and the error of a failed one. */
export function LastRun(p: { job: JobSummary; now: number; tz: string }) {
  const r = p.job.lastRun;
  if (!r) return <span class="muted">no run yet</span>;
  return (
    <span class="last-run">
      <RunBadge status={r.status} warnings={r.warnings?.length} />{' '}
      <Ago iso={r.finishedAt ?? r.startedAt} now={p.now} tz={p.tz} />
      {r.error && r.status !== 'running' ? (
        <span class="run-error small">
          {' '}
          {r.error.message} <code>{r.error.code}</code>
        </span>
      ) : null}
    </span>
  );
}

/** When the job runs next. */
export function NextRun(p: { job: JobSummary; now: number; tz: string }) {
  const j = p.job;
  if (!j.enabled) return <span class="muted">disabled</span>;
  if (!j.schedule) return <span>only by hand</span>;
  return (
    <span>
      {j.scheduleText}
      {j.nextRunAt ? (
        <span class="muted small">
          {' '}
          · next <At iso={j.nextRunAt} tz={p.tz} />
        </span>
      ) : null}
    </span>
  );
}

/**
 * One job on the overview. While a run is under way the card polls its own fragment every 2 s and
 * replaces itself; the card of an idle job does not poll.
 */
export function JobCard(p: {
  job: JobSummary;
  tz: string;
  now: number;
  csrfToken: string;
  canRun: boolean;
  notice?: string | undefined;
  error?: string | undefined;
}) {
  const j = p.job;
  const running = Boolean(j.progress);
  const id = `job-${j.id}`;
  const poll = running ? `${jobHref(j.id)}/card` : undefined;
  return (
    <article
      class={`card backup-job${running ? ' running' : ''}${j.stale ? ' stale' : ''}`}
      id={id}
      aria-live="polite"
    >
      {poll ? <Poller url={poll} target={id} /> : null}
      <div class="card-head">
        <h3 class="job-name">
          <a href={jobHref(j.id)}>{j.name}</a>
          {!j.enabled ? <span class="badge s-skipped">disabled</span> : null}
        </h3>
        {p.canRun ? (
          <RunNowButton jobId={j.id} csrfToken={p.csrfToken} target={id} running={running} />
        ) : null}
      </div>
      {p.notice ? <Notice kind="ok">{p.notice}</Notice> : null}
      {p.error ? <Notice kind="error">{p.error}</Notice> : null}
      {j.progress ? <RunProgress progress={j.progress} /> : null}
      <dl class="facts job-facts">
        <dt>Last good backup</dt>
        <dd>
          <Freshness job={j} now={p.now} tz={p.tz} />
        </dd>
        <dt>Last run</dt>
        <dd>
          <LastRun job={j} now={p.now} tz={p.tz} />
        </dd>
        <dt>Schedule</dt>
        <dd>
          <NextRun job={j} now={p.now} tz={p.tz} />
        </dd>
        <dt>Backs up</dt>
        <dd class="paths">
          {j.sources.map((s, i) => (
            <>
              {i ? ', ' : ''}
              <code>{s}</code>
            </>
          ))}
        </dd>
        <dt>To</dt>
        <dd>{j.targetName ?? <span class="muted">a deleted target</span>}</dd>
      </dl>
      <p class="job-links small">
        <a href={jobHref(j.id)}>History</a> · <a href={snapshotsHref(j.id)}>Snapshots</a>
      </p>
    </article>
  );
}

function FreeSpace(p: { t: TargetView }) {
  const h = p.t.health;
  if (!h.ok) return <span class="muted">–</span>;
  const used = h.totalBytes ? Math.round(((h.totalBytes - h.freeBytes) / h.totalBytes) * 100) : 0;
  return (
    <div class="free-space">
      <span>
        <strong>{bytes(h.freeBytes)}</strong> free of {bytes(h.totalBytes)}
      </span>
      <meter
        min="0"
        max="100"
        low={80}
        high={90}
        optimum={0}
        value={String(used)}
        aria-label={`${used}% used`}
        title={`${used}% used`}
      >
        {used}% used
      </meter>
      {h.totalInodes ? <span class="small muted">{count(h.freeInodes)} inodes free</span> : null}
    </div>
  );
}

function Health(p: { t: TargetView }) {
  const h = p.t.health;
  if (!h.ok)
    return (
      <div class="target-health bad">
        <span class="badge s-failed">not usable</span> <code>{h.code}</code>
        <p class="small">{h.message}</p>
      </div>
    );
  return (
    <div class="target-health">
      <span class="badge s-succeeded">ready</span>{' '}
      <span class="small muted">
        {h.fsType}
        {h.supportsHardLinks ? '' : ' · no hard links: every snapshot is a full copy'}
      </span>
    </div>
  );
}

export function TargetsTable(p: {
  targets: TargetView[];
  tz: string;
  now: number;
  canEdit: boolean;
}) {
  return (
    <div class="table-scroll contained">
      <table class="table backup-targets">
        <thead>
          <tr>
            <th scope="col">Target</th>
            <th scope="col">Where</th>
            <th scope="col">Space</th>
            <th scope="col">Health</th>
            <th scope="col">Last write</th>
            {p.canEdit ? <th class="actions">Actions</th> : null}
          </tr>
        </thead>
        <tbody>
          {p.targets.map((t) => (
            <tr id={`target-${t.id}`} class={t.health.ok ? undefined : 'unhealthy'}>
              <td>
                <strong>{t.name}</strong>
                <div class="small muted">
                  {t.kind === 'disk' ? 'attached disk' : 'directory'}
                  {t.jobs.length ? ` · used by ${t.jobs.join(', ')}` : ' · no job uses it'}
                </div>
              </td>
              <td class="small">
                <code>{t.path}</code>
                {t.uuid ? (
                  <div class="muted">
                    UUID <code>{t.uuid}</code>
                  </div>
                ) : null}
              </td>
              <td class="small">
                <FreeSpace t={t} />
              </td>
              <td>
                <Health t={t} />
              </td>
              <td class="small nowrap">
                <Ago iso={t.lastWriteAt} now={p.now} tz={p.tz} />
              </td>
              {p.canEdit ? (
                <td class="actions">
                  <a class="button-link danger" href={`${BASE}/targets/${t.id}/delete`}>
                    Delete
                  </a>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export interface BackupsPageProps extends BackupsShellProps {
  tz: string;
  now: number;
  jobs: JobSummary[];
  targets: TargetView[];
  canRun: boolean;
  isAdmin: boolean;
  notice?: string | undefined;
  error?: string | undefined;
}

/** /backups: every job with its freshness and live progress, and the targets with their health. */
export function BackupsPage(p: BackupsPageProps) {
  const stale = p.jobs.filter((j) => j.stale).length;
  const failing = p.jobs.filter((j) => j.lastRun?.status === 'failed').length;
  return (
    <BackupsLayout {...p} title="Backups">
      <div class="page-head split">
        <div>
          <h1>Backups</h1>
          <p class="muted">
            rsync snapshots of this site’s folders to storage attached to the box. Unchanged files
            are hard-linked to the previous snapshot, so each snapshot is whole but costs only what
            changed. Times in {p.tz}.
          </p>
        </div>
        {p.isAdmin && p.targets.length ? (
          <div class="head-actions">
            <a class="button-link primary" href={`${BASE}/jobs/new`}>
              Add job
            </a>
          </div>
        ) : null}
      </div>
      <Flash />
      {p.notice ? <Notice kind="ok">{p.notice}</Notice> : null}
      {p.error ? <Notice kind="error">{p.error}</Notice> : null}
      {stale || failing ? (
        <Notice kind="warn">
          {[
            stale ? `${plural(stale, 'job')} without a recent good backup` : '',
            failing ? `${plural(failing, 'job')} whose last run failed` : '',
          ]
            .filter(Boolean)
            .join('; ')}
          .
        </Notice>
      ) : null}

      <section aria-labelledby="jobs-h">
        <h2 id="jobs-h">Jobs</h2>
        {p.jobs.length === 0 ? (
          <section class="card">
            <p class="empty-line">
              No backup jobs yet.{' '}
              {p.isAdmin
                ? p.targets.length
                  ? ''
                  : 'Add a target first: the directory or disk the snapshots go to.'
                : 'An admin sets them up.'}
            </p>
            {p.isAdmin ? (
              <p>
                {p.targets.length ? (
                  <a class="button-link primary" href={`${BASE}/jobs/new`}>
                    Add a backup job
                  </a>
                ) : (
                  <a class="button-link primary" href={`${BASE}/targets/new`}>
                    Add a target
                  </a>
                )}
              </p>
            ) : null}
          </section>
        ) : (
          <div class="grid backup-jobs">
            {p.jobs.map((j) => (
              <JobCard job={j} tz={p.tz} now={p.now} csrfToken={p.csrfToken} canRun={p.canRun} />
            ))}
          </div>
        )}
      </section>

      <section class="card" aria-labelledby="targets-h" id="targets">
        <div class="card-head">
          <h2 id="targets-h">Targets</h2>
          {p.isAdmin ? (
            <a class="button-link" href={`${BASE}/targets/new`}>
              Add target
            </a>
          ) : null}
        </div>
        <p class="muted small">
          Where snapshots are written. Each target is checked now: it must be there (a disk mounted,
          with Caretaker’s marker file) and have room before a run starts.
        </p>
        {p.targets.length === 0 ? (
          <p class="empty-line">
            No targets yet.{' '}
            {p.isAdmin ? <a href={`${BASE}/targets/new`}>Add one</a> : 'An admin adds them.'}
          </p>
        ) : (
          <TargetsTable targets={p.targets} tz={p.tz} now={p.now} canEdit={p.isAdmin} />
        )}
      </section>
    </BackupsLayout>
  );
}
