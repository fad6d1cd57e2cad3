import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { stat, access } from 'node:fs/promises';
import {
  createTestApp,
  readSetupCode,
  setupAdmin,
  login,
  jsonInit,
  CookieJar,
  ADMIN,
  ManualClock,
  type TestApp,
} from '../helpers/app.js';
import { setupCodePath } from '../../src/auth/setup-service.js';

let t: TestApp;
afterEach(async () => {
  await t?.close();
});

describe('first boot and setup', () => {
  beforeEach(async () => {
    t = await createTestApp();
  });

  it('writes a one-time setup code file readable only by the service user', async () => {
    const code = await readSetupCode(t.dataDir);
    expect(code).toMatch(/^[A-Z2-9]{4}(-[A-Z2-9]{4}){3}$/);
    expect(t.setupCode).toBe(code);
    expect((await stat(setupCodePath(t.dataDir))).mode & 0o777).toBe(0o600);
  });

  it('has no default credentials: nothing answers without setup, and setup needs the code', async () => {
    expect((await t.request('/api/v1/setup')).status).toBe(200);
    expect(await (await t.request('/api/v1/setup')).json()).toEqual({ open: true });
    const wrong = await t.request(
      '/api/v1/setup',
      jsonInit('POST', undefined, { setupCode: 'AAAA-BBBB-CCCC-DDDD', ...ADMIN }),
    );
    expect(wrong.status).toBe(403);
    expect((await wrong.json()).error.code).toBe('SETUP_CODE_INVALID');
    const res = await t.request(
      '/api/v1/session',
      jsonInit('POST', undefined, { username: 'admin', password: 'admin' }),
    );
    expect(res.status).toBe(401);
  });

  it('creates the first admin once; afterwards setup answers 409 and the code file is gone', async () => {
    const code = await readSetupCode(t.dataDir);
    const res = await t.request(
      '/api/v1/setup',
      jsonInit('POST', undefined, { setupCode: code.toLowerCase(), ...ADMIN }),
    );
    expect(res.status).toBe(201);
    expect((await res.json()).user).toMatchObject({ username: 'admin', role: 'admin' });
    await expect(access(setupCodePath(t.dataDir))).rejects.toThrow();
    const again = await t.request(
      '/api/v1/setup',
      jsonInit('POST', undefined, {
        setupCode: code,
        username: 'eve',
        password: 'another long password',
      }),
    );
    expect(again.status).toBe(409);
    expect((await again.json()).error.code).toBe('SETUP_DONE');
    const page = await t.request('/setup');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login');
  });

  it('validates the setup body: weak password, bad name, unknown fields, wrong types', async () => {
    const code = await readSetupCode(t.dataDir);
    const weak = await t.request(
      '/api/v1/setup',
      jsonInit('POST', undefined, { setupCode: code, username: 'admin', password: 'short' }),
    );
    expect(weak.status).toBe(422);
    expect((await weak.json()).error.fields.password).toMatch(/at least 10/);
    const name = await t.request(
      '/api/v1/setup',
      jsonInit('POST', undefined, {
        setupCode: code,
        username: '-x',
        password: 'long enough pass',
      }),
    );
    expect(name.status).toBe(422);
    const extra = await t.request(
      '/api/v1/setup',
      jsonInit('POST', undefined, { setupCode: code, ...ADMIN, role: 'root' }),
    );
    expect(extra.status).toBe(422);
    expect((await extra.json()).error.message).toMatch(/role/);
    const types = await t.request(
      '/api/v1/setup',
      jsonInit('POST', undefined, { setupCode: 1234, username: ['a'], password: null }),
    );
    expect(types.status).toBe(422);
    // none of these claimed the box
    expect(await (await t.request('/api/v1/setup')).json()).toEqual({ open: true });
  });

  it('the setup page creates the admin from the form and logs them in', async () => {
    const jar = new CookieJar();
    const page = await t.request('/setup', { jar });
    expect(page.status).toBe(200);
    const html = await page.text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const form = new URLSearchParams({
      _csrf: csrf,
      setupCode: await readSetupCode(t.dataDir),
      username: 'Admin',
      password: ADMIN.password,
      confirm: ADMIN.password,
    });
    const res = await t.request('/setup', {
      method: 'POST',
      body: form,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      jar,
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/settings?welcome=1');
    const settings = await t.request('/settings', { jar });
    expect(settings.status).toBe(200);
    expect(await settings.text()).toContain('admin');
  });

  it('the setup form shows errors next to the fields', async () => {
    const jar = new CookieJar();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(
      await (await t.request('/setup', { jar })).text(),
    )![1]!;
    const form = new URLSearchParams({
      _csrf: csrf,
      setupCode: 'WRONG',
      username: 'admin',
      password: ADMIN.password,
      confirm: ADMIN.password,
    });
    const res = await t.request('/setup', {
      method: 'POST',
      body: form,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      jar,
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(
      /class="error-text" id="f-setupCode-err">This code is not correct/,
    );
    const mismatch = new URLSearchParams({
      _csrf: csrf,
      setupCode: 'X',
      username: 'admin',
      password: ADMIN.password,
      confirm: 'different',
    });
    const r2 = await t.request('/setup', {
      method: 'POST',
      body: mismatch,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      jar,
    });
    expect(r2.status).toBe(422);
    expect(await r2.text()).toContain('The two passwords differ.');
  });

  it('a console-issued setup code reopens setup for a new admin when everyone is locked out', async () => {
    await setupAdmin(t);
    expect(await (await t.request('/api/v1/setup')).json()).toEqual({ open: false });
    const code = await t.deps.setup.issue('console', { actor: { type: 'console', name: 'root' } });
    expect(await (await t.request('/api/v1/setup')).json()).toEqual({ open: true });
    const res = await t.request(
      '/api/v1/setup',
      jsonInit('POST', undefined, {
        setupCode: code,
        username: 'rescue',
        password: 'a brand new password',
      }),
    );
    expect(res.status).toBe(201);
    expect(await (await t.request('/api/v1/setup')).json()).toEqual({ open: false });
  });
});

describe('login, sessions and lockout', () => {
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock(Date.now());
    t = await createTestApp(
      {
        auth: {
          maxFailedLogins: 3,
          lockoutMinutes: 10,
          sessionIdleMinutes: 30,
          sessionAbsoluteHours: 2,
        },
      },
      { clock },
    );
    await setupAdmin(t);
  });

  it('sets an HttpOnly SameSite session cookie and /me returns the user and role', async () => {
    const jar = new CookieJar();
    const res = await t.request('/api/v1/session', jsonInit('POST', undefined, ADMIN));
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('ct_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/); // plain HTTP here; Secure is set over TLS
    jar.store(res);
    const me = await t.request('/api/v1/me', { jar });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({
      kind: 'user',
      role: 'admin',
      user: { username: 'admin' },
    });
    expect(JSON.stringify(await (await t.request('/api/v1/users', { jar })).json())).not.toContain(
      'passwordHash',
    );
  });

  it('rejects wrong passwords and unknown users alike, then locks the account', async () => {
    for (const [u, p] of [
      ['admin', 'wrong password 1'],
      ['nobody', 'whatever it is'],
    ]) {
      const r = await t.request(
        '/api/v1/session',
        jsonInit('POST', undefined, { username: u, password: p }),
      );
      expect(r.status).toBe(401);
      expect((await r.json()).error).toEqual({
        code: 'INVALID_CREDENTIALS',
        message: 'The user name or password is not correct.',
      });
    }
    await t.request(
      '/api/v1/session',
      jsonInit('POST', undefined, { username: 'admin', password: 'wrong 2' }),
    );
    await t.request(
      '/api/v1/session',
      jsonInit('POST', undefined, { username: 'admin', password: 'wrong 3' }),
    );
    // locked now: even the right password is refused, with Retry-After
    const locked = await t.request('/api/v1/session', jsonInit('POST', undefined, ADMIN));
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toBe('600');
    expect((await locked.json()).error.code).toBe('ACCOUNT_LOCKED');
    clock.advance(10 * 60_000 + 1);
    expect((await t.request('/api/v1/session', jsonInit('POST', undefined, ADMIN))).status).toBe(
      201,
    );
    const audit = await t.store.audit.page(50);
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['auth.login-failed', 'auth.locked', 'auth.login']),
    );
  });

  it('expires sessions when idle and after the absolute lifetime', async () => {
    const s = await login(t, ADMIN.username, ADMIN.password);
    clock.advance(29 * 60_000);
    expect((await t.request('/api/v1/me', { jar: s.jar })).status).toBe(200);
    clock.advance(29 * 60_000);
    expect((await t.request('/api/v1/me', { jar: s.jar })).status).toBe(200);
    clock.advance(31 * 60_000); // idle too long
    expect((await t.request('/api/v1/me', { jar: s.jar })).status).toBe(401);

    const s2 = await login(t, ADMIN.username, ADMIN.password);
    for (let i = 0; i < 4; i++) {
      clock.advance(25 * 60_000);
      expect((await t.request('/api/v1/me', { jar: s2.jar })).status).toBe(200);
    }
    clock.advance(25 * 60_000); // 2 h 5 min after login, never idle for long: past the absolute expiry
    expect((await t.request('/api/v1/me', { jar: s2.jar })).status).toBe(401);
  });

  it('logout ends the session on the server, not only the cookie', async () => {
    const s = await login(t, ADMIN.username, ADMIN.password);
    const cookie = s.jar.header();
    const out = await t.request('/api/v1/session', jsonInit('DELETE', s));
    expect(out.status).toBe(204);
    const replay = await t.request('/api/v1/me', { headers: { cookie } });
    expect(replay.status).toBe(401);
  });

  it('a password change ends the other sessions but keeps the current one', async () => {
    const a = await login(t, ADMIN.username, ADMIN.password);
    const b = await login(t, ADMIN.username, ADMIN.password);
    const res = await t.request(
      '/api/v1/me/password',
      jsonInit('PUT', a, {
        currentPassword: ADMIN.password,
        newPassword: 'an even better password',
      }),
    );
    expect(res.status).toBe(204);
    expect((await t.request('/api/v1/me', { jar: a.jar })).status).toBe(200);
    expect((await t.request('/api/v1/me', { jar: b.jar })).status).toBe(401);
    const wrong = await t.request(
      '/api/v1/me/password',
      jsonInit('PUT', a, { currentPassword: 'nope', newPassword: 'whatever whatever' }),
    );
    expect(wrong.status).toBe(403);
  });

  it('the login page logs in, follows only local next= paths, and shows a clear error', async () => {
    const jar = new CookieJar();
    const page = await t.request('/login?next=/settings/jobs', { jar });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const bad = await t.request('/login', {
      method: 'POST',
      jar,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        _csrf: csrf,
        username: 'admin',
        password: 'nope',
        next: '/settings/jobs',
      }),
    });
    expect(bad.status).toBe(401);
    expect(await bad.text()).toContain('The user name or password is not correct.');
    const ok = await t.request('/login', {
      method: 'POST',
      jar,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, ...ADMIN, next: '//evil.example/' }),
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/');
    expect((await t.request('/', { jar })).status).toBe(200);
  });
});
