import type { Child } from 'hono/jsx';
import { Layout, type ShellUser } from '../layout.js';
import { Time, StatusBadge } from '../partials/time.js';
import type { AreaInfo } from './area.js';
import { MonitoringDashboard, type MonitoringDashboardProps } from './dashboard-monitoring.js';

/** What is set up so far on a box that has found no device yet. */
export interface FirstSteps {
  subnets: boolean;
  credentials: boolean;
  /** Only admins can set networks and credentials. */
  isAdmin: boolean;
}

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
  monitoring: MonitoringDashboardProps;
  /** Shown until the first device is found. */
  firstSteps?: FirstSteps | undefined;
}

function Step(props: { done: boolean; children?: Child }) {
  return (
    <li class={props.done ? 'done' : undefined}>
      {props.done ? <span class="sr-only">Done: </span> : null}
      {props.children}
    </li>
  );
}

/** The way from a fresh box to a watched network, with what is done ticked off. */
function FirstStepsCard(p: { steps: FirstSteps }) {
  const s = p.steps;
  return (
    <section class="card highlight first-steps" aria-labelledby="first-steps-h">
      <h2 id="first-steps-h">First steps</h2>
      <p>
        Caretaker watches the devices it has found. Nothing is scanned until the networks to scan
        are set{s.isAdmin ? '' : ', which only an admin can do'}.
      </p>
      <ol class="steps">
        <Step done={s.subnets}>
          Set the networks to scan under <a href="/settings/discovery">Settings → Discovery</a>.
        </Step>
        <Step done={s.credentials}>
          Add the SNMP communities or users of your devices under{' '}
          <a href="/settings/credentials">Settings → SNMP credentials</a>, so that traffic, CPU,
          storage and toner can be read.
        </Step>
        <Step done={false}>
          Run a scan from <a href="/discovery">Scans</a>. Monitoring starts by itself for every
          device found.
        </Step>
      </ol>
    </section>
  );
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
      {p.firstSteps ? <FirstStepsCard steps={p.firstSteps} /> : null}
      <MonitoringDashboard {...p.monitoring} />
      <h2 class="section-title" id="areas-h">
        Areas
      </h2>
      <section class="grid cards" aria-labelledby="areas-h">
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
