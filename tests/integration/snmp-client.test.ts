/**
 * Our SNMPv1/v2c client (src/snmp/community-client.ts behind openSnmp) with real components:
 * - against the lab's real Net-SNMP snmpd, from inside the appliance namespace (the probe in
 *   tests/helpers/snmp-client-probe.ts runs there and reports what happened): GETs, walks with
 *   GetBulk and GetNext checked against snmpwalk's own, truncation, a wrong community, an
 *   address nobody has, abort and close in the middle of requests, SNMPv3 still on net-snmp;
 * - against a hostile agent on 127.0.0.1 in this process: garbage, a wrong request-id, answers
 *   from another port or address, a community mismatch, error statuses, a late answer to an
 *   earlier try, and walks that do not move forward (they must end, not loop).
 */
import dgram from 'node:dgram';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import { decodeHeader, OidCache, TAG, VarbindReader } from '../../src/snmp/ber.js';
import { CommunityClient } from '../../src/snmp/community-client.js';
import { openSnmp } from '../../src/snmp/session.js';
import { UdpTransport } from '../../src/snmp/udp-transport.js';
import { int, str, tlv, vb } from '../helpers/ber-build.js';
import { DEFAULT_DEVICES, labSkipReason, startLab, type Lab } from '../lab/lab.js';

const SYS_NAME = '1.3.6.1.2.1.1.5.0';
const SYS_OBJECT_ID = '1.3.6.1.2.1.1.2.0';
const MISSING_OBJECT = '1.3.6.1.2.1.1.99.0';
const IF_ENTRY = '1.3.6.1.2.1.2.2.1';
const PROBE = path.join(import.meta.dirname, '..', 'helpers', 'snmp-client-probe.ts');
const ROOT = path.resolve(import.meta.dirname, '..', '..');

const skip = labSkipReason(['snmpd', 'snmpwalk']);

/* eslint-disable @typescript-eslint/no-explicit-any -- the probe's JSON is checked with matchers */
describe.skipIf(skip !== undefined)(
  `our SNMP client against the lab's snmpd${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let lab: Lab;
    let r: any;
    let snmpwalkOids: string[];
    const COMMUNITY = 'public';

    beforeAll(async () => {
      lab = await startLab({
        devices: DEFAULT_DEVICES.filter((d) => d.name === 'srv-files' || d.name === 'fw-edge'),
        simulated: [],
      });
      const srv = lab.device('srv-files');
      const fw = lab.device('fw-edge');
      const taken = new Set([lab.appliance.lanIp, ...lab.devices.map((d) => d.ip)]);
      const base = lab.subnet.split('/')[0]!.split('.').map(Number);
      let unused = '';
      for (let last = 250; last > 1 && !unused; last--) {
        const ip = [...base.slice(0, 3), last].join('.');
        if (!taken.has(ip)) unused = ip;
      }
      const fwSnmp = fw.snmp as Extract<typeof fw.snmp, { version: '3' }>;
      const probe = {
        agent: srv.ip,
        community: COMMUNITY,
        unused,
        v3: {
          address: fw.ip,
          cred: {
            version: '3',
            user: fwSnmp.user,
            level: 'authPriv',
            authProtocol: 'sha',
            authKey: fwSnmp.authKey,
            privProtocol: 'aes',
            privKey: fwSnmp.privKey,
          },
        },
      };
      const out = await lab.exec(
        [process.execPath, '--import', 'tsx', PROBE, JSON.stringify(probe)],
        { timeoutMs: 60_000, cwd: ROOT },
      );
      const last = out.stdout.trim().split('\n').pop() ?? '';
      if (out.code !== 0 || !last.startsWith('{'))
        throw new Error(`probe failed (${out.code}):\n${out.stderr.slice(-4000)}`);
      r = JSON.parse(last);
      const walk = await lab.exec(
        ['snmpwalk', '-On', '-v2c', '-c', COMMUNITY, '-t', '2', srv.ip, IF_ENTRY],
        { timeoutMs: 30_000 },
      );
      snmpwalkOids = walk.stdout
        .split('\n')
        .map((l) => /^\.(\S+) = /.exec(l)?.[1])
        .filter((x): x is string => !!x);
    }, 120_000);

    afterAll(async () => {
      await lab?.stop();
    });

    it('GETs values, and a missing object or instance as null (v2c)', () => {
      expect(r.get2c.ok).toEqual([
        { oid: SYS_NAME, type: 'str', value: Buffer.from('srv-files').toString('hex') },
        { oid: SYS_OBJECT_ID, type: 'oid', value: '1.3.6.1.4.1.8072.3.2.10' },
        { oid: MISSING_OBJECT, type: 'null' },
        { oid: '1.3.6.1.2.1.1.5.1', type: 'null' },
      ]);
    });

    it('SNMPv1: a missing OID refuses the whole GET with noSuchName, as net-snmp did', () => {
      expect(r.get1.ok).toEqual([
        { oid: SYS_NAME, type: 'str', value: Buffer.from('srv-files').toString('hex') },
      ]);
      expect(r.get1Missing.err).toMatchObject({
        code: 'SNMP_REFUSED',
        kind: 'permanent',
        message: `${lab.device('srv-files').ip} refused the request (noSuchName).`,
      });
    });

    it('walks a table with GetBulk (v2c) and GetNext (v1): the OIDs snmpwalk sees', () => {
      expect(snmpwalkOids.length).toBeGreaterThan(20);
      const v2 = r.walk2c.ok;
      const v1 = r.walk1.ok;
      expect(v2.truncated).toBe(false);
      expect(v1.truncated).toBe(false);
      expect(v2.varbinds.map((v: any) => v.oid)).toEqual(snmpwalkOids);
      expect(v1.varbinds.map((v: any) => v.oid)).toEqual(snmpwalkOids);
      // ifIndex, ifDescr, ifType ... with their types
      expect(v2.varbinds[0]).toEqual({ oid: `${IF_ENTRY}.1.1`, type: 'int', value: 1 });
      expect(v2.varbinds.find((v: any) => v.oid === `${IF_ENTRY}.2.1`)).toEqual({
        oid: `${IF_ENTRY}.2.1`,
        type: 'str',
        value: Buffer.from('lo').toString('hex'),
      });
      expect(new Set(v2.varbinds.map((v: any) => v.type))).toEqual(
        new Set(['int', 'str', 'gauge32', 'ticks', 'counter32', 'oid']),
      );
    });

    it('stops at maxVarbinds and says so; exactly maxVarbinds is not truncated', () => {
      expect(r.walk2cCut.ok.varbinds.map((v: any) => v.oid)).toEqual(snmpwalkOids.slice(0, 5));
      expect(r.walk2cCut.ok.truncated).toBe(true);
      expect(r.walk2cExact.ok.truncated).toBe(false);
      expect(r.walk2cExact.ok.varbinds).toHaveLength(snmpwalkOids.length);
    });

    it('a walk past the end of the MIB ends empty: endOfMibView (v2c), noSuchName (v1)', () => {
      expect(r.walk2cEnd.ok).toEqual({ varbinds: [], truncated: false });
      expect(r.walk1End.ok).toEqual({ varbinds: [], truncated: false });
    });

    it('forty clients at once each get their own answer', () => {
      expect(r.concurrent).toEqual(Array.from({ length: 40 }, () => 2));
    });

    it('a wrong community times out after every try, and the message does not quote it', () => {
      expect(r.wrongCommunity.err).toMatchObject({ code: 'SNMP_TIMEOUT', kind: 'transient' });
      expect(r.wrongCommunity.err.message).not.toContain('Not-The-Community');
    });

    it('an address in the lab that nobody has times out', () => {
      expect(r.unreachable.err).toMatchObject({ code: 'SNMP_TIMEOUT' });
    });

    it('an abort settles a pending GET and walk at once, and later calls', () => {
      for (const o of [r.abortGet, r.abortWalk, r.afterAbort]) {
        expect(o.err).toMatchObject({ code: 'SNMP_STOPPED', kind: 'transient' });
      }
      expect(r.abortRealWalk.err).toMatchObject({ code: 'SNMP_STOPPED' });
    });

    it('close() settles pending requests (twice is fine) and later calls fail the same way', () => {
      for (const o of [r.closeGet, r.closeWalk, r.afterClose]) {
        expect(o.err).toMatchObject({ code: 'SNMP_STOPPED' });
      }
    });

    it('SNMPv3 still goes through net-snmp', () => {
      expect(r.v3.ok).toEqual([
        { oid: SYS_NAME, type: 'str', value: Buffer.from('fw-edge').toString('hex') },
      ]);
    });
  },
);

// ---------------------------------------------------------------------------------------------
// A hostile agent on loopback

function answer(
  req: Request,
  varbinds: Buffer[],
  o: { community?: string; status?: number; index?: number; id?: number; pdu?: number } = {},
) {
  return tlv(0x30, [
    int(req.version),
    str(o.community ?? req.community),
    tlv(o.pdu ?? 0xa2, [
      int(o.id ?? req.id),
      int(o.status ?? 0),
      int(o.index ?? 0),
      tlv(0x30, varbinds),
    ]),
  ]);
}

interface Request {
  version: number;
  community: string;
  tag: number;
  id: number;
  a: number;
  b: number;
  oids: string[];
}

function parse(buf: Buffer): Request {
  const h = decodeHeader(buf)!;
  const r = new VarbindReader(buf, h.varbindsStart, h.varbindsEnd);
  const oids: string[] = [];
  while (r.next()) oids.push(r.oid()!);
  return {
    version: h.version,
    community: buf.subarray(h.communityStart, h.communityEnd).toString(),
    tag: h.pduTag,
    id: h.requestId,
    a: h.errorStatus,
    b: h.errorIndex,
    oids,
  };
}

type Reply = (req: Request, rinfo: dgram.RemoteInfo, n: number) => void;

/** An agent on 127.0.0.1 whose answers the test decides; `side` sends from another port. */
async function hostile() {
  const bind = async (address: string) => {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((res) => s.bind(0, address, res));
    return s;
  };
  const main = await bind('127.0.0.1');
  const side = await bind('127.0.0.1');
  const elsewhere = await bind('127.0.0.2');
  let reply: Reply = () => undefined;
  let n = 0;
  const seen: Request[] = [];
  main.on('message', (buf, rinfo) => {
    const req = parse(buf);
    seen.push(req);
    reply(req, rinfo, n++);
  });
  const sendFrom = (s: dgram.Socket) => (b: Buffer, to: dgram.RemoteInfo) =>
    s.send(b, to.port, to.address);
  return {
    port: main.address().port,
    seen,
    on(r: Reply) {
      reply = r;
      n = 0;
      seen.length = 0;
    },
    send: sendFrom(main),
    sendFromSide: sendFrom(side),
    sendFromElsewhere: sendFrom(elsewhere),
    close() {
      for (const s of [main, side, elsewhere]) s.close();
    },
  };
}

describe('our SNMP client against a hostile agent on loopback', () => {
  let agent: Awaited<ReturnType<typeof hostile>>;
  const transport = new UdpTransport();
  const oids = new OidCache();
  const clients: CommunityClient[] = [];
  const client = (
    version: '1' | '2c' = '2c',
    timeoutMs = 300,
    retries = 0,
    community = 'public',
  ) => {
    const c = new CommunityClient(
      { address: '127.0.0.1', port: agent.port, timeoutMs, retries },
      { version, community },
      transport,
      oids,
    );
    clients.push(c);
    return c;
  };
  const failure = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      return e as AppError;
    }
    throw new Error('expected a rejection');
  };

  beforeAll(async () => {
    agent = await hostile();
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
    expect(transport.inFlight).toBe(0);
    // the last client closed: the shared socket is gone too
    expect(transport.hasSocket).toBe(false);
  });
  afterAll(() => agent.close());

  it('answers from the agent work (a baseline for the cases below)', async () => {
    agent.on((req, to) => agent.send(answer(req, [vb(req.oids[0]!, str('ok'))]), to));
    expect(await client().get([SYS_NAME])).toEqual([
      { oid: SYS_NAME, type: 'str', value: Buffer.from('ok') },
    ]);
    expect(agent.seen[0]).toMatchObject({ version: 1, community: 'public', tag: TAG.getRequest });
  });

  it('garbage, a wrong request-id and answers from another port or address are ignored', async () => {
    agent.on((req, to) => {
      const good = answer(req, [vb(req.oids[0]!, str('late but right'))]);
      agent.send(Buffer.from('garbage that is not BER at all'), to);
      agent.send(Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), to);
      agent.send(answer(req, [vb(req.oids[0]!, str('wrong id'))], { id: req.id ^ 1 }), to);
      agent.sendFromSide(answer(req, [vb(req.oids[0]!, str('wrong port'))]), to);
      agent.sendFromElsewhere(answer(req, [vb(req.oids[0]!, str('wrong address'))]), to);
      setTimeout(() => agent.send(good, to), 50);
    });
    expect(await client('2c', 1000).get([SYS_NAME])).toEqual([
      { oid: SYS_NAME, type: 'str', value: Buffer.from('late but right') },
    ]);
    // only wrong ones: the request times out
    agent.on((req, to) => {
      agent.send(answer(req, [vb(req.oids[0]!, str('x'))], { id: req.id + 1 }), to);
      agent.sendFromSide(answer(req, [vb(req.oids[0]!, str('x'))]), to);
    });
    expect(await failure(client().get([SYS_NAME]))).toMatchObject({ code: 'SNMP_TIMEOUT' });
  });

  it('a malformed answer with the right request-id fails that request as SNMP_BAD_RESPONSE', async () => {
    agent.on((req, to) => {
      const msg = answer(req, [vb(req.oids[0]!, str('x'))]);
      // the varbind's value claims more bytes than there are
      msg[msg.length - 2] = 0x7f;
      agent.send(msg, to);
    });
    expect(await failure(client().get([SYS_NAME]))).toMatchObject({ code: 'SNMP_BAD_RESPONSE' });
    // fewer varbinds than asked
    agent.on((req, to) => agent.send(answer(req, [vb(req.oids[0]!, str('x'))]), to));
    expect(await failure(client().get([SYS_NAME, SYS_OBJECT_ID]))).toMatchObject({
      code: 'SNMP_BAD_RESPONSE',
    });
    // another PDU type, another version
    agent.on((req, to) => agent.send(answer(req, [], { pdu: 0xa3 }), to));
    expect(await failure(client().get([SYS_NAME]))).toMatchObject({ code: 'SNMP_BAD_RESPONSE' });
    agent.on((req, to) => agent.send(answer({ ...req, version: 0 }, []), to));
    expect(await failure(client().get([SYS_NAME]))).toMatchObject({ code: 'SNMP_BAD_RESPONSE' });
  });

  it('an answer with another community is SNMP_BAD_RESPONSE and does not quote either', async () => {
    agent.on((req, to) =>
      agent.send(answer(req, [vb(SYS_NAME, str('x'))], { community: 'other-Secret' }), to),
    );
    const err = await failure(client('2c', 300, 0, 'My-Secret-Community').get([SYS_NAME]));
    expect(err).toMatchObject({
      code: 'SNMP_BAD_RESPONSE',
      message: '127.0.0.1 answered with a different community than it was asked with.',
    });
  });

  it('error statuses are SNMP_REFUSED with the status name; access errors are kind auth', async () => {
    const statuses: [number, string, string][] = [
      [1, 'tooBig', 'permanent'],
      [2, 'noSuchName', 'permanent'],
      [5, 'genErr', 'permanent'],
      [6, 'noAccess', 'auth'],
      [16, 'authorizationError', 'auth'],
    ];
    for (const [status, name, kind] of statuses) {
      agent.on((req, to) =>
        agent.send(answer(req, [vb(SYS_NAME, tlv(5, Buffer.alloc(0)))], { status, index: 1 }), to),
      );
      const err = await failure(client().get([SYS_NAME]));
      expect(err).toMatchObject({
        code: 'SNMP_REFUSED',
        kind,
        errorStatus: name,
        message: `127.0.0.1 refused the request (${name}).`,
      });
    }
  });

  it('retries with the same request-id and takes a late answer to an earlier try', async () => {
    let first: Request | undefined;
    let to0: dgram.RemoteInfo | undefined;
    agent.on((req, to, n) => {
      if (n === 0) {
        first = req;
        to0 = to;
        return;
      }
      // the second try is ignored; the answer to the first arrives now
      agent.send(answer(first!, [vb(SYS_NAME, str('first try'))]), to0!);
    });
    expect(await client('2c', 200, 2).get([SYS_NAME])).toEqual([
      { oid: SYS_NAME, type: 'str', value: Buffer.from('first try') },
    ]);
    expect(agent.seen.map((s) => s.id)).toEqual([first!.id, first!.id]);
    // no answer at all: one try plus two retries, then SNMP_TIMEOUT
    agent.on(() => undefined);
    expect(await failure(client('2c', 100, 2).get([SYS_NAME]))).toMatchObject({
      code: 'SNMP_TIMEOUT',
      kind: 'transient',
    });
    expect(agent.seen).toHaveLength(3);
  });

  it('a GetBulk walk that goes backwards, or stands still, ends with SNMP_BAD_RESPONSE', async () => {
    // every answer starts over from the first row: an endless table without the order check
    agent.on((req, to) =>
      agent.send(answer(req, [vb(`${IF_ENTRY}.1.1`, int(1)), vb(`${IF_ENTRY}.1.2`, int(2))]), to),
    );
    expect(await failure(client().walk(IF_ENTRY, 1_000_000))).toMatchObject({
      code: 'SNMP_BAD_RESPONSE',
    });
    expect(agent.seen.length).toBe(2);
    expect(agent.seen[0]).toMatchObject({ tag: TAG.getBulkRequest, a: 0, b: 20, oids: [IF_ENTRY] });
    expect(agent.seen[1]).toMatchObject({ oids: [`${IF_ENTRY}.1.2`] });
    // the same OID as asked
    agent.on((req, to) => agent.send(answer(req, [vb(req.oids[0]!, int(1))]), to));
    expect(await failure(client().walk(`${IF_ENTRY}.1.1`, 1_000_000))).toMatchObject({
      code: 'SNMP_BAD_RESPONSE',
    });
    // out of order inside one answer
    agent.on((req, to) =>
      agent.send(answer(req, [vb(`${IF_ENTRY}.1.2`, int(1)), vb(`${IF_ENTRY}.1.1`, int(2))]), to),
    );
    expect(await failure(client().walk(IF_ENTRY, 100))).toMatchObject({
      code: 'SNMP_BAD_RESPONSE',
    });
  });

  it('a GetNext walk (v1) that does not move forward ends with SNMP_BAD_RESPONSE', async () => {
    agent.on((req, to) => agent.send(answer(req, [vb(`${IF_ENTRY}.1.1`, int(1))]), to));
    expect(await failure(client('1').walk(IF_ENTRY, 1_000_000))).toMatchObject({
      code: 'SNMP_BAD_RESPONSE',
    });
    expect(agent.seen.map((s) => s.tag)).toEqual([TAG.getNextRequest, TAG.getNextRequest]);
    // two varbinds for one asked
    agent.on((req, to) =>
      agent.send(answer(req, [vb(`${IF_ENTRY}.1.1`, int(1)), vb(`${IF_ENTRY}.1.2`, int(1))]), to),
    );
    expect(await failure(client('1').walk(IF_ENTRY, 100))).toMatchObject({
      code: 'SNMP_BAD_RESPONSE',
    });
  });

  it('a walk ends at the end of the subtree, at endOfMibView, and on v1 noSuchName', async () => {
    let row = 0;
    agent.on((req, to) => {
      // three rows, then the next column's first row (outside the walked column)
      const vbs = [];
      for (let k = 0; k < 2 && row < 3; k++)
        vbs.push(vb(`${IF_ENTRY}.2.${++row}`, str(`if${row}`)));
      if (row >= 3) vbs.push(vb(`${IF_ENTRY}.3.1`, int(6)));
      agent.send(answer(req, vbs), to);
    });
    const w = await client().walk(`${IF_ENTRY}.2`, 100);
    expect(w.varbinds.map((v) => v.oid)).toEqual([1, 2, 3].map((i) => `${IF_ENTRY}.2.${i}`));
    expect(w.truncated).toBe(false);
    agent.on((req, to) =>
      agent.send(
        answer(req, [
          vb(`${IF_ENTRY}.2.9`, str('x')),
          vb(`${IF_ENTRY}.2.10`, tlv(0x82, Buffer.alloc(0))),
        ]),
        to,
      ),
    );
    expect(await client().walk(`${IF_ENTRY}.2`, 100)).toEqual({
      varbinds: [{ oid: `${IF_ENTRY}.2.9`, type: 'str', value: Buffer.from('x') }],
      truncated: false,
    });
    agent.on((req, to, n) =>
      n === 0
        ? agent.send(answer(req, [vb(`${IF_ENTRY}.2.1`, str('a'))]), to)
        : agent.send(
            answer(req, [vb(req.oids[0]!, tlv(5, Buffer.alloc(0)))], { status: 2, index: 1 }),
            to,
          ),
    );
    expect((await client('1').walk(`${IF_ENTRY}.2`, 100)).varbinds).toHaveLength(1);
    // another error status ends it with an error
    agent.on((req, to) => agent.send(answer(req, [], { status: 5 }), to));
    expect(await failure(client('1').walk(`${IF_ENTRY}.2`, 100))).toMatchObject({
      code: 'SNMP_REFUSED',
    });
  });

  it('close() and abort settle requests in flight at once; the socket goes with the last client', async () => {
    agent.on(() => undefined);
    const c = client('2c', 10_000, 3);
    const pending = [c.get([SYS_NAME]), c.walk(IF_ENTRY, 10), c.get([SYS_OBJECT_ID])];
    await new Promise((res) => setTimeout(res, 50));
    expect(transport.inFlight).toBe(3);
    c.close();
    c.close();
    for (const p of pending) expect(await failure(p)).toMatchObject({ code: 'SNMP_STOPPED' });
    expect(await failure(c.get([SYS_NAME]))).toMatchObject({ code: 'SNMP_STOPPED' });
    const ctl = new AbortController();
    const withSignal = () =>
      new CommunityClient(
        { address: '127.0.0.1', port: agent.port, timeoutMs: 10_000, retries: 0 },
        { version: '2c', community: 'public' },
        transport,
        oids,
        ctl.signal,
      );
    const d = withSignal();
    const p = d.walk(IF_ENTRY, 10);
    await new Promise((res) => setTimeout(res, 20));
    ctl.abort();
    expect(await failure(p)).toMatchObject({ code: 'SNMP_STOPPED' });
    expect(transport.inFlight).toBe(0);
    expect(transport.hasSocket).toBe(false);
    // an already aborted signal: closed from the start
    const e = withSignal();
    expect(await failure(e.get([SYS_NAME]))).toMatchObject({ code: 'SNMP_STOPPED' });
  });

  it('a flood of answers to one walk stops at maxVarbinds', async () => {
    let next = 0;
    agent.on((req, to) => {
      const vbs = [];
      for (let k = 0; k < req.b; k++)
        vbs.push(vb(`${IF_ENTRY}.10.${++next}`, tlv(0x41, Buffer.from([1]))));
      agent.send(answer(req, vbs), to);
    });
    const w = await client().walk(`${IF_ENTRY}.10`, 50);
    expect(w.varbinds).toHaveLength(50);
    expect(w.truncated).toBe(true);
    expect(agent.seen).toHaveLength(3);
  });

  it('openSnmp routes v1/v2c to this client and refuses a bad OID without sending', async () => {
    agent.on((req, to) => agent.send(answer(req, [vb(req.oids[0]!, str('via openSnmp'))]), to));
    const c = openSnmp(
      { address: '127.0.0.1', port: agent.port, timeoutMs: 300, retries: 0 },
      { version: '2c', community: 'public' },
    );
    try {
      expect(c).toBeInstanceOf(CommunityClient);
      expect(await c.get([SYS_NAME])).toMatchObject([{ value: Buffer.from('via openSnmp') }]);
      expect(await failure(c.get(['not.an.oid']))).toMatchObject({ code: 'SNMP_ERROR' });
    } finally {
      c.close();
    }
  });
});
