/**
 * Which device each device is reached through, for root-cause suppression: when a parent is down,
 * the incidents of everything behind it are explained by it and page nobody.
 *
 * Pure: the inventory, what the devices report (LLDP, FDB) and the box's own network in, a parent
 * per device out. The tree is rooted where the box itself is plugged in and grows along the
 * topology (src/discovery/topology.ts); devices on other subnets hang off the default gateway;
 * people can override any of it.
 */
import { isIPv4 } from 'node:net';
import type { DeviceDetails, DeviceRecord } from '../store/types.js';
import type { InterfaceInfo } from '../discovery/types.js';
import { ipv4ToInt } from '../discovery/targets.js';
import {
  INFRA_TYPES,
  accessPlacement,
  analyseTopology,
  buildIndex,
  normMac,
  type FdbPlacement,
} from '../discovery/topology.js';

/** How a parent was found: a topology link, the default gateway, a person, or not at all. */
export type ParentVia = 'lldp' | 'fdb' | 'gateway' | 'manual' | 'none';

export interface ParentLink {
  parentId?: string;
  via: ParentVia;
}

export type ParentMap = ReadonlyMap<string, ParentLink>;

/** A subnet of the box: "10.1.2.5/24" (host bits are ignored) or {network, prefix}. */
export type SubnetInput = string | { network: string; prefix: number };

export interface ParentInput {
  devices: readonly DeviceRecord[];
  interfacesOf: ReadonlyMap<string, InterfaceInfo[]>;
  detailsOf: ReadonlyMap<string, DeviceDetails | undefined>;
  /** The box's own MAC addresses. */
  selfMacs: readonly string[];
  /** The box's default gateway. */
  gatewayIp?: string | undefined;
  /** The box's own IPv4 subnets. */
  selfSubnets: readonly SubnetInput[];
  /** Manual choices: deviceId → parent id, or null for "no parent". */
  overrides: ReadonlyMap<string, string | null>;
}

/** Where the tree starts and how that was decided. */
export interface ParentRoot {
  id: string;
  /** lldp: the device reports the box as a neighbour; fdb: it learned the box's MAC on an
   * access port; gateway: neither was seen, so the device holding the default gateway. */
  via: 'lldp' | 'fdb' | 'gateway';
}

export type IgnoredReason = 'cycle' | 'self' | 'unknown-device' | 'unknown-parent';

/** An override that could not be applied (it stays stored; people see why it has no effect). */
export interface IgnoredOverride {
  deviceId: string;
  parentId: string | null;
  reason: IgnoredReason;
  message: string;
}

export interface ParentDerivation {
  /** Every inventory device → its parent (the root and unplaced devices: via 'none'). */
  parents: Map<string, ParentLink>;
  root?: ParentRoot;
  /** The inventory device holding the box's default gateway address. */
  gatewayId?: string;
  ignored: IgnoredOverride[];
}

/**
 * Devices that only end hosts are: nothing is reached through them, even when they report LLDP
 * links to two switches (a server with two NICs is not a path between those switches). They still
 * forward if they report a forwarding table (a hypervisor's bridge).
 */
const END_HOST_TYPES: ReadonlySet<string> = new Set([
  'printer',
  'ups',
  'nas',
  'server',
  'workstation',
  'camera',
]);

interface Net {
  base: number;
  mask: number;
}

function toNet(s: SubnetInput): Net | undefined {
  const [network, prefixText] =
    typeof s === 'string' ? s.trim().split('/') : [s.network, String(s.prefix)];
  const prefix = prefixText === undefined || prefixText === '' ? 32 : Number(prefixText);
  if (!network || !isIPv4(network) || !Number.isInteger(prefix) || prefix < 0 || prefix > 32)
    return undefined;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (ipv4ToInt(network) & mask) >>> 0, mask };
}

/** Whether an IPv4 address lies in one of the subnets (anything else: false). */
export function inSubnets(ip: string, subnets: readonly SubnetInput[]): boolean {
  if (!isIPv4(ip)) return false;
  const n = ipv4ToInt(ip);
  return subnets.some((s) => {
    const net = toNet(s);
    return net !== undefined && (n & net.mask) >>> 0 === net.base;
  });
}

/**
 * Off the box's subnets: it has IPv4 addresses and none of them is local. Unknown (no subnets of
 * our own, or no IPv4 address) counts as local: only a known remote device hangs off the gateway.
 */
function isRemote(d: DeviceRecord, subnets: readonly SubnetInput[]): boolean {
  const v4 = [d.ip, ...d.addresses].filter((a) => isIPv4(a));
  if (!subnets.length || !v4.length) return false;
  return !v4.some((a) => inSubnets(a, subnets));
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Where the box is plugged in: LLDP first (it is link-local, so exact), then the FDB access port. */
function findRoot(
  input: ParentInput,
  fdbByMac: ReadonlyMap<string, FdbPlacement[]>,
  gatewayId: string | undefined,
): ParentRoot | undefined {
  const self = new Set(
    input.selfMacs.map((m) => normMac(m)).filter((m): m is string => m !== undefined),
  );
  const isSelf = (mac: string | undefined) => {
    const m = normMac(mac);
    return m !== undefined && self.has(m);
  };
  const devices = [...input.devices].sort((a, b) => byId(a.id, b.id));
  const infraFirst = (a: DeviceRecord, b: DeviceRecord) =>
    Number(INFRA_TYPES.has(b.type)) - Number(INFRA_TYPES.has(a.type)) || byId(a.id, b.id);
  const lldp = devices
    .filter((d) => (input.detailsOf.get(d.id)?.neighbours ?? []).some((n) => isSelf(n.chassisId)))
    .sort(infraFirst);
  if (lldp[0]) return { id: lldp[0].id, via: 'lldp' };
  const placements = [...self].flatMap((m) => fdbByMac.get(m) ?? []);
  const names = new Map(input.devices.map((d) => [d.id, d.name]));
  const best = accessPlacement(placements, (id) => names.get(id) ?? '');
  if (best) return { id: best.sw, via: 'fdb' };
  return gatewayId ? { id: gatewayId, via: 'gateway' } : undefined;
}

/** Parents of every inventory device; manual overrides win unless they would make a loop. */
export function deriveParents(input: ParentInput): ParentDerivation {
  const devices = [...input.devices];
  const known = new Map(devices.map((d) => [d.id, d]));
  const topo = analyseTopology(devices, input.interfacesOf, input.detailsOf);
  const idx = buildIndex(devices, input.interfacesOf);
  const gatewayId = input.gatewayIp ? idx.byIp.get(input.gatewayIp)?.id : undefined;
  const root = findRoot(input, topo.fdbByMac, gatewayId);

  // Links between inventory devices only: a ghost (an LLDP neighbour outside the inventory) can
  // not be down in our eyes, so it explains nothing.
  const adj = new Map<string, Map<string, 'lldp' | 'fdb'>>();
  for (const e of topo.edges) {
    if (!known.has(e.a) || !known.has(e.b)) continue;
    for (const [x, y] of [
      [e.a, e.b],
      [e.b, e.a],
    ] as const) {
      const m = adj.get(x) ?? new Map<string, 'lldp' | 'fdb'>();
      if (!m.has(y)) m.set(y, e.via);
      adj.set(x, m);
    }
  }
  const forwards = (id: string) => {
    const d = known.get(id)!;
    return !END_HOST_TYPES.has(d.type) || (input.detailsOf.get(id)?.fdb.length ?? 0) > 0;
  };

  const parents = new Map<string, ParentLink>();
  if (root) {
    // Breadth first, one hop at a time, the frontier in id order: each device gets the nearest
    // parent, and of equally near ones the lowest id, whatever order the store listed them in.
    const reached = new Set([root.id]);
    let frontier = [root.id];
    while (frontier.length) {
      const next: string[] = [];
      for (const u of frontier) {
        if (u !== root.id && !forwards(u)) continue;
        for (const [v, via] of [...(adj.get(u) ?? [])].sort((a, b) => byId(a[0], b[0]))) {
          if (reached.has(v)) continue;
          reached.add(v);
          parents.set(v, { parentId: u, via });
          next.push(v);
        }
      }
      frontier = next.sort(byId);
    }
  }
  for (const d of devices) {
    if (parents.has(d.id)) continue;
    if (d.id !== root?.id && gatewayId && d.id !== gatewayId && isRemote(d, input.selfSubnets))
      parents.set(d.id, { parentId: gatewayId, via: 'gateway' });
    else parents.set(d.id, { via: 'none' });
  }

  const { ignored } = applyOverrides(parents, input.overrides, known);
  return {
    parents,
    ...(root ? { root } : {}),
    ...(gatewayId ? { gatewayId } : {}),
    ignored,
  };
}

/**
 * Applies the overrides to the derived parents in place. All of them are applied first and loops
 * are broken afterwards, so that the result does not depend on the order they are checked in; of
 * the overrides on a loop, the one latest in the map loses (the service passes them oldest first,
 * so the newest choice is the one reported).
 */
function applyOverrides(
  parents: Map<string, ParentLink>,
  overrides: ReadonlyMap<string, string | null>,
  known: ReadonlyMap<string, DeviceRecord>,
): { ignored: IgnoredOverride[] } {
  const ignored: IgnoredOverride[] = [];
  const nameOf = (id: string) => known.get(id)?.name ?? id;
  const derived = new Map(parents);
  const rank = new Map<string, number>();
  for (const [deviceId, parentId] of overrides) {
    const skip = (reason: IgnoredReason, message: string) =>
      ignored.push({ deviceId, parentId, reason, message });
    if (!known.has(deviceId)) {
      skip('unknown-device', `The device ${deviceId} is not in the inventory.`);
    } else if (parentId === null) {
      parents.set(deviceId, { via: 'manual' });
    } else if (parentId === deviceId) {
      skip('self', `${nameOf(deviceId)} cannot be its own parent.`);
    } else if (!known.has(parentId)) {
      skip(
        'unknown-parent',
        `The parent ${parentId} of ${nameOf(deviceId)} is not in the inventory.`,
      );
    } else {
      parents.set(deviceId, { parentId, via: 'manual' });
      rank.set(deviceId, rank.size);
    }
  }
  // Derived links never loop, so every loop holds at least one override: drop one per round.
  for (let cycle = findCycle(parents); cycle; cycle = findCycle(parents)) {
    const drop = cycle
      .filter((id) => rank.has(id))
      .reduce((a, b) => (rank.get(a)! > rank.get(b)! ? a : b));
    const parentId = parents.get(drop)!.parentId!;
    const at = cycle.indexOf(drop);
    // The loop read from the would-be parent up to the device: parent → … → device.
    const path = [...cycle.slice(at + 1), ...cycle.slice(0, at + 1)];
    ignored.push({
      deviceId: drop,
      parentId,
      reason: 'cycle',
      message: loopMessage(drop, path, nameOf),
    });
    rank.delete(drop);
    parents.set(drop, derived.get(drop) ?? { via: 'none' });
  }
  ignored.sort((a, b) => byId(a.deviceId, b.deviceId));
  return { ignored };
}

/** A loop in the parent links, as [a, parent of a, its parent, …] (the last one's parent is a). */
function findCycle(parents: ParentMap): string[] | undefined {
  const done = new Set<string>();
  for (const start of [...parents.keys()].sort(byId)) {
    if (done.has(start)) continue;
    const path: string[] = [];
    const onPath = new Map<string, number>();
    let cur: string | undefined = start;
    while (cur !== undefined && !done.has(cur)) {
      const seenAt = onPath.get(cur);
      if (seenAt !== undefined) return path.slice(seenAt);
      onPath.set(cur, path.length);
      path.push(cur);
      cur = parents.get(cur)?.parentId;
    }
    for (const id of path) done.add(id);
  }
  return undefined;
}

function loopMessage(deviceId: string, path: string[], nameOf: (id: string) => string): string {
  const parentId = path[0]!;
  return (
    `${nameOf(parentId)} cannot be the parent of ${nameOf(deviceId)}: it is reached through it ` +
    `(${path.map(nameOf).join(' → ')}), so that would make a loop.`
  );
}

/**
 * Whether making parentId the parent of deviceId would close a loop in these parents; if so the
 * message that says why (for refusing a new override before it is stored).
 */
export function loopIfParent(
  parents: ParentMap,
  deviceId: string,
  parentId: string,
  nameOf: (id: string) => string = (id) => id,
): string | undefined {
  const above = ancestors(parents, parentId);
  const at = above.indexOf(deviceId);
  if (at < 0) return undefined;
  return loopMessage(deviceId, [parentId, ...above.slice(0, at + 1)], nameOf);
}

/** The chain of parents above a device, nearest first; stops where it would repeat. */
export function ancestors(parents: ParentMap, deviceId: string): string[] {
  const out: string[] = [];
  const seen = new Set([deviceId]);
  let cur = parents.get(deviceId)?.parentId;
  while (cur !== undefined && !seen.has(cur)) {
    out.push(cur);
    seen.add(cur);
    cur = parents.get(cur)?.parentId;
  }
  return out;
}

/** Everything reached through a device, nearest first (by depth, then id). */
export function descendants(parents: ParentMap, deviceId: string): string[] {
  const children = new Map<string, string[]>();
  for (const [id, link] of parents) {
    if (link.parentId === undefined) continue;
    const list = children.get(link.parentId) ?? [];
    list.push(id);
    children.set(link.parentId, list);
  }
  const out: string[] = [];
  const seen = new Set([deviceId]);
  let frontier = [deviceId];
  while (frontier.length) {
    const next: string[] = [];
    for (const id of frontier)
      for (const c of children.get(id) ?? []) {
        if (seen.has(c)) continue;
        seen.add(c);
        next.push(c);
      }
    next.sort(byId);
    out.push(...next);
    frontier = next;
  }
  return out;
}
