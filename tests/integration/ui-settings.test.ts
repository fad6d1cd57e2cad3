import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFile } from 'node:fs/promises';
import {
  createTestApp,
  setupAdmin,
  login,
  ManualClock,
  type TestApp,
  CookieJar,
} from '../helpers/app.js';

let t: TestApp;
let admin: { jar: CookieJar; csrf: string };
const clock = new ManualClock(Date.now());

beforeAll(async () => {
  t = await createTestApp({}, { clock });
  admin = await setupAdmin(t);
});
afterAll(async () => {
  await t?.close();
});

function post(path: string, fields: Record<string, string>, s = admin) {
  return t.request(path, {
    method: 'POST',
    jar: s.jar,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: s.csrf, ...fields }),
  });
}

describe('settings pages', () => {
  it('the shell shows every area of the product, and areas explain what they will do', async () => {
    const html = await (await t.request('/', { jar: admin.jar })).text();
    for (const label of [
      'Dashboard',
      'Devices',
      'Monitoring',
      'Incidents',
      'Updates',
      'Backups',
      'Reports',
      'Settings',
    ]) {
      expect(html).toContain(`>${label}</a>`);
    }
    expect(html).toContain('Housekeeping');
    const devices = await (await t.request('/devices', { jar: admin.jar })).text();
    expect(devices).toContain('Not configured yet');
    expect(devices).toContain('aria-current="page"');
  });

  it('users: add, change role, set a password, disable and delete through forms', async () => {
    const add = await post('/settings/users', {
      username: 'Nina',
      displayName: 'Nina N.',
      role: 'operator',
      password: 'nina has a long password',
    });
    expect(add.status).toBe(303);
    const nina = await t.store.users.getByName('nina');
    expect(nina).toMatchObject({ role: 'operator', displayName: 'Nina N.' });
    const dup = await post('/settings/users', {
      username: 'nina',
      role: 'viewer',
      password: 'whatever whatever',
    });
    expect(dup.status).toBe(422);
    expect(await dup.text()).toMatch(
      /id="f-username-err">A user named &quot;nina&quot; already exists/,
    );
    const weak = await post('/settings/users', {
      username: 'zed',
      role: 'viewer',
      password: 'short',
    });
    expect(weak.status).toBe(422);
    expect(await weak.text()).toContain('Use at least 10 characters.');
    expect(await t.store.users.getByName('zed')).toBeUndefined();

    expect(
      (await post(`/settings/users/${nina!.id}`, { role: 'viewer', disabled: 'false' })).status,
    ).toBe(303);
    expect((await t.store.users.get(nina!.id))?.role).toBe('viewer');
    expect(
      (await post(`/settings/users/${nina!.id}/password`, { password: 'a completely new one' }))
        .status,
    ).toBe(303);
    await login(t, 'nina', 'a completely new one');
    expect(
      (await post(`/settings/users/${nina!.id}`, { role: 'viewer', disabled: 'true' })).status,
    ).toBe(303);
    expect((await t.store.users.get(nina!.id))?.disabled).toBe(true);
    const adminUser = await t.store.users.getByName('admin');
    const last = await post(`/settings/users/${adminUser!.id}`, {
      role: 'viewer',
      disabled: 'false',
    });
    expect(last.status).toBe(409);
    expect(await last.text()).toContain('last active admin');
    expect((await post(`/settings/users/${nina!.id}/delete`, {})).status).toBe(303);
    expect(await t.store.users.get(nina!.id)).toBeUndefined();
  });

  it('tokens: the secret appears in the create response only, and revoking works', async () => {
    const res = await post('/settings/tokens', { name: 'HQ', scope: 'read' });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    const token = /(ct_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(html)![1]!;
    expect(
      (await t.request('/api/v1/me', { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(200);
    const again = await (await t.request('/settings/tokens', { jar: admin.jar })).text();
    expect(again).not.toContain(token);
    expect(again).toContain('HQ');
    const bad = await post('/settings/tokens', { name: '', scope: 'superuser' });
    expect(bad.status).toBe(422);
    const id = token.slice(3, token.indexOf('.'));
    expect((await post(`/settings/tokens/${id}/revoke`, {})).status).toBe(303);
    expect(
      (await t.request('/api/v1/me', { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(401);
  });

  it('jobs: run by hand from the page, and the run is listed with its result', async () => {
    const res = await post('/settings/jobs/housekeeping/run', {});
    expect(res.status).toBe(303);
    await new Promise((r) => setTimeout(r, 100));
    const page = await (await t.request('/settings/jobs/housekeeping', { jar: admin.jar })).text();
    expect(page).toContain('manual');
    expect(page).toMatch(/class="badge s-ok">ok</);
    expect(page).toMatch(/removed \d+ expired session/);
  });

  it('account: a user changes their own password', async () => {
    const bad = await post('/account/password', {
      currentPassword: 'nope',
      newPassword: 'x',
      confirm: 'x',
    });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('This is not your current password.');
  });
});

describe('housekeeping job', () => {
  it('removes expired sessions and old job runs, keeps recent ones', async () => {
    const s = await login(t, 'admin', 'correct horse battery');
    const before = (await t.store.sessions.list()).length;
    expect(before).toBeGreaterThan(0);
    // 40 old runs (over the 30-day retention), keep-per-job is 50 so all 40 stay…
    const old = Date.now() - 40 * 86_400_000;
    await t.store.write(
      Array.from({ length: 60 }, (_, i) =>
        t.store.jobRuns.putOp({
          id: `old${i}`,
          job: 'housekeeping',
          trigger: 'schedule',
          startedAt: new Date(old + i * 1000).toISOString(),
          status: 'ok',
        }),
      ),
    );
    clock.advance(13 * 3_600_000); // past every session's absolute lifetime
    const run = await t.scheduler.runNow('housekeeping');
    expect(run.status).toBe('ok');
    expect((await t.store.sessions.list()).length).toBe(0);
    expect((await t.request('/api/v1/me', { jar: s.jar })).status).toBe(401);
    const runs = await t.store.jobRuns.all('housekeeping');
    expect(runs.length).toBe(50);
    expect(runs.some((r) => r.id === 'old0')).toBe(false);
  });
});

describe('housekeeping of discovery records', () => {
  it('keeps the newest 500 scans and drops events past their retention', async () => {
    const base = Date.now();
    const scan = (i: number) => ({
      id: `2020${String(i).padStart(6, '0')}-x`,
      status: 'done' as const,
      trigger: 'schedule' as const,
      subnets: ['198.18.0.0/24'],
      createdAt: new Date(base - i * 1000).toISOString(),
      phase: 'done' as const,
      progress: {
        percent: 100,
        hostsUp: 0,
        hostsProbed: 0,
        snmpAnswered: 0,
        devicesNew: 0,
        devicesUpdated: 0,
        devicesMissing: 0,
      },
      notes: [],
    });
    await t.store.write(Array.from({ length: 510 }, (_, i) => t.store.scans.putOp(scan(i))));
    await t.store.write([
      // Written with an old key, as an event from 500 days ago would have been.
      {
        type: 'put',
        sublevel: t.store.events.sub,
        key: '2020-01-01T00:00:00.000Z.00000000.aaaaaa',
        value: {
          key: '2020-01-01T00:00:00.000Z.00000000.aaaaaa',
          at: '2020-01-01T00:00:00.000Z',
          kind: 'device.new',
          severity: 'info',
          message: 'ancient',
        },
      },
      ...t.store.events.appendOps(
        { kind: 'device.new', severity: 'info', message: 'recent' },
        Date.now(),
      ),
    ]);
    const run = await t.scheduler.runNow('housekeeping');
    expect(run.status).toBe('ok');
    expect(run.summary).toMatch(/10 old scan\(s\), 1 old event\(s\)/);
    expect((await t.store.scans.recent(1000)).length).toBe(500);
    expect((await t.store.events.page(10)).map((e) => e.message)).toEqual(['recent']);
  });
});

describe('vendored htmx', () => {
  it('is the htmx.org package version named in package.json', async () => {
    const vendored = await readFile('static/vendor/htmx.min.js', 'utf8');
    const pkg = JSON.parse(await readFile('node_modules/htmx.org/package.json', 'utf8')) as {
      version: string;
    };
    const shipped = await readFile('node_modules/htmx.org/dist/htmx.min.js', 'utf8');
    expect(vendored, `run npm run vendor after upgrading htmx.org (now ${pkg.version})`).toBe(
      shipped,
    );
  });
});
