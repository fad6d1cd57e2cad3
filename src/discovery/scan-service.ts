import os from 'node:os';
import type { Store } from '../store/store.js';
import type { BatchOp } from '../store/db.js';
import type { DeviceRecord, ScanRecord } from '../store/types.js';
import type { Clock } from '../core/time.js';
import type { Logger } from '../lib/logger.js';
import type { Config } from '../config/schema.js';
import type { RequestContext } from '../auth/context.js';
import type { CredentialService } from '../snmp/credential-service.js';
import type { SnmpCredential } from '../snmp/types.js';
import { openSnmp } from '../snmp/session.js';
import { AppError, conflict, describeError, notFound } from '../core/errors.js';
import { actorLabel } from '../core/roles.js';
import { randomId } from '../core/ids.js';
import { Mutex } from '../lib/mutex.js';
import { deadline } from '../lib/deadline.js';
import { pingSweep, serviceScan } from './nmap.js';
import { parseCidr, ipInCidr, type Cidr } from './targets.js';
import { collectInventory, SYSTEM_OIDS } from './snmp-collect.js';
import { identify } from './identify.js';
import {
  mergeDevice,
  markMissing,
  matchDevice,
  observationKeys,
  sharedIdentities,
} from './merge.js';
import type { DiscoverySettingsService } from './settings-service.js';
import type { Observation } from './types.js';
import type { IdentityKey } from '../store/devices.js';
import { compareNatural } from '../lib/collate.js';

type DiscoveryConfig = Config['discovery'];

interface Running {
  scan: ScanRecord;
  controller: AbortController;
  done: Promise<void>;
}

const SELF_IDENTIFICATION = {
  type: 'server' as const,
  vendor: 'Caretaker',
  reasons: ['this is the Caretaker box itself: the address is one of its own'],
};

/** The box's own addresses (and their MACs): it finds itself on the LAN and should say so. */
function localAddresses(): Map<string, string> {
  const out = new Map<string, string>();
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? [])
      if (a.family === 'IPv4')
        out.set(a.address, a.mac && a.mac !== '00:00:00:00:00:00' ? a.mac.toLowerCase() : '');
  }
  return out;
}

/** Runs `fn` over `items` with at most `limit` at a time. */
async function pool<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      signal.throwIfAborted();
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Discovery scans: nmap host discovery → SNMP probe of every live host with the credential list →
 * inventory collection → identification → merge into the inventory. One scan at a time; progress
 * is kept in memory and in the store; a scan can be cancelled. The inventory is changed in one
 * atomic batch at the end, so a cancelled, failed or interrupted scan leaves it as it was.
 */
export class ScanService {
  private current: Running | undefined;
  private readonly startLock = new Mutex();
  private lastPersist = 0;

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      logger: Logger;
      config: DiscoveryConfig;
      credentials: CredentialService;
      /** Shared with device edits and credential deletes: one writer on the inventory at a time. */
      inventoryLock: Mutex;
      settings: DiscoverySettingsService;
    },
  ) {}

  private nowIso(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  /** Scans left queued or running by a crash are marked failed; the inventory was not touched. */
  async recover(): Promise<number> {
    const { store } = this.deps;
    const stale = await store.scans.unfinished();
    await store.write(
      stale.map((s) =>
        store.scans.putOp({
          ...s,
          status: 'failed',
          finishedAt: this.nowIso(),
          error: {
            code: 'INTERRUPTED',
            message: 'The service stopped during this scan; the inventory was left as it was.',
          },
        }),
      ),
    );
    return stale.length;
  }

  running(): ScanRecord | undefined {
    return this.current ? structuredClone(this.current.scan) : undefined;
  }

  async get(id: string): Promise<ScanRecord> {
    if (this.current?.scan.id === id) return structuredClone(this.current.scan);
    const s = await this.deps.store.scans.get(id);
    if (!s) throw notFound('The scan');
    return s;
  }

  recent(limit: number, before?: string): Promise<ScanRecord[]> {
    return this.deps.store.scans.recent(limit, before);
  }

  /** Starts a scan in the background; resolves with its record (202 for the API). */
  start(
    trigger: ScanRecord['trigger'],
    ctx?: RequestContext,
    parentSignal?: AbortSignal,
  ): Promise<Running> {
    return this.startLock.run(async () => {
      if (this.current)
        throw conflict(
          'SCAN_RUNNING',
          `A scan is already running (${this.current.scan.id}). Wait for it or cancel it.`,
        );
      const settings = await this.deps.settings.get();
      if (!settings.subnets.length) {
        throw conflict(
          'DISCOVERY_NOT_CONFIGURED',
          'No networks to scan are configured. An admin sets them under Settings → Discovery; until then the box scans nothing.',
        );
      }
      const { store, clock } = this.deps;
      const now = clock.now();
      const scan: ScanRecord = {
        id: `${new Date(now).toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomId(4)}`,
        status: 'running',
        trigger,
        ...(ctx ? { actor: actorLabel(ctx.actor) } : {}),
        subnets: settings.subnets,
        createdAt: new Date(now).toISOString(),
        startedAt: new Date(now).toISOString(),
        phase: 'sweep',
        progress: {
          percent: 0,
          hostsUp: 0,
          hostsProbed: 0,
          snmpAnswered: 0,
          devicesNew: 0,
          devicesUpdated: 0,
          devicesMissing: 0,
        },
        notes: [],
      };
      const ops: BatchOp[] = [store.scans.putOp(scan)];
      if (ctx)
        ops.push(
          store.audit.recordOp(ctx, 'discovery.scan-started', `scan:${scan.id}`, now, {
            subnets: settings.subnets.join(', '),
          }),
        );
      await store.write(ops);
      const controller = new AbortController();
      const onParentAbort = () => controller.abort(parentSignal?.reason);
      parentSignal?.addEventListener('abort', onParentAbort, { once: true });
      const entry: Running = { scan, controller, done: Promise.resolve() };
      this.current = entry;
      entry.done = this.execute(entry, settings).finally(() => {
        parentSignal?.removeEventListener('abort', onParentAbort);
        this.current = undefined;
      });
      return entry;
    });
  }

  /** For the scheduled job: start and wait; a box without configured networks is not an error. */
  async runScheduled(signal: AbortSignal): Promise<string> {
    let entry: Running;
    try {
      entry = await this.start('schedule', undefined, signal);
    } catch (err) {
      if (err instanceof AppError && err.code === 'DISCOVERY_NOT_CONFIGURED')
        return 'no networks configured: nothing scanned';
      throw err;
    }
    await entry.done;
    const s = entry.scan;
    if (s.status === 'failed')
      throw new AppError(s.error?.code ?? 'SCAN_FAILED', s.error?.message ?? 'The scan failed.');
    return `${s.status}: ${s.progress.hostsUp} hosts up, ${s.progress.devicesNew} new, ${s.progress.devicesUpdated} changed, ${s.progress.devicesMissing} missing`;
  }

  async cancel(id: string, ctx: RequestContext): Promise<ScanRecord> {
    const cur = this.current;
    if (!cur || cur.scan.id !== id) {
      const s = await this.get(id);
      throw conflict(
        'SCAN_NOT_RUNNING',
        `Scan ${id} is ${s.status}; only a running scan can be cancelled.`,
      );
    }
    cur.controller.abort(new AppError('CANCELLED', `Cancelled by ${actorLabel(ctx.actor)}.`));
    await this.deps.store.write([
      this.deps.store.audit.recordOp(
        ctx,
        'discovery.scan-cancelled',
        `scan:${id}`,
        this.deps.clock.now(),
      ),
    ]);
    await cur.done;
    return this.get(id);
  }

  /** On shutdown: stops a running scan (recorded as failed, inventory unchanged) and waits for it. */
  async shutdown(): Promise<void> {
    const cur = this.current;
    if (!cur) return;
    cur.controller.abort(
      new AppError(
        'INTERRUPTED',
        'The service stopped during this scan; the inventory was left as it was.',
      ),
    );
    // Every SNMP session closes on abort, so this is quick; the deadline is a safety net.
    await Promise.race([cur.done, new Promise((r) => setTimeout(r, 5_000).unref())]);
  }

  private async persist(scan: ScanRecord, force = false): Promise<void> {
    const now = this.deps.clock.now();
    if (!force && now - this.lastPersist < 1_000) return;
    this.lastPersist = now;
    await this.deps.store.write([this.deps.store.scans.putOp(scan)]);
  }

  private async execute(
    entry: Running,
    settings: { subnets: string[]; exclude: string[]; serviceScan: boolean },
  ): Promise<void> {
    const { scan, controller } = entry;
    const signal = controller.signal;
    const { logger, config } = this.deps;
    const log = logger.child({ component: 'discovery', scan: scan.id });
    try {
      const targets = settings.subnets
        .map((s) => parseCidr(s))
        .filter((c): c is Cidr => !('error' in c));
      const exclude = settings.exclude
        .map((s) => parseCidr(s))
        .filter((c): c is Cidr => !('error' in c));
      log.info({ subnets: settings.subnets }, 'scan started');

      const sweep = await pingSweep(targets, exclude, {
        nmapPath: config.nmapPath,
        timeoutMs: config.sweepTimeoutMs,
        signal,
        onProgress: (p) => {
          scan.progress.percent = Math.round(p * 0.3);
        },
      });
      const hosts = sweep.hosts.filter((h) => h.ipv4);
      scan.progress.hostsUp = hosts.length;
      scan.progress.percent = 30;
      scan.phase = 'snmp';
      await this.persist(scan, true);

      const observations = await this.probeAll(
        hosts.map((h) => ({
          ip: h.ipv4!,
          ...(h.mac ? { mac: h.mac } : {}),
          ...(h.macVendor ? { macVendor: h.macVendor } : {}),
        })),
        scan,
        signal,
      );

      if (settings.serviceScan && observations.length) {
        scan.phase = 'services';
        await this.persist(scan, true);
        const svc = await serviceScan(
          observations.map((o) => o.ip),
          {
            nmapPath: config.nmapPath,
            timeoutMs: config.serviceScanTimeoutMs,
            topPorts: config.serviceScanTopPorts,
            signal,
            onProgress: (p) => (scan.progress.percent = 80 + Math.round(p * 0.15)),
          },
        );
        const byIp = new Map(svc.hosts.map((h) => [h.ipv4, h.ports]));
        for (const o of observations) o.services = byIp.get(o.ip) ?? [];
      }

      signal.throwIfAborted();
      scan.phase = 'merge';
      scan.progress.percent = 95;
      const excluded = settings.exclude
        .map((s) => parseCidr(s))
        .filter((c): c is Cidr => !('error' in c));
      // One writer at a time on the inventory: a device deleted or edited meanwhile is seen here.
      await this.deps.inventoryLock.run(() =>
        this.merge(observations, targets, excluded, scan, settings.serviceScan),
      );
      log.info({ progress: scan.progress }, 'scan finished');
    } catch (err) {
      const reason = signal.aborted ? describeError(signal.reason) : undefined;
      // Only a person's cancel is "cancelled"; a shutdown or a job timeout is a failure.
      const cancelled = reason?.code === 'CANCELLED';
      scan.status = cancelled ? 'cancelled' : 'failed';
      scan.error = reason ?? describeError(err);
      scan.finishedAt = this.nowIso();
      if (cancelled) log.info('scan cancelled; inventory unchanged');
      else log.error({ err: scan.error }, 'scan failed; inventory unchanged');
      try {
        await this.persist(scan, true);
      } catch (e) {
        log.error({ err: describeError(e) }, 'could not record the scan result');
      }
    }
  }

  /** SNMP probe and inventory of every live host, a bounded number at a time. */
  private async probeAll(
    hosts: Array<{ ip: string; mac?: string; macVendor?: string }>,
    scan: ScanRecord,
    signal: AbortSignal,
  ): Promise<Observation[]> {
    const { config, store } = this.deps;
    const creds = await this.deps.credentials.unsealedAll();
    // A backstop: no error text or note that is stored may carry a community or key.
    const secrets = creds
      .flatMap(({ cred }) =>
        cred.version === '3' ? [cred.authKey, cred.privKey] : [cred.community],
      )
      .filter((x): x is string => typeof x === 'string' && x.length >= 3);
    const scrub = (text: string) =>
      secrets.reduce((acc, secret) => acc.split(secret).join('[redacted]'), text);
    const out: Observation[] = [];
    await pool(
      hosts,
      config.snmpConcurrency,
      async (h) => {
        const obs: Observation = { ...h };
        const knownId = await store.devices.lookup(`ip:${h.ip}`);
        const snmpState = knownId ? (await store.devices.get(knownId))?.snmp : undefined;
        await this.probeHost(
          obs,
          creds,
          { id: snmpState?.credentialId, pinned: snmpState?.credentialSource === 'manual' },
          signal,
        );
        if (obs.snmpError) obs.snmpError.message = scrub(obs.snmpError.message);
        if (obs.snmp) obs.snmp.notes = obs.snmp.notes.map(scrub);
        out.push(obs);
        scan.progress.hostsProbed += 1;
        if (obs.snmp) scan.progress.snmpAnswered += 1;
        scan.progress.percent =
          30 + Math.round((scan.progress.hostsProbed / Math.max(1, hosts.length)) * 50);
        await this.persist(scan);
      },
      signal,
    );
    return out.sort((a, b) => compareNatural(a.ip, b.ip));
  }

  /**
   * Finds a credential that works and reads the inventory with it, within the per-device time
   * budget (a slow agent is stopped, not waited for). Credentials are not sprayed at every host:
   * the one that worked last time (or the one an admin pinned) is tried alone first; only a host
   * without a working one gets the others, all at once (so a host without SNMP costs one
   * timeout), and the first in the admin's order that answers wins. A pinned credential is the
   * only one ever sent to its device.
   */
  private async probeHost(
    obs: Observation,
    creds: Array<{ id: string; cred: SnmpCredential }>,
    known: { id: string | undefined; pinned: boolean },
    scanSignal: AbortSignal,
  ): Promise<void> {
    const { config } = this.deps;
    if (!creds.length) {
      obs.snmpError = {
        code: 'SNMP_NO_CREDENTIALS',
        message: 'No SNMP credentials are configured.',
      };
      return;
    }
    scanSignal.throwIfAborted();
    const budget = deadline(
      scanSignal,
      config.perDeviceBudgetMs,
      () => new AppError('SNMP_TOO_SLOW', 'per-device time budget'),
    );
    const signal = budget.signal;
    try {
      await this.probeWith(obs, creds, known, scanSignal, signal);
    } finally {
      budget.clear();
    }
  }

  private async probeWith(
    obs: Observation,
    creds: Array<{ id: string; cred: SnmpCredential }>,
    known: { id: string | undefined; pinned: boolean },
    scanSignal: AbortSignal,
    signal: AbortSignal,
  ): Promise<void> {
    const { config } = this.deps;
    const target = {
      address: obs.ip,
      port: config.snmpPort,
      timeoutMs: config.snmpTimeoutMs,
      retries: config.snmpRetries,
    };
    const first = known.id ? creds.filter((c) => c.id === known.id) : [];
    const rounds =
      known.pinned && first.length
        ? [first]
        : first.length
          ? [first, creds.filter((c) => c.id !== known.id)]
          : [creds];
    const errors: Array<{ code: string; message: string }> = [];
    for (const round of rounds) {
      if (!round.length) continue;
      const clients = round.map((c) => ({ ...c, client: openSnmp(target, c.cred, signal) }));
      try {
        const probes = await Promise.all(
          clients.map(async (c) => {
            try {
              const [vb] = await c.client.get([SYSTEM_OIDS[1]!]);
              if (vb && vb.type !== 'null') return true;
              errors.push({
                code: 'SNMP_NO_SYSTEM',
                message: 'The agent answered but has no sysObjectID.',
              });
            } catch (err) {
              errors.push(describeError(err));
            }
            return false;
          }),
        );
        scanSignal.throwIfAborted();
        const winner = probes.indexOf(true);
        if (winner < 0) continue;
        const { id, cred, client } = clients[winner]!;
        try {
          const inv = await collectInventory(client, {
            maxRows: config.maxTableRows,
            maxValues: config.maxDeviceValues,
            signal,
          });
          obs.snmp = { credentialId: id, version: cred.version, ...inv };
        } catch (err) {
          scanSignal.throwIfAborted();
          obs.snmpError = signal.aborted
            ? {
                code: 'SNMP_TOO_SLOW',
                message: `Reading the device took longer than ${Math.round(config.perDeviceBudgetMs / 1000)} s and was stopped.`,
              }
            : describeError(err);
        }
        return;
      } finally {
        for (const c of clients) c.client.close();
      }
    }
    const telling = errors.find((e) => e.code !== 'SNMP_TIMEOUT' && e.code !== 'SNMP_STOPPED');
    const tried = rounds.flat().length;
    obs.snmpError = telling ?? {
      code: 'SNMP_NO_ANSWER',
      message: `No SNMP answer with ${known.pinned ? 'the pinned credential' : `any of the ${tried} credential(s)`}.`,
    };
  }

  /** Matches observations to devices and writes the whole result in one batch. */
  private async merge(
    observations: Observation[],
    targets: Cidr[],
    excluded: Cidr[],
    scan: ScanRecord,
    servicesScanned: boolean,
  ): Promise<void> {
    const { store, clock } = this.deps;
    const nowMs = clock.now();
    const nowIso = new Date(nowMs).toISOString();
    const shared = sharedIdentities(observations);
    for (const k of shared) {
      const [kind, value] = [k.slice(0, k.indexOf(':')), k.slice(k.indexOf(':') + 1)];
      scan.notes.push(
        kind === 'mac'
          ? `MAC ${value} answers for several addresses (proxy ARP or a virtual host); it was not used to tell devices apart.`
          : `Several devices report the same ${kind === 'serial' ? 'serial number' : 'SNMP engine ID'} ${value} (a cloned image?); it was not used to tell devices apart.`,
      );
    }
    const knownCredentials = new Set((await store.credentials.list()).map((c) => c.id));

    const ownAddresses = localAddresses();
    const ops: BatchOp[] = [];
    const touched = { new: [] as string[], updated: [] as string[], missing: [] as string[] };
    const claimed = new Set<string>();
    const cache = new Map<string, DeviceRecord | undefined>();
    const load = async (id: string) => {
      if (!cache.has(id)) cache.set(id, await store.devices.get(id));
      return cache.get(id);
    };
    for (const obs of observations) {
      const keys = observationKeys(obs, shared);
      // A credential deleted while the scan ran is not written back to the device.
      if (obs.snmp && !knownCredentials.has(obs.snmp.credentialId)) obs.snmp.credentialId = '';
      const found = new Map<IdentityKey, DeviceRecord>();
      for (const k of keys) {
        const id = await store.devices.lookup(k);
        const d = id ? await load(id) : undefined;
        if (d) found.set(k, d);
      }
      const existing = matchDevice(keys, found, claimed);
      const self = ownAddresses.get(obs.ip);
      if (self && !obs.mac) obs.mac = self;
      // The box itself, unless it answers SNMP (then what it says about itself is better).
      const ident =
        self !== undefined && !obs.snmp
          ? SELF_IDENTIFICATION
          : identify({
              sysDescr: obs.snmp?.system.sysDescr,
              sysObjectID: obs.snmp?.system.sysObjectID,
              sysServices: obs.snmp?.system.sysServices,
              entity: obs.snmp?.entity,
              interfaces: obs.snmp?.interfaces,
              mac: obs.mac,
              macVendor: obs.macVendor,
              services:
                obs.services ??
                existing?.services.map((s) => ({
                  protocol: s.protocol,
                  port: s.port,
                  state: 'open',
                })),
              hasPrinterMib: obs.snmp?.hasPrinterMib ?? false,
              hasUpsMib: obs.snmp?.hasUpsMib ?? false,
            });
      if (self !== undefined && !obs.snmp)
        obs.snmpError = {
          code: 'SELF',
          message: 'This is the Caretaker box itself (it does not poll itself over SNMP).',
        };
      const r = mergeDevice(existing, obs, ident, {
        id: randomId(8),
        nowIso,
        scanId: scan.id,
        servicesScanned,
        ...(self !== undefined ? { defaultName: 'Caretaker (this box)' } : {}),
      });
      claimed.add(r.device.id);
      ops.push(...store.devices.putOps(r.device, existing));
      if (obs.snmp) {
        ops.push(
          ...store.devices.interfaceOps(
            r.device.id,
            obs.snmp.interfaces,
            existing ? await store.devices.interfacesOf(existing.id) : [],
          ),
        );
        ops.push(
          store.devices.detailsOp(r.device.id, {
            neighbours: obs.snmp.neighbours,
            arp: obs.snmp.arp,
            fdb: obs.snmp.fdb,
            ipAddrs: obs.snmp.ipAddrs,
            collectNotes: obs.snmp.notes,
          }),
        );
        for (const n of obs.snmp.notes) scan.notes.push(`${obs.ip}: ${n}`);
      }
      if (r.history) ops.push(store.devices.historyOp(r.history, nowMs));
      for (const e of r.events) ops.push(...store.events.appendOps(e, nowMs));
      if (r.outcome === 'new') {
        scan.progress.devicesNew += 1;
        touched.new.push(r.device.id);
      }
      if (r.outcome === 'updated') {
        scan.progress.devicesUpdated += 1;
        touched.updated.push(r.device.id);
      }
    }
    for (const d of await store.devices.list()) {
      if (
        claimed.has(d.id) ||
        !targets.some((t) => ipInCidr(d.ip, t)) ||
        excluded.some((x) => ipInCidr(d.ip, x))
      )
        continue;
      const m = markMissing(d, scan.id);
      ops.push(store.devices.recordOp(m.device));
      if (m.history) ops.push(store.devices.historyOp(m.history, nowMs));
      if (m.event) {
        ops.push(...store.events.appendOps(m.event, nowMs));
        scan.progress.devicesMissing += 1;
        touched.missing.push(d.id);
      }
    }
    scan.notes = scan.notes.slice(0, 200);
    scan.devices = {
      new: touched.new.slice(0, 500),
      updated: touched.updated.slice(0, 500),
      missing: touched.missing.slice(0, 500),
    };
    // The scan says "done" only once the inventory is written (a poller must not see done first).
    const finished: ScanRecord = {
      ...scan,
      status: 'done',
      phase: 'done',
      progress: { ...scan.progress, percent: 100 },
      finishedAt: new Date(clock.now()).toISOString(),
    };
    ops.push(store.scans.putOp(finished));
    await store.write(ops);
    Object.assign(scan, finished);
  }
}
