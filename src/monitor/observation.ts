import type { Sample } from './types.js';

/** Which parts of a device an observation speaks for (see DeviceObservation.covers). */
export interface ObservationCoverage {
  /** Interfaces, SNMP samples, reboot and forecasts were polled successfully this cycle. */
  snmp: boolean;
  /** Every service check of the device ran this cycle. */
  services: boolean;
}

export interface ObservedInterface {
  ifIndex: string;
  name: string;
  alias: string;
  adminUp: boolean;
  /** IF-MIB ifOperStatus as a word: up, down, testing, unknown, dormant, notPresent, lowerLayerDown. */
  oper: string;
  /** The poller thinks this port leads to other network gear (isImportant adds more reasons). */
  uplink: boolean;
}

/**
 * What the monitor knows about one device after one cycle: the input of the rule engine. The
 * pollers build it; the alert service turns it into alert events.
 */
export interface DeviceObservation {
  deviceId: string;
  deviceName: string;
  /** DeviceRecord.type: 'switch', 'router', 'server', 'nas', 'printer', 'ups', … */
  deviceType: string;
  /**
   * When it was measured, in ms. For each part it covers, an observation older than the last one
   * evaluated for that part is ignored (the reach, SNMP and service jobs finish in any order).
   */
  at: number;
  /** Left out when this cycle did not check reachability (device-down alerts stay as they are). */
  reach?: 'up' | 'down' | 'flapping' | 'unknown';
  /** The uptime went backwards in this poll. */
  rebooted?: boolean;
  /** The latest values: one per metric and instance. */
  samples: Sample[];
  interfaces: ObservedInterface[];
  /**
   * Human labels of instances: storage '/srv', supply 'Black Toner', check 'Intranet HTTPS'.
   * Keyed `<family>:<instance>` (family = the metric's prefix: 'storage:31', 'printer:1',
   * 'svc:chk1', 'sensor:2', 'cpu:196608'), because a storage and a supply can share an index; a
   * bare `<instance>` key is accepted as a fallback.
   */
  labels: Record<string, string>;
  /** Storage fill forecasts, computed by the monitor from history (see forecast.ts). */
  forecasts: Array<{ instance: string; daysToFull: number }>;
  /**
   * What this observation is complete for. A part it does not cover leaves its alerts as they are:
   * a reachability-only cycle or a failed SNMP poll must not clear disk alerts (nor raise them).
   * Only a covered part clears the alerts of instances it no longer reports. When left out, it is
   * inferred: snmp when there are interfaces, SNMP samples or a reboot flag; services when there
   * is any svc.* sample.
   */
  covers?: Partial<ObservationCoverage>;
}

const SNMP_FAMILIES = new Set([
  'if',
  'cpu',
  'mem',
  'storage',
  'printer',
  'ups',
  'sensor',
  'uptime',
]);

/** 'storage.used_pct' → 'storage'. */
export function metricFamily(metric: string): string {
  const dot = metric.indexOf('.');
  return dot < 0 ? metric : metric.slice(0, dot);
}

type MetricSourceName = 'reach' | 'snmp' | 'services' | 'other';
const SOURCE_OF = new Map<string, MetricSourceName>();

/** Which data source a metric comes from: the reachability check, an SNMP poll or a service check. */
export function metricSource(metric: string): MetricSourceName {
  let src = SOURCE_OF.get(metric);
  if (src === undefined) {
    const f = metricFamily(metric);
    src =
      f === 'reach' ? 'reach' : f === 'svc' ? 'services' : SNMP_FAMILIES.has(f) ? 'snmp' : 'other';
    // Metric names are a few dozen; the rule engine asks for every sample of every device.
    if (SOURCE_OF.size < 1024) SOURCE_OF.set(metric, src);
  }
  return src;
}

export function coverageOf(obs: DeviceObservation): ObservationCoverage {
  const inferredSnmp =
    obs.interfaces.length > 0 ||
    obs.rebooted !== undefined ||
    obs.samples.some((s) => metricSource(s.metric) === 'snmp');
  const inferredServices = obs.samples.some((s) => metricSource(s.metric) === 'services');
  return {
    snmp: obs.covers?.snmp ?? inferredSnmp,
    services: obs.covers?.services ?? inferredServices,
  };
}

/** Label families by another name (series-labels.ts calls printer supplies 'supply'). */
const FAMILY_ALIASES: Record<string, string> = { printer: 'supply' };

/** The label of an instance of a metric, or undefined when the poller gave none. */
export function labelOf(obs: Pick<DeviceObservation, 'labels'>, metric: string, instance: string) {
  const fam = metricFamily(metric);
  const alias = FAMILY_ALIASES[fam];
  return (
    obs.labels[`${fam}:${instance}`] ??
    (alias ? obs.labels[`${alias}:${instance}`] : undefined) ??
    obs.labels[instance]
  );
}

/**
 * Labels grouped by family ({storage: {'31': '/srv'}, supply: {…}}, as series-labels.ts makes
 * them, plus {svc: {checkId: name}}) in the flat form DeviceObservation.labels takes.
 */
export function flattenLabels(
  groups: Readonly<Record<string, Readonly<Record<string, string>>>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [family, byInstance] of Object.entries(groups))
    for (const [instance, label] of Object.entries(byInstance))
      out[`${family}:${instance}`] = label;
  return out;
}
