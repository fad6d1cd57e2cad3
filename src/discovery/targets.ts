import { isIPv4, isIPv6 } from 'node:net';

/** A validated scan target: an IPv4 or IPv6 network in CIDR form (a single address is a /32 or /128). */
export interface Cidr {
  text: string;
  version: 4 | 6;
  prefix: number;
  /** Number of addresses (capped at 2^64 for IPv6 display). */
  size: number;
}

/** The largest network an admin may configure: a /16 (65,536 addresses). */
export const MAX_PREFIX_SIZE = 65_536;

export function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

export function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/**
 * Parses "198.18.5.0/24", "10.1.2.3" (→ /32) or an IPv6 network. Returns an error sentence for
 * anything else, including host bits set ("10.0.0.5/24": did you mean 10.0.0.0/24?).
 */
export function parseCidr(input: string): Cidr | { error: string } {
  const text = input.trim();
  const [addr = '', prefixText, extra] = text.split('/');
  if (extra !== undefined)
    return { error: `"${text}" is not a network: use the form 192.168.1.0/24.` };
  if (isIPv4(addr)) {
    const prefix =
      prefixText === undefined ? 32 : /^\d{1,2}$/.test(prefixText) ? Number(prefixText) : NaN;
    if (!(prefix >= 0 && prefix <= 32))
      return { error: `"${text}": the prefix length must be 0–32.` };
    const n = ipv4ToInt(addr);
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    const network = (n & mask) >>> 0;
    if (network !== n)
      return {
        error: `"${text}" has host bits set: did you mean ${intToIpv4(network)}/${prefix}?`,
      };
    return { text: `${addr}/${prefix}`, version: 4, prefix, size: 2 ** (32 - prefix) };
  }
  if (isIPv6(addr)) {
    const prefix =
      prefixText === undefined ? 128 : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
    if (!(prefix >= 0 && prefix <= 128))
      return { error: `"${text}": the prefix length must be 0–128.` };
    return {
      text: `${addr.toLowerCase()}/${prefix}`,
      version: 6,
      prefix,
      size: 2 ** Math.min(64, 128 - prefix),
    };
  }
  return { error: `"${text}" is not an IP address or network.` };
}

export function ipInCidr(ip: string, cidr: Cidr): boolean {
  if (cidr.version !== 4 || !isIPv4(ip)) return false;
  const [addr] = cidr.text.split('/');
  const mask = cidr.prefix === 0 ? 0 : (0xffffffff << (32 - cidr.prefix)) >>> 0;
  return (ipv4ToInt(ip) & mask) >>> 0 === (ipv4ToInt(addr!) & mask) >>> 0;
}
