/**
 * Simulated agents (tests/lab/simulator): the config the simulator reads, built from the lab's own
 * device list so that the core switch's LLDP table and FDB, and the router's ARP table, name the
 * devices that really are on the lab LAN with their real addresses and MACs. The lab starts one
 * simulator process per namespace; it prints `READY <n>` once its n agents listen.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LabDevice } from './devices.js';
// Type-only: the lab and the simulator stay separate processes, but the compiler checks the
// config we write against the simulator's own schema.
import type { AgentConfigInput, SimulatorConfigInput } from './simulator/config.js';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const SIMULATOR_ENTRY = path.join(REPO_ROOT, 'tests', 'lab', 'simulator', 'main.ts');

export type SimAgentConfig = AgentConfigInput;
export type SimConfig = SimulatorConfigInput;
type Neighbour = NonNullable<AgentConfigInput['neighbours']>[number];

/** Why simulated devices are left out, or undefined when the simulator is there. */
export function simulatorMissing(entry = SIMULATOR_ENTRY): string | undefined {
  return existsSync(entry)
    ? undefined
    : `simulated devices skipped: ${path.relative(REPO_ROOT, entry)} does not exist yet`;
}

/** Physical ports of the profiles that have neighbours (as the simulator numbers them). */
export function portsOf(profile: string): number {
  if (profile === 'switch48') return 48;
  if (profile === 'switch24') return 24;
  if (profile === 'router') return 11;
  return 1;
}

/** The router's LAN port (Gi0/0/1 on a Cisco, ether2 on a MikroTik) in the simulator's model. */
const ROUTER_LAN_PORT = 2;

function capabilities(d: LabDevice): Neighbour['capabilities'] {
  if (d.profile === 'router' || d.name.startsWith('fw-')) return ['router'];
  if (d.profile?.startsWith('switch')) return ['bridge'];
  if (d.profile === 'printer') return ['printer'];
  return ['station'];
}

/** How a neighbour names its own port in LLDP: switch/router port names, else its MAC. */
function remotePortId(d: LabDevice, switchPort: number): string {
  if (d.profile === 'router') return d.vendor === 'cisco' ? 'Gi0/0/1' : 'ether2';
  if (d.profile?.startsWith('switch')) return `Gi1/0/${switchPort}`;
  return d.mac;
}

export interface CoreSwitchTables {
  neighbours: Neighbour[];
  fdb: NonNullable<AgentConfigInput['fdb']>;
}

/**
 * The core switch's view: every other named device on its own access port (1, 2, ... in lab
 * order, recorded in device.switchPort), the appliance on the last port.
 */
export function coreSwitchTables(
  sw: LabDevice,
  devices: readonly LabDevice[],
  appliance: { ip: string; mac: string },
): CoreSwitchTables {
  const ports = portsOf(sw.profile ?? 'switch48');
  const neighbours: Neighbour[] = [];
  const fdb: CoreSwitchTables['fdb'] = [];
  let port = 1;
  for (const d of devices) {
    if (d === sw || port >= ports) continue;
    d.switchPort = port;
    neighbours.push({
      port,
      sysName: d.name,
      chassisMac: d.mac,
      portId: remotePortId(d, port),
      ...(d.kind === 'snmpd' && d.sysDescr ? { sysDescr: d.sysDescr.slice(0, 255) } : {}),
      mgmtIp: d.ip,
      capabilities: capabilities(d),
    });
    fdb.push({ mac: d.mac, port });
    port++;
  }
  neighbours.push({
    port: ports,
    sysName: 'caretaker',
    chassisMac: appliance.mac,
    portId: appliance.mac,
    mgmtIp: appliance.ip,
    capabilities: ['station'],
  });
  fdb.push({ mac: appliance.mac, port: ports });
  return { neighbours, fdb };
}

/** The router's single LAN neighbour is the core switch, on the port the switch gave it. */
export function routerNeighbour(router: LabDevice, sw: LabDevice): Neighbour[] {
  if (router.switchPort === undefined) return [];
  return [
    {
      port: ROUTER_LAN_PORT,
      sysName: sw.name,
      chassisMac: sw.mac,
      portId: `Gi1/0/${router.switchPort}`,
      portDescr: `GigabitEthernet1/0/${router.switchPort}`,
      mgmtIp: sw.ip,
      capabilities: ['bridge'],
    },
  ];
}

/** The router's ARP table on the LAN: everyone it would have talked to. */
export function routerArp(
  router: LabDevice,
  devices: readonly LabDevice[],
  appliance: { ip: string; mac: string },
): NonNullable<AgentConfigInput['arp']> {
  return [
    { ip: appliance.ip, mac: appliance.mac },
    ...devices.filter((d) => d !== router).map((d) => ({ ip: d.ip, mac: d.mac })),
  ];
}
