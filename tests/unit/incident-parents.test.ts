import { describe, it, expect } from 'vitest';
import {
  ancestors,
  deriveParents,
  descendants,
  inSubnets,
  loopIfParent,
  type ParentInput,
} from '../../src/incidents/parents.js';
import { buildTopology } from '../../src/discovery/topology.js';
import type { DeviceDetails, DeviceRecord } from '../../src/store/types.js';
import type { FdbEntry, InterfaceInfo, Neighbour } from '../../src/discovery/types.js';

const T = '2026-03-01T00:00:00.000Z';
const BOX_MAC = 'b8:27:eb:00:00:01';

let macSeq = 0;
function dev(id: string, type: string, ip: string, over: Partial<DeviceRecord> = {}): DeviceRecord {
  macSeq += 1;
  return {
    id,
    name: id,
    nameSource: 'auto',
    ip,
    addresses: [ip],
    mac: `02:00:00:00:00:${macSeq.toString(16).padStart(2, '0')}`,
    type,
    typeSource: 'auto',
    reasons: [],
    snmp: { ok: true },
    services: [],
    interfaceCount: 0,
    notes: '',
    status: 'up',
    missedScans: 0,
    firstSeen: T,
    lastSeen: T,
    lastScanId: 's1',
    ...over,
  };
}

function details(fdb: FdbEntry[] = [], neighbours: Neighbour[] = []): DeviceDetails {
  return { neighbours, arp: [], fdb, ipAddrs: [], collectNotes: [] };
}

function lldp(localPort: number, d: DeviceRecord, capabilities: string[] = []): Neighbour {
  return {
    localPort,
    chassisId: d.mac!,
    portId: 'uplink',
    sysName: d.name,
    mgmtIp: d.ip,
    capabilities,
  };
}

function input(
  devices: DeviceRecord[],
  detailsOf: Record<string, DeviceDetails>,
  over: Partial<ParentInput> = {},
): ParentInput {
  return {
    devices,
    interfacesOf: new Map<string, InterfaceInfo[]>(),
    detailsOf: new Map(Object.entries(detailsOf)),
    selfMacs: [BOX_MAC],
    selfSubnets: ['10.0.0.0/24'],
    overrides: new Map(),
    ...over,
  };
}

/** A core switch with the box on port 48 and devices on ports 1–3, an access point by LLDP. */
function flatSite() {
  const core = dev('core', 'switch', '10.0.0.2');
  const pc = dev('pc', 'workstation', '10.0.0.20');
  const printer = dev('printer', 'printer', '10.0.0.21');
  const srv = dev('srv', 'server', '10.0.0.22');
  const ap = dev('ap', 'access-point', '10.0.0.23');
  const devices = [core, pc, printer, srv, ap];
  const det = {
    core: details(
      [
        { mac: pc.mac!, port: 1 },
        { mac: printer.mac!, port: 2 },
        { mac: srv.mac!, port: 3 },
        { mac: ap.mac!, port: 4 },
        { mac: BOX_MAC.toUpperCase(), port: 48 },
      ],
      [lldp(4, ap, ['wlanAccessPoint', 'bridge'])],
    ),
  };
  return { devices, det };
}

/** core ─LLDP─ access switch ─FDB─ hosts; the router on the core; the box on core port 48. */
function treeSite() {
  const gw = dev('gw', 'router', '10.0.0.1');
  const core = dev('core', 'switch', '10.0.0.2');
  const acc = dev('acc', 'switch', '10.0.0.3');
  const h1 = dev('h1', 'workstation', '10.0.0.31');
  const h2 = dev('h2', 'workstation', '10.0.0.32');
  const devices = [h2, acc, gw, h1, core];
  const det = {
    core: details(
      [
        { mac: gw.mac!, port: 47 },
        { mac: acc.mac!, port: 24 },
        { mac: h1.mac!, port: 24 },
        { mac: h2.mac!, port: 24 },
        { mac: BOX_MAC, port: 48 },
      ],
      [lldp(24, acc, ['bridge']), lldp(47, gw, ['router'])],
    ),
    acc: details(
      [
        { mac: h1.mac!, port: 3 },
        { mac: h2.mac!, port: 4 },
        { mac: core.mac!, port: 1 },
        { mac: gw.mac!, port: 1 },
        { mac: BOX_MAC, port: 1 },
      ],
      [lldp(1, core, ['bridge'])],
    ),
    gw: details([], [lldp(1, core, ['bridge'])]),
  };
  return { devices, det, gw, core, acc, h1, h2 };
}

describe('deriveParents: the root and the topology', () => {
  it('roots the tree at the switch that has the box on an access port and hangs devices off it', () => {
    const { devices, det } = flatSite();
    const r = deriveParents(input(devices, det));
    expect(r.root).toEqual({ id: 'core', via: 'fdb' });
    expect(r.parents.get('core')).toEqual({ via: 'none' });
    expect(r.parents.get('pc')).toEqual({ parentId: 'core', via: 'fdb' });
    expect(r.parents.get('printer')).toEqual({ parentId: 'core', via: 'fdb' });
    expect(r.parents.get('srv')).toEqual({ parentId: 'core', via: 'fdb' });
    expect(r.parents.get('ap')).toEqual({ parentId: 'core', via: 'lldp' });
    expect(r.ignored).toEqual([]);
  });

  it('prefers the device that reports the box as its LLDP neighbour (as sw-core does in the lab)', () => {
    const { devices, det } = flatSite();
    const box = {
      localPort: 48,
      chassisId: BOX_MAC,
      portId: BOX_MAC,
      sysName: 'caretaker',
      capabilities: ['station'],
    };
    det.core = details(det.core!.fdb, [...det.core!.neighbours, box]);
    const r = deriveParents(input(devices, det));
    expect(r.root).toEqual({ id: 'core', via: 'lldp' });
    expect(r.parents.get('pc')?.parentId).toBe('core');
  });

  it('picks, without LLDP, the switch that saw the box on the port with the fewest MACs', () => {
    const gw = dev('gw', 'router', '10.0.0.1');
    const core = dev('core', 'switch', '10.0.0.2');
    const acc = dev('acc', 'switch', '10.0.0.3');
    const h1 = dev('h1', 'workstation', '10.0.0.31');
    const det = {
      core: details([
        { mac: acc.mac!, port: 24 },
        { mac: h1.mac!, port: 24 },
        { mac: BOX_MAC, port: 24 },
        { mac: gw.mac!, port: 47 },
      ]),
      acc: details([
        { mac: BOX_MAC, port: 7 },
        { mac: h1.mac!, port: 3 },
        { mac: core.mac!, port: 1 },
        { mac: gw.mac!, port: 1 },
      ]),
    };
    const r = deriveParents(input([gw, core, acc, h1], det));
    expect(r.root).toEqual({ id: 'acc', via: 'fdb' });
    expect(Object.fromEntries(r.parents)).toEqual({
      acc: { via: 'none' },
      core: { parentId: 'acc', via: 'fdb' },
      h1: { parentId: 'acc', via: 'fdb' },
      gw: { parentId: 'core', via: 'fdb' },
    });
  });

  it('builds a two-level tree: core → access switch (LLDP) → hosts (FDB on the access switch)', () => {
    const { devices, det } = treeSite();
    const r = deriveParents(input(devices, det, { gatewayIp: '10.0.0.1' }));
    expect(r.root).toEqual({ id: 'core', via: 'fdb' });
    expect(r.gatewayId).toBe('gw');
    expect(Object.fromEntries(r.parents)).toEqual({
      core: { via: 'none' },
      gw: { parentId: 'core', via: 'lldp' },
      acc: { parentId: 'core', via: 'lldp' },
      h1: { parentId: 'acc', via: 'fdb' },
      h2: { parentId: 'acc', via: 'fdb' },
    });
    expect(ancestors(r.parents, 'h1')).toEqual(['acc', 'core']);
    expect(ancestors(r.parents, 'core')).toEqual([]);
    expect(descendants(r.parents, 'core')).toEqual(['acc', 'gw', 'h1', 'h2']);
    expect(descendants(r.parents, 'acc')).toEqual(['h1', 'h2']);
    expect(descendants(r.parents, 'h1')).toEqual([]);
  });

  it('gives the same answer whatever order the inventory is listed in', () => {
    const { devices, det } = treeSite();
    const a = deriveParents(input(devices, det));
    const b = deriveParents(input([...devices].reverse(), det));
    expect(Object.fromEntries(b.parents)).toEqual(Object.fromEntries(a.parents));
  });

  it('breaks ties between equally near parents by id, and never routes through an end host', () => {
    const core = dev('core', 'switch', '10.0.0.2');
    const swA = dev('sw-a', 'switch', '10.0.0.3');
    const swB = dev('sw-b', 'switch', '10.0.0.4');
    const phone = dev('phone', 'phone', '10.0.0.40');
    // A server with one NIC on each access switch, and a switch that only it reports (LLDP).
    const srv = dev('srv', 'server', '10.0.0.50');
    const lonely = dev('lonely', 'switch', '10.0.0.60');
    const det = {
      core: details(
        [{ mac: BOX_MAC, port: 48 }],
        [lldp(1, swB, ['bridge']), lldp(2, swA, ['bridge'])],
      ),
      'sw-b': details([], [lldp(5, phone, ['telephone', 'bridge']), lldp(6, srv)]),
      'sw-a': details([], [lldp(5, phone, ['telephone', 'bridge']), lldp(6, srv)]),
      srv: details([], [lldp(3, lonely, ['bridge'])]),
    };
    const r = deriveParents(input([core, swA, swB, phone, srv, lonely], det));
    expect(r.parents.get('sw-a')).toEqual({ parentId: 'core', via: 'lldp' });
    expect(r.parents.get('sw-b')).toEqual({ parentId: 'core', via: 'lldp' });
    expect(r.parents.get('phone')).toEqual({ parentId: 'sw-a', via: 'lldp' });
    expect(r.parents.get('srv')).toEqual({ parentId: 'sw-a', via: 'lldp' });
    expect(r.parents.get('lonely')).toEqual({ via: 'none' });
  });

  it('does not take a ghost (an LLDP neighbour outside the inventory) as a parent', () => {
    const { devices, det } = flatSite();
    det.core = details(det.core!.fdb, [
      ...det.core!.neighbours,
      { localPort: 40, chassisId: '02:99:99:99:99:99', portId: 'x', capabilities: ['bridge'] },
    ]);
    const topo = buildTopology(devices, new Map(), new Map(Object.entries(det)));
    expect(topo.nodes.some((n) => n.ghost)).toBe(true);
    const r = deriveParents(input(devices, det));
    expect([...r.parents.keys()].sort()).toEqual(['ap', 'core', 'pc', 'printer', 'srv']);
    expect([...r.parents.values()].every((l) => !l.parentId?.startsWith('lldp:'))).toBe(true);
  });
});

describe('deriveParents: the default gateway and remote subnets', () => {
  function remoteSite() {
    const { devices, det } = treeSite();
    const remote = dev('remote', 'server', '10.9.0.5');
    const stray = dev('stray', 'workstation', '10.0.0.77');
    const v6 = dev('v6', 'server', 'fd00::5');
    return { devices: [...devices, remote, stray, v6], det };
  }

  it('hangs devices outside the box subnets, not in the topology, off the gateway device', () => {
    const { devices, det } = remoteSite();
    const r = deriveParents(input(devices, det, { gatewayIp: '10.0.0.1' }));
    expect(r.parents.get('remote')).toEqual({ parentId: 'gw', via: 'gateway' });
    expect(ancestors(r.parents, 'remote')).toEqual(['gw', 'core']);
    // Local but not seen by any switch, and an address we cannot place: no parent.
    expect(r.parents.get('stray')).toEqual({ via: 'none' });
    expect(r.parents.get('v6')).toEqual({ via: 'none' });
    expect(descendants(r.parents, 'gw')).toEqual(['remote']);
  });

  it('accepts subnets as {network, prefix} and finds the gateway by any of its addresses', () => {
    const { devices, det } = remoteSite();
    const gw = devices.find((d) => d.id === 'gw')!;
    gw.ip = '192.0.2.1';
    gw.addresses = ['192.0.2.1', '10.0.0.254'];
    const r = deriveParents(
      input(devices, det, {
        gatewayIp: '10.0.0.254',
        selfSubnets: [{ network: '10.0.0.0', prefix: 24 }],
      }),
    );
    expect(r.gatewayId).toBe('gw');
    expect(r.parents.get('remote')).toEqual({ parentId: 'gw', via: 'gateway' });
    // The gateway keeps its place in the topology although its main address is remote.
    expect(r.parents.get('gw')).toEqual({ parentId: 'core', via: 'lldp' });
  });

  it('roots the tree at the gateway device when no switch saw the box', () => {
    const { devices, det } = remoteSite();
    const r = deriveParents(input(devices, det, { gatewayIp: '10.0.0.1', selfMacs: [] }));
    expect(r.root).toEqual({ id: 'gw', via: 'gateway' });
    expect(r.parents.get('gw')).toEqual({ via: 'none' });
    expect(r.parents.get('core')).toEqual({ parentId: 'gw', via: 'lldp' });
    expect(ancestors(r.parents, 'h2')).toEqual(['acc', 'core', 'gw']);
    expect(r.parents.get('remote')).toEqual({ parentId: 'gw', via: 'gateway' });
  });

  it('finds no root without the box in any FDB/LLDP and without a gateway device: no parents', () => {
    const { devices, det } = remoteSite();
    const r = deriveParents(input(devices, det, { selfMacs: ['02:de:ad:00:00:01'] }));
    expect(r.root).toBeUndefined();
    expect(r.gatewayId).toBeUndefined();
    expect([...r.parents.values()].every((l) => l.via === 'none' && !l.parentId)).toBe(true);
    expect(r.parents.size).toBe(devices.length);
  });

  it('matches addresses against subnets', () => {
    expect(inSubnets('10.0.0.9', ['10.0.0.5/24'])).toBe(true);
    expect(inSubnets('10.0.1.9', ['10.0.0.0/24'])).toBe(false);
    expect(inSubnets('10.0.1.9', [{ network: '10.0.0.0', prefix: 16 }])).toBe(true);
    expect(inSubnets('fd00::1', ['10.0.0.0/8'])).toBe(false);
    expect(inSubnets('10.0.0.1', ['bogus', '10.0.0.0/40'])).toBe(false);
  });
});

describe('deriveParents: manual overrides', () => {
  it('applies overrides (a parent, or null for none) over the derived tree', () => {
    const { devices, det } = treeSite();
    const r = deriveParents(
      input(devices, det, {
        overrides: new Map<string, string | null>([
          ['h1', 'core'],
          ['acc', null],
        ]),
      }),
    );
    expect(r.parents.get('h1')).toEqual({ parentId: 'core', via: 'manual' });
    expect(r.parents.get('acc')).toEqual({ via: 'manual' });
    expect(ancestors(r.parents, 'h2')).toEqual(['acc']);
    expect(r.ignored).toEqual([]);
  });

  it('ignores and reports an override that would make a loop', () => {
    const { devices, det } = treeSite();
    const r = deriveParents(input(devices, det, { overrides: new Map([['core', 'h1']]) }));
    expect(r.parents.get('core')).toEqual({ via: 'none' });
    expect(r.ignored).toHaveLength(1);
    expect(r.ignored[0]).toMatchObject({ deviceId: 'core', parentId: 'h1', reason: 'cycle' });
    expect(r.ignored[0]!.message).toContain('h1 → acc → core');
  });

  it('ignores the later of two overrides that point at each other and reports it', () => {
    const { devices, det } = treeSite();
    const extra = [dev('x', 'switch', '10.0.0.90'), dev('y', 'switch', '10.0.0.91')];
    const r = deriveParents(
      input([...devices, ...extra], det, {
        overrides: new Map([
          ['y', 'x'],
          ['x', 'y'],
        ]),
      }),
    );
    expect(r.parents.get('y')).toEqual({ parentId: 'x', via: 'manual' });
    expect(r.parents.get('x')).toEqual({ via: 'none' });
    expect(r.ignored.map((i) => [i.deviceId, i.reason])).toEqual([['x', 'cycle']]);
    expect(r.ignored[0]!.message).toContain('(y → x)');
    expect(ancestors(r.parents, 'y')).toEqual(['x']);
  });

  it('judges loops on the final tree, whatever order the overrides come in', () => {
    // Derived: h1 hangs off acc. Turned around by hand: acc under h1, and h1 with no parent.
    // Checked one by one against the derived tree, the first would look like a loop.
    const { devices, det } = treeSite();
    for (const order of [
      [
        ['acc', 'h1'],
        ['h1', null],
      ],
      [
        ['h1', null],
        ['acc', 'h1'],
      ],
    ] as Array<Array<[string, string | null]>>) {
      const r = deriveParents(input(devices, det, { overrides: new Map(order) }));
      expect(r.ignored).toEqual([]);
      expect(ancestors(r.parents, 'h2')).toEqual(['acc', 'h1']);
    }
  });

  it('tells whether a new parent would close a loop', () => {
    const { devices, det } = treeSite();
    const r = deriveParents(input(devices, det));
    expect(loopIfParent(r.parents, 'core', 'h1')).toBe(
      'h1 cannot be the parent of core: it is reached through it (h1 → acc → core), so that would make a loop.',
    );
    expect(loopIfParent(r.parents, 'h1', 'h2')).toBeUndefined();
  });

  it('reports overrides naming itself, an unknown parent or an unknown device', () => {
    const { devices, det } = treeSite();
    const r = deriveParents(
      input(devices, det, {
        overrides: new Map<string, string | null>([
          ['h1', 'h1'],
          ['h2', 'gone'],
          ['ghost', 'core'],
        ]),
      }),
    );
    expect(r.ignored.map((i) => [i.deviceId, i.reason])).toEqual([
      ['ghost', 'unknown-device'],
      ['h1', 'self'],
      ['h2', 'unknown-parent'],
    ]);
    expect(r.parents.get('h1')).toEqual({ parentId: 'acc', via: 'fdb' });
    expect(r.parents.has('ghost')).toBe(false);
  });
});

describe('ancestors and descendants', () => {
  it('stop at a loop instead of running forever', () => {
    const loop = new Map([
      ['a', { parentId: 'b', via: 'manual' as const }],
      ['b', { parentId: 'c', via: 'manual' as const }],
      ['c', { parentId: 'a', via: 'manual' as const }],
    ]);
    expect(ancestors(loop, 'a')).toEqual(['b', 'c']);
    expect(descendants(loop, 'a')).toEqual(['c', 'b']);
    expect(ancestors(loop, 'unknown')).toEqual([]);
  });
});
