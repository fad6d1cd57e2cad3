/**
 * What runs on the lab's devices: a real snmpd per snmpd device, a small HTTP server for a device
 * that only has a web page, and simulator processes (one per simulated device, one for all scale
 * agents). Each becomes a slot that can be started, stopped and started again.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatCidr } from './addressing.js';
import { startDaemon, type Daemon } from './daemon.js';
import {
  LAB_LOCATION,
  snmpCliAuth,
  snmpdConfig,
  type LabDevice,
  type LabDeviceSpec,
  type SimulatedSpec,
} from './devices.js';
import type { LabLayout } from './plan.js';
import { findTool, LabError, mapLimit, type RunOptions, type RunResult } from './proc.js';
import {
  coreSwitchTables,
  REPO_ROOT,
  routerArp,
  routerNeighbour,
  type SimAgentConfig,
  type SimConfig,
} from './simulated.js';

export interface AgentSlot {
  /** The devices this process answers for (many for the scale simulator). */
  names: string[];
  start: () => Promise<Daemon>;
  daemon?: Daemon;
}

export interface AgentContext {
  tempDir: string;
  layout: LabLayout;
  simulatorEntry: string;
  timeoutMs: number;
  track: (d: Daemon) => void;
  /** SIM_RESIDENT_MIBS of the scale simulator (default: the simulator's own, 128). */
  scaleResidentMibs?: number;
}

/** A device that answers HTTP on port 80 only (a camera's web page). argv: address, title. */
const HTTP_DEVICE = `
const http = require('node:http');
const [address, title] = process.argv.slice(1);
const page = '<!doctype html><html><head><title>' + title + '</title></head><body></body></html>';
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/html', Server: 'lighttpd/1.4.59' });
  res.end(page);
});
server.listen(80, address, () => console.log('LISTENING ' + address));
process.on('SIGTERM', () => process.exit(0));
`;

function device(ctx: AgentContext, name: string): LabDevice {
  const d = ctx.layout.devices.find((x) => x.name === name);
  if (!d) throw new LabError(`no lab device named ${name}`);
  return d;
}

async function snmpdSlot(ctx: AgentContext, spec: LabDeviceSpec): Promise<AgentSlot> {
  const snmpd = findTool('snmpd');
  if (!snmpd) throw new LabError('snmpd is not installed');
  const dev = device(ctx, spec.name);
  const dir = path.join(ctx.tempDir, spec.name);
  const persist = path.join(dir, 'persist');
  await mkdir(path.join(persist, 'cert_indexes'), { recursive: true });
  const conf = path.join(dir, 'snmpd.conf');
  await writeFile(conf, snmpdConfig(spec, dev.ip, formatCidr(ctx.layout.lan), dir));
  return {
    names: [spec.name],
    start: () =>
      startDaemon({
        name: `snmpd ${spec.name}`,
        ns: dev.ns,
        // -C: our config only, and no persistent config read back either, so identity and users
        // come from snmpd.conf alone; -m '': no MIB files (Debian ships almost none and the
        // agent does not need them); -Lo: log to stdout (our log file); -f: stay in front.
        args: [
          snmpd,
          '-f',
          '-Lo',
          '-C',
          '-m',
          '',
          '-c',
          conf,
          '-p',
          path.join(dir, 'snmpd.pid'),
          `udp:${dev.ip}:161`,
        ],
        // Without this, snmpd writes its state to /var/lib/snmp, shared with the machine.
        env: { SNMP_PERSISTENT_DIR: persist, MIBS: '' },
        cwd: dir,
        logFile: path.join(dir, 'snmpd.log'),
        ready: /NET-SNMP version/,
        timeoutMs: ctx.timeoutMs,
        track: ctx.track,
      }),
  };
}

async function httpSlot(ctx: AgentContext, spec: LabDeviceSpec): Promise<AgentSlot> {
  const dev = device(ctx, spec.name);
  const dir = path.join(ctx.tempDir, spec.name);
  await mkdir(dir, { recursive: true });
  return {
    names: [spec.name],
    start: () =>
      startDaemon({
        name: `http ${spec.name}`,
        ns: dev.ns,
        args: [process.execPath, '-e', HTTP_DEVICE, dev.ip, spec.http?.title ?? spec.name],
        cwd: dir,
        logFile: path.join(dir, 'http.log'),
        ready: /^LISTENING/m,
        timeoutMs: ctx.timeoutMs,
        track: ctx.track,
      }),
  };
}

async function simulatorSlot(
  ctx: AgentContext,
  label: string,
  ns: string,
  agents: SimAgentConfig[],
  env?: NodeJS.ProcessEnv,
): Promise<AgentSlot> {
  const dir = path.join(ctx.tempDir, label);
  await mkdir(dir, { recursive: true });
  const configPath = path.join(dir, 'simulator.json');
  const config: SimConfig = { agents };
  await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`);
  return {
    names: agents.map((a) => a.sysName),
    start: () =>
      startDaemon({
        name: `simulator ${label}`,
        ns,
        args: [process.execPath, '--import', 'tsx', ctx.simulatorEntry, configPath],
        ...(env ? { env } : {}),
        cwd: REPO_ROOT,
        logFile: path.join(dir, 'simulator.log'),
        ready: new RegExp(`^READY ${agents.length}\\b`, 'm'),
        timeoutMs: ctx.timeoutMs,
        track: ctx.track,
      }),
  };
}

function simAgent(spec: SimulatedSpec, dev: LabDevice): SimAgentConfig {
  return {
    address: dev.ip,
    port: 161,
    profile: spec.profile,
    sysName: spec.name,
    community: spec.community ?? 'public',
    seed: spec.seed ?? 1,
    mac: dev.mac,
    sysLocation: LAB_LOCATION,
    ...(spec.hostResources ? { hostResources: true } : {}),
  };
}

/** Writes every agent's configuration and returns the slots, not started yet. */
export async function prepareAgents(
  ctx: AgentContext,
  devSpecs: readonly LabDeviceSpec[],
  simSpecs: readonly SimulatedSpec[],
): Promise<AgentSlot[]> {
  const slots: AgentSlot[] = [];
  for (const spec of devSpecs) {
    if (spec.kind === 'snmpd') slots.push(await snmpdSlot(ctx, spec));
    if (spec.http) slots.push(await httpSlot(ctx, spec));
  }

  // The first simulated switch is the core switch: every other named device hangs off it, a
  // simulated router's LAN neighbour is that switch (port numbers agree both ways), and the
  // router's ARP table holds the whole LAN.
  const { layout } = ctx;
  const named = layout.devices.filter((d) => d.ns !== layout.net.scaleNs);
  const appliance = { ip: layout.appliance.lanIp, mac: layout.appliance.mac };
  const swSpec = simSpecs.find((s) => s.profile.startsWith('switch'));
  const sw = swSpec ? device(ctx, swSpec.name) : undefined;
  const swTables = sw ? coreSwitchTables(sw, named, appliance) : undefined;
  for (const spec of simSpecs) {
    const dev = device(ctx, spec.name);
    const agent = simAgent(spec, dev);
    if (dev === sw && swTables) {
      agent.neighbours = swTables.neighbours;
      agent.fdb = swTables.fdb;
    } else if (spec.profile === 'router') {
      if (sw) agent.neighbours = routerNeighbour(dev, sw);
      agent.arp = routerArp(dev, named, appliance);
    }
    slots.push(await simulatorSlot(ctx, spec.name, dev.ns, [agent]));
  }
  if (layout.scale.length > 0 && layout.net.scaleNs) {
    const agents = layout.scale.map((spec) => simAgent(spec, device(ctx, spec.name)));
    const resident = ctx.scaleResidentMibs;
    slots.push(
      await simulatorSlot(
        ctx,
        'scale',
        layout.net.scaleNs,
        agents,
        resident ? { SIM_RESIDENT_MIBS: String(resident) } : undefined,
      ),
    );
  }
  return slots;
}

/** Starts slots a few at a time (two cores: tsx compiling eight simulators at once is enough). */
export async function startSlots(slots: AgentSlot[]): Promise<void> {
  await mapLimit(slots, 8, async (slot) => {
    slot.daemon = await slot.start();
  });
}

function unquote(s: string): string {
  return s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

/** sysDescr and sysObjectID as the simulated agents report them (named devices only). */
export async function readBackIdentity(
  exec: (args: string[], opts?: RunOptions) => Promise<RunResult>,
  devices: LabDevice[],
): Promise<void> {
  await mapLimit(devices, 4, async (dev) => {
    const snmp = dev.snmp;
    if (!snmp) return;
    const get = async (oid: string): Promise<string | undefined> => {
      const args = ['snmpget', ...snmpCliAuth(snmp), '-On', '-Oqv', '-t', '2', '-r', '1'];
      const r = await exec([...args, dev.ip, oid], { timeoutMs: 10_000 });
      const value = r.stdout.trim();
      return r.code === 0 && !/^No Such (Object|Instance)/.test(value) ? unquote(value) : undefined;
    };
    dev.sysDescr = await get('1.3.6.1.2.1.1.1.0');
    dev.sysObjectID = (await get('1.3.6.1.2.1.1.2.0'))?.replace(/^\./, '');
  });
}
