/**
 * Names and addresses of a lab: the run id, the subnets (RFC 2544 benchmarking space, which no real
 * network routes) and MAC addresses with real vendor OUIs. Pure functions apart from the random
 * source, which callers may replace.
 */
import { randomInt } from 'node:crypto';

/** Real OUIs (checked against nmap-mac-prefixes), so scanners name the vendor as on a real LAN. */
export const OUIS = {
  cisco: '00:1b:54',
  hp: '3c:d9:2b',
  apc: '00:c0:b7',
  synology: '00:11:32',
  dell: '18:66:da',
  ubiquiti: '24:a4:3c',
  brother: '00:80:77',
  axis: '00:40:8c',
  fortinet: '00:09:0f',
  mikrotik: '4c:5e:0c',
  raspberrypi: 'dc:a6:32',
} as const;

export type Vendor = keyof typeof OUIS;

export type Random = (maxExclusive: number) => number;
export const cryptoRandom: Random = (max) => randomInt(max);

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Five random lowercase alphanumerics: namespace and interface names carry it. */
export function randomId(random: Random = cryptoRandom): string {
  let id = '';
  for (let i = 0; i < 5; i++) id += ID_ALPHABET[random(ID_ALPHABET.length)];
  return id;
}

/** A MAC with the vendor's OUI and three random bytes, lowercase, not in `taken` (which it joins). */
export function vendorMac(
  vendor: Vendor,
  taken: Set<string>,
  random: Random = cryptoRandom,
): string {
  for (;;) {
    const tail = [0, 0, 0].map(() => random(256).toString(16).padStart(2, '0'));
    const mac = `${OUIS[vendor]}:${tail.join(':')}`;
    if (!taken.has(mac)) {
      taken.add(mac);
      return mac;
    }
  }
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`not an IPv4 address: ${ip}`);
  }
  return (((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0) as number;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export interface Cidr {
  base: number;
  prefix: number;
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses "a.b.c.d/n" or a bare address (a /32). */
export function parseCidr(text: string): Cidr {
  const [addr, len] = text.split('/');
  const prefix = len === undefined ? 32 : Number(len);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`bad CIDR ${text}`);
  return { base: (ipToInt(addr ?? '') & mask(prefix)) >>> 0, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${intToIp(c.base)}/${c.prefix}`;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const m = mask(Math.min(a.prefix, b.prefix));
  return (a.base & m) >>> 0 === (b.base & m) >>> 0;
}

export function contains(net: Cidr, ip: string): boolean {
  return (ipToInt(ip) & mask(net.prefix)) >>> 0 === net.base;
}

/** Host offsets inside a subnet that the lab hands out: never .0 or .255 of any /24 in it. */
export function usableOffsets(prefix: number, first: number, count: number): number[] {
  const size = 2 ** (32 - prefix);
  const out: number[] = [];
  for (let off = first; out.length < count && off < size - 1; off++) {
    if (off % 256 !== 0 && off % 256 !== 255) out.push(off);
  }
  if (out.length < count) throw new Error(`a /${prefix} has no room for ${count} hosts`);
  return out;
}

/** Smallest prefix (at most /24) whose usable offsets from `first` hold `count` hosts. */
export function prefixFor(first: number, count: number): number {
  for (let prefix = 24; prefix >= 16; prefix--) {
    const size = 2 ** (32 - prefix);
    const usable = Array.from({ length: size - 1 - first }, (_, i) => i + first).filter(
      (o) => o % 256 !== 0 && o % 256 !== 255,
    ).length;
    if (usable >= count) return prefix;
  }
  throw new Error(`too many lab hosts: ${count}`);
}

export interface LabSubnets {
  /** The third octet: LAN 198.18.X.0/prefix, management 198.19.X.0/30. */
  x: number;
  lan: Cidr;
  mgmt: Cidr;
}

/**
 * Picks X at random (aligned to the LAN prefix) so that neither 198.18.X.0/prefix nor
 * 198.19.X.0/30 overlaps anything routed or assigned in `occupied`. Throws after many tries, which
 * means the machine itself uses the benchmarking range: better to stop than to share it.
 */
export function chooseSubnets(
  occupied: readonly Cidr[],
  lanPrefix: number,
  random: Random = cryptoRandom,
): LabSubnets {
  const step = 2 ** (24 - lanPrefix);
  const candidates = 256 / step;
  for (let attempt = 0; attempt < 64; attempt++) {
    const x = random(candidates) * step;
    const lan = { base: ipToInt(`198.18.${x}.0`), prefix: lanPrefix };
    const mgmt = { base: ipToInt(`198.19.${x}.0`), prefix: 30 };
    if (!occupied.some((o) => o.prefix > 0 && (overlaps(o, lan) || overlaps(o, mgmt)))) {
      return { x, lan, mgmt };
    }
  }
  throw new Error(
    'no free 198.18.X.0 lab subnet: this machine routes or uses the 198.18.0.0/15 range itself',
  );
}
