import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, jsonInit, setupAdmin, type TestApp } from '../helpers/app.js';
import { branchInventory, inventoryOps } from '../helpers/branch-inventory.js';

/** Routes anyone may call (login, first-boot setup, the minimal health check). */
const PUBLIC = [/^\/api\/v1\/health/, /^\/api\/v1\/setup/, /^\/api\/v1\/session$/];

/**
 * Reads that are deliberately not for HQ: who may log in, tokens, the audit log, SNMP credentials,
 * the box's SSH key and disks (admin), and the contents of backed-up files (operator).
 */
const NOT_FOR_READ_SCOPE = [
  '/api/v1/users',
  '/api/v1/users/:id',
  '/api/v1/tokens',
  '/api/v1/audit',
  '/api/v1/credentials',
  '/api/v1/credentials/:id',
  '/api/v1/backup/ssh-key',
  '/api/v1/backup/block-devices',
  '/api/v1/backup/snapshots/:id/download',
];

let t: TestApp;
let readToken: string;
let deviceId: string;

beforeAll(async () => {
  t = await createTestApp();
  const admin = await setupAdmin(t);
  const res = await t.request(
    '/api/v1/tokens',
    jsonInit('POST', admin, { name: 'hq', scope: 'read' }),
  );
  readToken = ((await res.json()) as { token: string }).token;
  const inv = branchInventory();
  await t.store.write(inventoryOps(t.store, inv));
  deviceId = inv.devices[0]!.id;
});
afterAll(async () => t?.close());

/** Every API route the app registers, with path parameters filled in. */
function apiRoutes(): Array<{ method: string; path: string; route: string }> {
  const seen = new Set<string>();
  const out: Array<{ method: string; path: string; route: string }> = [];
  for (const r of t.app.routes) {
    if (r.method === 'ALL') continue;
    if (!r.path.startsWith('/api/v1/') && r.path !== '/metrics') continue;
    if (PUBLIC.some((p) => p.test(r.path))) continue;
    const k = `${r.method} ${r.path}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const path = r.path.replace(/:([A-Za-z]+)(\{[^}]*\})?/g, (_m, name: string) =>
      name === 'id' && r.path.startsWith('/api/v1/devices/') ? deviceId : 'x1',
    );
    out.push({ method: r.method, path, route: r.path });
  }
  return out;
}

describe('a read-scope token (what HQ is given)', () => {
  it('the app has routes to check', () => {
    expect(apiRoutes().length).toBeGreaterThan(80);
  });

  it('can read every GET route of the API except the few that are not for HQ', async () => {
    const refused: string[] = [];
    for (const r of apiRoutes().filter((x) => x.method === 'GET')) {
      const res = await t.request(r.path, { headers: { authorization: `Bearer ${readToken}` } });
      // 404 (no such object), 400/422 (placeholder parameters) are fine; refusals are listed.
      if (res.status === 401 || res.status === 403) refused.push(r.route);
    }
    expect(refused.sort()).toEqual([...NOT_FOR_READ_SCOPE].sort());
  });

  it('is refused (403) by every route that changes something, and nothing changes', async () => {
    const before = await t.store.devices.list();
    const auditBefore = (await t.store.audit.page(10_000)).length;
    const allowed: string[] = [];
    for (const r of apiRoutes().filter((x) => x.method !== 'GET')) {
      const res = await t.request(r.path, {
        method: r.method,
        headers: { authorization: `Bearer ${readToken}`, 'content-type': 'application/json' },
        body: '{}',
      });
      if (res.status !== 403) allowed.push(`${r.method} ${r.route} → ${res.status}`);
    }
    expect(allowed).toEqual([]);
    expect(await t.store.devices.list()).toEqual(before);
    expect((await t.store.audit.page(10_000)).length).toBe(auditBefore);
  });
});
