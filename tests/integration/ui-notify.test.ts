/**
 * Settings → Notifications and Maintenance, Monitoring → SNMP traps and a device's parent, through
 * the real app (app.request, a real store in a temporary directory): forms with CSRF and field
 * errors, roles, secrets never rendered back, test messages to a real webhook receiver on
 * 127.0.0.1, and received traps shown with their values escaped.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createTestApp,
  setupAdmin,
  login,
  jsonInit,
  type TestApp,
  type CookieJar,
} from '../helpers/app.js';
import { freePort } from '../helpers/service-process.js';
import {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifySignature,
} from '../../src/incidents/channels/webhook.js';
import type { DeviceRecord } from '../../src/store/types.js';
import type { TrapRecord } from '../../src/incidents/trap-decode.js';

type Session = { jar: CookieJar; csrf: string };

let t: TestApp;
let admin: Session;
let operator: Session;
let viewer: Session;

const SECRET = 'hook-signing-secret-never-shown-4b1d';
const NEW_SECRET = 'another-signing-secret-9e7f0a';

/** A webhook receiver on loopback that keeps what it got and answers with `status`. */
interface Receiver {
  url: string;
  got: Array<{ headers: Record<string, string | string[] | undefined>; body: string }>;
  close(): Promise<void>;
}
let hook: Receiver;

async function startReceiver(): Promise<Receiver> {
  const got: Receiver['got'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    got,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

beforeAll(async () => {
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
  hook = await startReceiver();
});
afterAll(async () => {
  await hook?.close();
  await t?.close();
});

function get(path: string, s: Session = admin) {
  return t.request(path, { jar: s.jar });
}
async function html(path: string, s: Session = admin): Promise<string> {
  const res = await get(path, s);
  expect(res.status, `GET ${path}`).toBe(200);
  return res.text();
}
/** A form post; an array value sends the field once per item (checkboxes, multi-selects). */
function post(
  path: string,
  fields: Record<string, string | string[]>,
  s: Session = admin,
  headers: Record<string, string> = {},
) {
  const body = new URLSearchParams({ _csrf: s.csrf });
  for (const [k, v] of Object.entries(fields))
    for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  return t.request(path, {
    method: 'POST',
    jar: s.jar,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
}
const htmx = { 'hx-request': 'true' };

/** The fields of a webhook channel form as a browser sends them. */
function webhookForm(over: Record<string, string | string[]> = {}) {
  return {
    name: 'Ticket system',
    enabled: 'on',
    kind: 'webhook',
    url: hook.url,
    secret: SECRET,
    headers: 'X-Tenant: branch-12',
    webhookTimeoutMs: '3000',
    // Other kinds' fields are sent too (the form has them all) and must not matter.
    emailHost: '',
    emailPort: '587',
    syslogHost: '',
    syslogPort: '514',
    minSeverity: 'major',
    deviceTypes: ['printer', 'switch'],
    notifyResolved: 'on',
    quietStart: '22:00',
    quietEnd: '07:00',
    digestMode: 'immediate',
    digestAt: '08:00',
    ...over,
  };
}

/** The field's error message as rendered next to it. */
function fieldError(page: string, field: string): string | undefined {
  return new RegExp(`id="f-${field}-err">([^<]*)<`).exec(page)?.[1];
}

describe('notification channels', () => {
  let channelId: string;

  it('an admin adds a webhook channel through the form; the secret is never rendered', async () => {
    const res = await post('/settings/notifications', webhookForm());
    expect(res.status, await res.clone().text()).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/settings\/notifications\?done=/);
    const [ch] = await t.deps.notifications.list();
    expect(ch).toMatchObject({
      name: 'Ticket system',
      kind: 'webhook',
      enabled: true,
      // Extra headers may carry a token: sealed like the secret, never shown back.
      settings: { url: hook.url, headers: { set: true }, secret: { set: true } },
      filters: { minSeverity: 'major', deviceTypes: ['printer', 'switch'], notifyResolved: true },
    });
    expect(ch!.filters.quietHours).toBeUndefined();
    expect(ch!.filters.digest).toBeUndefined();
    channelId = ch!.id;

    const list = await html('/settings/notifications');
    expect(list).toContain('Ticket system');
    expect(list).toContain('http://127.0.0.1:');
    expect(list).toContain('Major or worse');
    expect(list).not.toContain(SECRET);
    const edit = await html(`/settings/notifications/${channelId}/edit`);
    expect(edit).toContain('A signing secret is stored');
    expect(edit).not.toContain('branch-12');
    expect(edit).toContain('Headers are stored and encrypted');
    expect(edit).not.toContain(SECRET);
    expect(edit).toMatch(/name="deviceTypes" value="printer" checked/);
  });

  it('editing with an empty secret keeps the stored one; a new one replaces it', async () => {
    const res = await post(
      `/settings/notifications/${channelId}`,
      webhookForm({
        name: 'Tickets',
        secret: '',
        headers: '',
        digestMode: 'both',
        digestAt: '07:30',
      }),
    );
    expect(res.status, await res.clone().text()).toBe(303);
    const ch = await t.deps.notifications.get(channelId);
    expect(ch.name).toBe('Tickets');
    expect(ch.settings.secret).toEqual({ set: true });
    expect(ch.filters.digest).toEqual({ mode: 'both', at: '07:30' });

    // The kept secret is the old one: the test message is signed with it.
    const sent = await post(`/settings/notifications/${channelId}/test`, {}, admin, htmx);
    expect(sent.status).toBe(200);
    const fragment = await sent.text();
    expect(fragment).toContain('test sent');
    expect(fragment).not.toContain('<html');
    const last = hook.got.at(-1)!;
    const ts = String(last.headers[TIMESTAMP_HEADER.toLowerCase()]);
    const sig = String(last.headers[SIGNATURE_HEADER.toLowerCase()]);
    expect(verifySignature(SECRET, ts, last.body, sig)).toBe(true);
    expect(last.headers['x-tenant']).toBe('branch-12');

    expect(
      (
        await post(
          `/settings/notifications/${channelId}`,
          webhookForm({ name: 'Tickets', secret: NEW_SECRET }),
        )
      ).status,
    ).toBe(303);
    await post(`/settings/notifications/${channelId}/test`, {}, admin, htmx);
    const again = hook.got.at(-1)!;
    expect(
      verifySignature(
        NEW_SECRET,
        String(again.headers[TIMESTAMP_HEADER.toLowerCase()]),
        again.body,
        String(again.headers[SIGNATURE_HEADER.toLowerCase()]),
      ),
    ).toBe(true);
    expect(await html('/settings/notifications')).not.toContain(NEW_SECRET);
  });

  it('shows every problem next to its field and keeps what was typed (but not the secret)', async () => {
    const res = await post(
      '/settings/notifications',
      webhookForm({
        name: '',
        url: 'ftp://files.example.com/x',
        secret: 'too-short',
        headers: 'X-Good: yes\nno colon here',
        webhookTimeoutMs: 'soon',
        quiet: 'on',
        quietStart: '25:00',
      }),
    );
    expect(res.status).toBe(422);
    const page = await res.text();
    expect(fieldError(page, 'name')).toBe('Give the channel a name.');
    expect(fieldError(page, 'url')).toBe('Enter an http:// or https:// address.');
    expect(fieldError(page, 'secret')).toBe('Use a signing secret of at least 16 characters.');
    expect(fieldError(page, 'headers')).toContain('Line 2');
    expect(fieldError(page, 'webhookTimeoutMs')).toBe('Enter a timeout in milliseconds.');
    expect(fieldError(page, 'quietStart')).toBe('Use a 24-hour time such as 22:00.');
    expect(page).toContain('value="ftp://files.example.com/x"');
    expect(page).not.toContain('too-short');

    const mail = await post('/settings/notifications', {
      name: 'IT mail',
      enabled: 'on',
      kind: 'email',
      emailHost: 'mail.example.com',
      emailPort: '99999',
      security: 'starttls',
      password: 'a password without user',
      from: 'caretaker@example.com',
      to: 'it@example.com, not-an-address',
      minSeverity: 'warning',
      digestMode: 'immediate',
    });
    expect(mail.status).toBe(422);
    const mailPage = await mail.text();
    expect(fieldError(mailPage, 'emailPort')).toBe('Ports are 1 to 65535.');
    expect(fieldError(mailPage, 'to')).toMatch(/^not-an-address: Enter an e-mail address/);
    expect(fieldError(mailPage, 'username')).toBe(
      'Enter the user name that goes with the password.',
    );
    expect(mailPage).not.toContain('a password without user');
    expect(await t.deps.notifications.list()).toHaveLength(1);

    const dup = await post('/settings/notifications', webhookForm({ name: 'tickets' }));
    expect(dup.status).toBe(409);
    expect(fieldError(await dup.text(), 'name')).toContain('already exists');
  });

  it('viewers read, operators test, only admins change', async () => {
    const viewerList = await html('/settings/notifications', viewer);
    expect(viewerList).toContain('Tickets');
    expect(viewerList).not.toContain('Send test');
    expect(viewerList).not.toContain('/settings/notifications/new');
    expect(viewerList).toContain('>Notifications</a>');
    for (const s of [viewer, operator]) {
      expect((await post('/settings/notifications', webhookForm({ name: 'x' }), s)).status).toBe(
        403,
      );
      expect((await post(`/settings/notifications/${channelId}`, webhookForm(), s)).status).toBe(
        403,
      );
      expect((await post(`/settings/notifications/${channelId}/delete`, {}, s)).status).toBe(403);
      expect((await get(`/settings/notifications/${channelId}/edit`, s)).status).toBe(403);
    }
    expect((await post(`/settings/notifications/${channelId}/test`, {}, viewer, htmx)).status).toBe(
      403,
    );
    const opList = await html('/settings/notifications', operator);
    expect(opList).toContain('Send test');
    expect(opList).not.toContain(`/settings/notifications/${channelId}/edit`);
    const sent = await post(`/settings/notifications/${channelId}/test`, {}, operator, htmx);
    expect(sent.status).toBe(200);
    expect(await sent.text()).toContain('test sent');
    // Without CSRF token: refused.
    const noCsrf = await t.request(`/settings/notifications/${channelId}/test`, {
      method: 'POST',
      jar: operator.jar,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(noCsrf.status).toBe(403);
  });

  it('a test over an unreachable address shows the error inline, and on the page without htmx', async () => {
    const port = await freePort();
    const res = await post(
      '/settings/notifications',
      webhookForm({ name: 'Dead end', url: `http://127.0.0.1:${port}/nothing`, headers: '' }),
    );
    expect(res.status).toBe(303);
    const dead = (await t.deps.notifications.list()).find((c) => c.name === 'Dead end')!;
    const inline = await post(`/settings/notifications/${dead.id}/test`, {}, admin, htmx);
    expect(inline.status).toBe(200);
    const fragment = await inline.text();
    expect(fragment).toContain('test failed');
    expect(fragment).toMatch(/<code class="small">[A-Z_]+<\/code>/);

    const plain = await post(`/settings/notifications/${dead.id}/test`, {});
    expect(plain.status).toBe(303);
    const location = plain.headers.get('location')!;
    expect(location).toContain('failed=');
    const page = await html(location);
    expect(page).toContain('The test message over Dead end failed');
    // The channel's row shows its last error.
    expect(page).toContain('last attempt failed');

    const log = await html(`/settings/notifications/${dead.id}/deliveries`, viewer);
    expect(log).toContain('Test message');
    expect(log).toMatch(/class="badge s-failed">failed</);
    expect(log).toContain('1 attempt');
    const okLog = await html(`/settings/notifications/${channelId}/deliveries`);
    expect(okLog).toMatch(/class="badge s-ok">sent</);
    expect(
      (await get(`/settings/notifications/${channelId}/deliveries?before=%3Cx%3E`)).status,
    ).toBe(422);
  });

  it('an admin deletes a channel after a confirmation page', async () => {
    const dead = (await t.deps.notifications.list()).find((c) => c.name === 'Dead end')!;
    const confirm = await html(`/settings/notifications/${dead.id}/delete`);
    expect(confirm).toContain('Delete the channel “Dead end”?');
    expect(confirm).toContain(`action="/settings/notifications/${dead.id}/delete"`);
    const res = await post(`/settings/notifications/${dead.id}/delete`, {});
    expect(res.status).toBe(303);
    expect((await t.deps.notifications.list()).map((c) => c.name)).toEqual(['Tickets']);
    expect((await get(`/settings/notifications/${dead.id}/edit`)).status).toBe(404);
  });
});

describe('maintenance windows', () => {
  const form = (over: Record<string, string | string[]> = {}) => ({
    name: 'Printer firmware',
    reason: 'Vendor update <v2.1>',
    scopeKind: 'types',
    types: ['printer'],
    scheduleKind: 'weekly',
    days: ['1', '3'],
    at: '02:00',
    durationMin: '90',
    monthDay: '1',
    start: '',
    end: '',
    timeZone: 'Europe/Berlin',
    enabled: 'on',
    suppressNotifications: 'on',
    ...over,
  });

  it('an operator adds a weekly window; a bad time zone and missing days are shown by their fields', async () => {
    const bad = await post(
      '/settings/maintenance',
      form({ timeZone: 'Mars/Olympus_Mons', days: [], durationMin: '0' }),
      operator,
    );
    expect(bad.status).toBe(422);
    const page = await bad.text();
    expect(fieldError(page, 'timeZone')).toBe(
      'Use an IANA time zone such as Europe/Berlin or America/New_York.',
    );
    expect(page).toMatch(/<p class="error-text">Choose at least one day of the week.<\/p>/);
    expect(fieldError(page, 'durationMin')).toContain('Use a whole number of minutes');
    expect(page).toContain('value="Mars/Olympus_Mons"');
    expect(await t.deps.maintenance.list()).toHaveLength(0);

    const res = await post('/settings/maintenance', form(), operator);
    expect(res.status, await res.clone().text()).toBe(303);
    const [w] = await t.deps.maintenance.list();
    expect(w).toMatchObject({
      name: 'Printer firmware',
      scope: { kind: 'types', types: ['printer'] },
      schedule: { kind: 'weekly', days: [1, 3], at: '02:00', durationMin: 90 },
      timeZone: 'Europe/Berlin',
      suppressNotifications: true,
    });
    const list = await html('/settings/maintenance', viewer);
    expect(list).toContain('Every Monday and Wednesday at 02:00 for 1 h 30 min (Europe/Berlin)');
    expect(list).toContain('Vendor update &lt;v2.1&gt;');
    expect(list).toContain('Device types: Printer');
    expect(list).not.toContain('/settings/maintenance/new');
  });

  it('edits a window into a one-off that is active now, read in its own time zone', async () => {
    const [w] = await t.deps.maintenance.list();
    const edit = await html(`/settings/maintenance/${w!.id}/edit`, operator);
    expect(edit).toMatch(/name="days" value="1" checked/);
    expect(edit).toMatch(/name="days" value="3" checked/);
    expect(edit).not.toMatch(/name="days" value="5" checked/);

    // An hour ago until in an hour, as the clock in New York shows it.
    const local = (ms: number) => {
      const parts = Object.fromEntries(
        new Intl.DateTimeFormat('en-US', {
          timeZone: 'America/New_York',
          year: 'numeric',
          month: '2-digit',
          day: '2-digit',
          hour: '2-digit',
          minute: '2-digit',
          hourCycle: 'h23',
        })
          .formatToParts(ms)
          .map((p) => [p.type, p.value]),
      );
      return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
    };
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    const res = await post(
      `/settings/maintenance/${w!.id}`,
      form({
        scheduleKind: 'once',
        start: local(now - 3_600_000),
        end: local(now + 3_600_000),
        timeZone: 'America/New_York',
        scopeKind: 'site',
      }),
      operator,
    );
    expect(res.status, await res.clone().text()).toBe(303);
    const saved = await t.deps.maintenance.get(w!.id);
    expect(saved.schedule).toEqual({
      kind: 'once',
      start: new Date(now - 3_600_000).toISOString(),
      end: new Date(now + 3_600_000).toISOString(),
    });
    expect(saved.active).toBeDefined();
    const list = await html('/settings/maintenance');
    expect(list).toContain('class="active-window"');
    expect(list).toContain('active now');
    expect(list).toContain('The whole site');
    // The edit form shows the times as they were typed, on the window's clock.
    const again = await html(`/settings/maintenance/${w!.id}/edit`, operator);
    expect(again).toContain(`value="${local(now - 3_600_000)}"`);

    const backwards = await post(
      `/settings/maintenance/${w!.id}`,
      form({
        scheduleKind: 'once',
        start: local(now + 3_600_000),
        end: local(now),
        timeZone: 'America/New_York',
      }),
      operator,
    );
    expect(backwards.status).toBe(422);
    expect(fieldError(await backwards.text(), 'end')).toBe('The end must be after the start.');
  });

  it('only admins delete, after a confirmation page', async () => {
    const [w] = await t.deps.maintenance.list();
    expect((await get(`/settings/maintenance/${w!.id}/delete`, operator)).status).toBe(403);
    expect((await post(`/settings/maintenance/${w!.id}/delete`, {}, operator)).status).toBe(403);
    expect((await post('/settings/maintenance', form(), viewer)).status).toBe(403);
    const confirm = await html(`/settings/maintenance/${w!.id}/delete`);
    expect(confirm).toContain('It is active now');
    expect((await post(`/settings/maintenance/${w!.id}/delete`, {})).status).toBe(303);
    expect(await t.deps.maintenance.list()).toHaveLength(0);
  });
});

// ---- an inventory written straight into the store -------------------------------------------

const NOW = new Date().toISOString();
function device(id: string, name: string, n: number, type: string): DeviceRecord {
  return {
    id,
    name,
    nameSource: 'auto',
    ip: `192.168.60.${n}`,
    addresses: [`192.168.60.${n}`],
    type,
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

describe('SNMP traps and device parents', () => {
  beforeAll(async () => {
    await t.store.write([
      ...t.store.devices.putOps(device('dev-gw', 'gw-branch', 1, 'router')),
      ...t.store.devices.putOps(device('dev-sw', 'sw-floor', 2, 'switch')),
      ...t.store.devices.putOps(device('dev-prn', 'prn-reception', 3, 'printer')),
    ]);
    t.deps.parents.invalidate();
  });

  const trap = (n: number, over: Partial<TrapRecord> = {}): TrapRecord => ({
    receivedAt: Date.now() - 100_000 + n * 1000,
    address: '192.168.60.2',
    port: 50_000 + n,
    version: 'v2c',
    notification: 'trap',
    credentialId: null,
    trapOid: '1.3.6.1.6.3.1.1.5.3',
    kind: 'linkDown',
    ifIndex: 7,
    ifName: 'ge-0/0/7',
    operStatus: 'down',
    varbinds: [{ oid: '1.3.6.1.2.1.2.2.1.2.7', type: 'str', value: 'ge-0/0/7' }],
    omittedVarbinds: 0,
    ...over,
  });

  it('lists received traps with device links, unknown senders and escaped values', async () => {
    await t.store.write([
      t.store.traps.appendOp(trap(1), 'dev-sw'),
      t.store.traps.appendOp(
        trap(2, {
          address: '10.99.0.7',
          kind: 'vendor',
          trapOid: '1.3.6.1.4.1.9999.0.1',
          ifIndex: undefined,
          ifName: undefined,
          operStatus: undefined,
          varbinds: [
            { oid: '1.3.6.1.4.1.9999.1', type: 'str', value: '<script>alert(1)</script>' },
          ],
        }),
        undefined,
      ),
    ]);
    const page = await html('/monitoring/traps', viewer);
    expect(page).toContain('href="/devices/dev-sw">sw-floor</a>');
    expect(page).toContain('unknown: <code>10.99.0.7</code>');
    expect(page).toContain('Link down');
    expect(page).toContain('ge-0/0/7');
    expect(page).toContain('1.3.6.1.4.1.9999.0.1');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain('<script>alert(1)');
    // The receiver was not started in this test app: said so, not an error.
    expect(page).toContain('Receiver');

    const unknown = await html('/monitoring/traps?unknown=1');
    expect(unknown).toContain('10.99.0.7');
    expect(unknown).not.toContain('sw-floor</a>');
    expect((await get('/monitoring/traps?before=%3Cscript%3E')).status).toBe(422);

    const monitoring = await html('/monitoring');
    expect(monitoring).toContain('href="/monitoring/traps"');
  });

  it('pages through many traps by cursor', async () => {
    await t.store.write(
      Array.from({ length: 60 }, (_, i) =>
        t.store.traps.appendOp(trap(10 + i, { ifName: `port-${i}` }), 'dev-sw'),
      ),
    );
    const first = await html('/monitoring/traps');
    const next = /href="\/monitoring\/traps\?before=([^"]+)" rel="next"/.exec(first)?.[1];
    expect(next).toBeDefined();
    expect(first).toContain('port-59');
    const second = await html(`/monitoring/traps?before=${next}`);
    expect(second).not.toContain('port-59');
    expect(second).toContain('10.99.0.7');
    expect(second).toContain('← Newest</a>');
  });

  it('shows and overrides a device’s parent through the form, refusing a loop', async () => {
    const page = await html('/devices/dev-prn', viewer);
    expect(page).toContain('Parent (upstream device)');
    expect(page).not.toContain('action="/devices/dev-prn/parent"');
    expect((await post('/devices/dev-prn/parent', { parentId: 'dev-sw' }, viewer)).status).toBe(
      403,
    );

    const set = await post('/devices/dev-prn/parent', { parentId: 'dev-sw' }, operator);
    expect(set.status).toBe(303);
    expect(set.headers.get('location')).toMatch(/^\/devices\/dev-prn\?done=.*#upstream$/);
    const after = await html('/devices/dev-prn', operator);
    expect(after).toMatch(/Upstream: <a href="\/devices\/dev-sw">sw-floor<\/a>/);
    expect(after).toContain('set by hand');
    expect(after).toMatch(/<option value="dev-sw" selected/);
    expect(await t.deps.parents.overrides()).toMatchObject([
      { deviceId: 'dev-prn', parentId: 'dev-sw' },
    ]);

    expect((await post('/devices/dev-sw/parent', { parentId: 'dev-gw' }, operator)).status).toBe(
      303,
    );
    const loop = await post('/devices/dev-gw/parent', { parentId: 'dev-prn' }, operator);
    expect(loop.status).toBe(422);
    const loopPage = await loop.text();
    expect(fieldError(loopPage, 'parentId')).toMatch(/loop|cycle|circle/i);
    expect(loopPage).toMatch(/<option value="dev-prn" selected/);
    expect((await t.deps.parents.overrides()).map((o) => o.deviceId).sort()).toEqual([
      'dev-prn',
      'dev-sw',
    ]);
    const self = await post('/devices/dev-gw/parent', { parentId: 'dev-gw' }, operator);
    expect(self.status).toBe(422);

    expect((await post('/devices/dev-prn/parent', { parentId: 'none' }, operator)).status).toBe(
      303,
    );
    expect(await html('/devices/dev-prn')).toContain('Upstream: <strong>none</strong>');
    expect((await post('/devices/dev-prn/parent', { parentId: 'auto' }, operator)).status).toBe(
      303,
    );
    expect((await t.deps.parents.overrides()).map((o) => o.deviceId)).toEqual(['dev-sw']);
  });
});
