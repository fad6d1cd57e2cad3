/**
 * Service checks against real servers on 127.0.0.1 started here: a TCP listener, an HTTP server
 * (statuses, redirects, a keyword, a large body, one that never answers), an HTTPS server with a
 * self-signed certificate made by the openssl program for 10 days, and a small DNS responder
 * speaking the wire format over UDP. Closed ports, timeouts and cancellation too.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import dgram from 'node:dgram';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { runProgram } from '../../src/lib/spawn.js';
import { runCheck, checkSamples } from '../../src/monitor/checks/run-check.js';
import { httpCheck, certDaysLeft } from '../../src/monitor/checks/http-check.js';
import { answerMatches, dnsCheck } from '../../src/monitor/checks/dns-check.js';
import {
  checkInputSchema,
  statusMatches,
  describeCheck,
  type CheckDef,
  type CheckInput,
} from '../../src/monitor/checks/check-schema.js';
import { tempDir } from '../helpers/temp-dir.js';

const HOST = '127.0.0.1';
const KEYWORD = 'caretaker-keyword-4711';
const DAY = 86_400_000;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A check definition through the schema, so that defaults apply as they do for an admin's. */
function def(
  input: DistributiveOmit<CheckInput, 'deviceId' | 'name'> & { name?: string },
): CheckDef {
  return checkInputSchema.parse({ name: 'test', deviceId: 'dev', ...input });
}

const listen = (server: net.Server | http.Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, HOST, () => resolve((server.address() as net.AddressInfo).port)),
  );
const close = (server: net.Server | undefined) =>
  new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));

// ---- servers ------------------------------------------------------------------------------

let tcpServer: net.Server;
let tcpPort: number;
let closedPort: number;
let httpServer: http.Server;
let httpPort: number;
let httpsServer: https.Server;
let httpsPort: number;
let dns: dgram.Socket;
let dnsPort: number;
let closedUdpPort: number;
let tmp: { dir: string; cleanup: () => Promise<void> };
let silent: { port: number; close(): Promise<void> };
const hanging = new Set<http.ServerResponse>();

function page(req: http.IncomingMessage, res: http.ServerResponse) {
  switch (req.url) {
    case '/':
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<html><body>Hello from the test server: ${KEYWORD}</body></html>`);
      return;
    case '/host':
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`host=${req.headers.host}`);
      return;
    case '/broken':
      res.writeHead(500, 'Internal Server Error');
      res.end('oops');
      return;
    case '/moved':
      res.writeHead(301, { location: '/elsewhere' });
      res.end();
      return;
    case '/big-late': {
      // The keyword only after the first 256 KiB: not read, so not found.
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('x'.repeat(300 * 1024));
      res.end(KEYWORD);
      return;
    }
    case '/big-early': {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write(`${KEYWORD}\n`);
      // Far more than is read: the check must stop reading, not download it all.
      let left = 64;
      const more = () => {
        while (left > 0) {
          left -= 1;
          if (!res.write('y'.repeat(1024 * 1024))) {
            res.once('drain', more);
            return;
          }
        }
        res.end();
      };
      res.on('error', () => undefined);
      more();
      return;
    }
    case '/hang':
      // Never answers: the check's timeout must end it.
      hanging.add(res);
      return;
    default:
      res.writeHead(404);
      res.end();
  }
}

// ---- a DNS responder in a few lines of wire format ----------------------------------------

const TYPES: Record<number, string> = { 1: 'A', 28: 'AAAA', 15: 'MX', 16: 'TXT', 5: 'CNAME' };

function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, '').split('.');
  return Buffer.concat([
    ...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'ascii')])),
    Buffer.from([0]),
  ]);
}

/** Answers by name: ok.test A, v6.test AAAA, mx.test MX, txt.test TXT, alias.test CNAME; nx.test is NXDOMAIN; silent.test never answers. */
function dnsAnswer(msg: Buffer): Buffer | undefined {
  let off = 12;
  const labels: string[] = [];
  while (msg[off]! > 0) {
    labels.push(msg.subarray(off + 1, off + 1 + msg[off]!).toString('ascii'));
    off += msg[off]! + 1;
  }
  off += 1;
  const qtype = msg.readUInt16BE(off);
  const question = msg.subarray(12, off + 4);
  const name = labels.join('.').toLowerCase();
  if (name === 'silent.test') return undefined;
  const rr = (type: number, rdata: Buffer) => {
    const head = Buffer.alloc(12);
    head.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    head.writeUInt16BE(type, 2);
    head.writeUInt16BE(1, 4);
    head.writeUInt32BE(60, 6);
    head.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([head, rdata]);
  };
  const answers: Buffer[] = [];
  let rcode = 0;
  const t = TYPES[qtype];
  if (name === 'nx.test') rcode = 3;
  else if (name === 'ok.test' && t === 'A') answers.push(rr(1, Buffer.from([127, 0, 0, 53])));
  else if (name === 'v6.test' && t === 'AAAA')
    answers.push(rr(28, Buffer.from('fd000000000000000000000000000053', 'hex')));
  else if (name === 'mx.test' && t === 'MX')
    answers.push(rr(15, Buffer.concat([Buffer.from([0, 10]), encodeName('mail.test')])));
  else if (name === 'txt.test' && t === 'TXT') {
    const txt = Buffer.from('v=spf1 ip4:127.0.0.0/8 -all');
    answers.push(rr(16, Buffer.concat([Buffer.from([txt.length]), txt])));
  } else if (name === 'alias.test' && t === 'CNAME') answers.push(rr(5, encodeName('target.test')));
  const header = Buffer.alloc(12);
  msg.copy(header, 0, 0, 2); // the query's id
  header.writeUInt16BE(0x8180 | rcode, 2); // a response, recursion desired and available
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  return Buffer.concat([header, question, ...answers]);
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
  tcpServer = net.createServer((s) => s.end());
  tcpPort = await listen(tcpServer);
  const tmpServer = net.createServer();
  closedPort = await listen(tmpServer);
  await close(tmpServer);

  httpServer = http.createServer(page);
  httpPort = await listen(httpServer);

  // A self-signed certificate valid for 10 days, made by the openssl program.
  tmp = await tempDir('caretaker-checks-');
  const key = path.join(tmp.dir, 'key.pem');
  const cert = path.join(tmp.dir, 'cert.pem');
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
      key,
      '-out',
      cert,
      '-days',
      '10',
      '-subj',
      '/CN=caretaker-test',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:intranet.test',
    ],
    { timeoutMs: 30_000 },
  );
  expect(r.code, r.stderr).toBe(0);
  httpsServer = https.createServer({ key: await readFile(key), cert: await readFile(cert) }, page);
  httpsPort = await listen(httpsServer);

  dns = dgram.createSocket('udp4');
  dns.on('message', (msg, from) => {
    try {
      const answer = dnsAnswer(msg);
      if (answer) dns.send(answer, from.port, from.address);
    } catch {
      // A malformed query gets no answer, as from a real server.
    }
  });
  await new Promise<void>((resolve) => dns.bind(0, HOST, resolve));
  dnsPort = dns.address().port;
  const tmpUdp = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => tmpUdp.bind(0, HOST, resolve));
  closedUdpPort = tmpUdp.address().port;
  await new Promise<void>((resolve) => tmpUdp.close(resolve));

  silent = await silentListener();
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  httpServer?.closeAllConnections();
  httpsServer?.closeAllConnections();
  await Promise.all([close(tcpServer), close(httpServer), close(httpsServer)]);
  await new Promise<void>((resolve) => (dns ? dns.close(() => resolve()) : resolve()));
  await silent?.close();
  await tmp?.cleanup();
});

// ---- TCP ----------------------------------------------------------------------------------

describe('tcp check', () => {
  it('passes on an open port, with a response time', async () => {
    const r = await runCheck(def({ kind: 'tcp', port: tcpPort }), HOST);
    expect(r.ok).toBe(true);
    expect(r.rttMs).toBeGreaterThanOrEqual(0);
    expect(r.rttMs).toBeLessThan(1000);
    expect(r.error).toBeUndefined();
  });

  it('fails on a closed port with PORT_CLOSED, at once', async () => {
    const t = performance.now();
    const r = await runCheck(def({ kind: 'tcp', port: closedPort }), HOST);
    expect(r).toMatchObject({ ok: false, error: { code: 'PORT_CLOSED' } });
    expect(r.error!.message).toMatch(/closed/);
    expect(performance.now() - t).toBeLessThan(1000);
  });

  it('a port that never answers fails with CHECK_TIMEOUT after the timeout', async () => {
    const t = performance.now();
    const r = await runCheck(def({ kind: 'tcp', port: silent.port, timeoutMs: 400 }), HOST);
    const took = performance.now() - t;
    expect(r).toMatchObject({ ok: false, error: { code: 'CHECK_TIMEOUT' } });
    expect(r.error!.message).toMatch(/400 ms/);
    expect(took).toBeGreaterThanOrEqual(380);
    expect(took).toBeLessThan(1500);
  });
});

// ---- HTTP ---------------------------------------------------------------------------------

describe('http check', () => {
  it('passes with status 200 and the keyword', async () => {
    const r = await runCheck(
      def({ kind: 'http', port: httpPort, path: '/', keyword: KEYWORD }),
      HOST,
    );
    expect(r).toMatchObject({ ok: true, statusCode: 200 });
    expect(r.rttMs).toBeGreaterThanOrEqual(0);
    expect(r.certDays).toBeUndefined();
  });

  it('fails when the keyword is missing, saying which', async () => {
    const r = await runCheck(
      def({ kind: 'http', port: httpPort, path: '/', keyword: 'not-on-the-page' }),
      HOST,
    );
    expect(r).toMatchObject({ ok: false, statusCode: 200, error: { code: 'KEYWORD_MISSING' } });
    expect(r.error!.message).toContain('not-on-the-page');
  });

  it('fails on an unexpected status and keeps the status and time', async () => {
    const r = await runCheck(def({ kind: 'http', port: httpPort, path: '/broken' }), HOST);
    expect(r).toMatchObject({ ok: false, statusCode: 500, error: { code: 'UNEXPECTED_STATUS' } });
    expect(r.error!.message).toMatch(/500 Internal Server Error; expected 200-399/);
    expect(r.rttMs).toBeGreaterThanOrEqual(0);
    const ok = await runCheck(
      def({ kind: 'http', port: httpPort, path: '/broken', expectStatus: '500' }),
      HOST,
    );
    expect(ok).toMatchObject({ ok: true, statusCode: 500 });
  });

  it('does not follow redirects: a 301 is the answer', async () => {
    const r = await runCheck(def({ kind: 'http', port: httpPort, path: '/moved' }), HOST);
    expect(r).toMatchObject({ ok: true, statusCode: 301 });
    const strict = await runCheck(
      def({ kind: 'http', port: httpPort, path: '/moved', expectStatus: '200' }),
      HOST,
    );
    expect(strict).toMatchObject({
      ok: false,
      statusCode: 301,
      error: { code: 'UNEXPECTED_STATUS' },
    });
  });

  it('reads at most 256 KiB for the keyword', async () => {
    const late = await runCheck(
      def({ kind: 'http', port: httpPort, path: '/big-late', keyword: KEYWORD }),
      HOST,
    );
    expect(late).toMatchObject({ ok: false, error: { code: 'KEYWORD_MISSING' } });
    expect(late.error!.message).toMatch(/first 256 KiB/);
    // 64 MiB on offer: found early, the rest is never read (well within the timeout).
    const t = performance.now();
    const early = await runCheck(
      def({ kind: 'http', port: httpPort, path: '/big-early', keyword: KEYWORD, timeoutMs: 5000 }),
      HOST,
    );
    expect(early).toMatchObject({ ok: true, statusCode: 200 });
    expect(performance.now() - t).toBeLessThan(2000);
  });

  it('sends the Host header (the address, or the configured host name)', async () => {
    const seen = async (hostHeader?: string) => {
      const r = await httpCheck(
        HOST,
        def({
          kind: 'http',
          port: httpPort,
          path: '/host',
          keyword: `host=${hostHeader ?? HOST}:${httpPort}`,
          ...(hostHeader ? { hostHeader } : {}),
        }) as Extract<CheckDef, { kind: 'http' }>,
      );
      return r.ok;
    };
    expect(await seen()).toBe(true);
    expect(await seen('intranet.test')).toBe(true);
  });

  it('a server that never answers fails with CHECK_TIMEOUT after the timeout', async () => {
    const t = performance.now();
    const r = await runCheck(
      def({ kind: 'http', port: httpPort, path: '/hang', timeoutMs: 500 }),
      HOST,
    );
    const took = performance.now() - t;
    expect(r).toMatchObject({ ok: false, error: { code: 'CHECK_TIMEOUT' } });
    expect(took).toBeGreaterThanOrEqual(480);
    expect(took).toBeLessThan(2000);
  });

  it('a closed port fails with PORT_CLOSED', async () => {
    const r = await runCheck(def({ kind: 'http', port: closedPort }), HOST);
    expect(r).toMatchObject({ ok: false, error: { code: 'PORT_CLOSED' } });
  });
});

describe('https check', () => {
  it('records the days left on a self-signed certificate (about 10) and passes', async () => {
    const r = await runCheck(
      def({ kind: 'http', https: true, port: httpsPort, keyword: KEYWORD }),
      HOST,
    );
    expect(r).toMatchObject({ ok: true, statusCode: 200 });
    expect(r.certDays).toBeGreaterThan(9.9);
    expect(r.certDays).toBeLessThanOrEqual(10.01);
    expect(checkSamples('chk1', r)).toEqual([
      { metric: 'svc.up', instance: 'chk1', value: 1 },
      { metric: 'svc.rtt_ms', instance: 'chk1', value: r.rttMs },
      { metric: 'svc.cert_days', instance: 'chk1', value: r.certDays },
    ]);
  });

  it('with verifyTls, an untrusted certificate fails, and its days are still known', async () => {
    const r = await runCheck(
      def({ kind: 'http', https: true, port: httpsPort, verifyTls: true }),
      HOST,
    );
    expect(r).toMatchObject({ ok: false, error: { code: 'CERT_INVALID' } });
    expect(r.error!.message).toMatch(/not trusted/);
    expect(r.certDays).toBeGreaterThan(9.9);
    expect(checkSamples('chk1', r)[0]).toEqual({ metric: 'svc.up', instance: 'chk1', value: 0 });
  });

  it('an expired certificate is a value, not a failure (unless verified)', async () => {
    const r = await httpCheck(
      HOST,
      def({ kind: 'http', https: true, port: httpsPort }) as Extract<CheckDef, { kind: 'http' }>,
      { nowMs: Date.now() + 12 * DAY },
    );
    expect(r.ok).toBe(true);
    expect(r.certDays).toBeLessThan(-1.9);
    expect(r.certDays).toBeGreaterThan(-2.1);
    expect(certDaysLeft('not a date', Date.now())).toBeUndefined();
  });

  it('HTTPS to a plain HTTP port fails with TLS_FAILED', async () => {
    const r = await runCheck(def({ kind: 'http', https: true, port: httpPort }), HOST);
    expect(r).toMatchObject({ ok: false, error: { code: 'TLS_FAILED' } });
  });

  it('sends the host name as TLS server name and checks the certificate is for it', async () => {
    const r = await runCheck(
      def({ kind: 'http', https: true, port: httpsPort, hostHeader: 'intranet.test' }),
      HOST,
    );
    expect(r.ok).toBe(true);
  });
});

// ---- DNS ----------------------------------------------------------------------------------

describe('dns check', () => {
  const dnsDef = (over: Record<string, unknown>) =>
    def({ kind: 'dns', port: dnsPort, query: 'ok.test', ...over } as CheckInput);

  it('passes when the server answers, and with the expected answer', async () => {
    const any = await runCheck(dnsDef({}), HOST);
    expect(any.ok).toBe(true);
    expect(any.rttMs).toBeGreaterThanOrEqual(0);
    const exact = await runCheck(dnsDef({ expect: '127.0.0.53' }), HOST);
    expect(exact.ok).toBe(true);
  });

  it('fails with DNS_WRONG_ANSWER on another answer, saying what it got', async () => {
    const r = await runCheck(dnsDef({ expect: '127.0.0.1' }), HOST);
    expect(r).toMatchObject({ ok: false, error: { code: 'DNS_WRONG_ANSWER' } });
    expect(r.error!.message).toMatch(/127\.0\.0\.53; expected 127\.0\.0\.1/);
  });

  it('AAAA, MX, TXT and CNAME answers compare sensibly', async () => {
    expect(
      (await runCheck(dnsDef({ query: 'v6.test', type: 'AAAA', expect: 'fd00::53' }), HOST)).ok,
    ).toBe(true);
    expect(
      (await runCheck(dnsDef({ query: 'mx.test', type: 'MX', expect: 'MAIL.test.' }), HOST)).ok,
    ).toBe(true);
    expect(
      (await runCheck(dnsDef({ query: 'txt.test', type: 'TXT', expect: 'v=spf1' }), HOST)).ok,
    ).toBe(true);
    expect(
      (await runCheck(dnsDef({ query: 'alias.test', type: 'CNAME', expect: 'target.test' }), HOST))
        .ok,
    ).toBe(true);
    expect(answerMatches('A', '127.0.0.53', '127.0.0.053')).toBe(false);
  });

  it('a name that does not exist fails with DNS_NXDOMAIN; no record with DNS_NO_ANSWER', async () => {
    const nx = await runCheck(dnsDef({ query: 'nx.test' }), HOST);
    expect(nx).toMatchObject({ ok: false, error: { code: 'DNS_NXDOMAIN' } });
    expect(nx.error!.message).toMatch(/nx\.test does not exist/);
    const none = await runCheck(dnsDef({ query: 'ok.test', type: 'MX' }), HOST);
    expect(none).toMatchObject({ ok: false, error: { code: 'DNS_NO_ANSWER' } });
  });

  it('a server that does not answer fails with CHECK_TIMEOUT after the timeout', async () => {
    const t = performance.now();
    const r = await runCheck(dnsDef({ query: 'silent.test', timeoutMs: 500 }), HOST);
    const took = performance.now() - t;
    expect(r).toMatchObject({ ok: false, error: { code: 'CHECK_TIMEOUT' } });
    expect(took).toBeGreaterThanOrEqual(480);
    expect(took).toBeLessThan(2000);
  });

  it('a server address the resolver refuses is a failed check, not a rejection', async () => {
    // runCheck refuses such an address first; the check itself must not throw either.
    const dns = def({ kind: 'dns', query: 'ok.test' }) as Extract<CheckDef, { kind: 'dns' }>;
    const r = await dnsCheck('not-an-ip', dns);
    expect(r).toMatchObject({ ok: false, error: { code: 'CHECK_FAILED' } });
  });

  it('nothing listening on the port fails, well within the timeout or at it', async () => {
    const r = await runCheck(
      def({ kind: 'dns', port: closedUdpPort, query: 'ok.test', timeoutMs: 800 }),
      HOST,
    );
    expect(r.ok).toBe(false);
    expect(['PORT_CLOSED', 'CHECK_TIMEOUT']).toContain(r.error!.code);
  });
});

// ---- dispatch, cancellation, schema ----------------------------------------------------------

describe('runCheck', () => {
  it('rejects with ABORTED when cancelled mid-check, and at once when already cancelled', async () => {
    const ac = new AbortController();
    const p = runCheck(
      def({ kind: 'http', port: httpPort, path: '/hang', timeoutMs: 10_000 }),
      HOST,
      ac.signal,
    );
    setTimeout(() => ac.abort(), 100);
    const t = performance.now();
    await expect(p).rejects.toMatchObject({ code: 'ABORTED' });
    expect(performance.now() - t).toBeLessThan(1000);
    await expect(
      runCheck(def({ kind: 'tcp', port: tcpPort }), HOST, ac.signal),
    ).rejects.toMatchObject({
      code: 'ABORTED',
    });
    const ac2 = new AbortController();
    const d = runCheck(
      def({ kind: 'dns', port: dnsPort, query: 'silent.test', timeoutMs: 10_000 }),
      HOST,
      ac2.signal,
    );
    setTimeout(() => ac2.abort(), 100);
    await expect(d).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('refuses an address that is not an IP address without touching the network', async () => {
    const r = await runCheck(def({ kind: 'tcp', port: tcpPort }), 'localhost');
    expect(r).toMatchObject({ ok: false, error: { code: 'BAD_ADDRESS' } });
  });

  it('the schema applies defaults and explains mistakes per field', () => {
    const h = def({ kind: 'http' });
    expect(h).toMatchObject({
      path: '/',
      https: false,
      expectStatus: '200-399',
      certWarnDays: 21,
      verifyTls: false,
      timeoutMs: 5000,
      enabled: true,
    });
    expect(describeCheck(h)).toBe('HTTP :80/');
    expect(describeCheck(def({ kind: 'http', https: true, path: '/x' }))).toBe('HTTPS :443/x');
    expect(def({ kind: 'dns', query: 'a.lan' })).toMatchObject({ port: 53, type: 'A' });
    expect(statusMatches('200,301-302', 302)).toBe(true);
    expect(statusMatches('200,301-302', 303)).toBe(false);
    const bad = checkInputSchema.safeParse({
      kind: 'http',
      name: '',
      deviceId: 'd',
      port: 70000,
      path: 'no-slash',
      expectStatus: '2xx',
    });
    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((i) => i.path.join('.')).sort();
    expect(paths).toEqual(['expectStatus', 'name', 'path', 'port']);
    expect(checkInputSchema.safeParse({ kind: 'ftp', name: 'x', deviceId: 'd' }).success).toBe(
      false,
    );
    expect(
      checkInputSchema.safeParse({ kind: 'dns', name: 'x', deviceId: 'd', query: '-oops; rm' })
        .success,
    ).toBe(false);
  });
});
