/**
 * The device model: everything an agent serves, derived from its AgentConfig and seed, plus the
 * functions that compute the moving values (uptime, interface counters) for a moment in time.
 * Immutable once built and small (a few KB per agent); the net-snmp MIB tree is built from it
 * only when the agent is asked something (see mib-cache.ts).
 */
import type { AgentConfig, NeighbourConfig, Profile } from './config.js';
import {
  buildIdentity,
  defaultEngineId,
  defaultMac,
  vendorFor,
  type Identity,
} from './identity.js';
import { hash32, randInt } from './random.js';
import { total } from './counters.js';
import { buildPrinter, type PrinterModel } from './model-printer.js';
import { buildUps, type UpsModel } from './model-ups.js';
import { buildHost, type HostModel } from './model-host.js';
import { buildSensors, type TempSensor } from './model-sensors.js';
import {
  inSubnet,
  isMac,
  macBytes,
  makeIface,
  routerAddrs,
  routerIfaces,
  smallIfaces,
  switchIfaces,
  type Iface,
  type IfaceSpec,
  type IpAddr,
} from './model-interfaces.js';

export { IF_TYPE, isMac, macBytes, macPlus } from './model-interfaces.js';
export type { Iface, IpAddr } from './model-interfaces.js';

export interface Neighbour {
  localPort: number;
  remIndex: number;
  /** TimeTicks of sysUpTime when the neighbour was learned (lldpRemTimeMark). */
  timeMark: number;
  config: NeighbourConfig;
  chassisId: Buffer;
  /** LldpPortIdSubtype: macAddress(3) when portId is a MAC, else interfaceName(5). */
  portIdSubtype: 3 | 5;
  portId: Buffer;
  capabilities: Buffer;
}

export interface FdbEntry {
  mac: Buffer;
  port: number;
  vlan: number;
}

export interface ArpEntry {
  ifIndex: number;
  mac: Buffer;
  ip: string;
}

export interface DeviceModel {
  config: AgentConfig;
  profile: Profile;
  seed: number;
  identity: Identity;
  mac: string;
  engineId: string;
  /** snmpEngineBoots; a simulated reboot adds one. */
  engineBoots: number;
  /** Wall clock (ms) when the model was built, and the device's uptime at that moment. */
  startMs: number;
  uptimeAtStartS: number;
  /** Wall clock (ms) of the last simulated reboot (see rebootModel); undefined: never. */
  bootMs?: number;
  ifaces: Iface[];
  byIfIndex: Map<number, Iface>;
  /** port number → ifIndex for the physical ports */
  ports: Map<number, number>;
  mgmtIfIndex: number;
  ipAddrs: IpAddr[];
  arp: ArpEntry[];
  fdb: FdbEntry[];
  neighbours: Neighbour[];
  servesBridge: boolean;
  servesLldp: boolean;
  /** ipForwarding: 1 forwarding (a router), 2 not forwarding. */
  ipForwarding: 1 | 2;
  printer?: PrinterModel;
  ups?: UpsModel;
  host?: HostModel;
  /** ENTITY-SENSOR-MIB temperature sensors (switches and servers). */
  sensors: TempSensor[];
}

/** LldpSystemCapabilitiesMap: BITS other(0) repeater(1) bridge(2) wlan(3) router(4) telephone(5) docsis(6) station(7). */
const CAP_BITS: Record<string, number> = { bridge: 2, router: 4, station: 7, printer: 0 };
export function capabilityBits(caps: readonly string[]): Buffer {
  let byte = 0;
  for (const c of caps) byte |= 0x80 >> CAP_BITS[c]!;
  return Buffer.from([byte]);
}

function neighbours(cfg: AgentConfig, seed: number, uptimeS: number): Neighbour[] {
  return [...cfg.neighbours]
    .sort((x, y) => x.port - y.port)
    .map((n, i) => ({
      localPort: n.port,
      remIndex: i + 1,
      // learned a minute or two after boot, like a switch that came up with its neighbours
      timeMark: Math.min(randInt(seed, 6000, 18000, 'lldp', n.port, i), uptimeS * 100),
      config: n,
      chassisId: macBytes(n.chassisMac),
      portIdSubtype: isMac(n.portId) ? 3 : 5,
      portId: isMac(n.portId) ? macBytes(n.portId) : Buffer.from(n.portId, 'utf8'),
      capabilities: capabilityBits(n.capabilities ?? ['station']),
    }));
}

export interface ModelOptions {
  /** Wall clock now (ms). */
  nowMs: number;
}

/** The seed: the configured one, else one derived from the name and address (stable per device). */
export function seedFor(cfg: AgentConfig): number {
  return cfg.seed ?? hash32(`${cfg.sysName}/${cfg.address}:${cfg.port}`);
}

export function buildModel(cfg: AgentConfig, opts: ModelOptions): DeviceModel {
  const seed = seedFor(cfg) >>> 0;
  const identity = buildIdentity(cfg, seed);
  const mac = cfg.mac ?? defaultMac(vendorFor(cfg), seed);
  // up for 3 to 120 days: counters have wrapped, sysUpTime is far from its own 497-day wrap
  const uptimeAtStartS = randInt(seed, 3 * 86400, 120 * 86400, 'uptime');
  const m = { mac, vendor: identity.vendor };

  let specs: IfaceSpec[];
  let mgmtIfIndex: number;
  let ipAddrs: IpAddr[];
  const mask = '255.255.255.0';
  if (cfg.profile === 'switch24' || cfg.profile === 'switch48') {
    specs = switchIfaces(m, cfg, seed);
    mgmtIfIndex = 1;
    ipAddrs = [{ ip: cfg.address, ifIndex: 1, mask }];
  } else if (cfg.profile === 'router') {
    const r = routerIfaces(m, seed);
    specs = r.specs;
    mgmtIfIndex = r.mgmt;
    ipAddrs = routerAddrs(cfg.address, r.mgmt, r.lan, seed);
  } else {
    const s = smallIfaces(m, cfg.profile);
    specs = s.specs;
    mgmtIfIndex = s.mgmt;
    ipAddrs = [{ ip: cfg.address, ifIndex: s.mgmt, mask }];
    if (cfg.profile === 'server' && cfg.address !== '127.0.0.1') {
      ipAddrs.unshift({ ip: '127.0.0.1', ifIndex: 1, mask: '255.0.0.0' });
    }
  }
  const ifaces = specs.map((s) => makeIface(seed, uptimeAtStartS, s));
  const ports = new Map<number, number>();
  for (const i of ifaces) if (i.port !== undefined) ports.set(i.port, i.ifIndex);

  const fdb: FdbEntry[] = cfg.fdb.map((f) => ({
    mac: macBytes(f.mac),
    port: f.port,
    vlan: f.vlan ?? 1,
  }));
  // the same MAC in two VLANs is two Q-BRIDGE rows but only one BRIDGE-MIB row; keep config order
  fdb.sort((x, y) => x.vlan - y.vlan || Buffer.compare(x.mac, y.mac));
  const fdbKeys = new Set<string>();
  const fdbUnique = fdb.filter((f) => {
    const k = `${f.vlan}/${f.mac.toString('hex')}`;
    return !fdbKeys.has(k) && fdbKeys.add(k);
  });

  const arp: ArpEntry[] = cfg.arp.map((e) => ({
    ifIndex:
      e.ifIndex ??
      ipAddrs.find((a) => a.ip !== '127.0.0.1' && inSubnet(e.ip, a))?.ifIndex ??
      mgmtIfIndex,
    mac: macBytes(e.mac),
    ip: e.ip,
  }));

  const isSwitch = cfg.profile === 'switch24' || cfg.profile === 'switch48';
  const model: DeviceModel = {
    config: cfg,
    profile: cfg.profile,
    seed,
    identity,
    mac,
    engineId: cfg.engineId ?? defaultEngineId(identity.enterprise, mac),
    engineBoots: randInt(seed, 2, 40, 'boots'),
    startMs: opts.nowMs,
    uptimeAtStartS,
    ifaces,
    byIfIndex: new Map(ifaces.map((i) => [i.ifIndex, i])),
    ports,
    mgmtIfIndex,
    ipAddrs,
    arp,
    fdb: fdbUnique,
    neighbours: neighbours(cfg, seed, uptimeAtStartS),
    servesBridge: isSwitch || cfg.fdb.length > 0,
    servesLldp: isSwitch || cfg.profile === 'router' || cfg.neighbours.length > 0,
    ipForwarding: cfg.profile === 'router' ? 1 : 2,
    sensors: buildSensors(cfg.profile, seed),
  };
  if (cfg.profile === 'printer') model.printer = buildPrinter(identity, seed);
  if (cfg.profile === 'ups') model.ups = buildUps(seed);
  if (cfg.profile === 'server' || cfg.hostResources) model.host = buildHost(seed);
  return model;
}

/** Seconds the device has been up at wall-clock time nowMs. */
export function uptimeSeconds(model: DeviceModel, nowMs: number): number {
  if (model.bootMs !== undefined) return Math.max(0, nowMs - model.bootMs) / 1000;
  return model.uptimeAtStartS + Math.max(0, nowMs - model.startMs) / 1000;
}

/**
 * Simulates a power cycle at wall-clock time atMs: uptime starts again from 0, snmpEngineBoots
 * goes up by one, interface counters start from 0 and the interfaces that are up come up again
 * shortly after boot. Printer page counters and disks keep their contents, as on a real device.
 * The agent must drop its built MIB tree afterwards (SimulatedAgent.reboot does).
 */
export function rebootModel(model: DeviceModel, atMs: number): void {
  model.bootMs = atMs;
  model.engineBoots++;
}

/** Seconds after boot when the interface entered its current state (ifLastChange). */
export function lastChangeS(model: DeviceModel, i: Iface): number {
  if (model.bootMs === undefined) return i.lastChangeS;
  return i.oper === 1 ? i.bootUpS : 0;
}

/** sysUpTime in TimeTicks. */
export function uptimeTicks(model: DeviceModel, nowMs: number): number {
  return Math.floor(uptimeSeconds(model, nowMs) * 100) % 4294967296;
}

/** Every counter of an interface as an unbounded total (callers wrap for Counter32). */
export interface IfTotals {
  inOctets: number;
  outOctets: number;
  inUcast: number;
  inMulticast: number;
  inBroadcast: number;
  outUcast: number;
  outMulticast: number;
  outBroadcast: number;
  inDiscards: number;
  inErrors: number;
  inUnknownProtos: number;
  outDiscards: number;
  outErrors: number;
}

/** Seconds in which the interface counted: since it came up, or until it went down. */
function countingWindow(model: DeviceModel, i: Iface, uptimeS: number): [number, number] {
  const since = lastChangeS(model, i);
  if (i.oper === 1) return [since, Math.max(since, uptimeS)];
  // after a reboot an interface that is down has not counted since
  if (i.wasUp && model.bootMs === undefined) return [0, since];
  return [0, 0];
}

export function ifTotals(model: DeviceModel, i: Iface, nowMs: number): IfTotals {
  const [from, to] = countingWindow(model, i, uptimeSeconds(model, nowMs));
  const inOctets = total(i.inRate, to) - total(i.inRate, from);
  const outOctets = total(i.outRate, to) - total(i.outRate, from);
  const inPkts = inOctets / i.packetBytes;
  const outPkts = outOctets / i.packetBytes;
  const hours = (to - from) / 3600;
  return {
    inOctets,
    outOctets,
    inUcast: Math.floor(inPkts * (1 - i.multicast - i.broadcast)),
    inMulticast: Math.floor(inPkts * i.multicast),
    inBroadcast: Math.floor(inPkts * i.broadcast),
    outUcast: Math.floor(outPkts * (1 - i.multicast - i.broadcast)),
    outMulticast: Math.floor(outPkts * i.multicast * 0.5),
    outBroadcast: Math.floor(outPkts * i.broadcast * 0.3),
    inDiscards: Math.floor(hours * i.discardsPerHour),
    inErrors: Math.floor(hours * i.errorsPerHour),
    inUnknownProtos: Math.floor(inPkts * 0.0004),
    outDiscards: Math.floor(hours * i.discardsPerHour * 0.4),
    outErrors: 0,
  };
}
