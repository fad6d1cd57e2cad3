import type { Store } from '../store/store.js';
import type { Clock } from '../core/time.js';
import type { Logger } from '../lib/logger.js';
import type { Config } from '../config/schema.js';
import type { DeviceRecord } from '../store/types.js';

import type { MonitorStateRecord } from '../store/monitor-state.js';
import type { MetricsEntry } from '../store/metrics.js';
import type { BatchOp } from '../store/db.js';
import type { CredentialService } from '../snmp/credential-service.js';
import type { SnmpCredential } from '../snmp/types.js';
import { openSnmp } from '../snmp/session.js';
import { AppError, describeError } from '../core/errors.js';
import { deadline } from '../lib/deadline.js';
import { Mutex } from '../lib/mutex.js';
import { probeMany, probeTarget } from './ping.js';
import { applyProbe, parseReachState, reachSamples, type ReachState } from './reachability.js';
import {
  buildPollPlan,
  hashPlanInterface,
  samePlanInterface,
  type PlanSharing,
} from './poll-plan.js';
import { ListPool, ValuePool } from '../lib/list-pool.js';
import { StringPool } from '../lib/string-pool.js';
import { pollSnmp } from './snmp-poller.js';
import { decodePoll } from './poll-decode.js';
import { derive, previousOf, type PreviousPoll } from './rates.js';
import { labelsOf, labelFamily } from './series-labels.js';
import { flattenLabels, type DeviceObservation } from './observation.js';
import { daysToFull } from './forecast.js';
import type { DeviceCaps, PlanInterface, PollPlan } from './poll-types.js';
import type { MetricsService } from './metrics-service.js';
import type { AlertService } from './alert-service.js';
import type { CheckService } from './check-service.js';
import type { Sample } from './types.js';

/** What an SNMP poll needs of a device's record. */
type PollTarget = Pick<DeviceRecord, 'id' | 'name' | 'type' | 'ip' | 'lastScanId'> & {
  credentialId: string;
};

/** Varbinds per GET request: a full response stays well inside one UDP datagram. */
const VARBINDS_PER_GET = 40;
/** What a device answers (its caps) is asked again after this long. */
const CAPS_MAX_AGE_MS = 86_400_000;
/** Storage fill forecasts are recomputed this often (they read a week of history). */
const FORECAST_EVERY_MS = 3_600_000;
/**
 * A poll cycle commits its results this many devices at a time, while the rest is still being
 * polled: what a cycle holds in memory stays the same however many devices there are, and the
 * writes and rule evaluations overlap the polls instead of following them.
 */
const COMMIT_EVERY = 64;

/** What one cycle learnt about one device, written when the cycle commits. */
interface DeviceOutcome {
  deviceId: string;
  /** This cycle's part of the device's monitor-state record, merged into the current one. */
  state?: (current: MonitorStateRecord) => MonitorStateRecord;
  entry?: MetricsEntry;
  observation?: DeviceObservation;
}

export interface DeviceLiveStatus {
  reach: ReachState['status'];
  since?: string;
  rttMs?: number;
  method?: 'icmp' | 'tcp';
  lastProbeAt?: string;
  snmp?: MonitorStateRecord['snmp'];
}

/**
 * The monitoring loop: the jobs call one cycle at a time (reachability, SNMP poll, service
 * checks). Each cycle measures every device within its own budget, writes the samples in one
 * batch (a poll cycle in slices of COMMIT_EVERY devices, while it polls the rest), and hands
 * each device's observation to the rule engine.
 */
export class MonitorService {
  /** What the next poll of each device is compared with (for rates): see PreviousPoll. */
  private readonly polls = new Map<string, PreviousPoll>();
  private readonly caps = new Map<string, DeviceCaps>();
  /**
   * Each device's interfaces as the inventory has them (only a scan's merge changes them, and
   * it sets lastScanId) and the plan built from them and the current caps (decodePoll keeps the
   * caps object when nothing changed): neither is read or rebuilt every cycle.
   */
  private readonly plans = new Map<
    string,
    { scanId: string; interfaces: PlanInterface[]; caps?: DeviceCaps; plan?: PollPlan }
  >();
  private readonly forecasts = new Map<
    string,
    { at: number; items: Array<{ instance: string; daysToFull: number }> }
  >();
  private states: Promise<Map<string, MonitorStateRecord>> | undefined;
  /**
   * Held while a cycle writes its results and while a deleted device is forgotten, so that a
   * cycle still measuring a device that is deleted meanwhile cannot write it back afterwards.
   */
  private readonly commitLock = new Mutex();
  /** OIDs and interface names many devices share, kept once (see buildPollPlan). */
  private readonly strings = new StringPool();
  private readonly intern = (s: string) => this.strings.intern(s);
  private readonly lists = new ListPool();
  private readonly ports = new ValuePool<PlanInterface>(hashPlanInterface, samePlanInterface);
  /** Plans share OID strings through the string pool and whole lists through the list pool. */
  private readonly sharing: PlanSharing = {
    string: this.intern,
    list: (l) => this.lists.share(l),
  };

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      logger: Logger;
      config: Config;
      credentials: CredentialService;
      metrics: MetricsService;
      alerts: AlertService;
      checks: CheckService;
    },
  ) {}

  /** The monitor-state records, loaded once (every caller shares the same map). */
  private stateMap(): Promise<Map<string, MonitorStateRecord>> {
    this.states ??= this.deps.store.monitorState.all().then(
      (all) => new Map(all.map((r) => [r.deviceId, r])),
      (err: unknown) => {
        this.states = undefined;
        throw err;
      },
    );
    return this.states;
  }

  /** Live status of one device for the UI and the API. */
  async status(deviceId: string): Promise<DeviceLiveStatus> {
    const r = (await this.stateMap()).get(deviceId);
    const reach = parseReachState(r?.reach);
    return {
      reach: reach.status,
      ...(reach.since ? { since: new Date(reach.since).toISOString() } : {}),
      ...(r?.lastProbe?.rttMs !== undefined ? { rttMs: r.lastProbe.rttMs } : {}),
      ...(r?.lastProbe ? { method: r.lastProbe.method, lastProbeAt: r.lastProbe.at } : {}),
      ...(r?.snmp ? { snmp: r.snmp } : {}),
    };
  }

  /** The latest storage fill forecasts of a device (days until full, per storage index). */
  forecastsOf(deviceId: string): Array<{ instance: string; daysToFull: number }> {
    return this.forecasts.get(deviceId)?.items ?? [];
  }

  /** Reachability of every device, for lists and the dashboard. */
  async statuses(): Promise<Map<string, ReachState['status']>> {
    const out = new Map<string, ReachState['status']>();
    for (const [id, r] of await this.stateMap()) out.set(id, parseReachState(r.reach).status);
    return out;
  }

  /**
   * A device was deleted (it is already gone from the inventory): forget what the monitor kept
   * about it. A cycle committing later sees the device missing and drops its results.
   */
  async forgetDevice(deviceId: string): Promise<void> {
    const states = await this.stateMap();
    await this.commitLock.run(async () => {
      this.dropMemory(states, deviceId);
      await this.deps.store.write([this.deps.store.monitorState.delOp(deviceId)]);
      await this.deps.store.metrics.forgetDevice(deviceId);
    });
    this.commits += 1;
  }

  private dropMemory(states: Map<string, MonitorStateRecord>, deviceId: string): void {
    this.polls.delete(deviceId);
    this.caps.delete(deviceId);
    this.plans.delete(deviceId);
    this.forecasts.delete(deviceId);
    states.delete(deviceId);
  }

  /**
   * Writes a cycle's results: each device's part of its monitor-state record (merged into the
   * record as it is now, so a reachability cycle and a poll cycle running side by side never
   * overwrite each other's part), then the samples; then evaluates the observations. Devices
   * deleted while the cycle ran are left out, under the same lock as forgetDevice.
   */
  /**
   * Moves on whenever a cycle committed or a device was forgotten: what the monitor shows
   * (states, latest values) can only have changed then. Readers that build something large from
   * it (the Prometheus page) keep their result while it stands still.
   */
  get generation(): number {
    return this.commits;
  }
  private commits = 0;

  /** Counted once the commit is over: a reader that saw the old count looks again afterwards. */
  private async commitCycle(outcomes: readonly DeviceOutcome[]): Promise<void> {
    try {
      await this.commitOutcomes(outcomes);
    } finally {
      this.commits += 1;
    }
  }

  private async commitOutcomes(outcomes: readonly DeviceOutcome[]): Promise<void> {
    const { store } = this.deps;
    const states = await this.stateMap();
    const observations = await this.commitLock.run(async () => {
      const ids = [...new Set(outcomes.map((o) => o.deviceId))];
      const found = await store.devices.byId.getMany(ids);
      const exists = new Set(ids.filter((_, n) => found[n] !== undefined));
      const ops: BatchOp[] = [];
      const records = new Map<string, MonitorStateRecord>();
      const entries: MetricsEntry[] = [];
      const kept: DeviceObservation[] = [];
      for (const o of outcomes) {
        if (!exists.has(o.deviceId)) {
          this.dropMemory(states, o.deviceId);
          continue;
        }
        if (o.state) {
          const current = records.get(o.deviceId) ??
            states.get(o.deviceId) ?? { deviceId: o.deviceId, reach: undefined };
          records.set(o.deviceId, o.state(current));
        }
        if (o.entry) entries.push(o.entry);
        if (o.observation) kept.push(o.observation);
      }
      for (const rec of records.values()) ops.push(store.monitorState.putOp(rec));
      if (ops.length) await store.write(ops);
      for (const [id, rec] of records) states.set(id, rec);
      if (entries.length) await this.deps.metrics.write(entries);
      return kept;
    });
    await this.deps.alerts.evaluateAll(observations);
  }

  // ---- reachability -------------------------------------------------------------------------

  async reachCycle(signal: AbortSignal): Promise<string> {
    const { store, clock, config } = this.deps;
    const devices = await store.devices.list();
    if (devices.length === 0) return 'no devices yet';
    const report = await probeMany(devices.map(probeTarget), {
      nmapPath: config.discovery.nmapPath,
      timeoutMs: config.monitor.reachTimeoutMs,
      fallbackPorts: config.monitor.tcpFallbackPorts,
      concurrency: config.monitor.pollConcurrency,
      signal,
    });
    const at = clock.now();
    const states = await this.stateMap();
    const outcomes: DeviceOutcome[] = [];
    let up = 0;
    for (const d of devices) {
      const r = report.results.get(d.ip);
      if (!r) continue;
      if (r.up) up += 1;
      // Only reach cycles change the reach part, and they never overlap: it is current here.
      const { state } = applyProbe(
        parseReachState(states.get(d.id)?.reach),
        { up: r.up, at, rttMs: r.rttMs },
        config.monitor,
      );
      const lastProbe: MonitorStateRecord['lastProbe'] = {
        at: new Date(at).toISOString(),
        up: r.up,
        method: r.method,
        ...(r.rttMs !== undefined ? { rttMs: r.rttMs } : {}),
      };
      const samples = reachSamples(r);
      outcomes.push({
        deviceId: d.id,
        state: (current) => ({ ...current, reach: state, lastProbe }),
        entry: { deviceId: d.id, source: 'reach', at, samples },
        observation: {
          ...this.base(d, at),
          reach: state.status,
          samples,
          covers: { snmp: false, services: false },
        },
      });
    }
    await this.commitCycle(outcomes);
    const note = report.icmpError ? ` (ICMP unavailable: ${report.icmpError.message})` : '';
    return `${up} of ${devices.length} devices answered${note}`;
  }

  // ---- SNMP polling -------------------------------------------------------------------------

  async pollCycle(signal: AbortSignal): Promise<string> {
    const { store, config } = this.deps;
    // A cycle holds its device list until its last poll: only what polling needs of each record
    // (a thousand whole records, with their descriptions and services, are about 1.5 MiB).
    const devices: PollTarget[] = [];
    for (const d of await store.devices.list())
      if (d.snmp.ok && d.snmp.credentialId)
        devices.push({
          id: d.id,
          name: d.name,
          type: d.type,
          ip: d.ip,
          lastScanId: d.lastScanId,
          credentialId: d.snmp.credentialId,
        });
    if (devices.length === 0) return 'no devices answer SNMP yet';
    const creds = new Map((await this.deps.credentials.unsealedAll()).map((c) => [c.id, c.cred]));
    let outcomes: DeviceOutcome[] = [];
    // Commits run one after another, beside the polls; the first failure stops the rest and
    // fails the cycle (after the polls in flight have ended).
    let committed: Promise<void> = Promise.resolve();
    let commitError: { err: unknown } | undefined;
    const commit = () => {
      const slice = outcomes;
      outcomes = [];
      committed = committed.then(async () => {
        if (commitError || signal.aborted) return;
        try {
          await this.commitCycle(slice);
        } catch (err) {
          commitError = { err };
        }
      });
    };
    let ok = 0;
    let next = 0;
    const worker = async () => {
      while (next < devices.length && !signal.aborted && !commitError) {
        const d = devices[next++]!;
        const cred = creds.get(d.credentialId);
        const result = cred ? await this.pollOne(d, cred, signal) : this.noCredential(d);
        // Only the SNMP part: the reach part may have moved on while this cycle ran.
        const snmp = result.state;
        outcomes.push({
          deviceId: d.id,
          state: (current) => ({ ...current, snmp }),
          ...(result.entry ? { entry: result.entry } : {}),
          observation: result.observation,
        });
        if (result.state.ok) ok += 1;
        if (outcomes.length >= COMMIT_EVERY) commit();
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(config.monitor.pollConcurrency, devices.length) }, worker),
    );
    commit();
    await committed;
    if (commitError) throw commitError.err;
    signal.throwIfAborted();
    return `${ok} of ${devices.length} devices polled`;
  }

  /** The device's poll plan, from the cached interfaces and caps (see `plans`). */
  private async planFor(d: Pick<DeviceRecord, 'id' | 'lastScanId'>): Promise<PollPlan> {
    let cached = this.plans.get(d.id);
    if (cached?.scanId !== d.lastScanId) {
      // Only what a poll needs: the inventory's records have MACs, types and more.
      // Ports alike (the same number, name, alias, state and speed on switches of one model)
      // are one object between all the plans that have them.
      // In ifIndex order, as plans keep them (see buildPollPlan).
      const interfaces = (await this.deps.store.devices.interfacesOf(d.id))
        .sort((a, b) => a.index - b.index)
        .map((i) =>
          this.ports.share({
            index: i.index,
            name: this.intern(i.name),
            alias: this.intern(i.alias),
            adminUp: i.adminUp,
            ...(i.speedBps !== undefined ? { speedBps: i.speedBps } : {}),
          }),
        );
      // A rescan may have found new hardware or firmware: ask for everything once more.
      if (cached) this.caps.delete(d.id);
      cached = { scanId: d.lastScanId, interfaces };
      this.plans.set(d.id, cached);
    }
    // What a device answers is learned once and re-learned daily (a firmware update may add a
    // MIB), after a rescan and after a reboot.
    const known = this.caps.get(d.id);
    if (known && this.deps.clock.now() - known.probedAtMs > CAPS_MAX_AGE_MS) this.caps.delete(d.id);
    const caps = this.caps.get(d.id);
    if (!cached.plan || cached.caps !== caps) {
      cached.plan = buildPollPlan(cached.interfaces, caps, this.sharing);
      cached.caps = caps;
    }
    return cached.plan;
  }

  private noCredential(d: PollTarget) {
    const error = {
      code: 'SNMP_NO_CREDENTIAL',
      message: 'The device’s SNMP credential was deleted.',
    };
    return {
      state: { at: new Date(this.deps.clock.now()).toISOString(), ok: false, pollMs: 0, error },
      observation: {
        ...this.base(d, this.deps.clock.now()),
        samples: [],
        covers: { snmp: false, services: false },
      },
      entry: undefined,
    };
  }

  private async pollOne(d: PollTarget, cred: SnmpCredential, parent: AbortSignal) {
    const { config, clock, logger } = this.deps;
    const at = clock.now();
    // Declared out here for `finally`, created in `try`: a synchronous throw (a bad address or
    // credential refused by the SNMP library) fails this device, not the cycle.
    let budget: ReturnType<typeof deadline> | undefined;
    let client: ReturnType<typeof openSnmp> | undefined;
    try {
      budget = deadline(
        parent,
        config.monitor.perDevicePollBudgetMs,
        () =>
          new AppError(
            'POLL_BUDGET',
            `Polling took longer than ${config.monitor.perDevicePollBudgetMs / 1000} s and was cut off.`,
            { kind: 'transient' },
          ),
      );
      client = openSnmp(
        {
          address: d.ip,
          port: config.discovery.snmpPort,
          timeoutMs: config.monitor.pollTimeoutMs,
          retries: config.monitor.pollRetries,
        },
        cred,
        budget.signal,
      );
      const plan = await this.planFor(d);
      const raw = await pollSnmp(client, plan, {
        maxVarbinds: VARBINDS_PER_GET,
        signal: budget.signal,
      });
      const poll = decodePoll(raw, at);
      const prev = this.polls.get(d.id);
      const derived = derive(prev, poll);
      this.polls.set(d.id, previousOf(poll, prev));
      if (derived.rebooted) this.caps.delete(d.id);
      else this.caps.set(d.id, poll.caps);
      const groups = labelsOf(poll);
      // Looked up when the store writes a sample, rather than a record keyed by
      // `${metric}|${instance}`: that was a string per sample, kept until the batch committed.
      const labelOf = (metric: string, instance: string) => {
        const fam = labelFamily(metric as Sample['metric']);
        // own keys only: an instance comes from the agent, and "constructor" is not a label
        if (!fam || !Object.hasOwn(groups[fam], instance)) return undefined;
        return groups[fam][instance] || undefined;
      };
      const notes = [...poll.notes, ...derived.notes].slice(0, 20);
      return {
        state: {
          at: new Date(at).toISOString(),
          ok: true,
          pollMs: Math.round(poll.pollMs),
          varbinds: raw.values.length,
          ...(notes.length ? { notes } : {}),
        },
        entry: { deviceId: d.id, source: 'snmp' as const, at, samples: derived.samples, labelOf },
        observation: {
          ...this.base(d, at),
          samples: derived.samples,
          rebooted: derived.rebooted,
          interfaces: poll.interfaces.map((i) => ({
            ifIndex: String(i.ifIndex),
            name: i.name,
            alias: i.alias,
            adminUp: i.admin !== 'down',
            oper: i.oper ?? 'unknown',
            uplink: false,
          })),
          labels: flattenLabels({ ...groups }),
          forecasts: await this.forecastsFor(d.id, derived.samples, at),
          covers: { snmp: true, services: false },
        } satisfies DeviceObservation,
      };
    } catch (err) {
      if (parent.aborted) throw err;
      const e = describeError(err);
      logger.debug({ component: 'monitor', device: d.id, err: e }, 'SNMP poll failed');
      const sample: Sample = { metric: 'poll.ms', instance: '', value: clock.now() - at };
      return {
        state: { at: new Date(at).toISOString(), ok: false, pollMs: clock.now() - at, error: e },
        entry: { deviceId: d.id, source: 'snmp' as const, at, samples: [sample] },
        observation: { ...this.base(d, at), samples: [], covers: { snmp: false, services: false } },
      };
    } finally {
      budget?.clear();
      client?.close();
    }
  }

  /** Days until each volume is full, from the last week's hourly trend (refreshed hourly). */
  private async forecastsFor(deviceId: string, samples: Sample[], at: number) {
    const cached = this.forecasts.get(deviceId);
    if (cached && at - cached.at < FORECAST_EVERY_MS) return cached.items;
    const items: Array<{ instance: string; daysToFull: number }> = [];
    for (const s of samples) {
      if (s.metric !== 'storage.used_pct') continue;
      try {
        const a = await this.deps.metrics.query(
          `${deviceId}~storage.used_pct~${s.instance}`,
          at - 7 * 86_400_000,
          at,
          { tier: '1h' },
        );
        const days = daysToFull(a.points.map((p) => ({ t: p.t, v: p.avg })));
        if (days !== undefined) items.push({ instance: s.instance, daysToFull: days });
      } catch {
        // A series seen for the first time has no history yet.
      }
    }
    this.forecasts.set(deviceId, { at, items });
    return items;
  }

  // ---- service checks -------------------------------------------------------------------------

  async serviceCycle(signal: AbortSignal): Promise<string> {
    const { store, clock } = this.deps;
    const summary = await this.deps.checks.runAll(signal);
    const at = clock.now();
    const ran = new Set(summary.samples.map((s) => s.deviceId));
    // A device whose checks were all removed or disabled reports none: without an observation
    // saying so its check alerts would stay raised forever. The engine closes them as gone.
    const orphaned = (await this.deps.alerts.devicesWithServiceAlerts()).filter(
      (id) => !ran.has(id),
    );
    if (summary.ran === 0 && orphaned.length === 0) return 'no service checks configured';
    const devices = new Map(
      (await store.devices.byId.getMany([...ran, ...orphaned]))
        .filter((d): d is DeviceRecord => d !== undefined)
        .map((d) => [d.id, d]),
    );
    const names = new Map((await this.deps.checks.list()).map((c) => [c.id, c.name]));
    const outcomes: DeviceOutcome[] = [];
    for (const s of summary.samples) {
      const d = devices.get(s.deviceId);
      if (!d) continue;
      const labels: Record<string, string> = {};
      for (const x of s.samples) {
        const n = names.get(x.instance);
        if (n) labels[`${x.metric}|${x.instance}`] = n;
      }
      outcomes.push({
        deviceId: d.id,
        entry: { deviceId: d.id, source: 'svc', at, samples: s.samples, labels },
        observation: {
          ...this.base(d, at),
          samples: s.samples,
          labels: Object.fromEntries(
            s.samples.map((x) => [`svc:${x.instance}`, names.get(x.instance) ?? x.instance]),
          ),
          covers: { snmp: false, services: true },
        },
      });
    }
    for (const id of orphaned) {
      const d = devices.get(id);
      if (d)
        outcomes.push({
          deviceId: id,
          observation: { ...this.base(d, at), covers: { snmp: false, services: true } },
        });
    }
    await this.commitCycle(outcomes);
    if (summary.ran === 0) return 'no service checks configured';
    return `${summary.ran - summary.failed} of ${summary.ran} checks passed`;
  }

  private base(d: Pick<DeviceRecord, 'id' | 'name' | 'type'>, at: number): DeviceObservation {
    return {
      deviceId: d.id,
      deviceName: d.name,
      deviceType: d.type,
      at,
      samples: [],
      interfaces: [],
      labels: {},
      forecasts: [],
    };
  }
}
