import { METRICS, type MetricName } from './types.js';
import {
  coverageOf,
  labelOf,
  metricFamily,
  metricSource,
  type DeviceObservation,
  type ObservedInterface,
} from './observation.js';
import {
  OverrideIndex,
  formatSeconds,
  formatValue,
  ruleUnit,
  severityRank,
  type EffectiveRule,
  type Rule,
  type RuleOverride,
  type Severity,
} from './rules.js';
import { isImportant } from './important.js';

/** Why an alert was closed. */
export type ClearReason =
  /** The condition stopped. */
  | 'recovered'
  /** A reboot alert's time ran out. */
  | 'expired'
  /** The device stopped reporting the instance (a disk, a port, a check went away). */
  | 'gone'
  /** The instance is no longer watched by the rule (port disabled or no longer important). */
  | 'excluded'
  /** The rule was disabled, or no longer applies to this device's type. */
  | 'not-applicable'
  /** The device was deleted from the inventory. */
  | 'device-removed';

/** A raised or cleared alert: one rule on one instance of one device. */
export interface Alert {
  ruleId: string;
  /** The rule's title at the time, for lists. */
  title: string;
  deviceId: string;
  /** What on the device: an ifIndex, a storage index, a check id, or '' for the device itself. */
  instance: string;
  severity: Severity;
  value?: number;
  threshold?: number;
  /** A sentence a person understands. */
  message: string;
  /** When the alert was first raised (ms). */
  raisedAt: number;
  /** A raise that only made an already raised alert worse (its second level was passed). */
  escalated?: boolean;
  reason?: ClearReason;
}

/** What the engine remembers of one rule on one instance: pending or firing (idle is not kept). */
export interface AlertState {
  ruleId: string;
  instance: string;
  /** The condition has held since then (ms), while not yet raised. */
  pendingSince?: number;
  /** Consecutive observations in which the condition held. */
  count: number;
  firing: boolean;
  title: string;
  raisedAt?: number;
  severity?: Severity;
  value?: number;
  threshold?: number;
  message?: string;
  /** reboot: the last restart seen (ms), from which the alert's time runs. */
  lastEventAt?: number;
  updatedAt: number;
}

/** A part of a device that observations speak for, each from its own job. */
export type ObservationSource = 'reach' | 'snmp' | 'services';

/** The engine's memory of one device. */
export interface DeviceAlertState {
  deviceId: string;
  deviceName: string;
  deviceType: string;
  /** The newest observation evaluated (ms), whatever it covered. */
  lastObsAt: number;
  /**
   * The newest observation evaluated per source (ms): an observation arriving after a newer one
   * of the same source is ignored for that source. The sources are separate jobs that finish in
   * any order (a ping ends before the SNMP poll that started with it), so one shared time would
   * drop every poll. Left out in states stored before it existed (see sourceTimes).
   */
  sourceAt?: Partial<Record<ObservationSource, number>>;
  entries: AlertState[];
}

export interface EvaluateContext {
  /** ifIndexes of important interfaces; when left out, decided from the observation alone. */
  important?: ReadonlySet<string>;
  /**
   * A pending condition not observed for longer than this starts again: "above 90 % for 15
   * min" must not be satisfied by two readings either side of an hour without data.
   */
  maxGapMs?: number;
}

export interface EvaluateResult {
  raise: Alert[];
  clear: Alert[];
  state: DeviceAlertState;
}

export function alertKey(a: { ruleId: string; deviceId: string; instance: string }): string {
  return `${a.ruleId}/${a.deviceId}/${a.instance}`;
}

const SOURCES: readonly ObservationSource[] = ['reach', 'snmp', 'services'];

const INTERFACE_DOWN = new Set(['down', 'lowerLayerDown', 'notPresent']);

/**
 * One instance as a rule sees it in this observation:
 * - bad: the raise condition holds;
 * - band: it does not, but a raised alert stays raised (between the alert and the clear level);
 * - ok: it does not, and a raised alert clears;
 * - unknown: no evidence either way (a port "testing"): everything stays as it is;
 * - excluded: the rule no longer watches it (a raised alert clears with `why`).
 */
interface Reading {
  instance: string;
  state: 'bad' | 'band' | 'ok' | 'unknown' | 'excluded';
  value?: number;
  /** Passed the second level (only meaningful when bad or hold). */
  worse?: boolean;
  why?: string;
}

function compare(v: number, op: Rule['op'], level: number): boolean {
  return op === '>' ? v > level : op === '<' ? v < level : v === level;
}

function ruleSource(rule: Rule): ObservationSource {
  if (rule.kind === 'device-down' || rule.kind === 'device-flapping') return 'reach';
  if (rule.kind !== 'threshold') return 'snmp';
  const s = metricSource(rule.metrics?.[0] ?? '');
  return s === 'other' ? 'snmp' : s;
}

/** Whether the rule's alerts come from the service checks (so only a services cycle clears them). */
export function isServiceRule(rule: Rule): boolean {
  return ruleSource(rule) === 'services';
}

/**
 * The newest observation time per source of a state. A state stored before per-source times were
 * kept has only `lastObsAt`: every source starts from it, which may ignore one late observation of
 * a source once, never more (its own time then moves on).
 */
export function sourceTimes(
  state: DeviceAlertState | undefined,
): Partial<Record<ObservationSource, number>> {
  if (!state) return {};
  if (state.sourceAt) return state.sourceAt;
  return { reach: state.lastObsAt, snmp: state.lastObsAt, services: state.lastObsAt };
}

// ---- words ---------------------------------------------------------------------------------

function ifLabel(obs: DeviceObservation, ifIndex: string): string {
  const i = obs.interfaces.find((x) => x.ifIndex === ifIndex);
  if (!i) return `Interface ${ifIndex}`;
  const name = i.name || `#${ifIndex}`;
  return i.alias && i.alias !== i.name ? `Interface ${name} (“${i.alias}”)` : `Interface ${name}`;
}

/** The thing an alert is about: "Disk /srv", "Interface Gi0/1 (“uplink”)", "Black Toner". */
function thingOf(rule: Rule, obs: DeviceObservation, instance: string): string {
  if (rule.kind === 'interface-down') return ifLabel(obs, instance);
  if (rule.kind === 'forecast') return diskLabel(obs, instance);
  const metric = rule.metrics?.[0];
  if (rule.kind !== 'threshold' || !metric) return obs.deviceName;
  const label = labelOf(obs, metric, instance);
  const fam = metricFamily(metric);
  const suffix = label ? ` ${label}` : instance ? ` #${instance}` : '';
  switch (fam) {
    case 'if':
      return ifLabel(obs, instance);
    case 'storage':
      return diskLabel(obs, instance);
    case 'cpu':
      return `CPU${suffix}`;
    case 'mem':
      return `Memory${suffix}`;
    case 'printer':
      return label ?? `Supply #${instance}`;
    case 'sensor':
      return label ? `Temperature at ${label}` : `Temperature${suffix}`;
    case 'svc':
      return label ? `Service check ${label}` : `Service check ${instance}`;
    default:
      return `${METRICS[metric].title}${suffix}`;
  }
}

function diskLabel(obs: DeviceObservation, instance: string): string {
  const label = labelOf(obs, 'storage.used_pct', instance);
  return label ? `Disk ${label}` : `Storage #${instance}`;
}

/** "Disk /srv on nas-backup is 93 % full", without the threshold. */
function stateSentence(
  rule: Rule,
  obs: DeviceObservation,
  instance: string,
  value: number | undefined,
): string {
  const dev = obs.deviceName;
  const thing = thingOf(rule, obs, instance);
  const unit = ruleUnit(rule);
  const v = value === undefined ? '' : formatValue(value, unit);
  switch (rule.kind) {
    case 'device-down':
      return `${dev} is not reachable`;
    case 'device-flapping':
      return `${dev} keeps going up and down`;
    case 'interface-down': {
      const oper = obs.interfaces.find((i) => i.ifIndex === instance)?.oper ?? 'down';
      return `${thing} on ${dev} is ${oper} although it is enabled`;
    }
    case 'reboot':
      return `${dev} restarted (its uptime went back)`;
    case 'forecast':
      if (value === undefined) return `${thing} on ${dev} is not filling up`;
      return value <= 0.5
        ? `${thing} on ${dev} is about to be full at the current rate`
        : `${thing} on ${dev} will be full in about ${formatValue(Math.round(value), 'days')} at the current rate`;
    case 'threshold':
      break;
  }
  const metric = rule.metrics?.[0] as MetricName;
  const words = rule.metrics?.some((m) => m.includes('discards')) ? 'discards' : 'errors';
  switch (metric) {
    case 'storage.used_pct':
      return `${thing} on ${dev} is ${v} full`;
    case 'if.in_util_pct':
    case 'if.out_util_pct':
      return `${thing} on ${dev} is ${v} utilised`;
    case 'if.in_errors_ps':
    case 'if.out_errors_ps':
    case 'if.in_discards_ps':
    case 'if.out_discards_ps':
      return `${thing} on ${dev} has ${v.replace('/s', '')} ${words}/s`;
    case 'cpu.load_pct':
      return `${thing} load on ${dev} is ${v}`;
    case 'mem.used_pct':
      return `${thing} on ${dev} is ${v} used`;
    case 'printer.supply_pct':
      return `${thing} on ${dev} is at ${v}`;
    case 'ups.on_battery':
      return value ? `UPS ${dev} is running on battery` : `UPS ${dev} is on mains power`;
    case 'ups.battery_pct':
      return `UPS ${dev} battery is at ${v}`;
    case 'ups.runtime_min':
      return `UPS ${dev} has ${v} of runtime left`;
    case 'sensor.temp_c':
      return `${thing} on ${dev} is ${v}`;
    case 'svc.cert_days':
      if (value === undefined) return `The certificate of ${thing} on ${dev}`;
      return value < 0
        ? `The certificate of ${thing} on ${dev} expired ${formatValue(Math.round(-value), 'days')} ago`
        : `The certificate of ${thing} on ${dev} expires in ${formatValue(Math.floor(value), 'days')}`;
    case 'svc.up':
      return value ? `${thing} on ${dev} is passing` : `${thing} on ${dev} is failing`;
    default:
      return `${thing} on ${dev} is ${v}`;
  }
}

function raiseMessage(
  rule: EffectiveRule,
  obs: DeviceObservation,
  r: Reading,
  severity: Severity,
): string {
  const s = stateSentence(rule, obs, r.instance, r.value);
  if (rule.kind !== 'threshold' && rule.kind !== 'forecast') return `${s}.`;
  if (ruleUnit(rule) === 'bool' || rule.threshold === undefined) return `${s}.`;
  const unit = ruleUnit(rule);
  if (rule.escalate && severity === rule.escalate.severity)
    return `${s} (${severity} ${rule.op === '<' ? 'below' : 'above'} ${formatValue(rule.escalate.threshold, unit)}).`;
  return `${s} (threshold ${formatValue(rule.threshold, unit)}).`;
}

function clearMessage(
  rule: Rule,
  obs: DeviceObservation,
  e: AlertState,
  reason: ClearReason,
  value: number | undefined,
  why?: string,
): string {
  const dev = obs.deviceName;
  const thing = thingOf(rule, obs, e.instance);
  const device = rule.kind === 'device-down' || rule.kind === 'device-flapping';
  switch (reason) {
    case 'expired':
      return `${dev} has run without a restart for ${formatSeconds(rule.clearAfterS ?? 3600)}; the restart alert is closed.`;
    case 'gone':
      return `${thing} is no longer reported by ${dev}; the alert “${e.title}” is closed.`;
    case 'excluded':
      return `${thing} on ${dev} ${why ?? 'is no longer watched'}; the alert “${e.title}” is closed.`;
    case 'not-applicable':
      return `The rule “${e.title}” no longer applies to ${device ? dev : `${thing} on ${dev}`} (disabled or changed); the alert is closed.`;
    case 'device-removed':
      return `${dev} was removed from the inventory; the alert “${e.title}” is closed.`;
    case 'recovered':
      break;
  }
  switch (rule.kind) {
    case 'device-down':
      return `Resolved: ${dev} is reachable again.`;
    case 'device-flapping':
      return `Resolved: ${dev} is stable again.`;
    case 'interface-down':
      return `Resolved: ${thing} on ${dev} is up again.`;
    case 'reboot':
      return `Resolved: ${dev} has not restarted again.`;
    case 'forecast':
      return value === undefined
        ? `Resolved: ${thing} on ${dev} is no longer forecast to fill up within ${formatValue(rule.threshold ?? 0, 'days')}.`
        : `Resolved: ${stateSentence(rule, obs, e.instance, value)}.`;
    case 'threshold':
      return `Resolved: ${stateSentence(rule, obs, e.instance, value)}.`;
  }
}

// ---- readings ------------------------------------------------------------------------------

function valueReading(rule: EffectiveRule, instance: string, value: number): Reading {
  const t = rule.threshold ?? 0;
  const clear = rule.clearThreshold ?? t;
  const worse = rule.escalate ? compare(value, rule.op, rule.escalate.threshold) : false;
  if (compare(value, rule.op, t)) return { instance, state: 'bad', value, worse };
  // Hysteresis: between the clear level and the alert level a raised alert stays raised.
  const stillBad = rule.op === '=' ? false : compare(value, rule.op, clear);
  return { instance, state: stillBad ? 'band' : 'ok', value, worse };
}

function thresholdReadings(
  rule: EffectiveRule,
  obs: DeviceObservation,
  important: (i: ObservedInterface) => boolean,
): Reading[] {
  const metrics = rule.metrics ?? [];
  const percent = ruleUnit(rule) === '%';
  const sum = rule.combine === 'sum';
  // Instance → the rule's metrics combined (summed, or the highest), in the samples' order. Run
  // for every rule of every device each cycle: a number per instance, not a list of values.
  const values = new Map<string, number>();
  for (const s of obs.samples) {
    if (!metrics.includes(s.metric) || !Number.isFinite(s.value)) continue;
    // Printer-MIB and friends use negative numbers for "unknown" and "some left".
    if (percent && s.value < 0) continue;
    const had = values.get(s.instance);
    values.set(
      s.instance,
      had === undefined ? s.value : sum ? had + s.value : Math.max(had, s.value),
    );
  }
  const onInterfaces = metrics.some((m) => metricFamily(m) === 'if');
  const out: Reading[] = [];
  for (const [instance, value] of values) {
    if (onInterfaces) {
      const iface = obs.interfaces.find((i) => i.ifIndex === instance);
      if (iface && !iface.adminUp) {
        out.push({ instance, state: 'excluded', why: 'was disabled by an administrator' });
        continue;
      }
      if (rule.interfaces === 'important' && !(iface && important(iface))) {
        out.push({ instance, state: 'excluded', why: 'is no longer an important interface' });
        continue;
      }
    }
    out.push(valueReading(rule, instance, value));
  }
  return out;
}

function forecastReadings(rule: EffectiveRule, obs: DeviceObservation): Reading[] {
  const days = new Map(obs.forecasts.map((f) => [f.instance, f.daysToFull]));
  const instances = new Set([
    ...days.keys(),
    ...obs.samples.filter((s) => s.metric === 'storage.used_pct').map((s) => s.instance),
  ]);
  return [...instances].map((instance) => {
    const d = days.get(instance);
    // No forecast for a known disk: it is flat or shrinking, which is the all-clear.
    if (d === undefined || !Number.isFinite(d)) return { instance, state: 'ok' };
    return valueReading(rule, instance, d);
  });
}

function interfaceReadings(
  rule: EffectiveRule,
  obs: DeviceObservation,
  important: (i: ObservedInterface) => boolean,
): Reading[] {
  return obs.interfaces.map((i): Reading => {
    const instance = i.ifIndex;
    if (!i.adminUp) return { instance, state: 'excluded', why: 'was disabled by an administrator' };
    if (rule.interfaces !== 'all' && !important(i))
      return { instance, state: 'excluded', why: 'is no longer an important interface' };
    if (i.oper === 'up') return { instance, state: 'ok' };
    // testing, dormant, unknown: not evidence either way.
    return { instance, state: INTERFACE_DOWN.has(i.oper) ? 'bad' : 'unknown' };
  });
}

function reachReading(rule: EffectiveRule, obs: DeviceObservation): Reading[] {
  const wanted = rule.kind === 'device-down' ? 'down' : 'flapping';
  return [{ instance: '', state: obs.reach === wanted ? 'bad' : 'ok' }];
}

// ---- evaluation ----------------------------------------------------------------------------

/**
 * Turns one observation of one device into alerts to raise and to clear, and the device's new
 * state. Pure: the same inputs give the same outputs, so sustained conditions, hysteresis and
 * clearing can be tested with explicit times.
 *
 * While the device is down (this observation says so, or an earlier one did and this one does not
 * speak about reachability) no alert but device-down/flapping is raised: a dead switch's ports and
 * checks failing are symptoms, not news. Alerts already raised stay until the device answers again.
 * Suppression behind a failed parent device is the incidents feature's job.
 */
export function evaluate(
  rules: readonly Rule[],
  overrides: readonly RuleOverride[] | OverrideIndex,
  obs: DeviceObservation,
  state: DeviceAlertState | undefined,
  now: number,
  ctx: EvaluateContext = {},
): EvaluateResult {
  const cover = coverageOf(obs);
  const times = sourceTimes(state);
  const claimed: Record<ObservationSource, boolean> = {
    reach: obs.reach !== undefined && obs.reach !== 'unknown',
    snmp: cover.snmp,
    services: cover.services,
  };
  // A source already observed more recently learns nothing from this one: it is left as if this
  // observation did not cover it. Only an observation late for everything it covers is dropped.
  const live = { ...claimed };
  for (const src of SOURCES) if (live[src] && obs.at < (times[src] ?? -Infinity)) live[src] = false;
  if (state && SOURCES.some((src) => claimed[src]) && !SOURCES.some((src) => live[src]))
    return { raise: [], clear: [], state };
  const index = overrides instanceof OverrideIndex ? overrides : new OverrideIndex(overrides);
  const rebooted = live.snmp && obs.rebooted === true;
  const prevEntries = state?.entries ?? [];
  const downRules = new Set(rules.filter((r) => r.kind === 'device-down').map((r) => r.id));
  const down = live.reach
    ? obs.reach === 'down'
    : prevEntries.some((e) => downRules.has(e.ruleId) && e.firing);
  const important = (i: ObservedInterface) =>
    ctx.important ? ctx.important.has(i.ifIndex) : isImportant(i, [], {});

  const raise: Alert[] = [];
  const clear: Alert[] = [];
  const byRule = new Map<string, AlertState[]>();
  for (const e of prevEntries) {
    const list = byRule.get(e.ruleId) ?? [];
    list.push(e);
    byRule.set(e.ruleId, list);
  }
  const next: AlertState[] = [];
  const device = { id: obs.deviceId, type: obs.deviceType };
  const alertOf = (e: AlertState, message: string, extra: Partial<Alert> = {}): Alert => ({
    ruleId: e.ruleId,
    title: e.title,
    deviceId: obs.deviceId,
    instance: e.instance,
    severity: e.severity ?? 'info',
    ...(e.value !== undefined ? { value: e.value } : {}),
    ...(e.threshold !== undefined ? { threshold: e.threshold } : {}),
    message,
    raisedAt: e.raisedAt ?? now,
    ...extra,
  });
  const closeAll = (rule: Rule, entries: AlertState[], reason: ClearReason) => {
    for (const e of entries)
      if (e.firing) clear.push(alertOf(e, clearMessage(rule, obs, e, reason, e.value), { reason }));
  };

  const known = new Set<string>();
  for (const rule of rules) {
    known.add(rule.id);
    const old = byRule.get(rule.id) ?? [];
    const eff = index.effective(rule, device);
    if (!eff.applies) {
      closeAll(rule, old, 'not-applicable');
      continue;
    }
    const prev = new Map(old.map((e) => [e.instance, e]));

    // A restart alert runs out on its own, whatever this observation covers.
    if (rule.kind === 'reboot') {
      for (const e of old) {
        const since = e.lastEventAt ?? e.raisedAt ?? now;
        if (e.firing && !rebooted && now - since >= (eff.clearAfterS ?? 3600) * 1000) {
          clear.push(
            alertOf(e, clearMessage(rule, obs, e, 'expired', undefined), { reason: 'expired' }),
          );
          prev.delete(e.instance);
        }
      }
    }

    const source = ruleSource(rule);
    if (!live[source]) {
      next.push(...prev.values());
      continue;
    }
    const suppressed = down && source !== 'reach';

    let readings: Reading[];
    switch (rule.kind) {
      case 'device-down':
      case 'device-flapping':
        readings = reachReading(eff, obs);
        break;
      case 'interface-down':
        readings = interfaceReadings(eff, obs, important);
        break;
      case 'threshold':
        readings = thresholdReadings(eff, obs, important);
        break;
      case 'forecast':
        readings = forecastReadings(eff, obs);
        break;
      case 'reboot': {
        const e = prev.get('');
        readings = [
          {
            instance: '',
            state: rebooted ? 'bad' : e?.firing ? 'unknown' : 'ok',
          },
        ];
        break;
      }
    }

    const seen = new Set<string>();
    for (const r of readings) {
      seen.add(r.instance);
      const e = prev.get(r.instance);
      if (suppressed) {
        // Nothing new is learnt from a device that is down: raised alerts stay, pending ones restart.
        if (e?.firing) next.push(e);
        continue;
      }
      if (e?.firing) {
        if (r.state === 'excluded' || r.state === 'ok') {
          const reason: ClearReason = r.state === 'excluded' ? 'excluded' : 'recovered';
          const closed = { ...e, ...(r.value !== undefined ? { value: r.value } : {}) };
          clear.push(
            alertOf(closed, clearMessage(rule, obs, e, reason, r.value, r.why), { reason }),
          );
          continue;
        }
        const updated: AlertState = {
          ...e,
          ...(r.value !== undefined ? { value: r.value } : {}),
          updatedAt: now,
          ...(rule.kind === 'reboot' && rebooted ? { lastEventAt: now } : {}),
        };
        if (
          r.worse &&
          eff.escalate &&
          severityRank(eff.escalate.severity) > severityRank(e.severity ?? 'info')
        ) {
          updated.severity = eff.escalate.severity;
          updated.threshold = eff.escalate.threshold;
          updated.message = raiseMessage(eff, obs, r, updated.severity);
          raise.push(alertOf(updated, updated.message, { escalated: true }));
        } else {
          updated.message = raiseMessage(eff, obs, r, updated.severity ?? eff.severity);
        }
        next.push(updated);
        continue;
      }
      if (r.state !== 'bad') {
        // "Above 90 % for 15 min" starts again after any reading that is not above 90 %; only
        // the absence of evidence keeps it waiting.
        if (e && r.state === 'unknown') next.push(e);
        continue;
      }
      const gap = e && ctx.maxGapMs !== undefined && now - e.updatedAt > ctx.maxGapMs;
      const pendingSince = e && !gap ? (e.pendingSince ?? now) : now;
      const count = e && !gap ? e.count + 1 : 1;
      // A restart is a single moment: there is nothing to sustain.
      const due =
        rule.kind === 'reboot' ||
        (now - pendingSince >= eff.forS * 1000 && count >= (eff.forCount ?? 1));
      const entry: AlertState = {
        ruleId: rule.id,
        instance: r.instance,
        count,
        firing: false,
        title: rule.title,
        pendingSince,
        ...(r.value !== undefined ? { value: r.value } : {}),
        updatedAt: now,
      };
      if (!due) {
        next.push(entry);
        continue;
      }
      const severity =
        r.worse && eff.escalate && severityRank(eff.escalate.severity) > severityRank(eff.severity)
          ? eff.escalate.severity
          : eff.severity;
      const fired: AlertState = {
        ruleId: rule.id,
        instance: r.instance,
        count,
        firing: true,
        title: rule.title,
        raisedAt: now,
        severity,
        ...(r.value !== undefined ? { value: r.value } : {}),
        ...(eff.threshold !== undefined
          ? {
              threshold:
                severity !== eff.severity && eff.escalate ? eff.escalate.threshold : eff.threshold,
            }
          : {}),
        message: raiseMessage(eff, obs, r, severity),
        ...(rule.kind === 'reboot' ? { lastEventAt: now } : {}),
        updatedAt: now,
      };
      raise.push(alertOf(fired, fired.message!));
      next.push(fired);
    }
    // Instances the device no longer reports.
    for (const [instance, e] of prev) {
      if (seen.has(instance)) continue;
      if (suppressed) {
        if (e.firing) next.push(e);
        continue;
      }
      if (e.firing)
        clear.push(alertOf(e, clearMessage(rule, obs, e, 'gone', undefined), { reason: 'gone' }));
    }
  }
  // Alerts of rules that no longer exist at all.
  for (const [ruleId, entries] of byRule) {
    if (known.has(ruleId)) continue;
    for (const e of entries)
      if (e.firing)
        clear.push(
          alertOf(
            e,
            `The rule “${e.title}” no longer exists; its alert on ${obs.deviceName} is closed.`,
            { reason: 'not-applicable' },
          ),
        );
  }

  const sourceAt = { ...times };
  for (const src of SOURCES) if (live[src]) sourceAt[src] = Math.max(obs.at, times[src] ?? obs.at);
  return {
    raise,
    clear,
    state: {
      deviceId: obs.deviceId,
      deviceName: obs.deviceName,
      deviceType: obs.deviceType,
      lastObsAt: Math.max(obs.at, state?.lastObsAt ?? 0),
      sourceAt,
      entries: next,
    },
  };
}

/**
 * The clears for every raised alert of a device that is going away (deleted from the inventory),
 * so that whoever follows the events sees each alert closed.
 */
export function clearAllOf(state: DeviceAlertState, now: number): Alert[] {
  return state.entries
    .filter((e) => e.firing)
    .map((e) => ({
      ruleId: e.ruleId,
      title: e.title,
      deviceId: state.deviceId,
      instance: e.instance,
      severity: e.severity ?? 'info',
      ...(e.value !== undefined ? { value: e.value } : {}),
      ...(e.threshold !== undefined ? { threshold: e.threshold } : {}),
      message: `${state.deviceName} was removed from the inventory; the alert “${e.title}” is closed.`,
      raisedAt: e.raisedAt ?? now,
      reason: 'device-removed' as const,
    }));
}
