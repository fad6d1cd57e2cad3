import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import {
  createTestApp,
  setupAdmin,
  login,
  jsonInit,
  CookieJar,
  type TestApp,
} from '../helpers/app.js';

let t: TestApp;
let admin: { jar: CookieJar; csrf: string };
let operator: { jar: CookieJar; csrf: string };
let viewer: { jar: CookieJar; csrf: string };
const PASSWORD = 'a long enough password';

beforeAll(async () => {
  t = await createTestApp();
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
});
afterAll(async () => {
  await t?.close();
});

const PUBLIC = new Set([
  'GET /api/v1/health',
  'GET /api/v1/setup',
  'POST /api/v1/setup',
  'POST /api/v1/session',
  'GET /login',
  'POST /login',
  'POST /logout',
  'GET /setup',
  'POST /setup',
  'GET /static/*',
]);

describe('every route requires authentication', () => {
  it('lists the registered routes and refuses each non-public one without credentials', async () => {
    const routes = t.app.routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method} ${r.path}`);
    const unique = [...new Set(routes)];
    expect(unique.length).toBeGreaterThan(25);
    const checked: string[] = [];
    for (const route of unique) {
      if (PUBLIC.has(route)) continue;
      const [method, path] = route.split(' ') as [string, string];
      const url = path.replace(/:(\w+)/g, 'x1');
      const res = await t.request(url, {
        method,
        headers: { 'content-type': 'application/json' },
        body: method === 'GET' ? undefined : '{}',
      });
      // GET /metrics answers like the API (Prometheus is not a browser to redirect).
      if (url.startsWith('/api/') || url === '/metrics') {
        expect(res.status, route).toBe(401);
        expect((await res.json()).error.code, route).toBe('UNAUTHENTICATED');
      } else if (method === 'GET') {
        expect(res.status, route).toBe(303);
        expect(res.headers.get('location'), route).toMatch(/^\/login/);
      } else {
        // An unauthenticated form post fails CSRF (no token) or redirects to login: never runs.
        expect([303, 403], route).toContain(res.status);
      }
      checked.push(route);
    }
    expect(checked).toEqual(
      expect.arrayContaining([
        'GET /api/v1/me',
        'POST /api/v1/tokens',
        'GET /settings/audit',
        'GET /',
      ]),
    );
  });

  it('answers the health check without authentication, and nothing more', async () => {
    const res = await t.request('/api/v1/health');
    expect(res.status).toBe(200);
    expect(Object.keys(await res.json()).sort()).toEqual(['status', 'version']);
  });

  it('redirects an htmx request without a session with HX-Redirect', async () => {
    const res = await t.request('/settings', { headers: { 'hx-request': 'true' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('hx-redirect')).toBe('/login?next=%2Fsettings');
  });
});

describe('roles', () => {
  it('a viewer can read but not change anything', async () => {
    expect((await t.request('/api/v1/jobs', { jar: viewer.jar })).status).toBe(200);
    expect((await t.request('/api/v1/settings/site', { jar: viewer.jar })).status).toBe(200);
    const denied = [
      await t.request('/api/v1/jobs/housekeeping/run', jsonInit('POST', viewer)),
      await t.request(
        '/api/v1/settings/site',
        jsonInit('PUT', viewer, { name: 'x', location: '', timezone: 'UTC', contact: '' }),
      ),
      await t.request(
        '/api/v1/users',
        jsonInit('POST', viewer, { username: 'x1', password: PASSWORD, role: 'admin' }),
      ),
      await t.request('/api/v1/tokens', jsonInit('POST', viewer, { name: 'x', scope: 'admin' })),
      await t.request('/api/v1/users', { jar: viewer.jar }),
      await t.request('/api/v1/audit', { jar: viewer.jar }),
    ];
    for (const r of denied) {
      expect(r.status).toBe(403);
      expect((await r.json()).error.code).toBe('FORBIDDEN');
    }
    expect((await t.request('/settings/users', { jar: viewer.jar })).status).toBe(403);
    const site = await t.request('/settings', { jar: viewer.jar });
    expect(await site.text()).toContain('Only admins can change these settings.');
  });

  it('an operator can run jobs but cannot manage users or tokens', async () => {
    const run = await t.request('/api/v1/jobs/housekeeping/run', jsonInit('POST', operator));
    expect(run.status).toBe(202);
    expect((await run.json()).run).toMatchObject({
      job: 'housekeeping',
      trigger: 'manual',
      actor: 'olga',
    });
    expect(
      (
        await t.request(
          '/api/v1/users',
          jsonInit('POST', operator, { username: 'x2', password: PASSWORD, role: 'viewer' }),
        )
      ).status,
    ).toBe(403);
    expect((await t.request('/api/v1/tokens', { jar: operator.jar })).status).toBe(403);
    expect((await t.request('/settings/tokens', { jar: operator.jar })).status).toBe(403);
  });

  it('an admin manages users; the last admin cannot be demoted, disabled or deleted', async () => {
    const list = (await (await t.request('/api/v1/users', { jar: admin.jar })).json())
      .items as Array<{ id: string; username: string }>;
    const adminId = list.find((u) => u.username === 'admin')!.id;
    for (const r of [
      await t.request(`/api/v1/users/${adminId}`, jsonInit('PATCH', admin, { role: 'viewer' })),
      await t.request(`/api/v1/users/${adminId}`, jsonInit('PATCH', admin, { disabled: true })),
      await t.request(`/api/v1/users/${adminId}`, jsonInit('DELETE', admin)),
    ]) {
      expect(r.status).toBe(409);
      expect((await r.json()).error.code).toBe('LAST_ADMIN');
    }
    const dup = await t.request(
      '/api/v1/users',
      jsonInit('POST', admin, { username: 'VIC', password: PASSWORD, role: 'viewer' }),
    );
    expect(dup.status).toBe(409);
    expect((await dup.json()).error.code).toBe('USERNAME_TAKEN');
  });

  it('disabling a user ends their sessions at once', async () => {
    const r = await t.request(
      '/api/v1/users',
      jsonInit('POST', admin, { username: 'temp', password: PASSWORD, role: 'viewer' }),
    );
    const { id } = (await r.json()).user;
    const s = await login(t, 'temp', PASSWORD);
    expect((await t.request('/api/v1/me', { jar: s.jar })).status).toBe(200);
    expect(
      (await t.request(`/api/v1/users/${id}`, jsonInit('PATCH', admin, { disabled: true }))).status,
    ).toBe(200);
    expect((await t.request('/api/v1/me', { jar: s.jar })).status).toBe(401);
    expect(
      (
        await t.request(
          '/api/v1/session',
          jsonInit('POST', undefined, { username: 'temp', password: PASSWORD }),
        )
      ).status,
    ).toBe(401);
    expect((await t.request(`/api/v1/users/${id}`, jsonInit('DELETE', admin))).status).toBe(204);
  });
});

describe('CSRF', () => {
  it('rejects a session-authenticated change without the token, or with a wrong one', async () => {
    const body = JSON.stringify({ name: 'x', location: '', timezone: 'UTC', contact: '' });
    const none = await t.request('/api/v1/settings/site', {
      method: 'PUT',
      jar: admin.jar,
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(none.status).toBe(403);
    expect((await none.json()).error.code).toBe('CSRF_REJECTED');
    const wrong = await t.request('/api/v1/settings/site', {
      method: 'PUT',
      jar: admin.jar,
      headers: { 'content-type': 'application/json', 'x-csrf-token': 'x'.repeat(32) },
      body,
    });
    expect(wrong.status).toBe(403);
    const form = await t.request('/settings/site', {
      method: 'POST',
      jar: admin.jar,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: 'Evil', location: '', timezone: 'UTC', contact: '' }),
    });
    expect(form.status).toBe(403);
    expect((await t.deps.site.get()).name).not.toBe('Evil');
  });

  it('rejects a foreign Origin even with a valid token', async () => {
    const res = await t.request('/api/v1/settings/site', {
      ...jsonInit('PUT', admin, { name: 'x', location: '', timezone: 'UTC', contact: '' }),
      headers: {
        'content-type': 'application/json',
        'x-csrf-token': admin.csrf,
        origin: 'http://evil.example',
      },
    });
    expect(res.status).toBe(403);
  });

  it('rejects a login form post without the double-submit token', async () => {
    const res = await t.request('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'admin', password: 'x' }),
    });
    expect(res.status).toBe(403);
  });

  it('accepts the form field token from a page', async () => {
    const html = await (await t.request('/settings', { jar: admin.jar })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    expect(csrf).toBe(admin.csrf);
    const res = await t.request('/settings/site', {
      method: 'POST',
      jar: admin.jar,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        _csrf: csrf,
        name: 'Branch Graz',
        location: 'Annenstraße 1',
        timezone: 'Europe/Vienna',
        contact: 'Eva, +43 316 000',
      }),
    });
    expect(res.status).toBe(303);
    expect(await t.deps.site.get()).toEqual({
      name: 'Branch Graz',
      location: 'Annenstraße 1',
      timezone: 'Europe/Vienna',
      contact: 'Eva, +43 316 000',
    });
    const bad = await t.request('/settings/site', {
      method: 'POST',
      jar: admin.jar,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        _csrf: csrf,
        name: '',
        location: '',
        timezone: 'Mars/Olympus',
        contact: '',
      }),
    });
    expect(bad.status).toBe(422);
    const text = await bad.text();
    expect(text).toContain('Give the site a name.');
    expect(text).toContain('Use an IANA time zone');
    expect((await t.deps.site.get()).name).toBe('Branch Graz');
  });
});

describe('API tokens', () => {
  it('are shown once, stored hashed, scoped, and stop working when revoked', async () => {
    const res = await t.request(
      '/api/v1/tokens',
      jsonInit('POST', admin, { name: 'HQ Prometheus', scope: 'read' }),
    );
    expect(res.status).toBe(201);
    const created = await res.json();
    expect(created.token).toMatch(/^ct_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{40,}$/);
    const bearer = { authorization: `Bearer ${created.token}` };
    const me = await t.request('/api/v1/me', { headers: bearer });
    expect(await me.json()).toMatchObject({
      kind: 'token',
      role: 'viewer',
      token: { name: 'HQ Prometheus', scope: 'read' },
    });
    // read scope: reads work, changes do not, and no CSRF token is needed for bearer calls
    expect((await t.request('/api/v1/jobs', { headers: bearer })).status).toBe(200);
    expect(
      (await t.request('/api/v1/jobs/housekeeping/run', { method: 'POST', headers: bearer }))
        .status,
    ).toBe(403);
    // the secret is never listed or stored
    const list = await (await t.request('/api/v1/tokens', { jar: admin.jar })).json();
    expect(JSON.stringify(list)).not.toContain(created.token.split('.')[1]);
    expect(JSON.stringify(list)).not.toContain('secretHash');
    const stored = await t.store.tokens.get(created.id);
    expect(JSON.stringify(stored)).not.toContain(created.token.split('.')[1]);
    // revoke
    const rev = await t.request(`/api/v1/tokens/${created.id}`, jsonInit('DELETE', admin));
    expect(rev.status).toBe(200);
    const after = await t.request('/api/v1/me', { headers: bearer });
    expect(after.status).toBe(401);
    expect((await after.json()).error.code).toBe('INVALID_TOKEN');
    expect(
      (await t.request(`/api/v1/tokens/${created.id}`, jsonInit('DELETE', admin))).status,
    ).toBe(409);
  });

  it('an operate token can run jobs; an admin token can manage users', async () => {
    const op = (
      await (
        await t.request(
          '/api/v1/tokens',
          jsonInit('POST', admin, { name: 'script', scope: 'operate' }),
        )
      ).json()
    ).token;
    expect(
      (
        await t.request('/api/v1/jobs/housekeeping/runs', {
          headers: { authorization: `Bearer ${op}` },
        })
      ).status,
    ).toBe(200);
    const ad = (
      await (
        await t.request(
          '/api/v1/tokens',
          jsonInit('POST', admin, { name: 'hq-admin', scope: 'admin' }),
        )
      ).json()
    ).token;
    expect(
      (await t.request('/api/v1/users', { headers: { authorization: `Bearer ${ad}` } })).status,
    ).toBe(200);
  });

  it('refuses malformed and forged tokens with 401', async () => {
    for (const v of [
      'Bearer nope',
      'Bearer ct_abcd.' + 'A'.repeat(43),
      'Basic YWRtaW46eA==',
      'Bearer',
    ]) {
      const r = await t.request('/api/v1/me', { headers: { authorization: v } });
      expect(r.status, v).toBe(401);
    }
  });
});

describe('audit log', () => {
  it('records who changed what, when and from where, and pages newest first', async () => {
    const res = await t.request('/api/v1/audit?limit=3', { jar: admin.jar });
    expect(res.status).toBe(200);
    const page = await res.json();
    expect(page.items).toHaveLength(3);
    expect(page.next).toBeTruthy();
    const all = (await (await t.request('/api/v1/audit?limit=500', { jar: admin.jar })).json())
      .items as Array<{ action: string; actor: { name: string }; ip?: string; at: string }>;
    const actions = all.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'setup.completed',
        'user.created',
        'auth.login',
        'token.created',
        'token.revoked',
        'settings.site-updated',
        'job.triggered',
        'user.updated',
        'user.deleted',
      ]),
    );
    expect(all.every((e, i) => i === 0 || e.at <= all[i - 1]!.at)).toBe(true);
    const next = await (
      await t.request(`/api/v1/audit?limit=3&before=${encodeURIComponent(page.next)}`, {
        jar: admin.jar,
      })
    ).json();
    expect(next.items[0].at <= page.items[2].at).toBe(true);
    const html = await (await t.request('/settings/audit', { jar: admin.jar })).text();
    expect(html).toContain('token.created');
  });
  it('never contains passwords or token secrets', async () => {
    const all = JSON.stringify(
      (await (await t.request('/api/v1/audit?limit=500', { jar: admin.jar })).json()).items,
    );
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toMatch(/ct_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{20,}/);
  });
});
