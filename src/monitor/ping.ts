import { createRequire } from 'node:module';
import net from 'node:net';
import type { XMLParser as XMLParserType } from 'fast-xml-parser';
import { AppError, describeError } from '../core/errors.js';
import { runProgram } from '../lib/spawn.js';
import type { DeviceRecord } from '../store/types.js';

/**
 * The reachability adapter: is each address up, and how far away? One nmap ping sweep
 * (`-sn -PE`: ICMP echo, plus ARP for on-link hosts when nmap has raw sockets) for all addresses
 * at once, then a TCP connect to the addresses that did not answer it. Many devices (Windows
 * hosts, firewalls) drop ICMP but still accept or refuse a TCP connection, and a refusal (RST) is
 * as good a sign of life as an accept.
 */

export interface ProbeTarget {
  address: string;
  /** The device's known open TCP ports, tried before the configured fallback ports. */
  knownPorts?: number[];
}

export interface ProbeResult {
  up: boolean;
  rttMs?: number;
  /** What decided: nmap's ping sweep, or the TCP connect fallback. */
  method: 'icmp' | 'tcp';
}

export interface ProbeOptions {
  /** The nmap program (config.discovery.nmapPath). */
  nmapPath: string;
  /** How long one address may take to answer (config.monitor.reachTimeoutMs). */
  timeoutMs: number;
  /** Ports tried after the known ones (config.monitor.tcpFallbackPorts). */
  fallbackPorts: readonly number[];
  /** Addresses probed over TCP at the same time. */
  concurrency?: number;
  signal?: AbortSignal | undefined;
}

export interface ProbeReport {
  /** One result per distinct valid address given, keyed by the address as given. */
  results: Map<string, ProbeResult>;
  /** Set when the ping sweep could not run (nmap missing, no privileges): TCP decided alone. */
  icmpError?: { code: string; message: string };
  /** Addresses that are not IP addresses: left out, never handed to a program. */
  invalid: string[];
}

/** Known open ports per address at most, so that a host with 200 open ports costs no more. */
const MAX_KNOWN_PORTS = 5;
/** Addresses per nmap run (its command line and its memory stay small). */
const SWEEP_CHUNK = 512;

/** The probe target of an inventory device: its address and its known open TCP ports. */
export function probeTarget(d: Pick<DeviceRecord, 'ip' | 'services'>): ProbeTarget {
  return {
    address: d.ip,
    knownPorts: d.services.filter((s) => s.protocol === 'tcp').map((s) => s.port),
  };
}

/** The ports to try on one address: known ones first, no duplicates. */
export function fallbackPortsFor(
  known: readonly number[] | undefined,
  configured: readonly number[],
): number[] {
  const ports: number[] = [];
  const add = (p: number) => {
    if (Number.isInteger(p) && p >= 1 && p <= 65535 && !ports.includes(p)) ports.push(p);
  };
  for (const p of (known ?? []).slice(0, MAX_KNOWN_PORTS)) add(p);
  for (const p of configured) add(p);
  return ports;
}

/** IPv6 addresses in nmap's (and the kernel's) canonical spelling, so results can be matched. */
function canonical(address: string): string {
  return net.isIPv6(address) ? new net.SocketAddress({ address, family: 'ipv6' }).address : address;
}

const load = createRequire(import.meta.url);
let parser: XMLParserType | undefined;
function xmlParser(): XMLParserType {
  const { XMLParser } = load('fast-xml-parser') as { XMLParser: typeof XMLParserType };
  parser ??= new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (name) => ['host', 'address'].includes(name),
    processEntities: true,
  });
  return parser;
}

type Attrs = Record<string, string | undefined>;

/**
 * The hosts of an `nmap -sn -oX -` run that are up, with nmap's smoothed round-trip time
 * (`<times srtt>`, in µs) in ms when it measured one (not for the box's own addresses).
 */
export function parsePingXml(xml: string): Map<string, { rttMs?: number }> {
  let doc: {
    nmaprun?: { host?: Array<{ status?: Attrs; address?: Attrs[]; times?: Attrs }> } | '';
  };
  try {
    doc = xmlParser().parse(xml) as typeof doc;
  } catch (err) {
    throw new AppError(
      'NMAP_OUTPUT_INVALID',
      `nmap's XML output could not be read: ${(err as Error).message}`,
      { cause: err },
    );
  }
  if (doc.nmaprun === undefined)
    throw new AppError(
      'NMAP_OUTPUT_INVALID',
      'nmap produced no <nmaprun> element (was it stopped early?).',
    );
  const up = new Map<string, { rttMs?: number }>();
  for (const h of (doc.nmaprun || {}).host ?? []) {
    if (h.status?.state !== 'up') continue;
    const addr = h.address?.find((a) => a.addrtype === 'ipv4' || a.addrtype === 'ipv6')?.addr;
    if (!addr) continue;
    const srtt = Number(h.times?.srtt);
    // nmap writes srtt="-1" or leaves <times> out when it has no measurement.
    up.set(
      canonical(addr.toLowerCase()),
      Number.isFinite(srtt) && srtt >= 0 ? { rttMs: Math.round(srtt / 10) / 100 } : {},
    );
  }
  return up;
}

const abortedError = (signal: AbortSignal) =>
  new AppError('ABORTED', 'The reachability check was cancelled.', {
    kind: 'transient',
    cause: signal.reason,
  });

/** One nmap ping sweep of addresses of one family: which of them are up. */
async function sweep(
  addresses: string[],
  family: 4 | 6,
  opts: ProbeOptions,
): Promise<Map<string, { rttMs?: number }>> {
  const ms = `${opts.timeoutMs}ms`;
  // Room for the one retry: a host that lost the first echo still gets its second chance.
  const hostMs = `${2 * opts.timeoutMs}ms`;
  const args = [
    '-n',
    ...(family === 6 ? ['-6'] : []),
    '-sn',
    '-PE',
    '--max-retries',
    '1',
    '--max-rtt-timeout',
    ms,
    '--host-timeout',
    hostMs,
    '-oX',
    '-',
    '--',
    ...addresses,
  ];
  // nmap works through a chunk in parallel; this bounds a stuck run, not a normal one.
  const runTimeoutMs = 15_000 + 4 * opts.timeoutMs + 20 * addresses.length;
  const r = await runProgram(opts.nmapPath, args, {
    timeoutMs: runTimeoutMs,
    signal: opts.signal,
    maxStdoutBytes: 16 * 1024 * 1024,
  });
  if (r.code !== 0) {
    const why = r.stderr.trim().split('\n').slice(-3).join(' ') || `exit code ${r.code}`;
    throw new AppError('NMAP_FAILED', `nmap's ping sweep failed: ${why}`, {
      kind: /privilege|permission|raw socket|root/i.test(why) ? 'auth' : 'permanent',
    });
  }
  return parsePingXml(r.stdout);
}

/**
 * Whether anything at `address` answers a TCP connection on one of `ports` (an accept or a
 * refusal) within `timeoutMs`. All ports are tried at once and the first answer wins. Never
 * rejects except when `signal` aborts.
 */
export async function tcpReach(
  address: string,
  ports: readonly number[],
  opts: { timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<ProbeResult> {
  if (opts.signal?.aborted) throw abortedError(opts.signal);
  if (!ports.length) return { up: false, method: 'tcp' };
  const sockets: net.Socket[] = [];
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    const started = performance.now();
    const result = await new Promise<ProbeResult>((resolve, reject) => {
      let pending = ports.length;
      const answered = () =>
        resolve({
          up: true,
          rttMs: Math.round((performance.now() - started) * 100) / 100,
          method: 'tcp',
        });
      const failed = () => {
        pending -= 1;
        if (pending === 0) resolve({ up: false, method: 'tcp' });
      };
      timer = setTimeout(() => resolve({ up: false, method: 'tcp' }), opts.timeoutMs);
      onAbort = () => reject(abortedError(opts.signal!));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      for (const port of ports) {
        const socket = net.connect({ host: address, port });
        sockets.push(socket);
        socket.once('connect', answered);
        socket.once('error', (err: NodeJS.ErrnoException) => {
          // A refusal comes from the host itself (a RST): it is up, the port is just closed.
          if (err.code === 'ECONNREFUSED') answered();
          else failed();
        });
      }
    });
    return result;
  } finally {
    clearTimeout(timer);
    if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
    for (const s of sockets) {
      // Late errors of sockets that lost the race must not become uncaught exceptions.
      s.on('error', () => undefined);
      s.destroy();
    }
  }
}

/** Runs `fn` over `items` with at most `limit` running at once; stops early on abort. */
async function eachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      if (signal?.aborted) throw abortedError(signal);
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Probes many addresses: one ping sweep per address family (in chunks), then the TCP fallback
 * for the rest with bounded concurrency. A sweep that cannot run is reported in `icmpError` and
 * the TCP fallback decides for every address; only an abort rejects.
 */
export async function probeMany(
  targets: readonly ProbeTarget[],
  opts: ProbeOptions,
): Promise<ProbeReport> {
  if (opts.signal?.aborted) throw abortedError(opts.signal);
  const results = new Map<string, ProbeResult>();
  const invalid: string[] = [];
  const byCanonical = new Map<string, ProbeTarget>();
  for (const t of targets) {
    if (!net.isIP(t.address)) {
      invalid.push(t.address);
      continue;
    }
    const key = canonical(t.address.toLowerCase());
    const seen = byCanonical.get(key);
    // The same address twice (two device records): their known ports are pooled.
    byCanonical.set(
      key,
      seen ? { ...seen, knownPorts: [...(seen.knownPorts ?? []), ...(t.knownPorts ?? [])] } : t,
    );
  }

  const report: ProbeReport = { results, invalid };
  const swept = new Map<string, { rttMs?: number }>();
  for (const family of [4, 6] as const) {
    const list = [...byCanonical.keys()].filter((a) => net.isIP(a) === family);
    for (let i = 0; i < list.length; i += SWEEP_CHUNK) {
      try {
        for (const [a, r] of await sweep(list.slice(i, i + SWEEP_CHUNK), family, opts))
          swept.set(a, r);
      } catch (err) {
        if (opts.signal?.aborted) throw abortedError(opts.signal);
        report.icmpError ??= describeError(err);
      }
    }
  }

  const rest: Array<[string, ProbeTarget]> = [];
  for (const [key, t] of byCanonical) {
    const hit = swept.get(key);
    if (hit) {
      results.set(t.address, {
        up: true,
        method: 'icmp',
        ...(hit.rttMs !== undefined ? { rttMs: hit.rttMs } : {}),
      });
    } else {
      rest.push([key, t]);
    }
  }
  await eachLimit(
    rest,
    opts.concurrency ?? 32,
    async ([key, t]) => {
      const ports = fallbackPortsFor(t.knownPorts, opts.fallbackPorts);
      const r = ports.length
        ? await tcpReach(key, ports, { timeoutMs: opts.timeoutMs, signal: opts.signal })
        : { up: false, method: 'icmp' as const };
      results.set(t.address, r);
    },
    opts.signal,
  );
  return report;
}
