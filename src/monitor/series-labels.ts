/**
 * Names people read beside a series (pure): a sample's instance is an index ("10148", "31",
 * "1.5"); the poll that produced it knows what that index is called on the device.
 */
import type { DevicePoll } from './poll-types.js';
import { UPS_BATTERY_SENSOR } from './rates.js';
import type { MetricName } from './types.js';

export interface SeriesLabels {
  /** ifIndex → "Gi1/0/48 (uplink)" */
  if: Record<string, string>;
  /** hrStorageIndex → "/srv" */
  storage: Record<string, string>;
  /** supply index → "Black Toner Cartridge" */
  supply: Record<string, string>;
  /** entPhysicalIndex (or the UPS battery) → "Chassis inlet" */
  sensor: Record<string, string>;
}

export type LabelFamily = keyof SeriesLabels;

export function labelsOf(poll: DevicePoll): SeriesLabels {
  const out: SeriesLabels = { if: {}, storage: {}, supply: {}, sensor: {} };
  for (const i of poll.interfaces) {
    out.if[String(i.ifIndex)] = i.alias ? `${i.name} (${i.alias})` : i.name;
  }
  for (const s of poll.storage) out.storage[s.index] = s.descr;
  for (const s of poll.supplies) out.supply[s.index] = s.descr;
  for (const s of poll.sensors) out.sensor[s.index] = s.descr;
  if (poll.ups?.tempC !== undefined) out.sensor[UPS_BATTERY_SENSOR] = 'UPS battery';
  return out;
}

/** Which labels a metric's instances take; undefined for device-wide metrics. */
export function labelFamily(metric: MetricName): LabelFamily | undefined {
  if (metric.startsWith('if.')) return 'if';
  if (metric.startsWith('storage.')) return 'storage';
  if (metric === 'printer.supply_pct') return 'supply';
  if (metric === 'sensor.temp_c') return 'sensor';
  return undefined;
}
