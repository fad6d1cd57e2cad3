/**
 * The e-mail transport against real SMTP servers (npm smtp-server) on 127.0.0.1 started here:
 * plain, STARTTLS and implicit TLS with a self-signed certificate made by the openssl program,
 * AUTH PLAIN and LOGIN with right and wrong passwords, refused and deferred recipients, a closed
 * port, a server that never greets, and cancellation.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import net from 'node:net';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { runProgram } from '../../src/lib/spawn.js';
import { sendEmail } from '../../src/incidents/channels/email.js';
import { sendNotification } from '../../src/incidents/channels/send.js';
import {
  channelSettingsSchema,
  type EmailSettings,
} from '../../src/incidents/channels/channel-schema.js';
import { ChannelError } from '../../src/incidents/channels/channel-error.js';
import { renderNotification } from '../../src/incidents/notify-message.js';
import { tempDir } from '../helpers/temp-dir.js';

const HOST = '127.0.0.1';
const USER = 'caretaker';
const PASS = 'correct horse battery staple';

interface Received {
  from: string;
  to: string[];
  raw: string;
  secure: boolean;
  user: string | undefined;
}

interface Server {
  port: number;
  received: Received[];
  authMethods: string[];
  smtp: SMTPServer;
}

const servers: Server[] = [];
let tmp: { dir: string; cleanup: () => Promise<void> };
let key: Buffer;
let cert: Buffer;
let plain: Server;
let starttls: Server;
let implicit: Server;
let closedPort: number;
let silent: net.Server;
let silentPort: number;
const silentSockets = new Set<net.Socket>();

/** A server that accepts the test recipients and refuses rejected@ (550) and later@ (450). */
async function startSmtp(opts: Partial<SMTPServerOptions>): Promise<Server> {
  const received: Received[] = [];
  const authMethods: string[] = [];
  const smtp = new SMTPServer({
    logger: false,
    closeTimeout: 1000,
    ...opts,
    onAuth(auth, _session, cb) {
      authMethods.push(auth.method);
      if (auth.username === USER && auth.password === PASS) cb(null, { user: USER });
      else cb(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, cb) {
      const err = (code: number, msg: string) =>
        Object.assign(new Error(msg), { responseCode: code });
      if (address.address.startsWith('rejected@')) cb(err(550, 'No such user here'));
      else if (address.address.startsWith('later@')) cb(err(450, 'Mailbox busy, try later'));
      else cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          user: session.user as string | undefined,
        });
        cb(null, 'Ok: queued as TEST1');
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(0, HOST, () => resolve((smtp.server.address() as net.AddressInfo).port));
  });
  const s = { port, received, authMethods, smtp };
  servers.push(s);
  return s;
}

const settings = (over: Partial<EmailSettings> & { port: number }): EmailSettings =>
  channelSettingsSchema.parse({
    kind: 'email',
    host: HOST,
    security: 'none',
    from: 'caretaker@branch.example',
    to: ['it@example.com'],
    timeoutMs: 5000,
    ...over,
  }) as EmailSettings;

const message = renderNotification({
  kind: 'opened',
  boxName: 'caretaker-berlin',
  siteName: 'Berlin',
  incidentUrl: 'https://caretaker.berlin.lan/incidents/inc-0001',
  incident: {
    id: 'inc-0001',
    title: 'Disk /srv almost full <b>',
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

/** Sends and returns the error it must throw. */
async function failure(p: Promise<unknown>): Promise<ChannelError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ChannelError);
  return err as ChannelError;
}

/** Headers unfolded and RFC 2047 words decoded; quoted-printable soft breaks and escapes undone. */
function readable(raw: string): { headers: string; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headers = raw
    .slice(0, split)
    .replace(/\r\n[ \t]+/g, ' ')
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([QB])\?([^?]*)\?=/gi, (_, enc: string, data: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : Buffer.from(
            data
              .replace(/_/g, ' ')
              .replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
            'latin1',
          ).toString('utf8'),
    );
  const body = Buffer.from(
    raw
      .slice(split + 4)
      .replace(/=\r\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
    'latin1',
  ).toString('utf8');
  return { headers, body };
}

beforeAll(async () => {
  tmp = await tempDir('caretaker-smtp-');
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
      '/CN=caretaker-smtp-test',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { timeoutMs: 30_000 },
  );
  expect(r.code, r.stderr).toBe(0);
  key = await readFile(keyFile);
  cert = await readFile(certFile);

  plain = await startSmtp({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    authMethods: ['PLAIN'],
  });
  starttls = await startSmtp({ key, cert, authMethods: ['LOGIN'] });
  implicit = await startSmtp({ secure: true, key, cert, authOptional: true });

  const tmpServer = net.createServer();
  await new Promise<void>((resolve) => tmpServer.listen(0, HOST, resolve));
  closedPort = (tmpServer.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => tmpServer.close(() => resolve()));

  // Accepts connections and never says a word (no greeting).
  silent = net.createServer((s) => {
    silentSockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => silentSockets.delete(s));
  });
  await new Promise<void>((resolve) => silent.listen(0, HOST, resolve));
  silentPort = (silent.address() as net.AddressInfo).port;
});

afterAll(async () => {
  for (const s of silentSockets) s.destroy();
  await new Promise<void>((resolve) => (silent ? silent.close(() => resolve()) : resolve()));
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.smtp.close(resolve))));
  await tmp?.cleanup();
});

describe('e-mail transport', () => {
  it('delivers over a plain connection, with the rendered subject, bodies and headers', async () => {
    const before = plain.received.length;
    const r = await sendEmail(settings({ port: plain.port }), message.email, {
      deliveryId: 'dlv-0001',
      fromName: 'Caretaker Berlin',
    });
    expect(r.messageId).toBe('<dlv-0001@branch.example>');
    expect(r.response).toMatch(/^250 .*queued as TEST1/);
    expect(r.rejected).toEqual([]);
    const got = plain.received[before]!;
    expect(got.from).toBe('caretaker@branch.example');
    expect(got.to).toEqual(['it@example.com']);
    expect(got.secure).toBe(false);
    const { headers, body } = readable(got.raw);
    expect(headers).toContain(
      'Subject: [Caretaker Berlin] CRITICAL: fileserver – Disk /srv almost full <b>',
    );
    expect(headers).toContain('From: Caretaker Berlin <caretaker@branch.example>');
    expect(headers).toContain('Message-ID: <dlv-0001@branch.example>');
    expect(headers).toContain('References: <incident-inc-0001@branch.example>');
    expect(headers).toContain('Auto-Submitted: auto-generated');
    expect(headers).toContain('X-Caretaker-Incident: inc-0001');
    expect(headers).toMatch(/Content-Type: multipart\/alternative/);
    expect(body).toContain('Occurrences: 3');
    expect(body).toContain('Open the incident: https://caretaker.berlin.lan/incidents/inc-0001');
    expect(body).toContain('Disk /srv almost full &lt;b&gt;'); // the HTML part, escaped
  });

  it('logs in with AUTH PLAIN, and reports a wrong password as an auth error', async () => {
    const s = settings({ port: plain.port, username: USER, password: PASS });
    const before = plain.received.length;
    await sendEmail(s, message.email, { deliveryId: 'dlv-plain' });
    expect(plain.received[before]!.user).toBe(USER);
    expect(plain.authMethods.at(-1)).toBe('PLAIN');

    const err = await failure(
      sendEmail({ ...s, password: 'wrong' }, message.email, { deliveryId: 'dlv-x' }),
    );
    expect(err).toMatchObject({ code: 'EMAIL_AUTH_FAILED', kind: 'auth' });
    expect(err.message).toMatch(/535/);
    expect(err.message).not.toContain('wrong');
  });

  it('upgrades with STARTTLS, checks the certificate against caPem, logs in with LOGIN', async () => {
    const before = starttls.received.length;
    const r = await sendEmail(
      settings({
        port: starttls.port,
        security: 'starttls',
        caPem: cert.toString('utf8'),
        username: USER,
        password: PASS,
      }),
      message.email,
      { deliveryId: 'dlv-tls' },
    );
    expect(r.response).toMatch(/^250 /);
    const got = starttls.received[before]!;
    expect(got.secure).toBe(true);
    expect(got.user).toBe(USER);
    expect(starttls.authMethods.at(-1)).toBe('LOGIN');
  });

  it('refuses an untrusted certificate for good, unless verification is turned off', async () => {
    const s = settings({
      port: starttls.port,
      security: 'starttls',
      username: USER,
      password: PASS,
    });
    const err = await failure(sendEmail(s, message.email, { deliveryId: 'dlv-untrusted' }));
    expect(err).toMatchObject({ code: 'EMAIL_TLS_FAILED', kind: 'permanent' });
    expect(err.message).toMatch(/certificate/);

    const r = await sendEmail({ ...s, tlsRejectUnauthorized: false }, message.email, {
      deliveryId: 'dlv-insecure',
    });
    expect(r.response).toMatch(/^250 /);
  });

  it('reports a wrong password over STARTTLS as an auth error', async () => {
    const err = await failure(
      sendEmail(
        settings({
          port: starttls.port,
          security: 'starttls',
          caPem: cert.toString('utf8'),
          username: USER,
          password: 'nope',
        }),
        message.email,
        { deliveryId: 'dlv-badpass' },
      ),
    );
    expect(err).toMatchObject({ code: 'EMAIL_AUTH_FAILED', kind: 'auth' });
  });

  it('requires STARTTLS when configured: a server without it is a permanent error', async () => {
    const err = await failure(
      sendEmail(settings({ port: plain.port, security: 'starttls' }), message.email, {
        deliveryId: 'dlv-nostarttls',
      }),
    );
    expect(err).toMatchObject({ code: 'EMAIL_TLS_FAILED', kind: 'permanent' });
  });

  it('speaks TLS from the start (security: tls)', async () => {
    const before = implicit.received.length;
    await sendEmail(
      settings({ port: implicit.port, security: 'tls', caPem: cert.toString('utf8') }),
      message.email,
      { deliveryId: 'dlv-implicit' },
    );
    expect(implicit.received[before]!.secure).toBe(true);
  });

  it('sorts refused recipients: 550 permanent, 450 transient, some refused still delivered', async () => {
    const rejected = await failure(
      sendEmail(settings({ port: plain.port, to: ['rejected@example.com'] }), message.email, {
        deliveryId: 'dlv-550',
      }),
    );
    expect(rejected).toMatchObject({ code: 'EMAIL_REJECTED', kind: 'permanent' });
    expect(rejected.message).toMatch(/550/);

    const later = await failure(
      sendEmail(settings({ port: plain.port, to: ['later@example.com'] }), message.email, {
        deliveryId: 'dlv-450',
      }),
    );
    expect(later).toMatchObject({ code: 'EMAIL_DEFERRED', kind: 'transient' });

    const before = plain.received.length;
    const some = await sendEmail(
      settings({ port: plain.port, to: ['it@example.com', 'rejected@example.com'] }),
      message.email,
      { deliveryId: 'dlv-some' },
    );
    expect(some.rejected).toEqual(['rejected@example.com']);
    expect(plain.received[before]!.to).toEqual(['it@example.com']);
  });

  it('reports a closed port as transient, at once', async () => {
    const t = performance.now();
    const err = await failure(
      sendEmail(settings({ port: closedPort }), message.email, { deliveryId: 'dlv-closed' }),
    );
    expect(err).toMatchObject({ code: 'EMAIL_UNREACHABLE', kind: 'transient' });
    expect(performance.now() - t).toBeLessThan(2000);
  });

  it('gives up on a server that never greets within the configured timeout', async () => {
    const t = performance.now();
    const err = await failure(
      sendEmail(settings({ port: silentPort, timeoutMs: 1000 }), message.email, {
        deliveryId: 'dlv-silent',
      }),
    );
    const took = performance.now() - t;
    expect(err).toMatchObject({ code: 'EMAIL_TIMEOUT', kind: 'transient' });
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(2500);
  });

  it('stops at once when cancelled, and closes the connection', async () => {
    const controller = new AbortController();
    const accepted = new Promise<net.Socket>((resolve) => silent.once('connection', resolve));
    const t = performance.now();
    const sending = sendEmail(settings({ port: silentPort, timeoutMs: 10_000 }), message.email, {
      deliveryId: 'dlv-abort',
      signal: controller.signal,
    });
    const socket = await accepted;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    setTimeout(() => controller.abort(new Error('shutdown')), 100);
    const err = await failure(sending);
    expect(err).toMatchObject({ code: 'ABORTED', kind: 'transient' });
    expect(performance.now() - t).toBeLessThan(2000);
    // The client ended the connection (the server's socket closes without any help from it).
    await closed;

    const pre = new AbortController();
    pre.abort();
    const early = await failure(
      sendEmail(settings({ port: plain.port }), message.email, {
        deliveryId: 'dlv-pre',
        signal: pre.signal,
      }),
    );
    expect(early.code).toBe('ABORTED');
  });

  it('is reached through sendNotification with a line for the delivery log', async () => {
    const before = plain.received.length;
    const r = await sendNotification(settings({ port: plain.port }), message, {
      deliveryId: 'dlv-dispatch',
      now: new Date(),
    });
    expect(r.detail).toMatch(/^Accepted by 127\.0\.0\.1: 250 /);
    // The sender's name says which site wrote.
    expect(readable(plain.received[before]!.raw).headers).toContain(
      'From: Caretaker Berlin <caretaker@branch.example>',
    );
  });
});
