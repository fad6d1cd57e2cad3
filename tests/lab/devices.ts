/**
 * Who lives on the lab LAN: the device specifications, the default branch office, and the snmpd
 * configuration that gives a real Net-SNMP agent its identity.
 */
import type { Vendor } from './addressing.js';

export interface SnmpV2c {
  version: '2c';
  community: string;
}

export interface SnmpV3 {
  version: '3';
  user: string;
  authProtocol: 'sha';
  authKey: string;
  privProtocol: 'aes';
  privKey: string;
}

export type LabSnmp = SnmpV2c | SnmpV3;

/** A device in its own namespace: a real snmpd ('snmpd') or just an address ('none'). */
export interface LabDeviceSpec {
  name: string;
  vendor: Vendor;
  kind: 'snmpd' | 'none';
  /** Required for kind 'snmpd'. */
  snmp?: LabSnmp;
  sysDescr?: string;
  sysObjectID?: string;
  sysLocation?: string;
  sysContact?: string;
  sysServices?: number;
  /** A tiny HTTP server on TCP 80 (for a device that is found by a port, not by SNMP). */
  http?: { title: string };
}

export type SimProfile = 'switch48' | 'switch24' | 'router' | 'printer' | 'ups' | 'server';

/** A device answered by the simulator (tests/lab/simulator), in its own namespace. */
export interface SimulatedSpec {
  name: string;
  vendor: Vendor;
  profile: SimProfile;
  community?: string;
  seed?: number;
  /** Serve HOST-RESOURCES-MIB as well (the server profile always does; not for printers). */
  hostResources?: boolean;
}

/** The ground truth tests assert against. */
export interface LabDevice {
  name: string;
  ns: string;
  ip: string;
  mac: string;
  vendor: Vendor;
  kind: 'snmpd' | 'simulated' | 'none';
  snmp?: LabSnmp;
  /** What the agent answers for sysName.0 (the name, for every device that speaks SNMP). */
  sysName: string;
  /** For simulated devices: read back from the agent once it is ready (not for scale agents). */
  sysDescr?: string;
  sysObjectID?: string;
  /** snmpEngineID as lowercase hex (snmpd devices). */
  engineId?: string;
  profile?: SimProfile;
  /** The port of the simulated core switch that the device is plugged into (if any). */
  switchPort?: number;
}

export const LAB_LOCATION = 'Caretaker lab branch';

export const DEFAULT_DEVICES: LabDeviceSpec[] = [
  {
    name: 'srv-files',
    vendor: 'dell',
    kind: 'snmpd',
    snmp: { version: '2c', community: 'public' },
    sysDescr:
      'Linux srv-files 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64',
    sysObjectID: '1.3.6.1.4.1.8072.3.2.10',
    sysLocation: `${LAB_LOCATION}, server room, rack A U12`,
    sysContact: 'IT branch desk <it-branch@example.org>',
    sysServices: 72,
  },
  {
    name: 'nas-backup',
    vendor: 'synology',
    kind: 'snmpd',
    snmp: { version: '2c', community: 'branch-ro' },
    sysDescr: 'Linux nas-backup 4.4.302+ #72806 SMP Thu Sep 5 13:44:21 CST 2024 x86_64',
    sysObjectID: '1.3.6.1.4.1.6574.1',
    sysLocation: `${LAB_LOCATION}, server room, shelf 2`,
    sysContact: 'storage@example.org',
    sysServices: 72,
  },
  {
    name: 'fw-edge',
    vendor: 'fortinet',
    kind: 'snmpd',
    snmp: {
      version: '3',
      user: 'fwmon',
      authProtocol: 'sha',
      authKey: 'lab-fw-auth-2931',
      privProtocol: 'aes',
      privKey: 'lab-fw-priv-7740',
    },
    sysDescr: 'FortiGate-60F v7.2.8,build1639,240313 (GA.M)',
    sysObjectID: '1.3.6.1.4.1.12356.101.1.3',
    sysLocation: `${LAB_LOCATION}, comms cabinet`,
    sysContact: 'netops@example.org',
    sysServices: 78,
  },
  {
    name: 'cam-lobby',
    vendor: 'axis',
    kind: 'none',
    http: { title: 'AXIS M3106-L Mk II Network Camera' },
  },
];

export const DEFAULT_SIMULATED: SimulatedSpec[] = [
  { name: 'sw-core', vendor: 'cisco', profile: 'switch48', community: 'public', seed: 1 },
  { name: 'rt-wan', vendor: 'mikrotik', profile: 'router', community: 'public', seed: 2 },
  { name: 'prn-office', vendor: 'brother', profile: 'printer', community: 'public', seed: 3 },
  { name: 'ups-rack', vendor: 'apc', profile: 'ups', community: 'public', seed: 4 },
];

/** What a scale agent is: its name prefix, profile and vendor. */
export interface ScaleProfile {
  prefix: string;
  profile: SimProfile;
  vendor: Vendor;
  hostResources?: boolean;
}

/** Vendors the simulator can imitate for each profile (it picks the identity by OUI). */
const SCALE_MIX: ScaleProfile[] = [
  { prefix: 'sw', profile: 'switch24', vendor: 'cisco' },
  { prefix: 'prn', profile: 'printer', vendor: 'hp' },
  { prefix: 'ups', profile: 'ups', vendor: 'apc' },
  { prefix: 'srv', profile: 'server', vendor: 'dell' },
  { prefix: 'prn', profile: 'printer', vendor: 'brother' },
  { prefix: 'rt', profile: 'router', vendor: 'mikrotik' },
  { prefix: 'sw', profile: 'switch48', vendor: 'cisco' },
];

/**
 * `count` scale agents with a fixed mix of profiles and vendors, or all alike when `only` is
 * given (deterministic names and seeds either way).
 */
export function scaleSpecs(count: number, only?: ScaleProfile): SimulatedSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const mix = only ?? SCALE_MIX[i % SCALE_MIX.length]!;
    const n = String(i + 1).padStart(3, '0');
    return {
      name: `${mix.prefix}-x${n}`,
      vendor: mix.vendor,
      profile: mix.profile,
      community: 'public',
      seed: 1000 + i,
      ...(mix.hostResources ? { hostResources: true } : {}),
    };
  });
}

/** The engineID directive's text; snmpd turns it into 80001f8804 + the text's bytes. */
export function engineIdText(name: string): string {
  return `lab-${name}`.slice(0, 27);
}

export function engineIdHex(name: string): string {
  return `80001f8804${Buffer.from(engineIdText(name), 'utf8').toString('hex')}`;
}

function quote(value: string): string {
  if (/["\n\r]/.test(value)) throw new Error(`snmpd.conf value cannot hold quotes: ${value}`);
  return `"${value}"`;
}

/**
 * snmpd.conf for one device. Communities are limited to the lab subnet; a v3 device has no
 * community at all. No trap sinks and no AgentX: the agent answers and never talks first.
 */
export function snmpdConfig(spec: LabDeviceSpec, ip: string, lanCidr: string, dir: string): string {
  if (!spec.snmp) throw new Error(`${spec.name}: an snmpd device needs snmp credentials`);
  const lines = [
    `# Caretaker lab device ${spec.name} (generated; this file is the device's whole config)`,
    `[snmp] persistentDir ${dir}/persist`,
    `sysName ${spec.name}`,
    `sysDescr ${spec.sysDescr ?? `Linux ${spec.name}`}`,
    `sysObjectID ${spec.sysObjectID ?? '1.3.6.1.4.1.8072.3.2.10'}`,
    `sysLocation ${spec.sysLocation ?? LAB_LOCATION}`,
    `sysContact ${spec.sysContact ?? 'lab@example.org'}`,
    `sysServices ${spec.sysServices ?? 72}`,
    `engineID ${engineIdText(spec.name)}`,
  ];
  if (spec.snmp.version === '2c') {
    if (!/^[A-Za-z0-9._-]+$/.test(spec.snmp.community)) {
      throw new Error(`${spec.name}: community must be [A-Za-z0-9._-]`);
    }
    lines.push(`rocommunity ${spec.snmp.community} ${lanCidr}`);
  } else {
    const { user, authKey, privKey } = spec.snmp;
    if (!/^[A-Za-z0-9._-]+$/.test(user)) throw new Error(`${spec.name}: bad v3 user name`);
    if (authKey.length < 8 || privKey.length < 8) {
      throw new Error(`${spec.name}: SNMPv3 pass phrases need at least 8 characters`);
    }
    lines.push(`createUser ${user} SHA ${quote(authKey)} AES ${quote(privKey)}`);
    lines.push(`rouser ${user} priv`);
  }
  return `${lines.join('\n')}\n`;
}

/** The snmpget/snmpwalk options that authenticate as this device's credentials. */
export function snmpCliAuth(snmp: LabSnmp): string[] {
  if (snmp.version === '2c') return ['-v2c', '-c', snmp.community];
  return [
    '-v3',
    '-l',
    'authPriv',
    '-u',
    snmp.user,
    '-a',
    'SHA',
    '-A',
    snmp.authKey,
    '-x',
    'AES',
    '-X',
    snmp.privKey,
  ];
}
