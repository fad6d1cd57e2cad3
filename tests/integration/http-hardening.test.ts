import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import {
  createTestApp,
  setupAdmin,
  login,
  jsonInit,
  readSetupCode,
  ADMIN,
  ManualClock,
  CookieJar,
  type TestApp,
} from '../helpers/app.js';
import { safeNext } from '../../src/http/ui/auth-pages.js';

let t: TestApp;
afterEach(async () => {
  await t?.close();
});

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields),
});

describe('races between a login and an admin change', () => {
  beforeEach(async () => {
    t = await createTestApp();
  });

  it('a login that overlaps disabling the user does not undo the disable or get a session', async () => {
    const admin = await setupAdmin(t);
    const created = await t.request(
      '/api/v1/users',
      jsonInit('POST', admin, {
        username: 'victim',
        password: 'victim password 1',
        role: 'operator',
      }),
    );
    const { id } = (await created.json()).user;
    const pending = t.request(
      '/api/v1/session',
      jsonInit('POST', undefined, { username: 'victim', password: 'victim password 1' }),
    );
    const patched = await t.request(
      `/api/v1/users/${id}`,
      jsonInit('PATCH', admin, { disabled: true, role: 'viewer' }),
    );
    expect(patched.status).toBe(200);
    const res = await pending;
    expect(res.status).toBe(401);
    expect(await t.store.users.get(id)).toMatchObject({ disabled: true, role: 'viewer' });
    expect((await t.store.sessions.list()).filter(([, s]) => s.userId === id)).toHaveLength(0);
  });

  it('a login with the old password that overlaps a password reset gets no session', async () => {
    const admin = await setupAdmin(t);
    const { id } = (
      await (
        await t.request(
          '/api/v1/users',
          jsonInit('POST', admin, {
            username: 'bob',
            password: 'old password 123',
            role: 'viewer',
          }),
        )
      ).json()
    ).user;
    const pending = t.request(
      '/api/v1/session',
      jsonInit('POST', undefined, { username: 'bob', password: 'old password 123' }),
    );
    expect(
      (
        await t.request(
          `/api/v1/users/${id}/password`,
          jsonInit('PUT', admin, { password: 'new password 456' }),
        )
      ).status,
    ).toBe(204);
    expect((await pending).status).toBe(401);
    expect(
      (
        await t.request(
          '/api/v1/session',
          jsonInit('POST', undefined, { username: 'bob', password: 'old password 123' }),
        )
      ).status,
    ).toBe(401);
  });

  it('concurrent setups with one code create exactly one admin', async () => {
    const code = await readSetupCode(t.dataDir);
    const results = await Promise.all(
      ['a1', 'a2', 'a3'].map((u) =>
        t.request(
          '/api/v1/setup',
          jsonInit('POST', undefined, {
            setupCode: code,
            username: u,
            password: 'a long password here',
          }),
        ),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect(await t.store.users.count()).toBe(1);
  });
});

describe('input that must not cost memory, reveal secrets or redirect away', () => {
  beforeEach(async () => {
    t = await createTestApp({ auth: { maxFailedLogins: 3 } });
    await setupAdmin(t);
  });

  it('a huge user name on the login form is refused without being kept or audited', async () => {
    const jar = new CookieJar();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(
      await (await t.request('/login', { jar })).text(),
    )![1]!;
    const huge = 'x'.repeat(200_000);
    const res = await t.request('/login', {
      ...form({ _csrf: csrf, username: huge, password: 'p' }),
      jar,
    });
    expect(res.status).toBe(401);
    const limiter = (
      t.deps.sessions as unknown as { deps: { limiter: { users: Map<string, unknown> } } }
    ).deps.limiter;
    expect([...limiter.users.keys()].every((k) => k.length < 100)).toBe(true);
    expect(JSON.stringify(await t.store.audit.page(20))).not.toContain('xxxxxxxxxx');
  });

  it('a long user name is treated as unknown: 401, and the audit log does not keep what was typed', async () => {
    const jar = new CookieJar();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(
      await (await t.request('/login', { jar })).text(),
    )![1]!;
    const typed = 'my secret password typed into the name field'.repeat(20);
    const res = await t.request('/login', {
      ...form({ _csrf: csrf, username: typed, password: 'p' }),
      jar,
    });
    expect(res.status).toBe(401);
    const audit = JSON.stringify(await t.store.audit.page(50));
    expect(audit).toContain('auth.login-failed');
    expect(audit).not.toContain('my secret password');
    const unknown = await t.request(
      '/api/v1/session',
      jsonInit('POST', undefined, { username: 'hunter2hunter2', password: 'x' }),
    );
    expect(unknown.status).toBe(401);
    expect(JSON.stringify(await t.store.audit.page(50))).not.toContain('hunter2');
  });

  it('refuses next= targets that a browser would read as another host', () => {
    for (const bad of [
      '/\t/evil.example',
      '/\\evil.example',
      '//evil.example',
      '/\r\nSet-Cookie: x=1',
      'https://evil.example',
      '/%0a',
    ]) {
      const out = safeNext(bad);
      expect(new URL(out, 'http://box.lan').host, JSON.stringify(bad)).toBe('box.lan');
    }
    expect(safeNext('/settings/jobs?x=1')).toBe('/settings/jobs?x=1');
  });

  it('a logged-in user with next=/%09/evil.example stays on the box', async () => {
    const s = await login(t, ADMIN.username, ADMIN.password);
    const res = await t.request('/login?next=/%09/evil.example', { jar: s.jar });
    expect(res.status).toBe(303);
    expect(new URL(res.headers.get('location')!, 'http://box.lan').host).toBe('box.lan');
  });

  it('guessing the current password through a password change is throttled like a login', async () => {
    const s = await login(t, ADMIN.username, ADMIN.password);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await t.request(
        '/api/v1/me/password',
        jsonInit('PUT', s, { currentPassword: `guess ${i}`, newPassword: 'whatever whatever' }),
      );
      statuses.push(r.status);
    }
    expect(statuses).toEqual([403, 403, 403, 429]);
  });
});

describe('browser-facing protections', () => {
  it('answers only to IP addresses, localhost, its own name and configured names (DNS rebinding)', async () => {
    t = await createTestApp({ http: { allowedHosts: ['caretaker.branch.lan'] } });
    const get = (host: string) => t.request('/api/v1/health', { headers: { host } });
    expect((await get('evil.example')).status).toBe(421);
    expect((await (await get('evil.example:8080')).json()).error.code).toBe('HOST_NOT_ALLOWED');
    for (const ok of [
      '192.0.2.10:8080',
      '[::1]:8080',
      'localhost:8080',
      'caretaker.branch.lan',
      'CareTaker.Branch.LAN:443',
    ]) {
      expect((await get(ok)).status, ok).toBe(200);
    }
  });

  it('never keeps page snapshots in the browser’s history cache', async () => {
    t = await createTestApp();
    const admin = await setupAdmin(t);
    const html = await (await t.request('/settings/tokens', { jar: admin.jar })).text();
    expect(html).toContain('hx-history="false"');
    expect(html).toContain('historyCacheSize&quot;:0');
  });

  it('an expired session posting a form gets the login page, not a CSRF error', async () => {
    const clock = new ManualClock(Date.now());
    t = await createTestApp({}, { clock });
    const admin = await setupAdmin(t);
    clock.advance(13 * 3_600_000);
    const res = await t.request('/settings/site', {
      ...form({ _csrf: admin.csrf, name: 'x', location: '', timezone: 'UTC', contact: '' }),
      jar: admin.jar,
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/login/);
    const out = await t.request('/logout', { method: 'POST', jar: admin.jar });
    expect(out.status).toBe(303);
  });

  it('background polling does not keep an idle session alive', async () => {
    const clock = new ManualClock(Date.now());
    t = await createTestApp({ auth: { sessionIdleMinutes: 10 } }, { clock });
    const admin = await setupAdmin(t);
    for (let i = 0; i < 3; i++) {
      clock.advance(4 * 60_000);
      const r = await t.request('/settings/jobs', {
        jar: admin.jar,
        headers: { 'hx-request': 'true', 'x-caretaker-poll': '1' },
      });
      expect(r.status, `poll ${i}`).toBe(i < 2 ? 200 : 401);
    }
  });
});
