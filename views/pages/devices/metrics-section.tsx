import type { ChartSeries, Point, Threshold } from '../../charts/series.js';
import { LineChart, chartDomId } from '../../charts/line-chart.js';
import { Sparkline } from '../../charts/sparkline.js';
import { GaugeBar } from '../../charts/gauge-bar.js';
import { RangePicker, resolveRange, type RangeState } from '../../charts/range-picker.js';
import { formatClock, formatDateTime, formatDuration, formatValue } from '../../charts/scale.js';
import { daysToFullText } from '../dashboard-monitoring.js';
import { formatSpeed } from './format.js';

export type Reachability = 'up' | 'down' | 'unknown' | 'flapping';

/** Where a chart goes on the page; groups appear in this order. */
export type MetricsChartGroup =
  'traffic' | 'system' | 'storage' | 'environment' | 'power' | 'services' | 'other';

export const CHART_GROUPS: ReadonlyArray<{ id: MetricsChartGroup; title: string }> = [
  { id: 'traffic', title: 'Interface traffic and errors' },
  { id: 'system', title: 'CPU and memory' },
  { id: 'storage', title: 'Storage' },
  { id: 'environment', title: 'Temperatures' },
  { id: 'power', title: 'UPS' },
  { id: 'services', title: 'Service checks' },
  { id: 'other', title: 'Other measurements' },
];

export interface MetricsChart {
  /** Unique on the page; the chart's element id is `chart-<id>` (interfaces link to it). */
  id: string;
  title: string;
  /** One unit per chart. Traffic out has `negate: true`. */
  series: ChartSeries[];
  thresholds?: Threshold[] | undefined;
  yMax?: number | undefined;
  /** Default 'other'. */
  group?: MetricsChartGroup | undefined;
}

export interface MetricsInterface {
  ifIndex: number;
  name: string;
  alias: string;
  /** ifOperStatus as text: up, down, testing, dormant, notPresent, lowerLayerDown, unknown. */
  oper: string;
  speedBps?: number | undefined;
  /** Uplinks and ports an admin marked: listed first and charted. */
  important: boolean;
  inBps?: number | undefined;
  outBps?: number | undefined;
  /** The last hour of traffic (in + out, or in). */
  spark?: Point[] | undefined;
  /** The id of this interface's chart in `charts`, if it has one. */
  chartId?: string | undefined;
}

export interface MetricsSupply {
  descr: string;
  /** Level in percent; null when the printer does not say. */
  pct: number | null;
  /** black, cyan, magenta, yellow: drawn as a small swatch. */
  colour?: string | undefined;
  /** A waste container is bad when full; everything else when empty. */
  waste?: boolean | undefined;
}

export interface MetricsStorage {
  descr: string;
  usedPct: number | null;
  usedBytes?: number | undefined;
  sizeBytes?: number | undefined;
  daysToFull?: number | undefined;
}

export interface MetricsUps {
  onBattery: boolean | null;
  batteryPct?: number | null | undefined;
  runtimeMin?: number | null | undefined;
  loadPct?: number | null | undefined;
}

export interface MetricsStatus {
  state: Reachability;
  /** ISO-8601: when the state began. */
  since?: string | undefined;
  rttMs?: number | null | undefined;
  /** ISO-8601 time of the last poll, and how long it took. */
  lastPollAt?: string | undefined;
  pollMs?: number | undefined;
  uptimeS?: number | undefined;
  /** Why, in a sentence: "SNMP timed out (SNMP_TIMEOUT)". */
  message?: string | undefined;
}

export interface DeviceMetricsProps {
  deviceId: string;
  tz: string;
  now: number;
  range: RangeState;
  /** The URL the range picker points at; default the device page. */
  baseUrl?: string | undefined;
  status: MetricsStatus;
  charts: MetricsChart[];
  interfaces: MetricsInterface[];
  supplies?: MetricsSupply[] | undefined;
  storage?: MetricsStorage[] | undefined;
  ups?: MetricsUps | undefined;
}

export const METRICS_SECTION_ID = 'device-metrics';

const STATE_TEXT: Record<Reachability, string> = {
  up: 'Up',
  down: 'Down',
  unknown: 'Not known yet',
  flapping: 'Flapping',
};

const INK = new Set(['black', 'cyan', 'magenta', 'yellow']);

function parseTime(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
}

function num(v: number | null | undefined): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function StatusHeader(p: DeviceMetricsProps) {
  const s = p.status;
  const since = parseTime(s.since);
  const poll = parseTime(s.lastPollAt);
  const state = STATE_TEXT[s.state] ? s.state : 'unknown';
  return (
    <div class={`card mstatus st-${state}`}>
      <p class="mstate">
        <span class="state-dot" aria-hidden="true"></span>
        <strong>{STATE_TEXT[state]}</strong>
        {since !== undefined ? (
          <span class="muted">
            {' '}
            for {formatDuration(Math.max(0, p.now - since))}, since{' '}
            <time datetime={s.since}>{formatDateTime(since, p.tz)}</time>
          </span>
        ) : null}
      </p>
      {s.message ? <p class="mmessage">{s.message}</p> : null}
      <dl class="mfacts">
        <div>
          <dt>Round-trip</dt>
          <dd>{num(s.rttMs) === undefined ? '–' : formatValue(num(s.rttMs)!, 'ms')}</dd>
        </div>
        <div>
          <dt>Last poll</dt>
          <dd>
            {poll === undefined ? (
              'never'
            ) : (
              <time datetime={s.lastPollAt} title={formatDateTime(poll, p.tz, true)}>
                {formatClock(poll, p.tz, true)}
              </time>
            )}
            {num(s.pollMs) !== undefined ? (
              <span class="muted small"> took {formatValue(num(s.pollMs)!, 'ms')}</span>
            ) : null}
          </dd>
        </div>
        <div>
          <dt>Uptime</dt>
          <dd>{num(s.uptimeS) === undefined ? '–' : formatDuration(num(s.uptimeS)! * 1000)}</dd>
        </div>
      </dl>
    </div>
  );
}

function operClass(oper: string): string {
  return oper === 'up' ? 'up' : oper === 'down' || oper === 'lowerLayerDown' ? 'down' : 'other';
}

function Rate(props: { bps: number | undefined; speed: number | undefined }) {
  if (props.bps === undefined || !Number.isFinite(props.bps)) return <span class="muted">–</span>;
  const util =
    props.speed && props.speed > 0 ? Math.min(999, (props.bps / props.speed) * 100) : undefined;
  return (
    <>
      {formatValue(props.bps, 'bit/s')}
      {util !== undefined ? <span class="muted small"> {formatValue(util, '%')}</span> : null}
    </>
  );
}

function InterfaceRows(props: { rows: MetricsInterface[]; now: number }) {
  return (
    <>
      {props.rows.map((i) => (
        <tr class={i.important ? 'important' : undefined}>
          <td>
            {i.chartId ? (
              <a href={`#${chartDomId(i.name, `chart-${i.chartId}`)}`}>{i.name}</a>
            ) : (
              i.name
            )}
            {i.alias ? <div class="muted small">{i.alias}</div> : null}
          </td>
          <td class="nowrap">
            <span class={`ifstate ${operClass(i.oper)}`}>
              <span class="dot" aria-hidden="true"></span>
              {i.oper}
            </span>
          </td>
          <td class="nowrap">{formatSpeed(i.speedBps)}</td>
          <td class="num nowrap">
            <Rate bps={i.inBps} speed={i.speedBps} />
          </td>
          <td class="num nowrap">
            <Rate bps={i.outBps} speed={i.speedBps} />
          </td>
          <td>
            {i.spark ? (
              <Sparkline
                points={i.spark}
                label={`${i.name} traffic, last hour`}
                unit="bit/s"
                from={props.now - 3_600_000}
                to={props.now}
              />
            ) : null}
          </td>
        </tr>
      ))}
    </>
  );
}

function Interfaces(p: DeviceMetricsProps) {
  if (!p.interfaces.length) return null;
  const important = p.interfaces.filter((i) => i.important);
  const others = p.interfaces.filter((i) => !i.important);
  const head = (
    <thead>
      <tr>
        <th scope="col">Interface</th>
        <th scope="col">Status</th>
        <th scope="col">Speed</th>
        <th scope="col" class="num">
          In
        </th>
        <th scope="col" class="num">
          Out
        </th>
        <th scope="col">Last hour</th>
      </tr>
    </thead>
  );
  return (
    <section class="card" id="metrics-interfaces" aria-labelledby="metrics-interfaces-h">
      <div class="card-head">
        <h3 id="metrics-interfaces-h">Interface traffic now</h3>
        <span class="muted small">
          {important.length ? `${important.length} watched` : ''}
          {important.length && others.length ? ' · ' : ''}
          {others.length ? `${others.length} other` : ''}
        </span>
      </div>
      {important.length ? (
        <div class="table-scroll">
          <table class="table compact ifmetrics">
            {head}
            <tbody>
              <InterfaceRows rows={important} now={p.now} />
            </tbody>
          </table>
        </div>
      ) : null}
      {others.length ? (
        <details class="more-interfaces" open={!important.length && others.length <= 8}>
          <summary>
            {important.length ? `Show ${others.length} other interfaces` : 'Show interfaces'}
          </summary>
          <div class="table-scroll">
            <table class="table compact ifmetrics">
              {head}
              <tbody>
                <InterfaceRows rows={others} now={p.now} />
              </tbody>
            </table>
          </div>
        </details>
      ) : null}
    </section>
  );
}

function storageDetail(s: MetricsStorage): string | undefined {
  const parts: string[] = [];
  if (num(s.usedBytes) !== undefined && num(s.sizeBytes) !== undefined)
    parts.push(`${formatValue(s.usedBytes!, 'B')} of ${formatValue(s.sizeBytes!, 'B')}`);
  const full = daysToFullText(s.daysToFull);
  if (full) parts.push(full);
  return parts.length ? parts.join(' · ') : undefined;
}

function Levels(p: DeviceMetricsProps) {
  const storage = p.storage ?? [];
  const supplies = p.supplies ?? [];
  const ups = p.ups;
  if (!storage.length && !supplies.length && !ups) return null;
  return (
    <div class="grid two levels">
      {storage.length ? (
        <section class="card" aria-labelledby="metrics-storage-h">
          <h3 id="metrics-storage-h">Storage</h3>
          <div class="gauges">
            {storage.map((s) => (
              <GaugeBar label={s.descr} value={s.usedPct} detail={storageDetail(s)} />
            ))}
          </div>
        </section>
      ) : null}
      {supplies.length ? (
        <section class="card" aria-labelledby="metrics-supplies-h">
          <h3 id="metrics-supplies-h">Supplies</h3>
          <div class="gauges">
            {supplies.map((s) => {
              const ink = s.colour?.toLowerCase();
              return (
                <div class={ink && INK.has(ink) ? `supply ink-${ink}` : 'supply'}>
                  <GaugeBar
                    label={s.descr}
                    value={s.pct}
                    bad={s.waste ? 'high' : 'low'}
                    warnAt={s.waste ? 80 : 20}
                    critAt={s.waste ? 95 : 5}
                  />
                </div>
              );
            })}
          </div>
        </section>
      ) : null}
      {ups ? (
        <section class="card" aria-labelledby="metrics-ups-h">
          <div class="card-head">
            <h3 id="metrics-ups-h">UPS</h3>
            {ups.onBattery === true ? (
              <span class="pill on-battery">on battery</span>
            ) : ups.onBattery === false ? (
              <span class="pill ok">on mains</span>
            ) : null}
          </div>
          <div class="gauges">
            <GaugeBar
              label="Battery charge"
              value={ups.batteryPct}
              bad="low"
              warnAt={50}
              critAt={20}
              detail={
                num(ups.runtimeMin) !== undefined
                  ? `about ${formatValue(num(ups.runtimeMin)!, 'min')} of runtime left`
                  : undefined
              }
            />
            <GaugeBar label="Load" value={ups.loadPct} warnAt={80} critAt={90} />
          </div>
        </section>
      ) : null}
    </div>
  );
}

/**
 * The monitoring part of a device page: the reachability state, the time-range picker, current
 * levels (storage, supplies, UPS), interface traffic now, and the charts of the chosen period by
 * group. The range picker replaces this whole section with htmx; without it, it reloads the page.
 */
export function DeviceMetricsSection(p: DeviceMetricsProps) {
  const { from, to } = resolveRange(p.range, p.now);
  const baseUrl = p.baseUrl ?? `/devices/${encodeURIComponent(p.deviceId)}`;
  const groups = CHART_GROUPS.map((g) => ({
    ...g,
    charts: p.charts.filter((c) => (c.group ?? 'other') === g.id),
  })).filter((g) => g.charts.length);
  const nothing =
    !p.charts.length && !p.interfaces.length && !p.storage?.length && !p.supplies?.length && !p.ups;
  return (
    <section id={METRICS_SECTION_ID} class="metrics" aria-labelledby="device-metrics-h">
      <div class="metrics-head">
        <h2 id="device-metrics-h">Monitoring</h2>
        <RangePicker
          baseUrl={baseUrl}
          current={p.range}
          target={`#${METRICS_SECTION_ID}`}
          tz={p.tz}
          now={p.now}
          anchor={METRICS_SECTION_ID}
        />
      </div>
      <StatusHeader {...p} />
      {p.ups?.onBattery ? (
        <p class="notice warn">
          This UPS is running on battery
          {num(p.ups.runtimeMin) !== undefined
            ? `: about ${formatValue(num(p.ups.runtimeMin)!, 'min')} left.`
            : '.'}
        </p>
      ) : null}
      {nothing ? (
        <p class="empty-line">
          Nothing measured yet. Charts appear here after the first polls of this device.
        </p>
      ) : null}
      <Levels {...p} />
      <Interfaces {...p} />
      {groups.map((g) => (
        <section class="chart-group" aria-labelledby={`metrics-g-${g.id}`}>
          <h3 id={`metrics-g-${g.id}`}>{g.title}</h3>
          <div class="chart-grid">
            {g.charts.map((c) => (
              <div class="card chart-card">
                <LineChart
                  id={`chart-${c.id}`}
                  title={c.title}
                  series={c.series}
                  thresholds={c.thresholds}
                  yMax={c.yMax}
                  from={from}
                  to={to}
                  tz={p.tz}
                  width={520}
                  height={200}
                />
              </div>
            ))}
          </div>
        </section>
      ))}
    </section>
  );
}
