import { SettingsShell, type SettingsShellProps } from './nav.js';
import { Csrf, Notice } from '../../partials/form.js';
import { Time, StatusBadge } from '../../partials/time.js';

export interface JobRow {
  name: string;
  title: string;
  description: string;
  schedule: string;
  /** The schedule in words; the cron expression is shown on hover. */
  scheduleText: string;
  running: boolean;
  nextRunAt?: string | undefined;
  lastStatus?: string | undefined;
  lastAt?: string | undefined;
  lastSummary?: string | undefined;
}

export interface RunRow {
  id: string;
  trigger: string;
  actor?: string | undefined;
  startedAt: string;
  duration: string;
  status: string;
  summary?: string | undefined;
  error?: string | undefined;
}

export function JobsPage(
  p: Omit<SettingsShellProps, 'tab' | 'title'> & {
    jobs: JobRow[];
    timezone: string;
    canRun: boolean;
    notice?: string | undefined;
  },
) {
  return (
    <SettingsShell {...p} tab="/settings/jobs" title="Jobs">
      {p.notice ? <Notice kind="ok">{p.notice}</Notice> : null}
      <section
        class="card"
        id="jobs"
        hx-get="/settings/jobs"
        hx-trigger="every 5s"
        hx-headers={JSON.stringify({ 'X-Caretaker-Poll': '1' })}
        hx-select="#jobs"
        hx-swap="outerHTML"
        // The job links inside are ordinary (boosted) page loads: they must not inherit the poll.
        hx-disinherit="*"
      >
        <h2>Background jobs</h2>
        <div class="table-scroll">
          <table class="table">
            <thead>
              <tr>
                <th>Job</th>
                <th>Schedule</th>
                <th>Last run</th>
                <th>Next run</th>
                <th class="actions"></th>
              </tr>
            </thead>
            <tbody>
              {p.jobs.map((j) => (
                <tr>
                  <td>
                    <a href={`/settings/jobs/${j.name}`}>
                      <strong>{j.title}</strong>
                    </a>
                    <div class="muted small">{j.description}</div>
                  </td>
                  <td>
                    <span title={j.schedule}>{j.scheduleText}</span>
                  </td>
                  <td>
                    {j.running ? (
                      <StatusBadge status="running" />
                    ) : j.lastStatus ? (
                      <StatusBadge status={j.lastStatus} />
                    ) : null}{' '}
                    <Time iso={j.lastAt} timezone={p.timezone} />
                    {j.lastSummary ? <div class="muted small">{j.lastSummary}</div> : null}
                  </td>
                  <td>
                    <Time iso={j.nextRunAt} timezone={p.timezone} />
                  </td>
                  <td class="actions">
                    {p.canRun ? (
                      <form method="post" action={`/settings/jobs/${j.name}/run`} class="inline">
                        <Csrf token={p.csrfToken} />
                        <button type="submit" disabled={j.running}>
                          Run now
                        </button>
                      </form>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </SettingsShell>
  );
}

export function JobRunsPage(
  p: Omit<SettingsShellProps, 'tab' | 'title'> & { job: JobRow; runs: RunRow[]; timezone: string },
) {
  return (
    <SettingsShell {...p} tab="/settings/jobs" title={p.job.title}>
      <section class="card">
        <h2>{p.job.title}</h2>
        <p class="muted">{p.job.description}</p>
        <div class="table-scroll">
          <table class="table">
            <thead>
              <tr>
                <th>Started</th>
                <th>Trigger</th>
                <th>Result</th>
                <th>Duration</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {p.runs.map((r) => (
                <tr>
                  <td>
                    <Time iso={r.startedAt} timezone={p.timezone} />
                  </td>
                  <td>
                    {r.trigger}
                    {r.actor ? <span class="muted"> by {r.actor}</span> : null}
                  </td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td>{r.duration}</td>
                  <td>{r.error ? <span class="error-text">{r.error}</span> : (r.summary ?? '')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {p.runs.length === 0 ? <p class="empty-line">This job has not run yet.</p> : null}
      </section>
    </SettingsShell>
  );
}
