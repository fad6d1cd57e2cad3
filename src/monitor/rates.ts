/**
 * Turns two consecutive polls of a device into samples (pure): counter deltas become per-second
 * rates, gauges are passed on. A rate is only given when it can be trusted: a device restart, a
 * counter that went back or a rate faster than the interface can carry leaves a gap (and a note),
 * never a negative value or a spike in a chart.
 */
import type { MetricName, Sample } from './types.js';
import {
  OPER_STATUSES,
  type DevicePoll,
  type IfCounters,
  type IfReading,
  type OperStatus,
} from './poll-types.js';
import { Notes } from './poll-values.js';

export interface IfChange {
  ifIndex: number;
  name: string;
  from: OperStatus;
  to: OperStatus;
}

export interface Derived {
  samples: Sample[];
  /** The device restarted since the previous poll (its uptime started again). */
  rebooted: boolean;
  /** Interfaces whose operational status changed since the previous poll. */
  ifChanges: IfChange[];
  notes: string[];
}

/** TimeTicks (sysUpTime, hrSystemUptime) wrap after 2^32 hundredths: 497 days. */
const TICKS_WRAP_S = 4294967296 / 100;
const COUNTER32 = 4294967296;
/** The smallest Ethernet frame on the wire (64 bytes + preamble + gap): the most packets/s. */
const MIN_FRAME_BITS = 84 * 8;
/** Headroom over the nominal speed before a rate is called impossible. */
const OVER_SPEED = 1.1;

type CounterKey = Exclude<keyof IfCounters, 'width'>;
interface RateDef {
  key: CounterKey;
  metric: MetricName;
  /** octets (→ bits, and utilisation) or packets */
  octets: boolean;
  /** errors and discards exist only as Counter32 */
  always32: boolean;
  util?: MetricName;
}
const RATES: readonly RateDef[] = [
  { key: 'inOctets', metric: 'if.in_bps', octets: true, always32: false, util: 'if.in_util_pct' },
  {
    key: 'outOctets',
    metric: 'if.out_bps',
    octets: true,
    always32: false,
    util: 'if.out_util_pct',
  },
  { key: 'inUcast', metric: 'if.in_ucast_pps', octets: false, always32: false },
  { key: 'outUcast', metric: 'if.out_ucast_pps', octets: false, always32: false },
  { key: 'inNUcast', metric: 'if.in_nucast_pps', octets: false, always32: false },
  { key: 'outNUcast', metric: 'if.out_nucast_pps', octets: false, always32: false },
  { key: 'inErrors', metric: 'if.in_errors_ps', octets: false, always32: true },
  { key: 'outErrors', metric: 'if.out_errors_ps', octets: false, always32: true },
  { key: 'inDiscards', metric: 'if.in_discards_ps', octets: false, always32: true },
  { key: 'outDiscards', metric: 'if.out_discards_ps', octets: false, always32: true },
];
/** Per-call scratch for one interface's deltas (derive is synchronous, so one is enough). */
const deltas = new Float64Array(RATES.length);

/**
 * How much a counter grew, or −1 when it restarted. A Counter32 that went down wrapped once only
 * if the rate that implies is possible at the interface's speed; otherwise (or without a speed)
 * it was reset. A Counter64 does not wrap in a device's lifetime: down means reset.
 */
function grew(a: number, b: number, width: 32 | 64, maxPerS: number | undefined, dt: number) {
  if (b >= a) return b - a;
  if (width === 64 || maxPerS === undefined) return -1;
  const wrapped = b + COUNTER32 - a;
  return wrapped / dt <= maxPerS ? wrapped : -1;
}

/**
 * Whether a device clock says the device started again between two polls `dt` seconds apart:
 * it went backwards (and not by a TimeTicks wrap), or is younger than the interval.
 */
function clockRestarted(
  a: number | undefined,
  b: number | undefined,
  dt: number,
  wrapS: number | undefined,
): boolean | undefined {
  if (a === undefined || b === undefined) return undefined;
  // polls take a while and the clocks are read somewhere inside them
  const slack = 5 + 0.1 * dt;
  if (wrapS !== undefined && a + dt >= wrapS && Math.abs(a + dt - wrapS - b) <= slack) return false;
  return b < a || b < dt - slack;
}

/**
 * The host's clock first: an agent restart (sysUpTime and snmpEngineBoots start again) does not
 * reset a server's kernel counters, a reboot does.
 */
export function restarted(
  prev: Pick<DevicePoll, 'atMs' | 'clocks'>,
  cur: Pick<DevicePoll, 'atMs' | 'clocks'>,
): boolean {
  const dt = (cur.atMs - prev.atMs) / 1000;
  const p = prev.clocks;
  const c = cur.clocks;
  if (p.engineBoots !== undefined && c.engineBoots !== undefined && c.engineBoots !== p.engineBoots)
    return p.hrUptimeS !== undefined && c.hrUptimeS !== undefined
      ? clockRestarted(p.hrUptimeS, c.hrUptimeS, dt, TICKS_WRAP_S)!
      : true;
  return (
    clockRestarted(p.hrUptimeS, c.hrUptimeS, dt, TICKS_WRAP_S) ??
    clockRestarted(p.sysUpTimeS, c.sysUpTimeS, dt, TICKS_WRAP_S) ??
    clockRestarted(p.engineTimeS, c.engineTimeS, dt, undefined) ??
    false
  );
}

/** The sensor.temp_c instance of a UPS's battery temperature. */
export const UPS_BATTERY_SENSOR = 'ups.battery';

function gauges(
  prev: PreviousPoll | undefined,
  cur: DevicePoll,
  push: (m: MetricName, instance: string, v: number) => void,
) {
  if (cur.uptimeS !== undefined) push('uptime.s', '', cur.uptimeS);
  push('poll.ms', '', cur.pollMs);
  for (const i of cur.interfaces) {
    if (i.oper !== undefined) push('if.oper_up', String(i.ifIndex), i.oper === 'up' ? 1 : 0);
  }
  if (cur.cpuPct !== undefined) push('cpu.load_pct', '', cur.cpuPct);
  else if (cur.cpuTicks && prev?.cpuTicks) {
    const dIdle = cur.cpuTicks.idle - prev.cpuTicks.idle;
    const dTotal = cur.cpuTicks.total - prev.cpuTicks.total;
    // A counter wrap or an agent restart makes a difference negative: no value this time.
    if (dTotal > 0 && dIdle >= 0 && dIdle <= dTotal)
      push('cpu.load_pct', '', 100 * (1 - dIdle / dTotal));
  }
  if (cur.memUsedPct !== undefined) push('mem.used_pct', '', cur.memUsedPct);
  for (const s of cur.storage) {
    push('storage.used_pct', s.index, (s.usedBytes / s.sizeBytes) * 100);
    push('storage.used_bytes', s.index, s.usedBytes);
  }
  for (const s of cur.supplies) {
    if (s.levelPct !== undefined) push('printer.supply_pct', s.index, s.levelPct);
  }
  const u = cur.ups;
  if (u) {
    if (u.onBattery !== undefined) push('ups.on_battery', '', u.onBattery ? 1 : 0);
    if (u.chargePct !== undefined) push('ups.battery_pct', '', u.chargePct);
    if (u.runtimeMin !== undefined) push('ups.runtime_min', '', u.runtimeMin);
    if (u.loadPct !== undefined) push('ups.load_pct', '', u.loadPct);
    if (u.tempC !== undefined) push('sensor.temp_c', UPS_BATTERY_SENSOR, u.tempC);
  }
  for (const s of cur.sensors) push('sensor.temp_c', s.index, s.celsius);
}

/**
 * What derive needs of a device's previous poll, kept between polls: its time, clocks and CPU
 * ticks, and per interface its status and raw counters, packed into one Float64Array. (Kept as
 * the poll's own objects, a thousand devices' interfaces, counters and boxed numbers were some
 * 5 MiB of long-lived heap.)
 */
export interface PreviousPoll {
  atMs: number;
  clocks: DevicePoll['clocks'];
  cpuTicks?: { idle: number; total: number };
  /** ifIndex of each row of `rows`. */
  ifIndexes: Int32Array;
  /**
   * ROW numbers per interface: ifOperStatus (its position in OPER_STATUSES, NaN: not read), the
   * counters' width (NaN: no counters read), then RATES' counters in order (NaN: not read).
   */
  rows: Float64Array;
}

const ROW = 2 + RATES.length;

/**
 * The part of a poll the next one is compared with (see PreviousPoll). `reuse`, the device's
 * previous one once derive is done with it, lends its arrays when the interface count is the
 * same: every device, every cycle.
 */
export function previousOf(poll: DevicePoll, reuse?: PreviousPoll): PreviousPoll {
  const ifs = poll.interfaces;
  const same = reuse?.ifIndexes.length === ifs.length;
  const ifIndexes = same ? reuse.ifIndexes : new Int32Array(ifs.length);
  const rows = (same ? reuse.rows : new Float64Array(ifs.length * ROW)).fill(Number.NaN);
  ifs.forEach((i, n) => {
    ifIndexes[n] = i.ifIndex;
    const o = n * ROW;
    if (i.oper !== undefined) rows[o] = OPER_STATUSES.indexOf(i.oper);
    const c = i.counters;
    if (!c) return;
    rows[o + 1] = c.width;
    for (let k = 0; k < RATES.length; k++) rows[o + 2 + k] = c[RATES[k]!.key] ?? Number.NaN;
  });
  return {
    atMs: poll.atMs,
    clocks: { ...poll.clocks },
    ...(poll.cpuTicks ? { cpuTicks: { ...poll.cpuTicks } } : {}),
    ifIndexes,
    rows,
  };
}

/** Rates of one interface from its previous row (`o`: where it starts in `prev`). */
function interfaceRates(
  prev: Float64Array,
  o: number,
  i: IfReading,
  dt: number,
  push: (m: MetricName, instance: string, v: number) => void,
  notes: Notes,
): void {
  const c = i.counters;
  // a device that changed between Counter32 and Counter64 has nothing to compare with
  if (!c || prev[o + 1] !== c.width) return;
  const speed = i.speedBps !== undefined && i.speedBps > 0 ? i.speedBps : undefined;
  const maxOctets = speed && (speed / 8) * OVER_SPEED;
  const maxPackets = speed && (speed / MIN_FRAME_BITS) * OVER_SPEED;
  for (let k = 0; k < RATES.length; k++) {
    const r = RATES[k]!;
    const a = prev[o + 2 + k]!;
    const b = c[r.key];
    if (Number.isNaN(a) || b === undefined) {
      deltas[k] = Number.NaN;
      continue;
    }
    deltas[k] = grew(a, b, r.always32 ? 32 : c.width, r.octets ? maxOctets : maxPackets, dt);
    if (deltas[k]! < 0) {
      // one counter restarting means the interface's counters were cleared (or it was replaced)
      notes.add(`${i.name}: counters started again (${r.key} ${a} → ${b}), no rates this time`);
      return;
    }
  }
  const instance = String(i.ifIndex);
  for (let k = 0; k < RATES.length; k++) {
    const d = deltas[k]!;
    if (Number.isNaN(d)) continue;
    const r = RATES[k]!;
    const perS = d / dt;
    const max = r.octets ? maxOctets : maxPackets;
    if (max !== undefined && perS > max) {
      notes.add(
        `${i.name}: ${r.metric} ${Math.round(r.octets ? perS * 8 : perS)} is above what the interface can carry, dropped`,
      );
      continue;
    }
    if (r.octets) {
      const bps = perS * 8;
      push(r.metric, instance, bps);
      if (speed && r.util) push(r.util, instance, (bps / speed) * 100);
    } else push(r.metric, instance, perS);
  }
}

/** The row of `ifIndex` in `prev`, trying `guess` first (interfaces come in the same order). */
function rowOf(prev: PreviousPoll, ifIndex: number, guess: number): number {
  if (prev.ifIndexes[guess] === ifIndex) return guess;
  return prev.ifIndexes.indexOf(ifIndex);
}

/**
 * Samples of the current poll: its gauges always, rates when there is a comparable previous poll
 * (none for the first poll, a restart, or an interval that is not positive).
 */
export function derive(prev: PreviousPoll | undefined, cur: DevicePoll): Derived {
  const samples: Sample[] = [];
  const notes = new Notes();
  const push = (metric: MetricName, instance: string, value: number) => {
    samples.push({ metric, instance, value });
  };
  gauges(prev, cur, push);
  const ifChanges: IfChange[] = [];
  if (!prev) return { samples, rebooted: false, ifChanges, notes: notes.done() };

  const dt = (cur.atMs - prev.atMs) / 1000;
  const rebooted = restarted(prev, cur);
  const rates = !rebooted && dt > 0;
  if (rebooted) notes.add('the device restarted since the last poll: no rates for this interval');
  else if (dt <= 0) notes.add('this poll is not later than the previous one: no rates');
  cur.interfaces.forEach((i, n) => {
    const row = rowOf(prev, i.ifIndex, n);
    if (row < 0) return;
    const o = row * ROW;
    const was = OPER_STATUSES[prev.rows[o]!];
    if (was !== undefined && i.oper !== undefined && was !== i.oper) {
      ifChanges.push({ ifIndex: i.ifIndex, name: i.name, from: was, to: i.oper });
    }
    if (rates) interfaceRates(prev.rows, o, i, dt, push, notes);
  });
  return { samples, rebooted, ifChanges, notes: notes.done() };
}
