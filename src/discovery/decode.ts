import type { SnmpValue, Varbind } from '../snmp/types.js';
import { text, num, mac, hex } from '../snmp/types.js';
import { OID, IF_COL, IFX_COL, ENT_COL, LLDP_COL } from '../snmp/oids.js';
import type {
  ArpEntry,
  EntityInfo,
  FdbEntry,
  InterfaceInfo,
  IpAddrEntry,
  Neighbour,
  SystemInfo,
} from './types.js';

/** Rows of an SNMP table: index (the OID part after the column) → column number → value. */
export type Rows = Map<string, Map<number, SnmpValue>>;

export function tableRows(varbinds: Varbind[], entryOid: string): Rows {
  const prefix = `${entryOid}.`;
  const rows: Rows = new Map();
  for (const vb of varbinds) {
    const oid = vb.oid.startsWith('.') ? vb.oid.slice(1) : vb.oid;
    if (!oid.startsWith(prefix) || vb.type === 'null') continue;
    const rest = oid.slice(prefix.length);
    const dot = rest.indexOf('.');
    if (dot < 0) continue;
    const col = Number(rest.slice(0, dot));
    const index = rest.slice(dot + 1);
    let row = rows.get(index);
    if (!row) rows.set(index, (row = new Map()));
    row.set(col, vb);
  }
  return rows;
}

export function decodeSystem(varbinds: Varbind[]): SystemInfo {
  const by = new Map(varbinds.map((v) => [v.oid.replace(/^\./, ''), v as SnmpValue]));
  const out: SystemInfo = {};
  const set = <K extends keyof SystemInfo>(k: K, v: SystemInfo[K] | undefined) => {
    if (v !== undefined && v !== '') out[k] = v;
  };
  set('sysDescr', text(by.get(OID.sysDescr)));
  set('sysObjectID', text(by.get(OID.sysObjectID))?.replace(/^\./, ''));
  set('sysUpTimeTicks', num(by.get(OID.sysUpTime)));
  set('sysContact', text(by.get(OID.sysContact)));
  set('sysName', text(by.get(OID.sysName)));
  set('sysLocation', text(by.get(OID.sysLocation)));
  set('sysServices', num(by.get(OID.sysServices)));
  set('engineId', hex(by.get(OID.snmpEngineID)));
  return out;
}

const OPER = ['', 'up', 'down', 'testing', 'unknown', 'dormant', 'notPresent', 'lowerLayerDown'];

export function decodeInterfaces(ifVbs: Varbind[], ifxVbs: Varbind[]): InterfaceInfo[] {
  const ifRows = tableRows(ifVbs, OID.ifEntry);
  const xRows = tableRows(ifxVbs, OID.ifXEntry);
  const out: InterfaceInfo[] = [];
  for (const [index, row] of ifRows) {
    const x = xRows.get(index);
    const idx = Number(index);
    if (!Number.isInteger(idx)) continue;
    const descr = text(row.get(IF_COL.descr)) ?? '';
    const highSpeed = num(x?.get(IFX_COL.highSpeed));
    const speed = num(row.get(IF_COL.speed));
    const i: InterfaceInfo = {
      index: idx,
      name: text(x?.get(IFX_COL.name)) || descr || `if${idx}`,
      descr,
      alias: text(x?.get(IFX_COL.alias)) ?? '',
      type: num(row.get(IF_COL.type)) ?? 1,
      adminUp: num(row.get(IF_COL.adminStatus)) === 1,
      operStatus: OPER[num(row.get(IF_COL.operStatus)) ?? 4] ?? 'unknown',
    };
    const mtu = num(row.get(IF_COL.mtu));
    if (mtu !== undefined) i.mtu = mtu;
    // ifSpeed saturates at 4.29 Gbit/s; ifHighSpeed (Mbit/s) is the truth above that.
    const bps =
      highSpeed && (speed === undefined || speed >= 4_294_967_295 || highSpeed * 1e6 > speed)
        ? highSpeed * 1e6
        : speed;
    if (bps !== undefined) i.speedBps = bps;
    const m = mac(row.get(IF_COL.physAddress));
    if (m) i.mac = m;
    out.push(i);
  }
  return out.sort((a, b) => a.index - b.index);
}

export function decodeIpAddrs(varbinds: Varbind[]): IpAddrEntry[] {
  const out: IpAddrEntry[] = [];
  for (const [index, row] of tableRows(varbinds, OID.ipAddrEntry)) {
    const ifIndex = num(row.get(2));
    if (ifIndex === undefined) continue;
    out.push({ ip: text(row.get(1)) ?? index, ifIndex, mask: text(row.get(3)) ?? '' });
  }
  return out;
}

/** The chassis (entPhysicalClass 3), or else the first entity with a model or serial. */
export function decodeEntity(varbinds: Varbind[]): EntityInfo {
  const rows = [...tableRows(varbinds, OID.entPhysicalEntry).entries()].sort(
    (a, b) => Number(a[0]) - Number(b[0]),
  );
  const chassis =
    rows.find(([, r]) => num(r.get(ENT_COL.class)) === 3) ??
    rows.find(([, r]) => text(r.get(ENT_COL.modelName)) || text(r.get(ENT_COL.serialNum)));
  if (!chassis) return {};
  const r = chassis[1];
  const out: EntityInfo = {};
  const set = (k: keyof EntityInfo, col: number) => {
    const v = text(r.get(col));
    if (v) out[k] = v;
  };
  set('model', ENT_COL.modelName);
  set('serial', ENT_COL.serialNum);
  set('firmware', ENT_COL.firmwareRev);
  set('software', ENT_COL.softwareRev);
  set('hardware', ENT_COL.hardwareRev);
  set('manufacturer', ENT_COL.mfgName);
  set('descr', ENT_COL.descr);
  return out;
}

const LLDP_CAPS = [
  'other',
  'repeater',
  'bridge',
  'wlanAccessPoint',
  'router',
  'telephone',
  'docsisCableDevice',
  'station',
];

/** lldpRemSysCapEnabled is a BITS value: bit 0 is the most significant bit of the first octet. */
export function lldpCapabilities(v: SnmpValue | undefined): string[] {
  if (!v || v.type !== 'str') return [];
  const out: string[] = [];
  LLDP_CAPS.forEach((name, bit) => {
    const byte = v.value[bit >> 3] ?? 0;
    if (byte & (0x80 >> (bit & 7))) out.push(name);
  });
  return out;
}

function idText(subtype: number | undefined, v: SnmpValue | undefined): string {
  // chassis subtype 4 / port subtype 3 are MAC addresses; most others are text.
  const m = mac(v);
  if (m && (subtype === 4 || subtype === 3 || text(v) === undefined)) return m;
  return text(v) ?? hex(v) ?? '';
}

/**
 * LLDP-MIB lldpRemTable, indexed by lldpRemTimeMark.lldpRemLocalPortNum.lldpRemIndex, and
 * lldpRemManAddrTable, indexed by the same three plus lldpRemManAddrSubtype and the address as a
 * length-prefixed OCTET STRING.
 */
export function decodeLldp(
  remVbs: Varbind[],
  manVbs: Varbind[],
  basePort: Varbind[] = [],
): Neighbour[] {
  // lldpRemLocalPortNum is, on most switches, the bridge port: dot1dBasePortIfIndex maps it.
  const portIf = bridgePortIfIndex(basePort);
  const mgmt = new Map<string, string>();
  for (const vb of manVbs) {
    const oid = vb.oid.replace(/^\./, '');
    if (!oid.startsWith(`${OID.lldpRemManAddrEntry}.`)) continue;
    const parts = oid
      .slice(OID.lldpRemManAddrEntry.length + 1)
      .split('.')
      .map(Number);
    // column, timeMark, localPort, remIndex, addrSubtype, length, bytes…
    const [, timeMark, localPort, remIndex, subtype, len, ...bytes] = parts;
    if (subtype === 1 && len === 4 && bytes.length >= 4)
      mgmt.set(`${timeMark}.${localPort}.${remIndex}`, bytes.slice(0, 4).join('.'));
  }
  const out: Neighbour[] = [];
  for (const [index, row] of tableRows(remVbs, OID.lldpRemEntry)) {
    const [, localPort] = index.split('.').map(Number);
    if (localPort === undefined || Number.isNaN(localPort)) continue;
    const n: Neighbour = {
      localPort,
      chassisId: idText(num(row.get(LLDP_COL.chassisIdSubtype)), row.get(LLDP_COL.chassisId)),
      portId: idText(num(row.get(LLDP_COL.portIdSubtype)), row.get(LLDP_COL.portId)),
      capabilities: lldpCapabilities(row.get(LLDP_COL.capEnabled)),
    };
    const set = (k: 'portDescr' | 'sysName' | 'sysDescr', col: number) => {
      const v = text(row.get(col));
      if (v) n[k] = v;
    };
    set('portDescr', LLDP_COL.portDesc);
    set('sysName', LLDP_COL.sysName);
    set('sysDescr', LLDP_COL.sysDesc);
    const ip = mgmt.get(index);
    if (ip) n.mgmtIp = ip;
    const ifIndex = portIf.get(localPort);
    if (ifIndex !== undefined) n.localIfIndex = ifIndex;
    out.push(n);
  }
  return out.sort((a, b) => a.localPort - b.localPort);
}

/** ipNetToMediaTable, indexed by ifIndex.a.b.c.d; invalid (2) entries are skipped. */
export function decodeArp(varbinds: Varbind[]): ArpEntry[] {
  const out: ArpEntry[] = [];
  for (const [index, row] of tableRows(varbinds, OID.ipNetToMediaEntry)) {
    if (num(row.get(4)) === 2) continue;
    const parts = index.split('.');
    const m = mac(row.get(2));
    if (!m || parts.length !== 5) continue;
    out.push({
      ifIndex: Number(parts[0]),
      ip: text(row.get(3)) ?? parts.slice(1).join('.'),
      mac: m,
    });
  }
  return out;
}

function macFromIndex(parts: string[]): string | undefined {
  if (parts.length !== 6 || parts.some((p) => !/^\d+$/.test(p) || Number(p) > 255))
    return undefined;
  return parts.map((p) => Number(p).toString(16).padStart(2, '0')).join(':');
}

/**
 * The forwarding table: Q-BRIDGE-MIB dot1qTpFdbTable (fdbId.mac → port) when the switch has it,
 * else BRIDGE-MIB dot1dTpFdbTable (mac → port). Only learned entries (status 3); bridge ports are
 * mapped to ifIndex through dot1dBasePortIfIndex.
 */
export function bridgePortIfIndex(basePort: Varbind[]): Map<number, number> {
  const portIf = new Map<number, number>();
  for (const vb of basePort) {
    const port = Number(vb.oid.replace(/^\./, '').slice(OID.dot1dBasePortIfIndex.length + 1));
    const ifIndex = num(vb);
    if (Number.isInteger(port) && ifIndex !== undefined) portIf.set(port, ifIndex);
  }
  return portIf;
}

export function decodeFdb(dot1d: Varbind[], dot1q: Varbind[], basePort: Varbind[]): FdbEntry[] {
  const portIf = bridgePortIfIndex(basePort);
  const out: FdbEntry[] = [];
  const withIf = (e: FdbEntry): FdbEntry => {
    const ifIndex = portIf.get(e.port);
    return ifIndex === undefined ? e : { ...e, ifIndex };
  };
  const q = tableRows(dot1q, OID.dot1qTpFdbEntry);
  if (q.size) {
    for (const [index, row] of q) {
      const parts = index.split('.');
      const m = macFromIndex(parts.slice(1));
      const port = num(row.get(2));
      const status = num(row.get(3));
      if (!m || port === undefined || port === 0 || (status !== undefined && status !== 3))
        continue;
      out.push(withIf({ mac: m, port, vlan: Number(parts[0]) }));
    }
    return out;
  }
  for (const [index, row] of tableRows(dot1d, OID.dot1dTpFdbEntry)) {
    const m = mac(row.get(1)) ?? macFromIndex(index.split('.'));
    const port = num(row.get(2));
    const status = num(row.get(3));
    if (!m || port === undefined || port === 0 || (status !== undefined && status !== 3)) continue;
    out.push(withIf({ mac: m, port }));
  }
  return out;
}
