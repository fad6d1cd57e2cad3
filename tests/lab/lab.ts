/**
 * The lab: a virtual branch LAN built from Linux network namespaces, for tests, benchmarks and
 * `npm run lab`. See design.md ("Real components" and "Network safety") and safety.ts for why
 * nothing in it can reach a real network.
 *
 *   const lab = await startLab();
 *   try { await lab.exec(['nmap', '-n', '-sn', lab.subnet]); } finally { await lab.stop(); }
 */
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { formatCidr, intToIp, randomId } from './addressing.js';
import { prepareAgents, readBackIdentity, startSlots, type AgentSlot } from './agents.js';
import { stopDaemon, type Daemon } from './daemon.js';
import {
  DEFAULT_DEVICES,
  DEFAULT_SIMULATED,
  type LabDevice,
  type LabDeviceSpec,
  type ScaleProfile,
  type SimulatedSpec,
} from './devices.js';
import { buildNetwork, existingNamespaces, namespacePids, removeNetwork } from './network.js';
import { describeSubnets, planLayout, type LabAppliance, type LabLayout } from './plan.js';
import { LabError, labEnv, run, runOk, sleep, type RunOptions, type RunResult } from './proc.js';
import { assertIsolated, assertSubnetsFree, occupiedPrefixes } from './safety.js';
import { SIMULATOR_ENTRY, REPO_ROOT, simulatorMissing } from './simulated.js';
import { cleanupStaleLabs, TEMP_PREFIX, writeRecord } from './state.js';

export type {
  LabDevice,
  LabDeviceSpec,
  LabSnmp,
  ScaleProfile,
  SimProfile,
  SimulatedSpec,
  SnmpV2c,
  SnmpV3,
} from './devices.js';
export type { LabAppliance } from './plan.js';
export type { RunOptions, RunResult } from './proc.js';
export { LabError } from './proc.js';
export { labSkipReason } from './root.js';
export { DEFAULT_DEVICES, DEFAULT_SIMULATED } from './devices.js';

export interface StartLabOptions {
  /** Real devices (snmpd or address only); default DEFAULT_DEVICES. */
  devices?: LabDeviceSpec[];
  /** Simulated devices; default DEFAULT_SIMULATED. Skipped (see lab.notes) without a simulator. */
  simulated?: SimulatedSpec[];
  /** This many more simulated agents, all in one namespace (macvlan per agent). */
  extraSimulated?: number;
  /** What every one of those agents is; default a fixed mix of all profiles. */
  scaleProfile?: ScaleProfile;
  /**
   * How many of those agents keep a built MIB tree (the simulator's SIM_RESIDENT_MIBS, default
   * 128). All of them (about 1 MB each) when a benchmark polls every agent every cycle and the
   * simulator, not the poller, should not be what is measured.
   */
  scaleResidentMibs?: number;
  /** Another simulator entry point (a test double); default tests/lab/simulator/main.ts. */
  simulatorEntry?: string;
  /** How long an agent may take to be ready. Default 45 s (tsx compiles the simulator). */
  readyTimeoutMs?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface Lab {
  readonly id: string;
  /** The LAN, e.g. 198.18.42.0/24 (wider when many scale agents need room). */
  readonly subnet: string;
  readonly mgmtSubnet: string;
  readonly appliance: LabAppliance;
  readonly devices: LabDevice[];
  readonly namespaces: string[];
  readonly tempDir: string;
  /** Things a reader should know, e.g. that simulated devices were skipped. */
  readonly notes: string[];
  readonly timings: { networkMs: number; agentsMs: number; totalMs: number };
  device(name: string): LabDevice;
  /** Runs a program inside the appliance namespace (argument array, timeout, never a shell). */
  exec(args: string[], opts?: RunOptions): Promise<RunResult>;
  /** Runs a program inside a device's namespace. */
  execIn(device: string, args: string[], opts?: RunOptions): Promise<RunResult>;
  /** Starts a long-running program (the appliance service) in the appliance namespace. */
  spawnInApp(
    args: string[],
    env?: NodeJS.ProcessEnv,
    opts?: { stdio?: StdioOptions; cwd?: string },
  ): ChildProcess;
  /** Unplugs (false) or plugs back (true) a device's cable. */
  setLink(device: string, up: boolean): Promise<void>;
  /** Stops a device's agent (snmpd, simulator or listener); the device still answers ARP. */
  stopAgent(device: string): Promise<void>;
  /** Starts a stopped agent again with the same identity. */
  startAgent(device: string): Promise<void>;
  /** Re-runs the post-build isolation checks (throws LabError when one fails). */
  verifyIsolation(): Promise<void>;
  /** Every PID the lab started (running or not). */
  pids(): number[];
  /** Kills everything, removes namespaces, veth and temp files. Idempotent; never throws. */
  stop(): Promise<void>;
  /** The same, synchronously and without grace, for process 'exit' handlers. */
  stopSync(): void;
}

class LabRuntime implements Lab {
  readonly id: string;
  subnet = '';
  mgmtSubnet = '';
  appliance!: LabAppliance;
  devices: LabDevice[] = [];
  namespaces: string[] = [];
  tempDir = '';
  notes: string[] = [];
  timings = { networkMs: 0, agentsMs: 0, totalMs: 0 };

  private rootInterfaces: string[] = [];
  private readonly daemons = new Set<Daemon>();
  private readonly startedPids: number[] = [];
  private readonly agents = new Map<string, AgentSlot[]>();
  private layout!: LabLayout;
  private stopping?: Promise<void>;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: StartLabOptions) {
    this.id = randomId();
    this.log = opts.log ?? (() => undefined);
  }

  device(name: string): LabDevice {
    const d = this.devices.find((x) => x.name === name);
    if (!d) throw new LabError(`no lab device named ${name}`);
    return d;
  }

  exec(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return this.execInNs(this.appliance.ns, args, opts);
  }

  execIn(device: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return this.execInNs(this.device(device).ns, args, opts);
  }

  private execInNs(ns: string, args: string[], opts: RunOptions): Promise<RunResult> {
    if (this.stopping) return Promise.reject(new LabError('the lab is stopped'));
    if (args.length === 0) return Promise.reject(new LabError('exec needs a program'));
    return run('ip', ['netns', 'exec', ns, ...args], { ...opts, env: this.env(opts.env) });
  }

  /** Net-SNMP's tools keep state in a persistent directory: ours, not the machine's. */
  private env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return labEnv({ SNMP_PERSISTENT_DIR: path.join(this.tempDir, 'snmp-client'), ...extra });
  }

  spawnInApp(
    args: string[],
    env: NodeJS.ProcessEnv = {},
    opts: { stdio?: StdioOptions; cwd?: string } = {},
  ): ChildProcess {
    if (this.stopping) throw new LabError('the lab is stopped');
    const child = spawn('ip', ['netns', 'exec', this.appliance.ns, ...args], {
      env: this.env(env),
      cwd: opts.cwd ?? REPO_ROOT,
      stdio: opts.stdio ?? ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    if (child.pid !== undefined) {
      this.track({ name: args[0] ?? 'app', child, pid: child.pid, logFile: '', exited });
    }
    return child;
  }

  async setLink(device: string, up: boolean): Promise<void> {
    const d = this.device(device);
    const net = this.layout.links.get(d.name);
    if (!net) throw new LabError(`${device} has no link`);
    const state = up ? 'up' : 'down';
    // A named device's bridge port is its cable; a scale agent's cable is its own macvlan.
    if (net.ns === this.layout.net.scaleNs) {
      await runOk('ip', ['-n', net.ns, 'link', 'set', net.ifname, state]);
    } else {
      await runOk('ip', ['-n', this.appliance.ns, 'link', 'set', net.bridgePort, state]);
    }
  }

  async stopAgent(device: string): Promise<void> {
    for (const slot of this.agentSlots(device)) {
      if (slot.daemon) await stopDaemon(slot.daemon);
      slot.daemon = undefined;
    }
  }

  async startAgent(device: string): Promise<void> {
    for (const slot of this.agentSlots(device)) {
      const d = slot.daemon;
      if (d && d.child.exitCode === null && d.child.signalCode === null) continue;
      slot.daemon = await slot.start();
    }
  }

  private agentSlots(device: string): AgentSlot[] {
    const slots = this.agents.get(device) ?? [];
    if (slots.length === 0) throw new LabError(`${device} has no agent`);
    const shared = slots.find((s) => s.names.length > 1);
    if (shared) {
      throw new LabError(`${device} shares its simulator process with ${shared.names.length - 1}`);
    }
    return slots;
  }

  verifyIsolation(): Promise<void> {
    const { lan, mgmt } = this.layout;
    return assertIsolated({
      appNs: this.appliance.ns,
      deviceNamespaces: this.namespaces.filter((n) => n !== this.appliance.ns),
      lan,
      mgmt,
      hostIf: this.appliance.hostIf,
      hostMgmtIp: this.appliance.hostMgmtIp,
      mgmtIp: this.appliance.mgmtIp,
      probeIp: this.devices[0]?.ip ?? intToIp(lan.base + 11),
      rootInterfaces: this.rootInterfaces,
    });
  }

  pids(): number[] {
    return [...this.startedPids];
  }

  private track(d: Daemon): void {
    this.daemons.add(d);
    this.startedPids.push(d.pid);
    void d.exited.then(() => this.daemons.delete(d));
  }

  // ---- build ---------------------------------------------------------------------------------

  async build(): Promise<void> {
    const t0 = performance.now();
    await cleanupStaleLabs(this.log);
    const devSpecs = this.opts.devices ?? DEFAULT_DEVICES;
    let simSpecs = this.opts.simulated ?? DEFAULT_SIMULATED;
    let extra = this.opts.extraSimulated ?? 0;
    const entry = this.opts.simulatorEntry ?? SIMULATOR_ENTRY;
    const missing = simulatorMissing(entry);
    if (missing && (simSpecs.length > 0 || extra > 0)) {
      this.notes.push(missing);
      this.log(missing);
      simSpecs = [];
      extra = 0;
    }

    const layout = planLayout(
      this.id,
      devSpecs,
      simSpecs,
      extra,
      await occupiedPrefixes(),
      this.opts.scaleProfile,
    );
    await assertSubnetsFree(layout.lan, layout.mgmt);
    this.layout = layout;
    this.subnet = formatCidr(layout.lan);
    this.mgmtSubnet = formatCidr(layout.mgmt);
    this.appliance = layout.appliance;
    this.devices = layout.devices;

    // The record of what we are about to create goes first, so a crash at any point leaves
    // enough behind for cleanupStaleLabs.
    this.tempDir = await mkdtemp(path.join(os.tmpdir(), `${TEMP_PREFIX}${this.id}-`));
    await writeRecord(this.tempDir, {
      id: this.id,
      ownerPid: process.pid,
      createdAt: new Date().toISOString(),
      namespaces: [layout.net.appNs, ...layout.net.devices.map((d) => d.ns)].concat(
        layout.net.scaleNs ? [layout.net.scaleNs] : [],
      ),
      rootInterfaces: [layout.appliance.hostIf],
    });
    await mkdir(path.join(this.tempDir, 'snmp-client', 'cert_indexes'), { recursive: true });

    this.log(`building lab ${this.id}: ${describeSubnets(layout)}`);
    await buildNetwork(layout.net, {
      namespace: (ns) => this.namespaces.push(ns),
      rootInterface: (name) => this.rootInterfaces.push(name),
    });
    await this.verifyIsolation();
    const t1 = performance.now();
    this.timings.networkMs = Math.round(t1 - t0);

    const slots = await prepareAgents(
      {
        tempDir: this.tempDir,
        layout,
        simulatorEntry: entry,
        timeoutMs: this.opts.readyTimeoutMs ?? 45_000,
        track: (d) => this.track(d),
        ...(this.opts.scaleResidentMibs ? { scaleResidentMibs: this.opts.scaleResidentMibs } : {}),
      },
      devSpecs,
      simSpecs,
    );
    for (const slot of slots) {
      for (const name of slot.names)
        this.agents.set(name, [...(this.agents.get(name) ?? []), slot]);
    }
    await startSlots(slots);
    const named = new Set(simSpecs.map((s) => s.name));
    await readBackIdentity(
      (args, opts) => this.exec(args, opts),
      this.devices.filter((d) => named.has(d.name)),
    );
    const t2 = performance.now();
    this.timings.agentsMs = Math.round(t2 - t1);
    this.timings.totalMs = Math.round(t2 - t0);
    this.log(
      `lab ${this.id} ready: ${this.devices.length} devices in ${this.timings.totalMs} ms ` +
        `(network ${this.timings.networkMs} ms, agents ${this.timings.agentsMs} ms)`,
    );
  }

  // ---- teardown ------------------------------------------------------------------------------

  stop(): Promise<void> {
    this.stopping ??= this.teardown();
    return this.stopping;
  }

  private async teardown(): Promise<void> {
    try {
      await Promise.all([...this.daemons].map((d) => stopDaemon(d).catch(() => undefined)));
      // Whatever still runs inside our namespaces was started by us or our children (an
      // appliance's nmap, a test's snmpwalk): end it, by PID, before the namespaces go.
      let leftovers = 0;
      for (const ns of this.namespaces) {
        for (const pid of await namespacePids(ns)) {
          leftovers++;
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone meanwhile
          }
        }
      }
      if (leftovers > 0) await sleep(100);
      await removeNetwork(this.namespaces, this.rootInterfaces);
      const remaining = await existingNamespaces(this.id).catch(() => []);
      if (remaining.length > 0) {
        process.stderr.write(`lab ${this.id}: namespaces left behind: ${remaining.join(' ')}\n`);
      }
    } catch (err) {
      process.stderr.write(`lab ${this.id}: teardown problem: ${String(err)}\n`);
    } finally {
      if (this.tempDir) {
        await rm(this.tempDir, { recursive: true, force: true }).catch(() => undefined);
      }
    }
  }

  stopSync(): void {
    if (this.stopping) return;
    this.stopping = Promise.resolve();
    for (const d of this.daemons) {
      try {
        d.child.kill('SIGKILL');
      } catch {
        // gone
      }
    }
    for (const ns of this.namespaces) {
      const r = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', timeout: 5000 });
      for (const pid of (r.stdout ?? '').split(/\s+/).filter(Boolean).map(Number)) {
        try {
          if (pid > 1) process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    for (const name of this.rootInterfaces) {
      spawnSync('ip', ['link', 'del', 'dev', name], { timeout: 5000, stdio: 'ignore' });
    }
    if (this.namespaces.length > 0) {
      spawnSync('ip', ['-force', '-batch', '-'], {
        input: `${this.namespaces.map((n) => `netns del ${n}`).join('\n')}\n`,
        timeout: 10_000,
        stdio: ['pipe', 'ignore', 'ignore'],
      });
    }
    if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
  }
}

/**
 * Builds and starts a lab. If anything fails half-way, everything created so far is removed
 * before the error is rethrown.
 */
export async function startLab(opts: StartLabOptions = {}): Promise<Lab> {
  const lab = new LabRuntime(opts);
  try {
    await lab.build();
    return lab;
  } catch (err) {
    await lab.stop();
    throw err;
  }
}
