import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import {
  createTestApp,
  setupAdmin,
  login,
  jsonInit,
  ManualClock,
  type TestApp,
  type CookieJar,
} from '../helpers/app.js';
import type { DeviceRecord, EventRecord } from '../../src/store/types.js';
import type { InterfaceInfo } from '../../src/discovery/types.js';
import type { BatchOp } from '../../src/store/db.js';
import type { DeviceObservation } from '../../src/monitor/observation.js';

type Session = { jar: CookieJar; csrf: string };
let t: TestApp;
let admin: Session;
let operator: Session;
let viewer: Session;
const clock = new ManualClock();
const PASSWORD = 'a long enough password';
const MIN = 60_000;

function device(id: string, name: string, type: string, ip: string): DeviceRecord {
  const now = new Date(clock.now()).toISOString();
  return {
    id,
    name,
    nameSource: 'auto',
    ip,
    addresses: [ip],
    type,
    typeSource: 'auto',
    reasons: [],
    snmp: { ok: true },
    services: [],
    interfaceCount: 0,
    notes: '',
    status: 'up',
    missedScans: 0,
    firstSeen: now,
    lastSeen: now,
    lastScanId: 'seeded',
  };
}

const port = (index: number, name: string, alias = ''): InterfaceInfo => ({
  index,
  name,
  descr: name,
  alias,
  type: 6,
  adminUp: true,
  operStatus: 'up',
});

async function alertEvents(): Promise<EventRecord[]> {
  return (await t.store.events.page(1000)).filter((e) => e.kind.startsWith('alert.')).reverse();
}

async function auditActions(): Promise<string[]> {
  return (await t.store.audit.page(1000)).map((e) => e.action);
}

function obs(over: Partial<DeviceObservation>): DeviceObservation {
  return {
    deviceId: 'nas1',
    deviceName: 'nas-backup',
    deviceType: 'nas',
    at: clock.now(),
    reach: 'up',
    samples: [],
    interfaces: [],
    labels: {},
    forecasts: [],
    ...over,
  };
}

const disk = (v: number) =>
  obs({
    samples: [{ metric: 'storage.used_pct', instance: '31', value: v }],
    labels: { 'storage:31': '/srv' },
  });

/** The NAS with its full disk still reported (else that alert would clear as gone) and on battery. */
const onBattery = () => {
  const o = disk(97);
  o.samples.push({ metric: 'ups.on_battery', instance: '', value: 1 });
  return o;
};

beforeAll(async () => {
  t = await createTestApp({}, { clock });
  admin = await setupAdmin(t);
  for (const [name, role] of [
    ['olga', 'operator'],
    ['vic', 'viewer'],
  ] as const) {
    const r = await t.request(
      '/api/v1/users',
      jsonInit('POST', admin, { username: name, password: PASSWORD, role }),
    );
    expect(r.status).toBe(201);
  }
  operator = await login(t, 'olga', PASSWORD);
  viewer = await login(t, 'vic', PASSWORD);
  const nas = device('nas1', 'nas-backup', 'nas', '192.0.2.10');
  const sw = device('sw1', 'sw-core', 'switch', '192.0.2.2');
  await t.store.write([
    ...t.store.devices.putOps(nas),
    ...t.store.devices.putOps(sw),
    ...t.store.devices.interfaceOps(
      'sw1',
      [port(1, 'Gi0/1', 'Uplink to router'), port(2, 'Gi0/2', 'desk 4'), port(3, 'Gi0/3')],
      [],
    ),
  ]);
});
afterAll(async () => {
  await t?.close();
});

describe('rules API', () => {
  it('everyone signed in reads the rules, with the condition in words', async () => {
    const res = await t.request('/api/v1/rules', { jar: viewer.jar });
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as { items: Array<{ id: string; condition: string }> };
    expect(items.find((r) => r.id === 'cpu-high')?.condition).toBe(
      'CPU load above 90 % for 15 min',
    );
    expect(items.map((r) => r.id)).toContain('device-down');
    const one = await t.request('/api/v1/rules/storage-full', { jar: viewer.jar });
    expect(await one.json()).toMatchObject({
      rule: { id: 'storage-full', threshold: 90, edited: false },
    });
    expect((await t.request('/api/v1/rules/nope', { jar: viewer.jar })).status).toBe(404);
    expect((await t.request('/api/v1/rules')).status).toBe(401);
  });

  it('only an admin changes a rule, with the CSRF token, and it is audited', async () => {
    for (const s of [viewer, operator]) {
      const r = await t.request('/api/v1/rules/cpu-high', jsonInit('PUT', s, { threshold: 85 }));
      expect(r.status).toBe(403);
    }
    const noCsrf = await t.request('/api/v1/rules/cpu-high', {
      ...jsonInit('PUT', admin, { threshold: 85 }),
      headers: { 'content-type': 'application/json' },
    });
    expect(noCsrf.status).toBe(403);
    expect(((await noCsrf.json()) as { error: { code: string } }).error.code).toBe('CSRF_REJECTED');
    expect(
      (await t
        .request('/api/v1/rules/cpu-high', { jar: admin.jar })
        .then((r) => r.json())) as unknown,
    ).toMatchObject({
      rule: { threshold: 90 },
    });

    const ok = await t.request(
      '/api/v1/rules/cpu-high',
      jsonInit('PUT', admin, { threshold: 85, clearThreshold: 75, forS: 600 }),
    );
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      rule: {
        threshold: 85,
        clearThreshold: 75,
        forS: 600,
        edited: true,
        condition: 'CPU load above 85 % for 10 min',
      },
    });
    const audit = (await t.store.audit.page(5)).find((e) => e.action === 'rule.updated');
    expect(audit).toMatchObject({
      target: 'rule:cpu-high',
      details: { threshold: { from: 90, to: 85 }, forS: { from: 900, to: 600 } },
    });
  });

  it('bad input gets a clear error and changes nothing', async () => {
    const before = await auditActions();
    const cases: Array<[unknown, number, string]> = [
      [{ threshold: 150 }, 422, 'threshold'],
      [{ clearThreshold: 95 }, 422, 'clearThreshold'],
      [{ kind: 'forecast' }, 422, '(root)'],
      [{ forS: -5 }, 422, 'forS'],
      [{ severity: 'apocalyptic' }, 422, 'severity'],
      [{ escalate: { threshold: 80, severity: 'critical' } }, 422, 'escalate.threshold'],
      [{}, 422, '(root)'],
    ];
    for (const [body, status, field] of cases) {
      const r = await t.request('/api/v1/rules/cpu-high', jsonInit('PUT', admin, body));
      expect(r.status, JSON.stringify(body)).toBe(status);
      const e = (await r.json()) as { error: { code: string; message: string } };
      expect(e.error.code).toBe('VALIDATION_FAILED');
      expect(e.error.message, JSON.stringify(body)).toContain(
        field === '(root)' ? 'not valid' : field,
      );
    }
    const threshold = await t.request(
      '/api/v1/rules/cpu-high',
      jsonInit('PUT', admin, { threshold: 150 }),
    );
    expect(((await threshold.json()) as { error: { message: string } }).error.message).toContain(
      'A percentage is between 0 and 100.',
    );
    const notJson = await t.request('/api/v1/rules/cpu-high', {
      method: 'PUT',
      jar: admin.jar,
      headers: { 'x-csrf-token': admin.csrf, 'content-type': 'text/plain' },
      body: 'threshold=1',
    });
    expect(notJson.status).toBe(415);
    const broken = await t.request('/api/v1/rules/cpu-high', {
      method: 'PUT',
      jar: admin.jar,
      headers: { 'x-csrf-token': admin.csrf, 'content-type': 'application/json' },
      body: '{"threshold":',
    });
    expect(broken.status).toBe(400);
    expect(await auditActions()).toEqual(before);
    expect(
      (
        (await (await t.request('/api/v1/rules/cpu-high', { jar: admin.jar })).json()) as {
          rule: { threshold: number };
        }
      ).rule.threshold,
    ).toBe(85);
  });

  it('overrides per type and per device: set, validate, clear; all audited', async () => {
    const put = (scope: string, key: string, body: unknown, s = admin) =>
      t.request(`/api/v1/rules/storage-full/overrides/${scope}/${key}`, jsonInit('PUT', s, body));
    expect((await put('type', 'nas', { threshold: 80 }, operator)).status).toBe(403);
    const ok = await put('type', 'nas', { threshold: 80, severity: 'critical' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      override: {
        ruleId: 'storage-full',
        scope: 'type',
        key: 'nas',
        threshold: 80,
        updatedBy: 'admin',
      },
    });
    expect((await put('device', 'nas1', { enabled: false })).status).toBe(200);

    const before = await auditActions();
    const bad: Array<[string, string, unknown, number]> = [
      ['type', 'toaster', { threshold: 80 }, 422],
      ['device', 'no-such-device', { threshold: 80 }, 404],
      ['planet', 'nas', { threshold: 80 }, 422],
      ['type', 'nas', { threshold: 101 }, 422],
      ['type', 'nas', { clearThreshold: 95 }, 422],
      ['type', 'nas', {}, 422],
      ['type', 'nas', { escalate: 1 }, 422],
    ];
    for (const [scope, key, body, status] of bad)
      expect((await put(scope, key, body)).status, `${scope}/${key} ${JSON.stringify(body)}`).toBe(
        status,
      );
    expect(await auditActions()).toEqual(before);

    const rule = (await (
      await t.request('/api/v1/rules/storage-full', { jar: viewer.jar })
    ).json()) as {
      rule: { overrides: Array<{ scope: string; key: string }> };
    };
    expect(rule.rule.overrides.map((o) => `${o.scope}:${o.key}`)).toEqual([
      'device:nas1',
      'type:nas',
    ]);

    const del = await t.request(
      '/api/v1/rules/storage-full/overrides/device/nas1',
      jsonInit('DELETE', admin),
    );
    expect(del.status).toBe(204);
    expect(
      (
        await t.request(
          '/api/v1/rules/storage-full/overrides/device/nas1',
          jsonInit('DELETE', admin),
        )
      ).status,
    ).toBe(404);
    const del2 = await t.request(
      '/api/v1/rules/storage-full/overrides/type/nas',
      jsonInit('DELETE', admin),
    );
    expect(del2.status).toBe(204);
    const actions = await auditActions();
    expect(actions.filter((a) => a === 'rule.override.set')).toHaveLength(2);
    expect(actions.filter((a) => a === 'rule.override.cleared')).toHaveLength(2);
  });

  it('a rule goes back to its default', async () => {
    const r = await t.request('/api/v1/rules/cpu-high/reset', jsonInit('POST', admin));
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ rule: { threshold: 90, edited: false } });
    expect((await auditActions())[0]).toBe('rule.reset');
  });
});

describe('important interfaces', () => {
  it('an operator marks and unmarks an interface; a viewer cannot', async () => {
    const url = '/api/v1/devices/sw1/interfaces/2';
    const auto = await (await t.request(url, { jar: viewer.jar })).json();
    expect(auto).toMatchObject({ interface: { ifIndex: '2', important: false, reason: 'none' } });
    expect(
      await (await t.request('/api/v1/devices/sw1/interfaces/1', { jar: viewer.jar })).json(),
    ).toMatchObject({ interface: { important: true, reason: 'name' } });
    expect((await t.request(url, jsonInit('PUT', viewer, { important: true }))).status).toBe(403);
    expect((await t.request(url, jsonInit('PUT', operator, { important: 'yes' }))).status).toBe(
      422,
    );
    expect(
      (
        await t.request(
          '/api/v1/devices/sw1/interfaces/99',
          jsonInit('PUT', operator, { important: true }),
        )
      ).status,
    ).toBe(404);
    const marked = await t.request(url, jsonInit('PUT', operator, { important: true }));
    expect(marked.status).toBe(200);
    expect(await marked.json()).toMatchObject({ interface: { important: true, reason: 'marked' } });
    expect((await t.store.audit.page(1))[0]).toMatchObject({
      action: 'interface.marked',
      target: 'device:sw1',
      details: { ifIndex: '2', from: 'automatic', to: true },
    });
    const unmarked = await t.request(
      '/api/v1/devices/sw1/interfaces/1',
      jsonInit('PUT', operator, { important: false }),
    );
    expect(await unmarked.json()).toMatchObject({
      interface: { important: false, reason: 'unmarked' },
    });
    // The existing inventory routes still answer.
    expect((await t.request('/api/v1/devices/sw1/interfaces', { jar: viewer.jar })).status).toBe(
      200,
    );
  });

  it('marks decide which ports raise "interface down"', async () => {
    const iface = (ifIndex: string, name: string, alias: string) => ({
      ifIndex,
      name,
      alias,
      adminUp: true,
      oper: 'down',
      uplink: false,
    });
    const r = await t.deps.alerts.evaluate(
      obs({
        deviceId: 'sw1',
        deviceName: 'sw-core',
        deviceType: 'switch',
        interfaces: [
          iface('1', 'Gi0/1', 'Uplink to router'),
          iface('2', 'Gi0/2', 'desk 4'),
          iface('3', 'Gi0/3', ''),
        ],
      }),
    );
    // 1 looks like an uplink but was unmarked; 2 was marked.
    expect(r.raised.map((a) => a.instance)).toEqual(['2']);
    await t.request(
      '/api/v1/devices/sw1/interfaces/2',
      jsonInit('PUT', operator, { important: null }),
    );
    clock.advance(MIN);
    const after = await t.deps.alerts.evaluate(
      obs({
        deviceId: 'sw1',
        deviceName: 'sw-core',
        deviceType: 'switch',
        interfaces: [iface('2', 'Gi0/2', 'desk 4')],
      }),
    );
    expect(after.cleared.map((a) => [a.instance, a.reason])).toEqual([['2', 'excluded']]);

    // A scan finds a switch behind port 3: from the next cycle on it is an uplink.
    const port3 = () =>
      obs({
        deviceId: 'sw1',
        deviceName: 'sw-core',
        deviceType: 'switch',
        interfaces: [iface('3', 'Gi0/3', '')],
      });
    clock.advance(MIN);
    expect((await t.deps.alerts.evaluate(port3())).raised).toEqual([]);
    const details = (await t.store.devices.detailsOf('sw1')) ?? {
      arp: [],
      fdb: [],
      ipAddrs: [],
      collectNotes: [],
    };
    await t.store.write([
      t.store.devices.detailsOp('sw1', {
        ...details,
        neighbours: [
          { localPort: 3, chassisId: 'aa:bb:cc:00:00:03', portId: '1', capabilities: ['bridge'] },
        ],
      }),
    ]);
    clock.advance(MIN);
    const found = await t.deps.alerts.evaluate(port3());
    expect(found.raised.map((a) => [a.ruleId, a.instance])).toEqual([['interface-down', '3']]);
    // back up, for the tests after this one
    clock.advance(MIN);
    const up = await t.deps.alerts.evaluate(
      obs({
        deviceId: 'sw1',
        deviceName: 'sw-core',
        deviceType: 'switch',
        interfaces: [{ ...iface('3', 'Gi0/3', ''), oper: 'up' }],
      }),
    );
    expect(up.cleared.map((a) => a.instance)).toEqual(['3']);
  });
});

describe('alert service', () => {
  it('writes a raise and a clear event exactly once, each in one batch with the state', async () => {
    const start = (await alertEvents()).length;
    const writes: BatchOp[][] = [];
    const write = t.store.write.bind(t.store);
    t.store.write = async (ops: BatchOp[]) => {
      writes.push(ops);
      return write(ops);
    };
    try {
      clock.advance(MIN);
      await t.deps.alerts.evaluate(disk(93));
      clock.advance(MIN);
      await t.deps.alerts.evaluate(disk(94));
      clock.advance(MIN);
      await t.deps.alerts.evaluate(disk(89)); // inside the hysteresis band
      let events = (await alertEvents()).slice(start);
      expect(events.map((e) => [e.kind, e.severity, e.message])).toEqual([
        ['alert.raised', 'major', 'Disk /srv on nas-backup is 93 % full (threshold 90 %).'],
      ]);
      expect(events[0]).toMatchObject({
        deviceId: 'nas1',
        details: {
          rule: 'storage-full',
          instance: '31',
          value: 93,
          threshold: 90,
          key: 'storage-full/nas1/31',
        },
      });
      const raiseBatch = writes.find((ops) =>
        ops.some((o) => o.type === 'put' && (o.value as EventRecord)?.kind === 'alert.raised'),
      )!;
      expect(raiseBatch.some((o) => o.sublevel === t.store.alerts.state && o.key === 'nas1')).toBe(
        true,
      );

      expect(await t.deps.alerts.activeFor('nas1')).toMatchObject([
        { ruleId: 'storage-full', severity: 'major', value: 89, deviceName: 'nas-backup' },
      ]);

      clock.advance(MIN);
      await t.deps.alerts.evaluate(disk(70));
      clock.advance(MIN);
      await t.deps.alerts.evaluate(disk(70));
      events = (await alertEvents()).slice(start);
      expect(events.map((e) => e.kind)).toEqual(['alert.raised', 'alert.cleared']);
      expect(events[1]).toMatchObject({
        severity: 'info',
        message: 'Resolved: Disk /srv on nas-backup is 70 % full.',
        details: { reason: 'recovered', alertSeverity: 'major', value: 70 },
      });
      const clearBatch = writes.find((ops) =>
        ops.some((o) => o.type === 'put' && (o.value as EventRecord)?.kind === 'alert.cleared'),
      )!;
      // Nothing left raised or pending: the state record goes in the same batch.
      expect(
        clearBatch.some(
          (o) => o.type === 'del' && o.sublevel === t.store.alerts.state && o.key === 'nas1',
        ),
      ).toBe(true);
      expect(await t.store.alerts.get('nas1')).toBeUndefined();
    } finally {
      t.store.write = write;
    }
  });

  it('a failed write leaves neither event nor state, and the next cycle raises once', async () => {
    const start = (await alertEvents()).length;
    const write = t.store.write.bind(t.store);
    t.store.write = async () => {
      throw new Error('disk full');
    };
    clock.advance(MIN);
    await expect(t.deps.alerts.evaluate(disk(97))).rejects.toThrow('disk full');
    t.store.write = write;
    expect((await alertEvents()).length).toBe(start);
    expect(await t.store.alerts.get('nas1')).toBeUndefined();
    clock.advance(MIN);
    await t.deps.alerts.evaluate(disk(97));
    clock.advance(MIN);
    await t.deps.alerts.evaluate(disk(97));
    const events = (await alertEvents()).slice(start);
    expect(events.map((e) => [e.kind, e.severity])).toEqual([['alert.raised', 'critical']]);
  });

  it('serialises evaluations of one device: concurrent cycles raise once', async () => {
    const start = (await alertEvents()).length;
    clock.advance(MIN);
    const ups = onBattery();
    await Promise.all([
      t.deps.alerts.evaluate(ups),
      t.deps.alerts.evaluate(ups),
      t.deps.alerts.evaluate(ups),
    ]);
    const events = (await alertEvents()).slice(start);
    expect(events.map((e) => e.details?.rule)).toEqual(['ups-on-battery']);
  });

  it('lists active alerts worst first, over the API too', async () => {
    clock.advance(MIN);
    await t.deps.alerts.evaluate(
      obs({ deviceId: 'sw1', deviceName: 'sw-core', deviceType: 'switch', reach: 'down' }),
    );
    const active = await t.deps.alerts.active();
    // Worst first; among equals the one raised first.
    expect(active.map((a) => [a.severity, a.deviceId, a.ruleId])).toEqual([
      ['critical', 'nas1', 'storage-full'],
      ['critical', 'sw1', 'device-down'],
      ['major', 'nas1', 'ups-on-battery'],
    ]);
    const res = await t.request('/api/v1/alerts', { jar: viewer.jar });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      items: Array<{ severity: string; deviceName: string }>;
      total: number;
    };
    expect(body.items[0]).toMatchObject({ severity: 'critical', deviceName: 'nas-backup' });
    const one = (await (
      await t.request('/api/v1/alerts?deviceId=sw1', { jar: viewer.jar })
    ).json()) as {
      items: Array<{ ruleId: string }>;
    };
    expect(one.items.map((a) => a.ruleId)).toEqual(['device-down']);
    expect((await t.request('/api/v1/alerts?bogus=1', { jar: viewer.jar })).status).toBe(422);
  });

  it('disabling a rule clears its alerts on the next cycle', async () => {
    const start = (await alertEvents()).length;
    await t.request('/api/v1/rules/ups-on-battery', jsonInit('PUT', admin, { enabled: false }));
    clock.advance(MIN);
    await t.deps.alerts.evaluate(onBattery());
    const events = (await alertEvents()).slice(start);
    expect(events.map((e) => [e.kind, e.details?.reason])).toEqual([
      ['alert.cleared', 'not-applicable'],
    ]);
    await t.request('/api/v1/rules/ups-on-battery/reset', jsonInit('POST', admin));
  });

  it('forgetting a deleted device closes its alerts with it', async () => {
    const start = (await alertEvents()).length;
    await t.deps.rules.setOverride(
      'cpu-high',
      'device',
      'sw1',
      { threshold: 50 },
      {
        actor: { type: 'system', name: 'test' },
      },
    );
    const d = (await t.store.devices.get('sw1'))!;
    await t.deps.alerts.forgetDevice('sw1', async (ops) =>
      t.store.write([...(await t.store.devices.deleteOps(d)), ...ops]),
    );
    const events = (await alertEvents()).slice(start);
    expect(events.map((e) => [e.kind, e.details?.reason, e.message])).toEqual([
      [
        'alert.cleared',
        'device-removed',
        'sw-core was removed from the inventory; the alert “Device down” is closed.',
      ],
    ]);
    expect(await t.store.alerts.get('sw1')).toBeUndefined();
    expect(await t.store.interfaceMarks.of('sw1')).toEqual([]);
    expect((await t.deps.rules.get('cpu-high')).overrides).toEqual([]);
    // A late observation of the deleted device changes nothing.
    clock.advance(MIN);
    expect(await t.deps.alerts.evaluate(obs({ deviceId: 'sw1', reach: 'down' }))).toEqual({
      raised: [],
      cleared: [],
    });
    expect(await t.store.alerts.get('sw1')).toBeUndefined();
    await t.store.write(t.store.devices.putOps(d));
  });

  it('a device forgotten and found again under the same id starts with no alerts', async () => {
    const down = () => obs({ deviceId: 'sw1', deviceName: 'sw-core', reach: 'down' });
    clock.advance(MIN);
    expect((await t.deps.alerts.evaluate(down())).raised.map((a) => a.ruleId)).toEqual([
      'device-down',
    ]);
    const d = (await t.store.devices.get('sw1'))!;
    await t.deps.alerts.forgetDevice('sw1', async (ops) =>
      t.store.write([...(await t.store.devices.deleteOps(d)), ...ops]),
    );
    // Found again at once: nothing of the forgotten state is remembered, so going down raises.
    await t.store.write(t.store.devices.putOps(d));
    clock.advance(MIN);
    expect((await t.deps.alerts.evaluate(down())).raised.map((a) => a.ruleId)).toEqual([
      'device-down',
    ]);
    expect((await t.store.alerts.get('sw1'))?.entries.map((e) => e.ruleId)).toEqual([
      'device-down',
    ]);
  });
});

describe('rules pages', () => {
  const post = (path: string, fields: Record<string, string>, s = admin) =>
    t.request(path, {
      method: 'POST',
      jar: s.jar,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: s.csrf, ...fields }),
    });
  const form = (over: Record<string, string> = {}) => ({
    title: 'CPU load high',
    enabled: 'on',
    threshold: '90',
    clearThreshold: '80',
    forMin: '15',
    forCount: '1',
    severity: 'minor',
    escalateThreshold: '',
    escalateSeverity: '',
    ...over,
  });

  it('lists rules in words and the raised alerts, for any role', async () => {
    const res = await t.request('/monitoring/rules', { jar: viewer.jar });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('CPU load above 90 % for 15 min');
    expect(html).toContain('Storage used above 90 %; critical above 95 %');
    expect(html).toContain('Raised now');
    expect(html).toContain('Disk /srv on nas-backup is 97 % full (critical above 95 %).');
    expect(html).toContain('Only an admin can change rules.');
    const page = await (await t.request('/monitoring/rules/cpu-high', { jar: viewer.jar })).text();
    expect(page).toContain('<fieldset disabled=""');
    expect(page).not.toContain('id="override-form"');
  });

  it('edits a rule through the form; errors come back next to the fields, nothing saved', async () => {
    const before = await auditActions();
    const bad = await post('/monitoring/rules/cpu-high', form({ threshold: 'lots', forMin: '-3' }));
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toMatch(/id="f-threshold-err">Enter a number\./);
    expect(html).toMatch(/id="f-forMin-err">Cannot be negative\./);
    expect(html).toContain('value="lots"');
    const inconsistent = await post('/monitoring/rules/cpu-high', form({ clearThreshold: '95' }));
    expect(inconsistent.status).toBe(422);
    expect(await inconsistent.text()).toMatch(
      /id="f-clearThreshold-err">Must not be above the alert level \(90\)\./,
    );
    expect(await auditActions()).toEqual(before);

    expect(
      (await post('/monitoring/rules/cpu-high', form({ threshold: '80' }), viewer)).status,
    ).toBe(403);
    expect(
      (await post('/monitoring/rules/cpu-high', form({ threshold: '80' }), operator)).status,
    ).toBe(403);
    const noCsrf = await post('/monitoring/rules/cpu-high', {
      ...form({ threshold: '80' }),
      _csrf: 'wrong',
    });
    expect(noCsrf.status).toBe(403);

    const ok = await post(
      '/monitoring/rules/cpu-high',
      form({ threshold: '85', clearThreshold: '', forMin: '5' }),
    );
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toContain('/monitoring/rules/cpu-high?done=');
    const r = await t.deps.rules.get('cpu-high');
    expect([r.threshold, r.clearThreshold, r.forS]).toEqual([85, undefined, 300]);
    const htmx = await t.request('/monitoring/rules/cpu-high', {
      method: 'POST',
      jar: admin.jar,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true' },
      body: new URLSearchParams({ _csrf: admin.csrf, ...form({ severity: 'bogus' }) }),
    });
    expect(htmx.status).toBe(422);
    expect(await htmx.text()).toContain('id="f-severity"');
    expect((await post('/monitoring/rules/cpu-high/reset', {})).status).toBe(303);
    expect((await t.deps.rules.get('cpu-high')).threshold).toBe(90);
  });

  it('adds and removes an override through the form', async () => {
    const missing = await post('/monitoring/rules/cpu-high/overrides', {
      o_scope: 'type',
      o_type: '',
    });
    expect(missing.status).toBe(422);
    expect(await missing.text()).toMatch(
      /<div class="field invalid"><label for="f-o_type">[^]*?<p class="error-text">Choose a type\.<\/p>/,
    );
    const nothing = await post('/monitoring/rules/cpu-high/overrides', {
      o_scope: 'type',
      o_type: 'server',
    });
    expect(nothing.status).toBe(422);
    expect(await nothing.text()).toContain('Change at least one setting.');
    const ok = await post('/monitoring/rules/cpu-high/overrides', {
      o_scope: 'type',
      o_type: 'server',
      o_threshold: '75',
      o_severity: 'major',
    });
    expect(ok.status).toBe(303);
    const page = await (await t.request('/monitoring/rules/cpu-high', { jar: admin.jar })).text();
    expect(page).toContain('above 75 %, major');
    const rm = await post('/monitoring/rules/cpu-high/overrides/type/server/delete', {});
    expect(rm.status).toBe(303);
    expect((await t.deps.rules.get('cpu-high')).overrides).toEqual([]);
  });
});
