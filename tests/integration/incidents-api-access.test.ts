/**
 * Who may change what in the incidents API (README "REST API"): a viewer reads and changes
 * nothing; an operator handles incidents, maintenance windows, parents and channel tests; only an
 * admin manages channels and deletes windows. A refused change leaves no trace in the store.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import {
  createTestApp,
  setupAdmin,
  login,
  jsonInit,
  type CookieJar,
  type TestApp,
} from '../helpers/app.js';

type Session = { jar: CookieJar; csrf: string };
let t: TestApp;
let admin: Session;
let operator: Session;
let viewer: Session;
let incidentId = '';
let windowId = '';
let channelId = '';
let deviceId = '';
const PASSWORD = 'a long enough password';

beforeAll(async () => {
  t = await createTestApp({ incidents: { notifyDelayS: 0 } });
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

  const now = t.deps.clock.now();
  await t.store.write(
    t.store.events.appendOps(
      {
        kind: 'alert.raised',
        severity: 'major',
        deviceId: 'dev1',
        message: 'dev1 is hot',
        details: { key: 'temp-high/dev1/', rule: 'temp-high', title: 'Hot' },
      },
      now,
    ),
  );
  await t.deps.incidents.pump();
  incidentId = (await t.deps.incidents.list({ state: 'all', limit: 5, offset: 0 })).items[0]!.id;

  const win = await t.request(
    '/api/v1/maintenance-windows',
    jsonInit('POST', admin, {
      name: 'patch night',
      reason: 'updates',
      scope: { kind: 'site' },
      schedule: { kind: 'daily', at: '02:00', durationMin: 60 },
    }),
  );
  expect(win.status).toBe(201);
  windowId = ((await win.json()) as { window: { id: string } }).window.id;

  const ch = await t.request(
    '/api/v1/channels',
    jsonInit('POST', admin, {
      name: 'hook',
      settings: {
        kind: 'webhook',
        url: 'http://127.0.0.1:9/hook',
        secret: 'a-signing-secret-1234',
      },
    }),
  );
  expect(ch.status).toBe(201);
  channelId = ((await ch.json()) as { channel: { id: string } }).channel.id;

  const devices = await t.store.devices.list();
  deviceId = devices[0]?.id ?? 'none';
});
afterAll(async () => {
  await t?.close();
});

/** Each state change with the least role it needs and a body it would accept. */
const changes = () =>
  [
    ['POST', `/api/v1/incidents/${incidentId}/acknowledge`, 'operator', {}],
    ['POST', `/api/v1/incidents/${incidentId}/notes`, 'operator', { text: 'looking' }],
    ['POST', `/api/v1/incidents/${incidentId}/assign`, 'operator', { assigneeId: null }],
    ['POST', `/api/v1/incidents/${incidentId}/resolve`, 'operator', {}],
    [
      'POST',
      '/api/v1/maintenance-windows',
      'operator',
      {
        name: 'another',
        reason: 'r',
        scope: { kind: 'site' },
        schedule: { kind: 'daily', at: '03:00', durationMin: 30 },
      },
    ],
    [
      'PUT',
      `/api/v1/maintenance-windows/${windowId}`,
      'operator',
      {
        name: 'patch night',
        reason: 'updates',
        scope: { kind: 'site' },
        schedule: { kind: 'daily', at: '02:30', durationMin: 60 },
      },
    ],
    ['DELETE', `/api/v1/maintenance-windows/${windowId}`, 'admin', undefined],
    [
      'POST',
      '/api/v1/channels',
      'admin',
      {
        name: 'another hook',
        settings: { kind: 'webhook', url: 'http://127.0.0.1:9/x', secret: 'a-signing-secret-5678' },
      },
    ],
    [
      'PUT',
      `/api/v1/channels/${channelId}`,
      'admin',
      {
        name: 'hook',
        settings: { kind: 'webhook', url: 'http://127.0.0.1:9/y', secret: 'a-signing-secret-1234' },
      },
    ],
    ['POST', `/api/v1/channels/${channelId}/test`, 'operator', undefined],
    ['DELETE', `/api/v1/channels/${channelId}`, 'admin', undefined],
    ['PUT', `/api/v1/devices/${deviceId}/parent`, 'operator', { parentId: null }],
  ] as const;

describe('incidents API authorization', () => {
  it('a viewer reads everything and changes nothing', async () => {
    for (const path of [
      '/api/v1/incidents?state=all',
      `/api/v1/incidents/${incidentId}`,
      '/api/v1/incidents/stats',
      '/api/v1/maintenance-windows',
      `/api/v1/maintenance-windows/${windowId}`,
      '/api/v1/channels',
      `/api/v1/channels/${channelId}`,
      `/api/v1/channels/${channelId}/deliveries`,
      '/api/v1/traps',
    ]) {
      const res = await t.request(path, { jar: viewer.jar });
      expect(res.status, path).toBe(200);
    }
    const auditBefore = (await t.store.audit.page(500)).length;
    for (const [method, path, , body] of changes()) {
      const res = await t.request(path, jsonInit(method, viewer, body));
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    expect((await t.store.audit.page(500)).length).toBe(auditBefore);
    expect((await t.deps.incidents.get(incidentId)).incident.state).toBe('open');
  });

  it('an operator handles incidents, windows and parents but not channels or deletes', async () => {
    for (const [method, path, least, body] of changes()) {
      const res = await t.request(path, jsonInit(method, operator, body));
      if (least === 'admin') expect(res.status, `${method} ${path}`).toBe(403);
      // Allowed: whatever the outcome (a test send to a closed port, an unknown device), not 403.
      else expect(res.status, `${method} ${path}`).not.toBe(403);
    }
  });
});
