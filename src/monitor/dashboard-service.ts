import type { Store } from '../store/store.js';
import type { Clock } from '../core/time.js';
import type { DeviceRecord } from '../store/types.js';
import type { MetricsService, SeriesInfo, SeriesPoint } from './metrics-service.js';
import type { MonitorService } from './monitor-service.js';
import type { AlertService } from './alert-service.js';
import type { InterfaceMarkService } from './interface-mark-service.js';
import type { InspectionService } from './inspection-service.js';
// The view's props are the contract of what the dashboard shows; this module is its data side.
import type { MonitoringDashboardProps } from '../../views/pages/dashboard-monitoring.js';
import type { ChartSeries, Point } from '../../views/charts/series.js';
import { compareText } from '../lib/collate.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Site traffic is summed per bucket of this width (the 5-minute tier). */
const BUCKET_S = 300;
const MAX_PROBLEMS = 8;
const MAX_TALKERS = 5;
const MAX_TASKS = 5;
const MAX_VOLUMES = 8;
export const NEARLY_FULL_PCT = 80;

export type DashboardData = Omit<MonitoringDashboardProps, 'siteName' | 'tz'>;

export interface DashboardDeps {
  store: Store;
  clock: Clock;
  metrics: MetricsService;
  monitor: MonitorService;
  alerts: AlertService;
  interfaceMarks: InterfaceMarkService;
  inspections: InspectionService;
  /** Latest values older than a few poll intervals are not "now". */
  pollIntervalS: number;
}

/** What the dashboard needs of one device's series, read from the in-memory latest values. */
interface DeviceSeries {
  device: DeviceRecord;
  /** ifIndex → its traffic series. */
  traffic: Map<string, { in?: SeriesInfo; out?: SeriesInfo }>;
  storage: SeriesInfo[];
}

function lastValue(s: SeriesInfo | undefined, freshAfter: number): number | undefined {
  if (!s?.last) return undefined;
  return Date.parse(s.last.at) >= freshAfter ? s.last.value : undefined;
}

/**
 * The dashboard writes the device's name as a link before the message; alert messages that
 * start with the name ("nas-01 is not reachable.") would say it twice.
 */
export function withoutName(message: string, deviceName: string): string {
  return deviceName && message.startsWith(`${deviceName} `)
    ? message.slice(deviceName.length + 1)
    : message;
}

/** Adds points into per-bucket sums (points are already aligned to the bucket start). */
function addInto(sums: Map<number, number>, points: readonly SeriesPoint[]): void {
  for (const p of points) {
    if (Number.isFinite(p.avg)) sums.set(p.t, (sums.get(p.t) ?? 0) + p.avg);
  }
}

/**
 * Builds the dashboard from what the services already keep: counts and latest values come from
 * memory (reachability states, the metrics store's latest values), so a box with hundreds of
 * devices answers quickly; only the few charts on the page read the store. Site traffic reads a
 * day of several series and changes once per bucket, so it is cached for the bucket.
 */
export class DashboardService {
  private trafficCache: { bucket: number; value: Promise<ChartSeries[] | undefined> } | undefined;

  constructor(private readonly deps: DashboardDeps) {}

  async build(): Promise<DashboardData> {
    const { store, clock, monitor, alerts, inspections } = this.deps;
    const now = clock.now();
    const [devices, states, active, due] = await Promise.all([
      store.devices.list(),
      monitor.statuses(),
      alerts.active(),
      inspections.dueSummary(now),
    ]);
    const counts = { total: devices.length, up: 0, down: 0, unknown: 0, flapping: 0 };
    for (const d of devices) counts[states.get(d.id) ?? 'unknown'] += 1;

    const { series, lastAt } = this.seriesOf(devices);
    const freshAfter = now - Math.max(3 * this.deps.pollIntervalS * 1000, 5 * 60_000);
    const [topTalkers, siteTraffic] = await Promise.all([
      this.topTalkers(series, now, freshAfter),
      this.siteTraffic(series, now),
    ]);
    return {
      now,
      devices: counts,
      problems: active.slice(0, MAX_PROBLEMS).map((a) => ({
        severity: a.severity,
        deviceId: a.deviceId,
        deviceName: a.deviceName,
        message: withoutName(a.message, a.deviceName),
        since: a.since,
      })),
      topTalkers,
      storageNearlyFull: this.storage(series),
      tasksDue: {
        overdue: due.counts.overdue,
        dueSoon: due.counts.due + due.counts.soon,
        items: due.tasks.slice(0, MAX_TASKS).map((t) => ({
          planId: t.planId,
          title: t.title,
          dueAt: t.dueAt,
          overdue: t.state === 'overdue',
          assignee: t.assigneeName,
        })),
      },
      siteTraffic,
      // The newest stored measurement: when polling stops, this stops moving.
      ...(lastAt > 0 ? { lastPollAt: new Date(lastAt).toISOString() } : {}),
    };
  }

  private seriesOf(devices: DeviceRecord[]): { series: DeviceSeries[]; lastAt: number } {
    const series: DeviceSeries[] = [];
    let lastAt = 0;
    for (const device of devices) {
      const infos = this.deps.metrics.list(device.id);
      if (!infos.length) continue;
      const entry: DeviceSeries = { device, traffic: new Map(), storage: [] };
      for (const s of infos) {
        if (s.last) lastAt = Math.max(lastAt, Date.parse(s.last.at));
        if (s.metric === 'if.in_bps' || s.metric === 'if.out_bps') {
          const t = entry.traffic.get(s.instance) ?? {};
          t[s.metric === 'if.in_bps' ? 'in' : 'out'] = s;
          entry.traffic.set(s.instance, t);
        } else if (s.metric === 'storage.used_pct') {
          entry.storage.push(s);
        }
      }
      series.push(entry);
    }
    return { series, lastAt };
  }

  private async topTalkers(
    series: DeviceSeries[],
    now: number,
    freshAfter: number,
  ): Promise<DashboardData['topTalkers']> {
    const ranked: Array<{
      device: DeviceRecord;
      ifIndex: string;
      label?: string | undefined;
      inBps: number;
      outBps: number;
      ids: string[];
    }> = [];
    for (const { device, traffic } of series) {
      for (const [ifIndex, t] of traffic) {
        const inBps = lastValue(t.in, freshAfter);
        const outBps = lastValue(t.out, freshAfter);
        if (inBps === undefined && outBps === undefined) continue;
        ranked.push({
          device,
          ifIndex,
          label: t.in?.label ?? t.out?.label,
          inBps: inBps ?? 0,
          outBps: outBps ?? 0,
          ids: [t.in?.id, t.out?.id].filter((x): x is string => x !== undefined),
        });
      }
    }
    ranked.sort(
      (a, b) =>
        b.inBps + b.outBps - (a.inBps + a.outBps) ||
        compareText(a.device.name, b.device.name) ||
        Number(a.ifIndex) - Number(b.ifIndex),
    );
    return Promise.all(
      ranked.slice(0, MAX_TALKERS).map(async (r) => ({
        deviceId: r.device.id,
        deviceName: r.device.name,
        ifName: r.label ?? (await this.ifName(r.device.id, r.ifIndex)),
        inBps: r.inBps,
        outBps: r.outBps,
        spark: await this.summed(r.ids, now - HOUR, now, { maxPoints: 120 }),
      })),
    );
  }

  /** A series without a label (written before the poller named it): the inventory's name. */
  private async ifName(deviceId: string, ifIndex: string): Promise<string> {
    const i = (await this.deps.store.devices.interfacesOf(deviceId)).find(
      (x) => String(x.index) === ifIndex,
    );
    return i?.name || i?.descr || `Interface ${ifIndex}`;
  }

  /** Several series added point by point (the same poll writes them all, so times match). */
  private async summed(
    ids: string[],
    from: number,
    to: number,
    opts: { maxPoints?: number; stepS?: number },
  ): Promise<Point[]> {
    const sums = new Map<number, number>();
    const answers = await Promise.all(
      ids.map((id) => this.deps.metrics.query(id, from, to, opts).catch(() => undefined)),
    );
    for (const a of answers) if (a) addInto(sums, a.points);
    return [...sums].sort((a, b) => a[0] - b[0]).map(([t, avg]) => ({ t, avg }));
  }

  /** Any age: a volume stays full while its device is unreachable, so no false all-clear. */
  private storage(series: DeviceSeries[]): DashboardData['storageNearlyFull'] {
    const out: DashboardData['storageNearlyFull'] = [];
    for (const { device, storage } of series) {
      if (!storage.length) continue;
      const forecasts = this.deps.monitor.forecastsOf(device.id);
      for (const s of storage) {
        const usedPct = s.last?.value;
        if (usedPct === undefined || usedPct < NEARLY_FULL_PCT) continue;
        out.push({
          deviceId: device.id,
          deviceName: device.name,
          descr: s.label ?? `Volume ${s.instance}`,
          usedPct,
          daysToFull: forecasts.find((f) => f.instance === s.instance)?.daysToFull,
        });
      }
    }
    out.sort((a, b) => b.usedPct - a.usedPct || compareText(a.deviceName, b.deviceName));
    return out.slice(0, MAX_VOLUMES);
  }

  /**
   * In and out of every uplink and important interface of the site over the last day, summed
   * per 5-minute bucket. A bucket where no interface has data stays a gap rather than a zero:
   * the box was off or polling stopped, and the chart must not claim the link was idle.
   */
  private async siteTraffic(
    series: DeviceSeries[],
    now: number,
  ): Promise<ChartSeries[] | undefined> {
    const bucket = Math.floor(now / (BUCKET_S * 1000));
    // The promise is kept, so dashboards refreshing at the same moment share one computation.
    if (this.trafficCache?.bucket !== bucket) {
      const value = this.computeSiteTraffic(series, now);
      this.trafficCache = { bucket, value };
      value.catch(() => {
        if (this.trafficCache?.value === value) this.trafficCache = undefined;
      });
    }
    return this.trafficCache.value;
  }

  private async computeSiteTraffic(
    series: DeviceSeries[],
    now: number,
  ): Promise<ChartSeries[] | undefined> {
    const { store, interfaceMarks } = this.deps;
    const ins: string[] = [];
    const outs: string[] = [];
    await Promise.all(
      series
        .filter((s) => s.traffic.size)
        .map(async ({ device, traffic }) => {
          const ifs = await store.devices.interfacesOf(device.id);
          const important = await interfaceMarks.importantSet(
            device.id,
            ifs.map((i) => ({ ifIndex: i.index, name: i.name, alias: i.alias, descr: i.descr })),
          );
          for (const ifIndex of important) {
            const t = traffic.get(ifIndex);
            if (t?.in) ins.push(t.in.id);
            if (t?.out) outs.push(t.out.id);
          }
        }),
    );
    if (!ins.length && !outs.length) return undefined;
    const stepMs = BUCKET_S * 1000;
    const from = Math.floor((now - DAY) / stepMs) * stepMs;
    const [inPts, outPts] = await Promise.all([
      this.summed(ins, from, now, { stepS: BUCKET_S }),
      this.summed(outs, from, now, { stepS: BUCKET_S }),
    ]);
    const withGaps = (pts: Point[]): Point[] => {
      const byT = new Map(pts.map((p) => [p.t, p.avg]));
      const out: Point[] = [];
      for (let t = from; t <= now; t += stepMs) out.push({ t, avg: byT.get(t) ?? null });
      return out;
    };
    return [
      { label: 'In', unit: 'bit/s', kind: 'area', points: withGaps(inPts) },
      { label: 'Out', unit: 'bit/s', kind: 'area', negate: true, points: withGaps(outPts) },
    ];
  }
}
