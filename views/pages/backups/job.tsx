import { Csrf, Notice } from '../../partials/form.js';
import {
  BASE,
  BackupsLayout,
  Crumbs,
  Flash,
  Poller,
  jobHref,
  snapshotsHref,
  type BackupsShellProps,
} from './format.js';
import { Freshness, LastRun, NextRun, RunNowButton, RunProgress } from './overview.js';
import { RunHistory } from './runs.js';
import type { JobSummary, RunView } from './types.js';
import { groupDigits } from '../../../src/lib/collate.js';

export const LIVE_ID = 'job-live';

/** The job's state now: its run under way (polling every 2 s), or how the last one went. */
export function JobLive(p: {
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
  const poll = running ? `${jobHref(j.id)}/live` : undefined;
  return (
    <section
      class={`card job-live${running ? ' running' : ''}`}
      id={LIVE_ID}
      aria-live="polite"
      aria-label="Now"
    >
      {poll ? <Poller url={poll} target={LIVE_ID} /> : null}
      <div class="card-head">
        <h2>{running ? 'Backing up now' : 'Now'}</h2>
        {p.canRun ? (
          <RunNowButton jobId={j.id} csrfToken={p.csrfToken} target={LIVE_ID} running={running} />
        ) : null}
      </div>
      {p.notice ? <Notice kind="ok">{p.notice}</Notice> : null}
      {p.error ? <Notice kind="error">{p.error}</Notice> : null}
      {j.progress ? <RunProgress progress={j.progress} /> : null}
      <dl class="facts job-facts">
        <dt>Last good backup</dt>
        <dd>
          <Freshness job={j} now={p.now} tz={p.tz} />
          {j.stale ? (
            <span class="small muted"> (expected at least every {j.stale.limit})</span>
          ) : null}
        </dd>
        <dt>Last run</dt>
        <dd>
          <LastRun job={j} now={p.now} tz={p.tz} />
        </dd>
        <dt>Schedule</dt>
        <dd>
          <NextRun job={j} now={p.now} tz={p.tz} />
        </dd>
      </dl>
    </section>
  );
}

export interface JobSettingsView {
  include: string[];
  exclude: string[];
  retentionText: string;
  verifySample: number;
  staleAfterHours: number;
  restoreTestEveryDays: number;
  bwlimitKiB?: number | undefined;
  oneFileSystem: boolean;
  numericIds: boolean;
  aclsXattrs: boolean;
  createdBy: string;
}

export interface JobPageProps extends BackupsShellProps {
  tz: string;
  now: number;
  job: JobSummary;
  settings: JobSettingsView;
  runs: RunView[];
  olderHref?: string | undefined;
  newestHref?: string | undefined;
  canRun: boolean;
  isAdmin: boolean;
  notice?: string | undefined;
  error?: string | undefined;
}

/** One job: what it does, its state now (live) and its runs. */
export function JobPage(p: JobPageProps) {
  const j = p.job;
  const s = p.settings;
  const flags = [
    s.oneFileSystem ? 'one file system' : 'crosses file systems',
    s.numericIds ? 'numeric ids' : 'ids by name',
    s.aclsXattrs ? 'ACLs and xattrs' : '',
    s.bwlimitKiB ? `at most ${groupDigits(s.bwlimitKiB)} KiB/s` : '',
  ].filter(Boolean);
  return (
    <BackupsLayout {...p} title={j.name}>
      <Crumbs items={[{ href: BASE, label: 'Backups' }, { label: j.name }]} />
      <div class="page-head split">
        <h1 class="with-badges">
          <span>{j.name}</span>
          {!j.enabled ? <span class="pill">disabled</span> : null}
        </h1>
        <div class="head-actions">
          <a class="button-link" href={snapshotsHref(j.id)}>
            Browse snapshots
          </a>
          {p.canRun ? (
            <form method="post" action={`${jobHref(j.id)}/restore-test`} class="inline">
              <Csrf token={p.csrfToken} />
              <button
                type="submit"
                title="Restore sample files of the newest snapshot into a scratch folder and compare them"
              >
                Run restore test now
              </button>
            </form>
          ) : null}
          {p.isAdmin ? (
            <>
              <a class="button-link" href={`${jobHref(j.id)}/edit`}>
                Edit
              </a>
              <a class="button-link danger" href={`${jobHref(j.id)}/delete`}>
                Delete
              </a>
            </>
          ) : null}
        </div>
      </div>
      <Flash />
      {p.notice ? <Notice kind="ok">{p.notice}</Notice> : null}
      {p.error ? <Notice kind="error">{p.error}</Notice> : null}
      <JobLive job={j} tz={p.tz} now={p.now} csrfToken={p.csrfToken} canRun={p.canRun} />
      <section class="card" aria-labelledby="what-h">
        <h2 id="what-h">What and where</h2>
        <dl class="facts">
          <dt>Folders</dt>
          <dd class="paths">
            {j.sources.map((x) => (
              <div>
                <code>{x}</code>
              </div>
            ))}
          </dd>
          {s.include.length ? (
            <>
              <dt>Include</dt>
              <dd>
                {s.include.map((x) => (
                  <code class="chip">{x}</code>
                ))}
              </dd>
            </>
          ) : null}
          {s.exclude.length ? (
            <>
              <dt>Exclude</dt>
              <dd>
                {s.exclude.map((x) => (
                  <code class="chip">{x}</code>
                ))}
              </dd>
            </>
          ) : null}
          <dt>Target</dt>
          <dd>{j.targetName ?? <span class="muted">a deleted target ({j.targetId})</span>}</dd>
          <dt>Keeps</dt>
          <dd>{s.retentionText}</dd>
          <dt>Checks</dt>
          <dd>
            {s.verifySample
              ? `${s.verifySample} files compared with their sources after each run`
              : 'no comparison with the sources after runs'}
            {' · '}
            {s.restoreTestEveryDays
              ? `a restore test every ${s.restoreTestEveryDays === 1 ? 'day' : `${s.restoreTestEveryDays} days`}`
              : 'no restore tests'}
            {j.schedule && j.enabled
              ? ` · stale (an incident) after ${s.staleAfterHours} h without a good backup`
              : ''}
          </dd>
          <dt>Options</dt>
          <dd>{flags.join(' · ')}</dd>
          <dt>Set up by</dt>
          <dd>{s.createdBy}</dd>
        </dl>
      </section>
      <RunHistory
        runs={p.runs}
        tz={p.tz}
        now={p.now}
        olderHref={p.olderHref}
        newestHref={p.newestHref}
      />
    </BackupsLayout>
  );
}
