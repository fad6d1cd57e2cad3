/**
 * The incident service on a real store: events written with their inbox entries are folded into
 * incidents (count, reopen, auto-resolve, flapping), survive a restart between write and fold,
 * are suppressed behind a down parent and held by maintenance windows (re-check at the end), and
 * notify a real webhook receiver on 127.0.0.1 through the real notification service, with the
 * signature checked. People's actions are audited and land on the timeline.
 */
import { describe, it, expect, beforeAll, afterAll, beforeEach, afterEach } from 'vitest';
import http from 'node:http';
import { openStore, type Store } from '../../src/store/store.js';
import { IncidentService } from '../../src/incidents/incident-service.js';
import { NotificationService } from '../../src/incidents/notification-service.js';
import { configSchema, type Config } from '../../src/config/schema.js';
import { createLogger } from '../../src/lib/logger.js';
import { SecretBox } from '../../src/lib/secret-box.js';
import { verifySignature } from '../../src/incidents/channels/webhook.js';
import type { RequestContext } from '../../src/auth/context.js';
import type { EventRecord } from '../../src/store/types.js';
import { ManualClock } from '../helpers/app.js';
import { tempDir } from '../helpers/temp-dir.js';

const ctx: RequestContext = {
  actor: { type: 'user', id: 'u1', name: 'alice', role: 'admin' },
  ip: '127.0.0.1',
};
const SECRET = 'incident-hook-secret-0123456789';

interface Hook {
  event: string;
  incident: { id: string; title: string } | null;
  url: string;
  valid: boolean;
  delivery: string;
}

let server: http.Server;
let hookUrl = '';
const hooks: Hook[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body) as Omit<Hook, 'valid' | 'delivery'>;
      hooks.push({
        ...parsed,
        delivery: String(req.headers['x-caretaker-delivery']),
        valid: verifySignature(
          SECRET,
          String(req.headers['x-caretaker-timestamp']),
          body,
          String(req.headers['x-caretaker-signature']),
          { now: new Date(Number(req.headers['x-caretaker-timestamp']) * 1000) },
        ),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

interface Env {
  store: Store;
  clock: ManualClock;
  config: Config;
  incidents: IncidentService;
  notifications: NotificationService;
  statuses: Map<string, string>;
  parents: Map<string, string>;
  rechecks: number;
  reopen(): Promise<void>;
  cleanup(): Promise<void>;
}

async function makeEnv(): Promise<Env> {
  const tmp = await tempDir();
  const clock = new ManualClock(Date.parse('2026-11-26T12:00:00Z'));
  const config = configSchema.parse({
    dataDir: tmp.dir,
    incidents: { notifyDelayS: 0, flapMaxChanges: 3, flapWindowS: 600, reopenWithinS: 600 },
    notify: { retryDelayS: 1 },
  });
  const secrets = await SecretBox.open(tmp.dir);
  const env = {
    clock,
    config,
    statuses: new Map<string, string>(),
    parents: new Map<string, string>(),
    rechecks: 0,
  } as Env;
  const build = async () => {
    env.store = await openStore(tmp.dir);
    const logger = createLogger('silent');
    const notifications: NotificationService = new NotificationService({
      store: env.store,
      clock,
      logger,
      config,
      secrets,
      site: async () => ({ siteName: 'Test branch', boxName: 'box', timeZone: 'UTC' }),
      linkFor: (id) => `http://box.test/incidents${id ? `/${id}` : ''}`,
      shouldSend: (d) => incidents.shouldSend(d),
      onFinished: (d, now) => incidents.deliveryLineOps(d, now),
    });
    const incidents: IncidentService = new IncidentService({
      store: env.store,
      clock,
      logger,
      config,
      statuses: async () => env.statuses,
      ancestors: async (id) => {
        const out: string[] = [];
        for (let p = env.parents.get(id); p && out.length < 10; p = env.parents.get(p)) out.push(p);
        return out;
      },
      notifier: notifications,
      recheck: async () => {
        env.rechecks += 1;
      },
    });
    env.incidents = incidents;
    env.notifications = notifications;
  };
  await build();
  env.reopen = async () => {
    await env.store.close();
    await build();
  };
  env.cleanup = async () => {
    await env.store.close();
    await tmp.cleanup();
  };
  return env;
}

let env: Env;
beforeEach(async () => {
  env = await makeEnv();
  hooks.length = 0;
});
afterEach(async () => env.cleanup());

async function event(e: Omit<EventRecord, 'key' | 'at'>, atMs = env.clock.now()): Promise<string> {
  const ops = env.store.events.appendOps(e, atMs);
  await env.store.write(ops);
  return ops[0]!.key;
}

const raise = (
  deviceId: string,
  rule = 'device-down',
  severity: EventRecord['severity'] = 'critical',
) =>
  event({
    kind: 'alert.raised',
    severity,
    deviceId,
    message: `${deviceId} is down`,
    details: { key: `${rule}/${deviceId}/`, rule, title: 'Device down', instance: '' },
  });
const clear = (deviceId: string, rule = 'device-down') =>
  event({
    kind: 'alert.cleared',
    severity: 'info',
    deviceId,
    message: `${deviceId} is back`,
    details: { key: `${rule}/${deviceId}/`, rule, title: 'Device down', alertSeverity: 'critical' },
  });

async function addWebhook(minSeverity = 'warning') {
  return env.notifications.create(
    {
      name: 'ops hook',
      enabled: true,
      settings: { kind: 'webhook', url: hookUrl, secret: SECRET },
      filters: { minSeverity, deviceTypes: [], notifyResolved: true },
    } as never,
    ctx,
  );
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 10_000) {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('events become incidents', () => {
  it('folds repeats into one incident, resolves on clear and reopens within the window', async () => {
    await raise('sw1');
    env.clock.advance(30_000);
    await raise('sw1');
    await raise('sw1');
    expect(await env.incidents.pump()).toBe(3);
    const [inc] = (await env.incidents.list({ state: 'unresolved', limit: 50, offset: 0 })).items;
    expect(inc).toMatchObject({ count: 3, state: 'open', severity: 'critical', deviceId: 'sw1' });
    // Folding twice is harmless: the inbox is empty now.
    expect(await env.incidents.pump()).toBe(0);

    await clear('sw1');
    await env.incidents.pump();
    const resolved = (await env.incidents.get(inc!.id)).incident;
    expect(resolved).toMatchObject({ state: 'resolved', resolvedBy: 'auto', active: false });

    env.clock.advance(60_000);
    await raise('sw1');
    await env.incidents.pump();
    const again = await env.incidents.get(inc!.id);
    expect(again.incident).toMatchObject({ state: 'open', reopenCount: 1, count: 4 });
    expect(again.timeline.map((l) => l.kind)).toEqual(
      expect.arrayContaining(['opened', 'resolved', 'reopened']),
    );

    // Long after the reopen window, the same problem is a new incident.
    await clear('sw1');
    env.clock.advance(3_600_000);
    await raise('sw1');
    await env.incidents.pump();
    const all = await env.incidents.list({ state: 'all', limit: 50, offset: 0 });
    expect(all.items).toHaveLength(2);
  });

  it('a problem that keeps toggling becomes one flapping incident that settles later', async () => {
    for (let i = 0; i < 3; i++) {
      await raise('ap1');
      env.clock.advance(20_000);
      await clear('ap1');
      env.clock.advance(20_000);
    }
    await raise('ap1');
    await env.incidents.pump();
    let all = await env.incidents.list({ state: 'all', limit: 50, offset: 0 });
    expect(all.items).toHaveLength(1);
    expect(all.items[0]).toMatchObject({ flapping: true, state: 'open' });
    await clear('ap1');
    await env.incidents.pump();
    all = await env.incidents.list({ state: 'all', limit: 50, offset: 0 });
    expect(all.items[0]).toMatchObject({ flapping: true, state: 'open', active: false });
    env.clock.advance(601_000);
    await env.incidents.tick(new AbortController().signal);
    all = await env.incidents.list({ state: 'all', limit: 50, offset: 0 });
    expect(all.items[0]).toMatchObject({ flapping: false, state: 'resolved' });
  });

  it('events written before a crash are folded once after the restart', async () => {
    await raise('srv1', 'cpu-high', 'major');
    await raise('srv1', 'cpu-high', 'major');
    await env.reopen();
    expect(await env.incidents.pump()).toBe(2);
    await env.reopen();
    expect(await env.incidents.pump()).toBe(0);
    const all = await env.incidents.list({ state: 'all', limit: 50, offset: 0 });
    expect(all.items).toHaveLength(1);
    expect(all.items[0]!.count).toBe(2);
  });

  it('info events such as a new device are recorded only', async () => {
    await event({ kind: 'device.new', severity: 'info', deviceId: 'x', message: 'found x' });
    expect(await env.incidents.pump()).toBe(1);
    expect((await env.incidents.list({ state: 'all', limit: 5, offset: 0 })).items).toHaveLength(0);
  });
});

describe('people act on incidents', () => {
  it('acknowledge, assign, note and resolve are audited and on the timeline', async () => {
    const at = new Date().toISOString();
    await env.store.write(
      env.store.users.putOps({
        id: 'u2',
        username: 'bob',
        displayName: 'Bob',
        role: 'operator',
        passwordHash: 'x',
        disabled: false,
        createdAt: at,
        updatedAt: at,
        passwordChangedAt: at,
      }),
    );
    await raise('nas1', 'storage-high', 'major');
    await env.incidents.pump();
    const [inc] = (await env.incidents.list({ state: 'open', limit: 5, offset: 0 })).items;
    env.clock.advance(120_000);
    await env.incidents.acknowledge(inc!.id, ctx);
    await expect(env.incidents.acknowledge(inc!.id, ctx)).rejects.toMatchObject({
      code: 'INCIDENT_ACKNOWLEDGED',
    });
    await env.incidents.assign(inc!.id, 'u2', ctx);
    await expect(env.incidents.assign(inc!.id, 'nobody', ctx)).rejects.toMatchObject({
      code: 'USER_NOT_FOUND',
    });
    await env.incidents.addNote(inc!.id, 'Replacing the disk <b>tomorrow</b>', ctx);
    env.clock.advance(600_000);
    await env.incidents.resolve(inc!.id, 'disk replaced', ctx);
    const { incident, timeline } = await env.incidents.get(inc!.id);
    expect(incident).toMatchObject({ state: 'resolved', resolvedBy: 'alice', assigneeId: 'u2' });
    expect(timeline.map((l) => l.kind)).toEqual([
      'event',
      'opened',
      'acknowledged',
      'assigned',
      'note',
      'resolved',
    ]);
    const audit = await env.store.audit.page(20);
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        'incident.acknowledged',
        'incident.assigned',
        'incident.note',
        'incident.resolved',
      ]),
    );
    const stats = await env.incidents.stats({ groupBy: 'rule' });
    expect(stats).toEqual([
      expect.objectContaining({
        group: 'storage-high',
        incidents: 1,
        mttaMs: 120_000,
        mttrMs: 720_000,
      }),
    ]);
    await expect(env.incidents.resolve(inc!.id, undefined, ctx)).rejects.toMatchObject({
      code: 'INCIDENT_RESOLVED',
    });
  });
});

describe('suppression, maintenance and notifications', () => {
  it('notifies a webhook for a new problem and its resolution, signed and linked', async () => {
    await addWebhook();
    await raise('rt1');
    await env.incidents.pump();
    await env.notifications.processDue();
    await until('opened hook', () => hooks.length === 1);
    expect(hooks[0]).toMatchObject({ event: 'incident.opened', valid: true });
    expect(hooks[0]!.url).toMatch(/^http:\/\/box\.test\/incidents\//);
    await clear('rt1');
    await env.incidents.pump();
    await env.notifications.processDue();
    await until('resolved hook', () => hooks.length === 2);
    expect(hooks[1]!.event).toBe('incident.resolved');
    const { timeline } = await env.incidents.get(hooks[0]!.incident!.id);
    expect(timeline.filter((l) => l.kind === 'notified')).toHaveLength(2);
  });

  it('a device behind a down switch is suppressed; the switch pages alone', async () => {
    await addWebhook();
    env.parents.set('pc1', 'sw1');
    env.parents.set('pc2', 'sw1');
    env.statuses.set('sw1', 'down');
    await raise('pc1');
    await raise('sw1');
    await raise('pc2');
    await env.incidents.pump();
    await env.notifications.processDue();
    await until('switch hook', () => hooks.length === 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(hooks).toHaveLength(1);
    const open = (await env.incidents.list({ state: 'unresolved', limit: 10, offset: 0 })).items;
    expect(open.find((i) => i.deviceId === 'pc1')?.suppressedBy).toBe('sw1');
    expect(open.find((i) => i.deviceId === 'pc2')?.suppressedBy).toBe('sw1');
    expect(open.find((i) => i.deviceId === 'sw1')?.suppressedBy).toBeUndefined();

    // The switch comes back but pc2 stays down: now pc2 is a problem of its own and pages.
    env.statuses.set('sw1', 'up');
    await clear('sw1');
    await clear('pc1');
    await env.incidents.pump();
    await env.incidents.tick(new AbortController().signal);
    await env.notifications.processDue();
    await until('pc2 hook', () =>
      hooks.some((h) => h.event === 'incident.opened' && h !== hooks[0]),
    );
    const pc2 = (
      await env.incidents.list({ state: 'unresolved', limit: 10, offset: 0 })
    ).items.find((i) => i.deviceId === 'pc2');
    expect(pc2?.suppressedBy).toBeUndefined();
    expect(hooks.filter((h) => h.event === 'incident.opened')).toHaveLength(2);
  });

  it('a maintenance window holds notifications; at its end a re-check notifies what remains', async () => {
    await addWebhook();
    const now = env.clock.now();
    await env.store.write([
      env.store.maintenance.putOp({
        id: 'mw1',
        name: 'Firmware upgrades',
        reason: 'switch firmware',
        scope: { kind: 'site' },
        schedule: {
          kind: 'once',
          start: new Date(now - 60_000).toISOString(),
          end: new Date(now + 3_600_000).toISOString(),
        },
        timeZone: 'UTC',
        enabled: true,
        suppressNotifications: true,
        backupJobIds: [],
        createdAt: new Date(now).toISOString(),
        createdBy: 'alice',
        updatedAt: new Date(now).toISOString(),
      }),
    ]);
    await raise('sw1');
    await raise('sw2');
    await env.incidents.pump();
    await env.incidents.tick(new AbortController().signal);
    await env.notifications.processDue();
    await clear('sw2');
    await env.incidents.pump();
    expect(hooks).toHaveLength(0);
    const held = (await env.incidents.list({ state: 'unresolved', limit: 10, offset: 0 })).items;
    expect(held.map((i) => i.maintenanceId)).toEqual(['mw1']);

    env.clock.advance(3_700_000);
    await env.incidents.tick(new AbortController().signal);
    expect(env.rechecks).toBe(1);
    await env.notifications.processDue();
    await until('recheck hook', () => hooks.length === 1);
    expect(hooks[0]!.event).toBe('incident.recheck');
    const events = await env.store.events.query({ limit: 20 });
    expect(events.items.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['maintenance.started', 'maintenance.ended']),
    );
  });
});

/** A maintenance window over [fromMs, toMs). */
async function addWindow(
  id: string,
  fromMs: number,
  toMs: number,
  scope: { kind: 'site' } | { kind: 'devices'; deviceIds: string[] } = { kind: 'site' },
) {
  const at = new Date(env.clock.now()).toISOString();
  await env.store.write([
    env.store.maintenance.putOp({
      id,
      name: `window ${id}`,
      reason: 'works',
      scope,
      schedule: {
        kind: 'once',
        start: new Date(fromMs).toISOString(),
        end: new Date(toMs).toISOString(),
      },
      timeZone: 'UTC',
      enabled: true,
      suppressNotifications: true,
      backupJobIds: [],
      createdAt: at,
      createdBy: 'alice',
      updatedAt: at,
    }),
  ]);
}

const tick = () => env.incidents.tick(new AbortController().signal);
/** Lets the webhook receiver take what was sent. */
const settle = () => new Promise((r) => setTimeout(r, 150));

describe('suppression and maintenance do not lose or leak pages', () => {
  it('a page dropped at send time because the switch went down is sent when the switch is back and the device is still down', async () => {
    await addWebhook();
    env.parents.set('pc1', 'sw1');
    // pc1 fails first; the switch is not known to be down yet, so its page is queued.
    await raise('pc1');
    await env.incidents.pump();
    // By the time the page is due the switch is down: the page is held back (suppressed).
    env.statuses.set('sw1', 'down');
    await env.notifications.processDue();
    await settle();
    expect(hooks).toHaveLength(0);
    let [pc1] = (await env.incidents.list({ state: 'unresolved', limit: 10, offset: 0 })).items;
    expect(pc1?.suppressedBy).toBe('sw1');

    // The switch comes back, pc1 is still down: now it is a problem of its own and pages.
    env.statuses.set('sw1', 'up');
    await tick();
    await env.notifications.processDue();
    await until('pc1 page', () => hooks.length === 1);
    expect(hooks[0]).toMatchObject({ event: 'incident.opened', valid: true });
    [pc1] = (await env.incidents.list({ state: 'unresolved', limit: 10, offset: 0 })).items;
    expect(pc1?.suppressedBy).toBeUndefined();
  });

  it('a reopened problem suppressed behind a down switch pages when the switch is back', async () => {
    await addWebhook();
    env.parents.set('pc1', 'sw1');
    await raise('pc1');
    await env.incidents.pump();
    await env.notifications.processDue();
    await clear('pc1');
    await env.incidents.pump();
    await env.notifications.processDue();
    await until('opened and resolved', () => hooks.length === 2);
    // It returns together with the switch failing: suppressed, nobody is paged.
    env.statuses.set('sw1', 'down');
    env.clock.advance(60_000);
    await raise('pc1');
    await env.incidents.pump();
    await env.notifications.processDue();
    await settle();
    expect(hooks).toHaveLength(2);
    // The switch is back and pc1 is still down: the people told "resolved" hear it returned.
    env.statuses.set('sw1', 'up');
    await tick();
    await env.notifications.processDue();
    await until('reopened page', () => hooks.length === 3);
    expect(hooks[2]!.event).toBe('incident.reopened');
  });

  it('an incident opened before a window does not page its escalation during the window', async () => {
    await addWebhook();
    await raise('srv1', 'cpu-high', 'major');
    await env.incidents.pump();
    await env.notifications.processDue();
    await until('opened', () => hooks.length === 1);
    const now = env.clock.now();
    await addWindow('mw1', now - 60_000, now + 600_000);
    env.clock.advance(30_000);
    await raise('srv1', 'cpu-high', 'critical');
    await env.incidents.pump();
    await env.notifications.processDue();
    await settle();
    expect(hooks.map((h) => h.event)).toEqual(['incident.opened']);
    // At the end of the window the re-check finds it still there and says so.
    env.clock.advance(600_000);
    await tick();
    await env.notifications.processDue();
    await until('recheck', () => hooks.length === 2);
    expect(hooks[1]!.event).toBe('incident.recheck');
  });

  it('a problem that returns after its window ended pages as reopened at once, without a site re-check', async () => {
    await addWebhook();
    const now = env.clock.now();
    await addWindow('mw1', now - 60_000, now + 120_000);
    await raise('sw1');
    await env.incidents.pump();
    await clear('sw1');
    await env.incidents.pump();
    env.clock.advance(180_000);
    await tick();
    expect(env.rechecks).toBe(0);
    await raise('sw1');
    await env.incidents.pump();
    await env.notifications.processDue();
    await until('reopened page', () => hooks.length === 1);
    expect(hooks[0]!.event).toBe('incident.reopened');
    await tick();
    expect(env.rechecks).toBe(0);
  });

  it('a problem held by a second window is notified at the end of that window too', async () => {
    await addWebhook();
    let now = env.clock.now();
    await addWindow('mw1', now - 60_000, now + 120_000);
    await raise('sw1');
    await env.incidents.pump();
    env.clock.advance(180_000);
    await tick();
    await env.notifications.processDue();
    await until('first recheck', () => hooks.length === 1);
    expect(hooks[0]!.event).toBe('incident.recheck');
    await clear('sw1');
    await env.incidents.pump();
    await env.notifications.processDue();
    await until('resolved', () => hooks.length === 2);

    now = env.clock.now();
    await addWindow('mw2', now - 60_000, now + 120_000);
    await raise('sw1');
    await env.incidents.pump();
    await env.notifications.processDue();
    await settle();
    expect(hooks).toHaveLength(2);
    env.clock.advance(180_000);
    await tick();
    await env.notifications.processDue();
    await until('second recheck', () => hooks.length === 3);
    expect(hooks[2]!.event).toBe('incident.recheck');
  });

  it('the end of one window does not release an incident another window still covers', async () => {
    await addWebhook();
    const now = env.clock.now();
    await addWindow('a-site', now - 60_000, now + 120_000);
    await addWindow('b-sw1', now - 60_000, now + 3_600_000, {
      kind: 'devices',
      deviceIds: ['sw1'],
    });
    await raise('sw1');
    await env.incidents.pump();
    env.clock.advance(180_000);
    await tick();
    await env.notifications.processDue();
    await settle();
    expect(env.rechecks).toBe(0);
    expect(hooks).toHaveLength(0);
    env.clock.advance(3_600_000);
    await tick();
    expect(env.rechecks).toBe(1);
    await env.notifications.processDue();
    await until('recheck', () => hooks.length === 1);
    expect(hooks[0]!.event).toBe('incident.recheck');
  });
});

describe('after a restart', () => {
  it('a suppression written at send time while the open incidents load is not undone in memory', async () => {
    await addWebhook();
    env.parents.set('pc1', 'sw1');
    await raise('pc1');
    await env.incidents.pump();
    // Many newer (resolved) incidents: loading takes a while and reaches pc1 last.
    const [pc] = (await env.incidents.list({ state: 'unresolved', limit: 10, offset: 0 })).items;
    await env.store.write(
      Array.from({ length: 3000 }, (_, i) =>
        env.store.incidents.putOp({
          ...pc!,
          id: `${pc!.id}.${String(i).padStart(5, '0')}`,
          key: `old:${i}`,
          state: 'resolved',
          resolvedAt: pc!.openedAt,
        }),
      ),
    );
    await env.reopen();
    env.statuses.set('sw1', 'down');
    const [d] = (await env.store.notifications.allOutbox()).map((e) => e.deliveryId);
    const delivery = (await env.store.notifications.getDelivery(d!))!;
    // The list loads the open incidents while the notification service asks about the page.
    const [, verdict] = await Promise.all([
      env.incidents.list({ state: 'unresolved', limit: 10, offset: 0 }),
      env.incidents.shouldSend(delivery),
    ]);
    expect(verdict.send).toBe(false);
    const [pc1] = (await env.incidents.list({ state: 'unresolved', limit: 10, offset: 0 })).items;
    expect(pc1?.suppressedBy).toBe('sw1');
  });
});

describe('trap floods', () => {
  it('a sender with many different trap problems gets one flood incident for the rest', async () => {
    for (let i = 0; i < 40; i++)
      await event({
        kind: 'trap.received',
        severity: 'warning',
        message: `vendor trap ${i}`,
        details: { trapKind: 'vendor', trapOid: `1.3.6.1.4.1.9999.0.${i}`, address: '10.9.9.9' },
      });
    await env.incidents.pump();
    const open = (await env.incidents.list({ state: 'unresolved', limit: 200, offset: 0 })).items;
    expect(open.filter((i) => i.key.startsWith('trap:10.9.9.9:'))).toHaveLength(20);
    const flood = open.filter((i) => i.key === 'trap-flood:10.9.9.9');
    expect(flood).toHaveLength(1);
    expect(flood[0]!.count).toBe(20);
  });
});
