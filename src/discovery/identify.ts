import { ENTERPRISES, enterpriseOf } from './enterprises.js';
import { normalizeVendor, ouiVendor } from './oui.js';
import type { DeviceType, EntityInfo, Identification, InterfaceInfo } from './types.js';
import type { NmapPort } from './nmap-xml.js';

export interface IdentifyInput {
  sysDescr?: string | undefined;
  sysObjectID?: string | undefined;
  sysServices?: number | undefined;
  entity?: EntityInfo | undefined;
  interfaces?: InterfaceInfo[] | undefined;
  mac?: string | undefined;
  macVendor?: string | undefined;
  services?: NmapPort[] | undefined;
  /** Extra MIBs that answered (Printer-MIB, UPS-MIB), a strong hint of the type. */
  hasPrinterMib?: boolean;
  hasUpsMib?: boolean;
}

interface OsRule {
  re: RegExp;
  os: string;
  type?: DeviceType;
}

/** sysDescr patterns: the OS name, the version in capture group 1, sometimes the device type. */
const OS_RULES: OsRule[] = [
  { re: /Cisco IOS XE Software.*?Version ([\w.()-]+)/is, os: 'Cisco IOS XE' },
  { re: /Cisco NX-OS.*?Version ([\w.()-]+)/is, os: 'Cisco NX-OS', type: 'switch' },
  {
    re: /Cisco Adaptive Security Appliance Version ([\w.()-]+)/i,
    os: 'Cisco ASA',
    type: 'firewall',
  },
  { re: /Cisco IOS Software.*?Version ([\w.()-]+)/is, os: 'Cisco IOS' },
  { re: /RouterOS\b(?:\s+v?(\d+\.[\d.]+))?/i, os: 'MikroTik RouterOS', type: 'router' },
  { re: /(?:FortiGate\S*|FortiOS)\s+v?([\d.]+)/i, os: 'FortiOS', type: 'firewall' },
  { re: /FortiGate|FortiOS/i, os: 'FortiOS', type: 'firewall' },
  { re: /pfSense\S*\s+([\d.]+(?:-RELEASE)?)/i, os: 'pfSense', type: 'firewall' },
  { re: /pfSense/i, os: 'pfSense', type: 'firewall' },
  { re: /OPNsense\s*([\d.]+)?/i, os: 'OPNsense', type: 'firewall' },
  { re: /JUNOS\s+([\w.-]+)/i, os: 'Junos' },
  { re: /Palo Alto Networks.*?PAN-OS\s*([\d.]+)?/i, os: 'PAN-OS', type: 'firewall' },
  { re: /Software: Windows Version ([\d.]+)/i, os: 'Windows' },
  { re: /Windows.*?Version ([\d.]+)/i, os: 'Windows' },
  { re: /Darwin .*? (\d+\.\d+\.\d+)/i, os: 'macOS', type: 'workstation' },
  { re: /FreeBSD\s+\S+\s+([\d.]+-\w+)/i, os: 'FreeBSD' },
  { re: /APC Web\/SNMP Management Card.*?AOS v([\d.]+)/is, os: 'APC AOS', type: 'ups' },
  { re: /Linux\s+\S+\s+([\d.]+[\w.+-]*)/i, os: 'Linux' },
];

/** Product words in sysDescr, entity model or name that name the type outright. */
const TYPE_WORDS: Array<{ re: RegExp; type: DeviceType; what: string }> = [
  {
    re: /\b(LaserJet|OfficeJet|PageWide|Brother (?:HL|MFC|DCP)|imageRUNNER|WorkCentre|VersaLink|ECOSYS|Lexmark|printer)\b/i,
    type: 'printer',
    what: 'a printer model',
  },
  { re: /\b(Smart-UPS|Back-UPS|Symmetra|UPS)\b/i, type: 'ups', what: 'a UPS model' },
  {
    re: /\b(DiskStation|RackStation|Synology|QNAP|TS-\d{3}|ReadyNAS|TrueNAS)\b/i,
    type: 'nas',
    what: 'a NAS product',
  },
  {
    re: /\b(UAP|U6-|UniFi AP|AIR-[A-Z]*AP|Aruba AP|access point|WAP\d+)\b/i,
    type: 'access-point',
    what: 'an access point model',
  },
  {
    re: /\b(FortiGate|ASA\d+|PA-\d+|SonicWall|WatchGuard|Firebox|Sophos XG|pfSense|OPNsense)\b/i,
    type: 'firewall',
    what: 'a firewall product',
  },
  {
    re: /\b(Catalyst|C\d{4}[A-Z]*[- ]|C2960|C9200|C9300|ProCurve|Aruba \d{4}|EdgeSwitch|USW-|GS\d{3}|SG\d{3}|CRS\d{3}|switch)\b/i,
    type: 'switch',
    what: 'a switch model',
  },
  {
    re: /\b(ISR\d*|ASR\d*|C8\d{2}|EdgeRouter|RB\d{3,4}|CCR\d{4}|hEX|router)\b/i,
    type: 'router',
    what: 'a router model',
  },
  {
    re: /\b(Yealink|SIP-T\d+|Polycom|VVX|Grandstream|GXP\d+|IP Phone)\b/i,
    type: 'phone',
    what: 'an IP phone model',
  },
  {
    re: /\b(AXIS|Hikvision|DS-2CD|Dahua|IPC-|network camera|IP camera)\b/i,
    type: 'camera',
    what: 'a camera model',
  },
  { re: /\bWindows Server\b|\bServer 20\d\d\b/i, type: 'server', what: 'Windows Server' },
];

const VENDOR_TYPES: Readonly<Record<string, DeviceType>> = {
  APC: 'ups',
  Eaton: 'ups',
  'Eaton (MGE)': 'ups',
  Synology: 'nas',
  QNAP: 'nas',
  Brother: 'printer',
  Canon: 'printer',
  Xerox: 'printer',
  Ricoh: 'printer',
  Lexmark: 'printer',
  Fortinet: 'firewall',
  'Palo Alto Networks': 'firewall',
  SonicWall: 'firewall',
  WatchGuard: 'firewall',
  'Check Point': 'firewall',
  Sophos: 'firewall',
  'pfSense / FreeBSD': 'firewall',
  MikroTik: 'router',
  Yealink: 'phone',
  Polycom: 'phone',
  Grandstream: 'phone',
  Axis: 'camera',
  Hikvision: 'camera',
  Dahua: 'camera',
};

/** Open TCP ports that betray a type when SNMP says nothing. */
const PORT_HINTS: Array<{ port: number; type: DeviceType; what: string }> = [
  { port: 9100, type: 'printer', what: 'raw printing (9100/tcp)' },
  { port: 631, type: 'printer', what: 'IPP (631/tcp)' },
  { port: 515, type: 'printer', what: 'LPD (515/tcp)' },
  { port: 554, type: 'camera', what: 'RTSP video (554/tcp)' },
  { port: 5060, type: 'phone', what: 'SIP (5060)' },
  { port: 3389, type: 'workstation', what: 'Remote Desktop (3389/tcp)' },
];

function sysServicesLayers(s: number): number[] {
  return [1, 2, 3, 4, 5, 6, 7].filter((layer) => s & (1 << (layer - 1)));
}

function ethernetPorts(interfaces: InterfaceInfo[] | undefined): number {
  // ethernetCsmacd (6) and gigabitEthernet (117)
  return (interfaces ?? []).filter((i) => i.type === 6 || i.type === 117).length;
}

/**
 * Identifies a device from what SNMP and nmap told us. Pure: the same input always gives the same
 * answer, and every guess comes with the reason for it.
 */
export function identify(input: IdentifyInput): Identification {
  const reasons: string[] = [];
  let vendor: string | undefined;
  const ent = enterpriseOf(input.sysObjectID);
  if (ent !== undefined && ent !== 8072 && ent !== 2021) {
    vendor = ENTERPRISES[ent];
    reasons.push(
      vendor
        ? `vendor ${vendor}: sysObjectID is in enterprise ${ent}`
        : `sysObjectID is in enterprise ${ent}, which is not in the vendor table`,
    );
  }
  if (!vendor && input.entity?.manufacturer) {
    vendor = normalizeVendor(input.entity.manufacturer);
    reasons.push(`vendor ${vendor}: ENTITY-MIB entPhysicalMfgName`);
  }
  const macVendor = normalizeVendor(input.macVendor) ?? ouiVendor(input.mac);
  if (!vendor && macVendor) {
    vendor = macVendor;
    reasons.push(`vendor ${vendor}: MAC address prefix ${input.mac?.slice(0, 8) ?? ''}`);
  }

  let os: string | undefined;
  let osVersion: string | undefined;
  let type: DeviceType | undefined;
  const descr = input.sysDescr ?? '';
  for (const rule of OS_RULES) {
    const m = rule.re.exec(descr);
    if (!m) continue;
    os = rule.os;
    if (m[1]) osVersion = m[1];
    reasons.push(`OS ${os}${osVersion ? ` ${osVersion}` : ''}: from sysDescr`);
    if (rule.type) {
      type = rule.type;
      reasons.push(`type ${type}: ${os} runs on ${type}s`);
    }
    break;
  }
  if (!osVersion && (input.entity?.software || input.entity?.firmware)) {
    osVersion = input.entity.software ?? input.entity.firmware;
    reasons.push(`version ${osVersion}: ENTITY-MIB software/firmware revision`);
  }

  const model = input.entity?.model;
  if (model) reasons.push(`model ${model}: ENTITY-MIB entPhysicalModelName`);

  if (!type && input.hasPrinterMib) {
    type = 'printer';
    reasons.push('type printer: it answers the Printer-MIB');
  }
  if (!type && input.hasUpsMib) {
    type = 'ups';
    reasons.push('type UPS: it answers the UPS-MIB');
  }
  if (!type) {
    const haystack = [model, input.entity?.descr, descr].filter(Boolean).join(' ');
    const word = TYPE_WORDS.find((w) => w.re.test(haystack));
    if (word) {
      type = word.type;
      reasons.push(`type ${type}: the description names ${word.what}`);
    }
  }
  if (!type && vendor && VENDOR_TYPES[vendor]) {
    type = VENDOR_TYPES[vendor];
    reasons.push(`type ${type}: ${vendor} makes ${type === 'ups' ? 'UPS' : `${type}`}s`);
  }
  if (!type && input.sysServices !== undefined) {
    const layers = sysServicesLayers(input.sysServices);
    const eth = ethernetPorts(input.interfaces);
    if (layers.includes(2) && !layers.includes(3)) {
      type = 'switch';
      reasons.push(
        `type switch: sysServices ${input.sysServices} says it bridges (layer 2) but does not route`,
      );
    } else if (layers.includes(3) && layers.includes(2)) {
      type = eth >= 8 ? 'switch' : 'router';
      reasons.push(
        `type ${type}: sysServices ${input.sysServices} says it bridges and routes, with ${eth} Ethernet ports`,
      );
    } else if (layers.includes(3) && !layers.includes(7)) {
      type = 'router';
      reasons.push(`type router: sysServices ${input.sysServices} says it routes (layer 3)`);
    } else if (layers.includes(4) || layers.includes(7)) {
      // Windows says workstation or server in its sysObjectID (…311.1.1.3.1.1 / .2 / .3), not in sysDescr.
      const win = /^\.?1\.3\.6\.1\.4\.1\.311\.1\.1\.3\.1\.(\d)/.exec(input.sysObjectID ?? '');
      if (win) {
        type = win[1] === '1' ? 'workstation' : 'server';
        const role =
          win[1] === '1' ? 'workstation' : win[1] === '3' ? 'domain controller' : 'server';
        reasons.push(`type ${type}: Windows reports itself as a ${role} in its sysObjectID`);
      } else {
        type = os === 'Windows' || os === 'macOS' ? 'workstation' : 'server';
        reasons.push(
          `type ${type}: sysServices ${input.sysServices} says it is an end host${os ? ` running ${os}` : ''}`,
        );
      }
    }
  }
  if (!type) {
    const open = new Set(
      (input.services ?? []).filter((p) => p.state === 'open').map((p) => p.port),
    );
    const hint = PORT_HINTS.find((h) => open.has(h.port));
    if (hint) {
      type = hint.type;
      reasons.push(`type ${type}: it offers ${hint.what}`);
    }
  }
  if (!type && macVendor && VENDOR_TYPES[macVendor]) {
    type = VENDOR_TYPES[macVendor];
    reasons.push(`type ${type}: the MAC address belongs to ${macVendor}`);
  }
  if (!type) {
    type = 'unknown';
    reasons.push(
      input.sysDescr === undefined
        ? 'type unknown: no SNMP answer and no telling open ports'
        : 'type unknown: nothing in its SNMP data names a type',
    );
  }
  const out: Identification = { type, reasons };
  if (vendor) out.vendor = vendor;
  if (model) out.model = model;
  if (os) out.os = os;
  if (osVersion) out.osVersion = osVersion;
  return out;
}
