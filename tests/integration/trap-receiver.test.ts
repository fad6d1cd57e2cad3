/**
 * The trap receiver against real senders: Net-SNMP's snmptrap (Debian package `snmp`) for v1,
 * v2c and v3, net-snmp's own session for what snmptrap refuses to send, and raw UDP for garbage
 * and floods. Everything stays on 127.0.0.0/8.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import snmp from 'net-snmp';
import {
  TrapReceiver,
  type TrapAuthFailure,
  type TrapCredential,
  type TrapReceiverStats,
} from '../../src/incidents/trap-receiver.js';
import type { TrapRecord } from '../../src/incidents/trap-decode.js';
import { AppError } from '../../src/core/errors.js';
import { tempDir } from '../helpers/temp-dir.js';

const HOST = '127.0.0.1';
const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;

function hasTool(name: string): boolean {
  return ['/usr/bin', '/usr/local/bin', '/bin'].some((dir) => {
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
const skipReason = hasTool('snmptrap')
  ? undefined
  : 'missing snmptrap (Debian package snmp: bash tests/lab/install-deps.sh)';

const CREDENTIALS: TrapCredential[] = [
  { id: 'c-v2', name: 'site v2c', cred: { version: '2c', community: 'site-secret' } },
  { id: 'c-v1', name: 'legacy devices', cred: { version: '1', community: 'printers' } },
  {
    id: 'c-v3',
    name: 'v3 traps',
    cred: {
      version: '3',
      user: 'trapuser',
      level: 'authPriv',
      authProtocol: 'sha',
      authKey: 'auth-pass-123',
      privProtocol: 'aes',
      privKey: 'priv-pass-123',
    },
  },
];

let snmpEnv: NodeJS.ProcessEnv = {};

/** snmptrap with an argument array; no MIBs (numeric OIDs), its state in a temporary dir. */
function snmptrap(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      'snmptrap',
      ['-m', '', '-M', '/nonexistent', ...args],
      { timeout: 10_000, env: snmpEnv },
      (err, _stdout, stderr) => (err ? reject(new Error(`snmptrap: ${stderr || err}`)) : resolve()),
    );
  });
}

async function waitFor(what: string, ok: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Waits until the receiver has seen nothing new for a while (the kernel queue is empty). */
async function settled(r: TrapReceiver): Promise<TrapReceiverStats> {
  let last = -1;
  for (let i = 0; i < 250; i++) {
    const s = r.stats();
    if (s.received === last && s.queued === 0) return s;
    last = s.received;
    await sleep(100);
  }
  throw new Error('receiver did not settle');
}

function sum(s: TrapReceiverStats): number {
  return s.accepted + s.dropped + s.malformed + s.authFailures + s.ignored;
}

async function udpSocket(address = HOST): Promise<dgram.Socket> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, address, () => resolve());
  });
  return sock;
}

function send(sock: dgram.Socket, buf: Buffer, port: number): Promise<void> {
  return new Promise((resolve, reject) =>
    sock.send(buf, port, HOST, (err) => (err ? reject(err) : resolve())),
  );
}

/** One real v2c trap as net-snmp encodes it, captured on a plain UDP socket. */
async function encodedTrap(community: string): Promise<Buffer> {
  const sink = await udpSocket();
  try {
    const got = new Promise<Buffer>((resolve) => sink.once('message', (b) => resolve(b)));
    const session = snmp.createSession(HOST, community, {
      version: snmp.Version2c,
      trapPort: sink.address().port,
    });
    session.on('error', () => undefined);
    try {
      session.trap(
        '1.3.6.1.6.3.1.1.5.3',
        [{ oid: '1.3.6.1.2.1.2.2.1.1.4', type: snmp.ObjectType.Integer, value: 4 }],
        () => undefined,
      );
      return await Promise.race([
        got,
        sleep(5000).then(() => Promise.reject(new Error('no trap captured'))),
      ]);
    } finally {
      session.close();
    }
  } finally {
    sink.close();
  }
}

describe.skipIf(skipReason)('trap receiver with real senders', () => {
  const records: TrapRecord[] = [];
  const failures: TrapAuthFailure[] = [];
  const errors: AppError[] = [];
  let receiver: TrapReceiver;
  let port = 0;
  let cleanup: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const tmp = await tempDir('caretaker-traps-');
    cleanup = tmp.cleanup;
    // snmptrap keeps engine boots in its persistent directory; keep it out of /var/lib.
    snmpEnv = { ...process.env, SNMP_PERSISTENT_DIR: tmp.dir, SNMPCONFPATH: tmp.dir };
    receiver = new TrapReceiver({
      port: 0,
      address: HOST,
      credentials: CREDENTIALS,
      onTrap: (r) => void records.push(r),
      onAuthFailure: (f) => void failures.push(f),
      onError: (e) => void errors.push(e),
      authFailureReportMs: 0,
    });
    ({ port } = await receiver.start());
    expect(port).toBeGreaterThan(1023);
  });

  afterAll(async () => {
    await receiver?.stop();
    await cleanup?.();
  });

  const next = async (n: number) => {
    await waitFor(`${n} trap record(s)`, () => records.length >= n);
    return records[n - 1]!;
  };

  it('receives a v1 generic linkDown (snmptrap -v 1)', async () => {
    const n = records.length + 1;
    await snmptrap([
      '-v',
      '1',
      '-c',
      'printers',
      `${HOST}:${port}`,
      '1.3.6.1.4.1.8072.3.2.10',
      '',
      '2',
      '0',
      '',
      '1.3.6.1.2.1.2.2.1.1.3',
      'i',
      '3',
      '1.3.6.1.2.1.2.2.1.7.3',
      'i',
      '1',
      '1.3.6.1.2.1.2.2.1.8.3',
      'i',
      '2',
    ]);
    const r = await next(n);
    expect(r).toMatchObject({
      address: HOST,
      version: 'v1',
      credentialId: 'c-v1',
      credentialName: 'legacy devices',
      trapOid: '1.3.6.1.6.3.1.1.5.3',
      kind: 'linkDown',
      enterprise: '1.3.6.1.4.1.8072.3.2.10',
      ifIndex: 3,
      adminStatus: 'up',
      operStatus: 'down',
    });
    expect(typeof r.sysUpTime).toBe('number');
    expect(JSON.stringify(r)).not.toContain('printers');
  });

  it('receives a v1 enterprise-specific trap', async () => {
    const n = records.length + 1;
    await snmptrap([
      '-v',
      '1',
      '-c',
      'site-secret',
      `${HOST}:${port}`,
      '1.3.6.1.4.1.8072.2.3',
      '',
      '6',
      '17',
      '',
      '1.3.6.1.4.1.8072.2.3.2.1',
      's',
      'hello',
    ]);
    const r = await next(n);
    expect(r).toMatchObject({
      version: 'v1',
      credentialId: 'c-v2',
      trapOid: '1.3.6.1.4.1.8072.2.3.0.17',
      kind: 'vendor',
      varbinds: [{ oid: '1.3.6.1.4.1.8072.2.3.2.1', type: 'str', value: 'hello' }],
    });
  });

  it('receives a v2c linkUp with interface details', async () => {
    const n = records.length + 1;
    await snmptrap([
      '-v',
      '2c',
      '-c',
      'site-secret',
      `${HOST}:${port}`,
      '',
      '1.3.6.1.6.3.1.1.5.4',
      '1.3.6.1.2.1.2.2.1.1.5',
      'i',
      '5',
      '1.3.6.1.2.1.2.2.1.2.5',
      's',
      'eth4',
      '1.3.6.1.2.1.2.2.1.7.5',
      'i',
      '1',
      '1.3.6.1.2.1.2.2.1.8.5',
      'i',
      '1',
    ]);
    const r = await next(n);
    expect(r).toMatchObject({
      version: 'v2c',
      notification: 'trap',
      credentialId: 'c-v2',
      kind: 'linkUp',
      ifIndex: 5,
      ifDescr: 'eth4',
      adminStatus: 'up',
      operStatus: 'up',
    });
    expect(JSON.stringify(r)).not.toContain('site-secret');
  });

  it('receives a v3 authPriv (SHA/AES) trap from a stored user', async () => {
    const n = records.length + 1;
    await snmptrap([
      '-v',
      '3',
      '-l',
      'authPriv',
      '-u',
      'trapuser',
      '-a',
      'SHA',
      '-A',
      'auth-pass-123',
      '-x',
      'AES',
      '-X',
      'priv-pass-123',
      `${HOST}:${port}`,
      '',
      '1.3.6.1.6.3.1.1.5.1',
    ]);
    const r = await next(n);
    expect(r).toMatchObject({
      version: 'v3',
      user: 'trapuser',
      credentialId: 'c-v3',
      kind: 'coldStart',
    });
  });

  it('counts a v3 trap with a wrong auth key or privacy key as an auth failure', async () => {
    const before = receiver.stats();
    const count = records.length;
    const base = ['-v', '3', '-l', 'authPriv', '-u', 'trapuser', '-a', 'SHA', '-x', 'AES'];
    await snmptrap([
      ...base,
      '-A',
      'wrong-auth-1',
      '-X',
      'priv-pass-123',
      `${HOST}:${port}`,
      '',
      '1.3.6.1.6.3.1.1.5.1',
    ]);
    await snmptrap([
      ...base,
      '-A',
      'auth-pass-123',
      '-X',
      'wrong-priv-1',
      `${HOST}:${port}`,
      '',
      '1.3.6.1.6.3.1.1.5.1',
    ]);
    // authNoPriv for an authPriv user: the level does not match.
    await snmptrap([
      '-v',
      '3',
      '-l',
      'authNoPriv',
      '-u',
      'trapuser',
      '-a',
      'SHA',
      '-A',
      'auth-pass-123',
      `${HOST}:${port}`,
      '',
      '1.3.6.1.6.3.1.1.5.1',
    ]);
    await snmptrap([
      '-v',
      '3',
      '-l',
      'noAuthNoPriv',
      '-u',
      'nobody',
      `${HOST}:${port}`,
      '',
      '1.3.6.1.6.3.1.1.5.1',
    ]);
    await waitFor(
      '4 auth failures',
      () => receiver.stats().authFailures >= before.authFailures + 4,
    );
    await sleep(100);
    expect(records.length).toBe(count);
    const last = failures.slice(-4);
    expect(last.map((f) => f.reason)).toEqual([
      'bad_auth',
      'bad_auth',
      'unknown_user',
      'unknown_user',
    ]);
    expect(last.every((f) => f.address === HOST && f.version === 'v3')).toBe(true);
    // net-snmp's own error text carries the digests and the local user's keys: none of it leaks.
    expect(JSON.stringify(failures)).not.toMatch(/auth-pass|priv-pass|digest/);
  });

  it('rejects a v3 noAuthNoPriv trap with an empty user name (net-snmp accepts it)', async () => {
    const before = receiver.stats();
    const count = records.length;
    const session = snmp.createV3Session(
      HOST,
      { name: '', level: snmp.SecurityLevel.noAuthNoPriv },
      { version: snmp.Version3, trapPort: port },
    );
    session.on('error', () => undefined);
    try {
      await new Promise<void>((resolve, reject) =>
        session.trap('1.3.6.1.6.3.1.1.5.1', (err) => (err ? reject(err) : resolve())),
      );
      await waitFor('auth failure', () => receiver.stats().authFailures > before.authFailures);
    } finally {
      session.close();
    }
    expect(records.length).toBe(count);
    expect(failures.at(-1)).toMatchObject({ reason: 'unknown_user', version: 'v3' });
  });

  it('counts a trap with an unknown community and reports its source, not the community', async () => {
    const before = receiver.stats();
    const count = records.length;
    await snmptrap(['-v', '2c', '-c', 'guess-me', `${HOST}:${port}`, '', '1.3.6.1.6.3.1.1.5.3']);
    await snmptrap(['-v', '1', '-c', 'guess-me', `${HOST}:${port}`, '', '', '0', '0', '']);
    await waitFor(
      '2 auth failures',
      () => receiver.stats().authFailures >= before.authFailures + 2,
    );
    expect(records.length).toBe(count);
    expect(failures.slice(-2)).toMatchObject([
      { reason: 'unknown_community', address: HOST, version: 'v2c', suppressed: 0 },
      { reason: 'unknown_community', address: HOST, version: 'v1', suppressed: 0 },
    ]);
    expect(JSON.stringify(failures)).not.toContain('guess-me');
    const src = receiver.stats().bySource.find((s) => s.address === HOST);
    expect(src?.authFailures).toBeGreaterThanOrEqual(2);
  });

  it('takes new credentials without a restart', async () => {
    const base = receiver.stats().authFailures;
    const args = ['-v', '2c', '-c', 'late-added', `${HOST}:${port}`, '', '1.3.6.1.6.3.1.1.5.2'];
    await snmptrap(args);
    await waitFor('auth failure', () => receiver.stats().authFailures === base + 1);
    receiver.updateCredentials([
      ...CREDENTIALS,
      { id: 'c-late', name: 'late', cred: { version: '2c', community: 'late-added' } },
    ]);
    const n = records.length + 1;
    await snmptrap(args);
    expect(await next(n)).toMatchObject({ credentialId: 'c-late', kind: 'warmStart' });
    receiver.updateCredentials(CREDENTIALS);
    await snmptrap(args);
    await waitFor('auth failure', () => receiver.stats().authFailures === base + 2);
    expect(records.length).toBe(n);
  });

  it('counts garbage datagrams as malformed and keeps working', async () => {
    const before = receiver.stats();
    const trap = await encodedTrap('site-secret');
    const sock = await udpSocket();
    try {
      const junk = [
        Buffer.from('garbage\n'),
        Buffer.alloc(0),
        randomBytes(300),
        trap.subarray(0, 20), // truncated
        Buffer.concat([Buffer.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff]), randomBytes(50)]),
        Buffer.from([0x30, 0x03, 0x02, 0x01, 0x09]), // version 9
      ];
      for (const b of junk) await send(sock, b, port);
      await waitFor(
        'malformed',
        () => receiver.stats().malformed >= before.malformed + junk.length,
      );
      const n = records.length + 1;
      await send(sock, trap, port);
      expect(await next(n)).toMatchObject({ kind: 'linkDown', ifIndex: 4 });
    } finally {
      sock.close();
    }
    const after = await settled(receiver);
    expect(after.malformed - before.malformed).toBe(6);
    expect(after.received).toBe(sum(after));
  });

  it('ignores a request sent to the trap port', async () => {
    const before = receiver.stats();
    const session = snmp.createSession(HOST, 'site-secret', {
      version: snmp.Version2c,
      port,
      timeout: 200,
      retries: 0,
    });
    session.on('error', () => undefined);
    try {
      await new Promise<void>((resolve) => session.get(['1.3.6.1.2.1.1.3.0'], () => resolve()));
    } finally {
      session.close();
    }
    const after = await settled(receiver);
    expect(after.ignored).toBe(before.ignored + 1);
    expect(after.received).toBe(sum(after));
  });

  it('refuses a second receiver on the same port with TRAP_PORT_IN_USE', async () => {
    const other = new TrapReceiver({ port, address: HOST, credentials: [], onTrap: () => {} });
    const err = await other.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('TRAP_PORT_IN_USE');
    await other.stop();
    expect(errors).toEqual([]);
  });

  it.skipIf(IS_ROOT)('refuses a privileged port with TRAP_PORT_DENIED when not root', async () => {
    const other = new TrapReceiver({ port: 162, address: HOST, credentials: [], onTrap: () => {} });
    const err = await other.start().catch((e: unknown) => e);
    await other.stop();
    expect((err as AppError).code).toBe('TRAP_PORT_DENIED');
  });
});

describe('trap floods', () => {
  let trap: Buffer;
  beforeAll(async () => {
    trap = await encodedTrap('flood');
  });
  const creds: TrapCredential[] = [{ id: 'f', cred: { version: '2c', community: 'flood' } }];

  it('rate-limits 3,000 traps from one source without stalling the event loop', async () => {
    let handled = 0;
    const receiver = new TrapReceiver({
      port: 0,
      address: HOST,
      credentials: creds,
      onTrap: () => void handled++,
    });
    const lag = monitorEventLoopDelay({ resolution: 10 });
    const sock = await udpSocket();
    try {
      const { port } = await receiver.start();
      lag.enable();
      const started = Date.now();
      for (let i = 0; i < 3000; i++) {
        sock.send(trap, port, HOST);
        if (i % 100 === 99) await new Promise((r) => setImmediate(r));
      }
      const s = await settled(receiver);
      const seconds = (Date.now() - started) / 1000;
      lag.disable();
      // The kernel may lose some of a burst before they are counted; what arrives adds up.
      expect(s.received).toBeGreaterThan(1000);
      expect(s.received).toBe(s.accepted + s.dropped);
      expect(s.malformed + s.authFailures + s.ignored).toBe(0);
      expect(s.dropped).toBeGreaterThan(0);
      // Burst 200 plus 50 a second.
      expect(s.accepted).toBeLessThanOrEqual(200 + Math.ceil(50 * seconds) + 1);
      expect(s.bySource).toMatchObject([
        { address: HOST, received: s.received, accepted: s.accepted, dropped: s.dropped },
      ]);
      await waitFor('delivery', () => receiver.stats().delivered === s.accepted);
      expect(handled).toBe(s.accepted);
      expect(lag.max / 1e6).toBeLessThan(1000);
    } finally {
      lag.disable();
      sock.close();
      await receiver.stop();
    }
  });

  it('applies the global limit across sources', async () => {
    const receiver = new TrapReceiver({
      port: 0,
      address: HOST,
      credentials: creds,
      onTrap: () => {},
      limits: { globalPerSec: 100 },
    });
    const socks = await Promise.all([2, 3, 4, 5, 6].map((n) => udpSocket(`127.0.0.${n}`)));
    try {
      const { port } = await receiver.start();
      const started = Date.now();
      for (let i = 0; i < 150; i++) {
        for (const s of socks) s.send(trap, port, HOST);
        if (i % 20 === 19) await new Promise((r) => setImmediate(r));
      }
      const s = await settled(receiver);
      const seconds = (Date.now() - started) / 1000;
      expect(s.received).toBe(s.accepted + s.dropped);
      expect(s.accepted).toBeLessThanOrEqual(100 + Math.ceil(100 * seconds) + 1);
      expect(s.bySource.map((b) => b.address).sort()).toEqual([
        '127.0.0.2',
        '127.0.0.3',
        '127.0.0.4',
        '127.0.0.5',
        '127.0.0.6',
      ]);
      expect(s.bySource.reduce((a, b) => a + b.received, 0)).toBe(s.received);
    } finally {
      for (const s of socks) s.close();
      await receiver.stop();
    }
  });

  it('bounds the queue behind a slow handler and counts the overflow as dropped', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    const receiver = new TrapReceiver({
      port: 0,
      address: HOST,
      credentials: creds,
      onTrap: async () => {
        calls++;
        await gate;
      },
      queueSize: 5,
    });
    const sock = await udpSocket();
    try {
      const { port } = await receiver.start();
      for (let i = 0; i < 50; i++) await send(sock, trap, port);
      const s = await waitFor('all counted', () => receiver.stats().received === 50).then(() =>
        receiver.stats(),
      );
      // One in the handler, five waiting: the rest were dropped.
      expect(s.accepted).toBeLessThanOrEqual(6);
      expect(s.accepted + s.dropped).toBe(50);
      expect(calls).toBe(1);
      release();
      await waitFor('delivery', () => receiver.stats().delivered === s.accepted);
    } finally {
      release();
      sock.close();
      await receiver.stop();
    }
  });

  it('moves on from a handler that never finishes and one that throws', async () => {
    const errors: AppError[] = [];
    let n = 0;
    const receiver = new TrapReceiver({
      port: 0,
      address: HOST,
      credentials: creds,
      onTrap: () => {
        n++;
        if (n === 1) return new Promise<void>(() => {});
        if (n === 2) throw new Error('boom');
      },
      onError: (e) => void errors.push(e),
      handlerTimeoutMs: 100,
    });
    const sock = await udpSocket();
    try {
      const { port } = await receiver.start();
      for (let i = 0; i < 3; i++) await send(sock, trap, port);
      await waitFor('handled', () => {
        const s = receiver.stats();
        return s.delivered + s.handlerErrors === 3;
      });
      expect(receiver.stats()).toMatchObject({ delivered: 1, handlerErrors: 2 });
      expect(errors.map((e) => e.code).sort()).toEqual([
        'TRAP_HANDLER_FAILED',
        'TRAP_HANDLER_TIMEOUT',
      ]);
    } finally {
      sock.close();
      await receiver.stop();
    }
  });
});
