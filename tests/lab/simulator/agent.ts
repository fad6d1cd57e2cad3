/**
 * One simulated device: a net-snmp agent bound to exactly the configured address and port. It
 * only ever answers requests (no traps, no proxying), so it sends nothing on its own.
 *
 * net-snmp is given a dgram module of our own (its `dgramModule` option) so that the simulator
 * sees every socket: it waits for 'listening' (to say READY only when all agents listen), gets
 * bind errors, builds the MIB tree before net-snmp handles a request, and keeps an exception in
 * one agent's request handling from taking down the process and every other agent.
 */
import dgram from 'node:dgram';
import { installRfcBulk } from './bulk.js';
import type { AgentConfig } from './config.js';
import type { MibCache } from './mib-cache.js';
import { buildMib } from './mibs/index.js';
import { rebootModel, uptimeSeconds, type DeviceModel } from './model.js';
import {
  agentEngine,
  AUTH_PRIV,
  AUTH_PROTOCOLS,
  createAgent,
  PRIV_PROTOCOLS,
  type Agent,
  type Mib,
} from './net-snmp-types.js';

export interface AgentStats {
  /** Responses sent. */
  responses: number;
  /** Requests refused for an unknown community or user, or a wrong key. */
  authFailures: number;
  /** Anything else that went wrong while handling a packet. */
  errors: number;
}

export interface SimulatedAgent {
  readonly config: AgentConfig;
  readonly model: DeviceModel;
  readonly address: string;
  readonly port: number;
  readonly sysName: string;
  /** snmpEngineID, lowercase hex. */
  readonly engineId: string;
  readonly stats: AgentStats;
  /**
   * Simulates a power cycle at `atMs` (default: the simulator's now): sysUpTime, hrSystemUptime
   * and interface counters start again from 0 and snmpEngineBoots goes up by one.
   */
  reboot(atMs?: number): void;
  close(): Promise<void>;
}

export interface AgentDeps {
  now: () => number;
  cache: MibCache;
  /** What an agent without a built tree holds (shared, empty). */
  emptyMib: Mib;
  onError: (agent: SimulatedAgent, error: Error) => void;
}

export class BindError extends Error {
  readonly code = 'SIM_BIND_FAILED';
  constructor(
    readonly agent: AgentConfig,
    cause: Error,
  ) {
    const errno = (cause as NodeJS.ErrnoException).code ?? cause.message;
    const hint =
      errno === 'EADDRNOTAVAIL'
        ? ' (the address is not assigned to an interface in this network namespace)'
        : errno === 'EADDRINUSE'
          ? ' (something else listens there)'
          : errno === 'EACCES'
            ? ' (ports below 1024 need root)'
            : '';
    const where = `udp ${agent.address}:${agent.port} (${agent.sysName})`;
    super(`cannot listen on ${where}: ${errno}${hint}`, { cause });
    this.name = 'BindError';
  }
}

/** Auth failures are expected (a test tries a wrong key); they are counted, not treated as bugs. */
export function isAuthFailure(error: Error): boolean {
  return (
    error.name === 'RequestFailedError' ||
    /community|user|authenticat|decrypt|digest/i.test(error.message)
  );
}

export function startAgent(model: DeviceModel, deps: AgentDeps): Promise<SimulatedAgent> {
  const cfg = model.config;
  const sockets: dgram.Socket[] = [];
  const stats: AgentStats = { responses: 0, authFailures: 0, errors: 0 };
  let closed: Promise<void> | undefined;

  const report = (error: unknown) => {
    const e = error instanceof Error ? error : new Error(String(error));
    // a bind failure reaches net-snmp's socket error callback too: it is reported as BindError
    if ((e as NodeJS.ErrnoException).syscall === 'bind') return;
    if (isAuthFailure(e)) stats.authFailures++;
    else stats.errors++;
    deps.onError(sim, e);
  };

  // One moment per request: every value in a response is computed for the same instant, so
  // ifInOctets and ifHCInOctets read together agree exactly, as on a real device.
  let requestTime = deps.now();
  const clock = () => requestTime;

  const beforeRequest = () => {
    if (closed) return;
    const a = agent; // assigned below, before any packet can arrive
    requestTime = deps.now();
    deps.cache.touch(
      sim,
      () => a.setMib(buildMib(model, clock, report)),
      () => a.setMib(deps.emptyMib),
    );
    const engine = agentEngine(a);
    if (engine) engine.engineTime = Math.floor(uptimeSeconds(model, requestTime));
  };

  const dgramModule = {
    createSocket(type: dgram.SocketType): dgram.Socket {
      const socket = dgram.createSocket(type);
      socket.on('message', () => {
        try {
          beforeRequest();
        } catch (error) {
          report(error);
        }
      });
      // net-snmp registers its handler after ours; wrap it so that a throw stays in this agent
      const on = socket.on.bind(socket) as (
        e: string,
        l: (...args: unknown[]) => void,
      ) => dgram.Socket;
      (socket as unknown as { on: typeof on }).on = (event, listener) =>
        on(
          event,
          event === 'message'
            ? (...args) => {
                try {
                  listener(...args);
                } catch (error) {
                  report(error);
                }
              }
            : listener,
        );
      sockets.push(socket);
      return socket;
    },
  };

  const sim: SimulatedAgent = {
    config: cfg,
    model,
    address: cfg.address,
    port: cfg.port,
    sysName: cfg.sysName,
    engineId: model.engineId,
    stats,
    reboot(atMs = deps.now()) {
      rebootModel(model, atMs);
      // the built tree holds values of the old boot (ifLastChange, engine boots): build it again
      deps.cache.forget(sim);
      const engine = agentEngine(agent);
      if (engine) engine.engineBoots = model.engineBoots;
    },
    close() {
      closed ??= (async () => {
        deps.cache.forget(sim);
        await Promise.all(
          sockets.map(
            (s) =>
              new Promise<void>((resolve) => {
                try {
                  s.close(() => resolve());
                } catch {
                  resolve(); // never bound, or already closed
                }
              }),
          ),
        );
      })();
      return closed;
    },
  };

  const agent: Agent = createAgent(
    {
      port: cfg.port,
      address: cfg.address,
      transport: 'udp4',
      disableAuthorization: false,
      engineID: model.engineId,
      dgramModule,
    },
    (error) => {
      if (error) report(error);
      else stats.responses++;
    },
    deps.emptyMib,
  );
  installRfcBulk(agent, { maxGetVarbinds: cfg.maxGetVarbinds });
  const engine = agentEngine(agent);
  if (engine) engine.engineBoots = model.engineBoots;
  const auth = agent.getAuthorizer();
  if (cfg.community !== null) auth.addCommunity(cfg.community);
  if (cfg.v3) {
    auth.addUser({
      name: cfg.v3.user,
      level: AUTH_PRIV,
      authProtocol: AUTH_PROTOCOLS[cfg.v3.authProtocol],
      authKey: cfg.v3.authKey,
      privProtocol: PRIV_PROTOCOLS[cfg.v3.privProtocol],
      privKey: cfg.v3.privKey,
    });
  }

  return Promise.all(
    sockets.map(
      (s) =>
        new Promise<void>((resolve, reject) => {
          const onError = (error: Error) => {
            s.off('listening', onListening);
            reject(new BindError(cfg, error));
          };
          const onListening = () => {
            s.off('error', onError);
            resolve();
          };
          s.once('error', onError);
          s.once('listening', onListening);
        }),
    ),
  ).then(
    () => sim,
    async (error: unknown) => {
      await sim.close();
      throw error;
    },
  );
}
