import dgram, { type RemoteInfo } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import type * as NetSnmp from 'net-snmp';
import { AppError } from '../core/errors.js';
import { systemClock, type Clock } from '../core/time.js';
import { fromNetSnmp } from '../snmp/session.js';
import type { SnmpCredential } from '../snmp/types.js';
import {
  decodeTrap,
  peekSnmpVersion,
  type ReceivedPdu,
  type TrapRecord,
  type TrapVersion,
} from './trap-decode.js';
import { compareText } from '../lib/collate.js';

const load = createRequire(import.meta.url);

/** A stored credential, decrypted (CredentialService.unsealedAll() plus the name for records). */
export interface TrapCredential {
  id: string;
  name?: string;
  cred: SnmpCredential;
}

export interface TrapRateLimits {
  perSourcePerSec: number;
  perSourceBurst: number;
  globalPerSec: number;
  globalBurst: number;
}

export type TrapAuthFailureReason = 'unknown_community' | 'unknown_user' | 'bad_auth';

/** A rejected notification, for "trap from 10.0.0.9 with an unknown community". */
export interface TrapAuthFailure {
  at: number;
  address: string;
  port: number;
  version: TrapVersion | 'unknown';
  reason: TrapAuthFailureReason;
  /** Failures from this source since the previous report (reports are throttled per source). */
  suppressed: number;
}

export interface TrapReceiverOptions {
  /** UDP port; 162 by default, 0 for any free port. */
  port?: number;
  /** Address to bind; 0.0.0.0 by default. An IPv6 address selects udp6. */
  address?: string;
  credentials: TrapCredential[];
  /**
   * Called once per accepted trap, one at a time from a bounded queue. The signal aborts when the
   * receiver stops; a call that takes longer than `handlerTimeoutMs` is no longer waited for.
   */
  onTrap: (record: TrapRecord, signal: AbortSignal) => void | Promise<void>;
  onAuthFailure?: (failure: TrapAuthFailure) => void;
  /** Socket and handler failures; throttled to one per code every 10 s. */
  onError?: (err: AppError) => void;
  limits?: Partial<TrapRateLimits>;
  queueSize?: number;
  handlerTimeoutMs?: number;
  /** Sources tracked for counters and per-source limits; the least recently seen are forgotten. */
  maxSources?: number;
  authFailureReportMs?: number;
  clock?: Clock;
}

export interface TrapSourceStats {
  address: string;
  received: number;
  accepted: number;
  dropped: number;
  malformed: number;
  authFailures: number;
  lastSeen: number;
}

/** received = accepted + dropped + malformed + authFailures + ignored, for every datagram. */
export interface TrapReceiverStats {
  received: number;
  accepted: number;
  dropped: number;
  malformed: number;
  authFailures: number;
  /** Valid SNMP that is not a notification (v3 engine discovery, requests sent to the wrong port). */
  ignored: number;
  /** Accepted traps waiting for onTrap. */
  queued: number;
  delivered: number;
  handlerErrors: number;
  bySource: TrapSourceStats[];
}

const DEFAULT_LIMITS: TrapRateLimits = {
  perSourcePerSec: 50,
  perSourceBurst: 200,
  globalPerSec: 1000,
  globalBurst: 1000,
};

interface Source {
  stats: TrapSourceStats;
  tokens: number;
  refilledAt: number;
  authReportedAt: number;
  authSuppressed: number;
}

/** The part of net-snmp's receiver this file uses (its typings declare it as `any`). */
interface NetSnmpAuthorizer {
  addCommunity(community: string): void;
  deleteCommunity(community: string): void;
  getCommunities(): string[];
  addUser(user: NetSnmp.User): void;
  deleteUser(name: string): void;
  getUsers(): Array<{ name: string }>;
}
interface NetSnmpPdu {
  type: number;
  varbinds?: NetSnmp.Varbind[];
  enterprise?: unknown;
  agentAddr?: unknown;
  generic?: unknown;
  specific?: unknown;
  upTime?: unknown;
  community?: unknown;
  user?: unknown;
}
type Deliver = (buffer: Buffer, rinfo: RemoteInfo) => void;

/** What net-snmp's Listener calls on the socket it gets from `dgramModule`. */
interface SocketShim {
  on(event: string, fn: Deliver): SocketShim;
  bind(): void;
  address(): ReturnType<dgram.Socket['address']>;
  send(...args: unknown[]): void;
  close(cb?: () => void): void;
}

const PDU_TRAP_V1 = 164;
const PDU_INFORM = 166;
const PDU_TRAP_V2 = 167;
const RESPONSE_AUTH_FAILURE = 5; // net-snmp ResponseInvalidCode.EAuthFailure
const RESPONSE_DECRYPT_FAILED = 4; // ResponseInvalidCode.ECouldNotDecrypt

const asNumber = (v: unknown) => (typeof v === 'number' ? v : Number.NaN);

/**
 * The SNMP trap listener: net-snmp's receiver (v1, v2c, v3 with the stored credentials) behind
 * a socket this class owns. Every datagram is counted and rate-limited before net-snmp decodes
 * it, so a flood costs a map lookup per packet; accepted traps go through a bounded queue to
 * `onTrap`. Nothing a sender does can throw out of the socket handler.
 */
export class TrapReceiver {
  private readonly port: number;
  private readonly address: string;
  private readonly limits: TrapRateLimits;
  private readonly queueSize: number;
  private readonly handlerTimeoutMs: number;
  private readonly maxSources: number;
  private readonly authFailureReportMs: number;
  private readonly clock: Clock;

  private credentials: TrapCredential[];
  private byCommunity = new Map<string, TrapCredential>();
  private byUser = new Map<string, TrapCredential>();

  private socket: dgram.Socket | undefined;
  private authorizer: NetSnmpAuthorizer | undefined;
  private deliver: Deliver | undefined;
  private abort = new AbortController();
  private starting = false;
  private stopping = false;

  private readonly sources = new Map<string, Source>();
  private globalTokens: number;
  private globalRefilledAt = performance.now();
  private readonly totals = {
    received: 0,
    accepted: 0,
    dropped: 0,
    malformed: 0,
    authFailures: 0,
    ignored: 0,
    delivered: 0,
    handlerErrors: 0,
  };

  /** The datagram net-snmp is processing: its callbacks run synchronously inside onDatagram. */
  private current:
    { rinfo: RemoteInfo; buffer: Buffer; source: Source; settled: boolean } | undefined;

  private queue: TrapRecord[] = [];
  private queueHead = 0;
  private draining: Promise<void> | undefined;
  private readonly errorReportedAt = new Map<string, number>();

  constructor(private readonly opts: TrapReceiverOptions) {
    this.port = opts.port ?? 162;
    this.address = opts.address ?? '0.0.0.0';
    if (!Number.isInteger(this.port) || this.port < 0 || this.port > 65535)
      throw new AppError('TRAP_PORT_INVALID', `${this.port} is not a UDP port (0-65535).`, {
        kind: 'permanent',
      });
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    if (opts.limits?.globalPerSec !== undefined && opts.limits.globalBurst === undefined)
      this.limits.globalBurst = opts.limits.globalPerSec;
    for (const [k, v] of Object.entries(this.limits))
      if (!(v > 0))
        throw new AppError('TRAP_LIMITS_INVALID', `Trap rate limit ${k} must be above 0.`, {
          kind: 'permanent',
        });
    this.queueSize = opts.queueSize ?? 10_000;
    this.handlerTimeoutMs = opts.handlerTimeoutMs ?? 10_000;
    this.maxSources = opts.maxSources ?? 4096;
    this.authFailureReportMs = opts.authFailureReportMs ?? 60_000;
    this.clock = opts.clock ?? systemClock;
    this.credentials = opts.credentials;
    this.globalTokens = this.limits.globalBurst;
  }

  /** Binds the socket; resolves with the bound address (useful with port 0). */
  async start(signal?: AbortSignal): Promise<{ address: string; port: number }> {
    if (this.socket || this.starting)
      throw new AppError('TRAP_RECEIVER_RUNNING', 'The trap receiver is already running.');
    signal?.throwIfAborted();
    this.starting = true;
    try {
      return await this.open(signal);
    } finally {
      this.starting = false;
    }
  }

  private async open(signal: AbortSignal | undefined): Promise<{ address: string; port: number }> {
    const socket = dgram.createSocket({ type: isIPv6(this.address) ? 'udp6' : 'udp4' });
    // net-snmp's Listener creates, binds and closes its own socket and sends bind errors to the
    // trap callback, without saying when it is bound. Handing it a shim keeps the real socket
    // here: bind errors reject start(), and every datagram passes the limiter first.
    const shim: SocketShim = {
      on: (event, fn) => {
        if (event === 'message') this.deliver = fn;
        return shim;
      },
      bind: () => undefined,
      address: () => socket.address(),
      send: (...args: unknown[]) => (socket.send as (...a: unknown[]) => void)(...args),
      close: (cb) => cb?.(),
    };
    const snmp = load('net-snmp') as typeof NetSnmp;
    const receiver = snmp.createReceiver(
      {
        port: this.port,
        address: this.address,
        // Needed to know which credential a notification used.
        includeAuthentication: true,
        // Must stay false: net-snmp also skips the v3 HMAC check when it is set.
        disableAuthorization: false,
        dgramModule: { createSocket: () => shim },
      },
      (err: unknown, notification: unknown) => this.onNetSnmp(err, notification),
    ) as { getAuthorizer(): NetSnmpAuthorizer };
    this.authorizer = receiver.getAuthorizer();
    this.applyCredentials();
    this.abort = new AbortController();
    this.stopping = false;
    try {
      await bindSocket(socket, this.port, this.address, signal);
    } catch (err) {
      socket.close();
      this.authorizer = undefined;
      this.deliver = undefined;
      throw err;
    }
    this.socket = socket;
    socket.on('error', (err) =>
      this.report(
        new AppError('TRAP_SOCKET_ERROR', 'The trap receiver socket failed.', {
          kind: 'transient',
          cause: err,
        }),
      ),
    );
    socket.on('message', (buffer, rinfo) => this.onDatagram(buffer, rinfo));
    try {
      // A larger buffer rides out bursts; Linux caps it at net.core.rmem_max.
      socket.setRecvBufferSize(1 << 20);
    } catch {
      // not allowed: the default buffer only loses more packets in bursts
    }
    const bound = socket.address();
    return { address: bound.address, port: bound.port };
  }

  /** Closes the socket, lets queued traps finish for up to `graceMs`, then drops the rest. */
  async stop(graceMs = 2000): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    this.socket = undefined;
    this.stopping = true;
    await new Promise<void>((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
    const draining = this.draining;
    if (draining) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        draining,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
      ]).finally(() => clearTimeout(timer));
    }
    this.abort.abort(new AppError('TRAP_RECEIVER_STOPPED', 'The trap receiver stopped.'));
    const left = this.queue.length - this.queueHead;
    this.totals.dropped += left;
    this.queue = [];
    this.queueHead = 0;
    this.deliver = undefined;
    this.authorizer = undefined;
  }

  /** Replaces the communities and users without rebinding. */
  updateCredentials(list: TrapCredential[]): void {
    this.credentials = list;
    this.applyCredentials();
  }

  stats(topSources = 10): TrapReceiverStats {
    const bySource = [...this.sources.values()]
      .map((s) => ({ ...s.stats }))
      .sort((a, b) => b.received - a.received || compareText(a.address, b.address))
      .slice(0, topSources);
    return { ...this.totals, queued: this.queue.length - this.queueHead, bySource };
  }

  private applyCredentials(): void {
    const communities = new Map<string, TrapCredential>();
    const users = new Map<string, TrapCredential>();
    // List order is the user's preference; the first credential with a community or user wins.
    // A community is accepted for v1 and v2c alike: devices use one community for both.
    for (const c of this.credentials) {
      if (c.cred.version === '3') {
        if (c.cred.user && !users.has(c.cred.user)) users.set(c.cred.user, c);
      } else if (c.cred.community && !communities.has(c.cred.community)) {
        communities.set(c.cred.community, c);
      }
    }
    this.byCommunity = communities;
    this.byUser = users;
    const auth = this.authorizer;
    if (!auth) return;
    const snmp = load('net-snmp') as typeof NetSnmp;
    for (const c of [...auth.getCommunities()]) auth.deleteCommunity(c);
    for (const u of [...auth.getUsers()]) auth.deleteUser(u.name);
    for (const community of communities.keys()) auth.addCommunity(community);
    for (const { cred } of users.values()) {
      if (cred.version !== '3') continue;
      auth.addUser({
        name: cred.user,
        level: snmp.SecurityLevel[cred.level],
        ...(cred.authProtocol
          ? { authProtocol: snmp.AuthProtocols[cred.authProtocol], authKey: cred.authKey ?? '' }
          : {}),
        ...(cred.privProtocol
          ? { privProtocol: snmp.PrivProtocols[cred.privProtocol], privKey: cred.privKey ?? '' }
          : {}),
      });
    }
  }

  private source(address: string, now: number): Source {
    let s = this.sources.get(address);
    if (s) {
      // Map order doubles as recency order: the first entry is the one to forget.
      this.sources.delete(address);
    } else {
      s = {
        stats: {
          address,
          received: 0,
          accepted: 0,
          dropped: 0,
          malformed: 0,
          authFailures: 0,
          lastSeen: 0,
        },
        tokens: this.limits.perSourceBurst,
        refilledAt: now,
        authReportedAt: Number.NEGATIVE_INFINITY,
        authSuppressed: 0,
      };
      if (this.sources.size >= this.maxSources) {
        const oldest = this.sources.keys().next().value;
        if (oldest !== undefined) this.sources.delete(oldest);
      }
    }
    this.sources.set(address, s);
    return s;
  }

  /** Token buckets, per source and overall; a packet needs a token from both. */
  private allow(s: Source, now: number): boolean {
    const { perSourcePerSec, perSourceBurst, globalPerSec, globalBurst } = this.limits;
    s.tokens = Math.min(perSourceBurst, s.tokens + ((now - s.refilledAt) / 1000) * perSourcePerSec);
    s.refilledAt = now;
    this.globalTokens = Math.min(
      globalBurst,
      this.globalTokens + ((now - this.globalRefilledAt) / 1000) * globalPerSec,
    );
    this.globalRefilledAt = now;
    if (s.tokens < 1 || this.globalTokens < 1) return false;
    s.tokens -= 1;
    this.globalTokens -= 1;
    return true;
  }

  private onDatagram(buffer: Buffer, rinfo: RemoteInfo): void {
    const now = performance.now();
    const source = this.source(rinfo.address, now);
    this.totals.received++;
    source.stats.received++;
    source.stats.lastSeen = this.clock.now();
    if (!this.allow(source, now)) {
      this.totals.dropped++;
      source.stats.dropped++;
      return;
    }
    const current = { rinfo, buffer, source, settled: false };
    this.current = current;
    try {
      // net-snmp decodes, authenticates and calls onNetSnmp synchronously (or answers an engine
      // discovery / sends a report without calling back at all).
      this.deliver?.(buffer, rinfo);
      if (!current.settled) this.settle(current, 'ignored');
    } catch {
      if (!current.settled) this.settle(current, 'malformed');
    } finally {
      this.current = undefined;
    }
  }

  private settle(
    c: NonNullable<TrapReceiver['current']>,
    outcome: 'malformed' | 'ignored' | 'authFailures',
  ): void {
    c.settled = true;
    this.totals[outcome]++;
    if (outcome !== 'ignored') c.source.stats[outcome]++;
  }

  /** net-snmp's callback: never throws (a throw would come back as a second, bogus error). */
  private onNetSnmp(err: unknown, notification: unknown): void {
    const c = this.current;
    if (!c || c.settled) return;
    try {
      if (err) {
        const reason = this.rejection(err, c.buffer);
        if (reason === 'malformed' || reason === 'ignored') this.settle(c, reason);
        else this.authFailure(c, reason);
        return;
      }
      const { pdu } = notification as { pdu: NetSnmpPdu };
      const version = peekSnmpVersion(c.buffer);
      if (!version) return this.settle(c, 'malformed');
      let cred: TrapCredential | undefined;
      if (version === 'v3') {
        // net-snmp accepts a noAuthNoPriv message with an empty user name without any check.
        cred = typeof pdu.user === 'string' && pdu.user ? this.byUser.get(pdu.user) : undefined;
        if (!cred) return this.authFailure(c, 'unknown_user');
      } else {
        cred = typeof pdu.community === 'string' ? this.byCommunity.get(pdu.community) : undefined;
        if (!cred) return this.authFailure(c, 'unknown_community');
      }
      const received = toReceivedPdu(pdu);
      if (!received) return this.settle(c, 'malformed');
      const decoded = decodeTrap(received, {
        receivedAt: this.clock.now(),
        address: c.rinfo.address,
        port: c.rinfo.port,
        version,
        credentialId: cred.id,
        ...(cred.name !== undefined ? { credentialName: cred.name } : {}),
        ...(cred.cred.version === '3' ? { user: cred.cred.user } : {}),
      });
      if (!decoded.ok) return this.settle(c, 'malformed');
      c.settled = true;
      this.enqueue(decoded.record, c.source);
    } catch {
      if (!c.settled) this.settle(c, 'malformed');
    }
  }

  /**
   * Sorts net-snmp's errors by class and code. Their messages are never kept: they quote the
   * community, and a v3 digest error carries the local user with its keys.
   */
  private rejection(err: unknown, buffer: Buffer): TrapAuthFailureReason | 'malformed' | 'ignored' {
    const e = err as { name?: unknown; code?: unknown };
    if (e.name === 'RequestFailedError')
      return peekSnmpVersion(buffer) === 'v3' ? 'unknown_user' : 'unknown_community';
    if (e.name === 'ResponseInvalidError')
      return e.code === RESPONSE_AUTH_FAILURE || e.code === RESPONSE_DECRYPT_FAILED
        ? 'bad_auth'
        : 'malformed';
    // Valid SNMP but not a notification (a GetRequest to the trap port, say).
    if (e.name === 'RequestInvalidError') return 'ignored';
    return 'malformed';
  }

  private authFailure(c: NonNullable<TrapReceiver['current']>, reason: TrapAuthFailureReason) {
    this.settle(c, 'authFailures');
    const s = c.source;
    const now = performance.now();
    if (now - s.authReportedAt < this.authFailureReportMs) {
      s.authSuppressed++;
      return;
    }
    const failure: TrapAuthFailure = {
      at: this.clock.now(),
      address: c.rinfo.address,
      port: c.rinfo.port,
      version: peekSnmpVersion(c.buffer) ?? 'unknown',
      reason,
      suppressed: s.authSuppressed,
    };
    s.authReportedAt = now;
    s.authSuppressed = 0;
    try {
      this.opts.onAuthFailure?.(failure);
    } catch (err) {
      this.reportHandlerError(err);
    }
  }

  private enqueue(record: TrapRecord, s: Source): void {
    if (this.queue.length - this.queueHead >= this.queueSize) {
      this.totals.dropped++;
      s.stats.dropped++;
      return;
    }
    this.totals.accepted++;
    s.stats.accepted++;
    this.queue.push(record);
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  private async drain(): Promise<void> {
    // Start on a later turn: the socket handler returns at once.
    await new Promise((r) => setImmediate(r));
    let n = 0;
    while (this.queueHead < this.queue.length && !this.abort.signal.aborted) {
      const record = this.queue[this.queueHead]!;
      this.queue[this.queueHead++] = undefined as unknown as TrapRecord;
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.queueHead);
        this.queueHead = 0;
      }
      await this.handle(record);
      // Synchronous handlers would otherwise run the whole queue without giving I/O a turn.
      if (++n % 256 === 0) await new Promise((r) => setImmediate(r));
    }
  }

  private async handle(record: TrapRecord): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = this.opts.onTrap(record, this.abort.signal);
      if (result && typeof (result as Promise<void>).then === 'function') {
        await Promise.race([
          result,
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () =>
                reject(
                  new AppError(
                    'TRAP_HANDLER_TIMEOUT',
                    `Handling a trap took longer than ${this.handlerTimeoutMs} ms; moving on.`,
                    { kind: 'transient' },
                  ),
                ),
              this.handlerTimeoutMs,
            );
          }),
        ]);
      }
      this.totals.delivered++;
    } catch (err) {
      this.reportHandlerError(err);
    } finally {
      clearTimeout(timer);
    }
  }

  private reportHandlerError(err: unknown): void {
    this.totals.handlerErrors++;
    this.report(
      err instanceof AppError
        ? err
        : new AppError('TRAP_HANDLER_FAILED', 'Handling a received trap failed.', { cause: err }),
    );
  }

  /** At most one report per code every 10 s: a failing handler must not flood the log. */
  private report(err: AppError): void {
    if (this.stopping && err.code === 'TRAP_SOCKET_ERROR') return;
    const now = performance.now();
    if (now - (this.errorReportedAt.get(err.code) ?? Number.NEGATIVE_INFINITY) < 10_000) return;
    this.errorReportedAt.set(err.code, now);
    try {
      this.opts.onError?.(err);
    } catch {
      // a broken error sink must not take the receiver down
    }
  }
}

function toReceivedPdu(pdu: NetSnmpPdu): ReceivedPdu | undefined {
  const varbinds = (Array.isArray(pdu.varbinds) ? pdu.varbinds : []).map(fromNetSnmp);
  if (pdu.type === PDU_TRAP_V1) {
    const { enterprise, agentAddr } = pdu;
    if (typeof enterprise !== 'string' || typeof agentAddr !== 'string') return undefined;
    return {
      form: 'v1',
      enterprise,
      agentAddr,
      generic: asNumber(pdu.generic),
      specific: asNumber(pdu.specific),
      upTime: asNumber(pdu.upTime),
      varbinds,
    };
  }
  if (pdu.type === PDU_TRAP_V2 || pdu.type === PDU_INFORM)
    return { form: 'v2', inform: pdu.type === PDU_INFORM, varbinds };
  return undefined;
}

/** Binds with a timeout and an abort; errors become AppErrors a person can act on. */
function bindSocket(
  socket: dgram.Socket,
  port: number,
  address: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (err?: unknown) => {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.off('listening', onListening);
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const onError = (err: NodeJS.ErrnoException) => done(bindError(err, port, address));
    const onListening = () => done();
    const onAbort = () =>
      done(new AppError('TRAP_START_ABORTED', 'Starting the trap receiver was cancelled.'));
    const timer = setTimeout(
      () =>
        done(
          new AppError('TRAP_BIND_TIMEOUT', `Binding UDP ${address}:${port} did not finish.`, {
            kind: 'transient',
          }),
        ),
      5000,
    );
    socket.once('error', onError);
    socket.once('listening', onListening);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.bind({ port, address, exclusive: true });
  });
}

function bindError(err: NodeJS.ErrnoException, port: number, address: string): AppError {
  const where = `UDP ${address}:${port}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return new AppError(
        'TRAP_PORT_IN_USE',
        `Cannot receive traps: ${where} is already in use (is snmptrapd running?). Stop the other program or configure another trap port.`,
        { kind: 'permanent', cause: err },
      );
    case 'EACCES':
    case 'EPERM':
      return new AppError(
        'TRAP_PORT_DENIED',
        `Cannot receive traps: not allowed to listen on ${where}. Ports below 1024 need the CAP_NET_BIND_SERVICE capability; grant it or configure a port above 1023.`,
        { kind: 'permanent', cause: err },
      );
    case 'EADDRNOTAVAIL':
      return new AppError(
        'TRAP_ADDRESS_INVALID',
        `Cannot receive traps: ${address} is not an address of this box.`,
        { kind: 'permanent', cause: err },
      );
    default:
      return new AppError('TRAP_BIND_FAILED', `Cannot receive traps on ${where}.`, {
        kind: 'permanent',
        cause: err,
      });
  }
}
