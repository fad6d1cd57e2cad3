/**
 * The webhook transport against a real node:http receiver on 127.0.0.1 that checks the HMAC
 * signature and the delivery id the way a user's receiver would: success, 5xx and 429 (with
 * Retry-After), 4xx, a slow receiver, redirects (never followed), a closed port, an HTTPS
 * receiver with a self-signed certificate, and cancellation.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { runProgram } from '../../src/lib/spawn.js';
import {
  sendWebhook,
  verifySignature,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  DELIVERY_HEADER,
} from '../../src/incidents/channels/webhook.js';
import { sendNotification } from '../../src/incidents/channels/send.js';
import {
  channelSettingsSchema,
  type WebhookSettings,
} from '../../src/incidents/channels/channel-schema.js';
import { ChannelError } from '../../src/incidents/channels/channel-error.js';
import { renderNotification, type WebhookPayload } from '../../src/incidents/notify-message.js';
import { tempDir } from '../helpers/temp-dir.js';

const HOST = '127.0.0.1';
const SECRET = 'webhook-test-secret-0123456789';

interface Hit {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  signatureValid: boolean;
}

const hits: Hit[] = [];
const seenDeliveries = new Set<string>();
const hanging = new Set<http.ServerResponse>();
let server: http.Server;
let port: number;
let tlsServer: https.Server;
let tlsPort: number;
let closedPort: number;
let tmp: { dir: string; cleanup: () => Promise<void> };

function receiver(req: http.IncomingMessage, res: http.ServerResponse) {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const ts = String(req.headers[TIMESTAMP_HEADER.toLowerCase()] ?? '');
    const sig = req.headers[SIGNATURE_HEADER.toLowerCase()];
    const signatureValid = verifySignature(SECRET, ts, body, typeof sig === 'string' ? sig : '', {
      now: new Date(),
    });
    const url = req.url ?? '/';
    hits.push({ path: url, headers: req.headers, body, signatureValid });
    switch (url) {
      case '/hook': {
        if (!signatureValid) {
          res.writeHead(401).end('bad signature');
          return;
        }
        // A receiver dedupes retries by the delivery id: a repeat is acknowledged, not redone.
        const id = String(req.headers[DELIVERY_HEADER.toLowerCase()]);
        const repeat = seenDeliveries.has(id);
        seenDeliveries.add(id);
        res.writeHead(repeat ? 200 : 202, { 'content-type': 'text/plain' });
        res.end(repeat ? 'duplicate ignored' : 'accepted\nthanks');
        return;
      }
      case '/500':
        res.writeHead(500).end('database is down');
        return;
      case '/503-date':
        res.writeHead(503, { 'retry-after': new Date(Date.now() + 60_000).toUTCString() }).end();
        return;
      case '/429':
        res.writeHead(429, { 'retry-after': '7' }).end('slow down');
        return;
      case '/408':
        res.writeHead(408).end();
        return;
      case '/404':
        res.writeHead(404).end('no such hook');
        return;
      case '/403':
        res.writeHead(403).end('forbidden');
        return;
      case '/redirect-other':
        res.writeHead(302, { location: 'http://192.0.2.1/elsewhere' }).end();
        return;
      case '/redirect-same':
        res.writeHead(307, { location: '/hook' }).end();
        return;
      case '/slow':
        hanging.add(res);
        return;
      case '/slow-body':
        // The answer's status arrives, its body never ends: the delivery still counts.
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('ok so far');
        hanging.add(res);
        return;
      default:
        res.writeHead(404).end();
    }
  });
}

const settings = (over: Partial<WebhookSettings> & { url: string }): WebhookSettings =>
  channelSettingsSchema.parse({
    kind: 'webhook',
    secret: SECRET,
    timeoutMs: 3000,
    ...over,
  }) as WebhookSettings;

const url = (p: string) => `http://${HOST}:${port}${p}`;

const message = renderNotification({
  kind: 'opened',
  boxName: 'caretaker-berlin',
  siteName: 'Berlin',
  incidentUrl: 'https://caretaker.berlin.lan/incidents/inc-0001',
  incident: {
    id: 'inc-0001',
    title: 'Disk /srv almost full',
    severity: 'critical',
    state: 'open',
    deviceId: 'dev-7',
    deviceName: 'fileserver',
    count: 3,
    value: 97.5,
    firstSeen: '2026-03-01T14:05:09.000Z',
    lastSeen: '2026-03-01T15:10:00.000Z',
  },
});

const opts = (deliveryId: string, extra: { signal?: AbortSignal } = {}) => ({
  deliveryId,
  now: new Date(),
  version: '9.8.7',
  ...extra,
});

async function failure(p: Promise<unknown>): Promise<ChannelError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ChannelError);
  return err as ChannelError;
}

const listen = (s: net.Server) =>
  new Promise<number>((resolve) =>
    s.listen(0, HOST, () => resolve((s.address() as net.AddressInfo).port)),
  );

beforeAll(async () => {
  server = http.createServer(receiver);
  port = await listen(server);

  tmp = await tempDir('caretaker-webhook-');
  const keyFile = path.join(tmp.dir, 'key.pem');
  const certFile = path.join(tmp.dir, 'cert.pem');
  const r = await runProgram(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=caretaker-webhook-test',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { timeoutMs: 30_000 },
  );
  expect(r.code, r.stderr).toBe(0);
  tlsServer = https.createServer(
    { key: await readFile(keyFile), cert: await readFile(certFile) },
    receiver,
  );
  tlsPort = await listen(tlsServer);

  const tmpServer = net.createServer();
  closedPort = await listen(tmpServer);
  await new Promise<void>((resolve) => tmpServer.close(() => resolve()));
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  for (const s of [server, tlsServer]) s?.closeAllConnections();
  await Promise.all(
    [server, tlsServer].map(
      (s) => new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve())),
    ),
  );
  await tmp?.cleanup();
});

describe('webhook transport', () => {
  it('posts signed JSON with the delivery id, timestamp and user agent', async () => {
    const now = new Date();
    const r = await sendWebhook(
      settings({ url: url('/hook'), headers: { Authorization: 'Bearer abc' } }),
      message.webhook,
      { deliveryId: 'dlv-0001', now, version: '9.8.7' },
    );
    expect(r).toEqual({ status: 202, response: 'accepted thanks' });
    const hit = hits.at(-1)!;
    expect(hit.signatureValid).toBe(true);
    expect(hit.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(hit.headers['user-agent']).toBe('caretaker/9.8.7');
    expect(hit.headers['x-caretaker-delivery']).toBe('dlv-0001');
    expect(hit.headers['x-caretaker-timestamp']).toBe(String(Math.floor(now.getTime() / 1000)));
    expect(hit.headers['x-caretaker-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(hit.headers.authorization).toBe('Bearer abc');
    const body = JSON.parse(hit.body) as WebhookPayload;
    expect(body).toMatchObject({
      version: 1,
      event: 'incident.opened',
      deliveryId: 'dlv-0001',
      sentAt: now.toISOString(),
      box: { name: 'caretaker-berlin', site: 'Berlin' },
      url: 'https://caretaker.berlin.lan/incidents/inc-0001',
      incident: { id: 'inc-0001', severity: 'critical', deviceName: 'fileserver' },
      digest: null,
    });
  });

  it('sends the same delivery id on a retry, so the receiver can drop the repeat', async () => {
    const s = settings({ url: url('/hook') });
    const first = await sendWebhook(s, message.webhook, opts('dlv-retry'));
    const again = await sendWebhook(s, message.webhook, opts('dlv-retry'));
    expect(first.status).toBe(202);
    expect(again).toEqual({ status: 200, response: 'duplicate ignored' });
  });

  it('is refused by a receiver with another secret (auth: check the secret)', async () => {
    const err = await failure(
      sendWebhook(
        settings({ url: url('/hook'), secret: 'not-the-receivers-secret' }),
        message.webhook,
        opts('dlv-wrong-secret'),
      ),
    );
    expect(hits.at(-1)!.signatureValid).toBe(false);
    expect(err).toMatchObject({ code: 'WEBHOOK_UNAUTHORIZED', kind: 'auth' });
    expect(err.message).toContain('bad signature');
    expect(err.message).not.toContain('not-the-receivers-secret');
  });

  it('treats 5xx, 408 and 429 as transient, passing Retry-After on', async () => {
    const e500 = await failure(
      sendWebhook(settings({ url: url('/500') }), message.webhook, opts('d1')),
    );
    expect(e500).toMatchObject({ code: 'WEBHOOK_SERVER_ERROR', kind: 'transient' });
    expect(e500.message).toMatch(/500: database is down/);
    expect(e500.retryAfterMs).toBeUndefined();

    const e429 = await failure(
      sendWebhook(settings({ url: url('/429') }), message.webhook, opts('d2')),
    );
    expect(e429).toMatchObject({
      code: 'WEBHOOK_RATE_LIMITED',
      kind: 'transient',
      retryAfterMs: 7000,
    });

    const e503 = await failure(
      sendWebhook(settings({ url: url('/503-date') }), message.webhook, opts('d3')),
    );
    expect(e503.kind).toBe('transient');
    expect(e503.retryAfterMs).toBeGreaterThan(55_000);
    expect(e503.retryAfterMs).toBeLessThanOrEqual(60_000);

    const e408 = await failure(
      sendWebhook(settings({ url: url('/408') }), message.webhook, opts('d4')),
    );
    expect(e408.kind).toBe('transient');
  });

  it('treats other 4xx as permanent', async () => {
    const e404 = await failure(
      sendWebhook(settings({ url: url('/404') }), message.webhook, opts('d5')),
    );
    expect(e404).toMatchObject({ code: 'WEBHOOK_REJECTED', kind: 'permanent' });
    expect(e404.message).toMatch(/404: no such hook/);
    const e403 = await failure(
      sendWebhook(settings({ url: url('/403') }), message.webhook, opts('d6')),
    );
    expect(e403).toMatchObject({ code: 'WEBHOOK_UNAUTHORIZED', kind: 'auth' });
  });

  it('never follows a redirect, to another host or the same one', async () => {
    const before = hits.length;
    const other = await failure(
      sendWebhook(settings({ url: url('/redirect-other') }), message.webhook, opts('d7')),
    );
    expect(other).toMatchObject({ code: 'WEBHOOK_REDIRECT', kind: 'permanent' });
    expect(other.message).toContain('192.0.2.1');
    const same = await failure(
      sendWebhook(settings({ url: url('/redirect-same') }), message.webhook, opts('d8')),
    );
    expect(same).toMatchObject({ code: 'WEBHOOK_REDIRECT', kind: 'permanent' });
    // Two requests, both to the redirecting paths: /hook was never asked.
    expect(hits.slice(before).map((h) => h.path)).toEqual(['/redirect-other', '/redirect-same']);
  });

  it('times out on a receiver that does not answer, within the configured timeout', async () => {
    const t = performance.now();
    const err = await failure(
      sendWebhook(settings({ url: url('/slow'), timeoutMs: 600 }), message.webhook, opts('d9')),
    );
    const took = performance.now() - t;
    expect(err).toMatchObject({ code: 'WEBHOOK_TIMEOUT', kind: 'transient' });
    expect(took).toBeGreaterThanOrEqual(550);
    expect(took).toBeLessThan(2000);
  });

  it('counts a 2xx whose body never ends as delivered', async () => {
    const r = await sendWebhook(
      settings({ url: url('/slow-body'), timeoutMs: 600 }),
      message.webhook,
      opts('d10'),
    );
    expect(r.status).toBe(200);
  });

  it('reports a closed port as transient', async () => {
    const err = await failure(
      sendWebhook(
        settings({ url: `http://${HOST}:${closedPort}/hook` }),
        message.webhook,
        opts('d11'),
      ),
    );
    expect(err).toMatchObject({ code: 'WEBHOOK_UNREACHABLE', kind: 'transient' });
  });

  it('refuses an untrusted certificate for good', async () => {
    const err = await failure(
      sendWebhook(
        settings({ url: `https://${HOST}:${tlsPort}/hook` }),
        message.webhook,
        opts('d12'),
      ),
    );
    expect(err).toMatchObject({ code: 'WEBHOOK_TLS_FAILED', kind: 'permanent' });
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    const t = performance.now();
    setTimeout(() => controller.abort(new Error('shutdown')), 100);
    const err = await failure(
      sendWebhook(
        settings({ url: url('/slow'), timeoutMs: 10_000 }),
        message.webhook,
        opts('d13', { signal: controller.signal }),
      ),
    );
    expect(err).toMatchObject({ code: 'ABORTED', kind: 'transient' });
    expect(performance.now() - t).toBeLessThan(1500);

    const pre = new AbortController();
    pre.abort();
    const before = hits.length;
    const early = await failure(
      sendWebhook(
        settings({ url: url('/hook') }),
        message.webhook,
        opts('d14', { signal: pre.signal }),
      ),
    );
    expect(early.code).toBe('ABORTED');
    expect(hits.length).toBe(before);
  });

  it('is reached through sendNotification with a line for the delivery log', async () => {
    const r = await sendNotification(settings({ url: url('/hook') }), message, {
      deliveryId: 'dlv-dispatch',
      now: new Date(),
      version: '1.2.3',
    });
    expect(r.detail).toBe(`${HOST}:${port} answered 202: accepted thanks`);
    expect(hits.at(-1)!.headers['user-agent']).toBe('caretaker/1.2.3');
  });
});
