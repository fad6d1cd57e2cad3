import type { Store } from '../store/store.js';
import type { DeviceRecord } from '../store/types.js';
import type { MetricsService, SeriesInfo } from './metrics-service.js';
import type { MonitorService } from './monitor-service.js';
import type { InterfaceMarkService } from './interface-mark-service.js';
import type { RuleService } from './rule-service.js';
import { effectiveRule, type Rule } from './rules.js';
import type { MetricName } from './types.js';
// The view's props are the contract of what the device page shows; this module is its data side.
import type {
  DeviceMetricsProps,
  MetricsChart,
  MetricsChartGroup,
  MetricsInterface,
  MetricsStorage,
  MetricsSupply,
  MetricsUps,
} from '../../views/pages/devices/metrics-section.js';
import type { ChartSeries, Point, Threshold } from '../../views/charts/series.js';
import type { RangeState } from '../../views/charts/range-picker.js';
import { compareText } from '../lib/collate.js';

/** The period to draw: the range as chosen, and the times it stands for at `now`. */
export interface ChartPeriod {
  range: RangeState;
  from: number;
  to: number;
  now: number;
}

const HOUR = 3_600_000;
/**
 * Points per series at most, so the store picks the tier that fits the period: raw for an hour,
 * 5-minute averages for a day, hourly ones for a week and a month (720), daily ones for a year.
 * A month in daily averages (a cap of 600) would be 30 points, too coarse to see a working day.
 */
const MAX_POINTS = 750;
/**
 * A 48-port switch would otherwise draw 48 traffic charts: the important interfaces and the
 * busiest others get one, the rest stay in the table.
 */
export const MAX_INTERFACE_CHARTS = 16;

export interface DeviceChartsDeps {
  store: Store;
  metrics: MetricsService;
  monitor: MonitorService;
  interfaceMarks: InterfaceMarkService;
  rules: RuleService;
  pollIntervalS: number;
}

export type DeviceChartsData = Omit<DeviceMetricsProps, 'tz' | 'baseUrl'>;

/** Series of one device by metric, then by instance. */
type ByMetric = Map<MetricName, Map<string, SeriesInfo>>;

const INK = /\b(black|cyan|magenta|yellow)\b/i;

function numericOrder(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  return Number.isFinite(x) && Number.isFinite(y) ? x - y : compareText(a, b);
}

function instancesOf(by: ByMetric, metric: MetricName): SeriesInfo[] {
  return [...(by.get(metric)?.values() ?? [])].sort((a, b) => numericOrder(a.instance, b.instance));
}

function latest(by: ByMetric, metric: MetricName, instance = ''): number | undefined {
  return by.get(metric)?.get(instance)?.last?.value;
}

function hasData(s: ChartSeries): boolean {
  return s.points.some((p) => p.avg !== null);
}

/**
 * Builds the monitoring section of a device page: its reachability, current levels, interface
 * traffic now and the charts of the chosen period, each series read from the tier that fits the
 * period. Charts without any data in the period are left out, except the traffic of watched
 * interfaces (an empty chart there says the link carried nothing, or was not polled).
 */
export class DeviceCharts {
  constructor(private readonly deps: DeviceChartsDeps) {}

  async build(device: DeviceRecord, period: ChartPeriod): Promise<DeviceChartsData> {
    const { metrics, monitor, interfaceMarks, store } = this.deps;
    const { range, from, to, now } = period;
    const by: ByMetric = new Map();
    for (const s of metrics.list(device.id)) {
      let m = by.get(s.metric);
      if (!m) by.set(s.metric, (m = new Map()));
      m.set(s.instance, s);
    }
    const [live, ifs, marks, snapshot] = await Promise.all([
      monitor.status(device.id),
      store.devices.interfacesOf(device.id),
      interfaceMarks.list(device.id),
      this.deps.rules.snapshot(),
    ]);
    const thresholdsOf = (metric: MetricName): Threshold[] =>
      thresholds(
        snapshot.rules.map((r) => effectiveRule(r, snapshot.index, device)),
        metric,
      );
    const query = async (s: SeriesInfo | undefined, f = from, t = to): Promise<Point[]> => {
      if (!s) return [];
      try {
        return (await metrics.query(s.id, f, t, { maxPoints: MAX_POINTS })).points;
      } catch {
        // The series was forgotten between listing and reading (the device was just deleted).
        return [];
      }
    };
    const line = async (
      s: SeriesInfo,
      label: string,
      extra: Partial<ChartSeries> = {},
    ): Promise<ChartSeries> => ({ label, unit: s.unit, points: await query(s), ...extra });

    const interfaces = this.interfaces(ifs, marks, by, now);
    const charted = interfaces.filter((i) => i.chartId !== undefined);
    const ifCharts = await Promise.all(
      charted.map(async (i) => {
        const key = String(i.ifIndex);
        const get = (m: MetricName) => by.get(m)?.get(key);
        const [inS, outS, spark, errs] = await Promise.all([
          get('if.in_bps') ? line(get('if.in_bps')!, 'In') : undefined,
          get('if.out_bps') ? line(get('if.out_bps')!, 'Out', { negate: true }) : undefined,
          this.spark([get('if.in_bps'), get('if.out_bps')], now),
          Promise.all(
            (
              [
                ['if.in_errors_ps', 'Input errors', false],
                ['if.out_errors_ps', 'Output errors', true],
                ['if.in_discards_ps', 'Input discards', false],
                ['if.out_discards_ps', 'Output discards', true],
              ] as const
            )
              .filter(([m]) => get(m))
              .map(([m, label, negate]) => line(get(m)!, label, negate ? { negate } : {})),
          ),
        ]);
        i.spark = spark;
        const out: MetricsChart[] = [
          {
            id: i.chartId!,
            title: `${i.name} traffic`,
            group: 'traffic',
            series: [inS, outS].filter((x): x is ChartSeries => x !== undefined),
          },
        ];
        // Most links never see an error: an all-zero chart per port would only add noise.
        if (errs.some((s) => s.points.some((p) => (p.max ?? p.avg ?? 0) > 0)))
          out.push({
            id: `${i.chartId!}-errors`,
            title: `${i.name} errors and discards`,
            group: 'traffic',
            series: errs,
          });
        return out;
      }),
    );

    const perInstance = async (
      id: string,
      title: string,
      group: MetricsChartGroup,
      metric: MetricName,
      name: (s: SeriesInfo) => string,
      opts: { yMax?: number } = {},
    ): Promise<MetricsChart | undefined> => {
      const list = instancesOf(by, metric);
      if (!list.length) return undefined;
      const series = await Promise.all(list.map((s) => line(s, name(s))));
      if (!series.some(hasData)) return undefined;
      const th = thresholdsOf(metric);
      return {
        id,
        title,
        group,
        series,
        ...(th.length ? { thresholds: th } : {}),
        ...(opts.yMax !== undefined ? { yMax: opts.yMax } : {}),
      };
    };
    const named = (fallback: string) => (s: SeriesInfo) =>
      s.label ?? (s.instance ? `${fallback} ${s.instance}` : fallback);

    const others = await Promise.all([
      perInstance('cpu', 'CPU load', 'system', 'cpu.load_pct', named('CPU')),
      perInstance('memory', 'Memory used', 'system', 'mem.used_pct', named('Memory')),
      perInstance('storage', 'Storage used', 'storage', 'storage.used_pct', named('Volume')),
      perInstance('temperature', 'Temperatures', 'environment', 'sensor.temp_c', named('Sensor')),
      perInstance('ups-battery', 'Battery charge', 'power', 'ups.battery_pct', () => 'Charge'),
      perInstance('ups-load', 'UPS load', 'power', 'ups.load_pct', () => 'Load'),
      perInstance('ups-runtime', 'Runtime left', 'power', 'ups.runtime_min', () => 'Runtime'),
      perInstance('ups-on-battery', 'On battery', 'power', 'ups.on_battery', () => 'On battery'),
      perInstance(
        'svc-rtt',
        'Service check response time',
        'services',
        'svc.rtt_ms',
        (s) => s.label ?? `Check ${s.instance}`,
      ),
      perInstance('supplies', 'Supply levels', 'other', 'printer.supply_pct', named('Supply')),
      perInstance('reach-rtt', 'Round-trip time', 'other', 'reach.rtt_ms', () => 'Round-trip'),
      perInstance('poll-ms', 'SNMP poll time', 'other', 'poll.ms', () => 'Poll'),
    ]);

    const snmp = live.snmp;
    const ups = this.ups(by);
    return {
      deviceId: device.id,
      now,
      range,
      status: {
        state: live.reach,
        ...(live.since ? { since: live.since } : {}),
        ...(live.rttMs !== undefined ? { rttMs: live.rttMs } : {}),
        ...(snmp ? { lastPollAt: snmp.at, pollMs: snmp.pollMs } : {}),
        ...(latest(by, 'uptime.s') !== undefined ? { uptimeS: latest(by, 'uptime.s') } : {}),
        ...(snmp?.error ? { message: `${snmp.error.message} (${snmp.error.code})` } : {}),
      },
      charts: [...ifCharts.flat(), ...others.filter((c): c is MetricsChart => c !== undefined)],
      interfaces,
      storage: this.storage(by, monitor.forecastsOf(device.id)),
      supplies: this.supplies(by),
      ...(ups ? { ups } : {}),
    };
  }

  /** Inventory interfaces with their importance, rates now, and which of them get a chart. */
  private interfaces(
    ifs: Awaited<ReturnType<Store['devices']['interfacesOf']>>,
    marks: Awaited<ReturnType<InterfaceMarkService['list']>>,
    by: ByMetric,
    now: number,
  ): MetricsInterface[] {
    const freshAfter = now - Math.max(3 * this.deps.pollIntervalS * 1000, 5 * 60_000);
    const fresh = (m: MetricName, k: string) => {
      const l = by.get(m)?.get(k)?.last;
      return l && Date.parse(l.at) >= freshAfter ? l.value : undefined;
    };
    const important = new Map(marks.map((m) => [m.ifIndex, m.important]));
    const rows: MetricsInterface[] = ifs.map((i) => {
      const k = String(i.index);
      const operUp = fresh('if.oper_up', k);
      return {
        ifIndex: i.index,
        name: i.name || i.descr || `Interface ${i.index}`,
        alias: i.alias,
        oper: operUp === undefined ? i.operStatus : operUp >= 0.5 ? 'up' : 'down',
        ...(i.speedBps ? { speedBps: i.speedBps } : {}),
        important: important.get(k) ?? false,
        ...(fresh('if.in_bps', k) !== undefined ? { inBps: fresh('if.in_bps', k) } : {}),
        ...(fresh('if.out_bps', k) !== undefined ? { outBps: fresh('if.out_bps', k) } : {}),
      };
    });
    const candidates = rows
      .filter(
        (r) =>
          (r.important || r.oper === 'up') &&
          (by.get('if.in_bps')?.has(String(r.ifIndex)) ||
            by.get('if.out_bps')?.has(String(r.ifIndex))),
      )
      .sort(
        (a, b) =>
          Number(b.important) - Number(a.important) ||
          (b.inBps ?? 0) + (b.outBps ?? 0) - ((a.inBps ?? 0) + (a.outBps ?? 0)) ||
          a.ifIndex - b.ifIndex,
      )
      .slice(0, MAX_INTERFACE_CHARTS);
    for (const r of candidates) r.chartId = `if-${r.ifIndex}`;
    return rows;
  }

  /** The last hour of in + out, point by point (one poll writes both, so times match). */
  private async spark(series: Array<SeriesInfo | undefined>, now: number): Promise<Point[]> {
    const sums = new Map<number, number>();
    const answers = await Promise.all(
      series.map((s) =>
        s
          ? this.deps.metrics
              .query(s.id, now - HOUR, now, { maxPoints: 120 })
              .catch(() => undefined)
          : undefined,
      ),
    );
    for (const a of answers)
      for (const p of a?.points ?? []) sums.set(p.t, (sums.get(p.t) ?? 0) + p.avg);
    return [...sums].sort((a, b) => a[0] - b[0]).map(([t, avg]) => ({ t, avg }));
  }

  private storage(
    by: ByMetric,
    forecasts: Array<{ instance: string; daysToFull: number }>,
  ): MetricsStorage[] {
    return instancesOf(by, 'storage.used_pct').map((s) => {
      const usedPct = s.last?.value ?? null;
      const usedBytes = latest(by, 'storage.used_bytes', s.instance);
      // The poller stores used bytes and the percentage; the size follows from the two.
      const sizeBytes =
        usedBytes !== undefined && usedPct !== null && usedPct > 0
          ? (usedBytes * 100) / usedPct
          : undefined;
      const days = forecasts.find((f) => f.instance === s.instance)?.daysToFull;
      return {
        descr: s.label ?? `Volume ${s.instance}`,
        usedPct,
        ...(usedBytes !== undefined ? { usedBytes } : {}),
        ...(sizeBytes !== undefined ? { sizeBytes } : {}),
        ...(days !== undefined ? { daysToFull: days } : {}),
      };
    });
  }

  private supplies(by: ByMetric): MetricsSupply[] {
    return instancesOf(by, 'printer.supply_pct').map((s) => {
      const descr = s.label ?? `Supply ${s.instance}`;
      const ink = INK.exec(descr)?.[1]?.toLowerCase();
      return {
        descr,
        pct: s.last?.value ?? null,
        ...(ink ? { colour: ink } : {}),
        ...(/waste/i.test(descr) ? { waste: true } : {}),
      };
    });
  }

  private ups(by: ByMetric): MetricsUps | undefined {
    const keys = ['ups.on_battery', 'ups.battery_pct', 'ups.runtime_min', 'ups.load_pct'] as const;
    if (!keys.some((k) => by.has(k))) return undefined;
    const onBattery = latest(by, 'ups.on_battery');
    return {
      onBattery: onBattery === undefined ? null : onBattery >= 0.5,
      batteryPct: latest(by, 'ups.battery_pct') ?? null,
      runtimeMin: latest(by, 'ups.runtime_min') ?? null,
      loadPct: latest(by, 'ups.load_pct') ?? null,
    };
  }
}

/**
 * The alert levels of the rules that watch one metric on this device, as dashed lines. Rules
 * that add several metrics together (errors in + out) are left out: their level is not a level
 * of any single line on the chart.
 */
function thresholds(rules: Array<Rule & { applies: boolean }>, metric: MetricName): Threshold[] {
  const out: Threshold[] = [];
  for (const r of rules) {
    if (!r.applies || r.kind !== 'threshold' || r.threshold === undefined) continue;
    if (!r.metrics?.includes(metric) || (r.metrics.length > 1 && r.combine === 'sum')) continue;
    if (metric === 'ups.on_battery') continue;
    const level = (s: string) => (s === 'major' || s === 'critical' ? 'critical' : 'warning');
    out.push({ value: r.threshold, label: r.title, level: level(r.severity) });
    if (r.escalate)
      out.push({
        value: r.escalate.threshold,
        label: `${r.title} (${r.escalate.severity})`,
        level: level(r.escalate.severity),
      });
  }
  return out;
}
