/**
 * Service checks through the real app (app.request, no network for HTTP): the JSON API with
 * roles, tokens, CSRF and bad input (clear errors, nothing stored lost), every change audited,
 * the device's checks page and its forms with and without htmx, running the checks against
 * listeners on 127.0.0.1, and removing a device's checks with the device.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import net from 'node:net';
import {
  createTestApp,
  setupAdmin,
  login,
  jsonInit,
  type TestApp,
  type CookieJar,
} from '../helpers/app.js';
import type { DeviceRecord } from '../../src/store/types.js';

type Session = { jar: CookieJar; csrf: string };

let t: TestApp;
let admin: Session;
let operator: Session;
let viewer: Session;
let readToken: string;
let listener: net.Server;
let openPort: number;
let closedPort: number;

const NOW = new Date().toISOString();

function device(id: string, ip: string): DeviceRecord {
  return {
    id,
    name: `${id}-name`,
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
    firstSeen: NOW,
    lastSeen: NOW,
    lastScanId: 'seeded',
  };
}

beforeAll(async () => {
  listener = net.createServer((s) => s.end());
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  openPort = (listener.address() as net.AddressInfo).port;
  const tmp = net.createServer();
  await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', r));
  closedPort = (tmp.address() as net.AddressInfo).port;
  await new Promise((r) => tmp.close(r));

  t = await createTestApp();
  admin = await setupAdmin(t);
  for (const [username, role] of [
    ['olga', 'operator'],
    ['vera', 'viewer'],
  ] as const) {
    const res = await t.request(
      '/api/v1/users',
      jsonInit('POST', admin, { username, password: `${username} has a long password`, role }),
    );
    expect(res.status).toBe(201);
  }
  operator = await login(t, 'olga', 'olga has a long password');
  viewer = await login(t, 'vera', 'vera has a long password');
  const tok = await t.request(
    '/api/v1/tokens',
    jsonInit('POST', admin, { name: 'hq', scope: 'read' }),
  );
  readToken = ((await tok.json()) as { token: string }).token;
  await t.store.write([
    ...t.store.devices.putOps(device('dev-a', '127.0.0.1')),
    ...t.store.devices.putOps(device('dev-b', '127.0.0.2')),
    ...t.store.devices.putOps(device('dev-gone', '127.0.0.3')),
  ]);
});
afterAll(async () => {
  await t?.close();
  await new Promise((r) => listener?.close(r));
});

const api = (p: string, init?: RequestInit & { jar?: CookieJar }) => t.request(p, init);
async function items(query = '', s: Session = admin) {
  const r = await api(`/api/v1/checks${query}`, { jar: s.jar });
  expect(r.status).toBe(200);
  return ((await r.json()) as { items: Array<Record<string, unknown>> }).items;
}
async function audit(action: string) {
  const r = await api('/api/v1/audit?limit=200', { jar: admin.jar });
  const all = ((await r.json()) as { items: Array<{ action: string; target?: string }> }).items;
  return all.filter((e) => e.action === action);
}

const TCP = { kind: 'tcp', name: 'SSH', deviceId: 'dev-a', port: 22 };

describe('checks API: create and read', () => {
  let id: string;

  it('an operator adds a check: 201, defaults applied, audited', async () => {
    const r = await api('/api/v1/checks', jsonInit('POST', operator, TCP));
    expect(r.status).toBe(201);
    const check = ((await r.json()) as { check: Record<string, unknown> }).check;
    expect(check).toMatchObject({ ...TCP, enabled: true, timeoutMs: 5000 });
    expect(check.id).toMatch(/^[\w-]{12}$/);
    id = check.id as string;
    const entries = await audit('check.created');
    expect(entries.map((e) => e.target)).toContain(`check:${id}`);
  });

  it('everyone signed in reads them, filtered by device; a read token too', async () => {
    await api(
      '/api/v1/checks',
      jsonInit('POST', admin, {
        kind: 'http',
        name: 'Intranet',
        deviceId: 'dev-b',
        https: true,
        keyword: 'Welcome',
      }),
    );
    expect((await items('', viewer)).map((c) => c.name).sort()).toEqual(['Intranet', 'SSH']);
    expect((await items('?deviceId=dev-a', viewer)).map((c) => c.name)).toEqual(['SSH']);
    const one = await api(`/api/v1/checks/${id}`, { jar: viewer.jar });
    expect(((await one.json()) as { check: { name: string } }).check.name).toBe('SSH');
    const byToken = await api('/api/v1/checks?deviceId=dev-b', {
      headers: { authorization: `Bearer ${readToken}` },
    });
    expect(byToken.status).toBe(200);
    const list = (await byToken.json()) as { items: unknown[]; total: number; limit: number };
    expect(list).toMatchObject({ total: 1, limit: 500, offset: 0 });
  });

  it('an unknown device in the filter or the body is 404; an unknown check is 404', async () => {
    const r = await api('/api/v1/checks?deviceId=nope', { jar: admin.jar });
    expect(r.status).toBe(404);
    const c = await api('/api/v1/checks', jsonInit('POST', admin, { ...TCP, deviceId: 'nope' }));
    expect(c.status).toBe(404);
    expect(((await c.json()) as { error: { message: string } }).error.message).toMatch(/device/i);
    expect((await api('/api/v1/checks/nope', { jar: admin.jar })).status).toBe(404);
  });

  it('anonymous callers get 401', async () => {
    expect((await api('/api/v1/checks')).status).toBe(401);
  });
});

describe('checks API: who may change them', () => {
  it('viewers and read tokens may not add, change or delete (403), and nothing changes', async () => {
    const before = await items();
    const target = before[0]!.id as string;
    const attempts = [
      await api('/api/v1/checks', jsonInit('POST', viewer, { ...TCP, name: 'V' })),
      await api(
        `/api/v1/checks/${target}`,
        jsonInit('PUT', viewer, { ...TCP, deviceId: undefined }),
      ),
      await api(`/api/v1/checks/${target}`, jsonInit('DELETE', viewer)),
      await api('/api/v1/checks', {
        method: 'POST',
        headers: { authorization: `Bearer ${readToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...TCP, name: 'T' }),
      }),
    ];
    for (const r of attempts) {
      expect(r.status).toBe(403);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    }
    expect(await items()).toEqual(before);
  });

  it('a session without the CSRF token is refused and nothing is stored', async () => {
    const before = await items();
    const r = await api('/api/v1/checks', {
      method: 'POST',
      jar: operator.jar,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...TCP, name: 'no csrf' }),
    });
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('CSRF_REJECTED');
    const foreign = await api('/api/v1/checks', {
      ...jsonInit('POST', operator, { ...TCP, name: 'foreign' }),
      headers: {
        'content-type': 'application/json',
        'x-csrf-token': operator.csrf,
        origin: 'http://evil.example',
      },
    });
    expect(foreign.status).toBe(403);
    expect(await items()).toEqual(before);
  });
});

describe('checks API: bad input gets a clear answer and loses nothing', () => {
  it('every bad field is named at once (422)', async () => {
    const before = await items();
    const r = await api(
      '/api/v1/checks',
      jsonInit('POST', operator, {
        kind: 'http',
        deviceId: 'dev-a',
        name: '',
        port: 70000,
        path: 'no-slash',
        expectStatus: '2xx',
        extra: 1,
      }),
    );
    expect(r.status).toBe(422);
    const e = ((await r.json()) as { error: { code: string; message: string; fields: object } })
      .error;
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(Object.keys(e.fields).sort()).toEqual(
      ['(root)', 'expectStatus', 'name', 'path', 'port'].sort(),
    );
    expect(e.message).toMatch(/Ports are 1 to 65535/);
    expect(await items()).toEqual(before);
  });

  it('an unknown kind, malformed JSON and a non-JSON body', async () => {
    const kind = await api(
      '/api/v1/checks',
      jsonInit('POST', operator, { kind: 'ftp', name: 'x', deviceId: 'dev-a' }),
    );
    expect(kind.status).toBe(422);
    expect(((await kind.json()) as { error: { message: string } }).error.message).toMatch(
      /tcp, http or dns/,
    );
    const bad = await api('/api/v1/checks', {
      method: 'POST',
      jar: operator.jar,
      headers: { 'content-type': 'application/json', 'x-csrf-token': operator.csrf },
      body: '{"kind": "tcp", ',
    });
    expect(bad.status).toBe(400);
    const form = await api('/api/v1/checks', {
      method: 'POST',
      jar: operator.jar,
      headers: { 'content-type': 'text/plain', 'x-csrf-token': operator.csrf },
      body: 'kind=tcp',
    });
    expect(form.status).toBe(415);
  });

  it('a second check with the same name on a device is a 409 naming the field', async () => {
    const r = await api('/api/v1/checks', jsonInit('POST', operator, { ...TCP, name: 'ssh' }));
    expect(r.status).toBe(409);
    const e = ((await r.json()) as { error: { code: string; fields: Record<string, string> } })
      .error;
    expect(e.code).toBe('CHECK_NAME_TAKEN');
    expect(e.fields.name).toMatch(/already has a check named/);
    // The same name on another device is fine.
    const other = await api(
      '/api/v1/checks',
      jsonInit('POST', operator, { ...TCP, deviceId: 'dev-gone' }),
    );
    expect(other.status).toBe(201);
  });

  it('invalid queries are refused', async () => {
    for (const q of ['limit=0', 'limit=x', 'bogus=1'])
      expect((await api(`/api/v1/checks?${q}`, { jar: admin.jar })).status).toBe(422);
  });
});

describe('checks API: update and delete', () => {
  it('PUT replaces the definition (not the device), audits what changed', async () => {
    const ssh = (await items('?deviceId=dev-a'))[0]!;
    const r = await api(
      `/api/v1/checks/${ssh.id as string}`,
      jsonInit('PUT', operator, { kind: 'tcp', name: 'SSH', port: 2222, enabled: false }),
    );
    expect(r.status).toBe(200);
    const check = ((await r.json()) as { check: Record<string, unknown> }).check;
    expect(check).toMatchObject({ port: 2222, enabled: false, deviceId: 'dev-a' });
    expect(check.createdAt).toBe(ssh.createdAt);
    const [entry] = (await audit('check.updated')) as Array<{ details?: Record<string, unknown> }>;
    expect(entry!.details).toMatchObject({
      port: { from: 22, to: 2222 },
      enabled: { from: true, to: false },
    });
  });

  it('PUT cannot move a check to another device, and bad input leaves it as it was', async () => {
    const ssh = (await items('?deviceId=dev-a'))[0]!;
    const move = await api(
      `/api/v1/checks/${ssh.id as string}`,
      jsonInit('PUT', operator, { kind: 'tcp', name: 'SSH', port: 22, deviceId: 'dev-b' }),
    );
    expect(move.status).toBe(422);
    expect(((await move.json()) as { error: { message: string } }).error.message).toMatch(
      /deviceId/,
    );
    const bad = await api(
      `/api/v1/checks/${ssh.id as string}`,
      jsonInit('PUT', operator, { kind: 'tcp', name: 'SSH', port: -1 }),
    );
    expect(bad.status).toBe(422);
    expect((await items('?deviceId=dev-a'))[0]).toEqual(ssh);
  });

  it('DELETE by an operator: 204, audited, gone', async () => {
    const [gone] = await items('?deviceId=dev-gone');
    const r = await api(`/api/v1/checks/${gone!.id as string}`, jsonInit('DELETE', operator));
    expect(r.status).toBe(204);
    expect((await api(`/api/v1/checks/${gone!.id as string}`, { jar: admin.jar })).status).toBe(
      404,
    );
    expect((await audit('check.deleted')).map((e) => e.target)).toContain(
      `check:${gone!.id as string}`,
    );
    const again = await api(`/api/v1/checks/${gone!.id as string}`, jsonInit('DELETE', operator));
    expect(again.status).toBe(404);
  });
});

describe('running the checks', () => {
  it('runAll runs enabled checks against the device address and keeps the latest results', async () => {
    const mk = async (body: Record<string, unknown>) => {
      const r = await api('/api/v1/checks', jsonInit('POST', operator, body));
      expect(r.status).toBe(201);
      return ((await r.json()) as { check: { id: string } }).check.id;
    };
    const up = await mk({ kind: 'tcp', name: 'open', deviceId: 'dev-a', port: openPort });
    const down = await mk({ kind: 'tcp', name: 'closed', deviceId: 'dev-a', port: closedPort });
    const paused = (await items('?deviceId=dev-a')).find((c) => c.name === 'SSH')!;
    const intranet = (await items('?deviceId=dev-b'))[0]!;
    // The intranet check goes to 127.0.0.2:443, where nothing listens on loopback.
    const summary = await t.deps.checks.runAll(new AbortController().signal);
    expect(summary.ran).toBe(3);
    expect(summary.failed).toBe(2);
    const a = summary.samples.find((s) => s.deviceId === 'dev-a')!.samples;
    expect(a).toContainEqual({ metric: 'svc.up', instance: up, value: 1 });
    expect(a).toContainEqual({ metric: 'svc.up', instance: down, value: 0 });
    expect(a.find((s) => s.metric === 'svc.rtt_ms' && s.instance === up)).toBeDefined();

    const got = async (id: string) =>
      (
        (await (await api(`/api/v1/checks/${id}`, { jar: viewer.jar })).json()) as {
          check: { lastResult?: Record<string, unknown> };
        }
      ).check.lastResult;
    expect(await got(up)).toMatchObject({ ok: true, checkId: up });
    expect(await got(down)).toMatchObject({ ok: false, error: { code: 'PORT_CLOSED' } });
    expect(await got(intranet.id as string)).toMatchObject({ ok: false });
    expect(await got(paused.id as string)).toBeUndefined();

    // Renaming keeps the result; changing what is checked drops it (it would mislead).
    await api(
      `/api/v1/checks/${up}`,
      jsonInit('PUT', operator, { kind: 'tcp', name: 'open port', port: openPort }),
    );
    expect(await got(up)).toMatchObject({ ok: true });
    await api(
      `/api/v1/checks/${up}`,
      jsonInit('PUT', operator, { kind: 'tcp', name: 'open port', port: closedPort }),
    );
    expect(await got(up)).toBeUndefined();
  });

  it('an aborted run rejects and records nothing', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(t.deps.checks.runAll(ac.signal)).rejects.toMatchObject({ code: 'ABORTED' });
  });
});

// ---- the UI ---------------------------------------------------------------------------------

function form(path: string, fields: Record<string, string>, s: Session, extra: object = {}) {
  return t.request(path, {
    method: 'POST',
    jar: s.jar,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...extra },
    body: new URLSearchParams({ _csrf: s.csrf, ...fields }),
  });
}

describe('the checks page and its forms', () => {
  it('a viewer sees the checks and their results, without forms', async () => {
    const r = await t.request('/devices/dev-a/checks', { jar: viewer.jar });
    expect(r.status).toBe(200);
    const html = await r.text();
    expect(html).toContain('id="checks"');
    expect(html).toContain('open port');
    expect(html).toContain('paused');
    expect(html).toContain('PORT_CLOSED');
    expect(html).not.toContain('Add a check');
    expect(html).not.toContain('/delete');
  });

  it('an operator adds a check with the plain form: 303 back to the list', async () => {
    const r = await form(
      '/devices/dev-b/checks',
      {
        name: 'Branch DNS',
        kind: 'dns',
        query: 'fileserver.branch.lan',
        type: 'A',
        dnsPort: '53',
        expect: '',
        timeoutMs: '2000',
        enabled: 'on',
        tcpPort: 'ignored for dns',
      },
      operator,
    );
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toMatch(/^\/devices\/dev-b\/checks\?done=/);
    const dns = (await items('?deviceId=dev-b')).find((c) => c.name === 'Branch DNS');
    expect(dns).toMatchObject({ kind: 'dns', query: 'fileserver.branch.lan', timeoutMs: 2000 });
    expect(dns).not.toHaveProperty('expect');
    const page = await (await t.request(r.headers.get('location')!, { jar: operator.jar })).text();
    expect(page).toContain('Check Branch DNS added.');
    expect(page).toContain('DNS A fileserver.branch.lan');
  });

  it('field errors come back next to the fields with the values kept (422), nothing stored', async () => {
    const before = await items();
    const r = await form(
      '/devices/dev-b/checks',
      { name: 'Web', kind: 'http', httpPort: '99999', path: 'x', expectStatus: '200' },
      operator,
    );
    expect(r.status).toBe(422);
    const html = await r.text();
    expect(html).toMatch(/id="chk-httpPort-err"[^>]*>Ports are 1 to 65535\./);
    expect(html).toMatch(/id="chk-path-err"[^>]*>Start the path with \//);
    expect(html).toContain('value="99999"');
    expect(html).toContain('value="Web"');
    expect(await items()).toEqual(before);
    const dup = await form(
      '/devices/dev-b/checks',
      { name: 'branch dns', kind: 'tcp', tcpPort: '53' },
      operator,
    );
    expect(dup.status).toBe(409);
    expect(await dup.text()).toMatch(/id="chk-name-err"[^>]*>This device already has a check/);
    const noPort = await form('/devices/dev-b/checks', { name: 'x', kind: 'tcp' }, operator);
    expect(noPort.status).toBe(422);
    expect(await noPort.text()).toContain('id="chk-tcpPort-err"');
  });

  it('with htmx the same posts work: the section comes back to swap in place', async () => {
    const r = await form(
      '/devices/dev-b/checks',
      { name: '', kind: 'tcp', tcpPort: '80' },
      operator,
      { 'hx-request': 'true' },
    );
    expect(r.status).toBe(422);
    const html = await r.text();
    expect(html).toContain('<section class="card" id="checks">');
    expect(html).toContain('Give the check a name.');
    const page = await t.request('/devices/dev-b/checks', { jar: operator.jar });
    const text = await page.text();
    expect(text).toContain('hx-post="/devices/dev-b/checks"');
    expect(text).toContain('hx-select="#checks"');
  });

  it('edit: the form comes filled in; saving changes the check; removing deletes it', async () => {
    const dns = (await items('?deviceId=dev-b')).find((c) => c.name === 'Branch DNS')!;
    const id = dns.id as string;
    const edit = await t.request(`/devices/dev-b/checks/${id}/edit`, { jar: operator.jar });
    expect(edit.status).toBe(200);
    const html = await edit.text();
    expect(html).toContain(`action="/devices/dev-b/checks/${id}"`);
    expect(html).toContain('value="fileserver.branch.lan"');
    expect(html).toContain('Save check');
    const saved = await form(
      `/devices/dev-b/checks/${id}`,
      {
        name: 'Branch DNS',
        kind: 'dns',
        query: 'fileserver.branch.lan',
        type: 'A',
        expect: '127.0.0.9',
        dnsPort: '5353',
        timeoutMs: '2000',
      },
      operator,
    );
    expect(saved.status).toBe(303);
    expect((await items('?deviceId=dev-b')).find((c) => c.id === id)).toMatchObject({
      port: 5353,
      expect: '127.0.0.9',
      enabled: false,
    });
    // A check id under another device's path is not found.
    expect((await form(`/devices/dev-a/checks/${id}/delete`, {}, operator)).status).toBe(404);
    const del = await form(`/devices/dev-b/checks/${id}/delete`, {}, operator);
    expect(del.status).toBe(303);
    expect((await items('?deviceId=dev-b')).find((c) => c.id === id)).toBeUndefined();
  });

  it('viewers may not post; a form without the CSRF token is refused', async () => {
    const before = await items();
    const v = await form('/devices/dev-a/checks', { name: 'v', kind: 'tcp', tcpPort: '1' }, viewer);
    expect(v.status).toBe(403);
    expect(
      (
        await t.request(`/devices/dev-a/checks/${before[0]!.id as string}/edit`, {
          jar: viewer.jar,
        })
      ).status,
    ).toBe(403);
    const noCsrf = await t.request('/devices/dev-a/checks', {
      method: 'POST',
      jar: operator.jar,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: 'n', kind: 'tcp', tcpPort: '1' }),
    });
    expect(noCsrf.status).toBe(403);
    expect(await items()).toEqual(before);
    expect((await t.request('/devices/nope/checks', { jar: viewer.jar })).status).toBe(404);
  });
});

describe('deleting a device', () => {
  it("deleteOpsForDevice removes the device's checks and results in the device's batch", async () => {
    const before = await items('?deviceId=dev-a');
    expect(before.length).toBeGreaterThan(0);
    const d = (await t.store.devices.get('dev-a'))!;
    await t.store.write([
      ...(await t.store.devices.deleteOps(d)),
      ...(await t.deps.checks.deleteOpsForDevice('dev-a')),
    ]);
    expect((await items()).filter((c) => c.deviceId === 'dev-a')).toEqual([]);
    expect(await t.store.serviceChecks.idsOfDevice('dev-a')).toEqual([]);
    const results = await t.store.serviceChecks.allResults();
    for (const c of before) expect(results.has(c.id as string)).toBe(false);
    // Other devices' checks are untouched.
    expect((await items('?deviceId=dev-b')).length).toBeGreaterThan(0);
  });
});
