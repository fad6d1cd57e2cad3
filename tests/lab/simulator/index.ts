/**
 * The SNMP device simulator, as a library: `startSimulator(config)` starts one net-snmp agent per
 * configured device, each bound to its own address (loopback 127.x.y.z or a lab address in
 * 198.18.0.0/15) and port, and resolves when every agent listens. Tests run it in-process on
 * loopback; `main.ts` runs it as a process for the lab and the benchmarks.
 *
 * What each profile serves, and how tables are indexed, is in README.md next to this file.
 */
import { createCipheriv } from 'node:crypto';
import { isAuthFailure, startAgent, type SimulatedAgent } from './agent.js';
import {
  parseSimulatorConfig,
  SimulatorConfigError,
  type AgentConfig,
  type SimulatorConfig,
  type SimulatorConfigInput,
} from './config.js';
import { MibCache } from './mib-cache.js';
import { buildModel, macPlus, type DeviceModel } from './model.js';
import { createMib } from './net-snmp-types.js';

export type { SimulatedAgent, AgentStats } from './agent.js';
export { BindError } from './agent.js';
export type {
  AgentConfig,
  AgentConfigInput,
  Profile,
  SimulatorConfig,
  SimulatorConfigInput,
} from './config.js';
export { parseSimulatorConfig, physicalPortCount, SimulatorConfigError } from './config.js';
export type { DeviceModel, Iface } from './model.js';

export interface SimulatorOptions {
  /** Wall clock in ms; tests may pass a fake one. Default Date.now. */
  now?: () => number;
  /** How many agents keep a built MIB tree (least recently used are dropped). Default 128. */
  residentMibs?: number;
  /** Errors while answering (auth failures included). Default: all but auth failures to stderr. */
  onError?: (agent: SimulatedAgent, error: Error) => void;
}

export interface SimulatorStats {
  agents: number;
  residentMibs: number;
  mibBuilds: number;
  responses: number;
  authFailures: number;
  errors: number;
}

export interface Simulator {
  readonly agents: readonly SimulatedAgent[];
  stats(): SimulatorStats;
  /** Closes every agent; safe to call more than once. */
  close(): Promise<void>;
}

const DEFAULT_RESIDENT_MIBS = 128;

function desAvailable(): boolean {
  try {
    createCipheriv('des-cbc', Buffer.alloc(8), Buffer.alloc(8));
    return true;
  } catch {
    return false;
  }
}

/** Default MACs are seeded; two devices must not share one (nor the engine IDs made from it). */
function models(config: SimulatorConfig, nowMs: number): DeviceModel[] {
  const taken = new Set(config.agents.flatMap((a) => (a.mac ? [a.mac] : [])));
  return config.agents.map((cfg) => {
    let model = buildModel(cfg, { nowMs });
    if (cfg.mac) return model;
    for (let k = 1; taken.has(model.mac); k++) {
      const mac = macPlus(model.mac, 64 * k)
        .toString('hex')
        .match(/../g)!
        .join(':');
      model = buildModel({ ...cfg, mac } satisfies AgentConfig, { nowMs });
    }
    taken.add(model.mac);
    return model;
  });
}

/** `config` is validated here (a SimulatorConfigInput; JSON straight from a file is fine). */
export async function startSimulator(
  config: unknown,
  options: SimulatorOptions = {},
): Promise<Simulator> {
  const parsed = parseSimulatorConfig(config);
  if (parsed.agents.some((a) => a.v3?.privProtocol === 'des') && !desAvailable()) {
    throw new SimulatorConfigError([
      'privProtocol des: this Node.js (OpenSSL 3) has no DES; run node with --openssl-legacy-provider',
    ]);
  }
  const now = options.now ?? Date.now;
  const cache = new MibCache(options.residentMibs ?? DEFAULT_RESIDENT_MIBS);
  const emptyMib = createMib();
  const onError =
    options.onError ??
    ((agent: SimulatedAgent, error: Error) => {
      if (!isAuthFailure(error)) {
        console.error(
          `[simulator] ${agent.sysName} ${agent.address}:${agent.port}: ${error.message}`,
        );
      }
    });

  const results = await Promise.allSettled(
    models(parsed, now()).map((m) => startAgent(m, { now, cache, emptyMib, onError })),
  );
  const agents = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  if (failures.length > 0) {
    await Promise.all(agents.map((a) => a.close()));
    const shown = failures.slice(0, 5).map((e) => e.message);
    if (failures.length > 5) shown.push(`… and ${failures.length - 5} more`);
    const summary = `${failures.length} of ${results.length} agents did not start`;
    throw new Error(`${summary}:\n  ${shown.join('\n  ')}`, { cause: failures[0] });
  }

  let closing: Promise<void> | undefined;
  return {
    agents,
    stats: () => ({
      agents: agents.length,
      residentMibs: cache.size,
      mibBuilds: cache.builds,
      responses: agents.reduce((n, a) => n + a.stats.responses, 0),
      authFailures: agents.reduce((n, a) => n + a.stats.authFailures, 0),
      errors: agents.reduce((n, a) => n + a.stats.errors, 0),
    }),
    close() {
      closing ??= Promise.all(agents.map((a) => a.close())).then(() => undefined);
      return closing;
    },
  };
}

/**
 * A configuration of `count` agents for scale runs: one per loopback address from `first`
 * (default 127.77.1.1), skipping .0 and .255, cycling through the profiles.
 */
export function scaleConfig(
  count: number,
  opts: {
    first?: string;
    port?: number;
    profiles?: AgentConfig['profile'][];
    community?: string;
  } = {},
): SimulatorConfigInput {
  const [a, b, c, d] = (opts.first ?? '127.77.1.1').split('.').map(Number) as [
    number,
    number,
    number,
    number,
  ];
  const profiles = opts.profiles ?? ['switch24', 'printer', 'ups', 'switch48', 'router', 'server'];
  let n = (c << 8) | d;
  return {
    agents: Array.from({ length: count }, (_, i) => {
      while ((n & 0xff) === 0 || (n & 0xff) === 255) n++;
      const address = `${a}.${b}.${n >> 8}.${n & 0xff}`;
      n++;
      const profile = profiles[i % profiles.length]!;
      return {
        address,
        port: opts.port ?? 161,
        profile,
        sysName: `${profile}-x${String(i + 1).padStart(3, '0')}`,
        community: opts.community ?? 'public',
        seed: 1000 + i,
      };
    }),
  };
}
