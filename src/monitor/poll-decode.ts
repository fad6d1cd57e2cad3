/**
 * Gives a raw monitoring poll its meaning (pure): clocks, interface status and counters, CPU,
 * memory, storage, supplies, UPS and temperatures, and what the device turned out to answer
 * (DeviceCaps) for the next plan. GET answers are matched by their position in the plan, so
 * nothing here parses an interface OID.
 */
import { text, type Varbind } from '../snmp/types.js';
import {
  celsiusSensorIndexes,
  columnOf,
  decodeProcessors,
  decodeSensors,
  decodeStorage,
  decodeSupplies,
  decodeUps,
  ucdMemoryPct,
} from './poll-decode-tables.js';
import { ENT_PHYSICAL_DESCR, PRT_SUPPLIES_COLUMN as PC, PRT_SUPPLIES_ENTRY } from './poll-oids.js';
import {
  OPER_STATUSES,
  type DeviceCaps,
  type DevicePoll,
  type IfCounters,
  type IfField,
  type IfReading,
  type RawPoll,
  type ScalarName,
  type WalkName,
} from './poll-types.js';
import { counter64Of, intOf, Notes, uintOf } from './poll-values.js';
import { CPU_TICKS } from './poll-plan.js';

const ADMIN: readonly (IfReading['admin'] | undefined)[] = [undefined, 'up', 'down', 'testing'];
/** ifHighSpeed is in Mbit/s; more than 10 Tbit/s is not a real interface. */
const MAX_HIGH_SPEED = 10_000_000;
/** ifSpeed's ceiling: the real speed is higher and only ifHighSpeed or discovery knows it. */
const IF_SPEED_SATURATED = 4_294_967_295;
const COUNTER32_FIELDS: ReadonlySet<IfField> = new Set([
  'inErrors',
  'outErrors',
  'inDiscards',
  'outDiscards',
]);

/** Answers of a group: some present, or all missing, or none at all (then nothing is learned). */
class Seen {
  present = 0;
  missing = 0;
  add(vb: Varbind | undefined): void {
    if (vb) {
      if (vb.type === 'null') this.missing++;
      else this.present++;
    }
  }
  get observed(): boolean | undefined {
    return this.present > 0 ? true : this.missing > 0 ? false : undefined;
  }
}

const byNumber = (a: number, b: number) => a - b;

/*
 * A reading and its counters are created with every field at once (undefined until read): a
 * thousand devices keep 25 of each from one poll to the next (the rates need them), and objects
 * that grow field by field get a second, out-of-object property array each and a hidden class
 * per order the fields were filled in.
 */
const newReading = (info: { index: number; name: string; alias: string }): IfReading => ({
  ifIndex: info.index,
  name: info.name,
  alias: info.alias,
  oper: undefined,
  admin: undefined,
  speedBps: undefined,
  counters: undefined,
});
const newCounters = (width: 32 | 64): IfCounters => ({
  width,
  inOctets: undefined,
  outOctets: undefined,
  inUcast: undefined,
  outUcast: undefined,
  inNUcast: undefined,
  outNUcast: undefined,
  inErrors: undefined,
  outErrors: undefined,
  inDiscards: undefined,
  outDiscards: undefined,
});

function sameCaps(a: DeviceCaps, b: DeviceCaps): boolean {
  for (const k of Object.keys(b) as (keyof DeviceCaps)[]) {
    const x = a[k];
    const y = b[k];
    if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length || x.some((v, i) => v !== y[i])) return false;
    } else if (x !== y) return false;
  }
  return true;
}

export function decodePoll(raw: RawPoll, atMs: number): DevicePoll {
  const { plan, values } = raw;
  const prev = plan.caps;
  const notes = new Notes(raw.notes);
  let mismatched = 0;
  const at = (pos: number | undefined): Varbind | undefined => {
    if (pos === undefined) return undefined;
    const vb = values.get(pos);
    if (vb === undefined) return undefined;
    // an answer for another OID than the one asked is no answer (a confused agent)
    if (vb.oid !== plan.oids[pos]) {
      mismatched++;
      return undefined;
    }
    return vb;
  };
  const scalar = (name: ScalarName) => at(plan.scalars[name]);
  const seen = (...names: ScalarName[]) => {
    const s = new Seen();
    for (const n of names) s.add(scalar(n));
    return s.observed;
  };
  const ticks = (vb: Varbind | undefined) => (vb?.type === 'ticks' ? vb.value / 100 : undefined);

  const clocks: DevicePoll['clocks'] = {
    sysUpTimeS: ticks(scalar('sysUpTime')),
    hrUptimeS: ticks(scalar('hrUptime')),
    engineBoots: intOf(scalar('engineBoots')),
    engineTimeS: intOf(scalar('engineTime')),
  };

  // Interfaces
  const readings: (IfReading | undefined)[] = new Array<IfReading | undefined>(
    plan.interfaces.length,
  );
  const highSpeed = new Seen();
  const wide = new Seen();
  const missing64: number[] = [];
  const gone = new Set<number>();
  for (const b of plan.ifBlocks) {
    const n = b.members.length;
    const counting = b.fields.includes('inOctets');
    for (let m = 0; m < n; m++) {
      const pos = b.members[m]!;
      const info = plan.interfaces[pos]!;
      const r: IfReading = (readings[pos] ??= newReading(info));
      const c: IfCounters | undefined = counting ? (r.counters = newCounters(b.width)) : undefined;
      for (let f = 0; f < b.fields.length; f++) {
        const field = b.fields[f]!;
        const vb = at(b.base + f * n + m);
        switch (field) {
          case 'oper':
            if (vb?.type === 'null') gone.add(info.index);
            r.oper = OPER_STATUSES[(intOf(vb) ?? 0) - 1];
            break;
          case 'admin':
            r.admin = ADMIN[intOf(vb) ?? 0];
            break;
          case 'speed': {
            const v = uintOf(vb);
            if (v === IF_SPEED_SATURATED && (info.speedBps ?? 0) > v) r.speedBps = info.speedBps;
            else if (v) r.speedBps = v;
            break;
          }
          case 'highSpeed': {
            highSpeed.add(vb);
            const v = uintOf(vb);
            if (v !== undefined && v > MAX_HIGH_SPEED) notes.add(`${info.name}: speed ${v} Mbit/s`);
            else if (v) r.speedBps = v * 1e6;
            break;
          }
          case 'inMcast':
          case 'outMcast':
          case 'inBcast':
          case 'outBcast': {
            // multicast + broadcast = non-unicast; one missing makes the sum unknown (NaN)
            const v = counter64Of(vb) ?? Number.NaN;
            if (field === 'inMcast') c!.inNUcast = v;
            else if (field === 'outMcast') c!.outNUcast = v;
            else if (field === 'inBcast') c!.inNUcast = c!.inNUcast! + v;
            else c!.outNUcast = c!.outNUcast! + v;
            break;
          }
          default: {
            const wide64 = b.width === 64 && !COUNTER32_FIELDS.has(field);
            const v = wide64 ? counter64Of(vb) : uintOf(vb);
            c![field as keyof Omit<IfCounters, 'width'>] = v;
            if (wide64 && field === 'inOctets' && vb) {
              // a 32-bit value in a 64-bit column counts as missing: it would wrap like a reset
              if (v === undefined) {
                wide.missing++;
                missing64.push(info.index);
              } else wide.present++;
            }
          }
        }
      }
      if (c) {
        if (Number.isNaN(c.inNUcast)) c.inNUcast = undefined;
        if (Number.isNaN(c.outNUcast)) c.outNUcast = undefined;
      }
      if (r.speedBps === undefined && info.speedBps) r.speedBps = info.speedBps;
    }
  }
  const interfaces: IfReading[] = [];
  for (const r of readings) if (r && !gone.has(r.ifIndex)) interfaces.push(r);
  if (gone.size > 0) {
    notes.add(
      `interfaces no longer on the device (ifIndex ${[...gone].join(', ')}): rediscover it`,
    );
  }

  // Host resources, with UCD-SNMP-MIB where HOST-RESOURCES-MIB is silent
  const w = raw.walks;
  let cpuPct = w.hrProcessorLoad ? decodeProcessors(w.hrProcessorLoad, notes) : undefined;
  const cpuRaw = CPU_TICKS.map((n) => uintOf(scalar(n)));
  const cpuTicks =
    cpuPct === undefined && cpuRaw.every((t) => t !== undefined)
      ? { idle: cpuRaw[3]!, total: cpuRaw.reduce((a, b) => a! + b!, 0)! }
      : undefined;
  const idle = intOf(scalar('ssCpuIdle'));
  if (cpuPct === undefined && !cpuTicks && idle !== undefined) {
    if (idle >= 0 && idle <= 100) cpuPct = 100 - idle;
    else notes.add(`cpu: impossible idle ${idle} %`);
  }
  const load = Number.parseFloat(text(scalar('laLoad1')) ?? '');
  const host = w.hrStorage ? decodeStorage(w.hrStorage, notes) : undefined;
  const memUsedPct =
    host?.memUsedPct ??
    ucdMemoryPct(
      uintOf(scalar('memTotalReal')),
      uintOf(scalar('memAvailReal')),
      uintOf(scalar('memBuffer')),
      uintOf(scalar('memCached')),
      notes,
    );

  const supplies =
    w.supplyLevel !== undefined
      ? decodeSupplies(
          columnOf(w.supplyDescr, `${PRT_SUPPLIES_ENTRY}.${PC.descr}`),
          columnOf(w.supplyMax, `${PRT_SUPPLIES_ENTRY}.${PC.maxCapacity}`),
          columnOf(w.supplyLevel, `${PRT_SUPPLIES_ENTRY}.${PC.level}`),
          notes,
        )
      : [];

  const ups = decodeUps(
    {
      batteryStatus: scalar('upsBatteryStatus'),
      secondsOnBattery: scalar('upsSecondsOnBattery'),
      minutesRemaining: scalar('upsMinutesRemaining'),
      chargeRemaining: scalar('upsChargeRemaining'),
      temperature: scalar('upsTemperature'),
      outputSource: scalar('upsOutputSource'),
      outputLoad: w.upsOutputLoad ?? [],
    },
    notes,
  );

  const names = new Map<string, string>();
  const { base, indexes } = plan.sensorNames;
  indexes.forEach((idx, k) => {
    const t = text(at(base + k));
    if (t) names.set(String(idx), t);
  });
  const descrPrefix = `${ENT_PHYSICAL_DESCR}.`;
  for (const vb of raw.sensorNames) {
    const t = text(vb);
    if (t && vb.oid.startsWith(descrPrefix)) names.set(vb.oid.slice(descrPrefix.length), t);
  }
  const sensors = w.sensors ? decodeSensors(w.sensors, names, notes) : [];
  const celsius = w.sensors ? celsiusSensorIndexes(w.sensors) : undefined;

  // What the device has, for the next plan
  const learn = <K extends keyof DeviceCaps>(key: K, observed: boolean | undefined): boolean =>
    observed ?? (prev?.[key] as boolean | undefined) ?? true;
  const walked = (...names: WalkName[]) => {
    if (names.every((n) => w[n] === undefined)) return undefined;
    return names.some((n) => (w[n]?.length ?? 0) > 0);
  };
  const known = new Set(plan.interfaces.map((i) => i.index));
  const adminDown = new Set(
    prev?.adminDown ?? plan.interfaces.filter((i) => !i.adminUp).map((i) => i.index),
  );
  for (const r of interfaces) {
    if (r.admin === 'down') adminDown.add(r.ifIndex);
    else if (r.admin !== undefined) adminDown.delete(r.ifIndex);
  }
  const counters64 = learn('counters64', wide.observed);
  const learned: DeviceCaps = {
    probedAtMs: prev?.probedAtMs ?? atMs,
    ifX: learn('ifX', highSpeed.observed),
    counters64,
    no64: counters64
      ? [...new Set([...(prev?.no64 ?? []), ...missing64])]
          .filter((i) => known.has(i) && !gone.has(i))
          .sort(byNumber)
      : [],
    adminDown: [...adminDown].filter((i) => known.has(i) && !gone.has(i)).sort(byNumber),
    absent: [...(prev?.absent ?? []), ...gone].sort(byNumber),
    hrUptime: learn('hrUptime', seen('hrUptime')),
    engine: learn('engine', seen('engineBoots', 'engineTime')),
    hrProcessor: learn('hrProcessor', walked('hrProcessorLoad')),
    hrStorage: learn('hrStorage', walked('hrStorage')),
    hrRam: learn('hrRam', host?.hasRam),
    ucdCpu: learn('ucdCpu', seen('ssCpuIdle', 'laLoad1')),
    ucdMem: learn('ucdMem', seen('memTotalReal', 'memAvailReal')),
    printer: learn('printer', walked('supplyDescr', 'supplyMax', 'supplyLevel')),
    ups: learn(
      'ups',
      seen(
        'upsBatteryStatus',
        'upsSecondsOnBattery',
        'upsMinutesRemaining',
        'upsChargeRemaining',
        'upsTemperature',
        'upsOutputSource',
      ),
    ),
    upsOutput: learn('upsOutput', walked('upsOutputLoad')),
    sensors: learn('sensors', celsius && celsius.length > 0),
    sensorIndexes: celsius ?? prev?.sensorIndexes ?? [],
  };
  // the same object when nothing changed, so that a caller can keep its plan (caps identity)
  const caps = prev && sameCaps(prev, learned) ? prev : learned;
  if (mismatched > 0) notes.add(`${mismatched} answers were for other OIDs than asked: ignored`);

  return {
    atMs,
    uptimeS: clocks.hrUptimeS ?? clocks.sysUpTimeS,
    clocks,
    interfaces,
    cpuPct,
    ...(cpuTicks ? { cpuTicks } : {}),
    loadAvg1: Number.isFinite(load) && load >= 0 ? load : undefined,
    memUsedPct,
    storage: host?.storage ?? [],
    supplies,
    ups,
    sensors,
    caps,
    pollMs: raw.durationMs,
    notes: notes.done(),
  };
}
