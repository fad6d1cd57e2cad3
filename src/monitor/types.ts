/**
 * The shared vocabulary of monitoring: what a poll measures, what the metrics store keeps and
 * what the rules look at. Pollers produce samples, the metrics store stores them as series, the
 * rule engine turns a device's latest observation into alerts (events).
 */

/** Every metric the appliance records, with its unit (shown in charts and the API). */
export const METRICS = {
  'reach.up': { unit: 'bool', title: 'Reachable' },
  'reach.rtt_ms': { unit: 'ms', title: 'Round-trip time' },
  'poll.ms': { unit: 'ms', title: 'SNMP poll time' },
  'uptime.s': { unit: 's', title: 'Uptime' },
  'if.in_bps': { unit: 'bit/s', title: 'Traffic in' },
  'if.out_bps': { unit: 'bit/s', title: 'Traffic out' },
  'if.in_util_pct': { unit: '%', title: 'Utilisation in' },
  'if.out_util_pct': { unit: '%', title: 'Utilisation out' },
  'if.in_ucast_pps': { unit: 'pkt/s', title: 'Unicast packets in' },
  'if.out_ucast_pps': { unit: 'pkt/s', title: 'Unicast packets out' },
  'if.in_nucast_pps': { unit: 'pkt/s', title: 'Broadcast/multicast in' },
  'if.out_nucast_pps': { unit: 'pkt/s', title: 'Broadcast/multicast out' },
  'if.in_errors_ps': { unit: '/s', title: 'Input errors' },
  'if.out_errors_ps': { unit: '/s', title: 'Output errors' },
  'if.in_discards_ps': { unit: '/s', title: 'Input discards' },
  'if.out_discards_ps': { unit: '/s', title: 'Output discards' },
  'if.oper_up': { unit: 'bool', title: 'Link up' },
  'cpu.load_pct': { unit: '%', title: 'CPU load' },
  'mem.used_pct': { unit: '%', title: 'Memory used' },
  'storage.used_pct': { unit: '%', title: 'Storage used' },
  'storage.used_bytes': { unit: 'B', title: 'Storage used' },
  'printer.supply_pct': { unit: '%', title: 'Supply level' },
  'ups.on_battery': { unit: 'bool', title: 'On battery' },
  'ups.battery_pct': { unit: '%', title: 'Battery charge' },
  'ups.runtime_min': { unit: 'min', title: 'Runtime left' },
  'ups.load_pct': { unit: '%', title: 'UPS load' },
  'sensor.temp_c': { unit: '°C', title: 'Temperature' },
  'svc.up': { unit: 'bool', title: 'Check passing' },
  'svc.rtt_ms': { unit: 'ms', title: 'Response time' },
  'svc.cert_days': { unit: 'days', title: 'Certificate valid for' },
} as const;

export type MetricName = keyof typeof METRICS;

export function isMetricName(s: string): s is MetricName {
  return Object.hasOwn(METRICS, s);
}

/**
 * One measured value. `instance` names what on the device was measured: an ifIndex for interface
 * metrics, a storage/supply/sensor index, a service check id, or '' for device-wide metrics.
 */
export interface Sample {
  metric: MetricName;
  instance: string;
  value: number;
}

/** A series is one metric of one instance of one device. */
export interface SeriesKey {
  deviceId: string;
  metric: MetricName;
  instance: string;
}

export function seriesId(k: SeriesKey): string {
  return `${k.deviceId}~${k.metric}~${k.instance}`;
}
