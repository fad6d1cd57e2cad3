import type { Store } from '../store/store.js';
import type { BatchOp } from '../store/db.js';
import type { Clock } from '../core/time.js';
import type { Logger } from '../lib/logger.js';
import { describeError } from '../core/errors.js';
import type { DeviceObservation } from './observation.js';
import type { RuleService } from './rule-service.js';
import type { InterfaceMarkService } from './interface-mark-service.js';
import { severityRank } from './rules.js';
import {
  alertKey,
  clearAllOf,
  evaluate,
  isServiceRule,
  type Alert,
  type DeviceAlertState,
} from './rule-engine.js';
import { compareText } from '../lib/collate.js';

/** A raised alert as the dashboard and the API list it. */
export interface ActiveAlert extends Alert {
  /** ruleId/deviceId/instance: the same alert across raise, escalation and clear. */
  key: string;
  deviceName: string;
  deviceType: string;
  /** ISO time it was raised. */
  since: string;
  /** ISO time of the latest observation that kept it raised. */
  updatedAt: string;
}

/** Worst first; among equals the oldest first (it has waited longest), then by device. */
export function byWorst(a: ActiveAlert, b: ActiveAlert): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    a.raisedAt - b.raisedAt ||
    compareText(a.deviceName, b.deviceName) ||
    compareText(a.key, b.key)
  );
}

function activeOf(s: DeviceAlertState): ActiveAlert[] {
  return s.entries
    .filter((e) => e.firing)
    .map((e) => ({
      key: alertKey({ ruleId: e.ruleId, deviceId: s.deviceId, instance: e.instance }),
      ruleId: e.ruleId,
      title: e.title,
      deviceId: s.deviceId,
      deviceName: s.deviceName,
      deviceType: s.deviceType,
      instance: e.instance,
      severity: e.severity ?? 'info',
      ...(e.value !== undefined ? { value: e.value } : {}),
      ...(e.threshold !== undefined ? { threshold: e.threshold } : {}),
      message: e.message ?? e.title,
      raisedAt: e.raisedAt ?? e.updatedAt,
      since: new Date(e.raisedAt ?? e.updatedAt).toISOString(),
      updatedAt: new Date(e.updatedAt).toISOString(),
    }));
}

/** Serialises work per key; keys with nothing queued take no memory. */
class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const result = prev.then(fn, fn);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

/**
 * Turns the monitor's observations into alert events. Each evaluation of a device reads its
 * state, runs the pure rule engine and writes the events and the new state in one batch, so an
 * alert is raised or cleared exactly once even across a crash. Evaluations of one device never
 * overlap; different devices run side by side.
 */
export class AlertService {
  private readonly locks = new KeyedLock();
  /**
   * Each device's alert state as last read or written (null: none stored), so that a poll cycle
   * reads no state back from the store. This service is the only writer of alert states; an
   * entry is dropped whenever a write's outcome is unknown, and read again next time.
   */
  private readonly states = new Map<string, DeviceAlertState | null>();

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      logger: Logger;
      rules: RuleService;
      marks: InterfaceMarkService;
      /** A pending condition unobserved for longer than this starts again (see the engine). */
      maxGapMs?: number;
    },
  ) {}

  private eventOps(raise: Alert[], clear: Alert[], now: number): BatchOp[] {
    const { store } = this.deps;
    const details = (a: Alert) => ({
      key: alertKey(a),
      rule: a.ruleId,
      title: a.title,
      instance: a.instance,
      ...(a.value !== undefined ? { value: a.value } : {}),
      ...(a.threshold !== undefined ? { threshold: a.threshold } : {}),
      raisedAt: new Date(a.raisedAt).toISOString(),
    });
    return [
      ...clear.flatMap((a) =>
        store.events.appendOps(
          {
            kind: 'alert.cleared',
            // The clear itself is good news; what it closes keeps its weight in the details.
            severity: 'info',
            deviceId: a.deviceId,
            message: a.message,
            details: { ...details(a), reason: a.reason ?? 'recovered', alertSeverity: a.severity },
          },
          now,
        ),
      ),
      ...raise.flatMap((a) =>
        store.events.appendOps(
          {
            kind: 'alert.raised',
            severity: a.severity,
            deviceId: a.deviceId,
            message: a.message,
            details: { ...details(a), ...(a.escalated ? { escalated: true } : {}) },
          },
          now,
        ),
      ),
    ];
  }

  /** Evaluates one observation; returns what was raised and cleared (already written). */
  evaluate(obs: DeviceObservation): Promise<{ raised: Alert[]; cleared: Alert[] }> {
    return this.locks.run(obs.deviceId, async () => {
      const { store, clock, logger, rules, marks } = this.deps;
      const now = clock.now();
      // A device deleted while its poll was under way: its alerts were closed with it.
      if (!(await store.devices.has(obs.deviceId))) {
        const ops = await this.forgetOps(obs.deviceId, now);
        this.states.delete(obs.deviceId);
        if (ops.length) await store.write(ops);
        return { raised: [], cleared: [] };
      }
      const [snapshot, state, important] = await Promise.all([
        rules.snapshot(),
        this.stateOf(obs.deviceId),
        obs.interfaces.length
          ? marks.importantSet(obs.deviceId, obs.interfaces)
          : Promise.resolve(new Set<string>()),
      ]);
      const r = evaluate(snapshot.rules, snapshot.index, obs, state, now, {
        important,
        ...(this.deps.maxGapMs !== undefined ? { maxGapMs: this.deps.maxGapMs } : {}),
      });
      if (r.state === state) return { raised: [], cleared: [] };
      // The common case: nothing raised, nothing pending, before or after.
      if (!state && !r.state.entries.length) return { raised: [], cleared: [] };
      this.states.delete(obs.deviceId);
      await store.write([...this.eventOps(r.raise, r.clear, now), store.alerts.putOp(r.state)]);
      this.states.set(obs.deviceId, r.state.entries.length ? r.state : null);
      for (const a of r.raise)
        logger.info(
          { component: 'alerts', deviceId: a.deviceId, rule: a.ruleId, instance: a.instance },
          `alert raised: ${a.message}`,
        );
      for (const a of r.clear)
        logger.info(
          { component: 'alerts', deviceId: a.deviceId, rule: a.ruleId, instance: a.instance },
          `alert cleared: ${a.message}`,
        );
      return { raised: r.raise, cleared: r.clear };
    });
  }

  /** A device's state: from memory, else from the store (and then remembered). */
  private async stateOf(deviceId: string): Promise<DeviceAlertState | undefined> {
    const known = this.states.get(deviceId);
    if (known !== undefined) return known ?? undefined;
    const state = await this.deps.store.alerts.get(deviceId);
    this.states.set(deviceId, state ?? null);
    return state;
  }

  /** evaluate() for a batch of observations that never throws: one bad device is logged, not fatal. */
  async evaluateAll(observations: readonly DeviceObservation[]): Promise<void> {
    await Promise.all(
      observations.map((o) =>
        this.evaluate(o).catch((err: unknown) =>
          this.deps.logger.warn(
            { component: 'alerts', deviceId: o.deviceId, err: describeError(err) },
            'alert evaluation failed',
          ),
        ),
      ),
    );
  }

  async active(): Promise<ActiveAlert[]> {
    return (await this.deps.store.alerts.list()).flatMap(activeOf).sort(byWorst);
  }

  /**
   * Devices with a raised or pending alert of a service-check rule. The monitor asks after each
   * services cycle, so that a device whose last check was removed or disabled (and so reports no
   * check at all) still gets the observation that closes those alerts.
   */
  async devicesWithServiceAlerts(): Promise<string[]> {
    const [snapshot, states] = await Promise.all([
      this.deps.rules.snapshot(),
      this.deps.store.alerts.list(),
    ]);
    const ids = new Set(snapshot.rules.filter(isServiceRule).map((r) => r.id));
    return states.filter((s) => s.entries.some((e) => ids.has(e.ruleId))).map((s) => s.deviceId);
  }

  async activeFor(deviceId: string): Promise<ActiveAlert[]> {
    const s = await this.deps.store.alerts.get(deviceId);
    return s ? activeOf(s).sort(byWorst) : [];
  }

  private async forgetOps(deviceId: string, now: number): Promise<BatchOp[]> {
    const { store } = this.deps;
    const state = await store.alerts.get(deviceId);
    return [
      ...(state
        ? [...this.eventOps([], clearAllOf(state, now), now), store.alerts.delOp(deviceId)]
        : []),
      ...(await store.interfaceMarks.deleteOps(deviceId)),
      ...(await store.rules.deviceOverrideDelOps(deviceId)),
    ];
  }

  /**
   * Forgets a device that is being deleted: a clear event for each of its raised alerts, and its
   * alert state, interface marks and device overrides deleted. `commit` writes these ops together
   * with the device's own deletes in one batch; it runs while this device's evaluations are held
   * off, so none can write its state back in between.
   */
  async forgetDevice(
    deviceId: string,
    commit: (ops: BatchOp[]) => Promise<void> = (ops) => this.deps.store.write(ops),
  ): Promise<void> {
    await this.locks.run(deviceId, async () => {
      const ops = await this.forgetOps(deviceId, this.deps.clock.now());
      this.states.delete(deviceId);
      await commit(ops);
    });
    this.deps.rules.invalidate();
  }
}
