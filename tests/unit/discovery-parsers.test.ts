import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseNmapXml, lastProgressPercent } from '../../src/discovery/nmap-xml.js';
import {
  decodeSystem,
  decodeInterfaces,
  decodeLldp,
  decodeFdb,
  decodeArp,
  decodeEntity,
  decodeIpAddrs,
  lldpCapabilities,
} from '../../src/discovery/decode.js';
import { identify } from '../../src/discovery/identify.js';
import { parseCidr, ipInCidr } from '../../src/discovery/targets.js';
import { validateDiscovery } from '../../src/discovery/settings-service.js';
import { loadWalk } from '../helpers/walk-fixture.js';
import type { Varbind } from '../../src/snmp/types.js';

describe('nmap XML (recorded from the lab)', () => {
  const run = parseNmapXml(readFileSync('tests/fixtures/nmap/lab-sn.xml', 'utf8'));
  it('reads every live host with address, MAC and vendor', () => {
    expect(run.hosts.length).toBeGreaterThanOrEqual(5);
    expect(run.stats.total).toBe(256);
    const dell = run.hosts.find((h) => h.macVendor === 'Dell')!;
    expect(dell.ipv4).toMatch(/^198\.18\.\d+\.11$/);
    expect(dell.mac).toMatch(/^18:66:da(:[0-9a-f]{2}){3}$/);
    // the scanner's own address answers without a MAC
    expect(run.hosts.some((h) => !h.mac)).toBe(true);
  });
  it('refuses output that is not nmap XML, clearly', () => {
    expect(() => parseNmapXml('<html>oops')).toThrow(/nmaprun|XML/);
    expect(() => parseNmapXml('')).toThrow();
  });
  it('reads progress from the stats stream', () => {
    expect(
      lastProgressPercent(
        '<taskprogress task="Ping Scan" time="1" percent="12.50" remaining="3"/>\n<taskprogress task="Ping Scan" percent="40.00"/>',
      ),
    ).toBe(40);
    expect(lastProgressPercent('<host/>')).toBeUndefined();
  });
});

describe('SNMP decoders (walks recorded from the lab’s snmpd devices)', () => {
  it('srv-files: a Linux server over v2c', () => {
    const vbs = [...loadWalk('srv-files.walk'), ...loadWalk('srv-files.engine.walk')];
    const sys = decodeSystem(vbs);
    expect(sys).toMatchObject({
      sysName: 'srv-files',
      sysObjectID: '1.3.6.1.4.1.8072.3.2.10',
      sysServices: 72,
    });
    expect(sys.engineId).toMatch(/^80001f88/);
    const ifs = decodeInterfaces(vbs, vbs);
    expect(ifs.map((i) => i.name)).toContain('lo');
    const eth = ifs.find((i) => i.type === 6)!;
    expect(eth.mac).toMatch(/^18:66:da/);
    expect(eth.operStatus).toBe('up');
    expect(decodeIpAddrs(vbs).some((a) => /^198\.18\./.test(a.ip))).toBe(true);
    const id = identify({
      sysDescr: sys.sysDescr,
      sysObjectID: sys.sysObjectID,
      sysServices: sys.sysServices,
      interfaces: ifs,
      mac: eth.mac,
    });
    expect(id).toMatchObject({
      type: 'server',
      os: 'Linux',
      osVersion: '6.1.0-18-amd64',
      vendor: 'Dell',
    });
    expect(id.reasons.join(' ')).toMatch(/sysServices 72/);
  });
  it('nas-backup: Synology by enterprise number', () => {
    const vbs = loadWalk('nas-backup.walk');
    const sys = decodeSystem(vbs);
    const id = identify({
      sysDescr: sys.sysDescr,
      sysObjectID: sys.sysObjectID,
      sysServices: sys.sysServices,
    });
    expect(id).toMatchObject({
      vendor: 'Synology',
      type: 'nas',
      os: 'Linux',
      osVersion: '4.4.302+',
    });
    expect(id.reasons[0]).toBe('vendor Synology: sysObjectID is in enterprise 6574');
  });
  it('sw-core (simulated Cisco switch): LLDP neighbours on bridge ports mapped to ifIndex, and the FDB', () => {
    const base = loadWalk('sw-core.walk');
    const bridge = loadWalk('sw-core.bridge.walk');
    const lldp = loadWalk('sw-core.lldp.walk');
    const basePort = bridge.filter((v) => v.oid.startsWith('1.3.6.1.2.1.17.1.4.1.2.'));
    const neighbours = decodeLldp(lldp, lldp, basePort);
    expect(neighbours.map((n) => n.sysName)).toEqual(
      expect.arrayContaining(['fw-edge', 'nas-backup']),
    );
    for (const n of neighbours) expect(n.localIfIndex, n.sysName).toBe(10100 + n.localPort);
    const fdb = decodeFdb(bridge, bridge, basePort);
    expect(fdb.length).toBeGreaterThan(3);
    expect(fdb.every((e) => e.ifIndex === 10100 + e.port)).toBe(true);
    const sys = decodeSystem(base);
    const id = identify({
      sysDescr: sys.sysDescr,
      sysObjectID: sys.sysObjectID,
      sysServices: sys.sysServices,
      interfaces: decodeInterfaces(base, base),
    });
    expect(id).toMatchObject({ vendor: 'Cisco', type: 'switch', os: 'Cisco IOS' });
  });
  it('fw-edge: a FortiGate over SNMPv3', () => {
    const sys = decodeSystem(loadWalk('fw-edge.walk'));
    const id = identify({
      sysDescr: sys.sysDescr,
      sysObjectID: sys.sysObjectID,
      sysServices: sys.sysServices,
    });
    expect(id).toMatchObject({
      vendor: 'Fortinet',
      type: 'firewall',
      os: 'FortiOS',
      osVersion: '7.2.8',
    });
  });
});

const str = (oid: string, s: string | number[]): Varbind => ({
  oid,
  type: 'str',
  value: typeof s === 'string' ? Buffer.from(s) : Buffer.from(s),
});
const int = (oid: string, n: number): Varbind => ({ oid, type: 'int', value: n });

describe('table decoders on constructed vendor tables', () => {
  it('LLDP: remote rows with MAC chassis ids, capabilities and management addresses', () => {
    const e = '1.0.8802.1.1.2.1.4.1.1';
    const rem = [
      int(`${e}.4.0.5.1`, 4),
      str(`${e}.5.0.5.1`, [0x00, 0x1b, 0x54, 0x01, 0x02, 0x03]),
      int(`${e}.6.0.5.1`, 5),
      str(`${e}.7.0.5.1`, 'Gi1/0/24'),
      str(`${e}.8.0.5.1`, 'uplink to core'),
      str(`${e}.9.0.5.1`, 'sw-core'),
      str(`${e}.12.0.5.1`, [0x28, 0x00]), // bridge + router
    ];
    const man = [int('1.0.8802.1.1.2.1.4.2.1.3.0.5.1.1.4.198.18.7.21', 2)];
    const [n] = decodeLldp(rem, man);
    expect(n).toEqual({
      localPort: 5,
      chassisId: '00:1b:54:01:02:03',
      portId: 'Gi1/0/24',
      portDescr: 'uplink to core',
      sysName: 'sw-core',
      capabilities: ['bridge', 'router'],
      mgmtIp: '198.18.7.21',
    });
    expect(lldpCapabilities({ type: 'str', value: Buffer.from([0x01, 0x00]) })).toEqual([
      'station',
    ]);
  });
  it('FDB: Q-BRIDGE rows win over BRIDGE-MIB, bridge ports map to ifIndex, only learned entries', () => {
    const base = [{ oid: '1.3.6.1.2.1.17.1.4.1.2.3', type: 'int', value: 10103 } as Varbind];
    const q = [
      int('1.3.6.1.2.1.17.7.1.2.2.1.2.10.0.17.50.1.2.3', 3),
      int('1.3.6.1.2.1.17.7.1.2.2.1.3.10.0.17.50.1.2.3', 3),
      int('1.3.6.1.2.1.17.7.1.2.2.1.2.10.0.17.50.1.2.4', 3),
      int('1.3.6.1.2.1.17.7.1.2.2.1.3.10.0.17.50.1.2.4', 4),
    ];
    expect(decodeFdb([], q, base)).toEqual([
      { mac: '00:11:32:01:02:03', port: 3, vlan: 10, ifIndex: 10103 },
    ]);
    const d = [
      str('1.3.6.1.2.1.17.4.3.1.1.0.128.119.1.2.3', [0, 0x80, 0x77, 1, 2, 3]),
      int('1.3.6.1.2.1.17.4.3.1.2.0.128.119.1.2.3', 3),
      int('1.3.6.1.2.1.17.4.3.1.3.0.128.119.1.2.3', 3),
    ];
    expect(decodeFdb(d, [], base)).toEqual([{ mac: '00:80:77:01:02:03', port: 3, ifIndex: 10103 }]);
  });
  it('ARP: ipNetToMediaTable rows, invalid entries skipped', () => {
    const e = '1.3.6.1.2.1.4.22.1';
    const vbs = [
      str(`${e}.2.2.198.18.7.11`, [0x18, 0x66, 0xda, 1, 2, 3]),
      { oid: `${e}.3.2.198.18.7.11`, type: 'ip', value: '198.18.7.11' } as Varbind,
      int(`${e}.4.2.198.18.7.11`, 3),
      str(`${e}.2.2.198.18.7.99`, [1, 2, 3, 4, 5, 6]),
      int(`${e}.4.2.198.18.7.99`, 2),
    ];
    expect(decodeArp(vbs)).toEqual([{ ifIndex: 2, ip: '198.18.7.11', mac: '18:66:da:01:02:03' }]);
  });
  it('ENTITY-MIB: the chassis row gives model, serial and firmware', () => {
    const e = '1.3.6.1.2.1.47.1.1.1.1';
    const vbs = [
      int(`${e}.5.1`, 3),
      str(`${e}.13.1`, 'WS-C2960X-48FPD-L'),
      str(`${e}.11.1`, 'FOC1234X0AB'),
      str(`${e}.10.1`, '15.2(7)E4'),
      int(`${e}.5.1001`, 10),
      str(`${e}.13.1001`, 'GLC-T'),
    ];
    expect(decodeEntity(vbs)).toMatchObject({
      model: 'WS-C2960X-48FPD-L',
      serial: 'FOC1234X0AB',
      software: '15.2(7)E4',
    });
  });
  it('interfaces: ifHighSpeed above 4.29 Gbit/s, binary garbage in names is not shown as text', () => {
    const vbs: Varbind[] = [
      int('1.3.6.1.2.1.2.2.1.1.1', 1),
      str('1.3.6.1.2.1.2.2.1.2.1', [0x01, 0x02, 0xff]),
      int('1.3.6.1.2.1.2.2.1.3.1', 6),
      { oid: '1.3.6.1.2.1.2.2.1.5.1', type: 'gauge32', value: 4294967295 },
      int('1.3.6.1.2.1.2.2.1.8.1', 1),
      { oid: '1.3.6.1.2.1.31.1.1.1.15.1', type: 'gauge32', value: 10000 },
    ];
    const [i] = decodeInterfaces(vbs, vbs);
    expect(i).toMatchObject({ index: 1, name: 'if1', speedBps: 10_000_000_000, operStatus: 'up' });
  });
});

describe('identification of devices we construct from real vendor strings', () => {
  const cases: Array<
    [string, Parameters<typeof identify>[0], Partial<ReturnType<typeof identify>>]
  > = [
    [
      'Cisco 2960X switch',
      {
        sysDescr:
          'Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E4, RELEASE SOFTWARE (fc2)',
        sysObjectID: '1.3.6.1.4.1.9.1.1208',
        sysServices: 2,
      },
      { vendor: 'Cisco', type: 'switch', os: 'Cisco IOS', osVersion: '15.2(7)E4' },
    ],
    [
      'MikroTik router',
      { sysDescr: 'RouterOS RB4011iGS+', sysObjectID: '1.3.6.1.4.1.14988.1', sysServices: 78 },
      { vendor: 'MikroTik', type: 'router', os: 'MikroTik RouterOS' },
    ],
    [
      'HP printer',
      {
        sysDescr: 'HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD153,EEPROM JSI24090012',
        sysObjectID: '1.3.6.1.4.1.11.2.3.9.1',
        hasPrinterMib: true,
      },
      { vendor: 'HP', type: 'printer' },
    ],
    [
      'APC UPS',
      {
        sysDescr:
          'APC Web/SNMP Management Card (MB:v4.1.0 PF:v6.9.6 PN:apc_hw05_aos_696.bin AF1:v6.9.6 AN1:apc_hw05_sumx_696.bin MN:AP9630 HR:05 SN: ZA1234567890 MD:01/02/2020)',
        sysObjectID: '1.3.6.1.4.1.318.1.3.27',
      },
      { vendor: 'APC', type: 'ups' },
    ],
    [
      'Windows server',
      {
        sysDescr:
          'Hardware: Intel64 Family 6 Model 85 Stepping 7 AT/AT COMPATIBLE - Software: Windows Version 6.3 (Build 17763 Multiprocessor Free)',
        sysObjectID: '1.3.6.1.4.1.311.1.1.3.1.3',
        sysServices: 76,
      },
      { vendor: 'Microsoft', os: 'Windows', osVersion: '6.3', type: 'server' },
    ],
    [
      'Windows 10 PC',
      {
        sysDescr:
          'Hardware: Intel64 Family 6 Model 142 - Software: Windows Version 6.3 (Build 19045 Multiprocessor Free)',
        sysObjectID: '1.3.6.1.4.1.311.1.1.3.1.1',
        sysServices: 76,
      },
      { type: 'workstation' },
    ],
    [
      'no SNMP, printer port open',
      { mac: '00:80:77:aa:bb:cc', services: [{ protocol: 'tcp', port: 9100, state: 'open' }] },
      { vendor: 'Brother', type: 'printer' },
    ],
    [
      'no SNMP, camera by nmap’s MAC vendor',
      { mac: '00:40:8c:01:02:03', macVendor: 'Axis Communications AB' },
      { vendor: 'Axis', type: 'camera' },
    ],
    ['no SNMP, nothing known', { mac: '02:00:00:aa:bb:cc' }, { type: 'unknown' }],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => {
      const r = identify(input);
      expect(r).toMatchObject(expected);
      expect(r.reasons.length).toBeGreaterThan(0);
    });
  }
});

describe('scan targets and discovery settings', () => {
  it('parses networks and explains bad ones', () => {
    expect(parseCidr('198.18.5.0/24')).toMatchObject({ text: '198.18.5.0/24', size: 256 });
    expect(parseCidr('10.1.2.3')).toMatchObject({ text: '10.1.2.3/32', size: 1 });
    expect(parseCidr('10.0.0.5/24')).toEqual({
      error: '"10.0.0.5/24" has host bits set: did you mean 10.0.0.0/24?',
    });
    expect(parseCidr('10.0.0.0/33')).toHaveProperty('error');
    expect(parseCidr('-sS')).toHaveProperty('error');
    expect(parseCidr('fd00::/64')).toMatchObject({ version: 6 });
    expect(ipInCidr('198.18.5.77', parseCidr('198.18.5.0/24') as never)).toBe(true);
    expect(ipInCidr('198.18.6.77', parseCidr('198.18.5.0/24') as never)).toBe(false);
  });
  it('reports every bad field at once, and refuses more than a /16', () => {
    try {
      validateDiscovery({
        subnets: ['10.0.0.0/8', 'nonsense', '192.168.1.0/24'],
        exclude: ['192.168.1.300'],
        schedule: 'every day',
      });
      expect.unreachable();
    } catch (err) {
      const fields = (err as { fields: Record<string, string> }).fields;
      expect(fields['subnets.0']).toMatch(/larger than a \/16/);
      expect(fields['subnets.1']).toMatch(/not an IP address/);
      expect(fields['exclude.0']).toBeDefined();
      expect(fields.schedule).toMatch(/cron/);
    }
    expect(
      validateDiscovery({
        subnets: [' 192.168.1.0/24 ', ''],
        exclude: ['192.168.1.1'],
        schedule: '0 3 * * *',
      }),
    ).toEqual({
      subnets: ['192.168.1.0/24'],
      exclude: ['192.168.1.1/32'],
      schedule: '0 3 * * *',
      serviceScan: false,
    });
    expect(() => validateDiscovery({ subnets: ['224.0.0.0/24'] })).toThrow(/multicast/);
    expect(() => validateDiscovery({ subnets: ['fd00::/64'] })).toThrow(
      /IPv6 networks are not scanned yet/,
    );
    // positions are those of the list as sent, blank entries included
    expect(() => validateDiscovery({ subnets: ['', ' ', '10.0.0.0/8'] })).toThrow(/subnets\.2:/);
  });
});
