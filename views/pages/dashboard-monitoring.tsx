import type { ChartSeries, Point } from '../charts/series.js';
import { LineChart } from '../charts/line-chart.js';
import { Sparkline } from '../charts/sparkline.js';
import { GaugeBar } from '../charts/gauge-bar.js';
import { formatClock, formatDateTime, formatDuration, formatValue } from '../charts/scale.js';
import { OpenIncidents, type OpenIncidentsProps } from './incidents/dashboard-block.js';

export type Severity = 'info' | 'warning' | 'minor' | 'major' | 'critical';

export interface MonitoringDashboardProps {
  siteName: string;
  /** The site's IANA time zone. */
  tz: string;
  /** Now, ms since the epoch (relative times and the traffic chart's period). */
  now: number;
  devices: { total: number; up: number; down: number; unknown: number; flapping: number };
  /** Worst first, at most 8. `since` is an ISO-8601 time. */
  problems: Array<{
    severity: Severity;
    deviceId: string;
    deviceName: string;
    message: string;
    since: string;
  }>;
  /** At most 5; `spark` is the last hour. */
  topTalkers: Array<{
    deviceId: string;
    deviceName: string;
    ifName: string;
    inBps: number;
    outBps: number;
    spark: Point[];
  }>;
  storageNearlyFull: Array<{
    deviceId: string;
    deviceName: string;
    descr: string;
    usedPct: number;
    daysToFull?: number | undefined;
  }>;
  tasksDue: {
    overdue: number;
    dueSoon: number;
    items: Array<{
      planId: string;
      title: string;
      /** ISO-8601. */
      dueAt: string;
      overdue: boolean;
      assignee?: string | undefined;
    }>;
  };
  /** The last 24 hours of traffic in and out of the uplinks (out with `negate`). */
  siteTraffic?: ChartSeries[] | undefined;
  /** ISO-8601 time of the last finished poll. */
  lastPollAt?: string | undefined;
  /** Unresolved incidents, the worst few first. */
  incidents?: OpenIncidentsProps | undefined;
}

/** The element the dashboard refreshes itself into. */
export const DASHBOARD_BODY_ID = 'dashboard-body';
/** Background polls say so (see src/http/middleware/authenticate.ts: they are not activity). */
const POLL_HEADERS = JSON.stringify({ 'X-Caretaker-Poll': '1' });
/** Polls older than this mean the monitoring itself is stuck. */
const STALE_POLL_MS = 10 * 60_000;

const SEVERITY_RANK: Record<Severity, number> = {
  info: 0,
  warning: 1,
  minor: 2,
  major: 3,
  critical: 4,
};

type Tone = 'ok' | 'warn' | 'bad' | 'idle';

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function count(n: unknown): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

function parseTime(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
}

export function deviceHref(id: string): string {
  return `/devices/${encodeURIComponent(id)}`;
}

/** "for 2 h 5 min", with the exact time on hover; the raw text if it is not a time. */
function Since(props: { iso: string; now: number; tz: string }) {
  const t = parseTime(props.iso);
  if (t === undefined) return <span>{props.iso}</span>;
  return (
    <time datetime={props.iso} title={formatDateTime(t, props.tz, true)}>
      for {formatDuration(Math.max(0, props.now - t))}
    </time>
  );
}

function headline(d: MonitoringDashboardProps['devices']): string {
  const total = count(d.total);
  const up = count(d.up);
  const down = count(d.down);
  if (!total) return 'No devices monitored yet';
  if (down) return `${plural(down, 'device')} down`;
  if (up >= total) return total === 1 ? 'The 1 device is up' : `All ${total} devices up`;
  return `${up} of ${total} devices up`;
}

/** A small glyph beside the headline, so the state does not rest on colour alone. */
function StatusGlyph(props: { tone: Tone }) {
  const d =
    props.tone === 'ok'
      ? 'M6 12.5l4 4 8-9'
      : props.tone === 'bad'
        ? 'M7 7l10 10M17 7L7 17'
        : props.tone === 'warn'
          ? 'M12 6v7M12 17v.5'
          : 'M7 12h10';
  return (
    <svg class="status-glyph" viewBox="0 0 24 24" width="40" height="40" aria-hidden="true">
      <circle cx="12" cy="12" r="11" fill="currentColor" />
      <path
        d={d}
        fill="none"
        stroke="#fff"
        stroke-width="2.6"
        stroke-linecap="round"
        stroke-linejoin="round"
      />
    </svg>
  );
}

function StatusStrip(p: MonitoringDashboardProps) {
  const d = p.devices;
  const total = count(d.total);
  const down = count(d.down);
  const worst = p.problems.reduce((w, x) => Math.max(w, SEVERITY_RANK[x.severity] ?? 0), -1);
  const lastPoll = parseTime(p.lastPollAt);
  const stale = total > 0 && (lastPoll === undefined || p.now - lastPoll > STALE_POLL_MS);
  const overdue = count(p.tasksDue.overdue);
  const tone: Tone = !total
    ? 'idle'
    : down || worst >= SEVERITY_RANK.major
      ? 'bad'
      : count(d.unknown) || count(d.flapping) || worst >= SEVERITY_RANK.warning || overdue || stale
        ? 'warn'
        : 'ok';
  const chips: Array<{ href: string; text: string; tone: Tone }> = [];
  if (p.problems.length) {
    const crit = p.problems.filter((x) => x.severity === 'critical').length;
    chips.push({
      href: '#dash-problems',
      text: plural(p.problems.length, 'problem') + (crit ? ` (${crit} critical)` : ''),
      tone: worst >= SEVERITY_RANK.major ? 'bad' : worst >= SEVERITY_RANK.warning ? 'warn' : 'idle',
    });
  }
  if (overdue)
    chips.push({ href: '#dash-tasks', text: `${plural(overdue, 'task')} overdue`, tone: 'warn' });
  if (p.storageNearlyFull.length)
    chips.push({
      href: '#dash-storage',
      text: `${plural(p.storageNearlyFull.length, 'volume')} nearly full`,
      tone: 'warn',
    });
  return (
    <section class={`status-strip ${tone}`} aria-labelledby="dash-headline">
      <StatusGlyph tone={tone} />
      <div class="status-text">
        <h2 class="headline" id="dash-headline">
          {headline(d)}
          {down && total ? <span class="of"> of {total}</span> : null}
        </h2>
        {total ? (
          <p class="status-counts">
            <span>{count(d.up)} up</span>
            <span class={down ? 'bad' : undefined}>{down} down</span>
            {count(d.flapping) ? <span class="warn">{count(d.flapping)} flapping</span> : null}
            {count(d.unknown) ? <span class="warn">{count(d.unknown)} not known yet</span> : null}
          </p>
        ) : (
          <p class="status-counts">
            Devices appear here once <a href="/settings/discovery">discovery</a> has found them and
            monitoring has polled them.
          </p>
        )}
        {chips.length ? (
          <ul class="status-chips">
            {chips.map((c) => (
              <li>
                <a class={`chip ${c.tone}`} href={c.href}>
                  {c.text}
                </a>
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      <p class={`last-poll small${stale ? ' stale' : ''}`}>
        {lastPoll === undefined ? (
          total ? (
            'Not polled yet'
          ) : null
        ) : (
          <>
            Last poll{' '}
            <time datetime={p.lastPollAt} title={formatDateTime(lastPoll, p.tz, true)}>
              {formatClock(lastPoll, p.tz, true)}
            </time>
            {stale ? (
              <>
                <br />
                <strong>{formatDuration(p.now - lastPoll)} ago: monitoring may have stopped</strong>
              </>
            ) : null}
          </>
        )}
      </p>
    </section>
  );
}

function Problems(p: MonitoringDashboardProps) {
  return (
    <section class="card dash-problems" id="dash-problems" aria-labelledby="dash-problems-h">
      <div class="card-head">
        <h2 id="dash-problems-h">Problems</h2>
        <a class="small" href="/incidents">
          All incidents
        </a>
      </div>
      {p.problems.length ? (
        <ul class="problems">
          {p.problems.slice(0, 8).map((x) => (
            <li class={`sev-${x.severity}`}>
              <span class={`sev sev-${x.severity}`}>{x.severity}</span>
              <div class="problem-text">
                <a href={deviceHref(x.deviceId)}>{x.deviceName}</a>{' '}
                <span class="msg">{x.message}</span>
                <div class="muted small">
                  <Since iso={x.since} now={p.now} tz={p.tz} />
                </div>
              </div>
            </li>
          ))}
        </ul>
      ) : (
        <p class="all-clear">No problems: everything watched is within its limits.</p>
      )}
    </section>
  );
}

function Tasks(p: MonitoringDashboardProps) {
  const t = p.tasksDue;
  return (
    <section class="card dash-tasks" id="dash-tasks" aria-labelledby="dash-tasks-h">
      <div class="card-head">
        <h2 id="dash-tasks-h">Inspections due</h2>
        <span class="small">
          {count(t.overdue) ? <span class="overdue-count">{count(t.overdue)} overdue</span> : null}
          {count(t.overdue) && count(t.dueSoon) ? ' · ' : ''}
          {count(t.dueSoon) ? <span class="muted">{count(t.dueSoon)} due soon</span> : null}
        </span>
      </div>
      {t.items.length ? (
        <ul class="tasks">
          {t.items.map((i) => {
            const due = parseTime(i.dueAt);
            return (
              <li class={i.overdue ? 'overdue' : undefined}>
                <a href={`/monitoring/inspections/${encodeURIComponent(i.planId)}`}>{i.title}</a>
                <div class="muted small">
                  {i.overdue ? <span class="sev sev-major">overdue</span> : null} due{' '}
                  {due === undefined ? (
                    i.dueAt
                  ) : (
                    <time datetime={i.dueAt}>{formatDateTime(due, p.tz)}</time>
                  )}
                  {i.assignee ? ` · ${i.assignee}` : ''}
                </div>
              </li>
            );
          })}
        </ul>
      ) : (
        <p class="all-clear">Nothing due.</p>
      )}
    </section>
  );
}

function TopTalkers(p: MonitoringDashboardProps) {
  return (
    <section class="card dash-talkers" id="dash-talkers" aria-labelledby="dash-talkers-h">
      <div class="card-head">
        <h2 id="dash-talkers-h">Busiest interfaces</h2>
        <span class="muted small">now, and the last hour</span>
      </div>
      {p.topTalkers.length ? (
        <div class="table-scroll">
          <table class="table compact talkers">
            <thead>
              <tr>
                <th scope="col">Interface</th>
                <th scope="col" class="num">
                  In
                </th>
                <th scope="col" class="num">
                  Out
                </th>
                <th scope="col">Last hour</th>
              </tr>
            </thead>
            <tbody>
              {p.topTalkers.slice(0, 5).map((x) => (
                <tr>
                  <td>
                    <a href={deviceHref(x.deviceId)}>{x.deviceName}</a>
                    <div class="muted small">{x.ifName}</div>
                  </td>
                  <td class="num nowrap">{formatValue(x.inBps, 'bit/s')}</td>
                  <td class="num nowrap">{formatValue(x.outBps, 'bit/s')}</td>
                  <td>
                    <Sparkline
                      points={x.spark}
                      label={`${x.deviceName} ${x.ifName}, last hour`}
                      unit="bit/s"
                      from={p.now - 3_600_000}
                      to={p.now}
                      width={120}
                      height={26}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="empty-line">No traffic measured yet.</p>
      )}
    </section>
  );
}

function Storage(p: MonitoringDashboardProps) {
  return (
    <section class="card dash-storage" id="dash-storage" aria-labelledby="dash-storage-h">
      <div class="card-head">
        <h2 id="dash-storage-h">Storage nearly full</h2>
      </div>
      {p.storageNearlyFull.length ? (
        <div class="gauges">
          {p.storageNearlyFull.map((s) => (
            <GaugeBar
              label={`${s.deviceName} · ${s.descr}`}
              href={deviceHref(s.deviceId)}
              value={s.usedPct}
              detail={daysToFullText(s.daysToFull)}
            />
          ))}
        </div>
      ) : (
        <p class="all-clear">Every volume has room.</p>
      )}
    </section>
  );
}

export function daysToFullText(days: number | undefined): string | undefined {
  if (days === undefined || !Number.isFinite(days) || days < 0) return undefined;
  if (days < 1) return 'full within a day at the current rate';
  if (days > 3650) return undefined;
  return `full in about ${plural(Math.round(days), 'day')} at the current rate`;
}

/**
 * The monitoring dashboard's body: what a branch admin needs to know at a glance (are devices
 * up, what is wrong, what needs doing) and then the detail. It refreshes itself every 30 s with
 * htmx; without htmx it is a plain page that is as fresh as its last load.
 */
export function MonitoringDashboard(p: MonitoringDashboardProps) {
  return (
    <div
      id={DASHBOARD_BODY_ID}
      class="dash"
      hx-get="/dashboard/body"
      hx-trigger="every 30s"
      hx-headers={POLL_HEADERS}
      hx-select={`#${DASHBOARD_BODY_ID}`}
      hx-swap="outerHTML"
      // Links inside are boosted page loads: inheriting hx-select would make them swap in
      // nothing (the next page has no dashboard body) and leave an empty page.
      hx-disinherit="*"
    >
      <StatusStrip {...p} />
      <div class="dash-grid">
        {p.incidents ? <OpenIncidents {...p.incidents} tz={p.tz} now={p.now} /> : null}
        <Problems {...p} />
        <Tasks {...p} />
        {p.siteTraffic ? (
          <section class="card dash-traffic wide" aria-labelledby="dash-traffic-h">
            <h2 id="dash-traffic-h" class="sr-only">
              Site traffic
            </h2>
            <LineChart
              id="dash-traffic-chart"
              title="Site traffic, last 24 hours (uplinks)"
              series={p.siteTraffic}
              from={p.now - 86_400_000}
              to={p.now}
              tz={p.tz}
              width={960}
              compactWidth={520}
              height={190}
            />
          </section>
        ) : null}
        <TopTalkers {...p} />
        <Storage {...p} />
      </div>
    </div>
  );
}
