/**
 * A made-up inventory of a typical branch (about 60 devices: router, core and access switches,
 * access points, phones, printers, servers, workstations), with the LLDP neighbours, forwarding
 * tables and interfaces the switches would report. Written straight into a store, for looking at
 * the device pages and the topology at a realistic size without a lab network.
 */
import type { Store } from '../../src/store/store.js';
import type { BatchOp } from '../../src/store/db.js';
import type { DeviceDetails, DeviceRecord } from '../../src/store/types.js';
import type { InterfaceInfo } from '../../src/discovery/types.js';

const mac = (n: number) =>
  `02:42:00:00:${Math.floor(n / 256)
    .toString(16)
    .padStart(2, '0')}:${(n % 256).toString(16).padStart(2, '0')}`;

export interface BranchInventory {
  devices: DeviceRecord[];
  interfaces: Map<string, InterfaceInfo[]>;
  details: Map<string, DeviceDetails>;
}

export function branchInventory(now = new Date().toISOString()): BranchInventory {
  const devices: DeviceRecord[] = [];
  const interfaces = new Map<string, InterfaceInfo[]>();
  const details = new Map<string, DeviceDetails>();
  let n = 0;
  const add = (over: Partial<DeviceRecord> & { id: string; name: string; type: string }) => {
    n += 1;
    const d: DeviceRecord = {
      nameSource: 'auto',
      ip: `192.168.10.${n}`,
      addresses: [`192.168.10.${n}`],
      mac: mac(n),
      typeSource: 'auto',
      reasons: [],
      snmp: { ok: false },
      services: [],
      interfaceCount: 0,
      notes: '',
      status: 'up',
      missedScans: 0,
      firstSeen: now,
      lastSeen: now,
      lastScanId: 'seeded',
      ...over,
    };
    devices.push(d);
    return d;
  };
  const ports = (count: number, name: (i: number) => string, base: number) =>
    Array.from({ length: count }, (_, i): InterfaceInfo => ({
      index: i + 1,
      name: name(i + 1),
      descr: name(i + 1),
      alias: '',
      type: 6,
      speedBps: i + 1 > count - 2 ? 10_000_000_000 : 1_000_000_000,
      mac: mac(base + i),
      adminUp: true,
      operStatus: 'up',
    }));
  const detail = (id: string): DeviceDetails => {
    let d = details.get(id);
    if (!d) {
      d = { neighbours: [], arp: [], fdb: [], ipAddrs: [], collectNotes: [] };
      details.set(id, d);
    }
    return d;
  };

  const gw = add({
    id: 'gw',
    name: 'gw-branch',
    type: 'router',
    vendor: 'MikroTik',
    model: 'RB5009',
  });
  const core = add({
    id: 'core',
    name: 'sw-core',
    type: 'switch',
    vendor: 'Cisco',
    model: 'C9200L-24T',
  });
  const floor1 = add({
    id: 'floor1',
    name: 'sw-floor1',
    type: 'switch',
    vendor: 'HPE',
    model: 'Aruba 2530-48G',
  });
  const floor2 = add({
    id: 'floor2',
    name: 'sw-floor2',
    type: 'switch',
    vendor: 'HPE',
    model: 'Aruba 2530-24G',
  });
  interfaces.set(
    gw.id,
    ports(5, (i) => `ether${i}`, 0x100),
  );
  interfaces.set(
    core.id,
    ports(26, (i) => `Gi1/0/${i}`, 0x200),
  );
  interfaces.set(
    floor1.id,
    ports(50, (i) => `${i}`, 0x300),
  );
  interfaces.set(
    floor2.id,
    ports(26, (i) => `${i}`, 0x400),
  );

  const lldp = (
    from: DeviceRecord,
    port: number,
    to: { chassisId: string; portId: string; sysName: string; caps: string[]; mgmtIp?: string },
  ) =>
    detail(from.id).neighbours.push({
      localPort: port,
      chassisId: to.chassisId,
      portId: to.portId,
      sysName: to.sysName,
      capabilities: to.caps,
      ...(to.mgmtIp ? { mgmtIp: to.mgmtIp } : {}),
    });
  // The backbone, reported from both ends.
  lldp(gw, 2, { chassisId: core.mac!, portId: 'Gi1/0/1', sysName: core.name, caps: ['bridge'] });
  lldp(core, 1, { chassisId: gw.mac!, portId: 'ether2', sysName: gw.name, caps: ['router'] });
  lldp(core, 25, { chassisId: floor1.mac!, portId: '49', sysName: floor1.name, caps: ['bridge'] });
  lldp(floor1, 49, {
    chassisId: core.mac!,
    portId: 'Gi1/0/25',
    sysName: core.name,
    caps: ['bridge'],
  });
  lldp(core, 26, { chassisId: floor2.mac!, portId: '25', sysName: floor2.name, caps: ['bridge'] });
  lldp(floor2, 25, {
    chassisId: core.mac!,
    portId: 'Gi1/0/26',
    sysName: core.name,
    caps: ['bridge'],
  });
  // The provider's modem, outside the scanned networks.
  lldp(gw, 1, {
    chassisId: '02:99:00:00:00:01',
    portId: 'lan1',
    sysName: 'isp-modem',
    caps: ['router'],
    mgmtIp: '10.255.0.1',
  });

  const onPort = (sw: DeviceRecord, port: number, d: DeviceRecord) => {
    detail(sw.id).fdb.push({ mac: d.mac!, port, ifIndex: port, vlan: 10 });
    // Everything behind an access switch is also learned on the core's uplink to it.
    if (sw === floor1) detail(core.id).fdb.push({ mac: d.mac!, port: 25, ifIndex: 25, vlan: 10 });
    if (sw === floor2) detail(core.id).fdb.push({ mac: d.mac!, port: 26, ifIndex: 26, vlan: 10 });
  };

  const servers = ['dc01', 'files01'].map((name) =>
    add({
      id: name,
      name,
      type: 'server',
      vendor: 'Dell',
      model: 'PowerEdge R350',
      os: 'Windows Server',
      osVersion: '2022',
    }),
  );
  servers.forEach((s, i) => onPort(core, 3 + i, s));
  const nas = add({
    id: 'nas',
    name: 'nas-backup',
    type: 'nas',
    vendor: 'Synology',
    model: 'DS923+',
  });
  onPort(core, 5, nas);
  ['printer-reception', 'printer-office', 'mfp-floor2'].forEach((name, i) => {
    const p = add({
      id: name,
      name,
      type: 'printer',
      vendor: i === 2 ? 'Kyocera' : 'Brother',
      model: i === 2 ? 'TASKalfa 2554ci' : 'HL-L5100DN',
    });
    onPort(i === 2 ? floor2 : core, i === 2 ? 20 : 6 + i, p);
  });
  add({
    id: 'ups',
    name: 'ups-rack',
    type: 'ups',
    vendor: 'APC',
    model: 'Smart-UPS 1500',
    status: 'missing',
    missedScans: 3,
  });
  ['ap-lobby', 'ap-office'].forEach((name, i) => {
    const ap = add({ id: name, name, type: 'access-point', vendor: 'Ubiquiti', model: 'U6-Pro' });
    const sw = i ? floor2 : floor1;
    lldp(sw, i ? 24 : 48, {
      chassisId: ap.mac!,
      portId: 'eth0',
      sysName: name,
      caps: ['wlanAccessPoint', 'bridge'],
    });
    onPort(sw, i ? 24 : 48, ap);
  });
  for (let i = 1; i <= 2; i++) {
    const cam = add({
      id: `cam-${i}`,
      name: `cam-entrance-${i}`,
      type: 'camera',
      vendor: 'Axis',
      model: 'P3265-LVE',
    });
    onPort(floor1, 44 + i, cam);
  }
  for (let i = 1; i <= 5; i++) {
    const ph = add({
      id: `phone-${i}`,
      name: `phone-${100 + i}`,
      type: 'phone',
      vendor: 'Yealink',
      model: 'T54W',
    });
    lldp(floor2, 10 + i, {
      chassisId: ph.mac!,
      portId: 'WAN',
      sysName: ph.name,
      caps: ['telephone', 'bridge'],
    });
  }
  for (let i = 1; i <= 36; i++) {
    const ws = add({
      id: `ws-${String(i).padStart(2, '0')}`,
      name: `ws-${String(i).padStart(2, '0')}${i === 7 ? '-accounting-with-a-long-name' : ''}`,
      type: 'workstation',
      vendor: i % 3 ? 'Lenovo' : 'Dell',
      model: i % 3 ? 'ThinkCentre M70q' : 'OptiPlex 7010',
      os: 'Windows',
      osVersion: '11',
    });
    if (i <= 24) onPort(floor1, i, ws);
    else onPort(floor2, i - 24, ws);
  }
  add({
    id: 'unknown-1',
    name: '192.168.10.200',
    type: 'unknown',
    ip: '192.168.10.200',
    addresses: ['192.168.10.200'],
  });
  return { devices, interfaces, details };
}

export function inventoryOps(store: Store, inv: BranchInventory): BatchOp[] {
  return [
    ...inv.devices.flatMap((d) => store.devices.putOps(d)),
    ...[...inv.interfaces].flatMap(([id, ifs]) => store.devices.interfaceOps(id, ifs, [])),
    ...[...inv.details].map(([id, d]) => store.devices.detailsOp(id, d)),
  ];
}
