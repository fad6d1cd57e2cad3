/**
 * The layout of a lab before anything exists: subnets, addresses, MACs, namespace and interface
 * names, and the device list that becomes the tests' ground truth. Pure apart from randomness.
 */
import {
  chooseSubnets,
  formatCidr,
  intToIp,
  prefixFor,
  usableOffsets,
  vendorMac,
  type Cidr,
} from './addressing.js';
import {
  engineIdHex,
  scaleSpecs,
  type LabDevice,
  type LabDeviceSpec,
  type ScaleProfile,
  type SimulatedSpec,
} from './devices.js';
import type { NetDevice, NetPlan } from './network.js';
import { LabError } from './proc.js';

export interface LabAppliance {
  /** The namespace the appliance, nmap and every poller run in (no default route). */
  ns: string;
  /** Its address on the lab LAN (br0). */
  lanIp: string;
  /** Its address on the management link: where its HTTP server listens for the test runner. */
  mgmtIp: string;
  /** The runner's (root namespace) end of the management link. */
  hostMgmtIp: string;
  mac: string;
  bridge: 'br0';
  /** The root-namespace veth of the management link. */
  hostIf: string;
}

export interface LabLayout {
  lan: Cidr;
  mgmt: Cidr;
  appliance: LabAppliance;
  /** Named devices first (in spec order), then scale agents. */
  devices: LabDevice[];
  net: NetPlan;
  /** Each device's link, by device name. */
  links: Map<string, NetDevice>;
  scale: SimulatedSpec[];
}

/** Real devices from .11, simulated from .21, scale agents from .101 on. */
const DEVICE_FIRST = 11;
const SIM_FIRST = 21;
const SCALE_FIRST = 101;
const MAX_NAMED = 80;

export function planLayout(
  id: string,
  devSpecs: readonly LabDeviceSpec[],
  simSpecs: readonly SimulatedSpec[],
  extra: number,
  occupied: readonly Cidr[],
  scaleProfile?: ScaleProfile,
): LabLayout {
  const names = [...devSpecs, ...simSpecs].map((d) => d.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new LabError(`two lab devices are named ${dup}`);
  if (names.length > MAX_NAMED) throw new LabError(`at most ${MAX_NAMED} named lab devices`);
  for (const s of devSpecs) {
    if (s.kind === 'snmpd' && !s.snmp) throw new LabError(`${s.name}: snmpd needs snmp`);
  }
  const scale = scaleSpecs(extra, scaleProfile);

  const devOffsets = usableOffsets(24, DEVICE_FIRST, devSpecs.length);
  const simFirst = Math.max(SIM_FIRST, (devOffsets.at(-1) ?? DEVICE_FIRST - 1) + 1);
  const simOffsets = usableOffsets(24, simFirst, simSpecs.length);
  // A /24 unless the scale agents need more room (a /22 for 500).
  const lanPrefix = scale.length > 0 ? prefixFor(SCALE_FIRST, scale.length) : 24;
  const scaleOffsets = usableOffsets(lanPrefix, SCALE_FIRST, scale.length);
  const { lan, mgmt } = chooseSubnets(occupied, lanPrefix);
  const at = (offset: number): string => intToIp(lan.base + offset);

  const macs = new Set<string>();
  const appliance: LabAppliance = {
    ns: `ctl-${id}-app`,
    lanIp: at(1),
    mgmtIp: intToIp(mgmt.base + 2),
    hostMgmtIp: intToIp(mgmt.base + 1),
    mac: vendorMac('raspberrypi', macs),
    bridge: 'br0',
    hostIf: `ctl-${id}-mgmt`,
  };

  const devices: LabDevice[] = [];
  const links = new Map<string, NetDevice>();
  const named = [
    ...devSpecs.map((spec, i) => ({ spec, offset: devOffsets[i]!, sim: undefined })),
    ...simSpecs.map((spec, i) => ({ spec, offset: simOffsets[i]!, sim: spec })),
  ];
  named.forEach(({ spec, offset, sim }, i) => {
    const ns = `ctl-${id}-d${i + 1}`;
    const device: LabDevice = {
      name: spec.name,
      ns,
      ip: at(offset),
      mac: vendorMac(spec.vendor, macs),
      vendor: spec.vendor,
      kind: sim ? 'simulated' : (spec as LabDeviceSpec).kind,
      sysName: spec.name,
    };
    if (sim) {
      device.profile = sim.profile;
      device.snmp = { version: '2c', community: sim.community ?? 'public' };
    } else {
      const real = spec as LabDeviceSpec;
      if (real.kind === 'snmpd' && real.snmp) {
        device.snmp = real.snmp;
        device.sysDescr = real.sysDescr ?? `Linux ${real.name}`;
        device.sysObjectID = real.sysObjectID ?? '1.3.6.1.4.1.8072.3.2.10';
        device.engineId = engineIdHex(real.name);
      }
    }
    devices.push(device);
    links.set(device.name, {
      ns,
      ip: device.ip,
      mac: device.mac,
      ifname: 'eth0',
      bridgePort: `d${i + 1}`,
    });
  });

  const scaleNs = scale.length > 0 ? `ctl-${id}-sx` : undefined;
  const scaleLinks: NetDevice[] = scale.map((spec, i) => {
    const link = {
      ns: scaleNs!,
      ip: at(scaleOffsets[i]!),
      mac: vendorMac(spec.vendor, macs),
      ifname: `m${i + 1}`,
      bridgePort: 'sx',
    };
    devices.push({
      name: spec.name,
      ns: link.ns,
      ip: link.ip,
      mac: link.mac,
      vendor: spec.vendor,
      kind: 'simulated',
      sysName: spec.name,
      profile: spec.profile,
      snmp: { version: '2c', community: spec.community ?? 'public' },
    });
    links.set(spec.name, link);
    return link;
  });

  const net: NetPlan = {
    id,
    appNs: appliance.ns,
    hostIf: appliance.hostIf,
    hostMgmtIp: appliance.hostMgmtIp,
    mgmtIp: appliance.mgmtIp,
    lanIp: appliance.lanIp,
    lanPrefix,
    appMac: appliance.mac,
    devices: named.map((_, i) => links.get(devices[i]!.name)!),
    scale: scaleLinks,
    scaleNs,
  };
  return { lan, mgmt, appliance, devices, net, links, scale };
}

export function describeSubnets(layout: LabLayout): string {
  return `LAN ${formatCidr(layout.lan)}, management ${formatCidr(layout.mgmt)}`;
}
