import {
  Ago,
  At,
  RunBadge,
  SnapshotTime,
  bytes,
  count,
  folderHref,
  formatDuration,
  plural,
  runHref,
} from './format.js';
import type { RunView } from './types.js';

/** Warnings shown before "and N more". */
const SHOWN_WARNINGS = 50;

const KIND_LABELS: Record<string, string> = {
  backup: 'Backup',
  restore: 'Restore',
  'restore-test': 'Restore test',
};

function triggerText(r: RunView): string {
  if (r.trigger === 'schedule') return 'scheduled';
  if (r.trigger === 'catch-up') return 'catch-up after the box was off';
  return `by ${r.by}`;
}

/** Everything recorded about one run: stats, warnings, error, verification, retention, log. */
export function RunDetails(p: { run: RunView; tz: string }) {
  const r = p.run;
  const s = r.stats;
  const warnings = r.warnings ?? [];
  return (
    <div class="run-details">
      {r.error ? (
        <div class="notice error run-error-box" role="alert">
          <strong>{r.status === 'interrupted' ? 'Interrupted' : 'Failed'}:</strong>{' '}
          {r.error.message} <code>{r.error.code}</code>
        </div>
      ) : null}
      <dl class="facts run-facts">
        <dt>Started</dt>
        <dd>
          <At iso={r.startedAt} tz={p.tz} /> <span class="muted small">({triggerText(r)})</span>
        </dd>
        {r.finishedAt ? (
          <>
            <dt>Took</dt>
            <dd>{r.durationMs !== undefined ? formatDuration(r.durationMs) : '–'}</dd>
          </>
        ) : null}
        {r.restore ? (
          <>
            <dt>Restored</dt>
            <dd>
              <code>{r.restore.path}</code>
              {r.snapshot ? (
                <>
                  {' '}
                  from the snapshot of <SnapshotTime name={r.snapshot} tz={p.tz} />
                </>
              ) : null}
            </dd>
            <dt>Into</dt>
            <dd>
              <code>{r.restore.destination}</code>{' '}
              <span class="muted small">
                {r.restore.overwrite
                  ? '(newer files there were overwritten)'
                  : '(newer files there were kept)'}
              </span>
            </dd>
          </>
        ) : r.snapshot ? (
          <>
            <dt>Snapshot</dt>
            <dd>
              <a href={folderHref(r.jobId, r.snapshot, { path: '' })}>
                <SnapshotTime name={r.snapshot} tz={p.tz} />
              </a>
            </dd>
          </>
        ) : null}
        {s ? (
          <>
            {s.files !== undefined ? (
              <>
                <dt>Files</dt>
                <dd>
                  {count(s.files)}
                  {s.totalSize !== undefined ? `, ${bytes(s.totalSize)} in all` : ''}
                </dd>
              </>
            ) : null}
            <dt>Copied</dt>
            <dd>
              {plural(s.regularFilesTransferred ?? 0, 'file')}, {bytes(s.bytesTransferred ?? 0)}
              {r.kind === 'backup' &&
              s.files !== undefined &&
              (s.regularFilesTransferred ?? 0) < s.files ? (
                <span class="muted small"> (the rest hard-linked to the previous snapshot)</span>
              ) : null}
            </dd>
            {s.bytesOnDisk !== undefined ? (
              <>
                <dt>Added on disk</dt>
                <dd>{bytes(s.bytesOnDisk)}</dd>
              </>
            ) : null}
          </>
        ) : null}
        {r.verification ? (
          <>
            <dt>Verification</dt>
            <dd>
              {r.verification.checked === 0 ? (
                <span class="muted">no file compared</span>
              ) : r.verification.mismatched.length === 0 ? (
                <span>
                  <span class="badge s-succeeded">passed</span>{' '}
                  {plural(r.verification.checked, 'file')}{' '}
                  {r.kind === 'restore-test'
                    ? 'restored and compared by checksum'
                    : 'compared with their sources'}
                </span>
              ) : (
                <span>
                  <span class="badge s-failed">
                    {plural(r.verification.mismatched.length, 'mismatch', 'mismatches')}
                  </span>{' '}
                  of {plural(r.verification.checked, 'file')} compared
                </span>
              )}
              {r.verification.mismatched.length ? (
                <ul class="paths small">
                  {r.verification.mismatched.slice(0, SHOWN_WARNINGS).map((m) => (
                    <li>
                      <code>{m}</code>
                    </li>
                  ))}
                </ul>
              ) : null}
            </dd>
          </>
        ) : null}
        {r.removed?.length ? (
          <>
            <dt>Retention removed</dt>
            <dd>
              {r.removed.map((n, i) => (
                <>
                  {i ? ', ' : ''}
                  <SnapshotTime name={n} tz={p.tz} />
                </>
              ))}
            </dd>
          </>
        ) : null}
        {r.rsyncExitCode !== undefined ? (
          <>
            <dt>rsync exit code</dt>
            <dd>
              <code>{r.rsyncExitCode}</code>
            </dd>
          </>
        ) : null}
      </dl>
      {warnings.length ? (
        <div class="run-warnings">
          <h4>
            {plural(warnings.length, 'warning')}: these files were not copied completely or changed
            during the copy
          </h4>
          <ul class="small">
            {warnings.slice(0, SHOWN_WARNINGS).map((w) => (
              <li>
                <code class="prewrap">{w}</code>
              </li>
            ))}
          </ul>
          {warnings.length > SHOWN_WARNINGS ? (
            <p class="muted small">and {warnings.length - SHOWN_WARNINGS} more</p>
          ) : null}
        </div>
      ) : null}
      {r.log?.length ? (
        <details class="run-log">
          <summary>Log (last {plural(r.log.length, 'line')})</summary>
          <pre>{r.log.join('\n')}</pre>
        </details>
      ) : null}
    </div>
  );
}

/** One run as a line that opens to its details. */
export function RunItem(p: { run: RunView; tz: string; now: number; open?: boolean }) {
  const r = p.run;
  return (
    <li class={`run-item s-${r.status}`} id={`run-${r.id.replace(/[^A-Za-z0-9_-]/g, '-')}`}>
      <details open={p.open}>
        <summary>
          <RunBadge status={r.status} warnings={r.warnings?.length} />{' '}
          <span class="run-kind">{KIND_LABELS[r.kind] ?? r.kind}</span>{' '}
          <At iso={r.startedAt} tz={p.tz} />{' '}
          <span class="muted small">
            (<Ago iso={r.startedAt} now={p.now} tz={p.tz} />
            {r.durationMs !== undefined ? `, took ${formatDuration(r.durationMs)}` : ''})
          </span>
          {r.error && r.status !== 'running' ? (
            <span class="run-summary-error small">
              {' '}
              <code>{r.error.code}</code>
            </span>
          ) : null}
          {r.restore ? (
            <span class="small muted">
              {' '}
              <code>{r.restore.path}</code>
            </span>
          ) : null}
        </summary>
        <RunDetails run={r} tz={p.tz} />
        <p class="small">
          <a href={runHref(r.id)}>Page of this run</a>
        </p>
      </details>
    </li>
  );
}

export const HISTORY_ID = 'run-history';

/** A job's runs, newest first, each expandable; `oob` when it rides along a live poll. */
export function RunHistory(p: {
  runs: RunView[];
  tz: string;
  now: number;
  /** The next (older) page. */
  olderHref?: string | undefined;
  newestHref?: string | undefined;
  oob?: boolean;
}) {
  return (
    <section
      class="card"
      id={HISTORY_ID}
      aria-labelledby="history-h"
      hx-swap-oob={p.oob ? 'true' : undefined}
    >
      <h2 id="history-h">Run history</h2>
      {p.runs.length === 0 ? (
        <p class="empty-line">No runs yet.</p>
      ) : (
        <ol class="run-list">
          {p.runs.map((r) => (
            <RunItem run={r} tz={p.tz} now={p.now} />
          ))}
        </ol>
      )}
      {p.olderHref || p.newestHref ? (
        <nav class="pager" aria-label="Pages">
          {p.newestHref ? <a href={p.newestHref}>← Newest</a> : <span />}
          {p.olderHref ? (
            <a href={p.olderHref} rel="next">
              Older →
            </a>
          ) : null}
        </nav>
      ) : null}
    </section>
  );
}
