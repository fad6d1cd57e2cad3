// The monitor's cycles against the real store, nmap and sockets. All traffic goes to 127.0.0.1
// and 127.0.0.2 only.
import { describe, it, expect, afterEach } from 'vitest';
import net from 'node:net';
import dgram from 'node:dgram';
import { createTestApp, setupAdmin, jsonInit, ManualClock, type TestApp } from '../helpers/app.js';
import type { DeviceRecord } from '../../src/store/types.js';

const MIN = 60_000;
let t: TestApp | undefined;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await t?.close();
  t = undefined;
  for (const c of cleanups.splice(0)) await c();
});

function device(id: string, ip: string, now: number, over: Partial<DeviceRecord> = {}) {
  const at = new Date(now).toISOString();
  const d: DeviceRecord = {
    id,
    name: `host-${id}`,
    nameSource: 'auto',
    ip,
    addresses: [ip],
    type: 'server',
    typeSource: 'auto',
    reasons: [],
    snmp: { ok: false },
    services: [],
    interfaceCount: 0,
    notes: '',
    status: 'up',
    missedScans: 0,
    firstSeen: at,
    lastSeen: at,
    lastScanId: 'seeded',
    ...over,
  };
  return d;
}

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** A UDP port that takes every SNMP request and never answers. */
async function silentUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => s.close(() => r())));
  return s.address().port;
}

/** An app with srv1 and one failing TCP check on it, raised after two service cycles. */
async function failingCheck(clock: ManualClock) {
  t = await createTestApp({}, { clock });
  const admin = await setupAdmin(t);
  await t.store.write(t.store.devices.putOps(device('srv1', '127.0.0.1', clock.now())));
  const port = await closedPort();
  const res = await t.request(
    '/api/v1/checks',
    jsonInit('POST', admin, { deviceId: 'srv1', name: 'web', kind: 'tcp', port, timeoutMs: 1000 }),
  );
  expect(res.status).toBe(201);
  const { check } = (await res.json()) as { check: { id: string } };
  for (let i = 0; i < 2; i++) {
    await t.deps.monitor.serviceCycle(new AbortController().signal);
    clock.advance(MIN);
  }
  expect((await t.deps.alerts.activeFor('srv1')).map((a) => a.ruleId)).toEqual(['service-failing']);
  return { admin, app: t, checkId: check.id, port };
}

async function serviceCycles(app: TestApp, clock: ManualClock, n: number) {
  for (let i = 0; i < n; i++) {
    await app.deps.monitor.serviceCycle(new AbortController().signal);
    clock.advance(MIN);
  }
}

describe('monitor cycles: service checks that go away', () => {
  it('removing the last (failing) service check of a device closes its alert', async () => {
    const clock = new ManualClock();
    const { admin, app, checkId } = await failingCheck(clock);
    const del = await app.request(`/api/v1/checks/${checkId}`, jsonInit('DELETE', admin));
    expect(del.status).toBe(204);
    await serviceCycles(app, clock, 1);
    expect(await app.deps.alerts.activeFor('srv1')).toEqual([]);
    const cleared = (await app.store.events.page(50)).filter((e) => e.kind === 'alert.cleared');
    expect(cleared).toHaveLength(1);
    expect(cleared[0]).toMatchObject({
      deviceId: 'srv1',
      details: { rule: 'service-failing', reason: 'gone' },
    });
  });

  it('disabling the last (failing) service check of a device closes its alert', async () => {
    const clock = new ManualClock();
    const { admin, app, checkId, port } = await failingCheck(clock);
    const put = await app.request(
      `/api/v1/checks/${checkId}`,
      jsonInit('PUT', admin, { kind: 'tcp', name: 'web', port, timeoutMs: 1000, enabled: false }),
    );
    expect(put.status).toBe(200);
    await serviceCycles(app, clock, 1);
    expect(await app.deps.alerts.activeFor('srv1')).toEqual([]);
    // Nothing left to close: later cycles have nothing to say about srv1.
    expect(await app.deps.alerts.devicesWithServiceAlerts()).toEqual([]);
  });
});

describe('monitor cycles: deleted devices and concurrent cycles', () => {
  it('a device deleted while a reachability cycle runs leaves no monitor state or series behind', async () => {
    const clock = new ManualClock();
    t = await createTestApp({}, { clock });
    const admin = await setupAdmin(t);
    await t.store.write(t.store.devices.putOps(device('gone1', '127.0.0.1', clock.now())));
    const cycle = t.deps.monitor.reachCycle(new AbortController().signal);
    // The admin deletes the device while nmap is still pinging it.
    const del = await t.request('/api/v1/devices/gone1', jsonInit('DELETE', admin));
    expect(del.status).toBe(204);
    await cycle;
    expect(await t.store.devices.get('gone1')).toBeUndefined();
    expect(t.store.metrics.index('gone1')).toBeUndefined();
    expect((await t.store.monitorState.all()).map((r) => r.deviceId)).not.toContain('gone1');
    expect((await t.deps.monitor.statuses()).has('gone1')).toBe(false);
  });

  it('a poll cycle does not overwrite reachability written while it ran', async () => {
    const clock = new ManualClock();
    t = await createTestApp(
      {
        discovery: { snmpPort: await silentUdpPort() },
        monitor: {
          pollConcurrency: 2,
          pollTimeoutMs: 2_000,
          pollRetries: 0,
          perDevicePollBudgetMs: 3_000,
        },
      },
      { clock },
    );
    const admin = await setupAdmin(t);
    const res = await t.request(
      '/api/v1/credentials',
      jsonInit('POST', admin, { version: '2c', name: 'site', community: 'public' }),
    );
    expect(res.status).toBe(201);
    const { credential } = (await res.json()) as { credential: { id: string } };
    await t.store.write([
      // Polled at once: its credential is gone.
      ...t.store.devices.putOps(
        device('fast', '127.0.0.1', clock.now(), { snmp: { ok: true, credentialId: 'deleted' } }),
      ),
      // Polled until the timeout: the agent never answers.
      ...t.store.devices.putOps(
        device('slow', '127.0.0.2', clock.now(), {
          snmp: { ok: true, credentialId: credential.id },
        }),
      ),
    ]);
    const poll = t.deps.monitor.pollCycle(new AbortController().signal);
    // While "slow" is still being polled, a reachability cycle probes both and writes.
    await t.deps.monitor.reachCycle(new AbortController().signal);
    await poll;
    for (const id of ['fast', 'slow']) {
      const rec = await t.store.monitorState.get(id);
      expect(rec?.lastProbe?.up, id).toBe(true);
      expect(rec?.snmp?.ok, id).toBe(false);
    }
    expect((await t.store.monitorState.get('fast'))?.snmp?.error?.code).toBe('SNMP_NO_CREDENTIAL');
  });
});
