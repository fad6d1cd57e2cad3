import type { NmapPort } from './nmap-xml.js';

export const DEVICE_TYPES = [
  'router',
  'switch',
  'firewall',
  'access-point',
  'printer',
  'ups',
  'nas',
  'server',
  'workstation',
  'phone',
  'camera',
  'unknown',
] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

export interface InterfaceInfo {
  index: number;
  name: string;
  descr: string;
  alias: string;
  type: number;
  mtu?: number;
  speedBps?: number;
  mac?: string;
  adminUp: boolean;
  /** IF-MIB ifOperStatus: up, down, testing, unknown, dormant, notPresent, lowerLayerDown. */
  operStatus: string;
}

export interface Neighbour {
  localPort: number;
  localIfIndex?: number;
  chassisId: string;
  portId: string;
  portDescr?: string;
  sysName?: string;
  sysDescr?: string;
  mgmtIp?: string;
  capabilities: string[];
}

export interface ArpEntry {
  ip: string;
  mac: string;
  ifIndex: number;
}

export interface FdbEntry {
  mac: string;
  port: number;
  ifIndex?: number;
  vlan?: number;
}

export interface IpAddrEntry {
  ip: string;
  ifIndex: number;
  mask: string;
}

export interface EntityInfo {
  model?: string;
  serial?: string;
  firmware?: string;
  software?: string;
  hardware?: string;
  manufacturer?: string;
  descr?: string;
}

export interface SystemInfo {
  sysDescr?: string;
  sysObjectID?: string;
  sysUpTimeTicks?: number;
  sysContact?: string;
  sysName?: string;
  sysLocation?: string;
  sysServices?: number;
  engineId?: string;
}

/** What one scan learned about one live host (before it is merged into the inventory). */
export interface Observation {
  ip: string;
  mac?: string;
  macVendor?: string;
  snmp?: {
    credentialId: string;
    version: '1' | '2c' | '3';
    system: SystemInfo;
    entity: EntityInfo;
    interfaces: InterfaceInfo[];
    ipAddrs: IpAddrEntry[];
    neighbours: Neighbour[];
    arp: ArpEntry[];
    fdb: FdbEntry[];
    /** Tables cut short at the row cap, and collection steps that failed: shown, not hidden. */
    notes: string[];
    /** Printer-MIB / UPS-MIB answered: strong hints of the type. */
    hasPrinterMib: boolean;
    hasUpsMib: boolean;
  };
  snmpError?: { code: string; message: string };
  services?: NmapPort[];
}

export interface Identification {
  vendor?: string;
  model?: string;
  os?: string;
  osVersion?: string;
  type: DeviceType;
  /** Why each guess was made, in words, shown beside the device. */
  reasons: string[];
}
