import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestApp, setupAdmin, jsonInit, type TestApp, CookieJar } from '../helpers/app.js';

let t: TestApp;
let admin: { jar: CookieJar; csrf: string };
beforeAll(async () => {
  t = await createTestApp({ http: { bodyLimitBytes: 4096 } });
  admin = await setupAdmin(t);
});
afterAll(async () => {
  await t?.close();
});

function raw(
  method: string,
  body: string,
  type = 'application/json',
): RequestInit & { jar: CookieJar } {
  return {
    method,
    body,
    headers: { 'content-type': type, 'x-csrf-token': admin.csrf },
    jar: admin.jar,
  };
}

describe('bad input gets a clear 4xx, never a 500, and changes nothing', () => {
  it('malformed JSON → 400 BAD_JSON', async () => {
    const r = await t.request('/api/v1/tokens', raw('POST', '{"name": "x", scope: }'));
    expect(r.status).toBe(400);
    const e = (await r.json()).error;
    expect(e.code).toBe('BAD_JSON');
    expect(e.message).toMatch(/not valid JSON/);
  });

  it('a body that is not JSON → 415', async () => {
    const r = await t.request('/api/v1/tokens', raw('POST', 'name=x', 'text/plain'));
    expect(r.status).toBe(415);
    expect((await r.json()).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('wrong types and unknown fields → 422 naming every field', async () => {
    const r = await t.request(
      '/api/v1/tokens',
      jsonInit('POST', admin, { name: 42, scope: 'root', extra: true }),
    );
    expect(r.status).toBe(422);
    const e = (await r.json()).error;
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(Object.keys(e.fields).sort()).toEqual(['(root)', 'name', 'scope']);
    expect(e.message).toMatch(/extra/);
    const arr = await t.request('/api/v1/settings/site', jsonInit('PUT', admin, [1, 2]));
    expect(arr.status).toBe(422);
    const nul = await t.request('/api/v1/settings/site', raw('PUT', 'null'));
    expect(nul.status).toBe(422);
  });

  it('oversized bodies → 413, for JSON and for forms', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(10_000), scope: 'read' });
    const r = await t.request('/api/v1/tokens', raw('POST', big));
    expect(r.status).toBe(413);
    expect((await r.json()).error.code).toBe('BODY_TOO_LARGE');
    const f = await t.request(
      '/settings/site',
      raw(
        'POST',
        `_csrf=${admin.csrf}&name=${'y'.repeat(10_000)}`,
        'application/x-www-form-urlencoded',
      ),
    );
    expect(f.status).toBe(413);
    expect(await f.text()).toContain('BODY_TOO_LARGE');
    expect(
      (await t.request('/api/v1/tokens', { jar: admin.jar }).then((x) => x.json())).items,
    ).toHaveLength(0);
  });

  it('invalid query strings → 422', async () => {
    for (const q of ['limit=0', 'limit=abc', 'limit=100000', 'bogus=1']) {
      const r = await t.request(`/api/v1/audit?${q}`, { jar: admin.jar });
      expect(r.status, q).toBe(422);
    }
  });

  it('unknown ids and routes → 404 with a JSON error on the API and a page in the UI', async () => {
    const u = await t.request('/api/v1/users/nope', { jar: admin.jar });
    expect(u.status).toBe(404);
    expect((await u.json()).error.code).toBe('NOT_FOUND');
    expect((await t.request('/api/v1/jobs/nope/runs', { jar: admin.jar })).status).toBe(404);
    expect((await t.request('/api/v1/jobs/nope/run', jsonInit('POST', admin))).status).toBe(404);
    expect((await t.request('/api/v1/nothing-here', { jar: admin.jar })).status).toBe(404);
    const page = await t.request('/no/such/page', { jar: admin.jar });
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('Page not found');
    expect((await t.request('/settings/jobs/nope', { jar: admin.jar })).status).toBe(404);
  });

  it('htmx requests get an error fragment retargeted to the flash slot', async () => {
    const r = await t.request('/settings/jobs/nope', {
      jar: admin.jar,
      headers: { 'hx-request': 'true' },
    });
    expect(r.status).toBe(404);
    expect(r.headers.get('hx-retarget')).toBe('#flash');
    const html = await r.text();
    expect(html).toMatch(/^<div class="notice error"/);
  });

  it('path traversal in static paths finds nothing', async () => {
    for (const p of [
      '/static/../package.json',
      '/static/..%2fpackage.json',
      '/static/%2e%2e/%2e%2e/etc/passwd',
      '/static/vendor/../../src/main.ts',
      '/static/app.css%00.js',
      '/static//etc/passwd',
    ]) {
      // With a session, so that a path normalised outside /static ends at a 404, not the login redirect.
      const r = await t.request(p, { jar: admin.jar });
      expect(r.status, p).toBeGreaterThanOrEqual(400);
      expect(r.status, p).toBeLessThan(500);
      expect(await r.text(), p).not.toMatch(/"name": "caretaker"|root:x:|import /);
    }
  });

  it('a malformed multipart form → 400, not 500', async () => {
    const r = await t.request('/settings/site', {
      method: 'POST',
      jar: admin.jar,
      headers: { 'content-type': 'multipart/form-data; boundary=zzz', 'x-csrf-token': admin.csrf },
      body: '--zzz\r\nContent-Disposition: form-data; name="name"\r\n\r\nbroken',
    });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
  });
});

describe('static files and headers', () => {
  it('serves vendored htmx and our assets with ETags and caching', async () => {
    const r = await t.request('/static/vendor/htmx.min.js');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/javascript/);
    const etag = r.headers.get('etag')!;
    expect(
      (await t.request('/static/vendor/htmx.min.js', { headers: { 'if-none-match': etag } }))
        .status,
    ).toBe(304);
    // as a cache that holds several versions, or a proxy that weakened the tag, asks
    const listed = `"older", W/${etag}`;
    expect(
      (await t.request('/static/vendor/htmx.min.js', { headers: { 'if-none-match': listed } }))
        .status,
    ).toBe(304);
    expect(
      (await t.request('/static/vendor/htmx.min.js', { headers: { 'if-none-match': '"older"' } }))
        .status,
    ).toBe(200);
    expect((await t.request('/static/app.css')).status).toBe(200);
  });

  it('sets strict security headers on pages', async () => {
    const r = await t.request('/login');
    const csp = r.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('referrer-policy')).toBe('same-origin');
    expect(r.headers.get('cache-control')).toBe('no-store');
  });

  it('pages carry no inline script or style that the CSP would block', async () => {
    for (const p of [
      '/',
      '/settings',
      '/settings/users',
      '/settings/tokens',
      '/settings/audit',
      '/settings/jobs',
      '/devices',
      '/account',
    ]) {
      const html = await (await t.request(p, { jar: admin.jar })).text();
      expect(html, p).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html, p).not.toMatch(/\sstyle="/);
      expect(html, p).not.toMatch(/\son[a-z]+="/);
    }
  });
});
