import type { LatestReader, MetricsStore } from '../store/metrics.js';
import type { DeviceRecord } from '../store/types.js';
import type { MetricName } from '../monitor/types.js';
import type { ReachStatus } from '../monitor/reachability.js';
import type { DeviceSeries } from '../store/series-index.js';
import { labelSet, utf8, MAX_LABEL_LENGTH, type ExpositionWriter } from './exposition.js';
import type { DeviceInterfaces } from './interface-labels.js';

/**
 * Device and interface samples written per scrape at most: 1,000 devices with 48 ports each and
 * every family stay well inside it. Past it the rest is left out and counted
 * (caretaker_scrape_series_dropped; the interface families come last, so they are cut first),
 * so a runaway inventory cannot make the page unbounded.
 */
export const MAX_DEVICE_SERIES = 500_000;
/** Volumes (hrStorage rows) of one device exported at most. */
const MAX_STORAGE_PER_DEVICE = 64;

interface Scaled {
  name: string;
  metric: MetricName;
  help: string;
  /** Multiplies the stored value into the exported unit (percent → ratio, bit/s → byte/s). */
  scale: number;
  digits: number;
}

const INTERFACE_FAMILIES: readonly Scaled[] = [
  {
    name: 'caretaker_interface_up',
    metric: 'if.oper_up',
    help: 'Operational status of the interface at the last SNMP poll (1 up, 0 not up).',
    scale: 1,
    digits: 0,
  },
  {
    name: 'caretaker_interface_receive_bytes_per_second',
    metric: 'if.in_bps',
    help: 'Bytes received per second over the last SNMP poll interval.',
    scale: 1 / 8,
    digits: 1,
  },
  {
    name: 'caretaker_interface_transmit_bytes_per_second',
    metric: 'if.out_bps',
    help: 'Bytes sent per second over the last SNMP poll interval.',
    scale: 1 / 8,
    digits: 1,
  },
  {
    name: 'caretaker_interface_receive_errors_per_second',
    metric: 'if.in_errors_ps',
    help: 'Inbound packets with errors per second over the last SNMP poll interval.',
    scale: 1,
    digits: 4,
  },
  {
    name: 'caretaker_interface_transmit_errors_per_second',
    metric: 'if.out_errors_ps',
    help: 'Outbound packets with errors per second over the last SNMP poll interval.',
    scale: 1,
    digits: 4,
  },
  {
    name: 'caretaker_interface_receive_discards_per_second',
    metric: 'if.in_discards_ps',
    help: 'Inbound packets discarded per second over the last SNMP poll interval.',
    scale: 1,
    digits: 4,
  },
  {
    name: 'caretaker_interface_transmit_discards_per_second',
    metric: 'if.out_discards_ps',
    help: 'Outbound packets discarded per second over the last SNMP poll interval.',
    scale: 1,
    digits: 4,
  },
];

const DEVICE_FAMILIES: readonly Scaled[] = [
  {
    name: 'caretaker_device_rtt_seconds',
    metric: 'reach.rtt_ms',
    help: 'Round-trip time of the last reachability probe that was answered.',
    scale: 1 / 1000,
    digits: 6,
  },
  {
    name: 'caretaker_device_uptime_seconds',
    metric: 'uptime.s',
    help: 'Uptime the device reported at the last SNMP poll.',
    scale: 1,
    digits: 0,
  },
  {
    name: 'caretaker_device_cpu_usage_ratio',
    metric: 'cpu.load_pct',
    help: 'CPU load of the device at the last SNMP poll (0 to 1).',
    scale: 1 / 100,
    digits: 4,
  },
  {
    name: 'caretaker_device_memory_usage_ratio',
    metric: 'mem.used_pct',
    help: 'Memory in use on the device at the last SNMP poll (0 to 1).',
    scale: 1 / 100,
    digits: 4,
  },
];

/** What the exporter keeps of a device record for a scrape. */
export type DeviceSummary = Pick<DeviceRecord, 'id' | 'name' | 'type' | 'ip' | 'lastScanId'>;

export function summaryOf(d: DeviceRecord): DeviceSummary {
  return { id: d.id, name: d.name, type: d.type, ip: d.ip, lastScanId: d.lastScanId };
}

export interface DeviceFamiliesInput {
  devices: readonly DeviceSummary[];
  statuses: ReadonlyMap<string, ReachStatus>;
  interfaces: ReadonlyMap<string, DeviceInterfaces>;
  metrics: Pick<MetricsStore, 'index' | 'latest'>;
  /** Where each interface's series are, kept between scrapes (owned by the exporter). */
  columns: InterfaceColumns;
  /** Latest values older than this (seconds since the epoch) are not "now" and are left out. */
  freshAfterS: number;
  maxSeries?: number;
}

/**
 * The metrics-store column of each exported interface's series, per interface family: looked up
 * once and kept while the device's interface list and series index stay the same, so a scrape
 * reads values by column number instead of 170,000 lookups by name.
 */
export class InterfaceColumns {
  private readonly cache = new WeakMap<
    DeviceInterfaces,
    { idx: DeviceSeries; next: number; cols: Int32Array }
  >();

  /** Column of interface i for family n at cols[n × count + i]; −1 where there is none. */
  of(ifs: DeviceInterfaces, idx: DeviceSeries): Int32Array {
    const hit = this.cache.get(ifs);
    if (hit && hit.idx === idx && hit.next === idx.next) return hit.cols;
    const count = ifs.indexes.length;
    const cols = new Int32Array(INTERFACE_FAMILIES.length * count).fill(-1);
    INTERFACE_FAMILIES.forEach((f, n) => {
      const byInstance = idx.instancesOf(f.metric);
      if (byInstance)
        for (let i = 0; i < count; i++) cols[n * count + i] = byInstance.get(ifs.indexes[i]!) ?? -1;
    });
    this.cache.set(ifs, { idx, next: idx.next, cols });
    return cols;
  }
}

const INTERFACE_NAMES = INTERFACE_FAMILIES.map((f) => utf8(f.name));

/** What one device has in the metrics store, looked up once per scrape. */
interface DeviceSeriesView {
  device: DeviceSummary;
  /** `{device="…"}` */
  own: string;
  idx: DeviceSeries;
  latest: LatestReader;
  /** The latest value of a column, when it is fresh. */
  fresh(c: number | undefined): number | undefined;
}

/**
 * Writes the per-device families into `out`, from what the services keep in memory: the
 * inventory's devices and interface names, the monitor's reachability states and the metrics
 * store's latest value of each series. Label values are device ids, names, types and addresses,
 * interface and volume names, all bounded by the inventory; nothing a sender on the network
 * chooses. Returns how many samples the cap left out.
 */
export function renderDeviceFamilies(input: DeviceFamiliesInput, out: ExpositionWriter): number {
  const max = input.maxSeries ?? MAX_DEVICE_SERIES;
  let written = 0;
  let dropped = 0;
  const room = () => {
    if (written < max) {
      written += 1;
      return true;
    }
    dropped += 1;
    return false;
  };
  const views: DeviceSeriesView[] = [];
  for (const device of input.devices) {
    const idx = input.metrics.index(device.id);
    if (!idx) continue;
    const latest = input.metrics.latest(device.id);
    const after = input.freshAfterS;
    views.push({
      device,
      own: labelSet([['device', device.id]]),
      idx,
      latest,
      fresh: (c) => {
        const v = c === undefined || c < 0 ? Number.NaN : latest.valueSince(c, after);
        return Number.isNaN(v) ? undefined : v;
      },
    });
  }

  out.family(
    'caretaker_device_info',
    'A device of the inventory (always 1): its name, type and address, to join on `device`.',
  );
  for (const d of input.devices) {
    if (!room()) continue;
    const labels = labelSet([
      ['device', d.id],
      ['name', d.name],
      ['type', d.type],
      ['ip', d.ip],
    ]);
    out.textLine('caretaker_device_info', labels, 1);
  }
  out.family(
    'caretaker_device_up',
    'Whether the device is reachable (1 up, 0 down or flapping); absent before its first verdict.',
  );
  for (const d of input.devices) {
    const status = input.statuses.get(d.id) ?? 'unknown';
    if (status === 'unknown' || !room()) continue;
    const labels = labelSet([
      ['device', d.id],
      ['name', d.name],
      ['type', d.type],
    ]);
    out.textLine('caretaker_device_up', labels, status === 'up' ? 1 : 0, 0);
  }
  for (const f of DEVICE_FAMILIES) {
    out.family(f.name, f.help);
    for (const v of views) {
      const value = v.fresh(v.idx.find(f.metric, ''));
      if (value !== undefined && room()) out.textLine(f.name, v.own, value * f.scale, f.digits);
    }
  }

  const volumes = views.map(volumesOf);
  out.family(
    'caretaker_device_storage_usage_ratio',
    'Share of a volume (hrStorage) in use at the last SNMP poll (0 to 1).',
  );
  for (const list of volumes)
    for (const vol of list)
      if (room()) out.textLine('caretaker_device_storage_usage_ratio', vol.labels, vol.ratio, 4);
  out.family(
    'caretaker_device_storage_used_bytes',
    'Bytes in use on a volume (hrStorage) at the last SNMP poll.',
  );
  for (const list of volumes)
    for (const vol of list)
      if (vol.bytes !== undefined && room())
        out.textLine('caretaker_device_storage_used_bytes', vol.labels, vol.bytes, 0);

  const after = input.freshAfterS;
  INTERFACE_FAMILIES.forEach((f, n) => {
    out.family(f.name, f.help);
    const name = INTERFACE_NAMES[n]!;
    for (const v of views) {
      const ifs = input.interfaces.get(v.device.id);
      const count = ifs?.indexes.length ?? 0;
      if (!ifs || count === 0) continue;
      const cols = input.columns.of(ifs, v.idx);
      for (let i = 0, k = n * count; i < count; i++, k++) {
        const c = cols[k]!;
        if (c < 0) continue;
        const value = v.latest.valueSince(c, after);
        if (!Number.isNaN(value) && room()) out.line(name, ifs.sets[i]!, value * f.scale, f.digits);
      }
    }
  });
  out.family(
    'caretaker_scrape_series_dropped',
    'Device and interface samples left out of this scrape by the per-scrape cap.',
  );
  out.textLine('caretaker_scrape_series_dropped', '', dropped, 0);
  return dropped;
}

/** A device's volumes with fresh values; names made unique (they label the series). */
function volumesOf(v: DeviceSeriesView): Array<{ labels: string; ratio: number; bytes?: number }> {
  const used = v.idx.instancesOf('storage.used_pct');
  if (!used) return [];
  const bytes = v.idx.instancesOf('storage.used_bytes');
  const seen = new Set<string>();
  const out: Array<{ labels: string; ratio: number; bytes?: number }> = [];
  for (const [instance, c] of used) {
    if (seen.size >= MAX_STORAGE_PER_DEVICE) break;
    const ratio = v.fresh(c);
    if (ratio === undefined) continue;
    let name = (v.idx.labelOf(c) || instance).slice(0, MAX_LABEL_LENGTH);
    if (seen.has(name)) name = `${name.slice(0, MAX_LABEL_LENGTH - 12)} #${instance}`;
    if (seen.has(name)) continue;
    seen.add(name);
    const b = v.fresh(bytes?.get(instance));
    out.push({
      labels: labelSet([
        ['device', v.device.id],
        ['storage', name],
      ]),
      ratio: ratio / 100,
      ...(b !== undefined ? { bytes: b } : {}),
    });
  }
  return out;
}
