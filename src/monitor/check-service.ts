import type { Store } from '../store/store.js';
import type { BatchOp } from '../store/db.js';
import type { Clock } from '../core/time.js';
import type { RequestContext } from '../auth/context.js';
import type { Logger } from '../lib/logger.js';
import type { Sample } from './types.js';
import { roleAtLeast } from '../core/roles.js';
import { randomId } from '../core/ids.js';
import { AppError, conflict, forbidden, notFound } from '../core/errors.js';
import { Mutex } from '../lib/mutex.js';
import {
  MAX_CHECKS,
  MAX_CHECKS_PER_DEVICE,
  describeCheck,
  type CheckDef,
  type CheckResult,
  type CheckResultRecord,
  type CheckUpdate,
  type ServiceCheck,
} from './checks/check-schema.js';
import { checkSamples, runCheck } from './checks/run-check.js';
import { compareNatural, compareText } from '../lib/collate.js';

/** A check with its latest result, as the API and the UI show it. */
export type CheckView = ServiceCheck & { lastResult?: CheckResultRecord };

export interface CheckRunSummary {
  ran: number;
  failed: number;
  /** Samples per device, for the metrics store (instance = check id). */
  samples: Array<{ deviceId: string; samples: Sample[] }>;
  results: Array<{ check: ServiceCheck; result: CheckResult }>;
}

/** Definition fields whose change makes the previous result meaningless. */
const identity = (c: CheckDef | ServiceCheck) => {
  const { name: _n, enabled: _e, ...rest } = c as CheckDef & Partial<ServiceCheck>;
  delete rest.id;
  delete rest.createdAt;
  delete rest.updatedAt;
  return JSON.stringify(Object.entries(rest).sort(([a], [b]) => compareText(a, b)));
};

/**
 * Service checks of devices: anyone signed in reads them, operators add, change and remove them
 * (every change audited in the same batch), and the monitoring job runs them and keeps each
 * one's latest result.
 */
export class CheckService {
  private readonly lock = new Mutex();
  private readonly inventory: Mutex;
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      logger?: Logger;
      /** The inventory lock, so that no check is added to a device being deleted. */
      inventoryLock?: Mutex;
      /** Checks run at the same time by runAll. */
      concurrency?: number;
    },
  ) {
    this.inventory = deps.inventoryLock ?? new Mutex();
  }

  /**
   * Writes run under this service's lock and then the inventory lock (always in that order; a
   * device delete takes only the inventory lock), so that a device being deleted gets no new
   * check, changed check or result after its checks were collected for deletion.
   */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.lock.run(() => this.inventory.run(fn));
  }

  private assertOperator(ctx: RequestContext): void {
    const a = ctx.actor;
    if ((a.type === 'user' || a.type === 'token') && !roleAtLeast(a.role, 'operator'))
      throw forbidden('Adding, changing and removing service checks needs the operator role.');
  }

  private async withResults(checks: ServiceCheck[]): Promise<CheckView[]> {
    const results = await this.deps.store.serviceChecks.resultsOf(checks.map((c) => c.id));
    return checks
      .map((c) => {
        const r = results.get(c.id);
        return r ? { ...c, lastResult: r } : c;
      })
      .sort((a, b) => compareNatural(a.name, b.name) || compareText(a.id, b.id));
  }

  async list(): Promise<CheckView[]> {
    return this.withResults(await this.deps.store.serviceChecks.list());
  }

  /** A device's checks; 404 when the device does not exist. */
  async listByDevice(deviceId: string): Promise<CheckView[]> {
    if (!(await this.deps.store.devices.get(deviceId))) throw notFound('The device');
    return this.withResults(await this.deps.store.serviceChecks.listByDevice(deviceId));
  }

  async get(id: string): Promise<CheckView> {
    const c = await this.deps.store.serviceChecks.get(id);
    if (!c) throw notFound('The service check');
    return (await this.withResults([c]))[0]!;
  }

  create(input: CheckDef, ctx: RequestContext): Promise<ServiceCheck> {
    this.assertOperator(ctx);
    return this.exclusive(async () => {
      const { store, clock } = this.deps;
      const device = await store.devices.get(input.deviceId);
      if (!device) throw notFound('The device');
      const siblings = await store.serviceChecks.listByDevice(device.id);
      if (siblings.length >= MAX_CHECKS_PER_DEVICE)
        throw conflict(
          'TOO_MANY_CHECKS',
          `A device can have at most ${MAX_CHECKS_PER_DEVICE} service checks; remove one first.`,
        );
      if ((await store.serviceChecks.count()) >= MAX_CHECKS)
        throw conflict(
          'TOO_MANY_CHECKS',
          `This box runs at most ${MAX_CHECKS} service checks; remove unused ones first.`,
        );
      this.assertNameFree(siblings, input.name);
      const now = clock.now();
      const at = new Date(now).toISOString();
      const check: ServiceCheck = { ...input, id: randomId(9), createdAt: at, updatedAt: at };
      await store.write([
        ...store.serviceChecks.putOps(check),
        store.audit.recordOp(ctx, 'check.created', `check:${check.id}`, now, {
          device: device.id,
          name: check.name,
          check: describeCheck(check),
        }),
      ]);
      return check;
    });
  }

  update(id: string, input: CheckUpdate, ctx: RequestContext): Promise<ServiceCheck> {
    this.assertOperator(ctx);
    return this.exclusive(async () => {
      const { store, clock } = this.deps;
      const before = await store.serviceChecks.get(id);
      if (!before) throw notFound('The service check');
      const siblings = await store.serviceChecks.listByDevice(before.deviceId);
      this.assertNameFree(
        siblings.filter((c) => c.id !== id),
        input.name,
      );
      const now = clock.now();
      const after = {
        ...input,
        deviceId: before.deviceId,
        id,
        createdAt: before.createdAt,
        updatedAt: new Date(now).toISOString(),
      } as ServiceCheck;
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
        if (k === 'updatedAt') continue;
        const from = (before as Record<string, unknown>)[k];
        const to = (after as Record<string, unknown>)[k];
        if (from !== to) changes[k] = { from: from ?? null, to: to ?? null };
      }
      if (!Object.keys(changes).length) return before;
      const ops: BatchOp[] = [
        ...store.serviceChecks.putOps(after),
        store.audit.recordOp(ctx, 'check.updated', `check:${id}`, now, {
          device: before.deviceId,
          ...changes,
        }),
      ];
      // A result of what the check used to test would now be misleading.
      if (identity(before) !== identity(after))
        ops.push({ type: 'del', sublevel: store.serviceChecks.results, key: id });
      await store.write(ops);
      return after;
    });
  }

  remove(id: string, ctx: RequestContext): Promise<void> {
    this.assertOperator(ctx);
    return this.exclusive(async () => {
      const { store, clock } = this.deps;
      const c = await store.serviceChecks.get(id);
      if (!c) throw notFound('The service check');
      await store.write([
        ...store.serviceChecks.deleteOps(c),
        store.audit.recordOp(ctx, 'check.deleted', `check:${id}`, clock.now(), {
          device: c.deviceId,
          name: c.name,
          check: describeCheck(c),
        }),
      ]);
    });
  }

  /**
   * The writes that remove a device's checks and their results, for the device delete to put
   * into its own batch while it holds the inventory lock (which every write here also takes).
   */
  deleteOpsForDevice(deviceId: string): Promise<BatchOp[]> {
    return this.deps.store.serviceChecks.deviceDeleteOps(deviceId);
  }

  /** Keeps the latest result of each check, skipping checks deleted while they ran. */
  recordResults(items: Array<{ checkId: string; result: CheckResult; at: number }>): Promise<void> {
    return this.exclusive(async () => {
      const { store } = this.deps;
      const live = await store.serviceChecks.byId.getMany(items.map((i) => i.checkId));
      const ops: BatchOp[] = [];
      items.forEach((item, n) => {
        if (!live[n]) return;
        ops.push(
          store.serviceChecks.resultOp({
            ...item.result,
            checkId: item.checkId,
            at: new Date(item.at).toISOString(),
          }),
        );
      });
      await store.write(ops);
    });
  }

  /**
   * Runs every enabled check once (bounded concurrency), keeps the latest results and returns
   * them with their samples. A failing service is a result, not an error; an abort stops the
   * run and records nothing.
   */
  async runAll(signal: AbortSignal): Promise<CheckRunSummary> {
    const { store, clock } = this.deps;
    const checks = (await store.serviceChecks.list()).filter((c) => c.enabled);
    const devices = new Map(
      (await store.devices.byId.getMany([...new Set(checks.map((c) => c.deviceId))]))
        .filter((d) => d !== undefined)
        .map((d) => [d.id, d]),
    );
    const results: Array<{ check: ServiceCheck; result: CheckResult; at: number }> = [];
    let next = 0;
    const worker = async () => {
      while (next < checks.length) {
        const check = checks[next++]!;
        const device = devices.get(check.deviceId);
        if (!device) continue;
        const result = await runCheck(check, device.ip, signal);
        results.push({ check, result, at: clock.now() });
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(this.deps.concurrency ?? 16, checks.length) }, worker),
    );
    await this.recordResults(
      results.map((r) => ({ checkId: r.check.id, result: r.result, at: r.at })),
    );
    const byDevice = new Map<string, Sample[]>();
    for (const r of results) {
      const list = byDevice.get(r.check.deviceId) ?? [];
      list.push(...checkSamples(r.check.id, r.result));
      byDevice.set(r.check.deviceId, list);
      if (!r.result.ok)
        this.deps.logger?.debug(
          {
            component: 'monitor',
            device: r.check.deviceId,
            check: r.check.id,
            err: r.result.error,
          },
          'service check failed',
        );
    }
    return {
      ran: results.length,
      failed: results.filter((r) => !r.result.ok).length,
      samples: [...byDevice].map(([deviceId, samples]) => ({ deviceId, samples })),
      results: results.map(({ check, result }) => ({ check, result })),
    };
  }

  private assertNameFree(siblings: ServiceCheck[], name: string): void {
    if (siblings.some((c) => c.name.toLowerCase() === name.toLowerCase())) {
      const message = `This device already has a check named “${name}”; choose another name.`;
      throw new AppError('CHECK_NAME_TAKEN', message, {
        status: 409,
        kind: 'conflict',
        fields: { name: message },
      });
    }
  }
}
