/**
 * Interfaces of each profile: names and ifIndex numbering as the real devices use them, which
 * ports are up, their speeds, aliases and traffic rates (all from the seed), and the addresses.
 */
import { physicalPortCount, type AgentConfig, type Profile, type Vendor } from './config.js';
import type { Rate } from './counters.js';
import { rand, randInt } from './random.js';

/** What the layouts need of the device: its base MAC and whose naming to follow. */
export interface Base {
  mac: string;
  vendor: Vendor;
}

export const IF_TYPE = {
  other: 1,
  ethernetCsmacd: 6,
  softwareLoopback: 24,
  propVirtual: 53,
  ieee80211: 71,
  l2vlan: 135,
  bridge: 209,
} as const;

export interface Iface {
  ifIndex: number;
  descr: string;
  name: string;
  alias: string;
  type: number;
  mtu: number;
  /** bits per second */
  speed: number;
  /** 6 bytes, or empty for interfaces without one (loopback). */
  mac: Buffer;
  admin: 1 | 2;
  oper: 1 | 2;
  /** Seconds after boot when the interface entered its current oper state. */
  lastChangeS: number;
  /** Seconds after a boot when the interface comes up (after a simulated reboot). */
  bootUpS: number;
  /** A down interface that was up until lastChangeS keeps the counts of that time. */
  wasUp: boolean;
  /** Physical port number (1..n): dot1dBasePort, lldpLocPortNum, config `port`. */
  port?: number;
  connector: boolean;
  /** bytes per second */
  inRate: Rate;
  outRate: Rate;
  /** average bytes per packet */
  packetBytes: number;
  /** fractions of packets that are multicast / broadcast */
  multicast: number;
  broadcast: number;
  errorsPerHour: number;
  discardsPerHour: number;
}

export interface IpAddr {
  ip: string;
  ifIndex: number;
  mask: string;
}

export function macBytes(mac: string): Buffer {
  return Buffer.from(mac.replace(/[:-]/g, ''), 'hex');
}

export function isMac(text: string): boolean {
  return /^[0-9a-f]{2}([:-]?)[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i.test(text);
}

/** base MAC + n, carrying into the upper bytes like a real MAC pool. */
export function macPlus(mac: string, n: number): Buffer {
  const bytes = macBytes(mac);
  let carry = n;
  for (let i = 5; i >= 3 && carry > 0; i--) {
    const v = bytes[i]! + carry;
    bytes[i] = v & 0xff;
    carry = v >> 8;
  }
  return bytes;
}

const NO_RATE: Rate = { mean: 0, swing: 0, periodS: 1, phase: 0 };

function rate(seed: number, key: string, minMean: number, maxMean: number): Rate {
  if (maxMean <= 0 || minMean <= 0) return NO_RATE;
  // log-uniform: a few busy links, many quiet ones, like a real LAN
  const mean = minMean * (maxMean / minMean) ** rand(seed, key, 'mean');
  return {
    mean,
    swing: 0.3 + 0.6 * rand(seed, key, 'swing'),
    periodS: 300 + 3300 * rand(seed, key, 'period'),
    phase: 2 * Math.PI * rand(seed, key, 'phase'),
  };
}

export interface IfaceSpec {
  ifIndex: number;
  descr: string;
  name: string;
  type: number;
  speed: number;
  mtu?: number;
  alias?: string;
  port?: number;
  up: boolean;
  adminDown?: boolean;
  mac?: Buffer;
  /** mean bytes/s range */
  load: [number, number];
  errorsPerHour?: number;
  discardsPerHour?: number;
}

export function makeIface(seed: number, uptimeS: number, spec: IfaceSpec): Iface {
  const key = `if${spec.ifIndex}`;
  const virtual = spec.port === undefined;
  const lateChange = rand(seed, key, 'late') < 0.15;
  const bootUpS = randInt(seed, 30, 95, key, 'boot-up');
  const lastChangeS = lateChange
    ? Math.floor(uptimeS * (0.2 + 0.75 * rand(seed, key, 'change')))
    : bootUpS;
  const wasUp = !spec.up && lateChange && rand(seed, key, 'was-up') < 0.7;
  const counting = spec.up || wasUp;
  return {
    ifIndex: spec.ifIndex,
    descr: spec.descr,
    name: spec.name,
    alias: spec.alias ?? '',
    type: spec.type,
    mtu: spec.mtu ?? 1500,
    speed: spec.speed,
    mac: spec.mac ?? Buffer.alloc(0),
    admin: spec.adminDown ? 2 : 1,
    oper: spec.up ? 1 : 2,
    lastChangeS: spec.up || lateChange ? lastChangeS : 0,
    bootUpS,
    wasUp,
    port: spec.port,
    connector: !virtual,
    inRate: counting ? rate(seed, `${key}/in`, spec.load[0], spec.load[1]) : NO_RATE,
    outRate: counting ? rate(seed, `${key}/out`, spec.load[0], spec.load[1]) : NO_RATE,
    packetBytes: randInt(seed, 380, 1100, key, 'pkt'),
    multicast: 0.002 + 0.01 * rand(seed, key, 'mcast'),
    broadcast: 0.001 + 0.006 * rand(seed, key, 'bcast'),
    errorsPerHour: counting ? (spec.errorsPerHour ?? 0) : 0,
    discardsPerHour: counting ? (spec.discardsPerHour ?? 0) : 0,
  };
}

const KB = 1024;
const MB = 1024 * 1024;

/** Switch ports: Cisco ifIndex numbering (Gi1/0/p = 10100 + p), Vlan1 as the management SVI. */
export function switchIfaces(m: Base, cfg: AgentConfig, seed: number) {
  const n = physicalPortCount(cfg.profile);
  const busy = new Set([...cfg.neighbours.map((x) => x.port), ...cfg.fdb.map((x) => x.port)]);
  const badCable = randInt(seed, 1, n - 4, 'bad-cable');
  const specs: IfaceSpec[] = [
    {
      ifIndex: 1,
      descr: 'Vlan1',
      name: 'Vl1',
      type: IF_TYPE.propVirtual,
      speed: 1_000_000_000,
      up: true,
      mac: macBytes(m.mac),
      load: [1 * KB, 6 * KB],
    },
  ];
  for (let p = 1; p <= n; p++) {
    const uplink = p === n;
    const serverRoom = !uplink && p >= n - 3;
    const up = uplink || serverRoom || busy.has(p) || rand(seed, 'port-up', p) < 0.55;
    const office = rand(seed, 'alias', p) < 0.35 ? `office ${randInt(seed, 1, 40, 'room', p)}` : '';
    specs.push({
      ifIndex: 10100 + p,
      descr: `GigabitEthernet1/0/${p}`,
      name: `Gi1/0/${p}`,
      type: IF_TYPE.ethernetCsmacd,
      speed: !uplink && !serverRoom && rand(seed, 'fast', p) < 0.12 ? 100_000_000 : 1_000_000_000,
      alias: uplink ? 'uplink' : serverRoom ? 'server room' : office,
      port: p,
      up,
      adminDown: !up && rand(seed, 'shutdown', p) < 0.25,
      mac: macPlus(m.mac, p),
      load: uplink ? [2 * MB, 24 * MB] : serverRoom ? [400 * KB, 12 * MB] : [2 * KB, 300 * KB],
      errorsPerHour: p === badCable && up ? 40 : 0,
      discardsPerHour: uplink ? 6 : 0,
    });
  }
  return specs;
}

export function routerIfaces(m: Base, seed: number) {
  const wan = [400 * KB, 8 * MB] as [number, number];
  const lan = [200 * KB, 6 * MB] as [number, number];
  const quiet = [1 * KB, 40 * KB] as [number, number];
  const specs: IfaceSpec[] = [];
  const phys = (
    ifIndex: number,
    port: number,
    descr: string,
    name: string,
    up: boolean,
    load: [number, number],
    alias = '',
    speed = 1_000_000_000,
  ) =>
    specs.push({
      ifIndex,
      descr,
      name,
      type: IF_TYPE.ethernetCsmacd,
      speed,
      alias,
      port,
      up,
      mac: macPlus(m.mac, port - 1),
      load,
      discardsPerHour: port === 1 ? 12 : 0,
    });
  const virt = (
    ifIndex: number,
    descr: string,
    name: string,
    type: number,
    load: [number, number],
  ) =>
    specs.push({
      ifIndex,
      descr,
      name,
      type,
      speed: 1_000_000_000,
      up: true,
      mac: macBytes(m.mac),
      load,
    });

  if (m.vendor === 'cisco') {
    phys(1, 1, 'GigabitEthernet0/0/0', 'Gi0/0/0', true, wan, 'WAN');
    phys(2, 2, 'GigabitEthernet0/0/1', 'Gi0/0/1', true, lan, 'uplink');
    phys(3, 3, 'GigabitEthernet0/0/2', 'Gi0/0/2', false, quiet);
    for (let i = 0; i < 8; i++) {
      const up = i < 2 || rand(seed, 'nim-up', i) < 0.3;
      phys(4 + i, 4 + i, `GigabitEthernet0/1/${i}`, `Gi0/1/${i}`, up, quiet);
    }
    virt(12, 'GigabitEthernet0/0/1.10', 'Gi0/0/1.10', IF_TYPE.l2vlan, lan);
    virt(13, 'GigabitEthernet0/0/1.20', 'Gi0/0/1.20', IF_TYPE.l2vlan, quiet);
    virt(14, 'GigabitEthernet0/0/1.99', 'Gi0/0/1.99', IF_TYPE.l2vlan, quiet);
    virt(15, 'Null0', 'Nu0', IF_TYPE.other, [0, 0]);
    return { specs, mgmt: 14, lan: [12, 13] };
  }
  phys(1, 1, 'ether1', 'ether1', true, wan, 'WAN');
  phys(2, 2, 'ether2', 'ether2', true, lan, 'uplink');
  for (let p = 3; p <= 10; p++) {
    phys(p, p, `ether${p}`, `ether${p}`, p <= 4 || rand(seed, 'ether-up', p) < 0.3, quiet);
  }
  phys(11, 11, 'sfp-sfpplus1', 'sfp-sfpplus1', false, quiet, '', 10_000_000_000);
  virt(12, 'bridge', 'bridge', IF_TYPE.bridge, lan);
  virt(13, 'vlan10-staff', 'vlan10-staff', IF_TYPE.l2vlan, lan);
  virt(14, 'vlan20-voice', 'vlan20-voice', IF_TYPE.l2vlan, quiet);
  virt(15, 'vlan99-mgmt', 'vlan99-mgmt', IF_TYPE.l2vlan, quiet);
  return { specs, mgmt: 15, lan: [13, 14] };
}

export function smallIfaces(m: Base, profile: Profile): { specs: IfaceSpec[]; mgmt: number } {
  const mac = macBytes(m.mac);
  const eth = (
    ifIndex: number,
    port: number,
    descr: string,
    name: string,
    up: boolean,
  ): IfaceSpec => ({
    ifIndex,
    descr,
    name,
    type: IF_TYPE.ethernetCsmacd,
    speed: profile === 'ups' ? 100_000_000 : 1_000_000_000,
    port,
    up,
    mac: port === 1 ? mac : macPlus(m.mac, port - 1),
    load: profile === 'server' ? [300 * KB, 20 * MB] : [300, 20 * KB],
  });
  if (profile === 'printer') {
    const wired =
      m.vendor === 'hp'
        ? eth(1, 1, 'HP ETHERNET MULTI-ENVIRONMENT', 'eth0', true)
        : eth(1, 1, 'Brother NC-8700h', 'eth0', true);
    const wlan: IfaceSpec = {
      ifIndex: 2,
      descr: 'Wireless LAN',
      name: 'wlan0',
      type: IF_TYPE.ieee80211,
      speed: 0,
      up: false,
      adminDown: true,
      mac: macPlus(m.mac, 1),
      load: [0, 0],
    };
    return { specs: [wired, wlan], mgmt: 1 };
  }
  if (profile === 'ups') return { specs: [eth(1, 1, 'eth0', 'eth0', true)], mgmt: 1 };
  const lo: IfaceSpec = {
    ifIndex: 1,
    descr: 'lo',
    name: 'lo',
    type: IF_TYPE.softwareLoopback,
    speed: 10_000_000,
    mtu: 65536,
    up: true,
    load: [200, 4 * KB],
  };
  return {
    specs: [lo, eth(2, 1, 'eno1', 'eno1', true), eth(3, 2, 'eno2', 'eno2', false)],
    mgmt: 2,
  };
}

/** The other addresses of a router: inside the agent's own /16, so they stay lab or loopback. */
export function routerAddrs(address: string, mgmt: number, lan: number[], seed: number): IpAddr[] {
  const [a, b] = address.split('.');
  const mask = '255.255.255.0';
  const addrs: IpAddr[] = [{ ip: address, ifIndex: mgmt, mask }];
  lan.forEach((ifIndex, i) => addrs.push({ ip: `${a}.${b}.${(i + 1) * 10}.1`, ifIndex, mask }));
  // WAN: TEST-NET-1 (RFC 5737), documentation only, routed nowhere
  addrs.push({
    ip: `192.0.2.${8 * randInt(seed, 1, 30, 'wan') + 1}`,
    ifIndex: 1,
    mask: '255.255.255.248',
  });
  const seen = new Set<string>();
  return addrs.filter((x) => !seen.has(x.ip) && seen.add(x.ip));
}

export function inSubnet(ip: string, net: IpAddr): boolean {
  const n = (s: string) => s.split('.').reduce((acc, o) => (acc << 8) | Number(o), 0) >>> 0;
  return (n(ip) & n(net.mask)) >>> 0 === (n(net.ip) & n(net.mask)) >>> 0;
}
