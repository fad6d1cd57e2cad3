/**
 * Pure helpers that connect what devices report about each other (LLDP neighbours, forwarding and
 * ARP tables) to the devices of the inventory: for the device page's tables, the topology drawing
 * and the parent derivation of root-cause suppression (src/incidents/parents.ts).
 */
import type { DeviceDetails, DeviceRecord } from '../store/types.js';
import type { InterfaceInfo, Neighbour } from './types.js';
import { compareText } from '../lib/collate.js';

export interface DeviceIndex {
  byMac: Map<string, DeviceRecord>;
  byIp: Map<string, DeviceRecord>;
  /** sysName → device, or null when several devices share the name. */
  bySysName: Map<string, DeviceRecord | null>;
}

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export function normMac(m: string | undefined): string | undefined {
  if (!m) return undefined;
  const s = m.trim().toLowerCase().replace(/-/g, ':');
  return MAC_RE.test(s) ? s : undefined;
}

/** Indexes devices by their MAC, the MACs of their interfaces, their addresses and sysName. */
export function buildIndex(
  devices: DeviceRecord[],
  interfacesOf: ReadonlyMap<string, InterfaceInfo[]> = new Map(),
): DeviceIndex {
  const byMac = new Map<string, DeviceRecord>();
  const byIp = new Map<string, DeviceRecord>();
  const bySysName = new Map<string, DeviceRecord | null>();
  // The address nmap saw first, so that an interface MAC never overrides it.
  for (const d of devices) {
    const m = normMac(d.mac);
    if (m) byMac.set(m, d);
    for (const a of [d.ip, ...d.addresses]) if (!byIp.has(a)) byIp.set(a, d);
    if (d.sysName) {
      const k = d.sysName.toLowerCase();
      bySysName.set(k, bySysName.has(k) ? null : d);
    }
  }
  for (const d of devices) {
    for (const i of interfacesOf.get(d.id) ?? []) {
      const m = normMac(i.mac);
      if (m && !byMac.has(m)) byMac.set(m, d);
    }
  }
  return { byMac, byIp, bySysName };
}

/** The inventory device an LLDP neighbour is: by chassis MAC, management address, then unique sysName. */
export function findNeighbour(idx: DeviceIndex, n: Neighbour): DeviceRecord | undefined {
  const mac = normMac(n.chassisId);
  if (mac && idx.byMac.has(mac)) return idx.byMac.get(mac);
  if (n.mgmtIp && idx.byIp.has(n.mgmtIp)) return idx.byIp.get(n.mgmtIp);
  const byName = n.sysName ? idx.bySysName.get(n.sysName.toLowerCase()) : undefined;
  return byName ?? undefined;
}

/** A port's name from the device's interfaces, else "port N". */
export function portName(
  interfaces: InterfaceInfo[],
  ifIndex: number | undefined,
  port: number,
): string {
  const i = interfaces.find((x) => x.index === (ifIndex ?? port));
  return i ? i.name || i.descr || `if ${i.index}` : `port ${port}`;
}

export function ifName(interfaces: InterfaceInfo[], ifIndex: number): string {
  const i = interfaces.find((x) => x.index === ifIndex);
  return i ? i.name || i.descr : `if ${ifIndex}`;
}

/** LLDP's name for the remote port: its description when it has one, else its ID. */
export function remotePortName(n: Neighbour): string {
  return n.portDescr || n.portId;
}

// ---- topology --------------------------------------------------------------------------------

export interface TopoNode {
  id: string;
  name: string;
  type: string;
  ip: string;
  status: string;
  /** Not in the inventory: an LLDP neighbour outside the scanned networks. */
  ghost?: boolean;
  href?: string;
}

export interface TopoEdge {
  a: string;
  b: string;
  /** Port on a, port on b (either may be unknown). */
  aPort?: string;
  bPort?: string;
  via: 'lldp' | 'fdb';
}

export interface Topology {
  nodes: TopoNode[];
  edges: TopoEdge[];
}

/** Where a bridge learned a MAC: the switch, the port's label and how many MACs share that port. */
export interface FdbPlacement {
  sw: string;
  port: string;
  macsOnPort: number;
}

/** The topology plus what was learned on the way, for callers that need more than the drawing. */
export interface TopologyAnalysis extends Topology {
  /** deviceId → port labels that lead to other infrastructure (uplinks). */
  uplinks: ReadonlyMap<string, ReadonlySet<string>>;
  /** Normalised MAC → every non-uplink port a bridge learned it on (inventory MACs or not). */
  fdbByMac: ReadonlyMap<string, FdbPlacement[]>;
}

export const INFRA_TYPES: ReadonlySet<string> = new Set(['router', 'firewall', 'switch']);
const INFRA = INFRA_TYPES;

/**
 * The access port among the places a MAC was learned: the port with the fewest MACs (an uplink
 * carries everything behind it), ties broken by the switch's name.
 */
export function accessPlacement(
  list: readonly FdbPlacement[],
  nameOf: (id: string) => string,
): FdbPlacement | undefined {
  return [...list].sort(
    (x, y) => x.macsOnPort - y.macsOnPort || compareText(nameOf(x.sw), nameOf(y.sw)),
  )[0];
}

/**
 * Links between devices:
 * - LLDP: each neighbour that resolves to a device (or, if not, a ghost node named after it);
 *   a link both ends report is drawn once.
 * - FDB: each device's MAC as a switch learned it, on the port with the fewest MACs among all
 *   switches that saw it (the access port, not an uplink). Ports that have an LLDP neighbour
 *   which is infrastructure are uplinks and are skipped, as are devices already linked by LLDP.
 */
export function buildTopology(
  devices: DeviceRecord[],
  interfacesOf: ReadonlyMap<string, InterfaceInfo[]>,
  detailsOf: ReadonlyMap<string, DeviceDetails | undefined>,
): Topology {
  const { nodes, edges } = analyseTopology(devices, interfacesOf, detailsOf);
  return { nodes, edges };
}

/** buildTopology, also returning the uplink ports and where each MAC was learned. */
export function analyseTopology(
  devices: DeviceRecord[],
  interfacesOf: ReadonlyMap<string, InterfaceInfo[]>,
  detailsOf: ReadonlyMap<string, DeviceDetails | undefined>,
): TopologyAnalysis {
  const idx = buildIndex(devices, interfacesOf);
  const byId = new Map(devices.map((d) => [d.id, d]));
  const nodes: TopoNode[] = devices.map((d) => ({
    id: d.id,
    name: d.name,
    type: d.type,
    ip: d.ip,
    status: d.status,
    href: `/devices/${d.id}`,
  }));
  const ghosts = new Map<string, TopoNode>();
  const edges = new Map<string, TopoEdge>();
  const pairKey = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);
  const lldpLinked = new Set<string>();
  /** deviceId → ports (ifIndex or bridge port label) that lead to other infrastructure. */
  const uplinks = new Map<string, Set<string>>();

  const sorted = [...devices].sort((x, y) => compareText(x.id, y.id));
  for (const d of sorted) {
    const det = detailsOf.get(d.id);
    const ifs = interfacesOf.get(d.id) ?? [];
    for (const n of det?.neighbours ?? []) {
      const local = portName(ifs, n.localIfIndex, n.localPort);
      let remote = findNeighbour(idx, n);
      if (remote?.id === d.id) continue;
      let otherId: string;
      if (remote) {
        otherId = remote.id;
      } else {
        const gid = `lldp:${normMac(n.chassisId) ?? n.chassisId}`;
        if (!ghosts.has(gid))
          ghosts.set(gid, {
            id: gid,
            name: n.sysName || n.chassisId,
            type: n.capabilities.includes('router')
              ? 'router'
              : n.capabilities.includes('bridge')
                ? 'switch'
                : n.capabilities.includes('wlanAccessPoint')
                  ? 'access-point'
                  : n.capabilities.includes('telephone')
                    ? 'phone'
                    : 'unknown',
            ip: n.mgmtIp ?? '',
            status: 'external',
            ghost: true,
          });
        otherId = gid;
        remote = undefined;
      }
      // A port to another switch or router is an uplink: the MACs learned there are behind it.
      // Phones and access points also bridge, but what is behind them is shown on this port.
      const uplink = remote
        ? INFRA.has(remote.type)
        : n.capabilities.includes('router') ||
          (n.capabilities.includes('bridge') &&
            !n.capabilities.includes('telephone') &&
            !n.capabilities.includes('wlanAccessPoint'));
      if (uplink) {
        const set = uplinks.get(d.id) ?? new Set<string>();
        set.add(local);
        uplinks.set(d.id, set);
      }
      lldpLinked.add(d.id);
      lldpLinked.add(otherId);
      const k = pairKey(d.id, otherId);
      const e = edges.get(k);
      const rport = remotePortName(n);
      if (!e) {
        edges.set(k, { a: d.id, b: otherId, aPort: local, bPort: rport, via: 'lldp' });
      } else if (e.a === otherId) {
        // The other end reported it first: fill in what it could not know.
        e.bPort = local;
        e.aPort ??= rport;
      }
    }
  }

  // FDB: candidate (switch, port) per device MAC, with the number of MACs on that port.
  const candidates = new Map<string, FdbPlacement[]>();
  const fdbByMac = new Map<string, FdbPlacement[]>();
  for (const d of sorted) {
    const det = detailsOf.get(d.id);
    if (!det?.fdb.length) continue;
    const ifs = interfacesOf.get(d.id) ?? [];
    const perPort = new Map<string, number>();
    const labelOf = (f: { port: number; ifIndex?: number | undefined }) =>
      portName(ifs, f.ifIndex, f.port);
    for (const f of det.fdb) perPort.set(labelOf(f), (perPort.get(labelOf(f)) ?? 0) + 1);
    const up = uplinks.get(d.id) ?? new Set<string>();
    for (const f of det.fdb) {
      const port = labelOf(f);
      if (up.has(port)) continue;
      const mac = normMac(f.mac);
      if (!mac) continue;
      const placement: FdbPlacement = { sw: d.id, port, macsOnPort: perPort.get(port) ?? 0 };
      const seen = fdbByMac.get(mac) ?? [];
      seen.push(placement);
      fdbByMac.set(mac, seen);
      const target = idx.byMac.get(mac);
      if (!target || target.id === d.id) continue;
      const list = candidates.get(target.id) ?? [];
      list.push(placement);
      candidates.set(target.id, list);
    }
  }
  for (const [target, list] of [...candidates].sort((x, y) => compareText(x[0], y[0]))) {
    if (lldpLinked.has(target)) continue;
    const best = accessPlacement(list, (id) => byId.get(id)?.name ?? '')!;
    const k = pairKey(best.sw, target);
    if (!edges.has(k)) edges.set(k, { a: best.sw, b: target, aPort: best.port, via: 'fdb' });
  }
  return {
    nodes: [...nodes, ...ghosts.values()],
    edges: [...edges.values()],
    uplinks,
    fdbByMac,
  };
}
