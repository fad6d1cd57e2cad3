import { Layout, type ShellUser } from '../layout.js';
import { Time, StatusBadge } from '../partials/time.js';
import type { AreaInfo } from './area.js';

export interface DashboardProps {
  siteName: string;
  user: ShellUser;
  csrfToken: string;
  site: { name: string; location: string; timezone: string; contact: string };
  box: { version: string; uptime: string; dataDir: string; boxId: string; rssMb: number };
  areas: AreaInfo[];
  jobs: Array<{
    name: string;
    title: string;
    lastStatus?: string;
    lastAt?: string;
    nextAt?: string;
  }>;
}

export function DashboardPage(p: DashboardProps) {
  return (
    <Layout
      title="Dashboard"
      siteName={p.siteName}
      active="/"
      user={p.user}
      csrfToken={p.csrfToken}
    >
      <div class="page-head">
        <h1>{p.site.name}</h1>
        <p class="muted">
          {p.site.location || 'No address set'} · {p.site.timezone}
          {p.site.contact ? ` · ${p.site.contact}` : ''}
        </p>
      </div>
      <div id="flash" aria-live="polite"></div>
      <section class="grid cards" aria-label="Areas">
        {p.areas.map((a) => (
          <a class="card area" href={a.href}>
            <div class="card-head">
              <h2>{a.title}</h2>
              <span class={`pill ${a.configured ? 'ok' : 'idle'}`}>
                {a.configured ? 'active' : 'not configured yet'}
              </span>
            </div>
            <p>{a.summary}</p>
          </a>
        ))}
      </section>
      <div class="grid two">
        <section class="card">
          <h2>This box</h2>
          <dl class="facts">
            <dt>Version</dt>
            <dd>{p.box.version}</dd>
            <dt>Box ID</dt>
            <dd>
              <code>{p.box.boxId}</code>
            </dd>
            <dt>Running for</dt>
            <dd>{p.box.uptime}</dd>
            <dt>Memory</dt>
            <dd>{p.box.rssMb} MB</dd>
            <dt>Data directory</dt>
            <dd>
              <code>{p.box.dataDir}</code>
            </dd>
          </dl>
        </section>
        <section class="card">
          <h2>Background jobs</h2>
          <div class="table-scroll">
            <table class="table compact">
              <thead>
                <tr>
                  <th>Job</th>
                  <th>Last run</th>
                  <th>Next run</th>
                </tr>
              </thead>
              <tbody>
                {p.jobs.map((j) => (
                  <tr>
                    <td>
                      <a href={`/settings/jobs/${j.name}`}>{j.title}</a>
                    </td>
                    <td>
                      {j.lastStatus ? <StatusBadge status={j.lastStatus} /> : null}{' '}
                      <Time iso={j.lastAt} timezone={p.site.timezone} />
                    </td>
                    <td>
                      <Time iso={j.nextAt} timezone={p.site.timezone} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      </div>
    </Layout>
  );
}
