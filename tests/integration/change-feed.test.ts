/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are checked with matchers */
/**
 * Contract tests of the change feed HQ catches up from (`GET /api/v1/changes`), on a real store
 * through the real services: devices added, changed and removed, incidents opened, acknowledged
 * and resolved from real events, a backup run with real rsync; an HQ poller that pages with a
 * small limit while changes keep coming, goes away (VPN down) and comes back, receiving each
 * change exactly once and in order; writes in flight; pruning, restore and garbage cursors.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  createTestApp,
  setupAdmin,
  jsonInit,
  ManualClock,
  type TestApp,
  type CookieJar,
} from '../helpers/app.js';
import { tempDir } from '../helpers/temp-dir.js';
import { openStore, type Store } from '../../src/store/store.js';
import type { BatchOp } from '../../src/store/db.js';
import type { DeviceRecord, EventRecord } from '../../src/store/types.js';
import { exportAppliance, importAppliance } from '../../src/backup/appliance-export.js';
import { ChangeFeedService } from '../../src/hq/change-feed.js';
import { changePageSchema } from '../../src/hq/change-feed-schema.js';
import { parseCursor } from '../../src/hq/change-cursor.js';

const DAY = 86_400_000;

function device(id: string, over: Partial<DeviceRecord> = {}): DeviceRecord {
  const at = '2026-11-26T12:00:00.000Z';
  return {
    id,
    name: id,
    nameSource: 'auto',
    ip: `10.9.${id.length}.${[...id].reduce((a, c) => a + c.charCodeAt(0), 0) % 250}`,
    addresses: [],
    type: 'server',
    typeSource: 'auto',
    reasons: ['test'],
    snmp: { ok: false },
    services: [],
    interfaceCount: 0,
    notes: '',
    status: 'up',
    missedScans: 0,
    firstSeen: at,
    lastSeen: at,
    lastScanId: 'scan-1',
    ...over,
  };
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 60_000) {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Page {
  items: Array<{ seq: number; at: string; kind: string; id: string; data: any }>;
  next: string;
  hasMore: boolean;
  limit: number;
}

describe('the change feed', () => {
  const clock = new ManualClock(Date.parse('2026-11-26T12:00:00Z'));
  let t: TestApp;
  let admin: { jar: CookieJar; csrf: string };
  let bearer: Record<string, string>;
  let files: { dir: string; cleanup: () => Promise<void> };

  async function get(query: string, headers: Record<string, string> = bearer) {
    const res = await t.request(`/api/v1/changes${query}`, { headers });
    const text = await res.text();
    return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
  }

  async function page(since: string | undefined, limit?: number, extra = ''): Promise<Page> {
    const q = new URLSearchParams();
    if (since !== undefined) q.set('since', since);
    if (limit !== undefined) q.set('limit', String(limit));
    const r = await get(`?${q.toString()}${extra}`);
    expect(r.status, r.text).toBe(200);
    // Every answer matches the schema the OpenAPI document publishes.
    changePageSchema.parse(r.json);
    return r.json as Page;
  }

  /** Pages from `since` until nothing more is waiting. */
  async function drain(
    since: string,
    limit = 100,
  ): Promise<{ items: Page['items']; next: string }> {
    const items: Page['items'] = [];
    let cursor = since;
    for (;;) {
      const p = await page(cursor, limit);
      items.push(...p.items);
      cursor = p.next;
      if (!p.hasMore) return { items, next: cursor };
    }
  }

  async function now(): Promise<string> {
    return (await page('now')).next;
  }

  async function api(method: string, p: string, body?: unknown) {
    const res = await t.request(`/api/v1${p}`, jsonInit(method, admin, body));
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  }

  async function addDevice(d: DeviceRecord) {
    // The op builder the discovery merge uses for a new device.
    await t.store.write(t.store.devices.putOps(d));
  }

  async function event(e: Omit<EventRecord, 'key' | 'at'>) {
    await t.store.write(t.store.events.appendOps(e, clock.now()));
  }
  const raise = (deviceId: string) =>
    event({
      kind: 'alert.raised',
      severity: 'critical',
      deviceId,
      message: `${deviceId} is down`,
      details: { key: `device-down/${deviceId}/`, rule: 'device-down', title: 'Device down' },
    });
  const clear = (deviceId: string) =>
    event({
      kind: 'alert.cleared',
      severity: 'info',
      deviceId,
      message: `${deviceId} is back`,
      details: { key: `device-down/${deviceId}/`, rule: 'device-down', title: 'Device down' },
    });

  beforeAll(async () => {
    files = await tempDir();
    t = await createTestApp({}, { clock });
    admin = await setupAdmin(t);
    const res = await t.request(
      '/api/v1/tokens',
      jsonInit('POST', admin, { name: 'HQ', scope: 'read' }),
    );
    bearer = { authorization: `Bearer ${((await res.json()) as { token: string }).token}` };
  });
  afterAll(async () => {
    await t?.close();
    await files?.cleanup();
  });

  it('answers only signed-in callers; a read token reads it and changes nothing', async () => {
    const anon = await get('', {});
    expect(anon.status).toBe(401);
    expect(anon.json.error.code).toBe('UNAUTHENTICATED');
    expect((await get('', { authorization: 'Bearer nope' })).status).toBe(401);

    const first = await page(undefined);
    expect(first).toMatchObject({ items: [], hasMore: false, limit: 100 });
    expect(first.next).toBe(await now());
    // A session works too.
    expect((await t.request('/api/v1/changes', { jar: admin.jar })).status).toBe(200);

    // Read-only: no other method, and the read token cannot change what the feed reports.
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'])
      expect(
        (await t.request('/api/v1/changes', { method, headers: bearer })).status,
      ).toBeGreaterThanOrEqual(400);
    await addDevice(device('ro-1'));
    const patch = await t.request('/api/v1/devices/ro-1', {
      method: 'PATCH',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'renamed' }),
    });
    expect(patch.status).toBe(403);
    expect(
      (await t.request('/api/v1/devices/ro-1', { method: 'DELETE', headers: bearer })).status,
    ).toBe(403);
    const after = await drain(first.next);
    expect(after.items.map((i) => `${i.kind} ${i.id}`)).toEqual(['device.added ro-1']);
  });

  it('devices: added, changed and removed through the real services; a rescan is not news', async () => {
    const from = await now();
    await addDevice(device('dev-a'));
    // A rescan that only refreshes what every scan refreshes.
    const stored = (await t.store.devices.get('dev-a'))!;
    await t.store.write([
      t.store.devices.recordOp({
        ...stored,
        lastSeen: '2026-11-26T13:00:00.000Z',
        lastScanId: 'scan-2',
        uptimeS: 1234,
      }),
    ]);
    const renamed = await api('PATCH', '/devices/dev-a', { name: 'nas-basement' });
    expect(renamed.status).toBe(200);
    // An edit that changes nothing writes nothing.
    await api('PATCH', '/devices/dev-a', { name: 'nas-basement' });
    expect((await api('DELETE', '/devices/dev-a')).status).toBe(204);

    const { items } = await drain(from);
    expect(items.map((i) => i.kind)).toEqual(['device.added', 'device.changed', 'device.removed']);
    expect(items.every((i) => i.id === 'dev-a')).toBe(true);
    expect(items[1]!.data).toMatchObject({ name: 'nas-basement', nameSource: 'manual' });
    expect(items[2]!.data).toMatchObject({ id: 'dev-a', name: 'nas-basement' });
    // Consecutive numbers, times from the service clock.
    expect(items.map((i) => i.seq - items[0]!.seq)).toEqual([0, 1, 2]);
    expect(items[0]!.at).toBe(new Date(clock.now()).toISOString());
  });

  it('incidents: opened, acknowledged, resolved and reopened from real events', async () => {
    const from = await now();
    await raise('dev-x');
    await t.deps.incidents.pump();
    // Repeats fold into the incident (count) without a change each.
    await raise('dev-x');
    await raise('dev-x');
    await t.deps.incidents.pump();
    const [inc] = (await t.deps.incidents.list({ state: 'open', limit: 5, offset: 0 })).items;
    clock.advance(60_000);
    expect((await api('POST', `/incidents/${inc!.id}/acknowledge`)).status).toBe(200);
    expect((await api('POST', `/incidents/${inc!.id}/notes`, { text: 'looking' })).status).toBe(
      201,
    );
    clock.advance(60_000);
    expect((await api('POST', `/incidents/${inc!.id}/resolve`, { note: 'fixed' })).status).toBe(
      200,
    );
    await clear('dev-x');
    await t.deps.incidents.pump();
    await raise('dev-x');
    await t.deps.incidents.pump();

    const { items } = await drain(from);
    expect(items.map((i) => i.kind)).toEqual([
      'incident.opened',
      'incident.changed',
      'incident.resolved',
      'incident.opened',
    ]);
    expect(new Set(items.map((i) => i.id))).toEqual(new Set([inc!.id]));
    expect(items[0]!.data).toMatchObject({
      state: 'open',
      severity: 'critical',
      deviceId: 'dev-x',
    });
    expect(items[0]!.data).not.toHaveProperty('transitions');
    expect(items[1]!.data).toMatchObject({ state: 'acknowledged', ttaMs: 60_000 });
    expect(items[2]!.data).toMatchObject({ state: 'resolved', ttrMs: 120_000 });
    expect(items[3]!.data).toMatchObject({ state: 'open', reopenCount: 1 });
    // The list API agrees with the last change.
    const current = (await api('GET', `/incidents/${inc!.id}`)).json.incident;
    expect(current.state).toBe(items[3]!.data.state);
  });

  it('a backup run with real rsync: one change when it finishes, without its log', async () => {
    const src = path.join(files.dir, 'share');
    await mkdir(src, { recursive: true });
    await writeFile(path.join(src, 'a.txt'), 'hello\n');
    const from = await now();
    const target = await api('POST', '/backup/targets', {
      name: 'USB',
      kind: 'local',
      path: path.join(files.dir, 'usb'),
      minFreeMiB: 1,
      minFreeInodes: 10,
    });
    expect(target.status, JSON.stringify(target.json)).toBe(201);
    const job = await api('POST', '/backup/jobs', {
      name: 'Share',
      targetId: target.json.target.id,
      sources: [{ kind: 'local', path: src }],
      schedule: '',
      verifySample: 2,
    });
    expect(job.status, JSON.stringify(job.json)).toBe(201);
    const started = await api('POST', `/backup/jobs/${job.json.job.id}/run`);
    expect(started.status).toBe(202);
    const runId = started.json.run.id as string;
    await until('the run to finish', async () => {
      return (
        (await api('GET', `/backup/runs/${encodeURIComponent(runId)}`)).json.run.status !==
        'running'
      );
    });
    const run = (await api('GET', `/backup/runs/${encodeURIComponent(runId)}`)).json.run;
    expect(run.status).toBe('succeeded');

    const { items } = await drain(from);
    expect(items.map((i) => `${i.kind} ${i.id}`)).toEqual([`backup.run.finished ${runId}`]);
    expect(items[0]!.data).toMatchObject({
      id: runId,
      jobId: job.json.job.id,
      status: 'succeeded',
      kind: 'backup',
    });
    expect(items[0]!.data).not.toHaveProperty('log');
  });

  it('an HQ outage: paging while changes come, away, back — each change once, in order', async () => {
    const start = await now();
    const made: string[] = [];
    let n = 0;
    async function burst(count: number) {
      for (let i = 0; i < count; i++) {
        n += 1;
        const id = `out-${String(n).padStart(3, '0')}`;
        await addDevice(device(id));
        made.push(`device.added ${id}`);
        await t.deps.devices.update(id, { name: `renamed-${n}` }, ctxOf());
        made.push(`device.changed ${id}`);
        // A rescan of an earlier device: not news.
        const d = (await t.store.devices.get(id))!;
        await t.store.write([t.store.devices.recordOp({ ...d, lastScanId: `scan-${n}` })]);
      }
    }
    const received: Page['items'] = [];
    let cursor = start;
    // HQ polls with a small page while the box keeps changing, sometimes at the same instant.
    for (let round = 0; round < 5; round++) {
      const [p] = await Promise.all([page(cursor, 3), burst(2)]);
      received.push(...p.items);
      cursor = p.next;
    }
    // The VPN goes down: HQ stops polling; devices, incidents and removals happen meanwhile.
    await burst(6);
    await raise('out-001');
    await t.deps.incidents.pump();
    const [inc] = (
      await t.deps.incidents.list({ state: 'open', device: 'out-001', limit: 5, offset: 0 })
    ).items;
    made.push(`incident.opened ${inc!.id}`);
    await t.deps.devices.remove('out-002', ctxOf());
    made.push('device.removed out-002');
    // Back: HQ resumes from its last cursor and pages until nothing is waiting.
    const rest = await drain(cursor, 3);
    received.push(...rest.items);

    const seqs = received.map((i) => i.seq);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    expect(seqs[0]).toBe(parseCursor(start)!.seq + 1);
    expect(received.map((i) => `${i.kind} ${i.id}`)).toEqual(made);
    // Nothing more, and asking again from the final cursor gives nothing twice.
    const again = await page(rest.next, 3);
    expect(again).toMatchObject({ items: [], hasMore: false, next: rest.next });
  });

  it('concurrent writes of the same devices: gapless, and the last change is what is stored', async () => {
    const from = await now();
    const ids = ['cc-1', 'cc-2', 'cc-3'];
    for (const id of ids) await addDevice(device(id));
    const polls: Page[] = [];
    let stop = false;
    const poller = (async () => {
      let c = from;
      while (!stop) {
        const p = await page(c, 7);
        polls.push(p);
        c = p.next;
        await new Promise((r) => setImmediate(r));
      }
    })();
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        t.store.write(
          t.store.devices.putOps(device(ids[i % 3]!, { notes: `edit ${i}`, type: 'printer' })),
        ),
      ),
    );
    stop = true;
    await poller;
    // Every page any poller saw was a gapless run straight after its cursor.
    for (let i = 1; i < polls.length; i++) {
      const after = parseCursor(polls[i - 1]!.next)!.seq;
      polls[i]!.items.forEach((it, k) => expect(it.seq).toBe(after + 1 + k));
    }
    const { items } = await drain(from);
    const seqs = items.map((i) => i.seq);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    expect(items).toHaveLength(63);
    for (const id of ids) {
      const last = items.filter((i) => i.id === id).at(-1)!;
      expect(last.data).toEqual(await t.store.devices.get(id));
    }
  });

  it('concurrent pollers get the same answers', async () => {
    const from = await now();
    for (let i = 0; i < 5; i++) await addDevice(device(`cp-${i}`));
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => get(`?since=${encodeURIComponent(from)}&limit=3`)),
    );
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200]));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(answers[0]!.json.items).toHaveLength(3);
    expect(answers[0]!.json.hasMore).toBe(true);
  });

  it('a batch in flight hides itself and everything after it; a failed one leaves nothing', async () => {
    const from = await now();
    const root = t.store.devices.byId.db;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered = false;
    const slow = t.store.changes.capture(t.store.devices.putOps(device('fl-1')), async (all) => {
      entered = true;
      await gate;
      await root.batch(all as never);
    });
    await until('the slow batch to reach its commit', () => entered);
    // The number is taken but not committed: readers do not see it, nor anything behind it.
    const behind = t.store.write(t.store.devices.putOps(device('fl-2')));
    expect(await page(from)).toMatchObject({ items: [], next: from });
    release();
    await Promise.all([slow, behind]);
    expect((await drain(from)).items.map((i) => `${i.kind} ${i.id}`)).toEqual([
      'device.added fl-1',
      'device.added fl-2',
    ]);

    // A batch that fails in LevelDB writes neither the device nor a change, and holds nothing up.
    const mid = await now();
    const bad: BatchOp = {
      type: 'put',
      sublevel: t.store.devices.index,
      key: null as unknown as string,
      value: 'x',
    };
    await expect(t.store.write([...t.store.devices.putOps(device('fl-3')), bad])).rejects.toThrow();
    await expect(
      t.store.changes.capture(t.store.devices.putOps(device('fl-4')), async () => {
        throw new Error('disk on fire');
      }),
    ).rejects.toThrow('disk on fire');
    expect(await t.store.devices.get('fl-3')).toBeUndefined();
    expect(await now()).toBe(mid);
    await addDevice(device('fl-5'));
    const { items } = await drain(mid);
    expect(items.map((i) => `${i.kind} ${i.id}`)).toEqual(['device.added fl-5']);
    expect(items[0]!.seq).toBe(parseCursor(mid)!.seq + 1);
  });

  it('a kinds filter skips changes but moves the cursor past them', async () => {
    const from = await now();
    await addDevice(device('kf-1'));
    await raise('kf-1');
    await t.deps.incidents.pump();
    await addDevice(device('kf-2'));
    const p = await page(from, 10, '&kinds=incident');
    expect(p.items.map((i) => i.kind)).toEqual(['incident.opened']);
    expect(p.next).toBe(await now());
    expect((await page(p.next, 10, '&kinds=incident')).items).toEqual([]);
    const both = await page(from, 10, '&kinds=device.added,incident.opened');
    expect(both.items).toHaveLength(3);
    const bad = await get('?kinds=users');
    expect(bad.status).toBe(422);
  });

  it('garbage cursors are 400, other bad input 422', async () => {
    for (const since of ['garbage', 'c1.zz.1', 'c1..', 'c1.0123456789abcdef.-4', "' OR 1=1", '']) {
      const r = await get(`?since=${encodeURIComponent(since)}`);
      expect(r.status, since).toBe(400);
      expect(r.json.error.code).toBe('BAD_CURSOR');
    }
    for (const limit of ['0', '-1', 'lots', '1.5']) {
      const r = await get(`?limit=${limit}`);
      expect(r.status, limit).toBe(422);
    }
  });

  it('a restored copy of the box has another epoch: old cursors get 410, since=now starts over', async () => {
    const cursor = await now();
    const exportDir = path.join(files.dir, 'export');
    const box = path.join(files.dir, 'new-box');
    await exportAppliance(t.store, exportDir);
    await importAppliance(exportDir, box);
    const restored = await openStore(box);
    try {
      const feed = new ChangeFeedService({
        store: restored,
        clock,
        config: { changeRetentionDays: 30, changePageMax: 1000 },
      });
      await expect(feed.page({ since: cursor, limit: 10 })).rejects.toMatchObject({
        code: 'CURSOR_EXPIRED',
        status: 410,
      });
      // The history came along; a new cursor continues on the restored box.
      expect((await feed.page({ limit: 1000 })).items.length).toBeGreaterThan(50);
      const fresh = (await feed.page({ since: 'now', limit: 10 })).next;
      await restored.write(restored.devices.putOps(device('after-restore')));
      expect((await feed.page({ since: fresh, limit: 10 })).items.map((i) => i.id)).toEqual([
        'after-restore',
      ]);
    } finally {
      await restored.close();
    }
    // A cursor of another epoch, and one ahead of the feed, on this box.
    const c = parseCursor(cursor)!;
    for (const other of [`c1.${'f'.repeat(16)}.${c.seq}`, `c1.${c.epoch}.${c.seq + 1000}`]) {
      const r = await get(`?since=${other}`);
      expect(r.status, other).toBe(410);
      expect(r.json.error.code).toBe('CURSOR_EXPIRED');
      expect(r.json.error.message).toContain('since=now');
    }
  });

  it('past the retention period: pruned in the job, stale cursors get 410 telling to resync', async () => {
    const old = (await page(undefined, 1)).next; // after the oldest change kept
    const recent = await now();
    clock.advance(20 * DAY);
    await addDevice(device('young'));
    clock.advance(11 * DAY); // the earlier changes are now 31 days old
    const run = await t.scheduler.runNow('change-feed-retention', 'test');
    expect(run).toMatchObject({ status: 'ok' });
    expect(run.summary).toMatch(/^removed \d+ change\(s\) older than 30 day\(s\)$/);

    const stale = await get(`?since=${encodeURIComponent(old)}`);
    expect(stale.status).toBe(410);
    expect(stale.json.error.code).toBe('CURSOR_EXPIRED');
    expect(stale.json.error.message).toMatch(/resync/i);
    // A cursor at the newest pruned change lost nothing: it goes on.
    const fine = await page(recent);
    expect(fine.items.map((i) => `${i.kind} ${i.id}`)).toEqual(['device.added young']);
    // Without a cursor: from the oldest change kept.
    expect((await page(undefined)).items.map((i) => i.id)).toEqual(['young']);
    // Pruning again removes nothing more.
    expect(
      (await t.deps.changeFeed.prune(new AbortController().signal)).startsWith('removed 0'),
    ).toBe(true);
  });
});

describe('the change feed page size', () => {
  let t: TestApp;
  let admin: { jar: CookieJar; csrf: string };
  beforeAll(async () => {
    t = await createTestApp({ hq: { changePageMax: 10 } });
    admin = await setupAdmin(t);
  });
  afterAll(async () => t?.close());

  it('is capped at hq.changePageMax, not refused, and the answer says the limit used', async () => {
    await t.store.write(
      Array.from({ length: 25 }, (_, i) => t.store.devices.putOps(device(`pg-${i}`))).flat(),
    );
    const res = await t.request('/api/v1/changes?limit=5000', { jar: admin.jar });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Page;
    expect(body.limit).toBe(10);
    expect(body.items).toHaveLength(10);
    expect(body.hasMore).toBe(true);
    const def = (await (await t.request('/api/v1/changes', { jar: admin.jar })).json()) as Page;
    expect(def.limit).toBe(10);
  });
});

describe('the change feed across restarts', () => {
  it('keeps its epoch and numbering; a change is never numbered twice', async () => {
    const tmp = await tempDir();
    let store: Store | undefined;
    try {
      store = await openStore(tmp.dir);
      await store.write(store.devices.putOps(device('r-1')));
      const before = await store.changes.state();
      await store.close();
      store = await openStore(tmp.dir);
      expect((await store.changes.state()).epoch).toBe(before.epoch);
      await store.write(store.devices.putOps(device('r-2')));
      const all = [];
      for await (const e of store.changes.between(0, (await store.changes.state()).visibleThrough))
        all.push(`${e.seq} ${e.kind} ${e.id}`);
      expect(all).toEqual(['1 device.added r-1', '2 device.added r-2']);
    } finally {
      await store?.close();
      await tmp.cleanup();
    }
  });
});

function ctxOf() {
  return {
    actor: { type: 'user' as const, id: 'u-test', name: 'tester', role: 'admin' as const },
    ip: '127.0.0.1',
  };
}
