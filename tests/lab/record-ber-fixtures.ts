/**
 * Records the byte fixtures of our BER codec (tests/fixtures/snmp/ber-messages.json), on
 * loopback only:
 * - requests: what net-snmp sends for a GET, a GetNext and a GetBulk (v1 and v2c), captured by a
 *   UDP socket on 127.0.0.1 that never answers; our encoder must write the same bytes;
 * - responses: what a real Net-SNMP snmpd on 127.0.0.1 answers to requests of every kind (every
 *   value type it serves, noSuchObject, noSuchInstance, endOfMibView, v1 noSuchName, a GetBulk
 *   long enough for long-form lengths), sent with raw bytes from a socket of our own.
 * Run: npx tsx tests/lab/record-ber-fixtures.ts (snmpd must be installed; root is not needed).
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type * as NetSnmp from 'net-snmp';
import { encodeOid, encodeRequest, TAG, type RequestTag } from '../../src/snmp/ber.js';
import { REPO_ROOT } from './simulated.js';

const snmp = createRequire(import.meta.url)('net-snmp') as typeof NetSnmp;
const OUT = path.join(REPO_ROOT, 'tests', 'fixtures', 'snmp', 'ber-messages.json');
const HOST = '127.0.0.1';

interface Fixture {
  name: string;
  what: string;
  hex: string;
}

/** A socket on loopback that keeps the first datagram it gets. */
async function capture(): Promise<{ port: number; next(): Promise<Buffer>; close(): void }> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, HOST, r));
  const queue: Buffer[] = [];
  let wake: (() => void) | undefined;
  s.on('message', (b) => {
    queue.push(b);
    wake?.();
  });
  return {
    port: s.address().port,
    async next() {
      while (!queue.length) await new Promise<void>((r) => (wake = r));
      return queue.shift()!;
    },
    close: () => s.close(),
  };
}

async function netSnmpRequests(): Promise<Fixture[]> {
  const cap = await capture();
  const out: Fixture[] = [];
  const opts = (version: typeof snmp.Version1 | typeof snmp.Version2c) => ({
    port: cap.port,
    version,
    retries: 0,
    timeout: 200,
  });
  const v2 = snmp.createSession(HOST, 'public', opts(snmp.Version2c));
  const v1 = snmp.createSession(HOST, 'branch-ro', opts(snmp.Version1));
  const ignore = () => undefined;
  const record = async (name: string, what: string, send: () => void) => {
    send();
    out.push({ name, what, hex: (await cap.next()).toString('hex') });
  };
  await record('req-get-v2c', 'net-snmp v2c GET of sysDescr.0, sysObjectID.0, sysUpTime.0', () =>
    v2.get(['1.3.6.1.2.1.1.1.0', '1.3.6.1.2.1.1.2.0', '1.3.6.1.2.1.1.3.0'], ignore),
  );
  await record(
    'req-get-v2c-big-arcs',
    'net-snmp v2c GET of OIDs with multi-byte sub-identifiers (128, 16383, 16384, 2^32-1)',
    () =>
      v2.get(
        [
          '1.3.6.1.4.1.2021.10.1.6.1',
          '1.3.6.1.4.1.128.16383.16384.4294967295',
          '1.3.6.1.4.1.9.9.13.1.3.1.3.1001',
        ],
        ignore,
      ),
  );
  // 40 interface counters: the poller's PDU size, long enough for long-form lengths
  const many = Array.from({ length: 40 }, (_, i) => `1.3.6.1.2.1.31.1.1.1.6.${1000 + i}`);
  await record('req-get-v2c-40', 'net-snmp v2c GET of 40 ifHCInOctets instances', () =>
    v2.get(many, ignore),
  );
  await record('req-getnext-v1', 'net-snmp v1 GetNext of ifDescr (community branch-ro)', () =>
    v1.getNext(['1.3.6.1.2.1.2.2.1.2'], ignore),
  );
  await record('req-getbulk-v2c', 'net-snmp v2c GetBulk (0, 20) of ifTable, as its walk asks', () =>
    v2.getBulk(['1.3.6.1.2.1.2.2.1'], 0, 20, ignore),
  );
  v1.on('error', ignore);
  v2.on('error', ignore);
  v1.close();
  v2.close();
  cap.close();
  return out;
}

/** Requests to snmpd are written by our encoder (the request fixtures above check it). */
function request(
  version: 0 | 1,
  community: string,
  tag: RequestTag,
  requestId: number,
  a: number,
  b: number,
  oids: string[],
): Buffer {
  return encodeRequest({
    version,
    community: Buffer.from(community),
    tag,
    requestId,
    a,
    b,
    oids: oids.map((o) => encodeOid(o)!),
  })!;
}

async function snmpdResponses(): Promise<Fixture[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'caretaker-ber-'));
  const port = 16000 + Math.floor(Math.random() * 2000);
  await mkdir(path.join(dir, 'persist'), { recursive: true });
  const conf = path.join(dir, 'snmpd.conf');
  await writeFile(
    conf,
    [
      `[snmp] persistentDir ${dir}/persist`,
      'sysName ber-fixture',
      'sysDescr Caretaker BER fixture agent',
      'sysLocation loopback',
      'rocommunity public 127.0.0.1',
      'rocommunity branch-ro 127.0.0.1',
      '',
    ].join('\n'),
  );
  const agent = spawn(
    'snmpd',
    ['-f', '-Lo', '-C', '-m', '', '-c', conf, '-p', path.join(dir, 'pid'), `udp:${HOST}:${port}`],
    { env: { ...process.env, SNMP_PERSISTENT_DIR: path.join(dir, 'persist'), MIBS: '' } },
  );
  const out: Fixture[] = [];
  const s = dgram.createSocket('udp4');
  try {
    await new Promise<void>((r) => s.bind(0, HOST, r));
    await new Promise((r) => setTimeout(r, 1500));
    const ask = async (name: string, what: string, msg: Buffer): Promise<void> => {
      for (let i = 0; i < 20; i++) {
        const got = new Promise<Buffer | undefined>((resolve) => {
          const t = setTimeout(() => resolve(undefined), 500);
          s.once('message', (b) => {
            clearTimeout(t);
            resolve(b);
          });
        });
        s.send(msg, port, HOST);
        const b = await got;
        if (b) {
          out.push({ name, what, hex: b.toString('hex') });
          return;
        }
      }
      throw new Error(`snmpd did not answer ${name}`);
    };
    const GET = TAG.getRequest;
    const NEXT = TAG.getNextRequest;
    const BULK = TAG.getBulkRequest;
    await ask(
      'res-get-v2c-types',
      'snmpd v2c GET: sysDescr (str), sysObjectID (oid), sysUpTime (ticks), sysServices (int), ifInOctets.1 (counter32), ifSpeed.1 (gauge32), ifHCInOctets.1 (counter64), ipAdEntAddr.127.0.0.1 (ip), laLoadFloat.1 (opaque), sysName.0 (str), 1.3.6.1.2.1.1.99.0 (noSuchObject), sysDescr.1 (noSuchInstance)',
      request(1, 'public', GET, 1001, 0, 0, [
        '1.3.6.1.2.1.1.1.0',
        '1.3.6.1.2.1.1.2.0',
        '1.3.6.1.2.1.1.3.0',
        '1.3.6.1.2.1.1.7.0',
        '1.3.6.1.2.1.2.2.1.10.1',
        '1.3.6.1.2.1.2.2.1.5.1',
        '1.3.6.1.2.1.31.1.1.1.6.1',
        '1.3.6.1.2.1.4.20.1.1.127.0.0.1',
        '1.3.6.1.4.1.2021.10.1.6.1',
        '1.3.6.1.2.1.1.5.0',
        '1.3.6.1.2.1.1.99.0',
        '1.3.6.1.2.1.1.1.1',
      ]),
    );
    await ask(
      'res-get-v1-nosuchname',
      'snmpd v1 GET of sysName.0 and a missing OID: error-status noSuchName (2), error-index 2',
      request(0, 'branch-ro', GET, 1002, 0, 0, ['1.3.6.1.2.1.1.5.0', '1.3.6.1.2.1.1.99.0']),
    );
    await ask(
      'res-getnext-v1',
      'snmpd v1 GetNext of ifDescr: ifDescr.1',
      request(0, 'branch-ro', NEXT, 1003, 0, 0, ['1.3.6.1.2.1.2.2.1.2']),
    );
    await ask(
      'res-getnext-v1-end',
      'snmpd v1 GetNext past the end of its MIB: noSuchName',
      request(0, 'branch-ro', NEXT, 1004, 0, 0, ['2.1']),
    );
    await ask(
      'res-getbulk-v2c-iftable',
      'snmpd v2c GetBulk (0, 20) of ifTable: 20 varbinds, long-form lengths',
      request(1, 'public', BULK, 1005, 0, 20, ['1.3.6.1.2.1.2.2.1']),
    );
    await ask(
      'res-getbulk-v2c-end',
      'snmpd v2c GetBulk (0, 3) past the end of its MIB: endOfMibView',
      request(1, 'public', BULK, 1006, 0, 3, ['2.1']),
    );
  } finally {
    s.close();
    agent.kill('SIGTERM');
    await new Promise((r) => agent.once('exit', r));
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}

const fixtures = [...(await netSnmpRequests()), ...(await snmpdResponses())];
await writeFile(
  OUT,
  `${JSON.stringify({ recorded: new Date().toISOString().slice(0, 10), net_snmp: (createRequire(import.meta.url)('net-snmp/package.json') as { version: string }).version, fixtures }, null, 2)}\n`,
);
console.log(`${path.relative(REPO_ROOT, OUT)}: ${fixtures.length} messages`);
