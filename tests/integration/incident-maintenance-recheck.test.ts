/**
 * The re-check at the end of a maintenance window runs the reachability and service-check jobs
 * through the scheduler, as any background work does: recorded like any run, and never beside a
 * run of the same job (a reach cycle applies its probes to the state it read, so two at once
 * lose one's results). A run already under way is waited for instead of started again.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { createTestApp, ManualClock, type TestApp } from '../helpers/app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function heldIncident(app: TestApp, clock: ManualClock): Promise<void> {
  const now = clock.now();
  const at = new Date(now).toISOString();
  await app.store.write([
    app.store.maintenance.putOp({
      id: 'mw1',
      name: 'patch night',
      reason: 'updates',
      scope: { kind: 'site' },
      schedule: {
        kind: 'once',
        start: new Date(now - 60_000).toISOString(),
        end: new Date(now + 120_000).toISOString(),
      },
      timeZone: 'UTC',
      enabled: true,
      suppressNotifications: true,
      backupJobIds: [],
      createdAt: at,
      createdBy: 'alice',
      updatedAt: at,
    }),
    ...app.store.events.appendOps(
      {
        kind: 'alert.raised',
        severity: 'major',
        deviceId: 'dev1',
        message: 'dev1 is hot',
        details: { key: 'temp-high/dev1/', rule: 'temp-high', title: 'Hot' },
      },
      now,
    ),
  ]);
  await app.deps.incidents.pump();
  const [inc] = (await app.deps.incidents.list({ state: 'open', limit: 5, offset: 0 })).items;
  expect(inc?.maintenanceId).toBe('mw1');
}

describe('the re-check at the end of a maintenance window', () => {
  it('runs the reachability and service-check jobs through the scheduler', async () => {
    const clock = new ManualClock();
    t = await createTestApp({ incidents: { notifyDelayS: 0 } }, { clock });
    await heldIncident(t, clock);
    clock.advance(180_000);
    await t.deps.incidents.tick(new AbortController().signal);
    const reach = await t.store.jobRuns.recent('reachability', 5);
    const services = await t.store.jobRuns.recent('service-checks', 5);
    expect(reach).toHaveLength(1);
    expect(reach[0]).toMatchObject({ status: 'ok', trigger: 'manual' });
    expect(services).toHaveLength(1);
    const [inc] = (await t.deps.incidents.list({ state: 'open', limit: 5, offset: 0 })).items;
    expect(inc?.maintenanceId).toBeUndefined();
  });

  it('waits for a reachability run under way instead of starting a second one beside it', async () => {
    const clock = new ManualClock();
    t = await createTestApp({ incidents: { notifyDelayS: 0 } }, { clock });
    await heldIncident(t, clock);
    // A scheduled run is under way (held open here) when the window ends.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const monitor = t.deps.monitor;
    const original = monitor.reachCycle.bind(monitor);
    let concurrent = 0;
    let most = 0;
    monitor.reachCycle = async (signal: AbortSignal) => {
      concurrent += 1;
      most = Math.max(most, concurrent);
      try {
        await gate;
        return await original(signal);
      } finally {
        concurrent -= 1;
      }
    };
    await t.scheduler.trigger('reachability');
    clock.advance(180_000);
    const tick = t.deps.incidents.tick(new AbortController().signal);
    await new Promise((r) => setTimeout(r, 100));
    release();
    await tick;
    expect(most).toBe(1);
    expect(await t.store.jobRuns.recent('reachability', 5)).toHaveLength(1);
  });
});
