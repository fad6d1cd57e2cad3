/**
 * The data of one SNMP monitoring poll as it moves through the poller: what to ask (PollPlan,
 * from poll-plan.ts), what came back (RawPoll, from the adapter snmp-poller.ts), what it means
 * (DevicePoll, from poll-decode.ts), and what the device is known to answer (DeviceCaps), which
 * the next plan is built from.
 */
import type { InterfaceInfo } from '../discovery/types.js';
import type { Varbind } from '../snmp/types.js';
import type { PollAnswers } from './poll-answers.js';

/**
 * What a device answered at its last poll, so that the next one asks only what exists. Learned by
 * decodePoll; a plan built without caps asks everything once. Something that did not answer at
 * all (a timeout) is not learned as missing: it is asked again.
 */
export interface DeviceCaps {
  /** When everything was last asked (a plan without caps); re-probe now and then. */
  probedAtMs: number;
  /** ifXTable answers (ifHighSpeed); otherwise ifSpeed is read. */
  ifX: boolean;
  /** ifHC* Counter64 columns answer (never over SNMPv1); otherwise the Counter32 columns. */
  counters64: boolean;
  /** Interfaces that did not answer ifHC* although others did: read with Counter32 columns. */
  no64: number[];
  /** Interfaces administratively down: only their status is read, not their counters. */
  adminDown: number[];
  /** Interfaces of the inventory the device no longer has: not asked until the next probe. */
  absent: number[];
  hrUptime: boolean;
  engine: boolean;
  hrProcessor: boolean;
  hrStorage: boolean;
  /** hrStorageTable has a RAM row: memory comes from it rather than UCD-SNMP-MIB. */
  hrRam: boolean;
  ucdCpu: boolean;
  ucdMem: boolean;
  printer: boolean;
  ups: boolean;
  upsOutput: boolean;
  sensors: boolean;
  /** Celsius sensors (entPhysicalIndex) last seen: their names are read in the GET. */
  sensorIndexes: number[];
}

export type ScalarName =
  | 'sysUpTime'
  | 'hrUptime'
  | 'engineBoots'
  | 'engineTime'
  | 'ssCpuIdle'
  | 'ssCpuRawUser'
  | 'ssCpuRawNice'
  | 'ssCpuRawSystem'
  | 'ssCpuRawIdle'
  | 'ssCpuRawWait'
  | 'ssCpuRawInterrupt'
  | 'ssCpuRawSoftIRQ'
  | 'laLoad1'
  | 'memTotalReal'
  | 'memAvailReal'
  | 'memBuffer'
  | 'memCached'
  | 'upsBatteryStatus'
  | 'upsSecondsOnBattery'
  | 'upsMinutesRemaining'
  | 'upsChargeRemaining'
  | 'upsTemperature'
  | 'upsOutputSource';

/**
 * One polled column of an interface. `inNUcast`/`outNUcast` are the Counter32 ifIn/OutNUcastPkts;
 * with Counter64 the multicast and broadcast counters are read and added up instead.
 */
export type IfField =
  | 'oper'
  | 'admin'
  | 'speed'
  | 'highSpeed'
  | 'inOctets'
  | 'outOctets'
  | 'inUcast'
  | 'outUcast'
  | 'inNUcast'
  | 'outNUcast'
  | 'inMcast'
  | 'inBcast'
  | 'outMcast'
  | 'outBcast'
  | 'inErrors'
  | 'outErrors'
  | 'inDiscards'
  | 'outDiscards';

/**
 * Interfaces read alike. Column-major: the answer for field f of member m is at
 * `oids[base + f * members.length + m]`, so a column (an MIB group) is one contiguous run.
 */
export interface IfBlock {
  /** Counter64 (ifHC*) or Counter32 columns for octets and packets. */
  width: 32 | 64;
  fields: readonly IfField[];
  /** Positions in PollPlan.interfaces. */
  members: readonly number[];
  base: number;
}

/**
 * A run of `oids` the adapter chunks on its own. `optional` names an MIB group the device may not
 * have: when the agent refuses the run (SNMPv1 noSuchName fails the whole PDU) it is read as
 * missing instead of being split up OID by OID.
 */
export interface GetSegment {
  start: number;
  end: number;
  optional?: string;
}

export type WalkName =
  | 'hrProcessorLoad'
  | 'hrStorage'
  | 'supplyDescr'
  | 'supplyMax'
  | 'supplyLevel'
  | 'sensors'
  | 'upsOutputLoad';

export interface WalkSpec {
  readonly name: WalkName;
  readonly oid: string;
  readonly maxVarbinds: number;
}

/** What a plan and its decoding need of an inventory interface. */
export type PlanInterface = Pick<
  InterfaceInfo,
  'index' | 'name' | 'alias' | 'adminUp' | 'speedBps'
>;

/**
 * Parts of a plan (field lists, walks, and through PlanSharing its OID list and block members,
 * frozen) are shared with other plans: nothing may change one.
 */
export interface PollPlan {
  /** Instance OIDs for GET; answers are matched by position. */
  oids: readonly string[];
  segments: GetSegment[];
  scalars: Partial<Record<ScalarName, number>>;
  ifBlocks: IfBlock[];
  /** entPhysicalDescr of known sensors: `oids[base + k]` names sensor `indexes[k]`. */
  sensorNames: { base: number; indexes: number[] };
  walks: readonly WalkSpec[];
  /** The inventory's interfaces, by ifIndex: names, aliases and the speed discovery saw. */
  interfaces: readonly PlanInterface[];
  /** What the plan was built from (undefined: the first poll, which asks everything). */
  caps: DeviceCaps | undefined;
}

/** What the agent answered, untouched: decodePoll gives it meaning. */
export interface RawPoll {
  plan: PollPlan;
  /** Answers to plan.oids by position (none where the request got no answer). */
  values: PollAnswers;
  /** Walk results; missing when the walk failed. */
  walks: Partial<Record<WalkName, Varbind[]>>;
  /** entPhysicalDescr of sensors found by the walk that the plan did not know yet. */
  sensorNames: Varbind[];
  /** Requests that failed or were cut short, in words; the rest of the poll is kept. */
  notes: string[];
  requests: number;
  durationMs: number;
}

export type OperStatus =
  'up' | 'down' | 'testing' | 'unknown' | 'dormant' | 'notPresent' | 'lowerLayerDown';

/** ifOperStatus by its IF-MIB value less one (up(1) … lowerLayerDown(7)). */
export const OPER_STATUSES: readonly OperStatus[] = [
  'up',
  'down',
  'testing',
  'unknown',
  'dormant',
  'notPresent',
  'lowerLayerDown',
];

/**
 * Raw counter readings of one interface. Octets and packets are `width` bits wide; errors and
 * discards exist only as Counter32. Counter64 values are JS numbers: exact up to 2^53 and
 * monotonic above it, which is all a rate needs.
 */
export interface IfCounters {
  width: 32 | 64;
  inOctets?: number;
  outOctets?: number;
  inUcast?: number;
  outUcast?: number;
  inNUcast?: number;
  outNUcast?: number;
  inErrors?: number;
  outErrors?: number;
  inDiscards?: number;
  outDiscards?: number;
}

export interface IfReading {
  ifIndex: number;
  name: string;
  alias: string;
  oper?: OperStatus;
  admin?: 'up' | 'down' | 'testing';
  speedBps?: number;
  /** Absent when the interface's counters were not read (administratively down). */
  counters?: IfCounters;
}

export interface StorageReading {
  /** hrStorageIndex as a decimal string. */
  index: string;
  descr: string;
  usedBytes: number;
  sizeBytes: number;
}

export interface SupplyReading {
  /** The row index: hrDeviceIndex.prtMarkerSuppliesIndex. */
  index: string;
  descr: string;
  /** Remaining, of the maximum capacity (for a receptacle: free space). */
  levelPct?: number;
  /** RFC 3805: −3 means "some remaining", −2 unknown, −1 other (no fixed capacity). */
  state: 'level' | 'some-remaining' | 'unknown' | 'other';
}

export interface UpsReading {
  onBattery?: boolean;
  batteryStatus?: 'unknown' | 'normal' | 'low' | 'depleted';
  chargePct?: number;
  runtimeMin?: number;
  /** The most loaded output line. */
  loadPct?: number;
  tempC?: number;
}

export interface SensorReading {
  /** entPhysicalIndex as a decimal string. */
  index: string;
  descr: string;
  celsius: number;
}

/** One device at one moment, decoded and checked. */
export interface DevicePoll {
  atMs: number;
  /** The host's uptime (hrSystemUptime, else sysUpTime), in seconds. */
  uptimeS?: number;
  /** The raw clocks, for telling a reboot from a 497-day TimeTicks wrap. */
  clocks: { sysUpTimeS?: number; hrUptimeS?: number; engineBoots?: number; engineTimeS?: number };
  interfaces: IfReading[];
  cpuPct?: number;
  /** UCD-SNMP-MIB CPU tick counters (Counter32): busy % comes from two polls. */
  cpuTicks?: { idle: number; total: number };
  loadAvg1?: number;
  memUsedPct?: number;
  storage: StorageReading[];
  supplies: SupplyReading[];
  ups?: UpsReading;
  sensors: SensorReading[];
  caps: DeviceCaps;
  /** How long the SNMP requests took. */
  pollMs: number;
  notes: string[];
}
