import { Notice } from '../../partials/form.js';
import {
  BASE,
  BackupsLayout,
  Crumbs,
  Flash,
  Poller,
  RunBadge,
  folderHref,
  jobHref,
  runHref,
  snapshotsHref,
  type BackupsShellProps,
} from './format.js';
import { RunProgress } from './overview.js';
import { RunDetails } from './runs.js';
import type { ProgressView, RunView } from './types.js';

export const RUN_LIVE_ID = 'run-live';

const TITLES: Record<string, string> = {
  backup: 'Backup',
  restore: 'Restore',
  'restore-test': 'Restore test',
};

/** One run with its status; it polls itself every 2 s while the run is under way. */
export function RunLive(p: {
  run: RunView;
  progress?: ProgressView | undefined;
  tz: string;
  notice?: string | undefined;
}) {
  const r = p.run;
  const running = r.status === 'running';
  const poll = running ? `${runHref(r.id)}/status` : undefined;
  const parent = r.restore ? r.restore.path.split('/').slice(0, -1).join('/') : '';
  return (
    <section
      class={`card run-live${running ? ' running' : ''}`}
      id={RUN_LIVE_ID}
      aria-live="polite"
    >
      {poll ? <Poller url={poll} target={RUN_LIVE_ID} /> : null}
      <div class="card-head">
        <h2>
          {TITLES[r.kind] ?? r.kind} {running ? 'under way' : 'finished'}
        </h2>
        <RunBadge status={r.status} warnings={r.warnings?.length} />
      </div>
      {p.notice ? <Notice kind="ok">{p.notice}</Notice> : null}
      {running ? (
        p.progress ? (
          <RunProgress progress={p.progress} />
        ) : (
          <p class="muted">Working… this page updates by itself.</p>
        )
      ) : r.kind === 'restore' && (r.status === 'succeeded' || r.status === 'warning') ? (
        <Notice kind={r.status === 'warning' ? 'warn' : 'ok'}>
          {r.restore ? (
            <>
              <code>{r.restore.path.split('/').pop()}</code> is back in{' '}
              <code>{r.restore.destination}</code>.
            </>
          ) : (
            'Restored.'
          )}
        </Notice>
      ) : null}
      <RunDetails run={r} tz={p.tz} />
      {r.restore && r.snapshot ? (
        <p class="small">
          <a href={folderHref(r.jobId, r.snapshot, { path: parent })}>
            Back to the folder in the snapshot
          </a>
        </p>
      ) : null}
    </section>
  );
}

export interface RunPageProps extends BackupsShellProps {
  tz: string;
  run: RunView;
  progress?: ProgressView | undefined;
  notice?: string | undefined;
}

export function RunPage(p: RunPageProps) {
  const r = p.run;
  const title = `${TITLES[r.kind] ?? r.kind} of ${r.jobName}`;
  return (
    <BackupsLayout {...p} title={title}>
      <Crumbs
        items={[
          { href: BASE, label: 'Backups' },
          { href: jobHref(r.jobId), label: r.jobName },
          ...(r.kind === 'restore' ? [{ href: snapshotsHref(r.jobId), label: 'Snapshots' }] : []),
          { label: TITLES[r.kind] ?? r.kind },
        ]}
      />
      <div class="page-head">
        <h1>{title}</h1>
      </div>
      <Flash />
      <RunLive run={r} progress={p.progress} tz={p.tz} notice={p.notice} />
    </BackupsLayout>
  );
}
