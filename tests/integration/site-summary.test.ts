/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are checked with matchers */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  createTestApp,
  jsonInit,
  ManualClock,
  setupAdmin,
  type CookieJar,
  type TestApp,
} from '../helpers/app.js';
import { tempDir } from '../helpers/temp-dir.js';
import { branchInventory, inventoryOps } from '../helpers/branch-inventory.js';
import { siteSummarySchema } from '../../src/hq/site-summary-schema.js';
import { etagMatches } from '../../src/http/etag.js';

let t: TestApp;
let admin: { jar: CookieJar; csrf: string };
let readToken: string;
let work: Awaited<ReturnType<typeof tempDir>>;
const clock = new ManualClock(Date.now());

async function site(headers: Record<string, string> = {}) {
  return t.request('/api/v1/site', {
    headers: { authorization: `Bearer ${readToken}`, ...headers },
  });
}

async function adminJson(method: string, p: string, body?: unknown) {
  const res = await t.request(`/api/v1${p}`, jsonInit(method, admin, body));
  return { status: res.status, json: (await res.json()) as any };
}

beforeAll(async () => {
  t = await createTestApp({}, { clock });
  work = await tempDir();
  admin = await setupAdmin(t);
  const tok = await adminJson('POST', '/tokens', { name: 'hq', scope: 'read' });
  expect(tok.status).toBe(201);
  readToken = tok.json.token;
});

afterAll(async () => {
  await t?.close();
  await work?.cleanup();
});

describe('GET /api/v1/site', () => {
  it('needs authentication', async () => {
    const res = await t.request('/api/v1/site');
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBe('UNAUTHENTICATED');
  });

  it('summarises an empty box, matching its published schema', async () => {
    const res = await site();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const body = siteSummarySchema.strict().parse(await res.json());
    expect(body.devices.total).toBe(0);
    expect(body.incidents.open).toBe(0);
    expect(body.backups.jobs).toEqual([]);
    expect(body.box.id).toMatch(/\w+/);
    expect(body.box.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(body.health.disk.totalBytes).toBeGreaterThan(0);
    expect(body.health.disk.usedRatio).toBeGreaterThanOrEqual(0);
    expect(body.health.disk.usedRatio).toBeLessThanOrEqual(1);
    expect(body.health.store.bytes).toBeGreaterThanOrEqual(0);
    expect(body.health.load).toHaveLength(3);
  });

  it('answers 304 to a poller that already has the current version', async () => {
    const first = await site();
    const etag = first.headers.get('etag')!;
    const again = await site({ 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    // A weak validator and a list naming it match too; another tag does not.
    expect((await site({ 'if-none-match': `"other", W/${etag}` })).status).toBe(304);
    expect((await site({ 'if-none-match': '"other"' })).status).toBe(200);
  });

  it('counts devices by type and status, and changes its ETag when the site changes', async () => {
    const before = await site();
    const etag = before.headers.get('etag')!;
    const { cursor } = siteSummarySchema.parse(await before.json()).changes;
    const inv = branchInventory(new Date(clock.now()).toISOString());
    await t.store.write(inventoryOps(t.store, inv));
    // Within the short cache time the previous answer still stands …
    expect((await site({ 'if-none-match': etag })).status).toBe(304);
    clock.advance(3_000);
    // … after it, the new inventory is there, under a new ETag.
    const after = await site({ 'if-none-match': etag });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
    const body = siteSummarySchema.parse(await after.json());
    expect(body.devices.total).toBe(inv.devices.length);
    const types: Record<string, number> = {};
    for (const d of inv.devices) types[d.type] = (types[d.type] ?? 0) + 1;
    expect(body.devices.byType).toEqual(types);
    // Never probed yet: every device is unknown, none counted up or down.
    expect(body.devices.byStatus.unknown).toBe(inv.devices.length);
    // The cursor of the earlier summary continues with exactly what happened since.
    const feed = await t.request(`/api/v1/changes?since=${cursor}&limit=1000`, {
      headers: { authorization: `Bearer ${readToken}` },
    });
    expect(feed.status).toBe(200);
    const items = ((await feed.json()) as any).items as Array<{ kind: string; id: string }>;
    expect(items.map((i) => i.kind)).toEqual(inv.devices.map(() => 'device.added'));
    expect(new Set(items.map((i) => i.id))).toEqual(new Set(inv.devices.map((d) => d.id)));
  });

  it('counts open incidents by severity', async () => {
    const device = (await t.store.devices.list())[0]!;
    await t.store.write(
      t.store.events.appendOps(
        {
          kind: 'alert.raised',
          severity: 'critical',
          deviceId: device.id,
          message: `${device.name} is not reachable.`,
          details: {
            key: `device-down/${device.id}/`,
            rule: 'device-down',
            title: 'Device down',
            instance: '',
          },
        },
        clock.now(),
      ),
    );
    await t.deps.incidents.pump();
    clock.advance(3_000);
    const body = siteSummarySchema.parse(await (await site()).json());
    expect(body.incidents.open).toBe(1);
    expect(body.incidents.unacknowledged).toBe(1);
    expect(body.incidents.bySeverity.critical).toBe(1);
    expect(body.incidents.oldestOpenAt).toBeDefined();
  });

  it('reports each backup job, with a failing one counted', async () => {
    const targetPath = path.join(work.dir, 'target');
    await mkdir(targetPath);
    const target = await adminJson('POST', '/backup/targets', {
      name: 'USB disk',
      kind: 'local',
      path: targetPath,
      minFreeMiB: 1,
      minFreeInodes: 10,
    });
    expect(target.status, JSON.stringify(target.json)).toBe(201);
    const src = path.join(work.dir, 'share');
    await mkdir(src);
    await writeFile(path.join(src, 'a.txt'), 'a\n');
    const job = await adminJson('POST', '/backup/jobs', {
      name: 'File share',
      targetId: target.json.target.id,
      sources: [{ kind: 'local', path: src }],
      schedule: '',
    });
    expect(job.status, JSON.stringify(job.json)).toBe(201);
    clock.advance(3_000);
    let body = siteSummarySchema.parse(await (await site()).json());
    expect(body.backups.jobs).toEqual([
      { id: job.json.job.id, name: 'File share', enabled: true, failing: false },
    ]);
    // The source goes away: the run fails and the job counts as failing.
    await import('node:fs/promises').then((fs) => fs.rm(src, { recursive: true }));
    const run = await adminJson('POST', `/backup/jobs/${job.json.job.id}/run`);
    expect(run.status).toBe(202);
    let final: any;
    for (let i = 0; i < 200; i += 1) {
      final = (await adminJson('GET', `/backup/runs/${run.json.run.id}`)).json.run;
      if (final.status !== 'running') break;
      await new Promise((res) => setTimeout(res, 50));
    }
    // A source that is gone is a failure with its own code, not a warning over an empty snapshot.
    expect(final).toMatchObject({ status: 'failed', error: { code: 'SOURCE_MISSING' } });
    clock.advance(3_000);
    const res = await site();
    body = siteSummarySchema.parse(await res.json());
    expect(body.backups.failing, JSON.stringify(body.backups)).toBe(1);
    expect(body.backups.jobs[0]).toMatchObject({ lastResult: 'failed', failing: true });
    expect(body.backups.lastGoodAt).toBeUndefined();
  });

  it('a read token can read the summary but not change anything', async () => {
    const res = await t.request('/api/v1/settings/site', {
      method: 'PUT',
      headers: { authorization: `Bearer ${readToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', location: '', timezone: 'UTC', contact: '' }),
    });
    expect(res.status).toBe(403);
  });
});

describe('etagMatches', () => {
  it('compares weakly and understands lists and *', () => {
    expect(etagMatches(undefined, '"a"')).toBe(false);
    expect(etagMatches('"a"', '"a"')).toBe(true);
    expect(etagMatches('W/"a"', '"a"')).toBe(true);
    expect(etagMatches('"b", "a"', '"a"')).toBe(true);
    expect(etagMatches('*', '"a"')).toBe(true);
    expect(etagMatches('"b"', '"a"')).toBe(false);
    expect(etagMatches('a', '"a"')).toBe(false);
  });
});
