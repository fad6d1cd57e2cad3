/**
 * The incident pages through the real app (app.request, no network): events are written with
 * their inbox entries and folded by the real incident service, then listed, filtered, opened and
 * acted on through the UI routes (plain form posts and htmx fragments), with CSRF, roles, field
 * errors, conflicts and escaping checked. A webhook channel points at a closed port on 127.0.0.1,
 * so the notification shows a real failed attempt.
 */
import net from 'node:net';
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
import type { IncidentRecord } from '../../src/incidents/types.js';
import { applyProbe, parseReachState } from '../../src/monitor/reachability.js';

type Session = { jar: CookieJar; csrf: string };

const MIN = 60_000;
const START = Date.parse('2026-11-26T08:00:00Z');
const XSS_TITLE = '<script>alert("t")</script> port <b>Gi0/7</b> errors';
const XSS_NOTE = '<img src=x onerror=alert(1)> swapped the "cable" & reseated';

let t: TestApp;
let clock: ManualClock;
let admin: Session;
let operator: Session;
let viewer: Session;
let operatorId = '';

function device(id: string, over: Partial<DeviceRecord>): DeviceRecord {
  const seen = new Date(START).toISOString();
  return {
    id,
    name: id,
    nameSource: 'auto',
    ip: '192.168.50.250',
    addresses: [],
    type: 'unknown',
    typeSource: 'auto',
    reasons: [],
    snmp: { ok: false },
    services: [],
    interfaceCount: 0,
    notes: '',
    status: 'up',
    missedScans: 0,
    firstSeen: seen,
    lastSeen: seen,
    lastScanId: 'seeded',
    ...over,
  };
}

async function event(e: Omit<EventRecord, 'key' | 'at'>): Promise<void> {
  clock.advance(MIN);
  await t.store.write(t.store.events.appendOps(e, clock.now()));
}

function alert(
  deviceId: string,
  rule: string,
  severity: EventRecord['severity'],
  title: string,
  raised = true,
): Omit<EventRecord, 'key' | 'at'> {
  return {
    kind: raised ? 'alert.raised' : 'alert.cleared',
    severity: raised ? severity : 'info',
    deviceId,
    message: raised ? `${title}: 97 % (limit 90 %)` : `${title}: back to normal`,
    details: {
      key: `${rule}/${deviceId}/`,
      rule,
      title,
      value: 97,
      threshold: 90,
      alertSeverity: severity,
    },
  };
}

/** Unresolved and resolved incidents by title, straight from the service. */
async function byTitle(title: string): Promise<IncidentRecord> {
  const r = await t.deps.incidents.list({ state: 'all', limit: 200, offset: 0 });
  const found = r.items.find((i) => i.title === title);
  if (!found) throw new Error(`no incident titled ${title}`);
  return found;
}

async function freeClosedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

beforeAll(async () => {
  clock = new ManualClock(START);
  t = await createTestApp({ incidents: { notifyDelayS: 0 } }, { clock });
  await t.store.write([
    ...t.store.devices.putOps(device('dev-gw', { name: 'gw-branch', type: 'router' })),
    ...t.store.devices.putOps(device('dev-sw', { name: 'sw-floor2', type: 'switch' })),
    ...t.store.devices.putOps(device('dev-ws', { name: 'ws-017', type: 'workstation' })),
    ...t.store.devices.putOps(device('dev-nas', { name: 'nas-01', type: 'nas' })),
  ]);
  // The router in front of the workstation is down: the workstation's incident is suppressed.
  let reach = parseReachState(undefined);
  for (let i = 0; i < 4; i++)
    reach = applyProbe(reach, { up: false, at: START + i * MIN }, t.config.monitor).state;
  await t.store.write([t.store.monitorState.putOp({ deviceId: 'dev-gw', reach })]);

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
    if (username === 'olga') operatorId = ((await res.json()) as { user: { id: string } }).user.id;
  }
  operator = await login(t, 'olga', 'olga has a long password');
  viewer = await login(t, 'vera', 'vera has a long password');

  expect(
    (
      await t.request(
        '/api/v1/devices/dev-ws/parent',
        jsonInit('PUT', admin, { parentId: 'dev-gw' }),
      )
    ).status,
  ).toBe(200);
  const now = new Date(clock.now()).toISOString();
  const later = new Date(clock.now() + 6 * 3_600_000).toISOString();
  expect(
    (
      await t.request(
        '/api/v1/maintenance-windows',
        jsonInit('POST', admin, {
          name: 'Switch firmware',
          reason: 'Upgrade to 17.9',
          scope: { kind: 'devices', deviceIds: ['dev-sw'] },
          schedule: { kind: 'once', start: now, end: later },
        }),
      )
    ).status,
  ).toBe(201);
  expect(
    (
      await t.request(
        '/api/v1/channels',
        jsonInit('POST', admin, {
          name: 'Ops webhook',
          settings: {
            kind: 'webhook',
            url: `http://127.0.0.1:${await freeClosedPort()}/hook`,
            secret: 'a-signing-secret-0123456789',
          },
          filters: { minSeverity: 'warning' },
        }),
      )
    ).status,
  ).toBe(201);

  // A critical CPU alert on the router, raised three times (folded into one incident).
  for (let i = 0; i < 3; i++) await event(alert('dev-gw', 'cpu', 'critical', 'CPU load high'));
  // The workstation went missing behind the router.
  await event({
    kind: 'device.missing',
    severity: 'major',
    deviceId: 'dev-ws',
    message: 'ws-017 was not found by the last scans.',
  });
  // A switch alert with markup in its title, during the switch's maintenance window.
  await event(alert('dev-sw', 'if-errors', 'warning', XSS_TITLE));
  // The NAS restarted (a one-shot problem), and had a memory alert that cleared by itself.
  await event({
    kind: 'trap.received',
    severity: 'warning',
    deviceId: 'dev-nas',
    message: 'coldStart from nas-01',
    details: { trapKind: 'coldStart' },
  });
  await event(alert('dev-nas', 'mem', 'minor', 'Memory nearly full'));
  await event(alert('dev-nas', 'mem', 'minor', 'Memory nearly full', false));
  await t.deps.incidents.pump();
  // The notification for the router's incident is tried once and fails (nothing listens).
  await t.deps.notifications.processDue();
}, 60_000);

afterAll(async () => {
  await t?.close();
});

async function get(path: string, s: Session = admin, headers: Record<string, string> = {}) {
  return t.request(path, { jar: s.jar, headers });
}

async function html(path: string, s: Session = admin, headers: Record<string, string> = {}) {
  const res = await get(path, s, headers);
  expect(res.status, `GET ${path}`).toBe(200);
  return res.text();
}

/** A form post as a browser sends it (with the session's CSRF field unless `csrf` is false). */
async function post(
  path: string,
  s: Session,
  fields: Record<string, string> = {},
  opts: { htmx?: boolean; csrf?: boolean } = {},
) {
  const body = new URLSearchParams({
    ...(opts.csrf === false ? {} : { _csrf: s.csrf }),
    ...fields,
  });
  return t.request(path, {
    method: 'POST',
    jar: s.jar,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(opts.htmx ? { 'hx-request': 'true' } : {}),
    },
    body: body.toString(),
  });
}

/** The rows of the list, in order: [incident id, row html]. */
function rows(page: string): Array<[string, string]> {
  return [...page.matchAll(/<tr class="[^"]*" data-incident="([^"]+)">([\s\S]*?)<\/tr>/g)].map(
    (m) => [m[1]!, m[2]!],
  );
}

describe('the incident list', () => {
  it('replaces the placeholder and lists unresolved incidents, worst first', async () => {
    const page = await html('/incidents');
    expect(page).not.toContain('Not configured yet');
    expect(page).toContain('<h1>Incidents</h1>');
    const list = rows(page);
    // four unresolved (the memory alert resolved itself)
    expect(list).toHaveLength(4);
    expect(list[0]![1]).toContain('CPU load high');
    expect(list[0]![1]).toContain('class="sev sev-critical"');
    expect(list[1]![1]).toContain('Device missing from the network');
    expect(page).not.toContain('Memory nearly full');
    // folded events, the device link, the state
    expect(list[0]![1]).toContain('×3');
    expect(list[0]![1]).toContain('href="/devices/dev-gw">gw-branch</a>');
    expect(list[0]![1]).toContain('class="pill inc-open">Open<');
    // relative times
    expect(list[0]![1]).toMatch(/<time datetime="[^"]+" title="[^"]+">\d+ min ago<\/time>/);
    // flags: suppressed by the router, in the switch's maintenance window
    expect(list[1]![1]).toContain('suppressed by <a href="/devices/dev-gw">gw-branch</a>');
    const sw = list.find(([, r]) => r.includes('sw-floor2'))![1];
    expect(sw).toContain('in maintenance (Switch firmware)');
    // state tabs with counts
    expect(page).toMatch(/aria-current="page">Unresolved<span class="count"> 4<\/span>/);
    expect(page).toMatch(/>Open<span class="count"> 4<\/span>/);
  });

  it('escapes markup in titles', async () => {
    const page = await html('/incidents');
    expect(page).not.toContain('<script>alert("t")');
    expect(page).not.toContain('<b>Gi0/7</b>');
    expect(page).toContain('&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt; port &lt;b&gt;Gi0/7');
  });

  it('filters by state, severity, device and assignee', async () => {
    const resolved = rows(await html('/incidents?state=resolved'));
    expect(resolved).toHaveLength(1);
    expect(resolved[0]![1]).toContain('Memory nearly full');
    expect(resolved[0]![1]).toContain('class="pill inc-resolved"');

    expect(rows(await html('/incidents?state=all'))).toHaveLength(5);

    const major = rows(await html('/incidents?severity=major'));
    expect(major.map(([, r]) => /sev-(\w+)"/.exec(r)![1])).toEqual(['critical', 'major']);

    const sw = rows(await html('/incidents?device=dev-sw'));
    expect(sw).toHaveLength(1);
    expect(sw[0]![1]).toContain('sw-floor2');

    // empty form fields mean "any"
    expect(rows(await html('/incidents?severity=&device=&assignee='))).toHaveLength(4);
    // nothing assigned yet
    const mine = await html('/incidents?assignee=me', operator);
    expect(rows(mine)).toHaveLength(0);
    expect(mine).toContain('No incident matches these filters.');
    // the filter form keeps what was chosen
    expect(await html('/incidents?severity=major&device=dev-sw')).toMatch(
      /<option value="dev-sw" selected="">sw-floor2/,
    );
  });

  it('refuses a bad filter with a message', async () => {
    const res = await get('/incidents?severity=apocalyptic');
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('The filter is not valid');
  });

  it('serves the list body alone for its refresh, with the same filters', async () => {
    const page = await html('/incidents?severity=major');
    expect(page).toContain('hx-get="/incidents/body?severity=major"');
    expect(page).toContain('hx-trigger="every 10s"');
    const body = await html('/incidents/body?severity=major', admin, {
      'hx-request': 'true',
      'x-caretaker-poll': '1',
    });
    expect(body.startsWith('<div id="incident-results"')).toBe(true);
    expect(body).not.toContain('<html');
    expect(rows(body)).toHaveLength(2);
  });

  it('pages', async () => {
    for (let i = 0; i < 55; i++)
      await event(alert(`dev-x${String(i).padStart(2, '0')}`, 'ping', 'info', `Ping slow ${i}`));
    await t.deps.incidents.pump();
    const first = await html('/incidents');
    expect(rows(first)).toHaveLength(50);
    expect(first).toContain('Page 1 of 2');
    expect(first).toContain('href="/incidents?offset=50" rel="next"');
    const second = await html('/incidents?offset=50');
    expect(rows(second)).toHaveLength(9);
    expect(second).toContain('href="/incidents" rel="prev"');
    // the info incidents are last: worst first
    expect(rows(first)[0]![1]).toContain('CPU load high');
    // tidy up for the tests below
    for (let i = 0; i < 55; i++)
      await event(
        alert(`dev-x${String(i).padStart(2, '0')}`, 'ping', 'info', `Ping slow ${i}`, false),
      );
    await t.deps.incidents.pump();
    expect(rows(await html('/incidents'))).toHaveLength(4);
  });
});

describe('one incident', () => {
  it('shows the header, the timeline and the notifications', async () => {
    const inc = await byTitle('CPU load high');
    const page = await html(`/incidents/${inc.id}`);
    expect(page).toContain('<span class="inc-title-text">CPU load high</span>');
    expect(page).toContain('class="pill inc-open">Open<');
    expect(page).toContain('href="/devices/dev-gw">gw-branch</a>');
    expect(page).toContain('×3');
    expect(page).toContain('97<span class="muted"> (threshold 90)</span>');
    expect(page).toContain('Resolves by itself when the problem clears.');
    // the timeline: the three events, oldest first
    const events = [...page.matchAll(/data-kind="event"/g)];
    expect(events).toHaveLength(3);
    // the failed webhook delivery with its error
    const notes = page.slice(page.indexOf('id="notifications"'));
    expect(notes).toContain('Ops webhook');
    expect(notes).toContain('opened');
    expect(notes).toMatch(/class="badge dl-(pending|failed)"/);
    expect(notes).toMatch(/ECONNREFUSED|refused|connect/i);
    // an operator sees the actions
    const asOperator = await html(`/incidents/${inc.id}`, operator);
    expect(asOperator).toContain(`action="/incidents/${inc.id}/acknowledge"`);
    expect(asOperator).toContain(`<option value="${operatorId}" selected="">Me (olga)`);
  });

  it('notes suppression and maintenance', async () => {
    const ws = await html(`/incidents/${(await byTitle('Device missing from the network')).id}`);
    expect(ws).toMatch(/Suppressed by\s*<a href="\/devices\/dev-gw">gw-branch<\/a>/);
    expect(ws).toContain('held back');
    const sw = await html(`/incidents/${(await byTitle(XSS_TITLE)).id}`);
    expect(sw).toContain('In maintenance window “Switch firmware”');
    expect(sw).not.toContain('<script>alert("t")');
  });

  it('answers 404 for an unknown incident, on pages and actions', async () => {
    const res = await get('/incidents/2026-01-01T00:00:00.000Z-nope');
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('Page not found');
    expect((await post('/incidents/nope/acknowledge', operator)).status).toBe(404);
    expect((await post('/incidents/nope/notes', operator, { text: 'x' })).status).toBe(404);
  });

  it('shows viewers no buttons and refuses their actions', async () => {
    const inc = await byTitle('CPU load high');
    const page = await html(`/incidents/${inc.id}`, viewer);
    expect(page).not.toContain(`/incidents/${inc.id}/acknowledge`);
    expect(page).not.toContain('<textarea');
    expect(page).toContain('Operators and admins acknowledge');
    for (const [action, fields] of [
      ['acknowledge', {}],
      ['assign', { assigneeId: '' }],
      ['notes', { text: 'hello' }],
      ['resolve', {}],
    ] as const) {
      const res = await post(`/incidents/${inc.id}/${action}`, viewer, fields);
      expect(res.status, action).toBe(403);
    }
    expect((await byTitle('CPU load high')).state).toBe('open');
  });

  it('refuses an action without the CSRF token', async () => {
    const inc = await byTitle('CPU load high');
    const res = await post(`/incidents/${inc.id}/acknowledge`, operator, {}, { csrf: false });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('CSRF_REJECTED');
  });

  it('acknowledges (plain form: redirect back), then refuses a second time (409)', async () => {
    const inc = await byTitle('CPU load high');
    const res = await post(`/incidents/${inc.id}/acknowledge`, operator);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/incidents/${inc.id}?done=Acknowledged.`);
    const page = await html(res.headers.get('location')!, operator);
    expect(page).toContain('class="pill inc-acknowledged">Acknowledged<');
    expect(page).toContain('Acknowledged by olga.');
    expect(page).toMatch(/class="notice ok"[^>]*>Acknowledged\.</);
    // the acknowledge button is gone
    expect(page).not.toContain(`action="/incidents/${inc.id}/acknowledge"`);

    // a stale page posts again: the fragment comes back with the refusal
    const again = await post(`/incidents/${inc.id}/acknowledge`, operator, {}, { htmx: true });
    expect(again.status).toBe(409);
    const frag = await again.text();
    expect(frag.startsWith('<div id="incident-main"')).toBe(true);
    expect(frag).toContain('This incident is already acknowledged.');
  });

  it('assigns (htmx: the fragment comes back) and finds it under "me"', async () => {
    const inc = await byTitle('CPU load high');
    const res = await post(
      `/incidents/${inc.id}/assign`,
      operator,
      { assigneeId: operatorId },
      { htmx: true },
    );
    expect(res.status).toBe(200);
    const frag = await res.text();
    expect(frag.startsWith('<div id="incident-main"')).toBe(true);
    expect(frag).not.toContain('<html');
    expect(frag).toContain('Assigned to you.');
    expect(frag).toContain('Assigned to olga by olga.');
    const mine = rows(await html('/incidents?assignee=me', operator));
    expect(mine.map(([id]) => id)).toEqual([inc.id]);
    expect(mine[0]![1]).toContain('<td>olga</td>');
    expect(rows(await html('/incidents?assignee=me', admin))).toHaveLength(0);
  });

  it('refuses an unknown assignee next to the field', async () => {
    const inc = await byTitle('CPU load high');
    const res = await post(
      `/incidents/${inc.id}/assign`,
      operator,
      { assigneeId: 'no-such-user' },
      { htmx: true },
    );
    expect(res.status).toBe(422);
    const frag = await res.text();
    expect(frag).toMatch(/<select id="f-assigneeId" name="assigneeId" aria-invalid="true">/);
    expect(frag).toContain('<p class="error-text">Choose an existing user.</p>');
  });

  it('refuses an empty note with a field error, and escapes a note with markup', async () => {
    const inc = await byTitle('CPU load high');
    const empty = await post(
      `/incidents/${inc.id}/notes`,
      operator,
      { text: '   ' },
      { htmx: true },
    );
    expect(empty.status).toBe(422);
    const frag = await empty.text();
    expect(frag).toContain('id="f-text"');
    expect(frag).toMatch(/class="field invalid">\s*<label for="f-text">/);
    expect(frag).toContain('Write a note.');
    // without htmx: the whole page, with the same message
    const plain = await post(`/incidents/${inc.id}/notes`, operator, { text: '' });
    expect(plain.status).toBe(422);
    const page = await plain.text();
    expect(page).toContain('<!DOCTYPE html>');
    expect(page).toContain('Write a note.');

    const ok = await post(
      `/incidents/${inc.id}/notes`,
      operator,
      { text: XSS_NOTE },
      { htmx: true },
    );
    expect(ok.status).toBe(200);
    const after = await ok.text();
    expect(after).toContain('Note added.');
    expect(after).not.toContain('<img src=x');
    expect(after).toContain(
      '&lt;img src=x onerror=alert(1)&gt; swapped the &quot;cable&quot; &amp; reseated',
    );
    // the note field is empty again
    expect(after).toMatch(/<textarea id="f-text"[^>]*><\/textarea>/);
  });

  it('resolves with a note, then refuses to resolve again (409)', async () => {
    const inc = await byTitle('CPU load high');
    const res = await post(
      `/incidents/${inc.id}/resolve`,
      operator,
      { note: 'Killed the runaway backup job.' },
      { htmx: true },
    );
    expect(res.status).toBe(200);
    const frag = await res.text();
    expect(frag).toContain('class="pill inc-resolved">Resolved<');
    expect(frag).toContain('Resolved by olga: Killed the runaway backup job.');
    expect(frag).toMatch(/Time to resolve/);
    // only the note form is left
    expect(frag).not.toContain(`/incidents/${inc.id}/resolve"`);
    expect(frag).toContain(`/incidents/${inc.id}/notes"`);
    // the timeline reads in order: events, acknowledged, assigned, note, resolved
    const kinds = [...frag.matchAll(/data-kind="([\w-]+)"/g)]
      .map((m) => m[1])
      .filter((k) => k !== 'notified' && k !== 'notify-failed');
    expect(kinds).toEqual([
      'event',
      'opened',
      'event',
      'event',
      'acknowledged',
      'assigned',
      'note',
      'resolved',
    ]);

    const again = await post(`/incidents/${inc.id}/resolve`, operator, {}, { htmx: true });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('This incident is already resolved.');
    // without htmx: the page, with the refusal
    const plain = await post(`/incidents/${inc.id}/resolve`, operator, { note: 'again' });
    expect(plain.status).toBe(409);
    expect(await plain.text()).toContain('This incident is already resolved.');
    // response times over the last 30 days, on the list
    expect(await html('/incidents')).toMatch(
      /Last 30 days: \d+ incidents, mean time to acknowledge [^,]+, mean time to resolve [^.]+\./,
    );
    // the list moved it to the resolved ones
    expect(rows(await html('/incidents')).map(([id]) => id)).not.toContain(inc.id);
    expect(rows(await html('/incidents?state=resolved&device=dev-gw')).map(([id]) => id)).toEqual([
      inc.id,
    ]);
  });

  it('audits every action', async () => {
    const res = await t.request('/api/v1/audit?limit=50', jsonInit('GET', admin));
    const body = (await res.json()) as { items: Array<{ action: string }> };
    const actions = body.items.map((a) => a.action);
    for (const a of [
      'incident.acknowledged',
      'incident.assigned',
      'incident.note',
      'incident.resolved',
    ])
      expect(actions).toContain(a);
  });
});

describe('the dashboard', () => {
  it('shows the worst open incidents and the Incidents area as active', async () => {
    const page = await html('/');
    const block = page.slice(page.indexOf('id="dash-incidents"'));
    expect(block).toContain('Open incidents');
    expect(block).toContain('href="/incidents">All 3 unresolved (3 not acknowledged)</a>');
    expect(block.indexOf('Device missing from the network')).toBeGreaterThan(-1);
    expect(block.indexOf('Device missing from the network')).toBeLessThan(
      block.indexOf('Restarted (coldStart trap)'),
    );
    expect(block).not.toContain('<script>alert("t")');
    const areas = page.slice(page.indexOf('id="areas-h"'));
    expect(areas).toMatch(/<h2>Incidents<\/h2>\s*<span class="pill ok">active<\/span>/);
    expect(areas).toContain('3 unresolved incidents, 3 not acknowledged yet.');
    // the dashboard's refreshing body carries the card too
    expect(await html('/dashboard/body')).toContain('id="dash-incidents"');
  });
});
