import { describe, it, expect } from 'vitest';
import type os from 'node:os';
import {
  defaultGateway,
  interfacesToSelf,
  parseRouteTable,
  readSelfNetwork,
} from '../../src/incidents/self-network.js';

// /proc/net/route as Linux writes it (tabs, trailing padding), recorded from a box with wired and
// wireless uplinks; addresses are little-endian hex.
const ROUTES = [
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT                                                       ',
  'wlan0\t00000000\t0102A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0                                                                               ',
  'eth0\t00000000\t010A000A\t0003\t0\t0\t100\t00000000\t0\t0\t0                                                                               ',
  'eth0\t000A000A\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0                                                                               ',
  'wlan0\t0002A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0                                                                               ',
  'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0                                                                               ',
  '',
].join('\n');

const NO_DEFAULT = [
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
  'veth-lab\t0012C6C6\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
  '',
].join('\n');

describe('/proc/net/route', () => {
  it('parses every route with its addresses in dotted form', () => {
    const rows = parseRouteTable(ROUTES);
    expect(rows).toHaveLength(5);
    expect(rows[1]).toEqual({
      iface: 'eth0',
      destination: '0.0.0.0',
      gateway: '10.0.10.1',
      mask: '0.0.0.0',
      metric: 100,
      flags: 3,
    });
    expect(rows[2]).toMatchObject({ destination: '10.0.10.0', mask: '255.255.255.0' });
    expect(rows[4]).toMatchObject({ iface: 'docker0', destination: '172.17.0.0' });
  });

  it('takes the default route with the lowest metric', () => {
    expect(defaultGateway(ROUTES)).toEqual({ ip: '10.0.10.1', iface: 'eth0' });
  });

  it('has no gateway without a default route (the lab namespaces) or for an empty table', () => {
    expect(defaultGateway(NO_DEFAULT)).toBeUndefined();
    expect(defaultGateway('')).toBeUndefined();
  });

  it('skips default routes that are down or have no gateway, and malformed rows', () => {
    const text = [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'eth0\t00000000\t0100000A\t0002\t0\t0\t0\t00000000\t0\t0\t0',
      'tun0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0',
      'eth1\tZZZZZZZZ\t0100000A\t0003\t0\t0\t0\t00000000\t0\t0\t0',
      'garbage',
      'eth2\t00000000\t0101A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
    ].join('\n');
    expect(parseRouteTable(text).map((r) => r.iface)).toEqual(['eth0', 'tun0', 'eth2']);
    expect(defaultGateway(text)).toEqual({ ip: '192.168.1.1', iface: 'eth2' });
  });
});

describe('the box network', () => {
  const ifaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = {
    lo: [
      {
        address: '127.0.0.1',
        netmask: '255.0.0.0',
        family: 'IPv4',
        mac: '00:00:00:00:00:00',
        internal: true,
        cidr: '127.0.0.1/8',
      },
    ],
    eth0: [
      {
        address: '10.0.10.23',
        netmask: '255.255.255.0',
        family: 'IPv4',
        mac: 'DC:A6:32:01:02:03',
        internal: false,
        cidr: '10.0.10.23/24',
      },
      {
        address: 'fe80::dea6:32ff:fe01:203',
        netmask: 'ffff:ffff:ffff:ffff::',
        family: 'IPv6',
        mac: 'dc:a6:32:01:02:03',
        internal: false,
        cidr: 'fe80::dea6:32ff:fe01:203/64',
        scopeid: 2,
      },
    ],
    wg0: [
      {
        address: '172.16.5.2',
        netmask: '255.255.255.255',
        family: 'IPv4',
        mac: '00:00:00:00:00:00',
        internal: false,
        cidr: '172.16.5.2/32',
      },
    ],
  };

  it('lists the MACs and IPv4 subnets of the real interfaces', () => {
    expect(interfacesToSelf(ifaces)).toEqual({
      macs: ['dc:a6:32:01:02:03'],
      subnets: ['10.0.10.0/24', '172.16.5.2/32'],
    });
  });

  it('reads it all, and has no gateway when the route table cannot be read', async () => {
    const self = await readSelfNetwork({
      networkInterfaces: () => ifaces,
      readRoutes: async () => ROUTES,
    });
    expect(self).toEqual({
      macs: ['dc:a6:32:01:02:03'],
      subnets: ['10.0.10.0/24', '172.16.5.2/32'],
      gatewayIp: '10.0.10.1',
    });
    const noRoutes = await readSelfNetwork({
      networkInterfaces: () => ifaces,
      readRoutes: () => Promise.reject(new Error('ENOENT')),
    });
    expect(noRoutes.gatewayIp).toBeUndefined();
    expect('gatewayIp' in noRoutes).toBe(false);
  });

  it('reads this machine without throwing', async () => {
    const self = await readSelfNetwork();
    expect(Array.isArray(self.macs)).toBe(true);
    expect(self.subnets.every((s) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(s))).toBe(true);
  });
});
