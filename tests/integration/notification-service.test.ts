/**
 * The notification service with real parts: LevelDB in a temporary directory, a real SMTP server
 * (npm smtp-server) and a real HTTP webhook receiver on 127.0.0.1, and a manual clock for due
 * times, backoff, quiet hours and digests. Covers routing, quiet hours, retries with the same
 * delivery id, giving up, the channel failing/recovered events, a restart in the middle of a
 * delivery, secrets at rest, the pre-send check and the daily digest.
 */
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { SMTPServer } from 'smtp-server';
import { openStore, type Store } from '../../src/store/store.js';
import type { DeliveryRecord, NotificationsStore } from '../../src/store/notifications.js';
import {
  NotificationService,
  type ChannelInput,
  type NotificationServiceDeps,
  type ShouldSend,
} from '../../src/incidents/notification-service.js';
import type { IncidentRecord, NotifyKind, Severity } from '../../src/incidents/types.js';
import { verifySignature } from '../../src/incidents/channels/webhook.js';
import { SecretBox } from '../../src/lib/secret-box.js';
import { createLogger } from '../../src/lib/logger.js';
import type { Clock } from '../../src/core/time.js';
import type { RequestContext } from '../../src/auth/context.js';
import type { DeviceRecord } from '../../src/store/types.js';
import { tempDir } from '../helpers/temp-dir.js';

const HOST = '127.0.0.1';
const SMTP_USER = 'caretaker';
const SMTP_PASS = 'smtp password 7f3a9 never shown';
const HOOK_SECRET = 'webhook-signing-secret-0123456789';
const KEY = randomBytes(32);
const ctx: RequestContext = {
  actor: { type: 'user', id: 'u1', name: 'admin', role: 'admin' },
  ip: '127.0.0.1',
};

class TestClock implements Clock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

// ---- receivers -----------------------------------------------------------------------------

interface HookRequest {
  path: string;
  delivery: string;
  signatureValid: boolean;
  body: {
    event: string;
    deliveryId: string;
    url: string;
    incident: { id: string } | null;
    digest: Array<{ id: string }> | null;
  };
}

const hook = {
  requests: [] as HookRequest[],
  /** Statuses to answer with, in order; 200 once used up. 0: never answer. */
  plan: [] as number[],
  /** The same per path (checked first). */
  planFor: new Map<string, number[]>(),
  hanging: [] as http.ServerResponse[],
  port: 0,
  server: undefined as http.Server | undefined,
};

interface Mail {
  to: string[];
  user: string | undefined;
  raw: string;
}
const smtp = { received: [] as Mail[], port: 0, server: undefined as SMTPServer | undefined };
let closedPort = 0;

beforeAll(async () => {
  hook.server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const ts = String(req.headers['x-caretaker-timestamp'] ?? '');
      const sig = req.headers['x-caretaker-signature'];
      hook.requests.push({
        path: req.url ?? '',
        delivery: String(req.headers['x-caretaker-delivery'] ?? ''),
        signatureValid: verifySignature(HOOK_SECRET, ts, body, typeof sig === 'string' ? sig : ''),
        body: JSON.parse(body) as HookRequest['body'],
      });
      const status = hook.planFor.get(req.url ?? '')?.shift() ?? hook.plan.shift() ?? 200;
      if (status === 0) {
        hook.hanging.push(res);
        return;
      }
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'boom');
    });
  });
  hook.port = await new Promise<number>((resolve) =>
    hook.server!.listen(0, HOST, () => resolve((hook.server!.address() as net.AddressInfo).port)),
  );

  smtp.server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    closeTimeout: 1000,
    onAuth(auth, _session, cb) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASS) cb(null, { user: SMTP_USER });
      else cb(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, cb) {
      const err = (code: number, msg: string) =>
        Object.assign(new Error(msg), { responseCode: code });
      if (address.address.startsWith('later@')) cb(err(450, 'Mailbox busy, try later'));
      else if (address.address.startsWith('rejected@')) cb(err(550, 'No such user here'));
      else cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        smtp.received.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        cb(null, 'Ok: queued as TEST1');
      });
    },
  });
  smtp.port = await new Promise<number>((resolve, reject) => {
    smtp.server!.once('error', reject);
    smtp.server!.listen(0, HOST, () =>
      resolve((smtp.server!.server.address() as net.AddressInfo).port),
    );
  });

  const probe = net.createServer();
  closedPort = await new Promise<number>((resolve) =>
    probe.listen(0, HOST, () => resolve((probe.address() as net.AddressInfo).port)),
  );
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

afterAll(async () => {
  for (const res of hook.hanging) res.destroy();
  hook.server?.closeAllConnections();
  await new Promise<void>((resolve) => hook.server?.close(() => resolve()) ?? resolve());
  await new Promise<void>((resolve) => smtp.server?.close(() => resolve()) ?? resolve());
});

// ---- the environment -----------------------------------------------------------------------

interface Env {
  dir: string;
  store: Store;
  notifications: NotificationsStore;
  clock: TestClock;
  svc: NotificationService;
  finished: DeliveryRecord[];
  incidents: IncidentRecord[];
  verdicts: Map<string, ShouldSend>;
  make(): NotificationService;
  reopen(): Promise<void>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  hook.requests.length = 0;
  hook.plan.length = 0;
  hook.planFor.clear();
  smtp.received.length = 0;
});

const notificationsOf = (store: Store) => store.notifications;

async function env(start = Date.parse('2026-11-26T12:00:00Z')): Promise<Env> {
  const tmp = await tempDir();
  const clock = new TestClock(start);
  const secrets = SecretBox.forTests(KEY);
  const e: Env = {
    dir: tmp.dir,
    store: await openStore(tmp.dir),
    notifications: undefined as unknown as NotificationsStore,
    clock,
    svc: undefined as unknown as NotificationService,
    finished: [],
    incidents: [],
    verdicts: new Map(),
    make() {
      const deps: NotificationServiceDeps = {
        store: e.store,
        clock,
        logger: createLogger('silent'),
        config: {
          notify: {
            maxAttempts: 3,
            retryDelayS: 10,
            maxRetryDelayS: 60,
            failingAfter: 2,
            sendTimeoutMs: 5_000,
          },
        },
        secrets,
        site: async () => ({ siteName: 'Berlin', boxName: 'ct-berlin', timeZone: 'Europe/Berlin' }),
        linkFor: (id) => `https://caretaker.berlin.example/incidents${id ? `/${id}` : ''}`,
        incidentsSince: async (from) =>
          e.incidents.filter(
            (i) =>
              i.state !== 'resolved' ||
              Date.parse(i.openedAt) >= from ||
              Date.parse(i.resolvedAt ?? '') >= from,
          ),
        shouldSend: async (d) => e.verdicts.get(d.incidentId ?? '') ?? { send: true },
        onFinished: (d) => {
          e.finished.push(d);
          return [];
        },
        version: 'test',
        pollMs: 50,
      };
      return new NotificationService(deps);
    },
    async reopen() {
      await e.svc.stop();
      await e.store.close();
      e.store = await openStore(tmp.dir);
      e.notifications = notificationsOf(e.store);
      e.svc = e.make();
    },
  };
  e.notifications = notificationsOf(e.store);
  e.svc = e.make();
  cleanups.push(async () => {
    await e.svc.stop();
    await e.store.close();
    await tmp.cleanup();
  });
  return e;
}

function incident(
  e: Env,
  id: string,
  severity: Severity,
  over: Partial<IncidentRecord> = {},
): IncidentRecord {
  const now = new Date(e.clock.now()).toISOString();
  return {
    id,
    key: `alert:${id}`,
    title: `Problem ${id}`,
    severity,
    state: 'open',
    count: 1,
    firstSeen: now,
    lastSeen: now,
    openedAt: now,
    active: true,
    autoResolve: true,
    reopenCount: 0,
    flapping: false,
    transitions: [],
    notified: [],
    updatedAt: now,
    ...over,
  };
}

async function addDevice(e: Env, id: string, type: string): Promise<void> {
  const now = new Date(e.clock.now()).toISOString();
  const d: DeviceRecord = {
    id,
    name: `${type}-${id}`,
    nameSource: 'auto',
    ip: '192.0.2.10',
    addresses: ['192.0.2.10'],
    type,
    typeSource: 'auto',
    reasons: [],
    snmp: { ok: false },
    services: [],
    interfaceCount: 0,
    notes: '',
    status: 'up',
    missedScans: 0,
    firstSeen: now,
    lastSeen: now,
    lastScanId: 'seeded',
  };
  await e.store.write([e.store.devices.recordOp(d)]);
}

const webhook = (
  path: string,
  filters: ChannelInput['filters'] = {},
  name = path,
  over: Record<string, unknown> = {},
): ChannelInput => ({
  name,
  settings: {
    kind: 'webhook',
    url: `http://${HOST}:${hook.port}/${path}`,
    secret: HOOK_SECRET,
    timeoutMs: 3_000,
    ...over,
  } as ChannelInput['settings'],
  filters,
});

const email = (to: string[], over: Record<string, unknown> = {}): ChannelInput => ({
  name: 'mail',
  settings: {
    kind: 'email',
    host: HOST,
    port: smtp.port,
    security: 'none',
    username: SMTP_USER,
    password: SMTP_PASS,
    from: 'caretaker@branch.example',
    to,
    timeoutMs: 5_000,
    ...over,
  } as ChannelInput['settings'],
});

const enqueue = (e: Env, kind: NotifyKind, inc: IncidentRecord) =>
  e.svc.enqueue({ kind, incident: inc });

async function deliveriesOf(e: Env, channelId: string): Promise<DeliveryRecord[]> {
  return (await e.svc.deliveries(channelId, { limit: 100 })).items.reverse();
}

async function eventsOf(e: Env, kind: string) {
  return (await e.store.events.page(500)).filter((ev) => ev.kind === kind);
}

/** Polls until `check` returns a value (not undefined/false) or the deadline passes. */
async function until<T>(check: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

// ---- tests ---------------------------------------------------------------------------------

describe('notification service', () => {
  it('routes by severity and device type, signs webhooks and links to the incident', async () => {
    const e = await env();
    await addDevice(e, 'p1', 'printer');
    await addDevice(e, 's1', 'server');
    const all = await e.svc.create(webhook('all'), ctx);
    const printers = await e.svc.create(
      webhook('printers', { minSeverity: 'major', deviceTypes: ['printer'] }),
      ctx,
    );
    expect(all.filters).toMatchObject({
      minSeverity: 'warning',
      deviceTypes: [],
      notifyResolved: true,
    });

    await enqueue(e, 'opened', incident(e, 'i-warn-printer', 'warning', { deviceId: 'p1' }));
    await enqueue(e, 'opened', incident(e, 'i-major-printer', 'major', { deviceId: 'p1' }));
    await enqueue(e, 'opened', incident(e, 'i-major-server', 'critical', { deviceId: 's1' }));
    await enqueue(e, 'opened', incident(e, 'i-info-printer', 'info', { deviceId: 'p1' }));
    await enqueue(e, 'opened', incident(e, 'i-nodevice', 'critical'));

    expect((await deliveriesOf(e, all.id)).map((d) => d.incidentId)).toEqual([
      'i-warn-printer',
      'i-major-printer',
      'i-major-server',
      'i-nodevice',
    ]);
    expect((await deliveriesOf(e, printers.id)).map((d) => d.incidentId)).toEqual([
      'i-major-printer',
    ]);

    const r = await e.svc.processDue();
    expect(r.sent).toBe(5);
    expect(hook.requests).toHaveLength(5);
    expect(hook.requests.every((q) => q.signatureValid)).toBe(true);
    const toPrinters = hook.requests.filter((q) => q.path === '/printers');
    expect(toPrinters.map((q) => q.body.incident?.id)).toEqual(['i-major-printer']);
    expect(toPrinters[0]!.body.url).toBe(
      'https://caretaker.berlin.example/incidents/i-major-printer',
    );
    const sent = await deliveriesOf(e, printers.id);
    expect(sent[0]).toMatchObject({ status: 'sent', kind: 'opened' });
    expect(toPrinters[0]!.delivery).toBe(sent[0]!.id);
    expect(toPrinters[0]!.body.deliveryId).toBe(sent[0]!.id);
    expect((await e.svc.stats()).pending).toBe(0);
  });

  it('holds notifications during quiet hours and sends only what is still relevant', async () => {
    // 22:30 in Berlin (UTC+1 in November): quiet hours 22:00–07:00 have begun.
    const e = await env(Date.parse('2026-11-26T21:30:00Z'));
    const ch = await e.svc.create(
      webhook('quiet', { quietHours: { start: '22:00', end: '07:00' } }),
      ctx,
    );
    await enqueue(e, 'opened', incident(e, 'x', 'major'));
    await enqueue(e, 'opened', incident(e, 'crit', 'critical'));
    await enqueue(e, 'opened', incident(e, 'z', 'major'));
    await e.svc.processDue();
    // Critical passes (allowCritical defaults to true); the others wait until 07:00 local.
    expect(hook.requests.map((q) => q.body.incident?.id)).toEqual(['crit']);
    const held = (await deliveriesOf(e, ch.id)).filter((d) => d.status === 'pending');
    expect(held.map((d) => d.incidentId)).toEqual(['x', 'z']);
    expect(held.every((d) => d.heldUntil === '2026-11-27T06:00:00.000Z')).toBe(true);

    e.clock.advance(60 * 60_000);
    await enqueue(
      e,
      'resolved',
      incident(e, 'z', 'major', {
        state: 'resolved',
        resolvedAt: new Date(e.clock.now()).toISOString(),
      }),
    );
    await e.svc.processDue();
    expect(hook.requests).toHaveLength(1);

    e.clock.t = Date.parse('2026-11-27T06:00:01Z');
    await e.svc.processDue();
    expect(hook.requests.map((q) => q.body.incident?.id)).toEqual(['crit', 'x']);
    const byIncident = (await deliveriesOf(e, ch.id)).map((d) => [d.incidentId, d.kind, d.status]);
    expect(byIncident).toEqual([
      ['x', 'opened', 'sent'],
      ['crit', 'opened', 'sent'],
      ['z', 'opened', 'dropped'],
      ['z', 'resolved', 'dropped'],
    ]);
    const zOpened = (await deliveriesOf(e, ch.id)).find((d) => d.incidentId === 'z')!;
    expect(zOpened.reason).toMatch(/resolved before/);
    expect(e.finished.filter((d) => d.status === 'dropped')).toHaveLength(2);
  });

  it('retries a webhook answering 500 twice: three attempts, delivered once, same id', async () => {
    const e = await env();
    const ch = await e.svc.create(webhook('flaky'), ctx);
    hook.plan.push(500, 500);
    await enqueue(e, 'opened', incident(e, 'f1', 'major'));

    expect((await e.svc.processDue()).retried).toBe(1);
    let [d] = await deliveriesOf(e, ch.id);
    expect(d).toMatchObject({ status: 'pending' });
    // First retry after retryDelayS (10 s), the next after twice that.
    expect(Date.parse(d!.nextAt!) - e.clock.now()).toBe(10_000);
    expect((await e.svc.processDue()).sent).toBe(0);

    e.clock.advance(10_000);
    expect((await e.svc.processDue()).retried).toBe(1);
    [d] = await deliveriesOf(e, ch.id);
    expect(Date.parse(d!.nextAt!) - e.clock.now()).toBe(20_000);

    e.clock.advance(20_000);
    expect((await e.svc.processDue()).sent).toBe(1);
    [d] = await deliveriesOf(e, ch.id);
    expect(d!.status).toBe('sent');
    expect(d!.attempts.map((a) => a.ok)).toEqual([false, false, true]);
    expect(d!.attempts[0]!.error).toMatchObject({
      code: 'WEBHOOK_SERVER_ERROR',
      kind: 'transient',
    });
    expect(hook.requests).toHaveLength(3);
    expect(new Set(hook.requests.map((q) => q.delivery))).toEqual(new Set([d!.id]));
    // Two failures in a row (failingAfter 2) flagged the channel once; the success cleared it.
    expect(await eventsOf(e, 'notify.channel-failing')).toHaveLength(1);
    expect(await eventsOf(e, 'notify.channel-recovered')).toHaveLength(1);
    expect((await e.svc.get(ch.id)).state).toMatchObject({
      failing: false,
      consecutiveFailures: 0,
    });
  });

  it('retries a slow webhook after its timeout; the channel rests, others are not held up', async () => {
    const e = await env();
    const slow = await e.svc.create(webhook('slow', {}, 'slow', { timeoutMs: 500 }), ctx);
    const fast = await e.svc.create(webhook('fast'), ctx);
    hook.planFor.set('/slow', [0]); // its first request is never answered
    await enqueue(e, 'opened', incident(e, 's1', 'major'));
    const r = await e.svc.processDue();
    expect(r).toMatchObject({ sent: 1, retried: 1 });
    const [first] = await deliveriesOf(e, slow.id);
    expect(first!.attempts[0]!.error).toMatchObject({ code: 'WEBHOOK_TIMEOUT', kind: 'transient' });
    expect((await deliveriesOf(e, fast.id))[0]!.status).toBe('sent');

    // While the slow channel rests until its retry, its new notifications wait; others go out.
    await enqueue(e, 'opened', incident(e, 's2', 'major'));
    expect(await e.svc.processDue()).toMatchObject({ sent: 1, retried: 0 });
    expect((await deliveriesOf(e, slow.id)).map((d) => d.attempts.length)).toEqual([1, 0]);

    e.clock.advance(10_000);
    expect(await e.svc.processDue()).toMatchObject({ sent: 2 });
    const after = await deliveriesOf(e, slow.id);
    expect(after.map((d) => [d.status, d.attempts.length])).toEqual([
      ['sent', 2],
      ['sent', 1],
    ]);
    // The waiting one was due first; the retry of the first came due at +10 s.
    expect(hook.requests.filter((q) => q.path === '/slow').map((q) => q.delivery)).toEqual([
      first!.id,
      after[1]!.id,
      first!.id,
    ]);
  });

  it('gives up on a rejecting SMTP server after maxAttempts, raises one failing event, recovers', async () => {
    const e = await env();
    const ch = await e.svc.create(email(['later@example.com']), ctx);
    await enqueue(e, 'opened', incident(e, 'm1', 'critical'));
    await enqueue(e, 'opened', incident(e, 'm2', 'critical'));
    for (let i = 0; i < 8; i++) {
      await e.svc.processDue();
      e.clock.advance(60_000);
    }
    const ds = await deliveriesOf(e, ch.id);
    expect(ds.map((d) => d.status)).toEqual(['failed', 'failed']);
    for (const d of ds) {
      expect(d.attempts).toHaveLength(3);
      expect(d.attempts.every((a) => a.error?.code === 'EMAIL_DEFERRED')).toBe(true);
      expect(d.reason).toMatch(/Given up after 3 attempts/);
    }
    expect(smtp.received).toHaveLength(0);
    expect(await e.svc.stats()).toMatchObject({ pending: 0, failedLast24h: 2, failingChannels: 1 });
    const failing = await eventsOf(e, 'notify.channel-failing');
    expect(failing).toHaveLength(1);
    expect(failing[0]).toMatchObject({ severity: 'major' });
    expect(failing[0]!.details).toMatchObject({ channelId: ch.id });
    const state = (await e.svc.get(ch.id)).state;
    expect(state).toMatchObject({ failing: true, lastError: { code: 'EMAIL_DEFERRED' } });

    // A refusal for good fails at once.
    const rejecting = await e.svc.create({ ...email(['rejected@example.com']), name: 'bad' }, ctx);
    await enqueue(e, 'opened', incident(e, 'm3', 'critical'));
    await e.svc.processDue();
    const [bad] = (await deliveriesOf(e, rejecting.id)).filter((d) => d.incidentId === 'm3');
    expect(bad).toMatchObject({ status: 'failed' });
    expect(bad!.attempts).toHaveLength(1);
    expect(bad!.attempts[0]!.error).toMatchObject({ code: 'EMAIL_REJECTED', kind: 'permanent' });

    // Fixing the recipient (password left empty: the stored one is kept and still logs in).
    const fixed = email(['it@example.com'], { password: '' });
    await e.svc.update(ch.id, fixed, ctx);
    const test = await e.svc.sendTest(ch.id, ctx);
    expect(test).toMatchObject({ ok: true });
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.user).toBe(SMTP_USER);
    expect(await eventsOf(e, 'notify.channel-recovered')).toHaveLength(1);
    expect(await eventsOf(e, 'notify.channel-failing')).toHaveLength(1);
    expect((await e.svc.get(ch.id)).state.failing).toBe(false);
    const [testDelivery] = (await deliveriesOf(e, ch.id)).filter((d) => d.kind === 'test');
    expect(testDelivery).toMatchObject({ status: 'sent', id: test.deliveryId });
    const audit = (await e.store.audit.page(50)).map((a) => a.action);
    expect(audit).toContain('notify.channel-tested');
    expect(audit).toContain('notify.channel-updated');
  });

  it('reports a failed test with its error', async () => {
    const e = await env();
    const ch = await e.svc.create(
      webhook('x', {}, 'x', { url: `http://${HOST}:${closedPort}/` }),
      ctx,
    );
    const r = await e.svc.sendTest(ch.id, ctx);
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('WEBHOOK_UNREACHABLE');
    const [d] = await deliveriesOf(e, ch.id);
    expect(d).toMatchObject({ kind: 'test', status: 'failed' });
  });

  it('sends a delivery interrupted by a restart again, once, with the same id', async () => {
    const e = await env();
    const ch = await e.svc.create(webhook('restart'), ctx);
    hook.plan.push(0); // the first request is never answered
    await enqueue(e, 'opened', incident(e, 'r1', 'major'));
    const abort = new AbortController();
    const pass = e.svc.processDue(abort.signal);
    await until(async () => hook.requests.length === 1);
    const [mid] = await deliveriesOf(e, ch.id);
    expect(mid!.status).toBe('sending');

    // The process "dies": the store goes away under the attempt, nothing more is recorded.
    await e.store.close();
    abort.abort();
    await pass;
    e.store = await openStore(e.dir);
    e.notifications = notificationsOf(e.store);
    e.svc = e.make();
    expect((await e.notifications.getDelivery(mid!.id))!.status).toBe('sending');

    await e.svc.start();
    const done = await until(async () => {
      const d = await e.notifications.getDelivery(mid!.id);
      return d?.status === 'sent' ? d : undefined;
    });
    expect(done.attempts.map((a) => [a.ok, a.error?.code])).toEqual([
      [false, 'INTERRUPTED'],
      [true, undefined],
    ]);
    // One request that may or may not have arrived, and exactly one retry: same delivery id.
    expect(hook.requests.map((q) => q.delivery)).toEqual([mid!.id, mid!.id]);
    // Interruptions are not the channel's fault.
    expect((await e.svc.get(ch.id)).state.consecutiveFailures).toBe(0);

    // The loop picks up new work on its own.
    await enqueue(e, 'opened', incident(e, 'r2', 'major'));
    await until(async () => hook.requests.length === 3);
    await e.svc.stop();
    expect((await e.svc.stats()).pending).toBe(0);
  });

  it('keeps secrets encrypted and never shows them; an empty secret in an update keeps it', async () => {
    const e = await env();
    const mail = await e.svc.create(email(['it@example.com']), ctx);
    const hookCh = await e.svc.create(webhook('s'), ctx);
    for (const view of [...(await e.svc.list()), mail, await e.svc.get(mail.id)]) {
      const text = JSON.stringify(view);
      expect(text).not.toContain(SMTP_PASS);
      expect(text).not.toContain(HOOK_SECRET);
    }
    expect((await e.svc.get(mail.id)).settings.password).toEqual({ set: true });
    expect((await e.svc.get(hookCh.id)).settings.secret).toEqual({ set: true });

    const raw = await e.notifications.channels.get(mail.id);
    const rawText = JSON.stringify(raw);
    expect(rawText).not.toContain(SMTP_PASS);
    expect(raw!.sealed.password).toMatch(/^v1:/);
    expect(JSON.stringify(await e.notifications.channels.get(hookCh.id))).not.toContain(
      HOOK_SECRET,
    );
    expect(JSON.stringify(await e.store.audit.page(50))).not.toContain(SMTP_PASS);

    // An update without the secret keeps it; one with a new secret replaces it.
    await e.svc.update(hookCh.id, webhook('s2', {}, 's2', { secret: '' }), ctx);
    await enqueue(e, 'opened', incident(e, 'k1', 'major'));
    await e.svc.processDue();
    const toS2 = hook.requests.filter((q) => q.path === '/s2');
    expect(toS2).toHaveLength(1);
    expect(toS2[0]!.signatureValid).toBe(true);

    const before = (await e.notifications.channels.get(mail.id))!.sealed.password;
    await e.svc.update(mail.id, email(['it@example.com'], { password: 'a new password' }), ctx);
    const after = (await e.notifications.channels.get(mail.id))!.sealed.password;
    expect(after).not.toBe(before);
    expect(JSON.stringify(await e.svc.get(mail.id))).not.toContain('a new password');
    // Changing the kind does not carry a secret over: a webhook needs its own.
    await expect(
      e.svc.update(mail.id, webhook('k', {}, 'mail', { secret: '' }), ctx),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('drops a delivery the pre-send check refuses', async () => {
    const e = await env();
    const ch = await e.svc.create(webhook('drop'), ctx);
    e.verdicts.set('sup', { send: false, reason: 'Suppressed behind switch-1.' });
    await enqueue(e, 'opened', incident(e, 'sup', 'critical'));
    await enqueue(e, 'opened', incident(e, 'ok', 'critical'));
    const r = await e.svc.processDue();
    expect(r).toMatchObject({ sent: 1, dropped: 1 });
    const ds = await deliveriesOf(e, ch.id);
    expect(ds.find((d) => d.incidentId === 'sup')).toMatchObject({
      status: 'dropped',
      reason: 'Suppressed behind switch-1.',
    });
    expect(hook.requests.map((q) => q.body.incident?.id)).toEqual(['ok']);
    expect(e.finished.map((d) => [d.incidentId, d.status])).toEqual([
      ['sup', 'dropped'],
      ['ok', 'sent'],
    ]);
  });

  it('sends one daily digest on a digest-only channel', async () => {
    const e = await env(Date.parse('2026-11-26T12:00:00Z'));
    const ch = await e.svc.create(
      webhook('digest', { minSeverity: 'minor', digest: { mode: 'digest-only', at: '08:00' } }),
      ctx,
    );
    // 08:00 in Berlin is 07:00 UTC in November.
    expect((await e.svc.get(ch.id)).state.nextDigestAt).toBe('2026-11-27T07:00:00.000Z');
    const open = incident(e, 'd-open', 'major');
    e.incidents.push(
      open,
      incident(e, 'd-minor-warning', 'warning'),
      incident(e, 'd-old', 'critical', {
        state: 'resolved',
        openedAt: '2026-11-20T10:00:00.000Z',
        resolvedAt: '2026-11-21T10:00:00.000Z',
      }),
    );
    // No single messages on a digest-only channel.
    await enqueue(e, 'opened', open);
    expect(await deliveriesOf(e, ch.id)).toHaveLength(0);
    await e.svc.processDue();
    expect(hook.requests).toHaveLength(0);

    e.clock.t = Date.parse('2026-11-27T07:00:30Z');
    await e.svc.processDue();
    await e.svc.processDue();
    e.clock.advance(3_600_000);
    await e.svc.processDue();
    expect(hook.requests).toHaveLength(1);
    expect(hook.requests[0]!.body.event).toBe('digest');
    expect(hook.requests[0]!.body.digest?.map((i) => i.id)).toEqual(['d-open']);
    const ds = await deliveriesOf(e, ch.id);
    expect(ds.map((d) => [d.kind, d.status])).toEqual([['digest', 'sent']]);
    expect((await e.svc.get(ch.id)).state.nextDigestAt).toBe('2026-11-28T07:00:00.000Z');
  });

  it('drops waiting deliveries of a removed channel and audits the change', async () => {
    const e = await env();
    const ch = await e.svc.create(webhook('gone'), ctx);
    await enqueue(e, 'opened', incident(e, 'g1', 'major'));
    await e.svc.remove(ch.id, ctx);
    await e.svc.processDue();
    expect(hook.requests).toHaveLength(0);
    expect((await deliveriesOf(e, ch.id)).map((d) => d.status)).toEqual(['dropped']);
    await expect(e.svc.get(ch.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const audit = (await e.store.audit.page(10)).find((a) => a.action === 'notify.channel-deleted');
    expect(audit?.details).toMatchObject({ name: 'gone', droppedPending: 1 });
  });
});
