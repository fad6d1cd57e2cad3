/**
 * The syslog transport against real UDP and TCP listeners on 127.0.0.1 started here: the frames
 * that arrive are parsed as RFC 5424 (PRI, header, structured data with escapes, MSG), UDP
 * datagrams stay within 2048 bytes of valid UTF-8, TCP uses RFC 6587 octet counting. A closed
 * TCP port, a listener that never accepts (connect timeout) and cancellation too.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import dgram from 'node:dgram';
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { sendSyslog, SD_ID, UDP_MAX_BYTES } from '../../src/incidents/channels/syslog.js';
import { sendNotification } from '../../src/incidents/channels/send.js';
import {
  channelSettingsSchema,
  type SyslogSettings,
} from '../../src/incidents/channels/channel-schema.js';
import { ChannelError } from '../../src/incidents/channels/channel-error.js';
import {
  renderNotification,
  type IncidentSummary,
  type NotifyInput,
} from '../../src/incidents/notify-message.js';

const HOST = '127.0.0.1';

let udp: dgram.Socket;
let udpPort: number;
const datagrams: Buffer[] = [];
let tcp: net.Server;
let tcpPort: number;
const tcpSockets = new Set<net.Socket>();
/** The bytes of each TCP connection, once it has ended. */
const tcpStreams: Buffer[] = [];
let closedPort: number;
let silent: { port: number; close(): Promise<void> };

const incident: IncidentSummary = {
  id: 'inc-0001',
  title: 'Disk /srv almost full',
  severity: 'critical',
  state: 'open',
  deviceId: 'dev-7',
  deviceName: 'fileserver "main" [rack 2]',
  count: 3,
  value: 97.5,
  firstSeen: '2026-03-01T14:05:09.000Z',
  lastSeen: '2026-03-01T15:10:00.000Z',
};

const render = (kind: Exclude<NotifyInput['kind'], 'digest'>, i: Partial<IncidentSummary> = {}) =>
  renderNotification({
    kind,
    boxName: 'caretaker-berlin',
    siteName: 'Berlin',
    incidentUrl: 'https://caretaker.berlin.lan/incidents/inc-0001',
    incident: { ...incident, ...i },
  });

const settings = (over: Partial<SyslogSettings> & { port: number }): SyslogSettings =>
  channelSettingsSchema.parse({
    kind: 'syslog',
    host: HOST,
    hostname: 'caretaker-berlin',
    timeoutMs: 2000,
    ...over,
  }) as SyslogSettings;

interface Parsed {
  pri: number;
  version: string;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  sdId: string | undefined;
  params: Record<string, string>;
  msg: string;
}

/** An RFC 5424 parser for one message with at most one SD element, unescaping param values. */
function parse5424(text: string): Parsed {
  const m = /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(text);
  expect(m, text).not.toBeNull();
  const [, pri, version, timestamp, hostname, appName, procId, msgId] = m!;
  let rest = text.slice(m![0].length);
  const params: Record<string, string> = {};
  let sdId: string | undefined;
  if (rest.startsWith('-')) rest = rest.slice(1);
  else {
    expect(rest[0]).toBe('[');
    let i = 1;
    const idEnd = rest.slice(i).search(/[ \]]/) + i;
    sdId = rest.slice(i, idEnd);
    i = idEnd;
    while (rest[i] === ' ') {
      const eq = rest.indexOf('="', i);
      const name = rest.slice(i + 1, eq);
      i = eq + 2;
      let value = '';
      while (rest[i] !== '"') {
        if (rest[i] === '\\' && ['"', '\\', ']'].includes(rest[i + 1]!)) i++;
        value += rest[i];
        i++;
      }
      params[name] = value;
      i++;
    }
    expect(rest[i]).toBe(']');
    rest = rest.slice(i + 1);
  }
  return {
    pri: Number(pri),
    version: version!,
    timestamp: timestamp!,
    hostname: hostname!,
    appName: appName!,
    procId: procId!,
    msgId: msgId!,
    sdId,
    params,
    msg: rest.startsWith(' ') ? rest.slice(1) : rest,
  };
}

/** RFC 6587 octet-counted frames of a TCP stream. */
function octetFrames(stream: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  let off = 0;
  while (off < stream.length) {
    const sp = stream.indexOf(0x20, off);
    const len = Number(stream.subarray(off, sp).toString('ascii'));
    expect(Number.isInteger(len) && len > 0).toBe(true);
    frames.push(stream.subarray(sp + 1, sp + 1 + len));
    off = sp + 1 + len;
  }
  expect(off).toBe(stream.length);
  return frames;
}

function nextDatagram(): Promise<Buffer> {
  return new Promise((resolve) => udp.once('message', (msg: Buffer) => resolve(msg)));
}

function nextTcpStream(): Promise<Buffer> {
  return new Promise((resolve) =>
    tcp.once('connection', (s) => {
      const chunks: Buffer[] = [];
      s.on('data', (c: Buffer) => chunks.push(c));
      s.on('end', () => resolve(Buffer.concat(chunks)));
    }),
  );
}

async function failure(p: Promise<unknown>): Promise<ChannelError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ChannelError);
  return err as ChannelError;
}

/** A listener that never accepts (its thread is blocked; once its queue is full SYNs are dropped). */
async function silentListener(): Promise<{ port: number; close(): Promise<void> }> {
  const wake = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const srv = require('node:net').createServer();
     srv.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
       parentPort.postMessage(srv.address().port);
       Atomics.wait(workerData, 0, 0);
       process.exit(0);
     });`,
    { eval: true, workerData: wake },
  );
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 8; i++) {
    const s = net.connect({ host: HOST, port });
    s.on('error', () => undefined);
    fillers.push(s);
    const ok = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 250);
      s.once('connect', () => {
        clearTimeout(t);
        resolve(true);
      });
    });
    if (!ok) break;
  }
  return {
    port,
    close: async () => {
      for (const s of fillers) s.destroy();
      Atomics.store(wake, 0, 1);
      Atomics.notify(wake, 0);
      await new Promise((resolve) => worker.once('exit', resolve));
    },
  };
}

beforeAll(async () => {
  udp = dgram.createSocket('udp4');
  udp.on('message', (msg: Buffer) => datagrams.push(msg));
  await new Promise<void>((resolve) => udp.bind(0, HOST, resolve));
  udpPort = udp.address().port;

  tcp = net.createServer((s) => {
    tcpSockets.add(s);
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => tcpStreams.push(Buffer.concat(chunks)));
    s.on('close', () => tcpSockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => tcp.listen(0, HOST, resolve));
  tcpPort = (tcp.address() as net.AddressInfo).port;

  const tmpServer = net.createServer();
  await new Promise<void>((resolve) => tmpServer.listen(0, HOST, resolve));
  closedPort = (tmpServer.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => tmpServer.close(() => resolve()));

  silent = await silentListener();
});

afterAll(async () => {
  await new Promise<void>((resolve) => (udp ? udp.close(() => resolve()) : resolve()));
  for (const s of tcpSockets) s.destroy();
  await new Promise<void>((resolve) => (tcp ? tcp.close(() => resolve()) : resolve()));
  await silent?.close();
});

describe('syslog over UDP', () => {
  it('sends one RFC 5424 datagram with PRI, header and escaped structured data', async () => {
    const now = new Date('2026-03-01T15:10:05.250Z');
    const m = render('opened');
    const arrived = nextDatagram();
    const r = await sendNotification(settings({ port: udpPort }), m, {
      deliveryId: 'dlv-1',
      now,
    });
    expect(r.detail).toMatch(/^Sent \d+ bytes over UDP to 127\.0\.0\.1:\d+$/);
    const p = parse5424((await arrived).toString('utf8'));
    expect(p).toEqual({
      pri: 16 * 8 + 2, // local0, crit
      version: '1',
      timestamp: '2026-03-01T15:10:05.250Z',
      hostname: 'caretaker-berlin',
      appName: 'caretaker',
      procId: String(process.pid),
      msgId: 'opened',
      sdId: SD_ID,
      params: {
        incident: 'inc-0001',
        device: 'fileserver "main" [rack 2]',
        severity: 'critical',
        event: 'opened',
      },
      msg: `CRITICAL: fileserver "main" [rack 2] – Disk /srv almost full (value 97.5, 3 occurrences) https://caretaker.berlin.lan/incidents/inc-0001`,
    });
  });

  it('maps severities and the facility into PRI; a resolution is a notice', async () => {
    const cases: [ReturnType<typeof render>, number, number][] = [
      [render('opened', { severity: 'major' }), 16, 16 * 8 + 3],
      [render('opened', { severity: 'warning' }), 16, 16 * 8 + 4],
      [render('opened', { severity: 'info' }), 1, 1 * 8 + 6],
      [render('resolved'), 4, 4 * 8 + 5],
    ];
    for (const [m, facility, pri] of cases) {
      const arrived = nextDatagram();
      await sendNotification(settings({ port: udpPort, facility }), m, {
        deliveryId: 'dlv',
        now: new Date(),
      });
      expect(parse5424((await arrived).toString('utf8')).pri).toBe(pri);
    }
  });

  it('cuts a long message to 2048 bytes on a character boundary', async () => {
    const m = render('opened', { title: 'Überlauf € 😀 '.repeat(400) });
    const arrived = nextDatagram();
    const r = await sendNotification(settings({ port: udpPort }), m, {
      deliveryId: 'dlv-long',
      now: new Date(),
    });
    expect(r.detail).toMatch(/\(shortened to fit\)$/);
    const d = await arrived;
    expect(d.length).toBeLessThanOrEqual(UDP_MAX_BYTES);
    expect(d.length).toBeGreaterThan(UDP_MAX_BYTES - 4);
    const text = d.toString('utf8');
    expect(text).not.toContain('\ufffd');
    expect(Buffer.from(text, 'utf8').equals(d)).toBe(true);
    const p = parse5424(text);
    expect(p.params.incident).toBe('inc-0001');
    expect(p.msg.startsWith('CRITICAL: fileserver')).toBe(true);
  });

  it('stops before sending when cancelled', async () => {
    const pre = new AbortController();
    pre.abort();
    const before = datagrams.length;
    const err = await failure(
      sendSyslog(
        settings({ port: udpPort }),
        { severity: 6, msgId: 'test', params: {}, text: 'x' },
        { now: new Date(), signal: pre.signal },
      ),
    );
    expect(err).toMatchObject({ code: 'ABORTED', kind: 'transient' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(datagrams.length).toBe(before);
  });
});

describe('syslog over TCP', () => {
  it('frames each message with octet counting (bytes, not characters)', async () => {
    const s = settings({ port: tcpPort, transport: 'tcp' });
    const first = nextTcpStream();
    const r = await sendNotification(s, render('opened', { title: 'Lüfter ausgefallen €' }), {
      deliveryId: 'dlv-tcp-1',
      now: new Date(),
    });
    expect(r.detail).toMatch(/over TCP to 127\.0\.0\.1:/);
    const stream = await first;
    const frames = octetFrames(stream);
    expect(frames).toHaveLength(1);
    const p = parse5424(frames[0]!.toString('utf8'));
    expect(p.pri).toBe(130);
    expect(p.msg).toContain('Lüfter ausgefallen €');
    expect(p.params.device).toBe('fileserver "main" [rack 2]');

    const second = nextTcpStream();
    await sendNotification(s, render('resolved'), { deliveryId: 'dlv-tcp-2', now: new Date() });
    const p2 = parse5424(octetFrames(await second)[0]!.toString('utf8'));
    expect(p2.pri).toBe(16 * 8 + 5);
    expect(p2.msgId).toBe('resolved');
  });

  it('reports a closed port as transient', async () => {
    const err = await failure(
      sendSyslog(
        settings({ port: closedPort, transport: 'tcp' }),
        { severity: 6, msgId: 'test', params: {}, text: 'x' },
        { now: new Date() },
      ),
    );
    expect(err).toMatchObject({ code: 'SYSLOG_UNREACHABLE', kind: 'transient' });
  });

  it('gives up connecting within the configured timeout', async () => {
    const t = performance.now();
    const err = await failure(
      sendSyslog(
        settings({ port: silent.port, transport: 'tcp', timeoutMs: 600 }),
        { severity: 6, msgId: 'test', params: {}, text: 'x' },
        { now: new Date() },
      ),
    );
    const took = performance.now() - t;
    expect(err).toMatchObject({ code: 'SYSLOG_TIMEOUT', kind: 'transient' });
    expect(took).toBeGreaterThanOrEqual(550);
    expect(took).toBeLessThan(2000);
  });

  it('stops connecting when cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('shutdown')), 100);
    const t = performance.now();
    const err = await failure(
      sendSyslog(
        settings({ port: silent.port, transport: 'tcp', timeoutMs: 10_000 }),
        { severity: 6, msgId: 'test', params: {}, text: 'x' },
        { now: new Date(), signal: controller.signal },
      ),
    );
    expect(err).toMatchObject({ code: 'ABORTED', kind: 'transient' });
    expect(performance.now() - t).toBeLessThan(1500);
  });
});
