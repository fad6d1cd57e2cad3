/**
 * The box's own place in the network (its MACs, IPv4 subnets and default gateway), which roots the
 * parent tree of root-cause suppression. The parsers are pure; readSelfNetwork() reads the system.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { intToIpv4, ipv4ToInt } from '../discovery/targets.js';

export interface SelfNetwork {
  macs: string[];
  /** Absent when the box has no default route (the lab's namespaces, an isolated LAN). */
  gatewayIp?: string;
  /** IPv4 networks in CIDR form, host bits cleared ("10.1.2.0/24"). */
  subnets: string[];
}

export interface RouteEntry {
  iface: string;
  destination: string;
  gateway: string;
  mask: string;
  metric: number;
  flags: number;
}

const RTF_UP = 0x1;
const RTF_GATEWAY = 0x2;

/** /proc/net/route writes addresses as the host's 32-bit value in hex: little-endian on our CPUs. */
function hexToIpv4(hex: string): string | undefined {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) return undefined;
  const n = Number.parseInt(hex, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join('.');
}

/** The rows of /proc/net/route (the header and malformed rows are skipped). */
export function parseRouteTable(text: string): RouteEntry[] {
  const out: RouteEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || f[0] === 'Iface') continue;
    const [iface, dst, gw, flags, , , metric, mask] = f as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const destination = hexToIpv4(dst);
    const gateway = hexToIpv4(gw);
    const netmask = hexToIpv4(mask);
    const flagBits = Number.parseInt(flags, 16);
    if (!destination || !gateway || !netmask || Number.isNaN(flagBits)) continue;
    const m = Number(metric);
    out.push({
      iface,
      destination,
      gateway,
      mask: netmask,
      metric: Number.isFinite(m) ? m : 0,
      flags: flagBits,
    });
  }
  return out;
}

/** The gateway of the default route that is up, the lowest metric winning; undefined if none. */
export function defaultGateway(text: string): { ip: string; iface: string } | undefined {
  const best = parseRouteTable(text)
    .filter(
      (r) =>
        r.destination === '0.0.0.0' &&
        r.mask === '0.0.0.0' &&
        (r.flags & RTF_UP) !== 0 &&
        (r.flags & RTF_GATEWAY) !== 0 &&
        r.gateway !== '0.0.0.0',
    )
    .sort((a, b) => a.metric - b.metric)[0];
  return best ? { ip: best.gateway, iface: best.iface } : undefined;
}

/** MACs and IPv4 subnets from os.networkInterfaces() output (loopback and all-zero MACs left out). */
export function interfacesToSelf(
  ifaces: NodeJS.Dict<os.NetworkInterfaceInfo[]>,
): Pick<SelfNetwork, 'macs' | 'subnets'> {
  const macs = new Set<string>();
  const subnets = new Set<string>();
  for (const name of Object.keys(ifaces).sort()) {
    for (const a of ifaces[name] ?? []) {
      if (a.internal) continue;
      const mac = a.mac.toLowerCase();
      if (mac !== '00:00:00:00:00:00') macs.add(mac);
      if (a.family !== 'IPv4' || !a.cidr) continue;
      const prefix = Number(a.cidr.split('/')[1]);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) continue;
      const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
      subnets.add(`${intToIpv4((ipv4ToInt(a.address) & mask) >>> 0)}/${prefix}`);
    }
  }
  return { macs: [...macs], subnets: [...subnets] };
}

export interface SelfNetworkSources {
  networkInterfaces?: () => NodeJS.Dict<os.NetworkInterfaceInfo[]>;
  readRoutes?: (signal: AbortSignal) => Promise<string>;
  timeoutMs?: number;
}

/**
 * Reads the box's network now. A missing or unreadable route table (not Linux, a sandbox) means
 * no gateway, not an error: the tree can still be rooted by LLDP/FDB.
 */
export async function readSelfNetwork(src: SelfNetworkSources = {}): Promise<SelfNetwork> {
  const own = interfacesToSelf((src.networkInterfaces ?? os.networkInterfaces)());
  const read =
    src.readRoutes ??
    ((signal: AbortSignal) => readFile('/proc/net/route', { encoding: 'utf8', signal }));
  let gatewayIp: string | undefined;
  try {
    gatewayIp = defaultGateway(await read(AbortSignal.timeout(src.timeoutMs ?? 2_000)))?.ip;
  } catch {
    gatewayIp = undefined;
  }
  return { ...own, ...(gatewayIp ? { gatewayIp } : {}) };
}
