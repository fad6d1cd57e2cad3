/**
 * What one monitoring poll of a device asks (pure). Interfaces are known from the inventory, so
 * their columns are GETs of explicit instances, many to a PDU; only small tables whose rows are
 * not known beforehand (storage, processors, supplies, sensors, UPS output lines) are walked.
 * DeviceCaps from the previous poll leave out what the device does not have.
 */
import { hashList } from '../lib/list-pool.js';
import {
  ENT_PHY_SENSOR_ENTRY,
  ENT_PHYSICAL_DESCR,
  HR_PROCESSOR_LOAD,
  HR_STORAGE_ENTRY,
  HR_SYSTEM_UPTIME,
  IF_COLUMN,
  IF_ENTRY,
  IFX_COLUMN,
  IFX_ENTRY,
  PRT_SUPPLIES_COLUMN,
  PRT_SUPPLIES_ENTRY,
  SNMP_ENGINE_BOOTS,
  SNMP_ENGINE_TIME,
  SYS_UPTIME,
  UCD,
  UPS,
  UPS_OUTPUT_PERCENT_LOAD,
} from './poll-oids.js';
import type {
  DeviceCaps,
  GetSegment,
  IfBlock,
  IfField,
  PlanInterface,
  PollPlan,
  ScalarName,
  WalkSpec,
} from './poll-types.js';

const ifCol = (c: number) => `${IF_ENTRY}.${c}.`;
const ifxCol = (c: number) => `${IFX_ENTRY}.${c}.`;

/** Column OID prefixes (ending in '.') of each field; counters depend on the width read. */
const COMMON_PREFIX: Partial<Record<IfField, string>> = {
  oper: ifCol(IF_COLUMN.operStatus),
  admin: ifCol(IF_COLUMN.adminStatus),
  speed: ifCol(IF_COLUMN.speed),
  highSpeed: ifxCol(IFX_COLUMN.highSpeed),
  inErrors: ifCol(IF_COLUMN.inErrors),
  outErrors: ifCol(IF_COLUMN.outErrors),
  inDiscards: ifCol(IF_COLUMN.inDiscards),
  outDiscards: ifCol(IF_COLUMN.outDiscards),
};
const PREFIX_64: Partial<Record<IfField, string>> = {
  ...COMMON_PREFIX,
  inOctets: ifxCol(IFX_COLUMN.hcInOctets),
  outOctets: ifxCol(IFX_COLUMN.hcOutOctets),
  inUcast: ifxCol(IFX_COLUMN.hcInUcastPkts),
  outUcast: ifxCol(IFX_COLUMN.hcOutUcastPkts),
  inMcast: ifxCol(IFX_COLUMN.hcInMulticastPkts),
  inBcast: ifxCol(IFX_COLUMN.hcInBroadcastPkts),
  outMcast: ifxCol(IFX_COLUMN.hcOutMulticastPkts),
  outBcast: ifxCol(IFX_COLUMN.hcOutBroadcastPkts),
};
const PREFIX_32: Partial<Record<IfField, string>> = {
  ...COMMON_PREFIX,
  inOctets: ifCol(IF_COLUMN.inOctets),
  outOctets: ifCol(IF_COLUMN.outOctets),
  inUcast: ifCol(IF_COLUMN.inUcastPkts),
  outUcast: ifCol(IF_COLUMN.outUcastPkts),
  inNUcast: ifCol(IF_COLUMN.inNUcastPkts),
  outNUcast: ifCol(IF_COLUMN.outNUcastPkts),
};

const STATUS: readonly IfField[] = ['oper', 'admin'];
const ERRORS: readonly IfField[] = ['inErrors', 'outErrors', 'inDiscards', 'outDiscards'];
const COUNTERS_64: readonly IfField[] = [
  'inOctets',
  'outOctets',
  'inUcast',
  'outUcast',
  'inMcast',
  'inBcast',
  'outMcast',
  'outBcast',
];
const COUNTERS_32: readonly IfField[] = [
  'inOctets',
  'outOctets',
  'inUcast',
  'outUcast',
  'inNUcast',
  'outNUcast',
];

/**
 * Walk caps: generous for the tables, small enough that a hostile agent cannot flood the box.
 * Plans share these objects (and the field lists below) rather than each holding copies.
 */
const WALKS: Record<WalkSpec['name'], WalkSpec> = {
  hrProcessorLoad: { name: 'hrProcessorLoad', oid: HR_PROCESSOR_LOAD, maxVarbinds: 256 },
  hrStorage: { name: 'hrStorage', oid: HR_STORAGE_ENTRY, maxVarbinds: 1024 },
  supplyDescr: {
    name: 'supplyDescr',
    oid: `${PRT_SUPPLIES_ENTRY}.${PRT_SUPPLIES_COLUMN.descr}`,
    maxVarbinds: 64,
  },
  supplyMax: {
    name: 'supplyMax',
    oid: `${PRT_SUPPLIES_ENTRY}.${PRT_SUPPLIES_COLUMN.maxCapacity}`,
    maxVarbinds: 64,
  },
  supplyLevel: {
    name: 'supplyLevel',
    oid: `${PRT_SUPPLIES_ENTRY}.${PRT_SUPPLIES_COLUMN.level}`,
    maxVarbinds: 64,
  },
  sensors: { name: 'sensors', oid: ENT_PHY_SENSOR_ENTRY, maxVarbinds: 1024 },
  upsOutputLoad: { name: 'upsOutputLoad', oid: UPS_OUTPUT_PERCENT_LOAD, maxVarbinds: 16 },
};

/** The probe's interface columns: status, ifSpeed and errors are in every agent, the rest not. */
const PROBE_BASE: readonly IfField[] = [...STATUS, 'speed', ...ERRORS];
const PROBE_FIELDS: readonly IfField[] = [...PROBE_BASE, 'highSpeed', ...COUNTERS_64];
/** The columns of a known device, by width and by the speed column it has. */
const FIELDS: Record<32 | 64, Record<'speed' | 'highSpeed', readonly IfField[]>> = {
  64: {
    speed: [...STATUS, 'speed', ...ERRORS, ...COUNTERS_64],
    highSpeed: [...STATUS, 'highSpeed', ...ERRORS, ...COUNTERS_64],
  },
  32: {
    speed: [...STATUS, 'speed', ...ERRORS, ...COUNTERS_32],
    highSpeed: [...STATUS, 'highSpeed', ...ERRORS, ...COUNTERS_32],
  },
};

/**
 * The OIDs to ask one device. `caps` undefined (the first poll, or a periodic re-probe) asks
 * everything once, in runs per MIB group so that an SNMPv1 agent refusing a group loses only
 * that group. The plan is pure data: a caller may keep it while interfaces and caps are unchanged.
 */
/** The UCD CPU tick counters, summed into the total. */
export const CPU_TICKS = [
  'ssCpuRawUser',
  'ssCpuRawNice',
  'ssCpuRawSystem',
  'ssCpuRawIdle',
  'ssCpuRawWait',
  'ssCpuRawInterrupt',
  'ssCpuRawSoftIRQ',
] as const;

/**
 * How plans share what many of them hold alike. A thousand devices' plans then hold a few hundred
 * distinct OID strings instead of a few hundred thousand, and devices with the same interfaces and
 * caps (the switches of one model) one list of OIDs between them.
 */
export interface PlanSharing {
  /** A shared copy of an OID. */
  string(oid: string): string;
  /** A shared copy of a list (the OIDs to GET, an interface block's members). */
  list<T extends string | number>(list: readonly T[]): readonly T[];
}

const NO_SHARING: PlanSharing = { string: (s) => s, list: (l) => l };

/** Everything a plan interface has: ports alike in all of it are one object between plans. */
const PORT_FIELDS = ['index', 'name', 'alias', 'adminUp', 'speedBps'] as const;
// A field added to PlanInterface must be added above, or ports differing in it would be shared.
type UnlistedField = Exclude<keyof PlanInterface, (typeof PORT_FIELDS)[number]>;
const everyFieldListed: [UnlistedField] extends [never] ? true : UnlistedField = true;
void everyFieldListed;

/** Whether two plan interfaces are alike (a ValuePool shares them between devices). */
export function samePlanInterface(a: PlanInterface, b: PlanInterface): boolean {
  return PORT_FIELDS.every((f) => a[f] === b[f]);
}

export const hashPlanInterface = (i: PlanInterface): number =>
  hashList(PORT_FIELDS.map((f) => i[f]));

export function buildPollPlan(
  interfaces: readonly PlanInterface[],
  caps: DeviceCaps | undefined,
  share: PlanSharing = NO_SHARING,
): PollPlan {
  const intern = (oid: string) => share.string(oid);
  const probe = caps === undefined;
  const oids: string[] = [];
  const segments: GetSegment[] = [];
  const scalars: Partial<Record<ScalarName, number>> = {};
  const ifBlocks: IfBlock[] = [];
  let runStart = 0;
  // In a probe every MIB group is its own run; otherwise everything is one run, filled to the
  // PDU size, since caps say it all exists.
  const endRun = (optional?: string) => {
    if (!probe || oids.length === runStart) return;
    const last = segments.at(-1);
    if (!optional && last && !last.optional && last.end === runStart) last.end = oids.length;
    else segments.push({ start: runStart, end: oids.length, ...(optional ? { optional } : {}) });
    runStart = oids.length;
  };
  const scalar = (name: ScalarName, oid: string) => {
    scalars[name] = oids.length;
    oids.push(intern(oid));
  };

  // an SNMPv1 agent refuses a whole PDU for one missing interface: leave out the known absent
  const absent = new Set(caps?.absent);
  // The caller's list itself when it is in order and complete (as the monitor's cache keeps it):
  // a thousand plans then hold no second array of their ports.
  const inOrder = interfaces.every((x, k) => k === 0 || interfaces[k - 1]!.index < x.index);
  const sorted =
    inOrder && !interfaces.some((i) => absent.has(i.index))
      ? interfaces
      : interfaces.filter((i) => !absent.has(i.index)).sort((a, b) => a.index - b.index);
  const adminDown = new Set(
    caps ? caps.adminDown : sorted.filter((i) => !i.adminUp).map((i) => i.index),
  );
  const no64 = new Set(caps?.no64);
  const statusOnly: number[] = [];
  const wide: number[] = [];
  const narrow: number[] = [];
  sorted.forEach((i, pos) => {
    if (adminDown.has(i.index)) statusOnly.push(pos);
    else if (probe || (caps.counters64 && !no64.has(i.index))) wide.push(pos);
    else narrow.push(pos);
  });
  const block = (
    width: 32 | 64,
    members: number[],
    fields: readonly IfField[],
    runs?: [number, string?][],
  ) => {
    if (members.length === 0) return;
    const prefix = width === 64 ? PREFIX_64 : PREFIX_32;
    const base = oids.length;
    let f = 0;
    for (const [count, optional] of runs ?? [[fields.length]]) {
      for (const end = f + count; f < end; f++) {
        const p = prefix[fields[f]!]!;
        for (const m of members) oids.push(intern(p + sorted[m]!.index));
      }
      endRun(optional);
    }
    ifBlocks.push({ width, fields, members: share.list(members), base });
  };

  scalar('sysUpTime', SYS_UPTIME);
  block(32, statusOnly, STATUS);
  if (probe) {
    block(64, wide, PROBE_FIELDS, [
      [PROBE_BASE.length],
      [1, 'ifX'],
      [COUNTERS_64.length, 'counters64'],
    ]);
  } else {
    const speed = caps.ifX ? 'highSpeed' : 'speed';
    block(64, wide, FIELDS[64][speed]);
    block(32, narrow, FIELDS[32][speed]);
  }
  endRun();

  if (probe || caps.hrUptime) scalar('hrUptime', HR_SYSTEM_UPTIME);
  endRun('hrUptime');
  if (probe || caps.engine) {
    scalar('engineBoots', SNMP_ENGINE_BOOTS);
    scalar('engineTime', SNMP_ENGINE_TIME);
  }
  endRun('engine');
  // UCD-SNMP-MIB only stands in for what HOST-RESOURCES-MIB lacks
  if (probe || (caps.ucdCpu && !caps.hrProcessor)) {
    scalar('ssCpuIdle', UCD.ssCpuIdle);
    scalar('laLoad1', UCD.laLoad1);
    for (const n of CPU_TICKS) scalar(n, UCD[n]);
  }
  endRun('ucdCpu');
  if (probe || (caps.ucdMem && !caps.hrRam)) {
    scalar('memTotalReal', UCD.memTotalReal);
    scalar('memAvailReal', UCD.memAvailReal);
    scalar('memBuffer', UCD.memBuffer);
    scalar('memCached', UCD.memCached);
  }
  endRun('ucdMem');
  if (probe || caps.ups) {
    scalar('upsBatteryStatus', UPS.batteryStatus);
    scalar('upsSecondsOnBattery', UPS.secondsOnBattery);
    scalar('upsMinutesRemaining', UPS.estimatedMinutesRemaining);
    scalar('upsChargeRemaining', UPS.estimatedChargeRemaining);
    scalar('upsTemperature', UPS.batteryTemperature);
    scalar('upsOutputSource', UPS.outputSource);
  }
  endRun('ups');
  const sensorIndexes = !probe && caps.sensors ? caps.sensorIndexes : [];
  const sensorNames = { base: oids.length, indexes: sensorIndexes };
  for (const idx of sensorIndexes) oids.push(intern(`${ENT_PHYSICAL_DESCR}.${idx}`));
  endRun();
  if (!probe && oids.length > 0) segments.push({ start: 0, end: oids.length });

  const walks: WalkSpec[] = [];
  const walk = (name: WalkSpec['name'], wanted: boolean) => {
    if (probe || wanted) walks.push(WALKS[name]);
  };
  walk('hrProcessorLoad', caps?.hrProcessor ?? true);
  walk('hrStorage', caps?.hrStorage ?? true);
  walk('supplyDescr', caps?.printer ?? true);
  walk('supplyMax', caps?.printer ?? true);
  walk('supplyLevel', caps?.printer ?? true);
  walk('sensors', caps?.sensors ?? true);
  walk('upsOutputLoad', caps?.upsOutput ?? true);

  return {
    oids: share.list(oids),
    segments,
    scalars,
    ifBlocks,
    sensorNames,
    walks,
    interfaces: sorted,
    caps,
  };
}

/**
 * Exactly what a plan asks, for comparing the poller with a plain SNMP client (the benchmark):
 * instance OIDs to GET and subtrees to walk.
 */
export function planOids(plan: PollPlan): { get: readonly string[]; walk: string[] } {
  return { get: plan.oids, walk: plan.walks.map((w) => w.oid) };
}
