/**
 * Traps → stored traps and events. The receiver hands over one decoded trap at a time; they are
 * written in small batches (a storm of thousands costs a few dozen writes), each trap with its
 * event, so the incident service folds them like any other event. Traps from addresses that are
 * not in the inventory are kept and shown too.
 */
import type { Store } from '../store/store.js';
import type { BatchOp } from '../store/db.js';
import type { Clock } from '../core/time.js';
import type { Logger } from '../lib/logger.js';
import type { Config } from '../config/schema.js';
import type { CredentialService } from '../snmp/credential-service.js';
import { TrapReceiver, type TrapAuthFailure, type TrapReceiverStats } from './trap-receiver.js';
import { trapSummary, type TrapRecord } from './trap-decode.js';
import type { EventRecord } from '../store/types.js';
import { describeError } from '../core/errors.js';

const FLUSH_MS = 200;
const FLUSH_MAX = 500;
const INVENTORY_MAX_AGE_MS = 60_000;

export interface TrapServiceStatus {
  enabled: boolean;
  listening?: { address: string; port: number };
  error?: { code: string; message: string };
  stats?: TrapReceiverStats;
}

const SEVERITY: Record<TrapRecord['kind'], EventRecord['severity']> = {
  linkDown: 'minor',
  linkUp: 'info',
  coldStart: 'warning',
  warmStart: 'warning',
  authenticationFailure: 'warning',
  vendor: 'warning',
};

export class TrapService {
  private receiver: TrapReceiver | undefined;
  private pending: Array<{ kind: 'trap'; t: TrapRecord } | { kind: 'auth'; f: TrapAuthFailure }> =
    [];
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private byIp: { at: number; map: Map<string, string> } | undefined;
  private status: TrapServiceStatus;
  written = 0;

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      logger: Logger;
      config: Config;
      credentials: CredentialService;
      /** Called after traps were written (the incident service folds them at once). */
      onWritten?: () => void;
    },
  ) {
    this.status = { enabled: deps.config.traps.enabled };
  }

  /** Starts listening; a port that cannot be bound is reported on the traps page, not fatal. */
  async start(): Promise<void> {
    const { config, logger } = this.deps;
    if (!config.traps.enabled) return;
    const receiver = new TrapReceiver({
      port: config.traps.port,
      address: config.traps.address,
      credentials: await this.credentials(),
      limits: {
        perSourcePerSec: config.traps.perSourcePerS,
        globalPerSec: config.traps.globalPerS,
      },
      clock: this.deps.clock,
      onTrap: (t) => this.queue({ kind: 'trap', t }),
      onAuthFailure: (f) => this.queue({ kind: 'auth', f }),
      onError: (err) =>
        logger.warn({ component: 'traps', code: err.code }, `trap receiver: ${err.message}`),
    });
    try {
      const bound = await receiver.start();
      this.receiver = receiver;
      this.status = { enabled: true, listening: bound };
      logger.info({ component: 'traps', ...bound }, 'listening for SNMP traps');
    } catch (err) {
      this.status = { enabled: true, error: describeError(err) };
      logger.warn(
        { component: 'traps', err: describeError(err) },
        'SNMP traps are not received: the port could not be opened',
      );
    }
  }

  async stop(): Promise<void> {
    await this.receiver?.stop();
    this.receiver = undefined;
    if (this.timer) clearTimeout(this.timer);
    await this.flush();
  }

  /** Credentials changed (added, edited, removed): the receiver accepts the new set at once. */
  async refreshCredentials(): Promise<void> {
    this.receiver?.updateCredentials(await this.credentials());
  }

  info(): TrapServiceStatus {
    return { ...this.status, ...(this.receiver ? { stats: this.receiver.stats() } : {}) };
  }

  private async credentials() {
    const records = await this.deps.store.credentials.list();
    const names = new Map(records.map((r) => [r.id, r.name]));
    return (await this.deps.credentials.unsealedAll()).map((c) => ({
      id: c.id,
      name: names.get(c.id),
      cred: c.cred,
    }));
  }

  private queue(item: (typeof this.pending)[number]): void {
    this.pending.push(item);
    if (this.pending.length >= FLUSH_MAX) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Writes what is queued (one batch per FLUSH_MAX traps). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing ??= this.flushAll().finally(() => {
      this.flushing = undefined;
      if (this.pending.length) this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
    });
    return this.flushing;
  }

  private async flushAll(): Promise<void> {
    while (this.pending.length) {
      const items = this.pending.splice(0, FLUSH_MAX);
      try {
        await this.write(items);
      } catch (err) {
        this.deps.logger.error({ component: 'traps', err }, 'could not store received traps');
      }
    }
  }

  private async deviceByIp(): Promise<Map<string, string>> {
    const now = this.deps.clock.now();
    if (!this.byIp || now - this.byIp.at > INVENTORY_MAX_AGE_MS) {
      const map = new Map<string, string>();
      for (const d of await this.deps.store.devices.list())
        for (const a of [d.ip, ...d.addresses]) if (!map.has(a)) map.set(a, d.id);
      this.byIp = { at: now, map };
    }
    return this.byIp.map;
  }

  /** The inventory changed (a scan merged, a device was removed). */
  invalidate(): void {
    this.byIp = undefined;
  }

  private async write(items: typeof this.pending): Promise<void> {
    const { store, clock } = this.deps;
    const byIp = await this.deviceByIp();
    const now = clock.now();
    const ops: BatchOp[] = [];
    for (const item of items) {
      if (item.kind === 'auth') {
        const f = item.f;
        ops.push(
          ...store.events.appendOps(
            {
              kind: 'trap.auth-failure',
              severity: 'warning',
              ...(byIp.get(plainAddress(f.address))
                ? { deviceId: byIp.get(plainAddress(f.address))! }
                : {}),
              message:
                `SNMP trap from ${f.address} refused (${f.reason.replace(/_/g, ' ')})` +
                (f.suppressed ? `; ${f.suppressed} more since the last report` : '') +
                '.',
              details: {
                address: f.address,
                reason: f.reason,
                version: f.version,
                suppressed: f.suppressed,
              },
            },
            now,
          ),
        );
        continue;
      }
      const t = item.t;
      // The agent address of a v1 trap or a proxy's snmpTrapAddress names the real sender.
      const deviceId =
        byIp.get(plainAddress(t.address)) ??
        (t.agentAddress ? byIp.get(plainAddress(t.agentAddress)) : undefined);
      const op = store.traps.appendOp(t, deviceId);
      ops.push(op);
      // The event carries the time the trap arrived, not when the batch was written.
      ops.push(
        ...store.events.appendOps(
          {
            kind: 'trap.received',
            severity: SEVERITY[t.kind],
            ...(deviceId ? { deviceId } : {}),
            message: deviceId
              ? trapSummary(t)
              : `From ${t.address} (not in the inventory): ${trapSummary(t)}`,
            details: {
              trapKey: op.key,
              trapKind: t.kind,
              trapOid: t.trapOid,
              address: t.address,
              version: t.version,
              ...(t.ifIndex !== undefined ? { ifIndex: t.ifIndex } : {}),
              ...(t.ifName ? { ifName: t.ifName } : t.ifDescr ? { ifName: t.ifDescr } : {}),
            },
          },
          Math.min(t.receivedAt, now),
        ),
      );
    }
    await store.write(ops);
    this.written += items.length;
    this.deps.onWritten?.();
  }

  /** Drops traps beyond the configured number kept (housekeeping). */
  async trim(signal?: AbortSignal): Promise<number> {
    const { store, config } = this.deps;
    let n = 0;
    for (;;) {
      signal?.throwIfAborted();
      const keys = await store.traps.overflow(config.traps.keep, 1_000);
      if (keys.length === 0) return n;
      await store.write(keys.map((k) => store.traps.delOp(k)));
      n += keys.length;
    }
  }
}

/** `::ffff:10.0.0.9` (an IPv4 sender on an IPv6 socket) → `10.0.0.9`. */
function plainAddress(a: string): string {
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}
