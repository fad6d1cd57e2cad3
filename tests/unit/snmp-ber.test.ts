/**
 * Our SNMP BER codec (src/snmp/ber.ts) against recorded bytes: requests as net-snmp writes them,
 * responses as a real Net-SNMP snmpd sent them (tests/fixtures/snmp/ber-messages.json, recorded
 * on loopback by tests/lab/record-ber-fixtures.ts), then hand-built responses for what snmpd
 * does not send (negative integers, every Counter64 size, long-form lengths), and malformed
 * input of every kind, which must never throw and must say that it failed.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compareOids,
  decodeHeader,
  decodeOid,
  decodeResponse,
  encodeOid,
  encodeRequest,
  inSubtree,
  OidCache,
  TAG,
  VarbindReader,
  type RequestTag,
} from '../../src/snmp/ber.js';
import type { Varbind } from '../../src/snmp/types.js';
import { int, oid, tlv, vb } from '../helpers/ber-build.js';

const FIXTURES = JSON.parse(
  readFileSync(
    path.join(import.meta.dirname, '..', 'fixtures', 'snmp', 'ber-messages.json'),
    'utf8',
  ),
) as { fixtures: { name: string; what: string; hex: string }[] };
const fixture = (name: string) => {
  const f = FIXTURES.fixtures.find((x) => x.name === name);
  if (!f) throw new Error(`no fixture ${name}`);
  return Buffer.from(f.hex, 'hex');
};

/** A GetResponse message around the given varbinds. */
function response(
  varbinds: Buffer[],
  opts: {
    id?: number;
    version?: number;
    community?: string;
    status?: number;
    longForm?: number;
  } = {},
): Buffer {
  const lf = opts.longForm ?? 0;
  return tlv(
    TAG.sequence,
    [
      int(opts.version ?? 1),
      tlv(TAG.octetString, Buffer.from(opts.community ?? 'public')),
      tlv(
        TAG.getResponse,
        [int(opts.id ?? 4242), int(opts.status ?? 0), int(0), tlv(TAG.sequence, varbinds, lf)],
        lf,
      ),
    ],
    lf,
  );
}

function decoded(buf: Buffer): Varbind[] {
  const r = decodeResponse(buf);
  if (!r.ok) throw new Error(`decode failed: ${r.reason}`);
  return r.varbinds;
}

describe('encoding requests', () => {
  const cases: {
    name: string;
    version: 0 | 1;
    community: string;
    tag: RequestTag;
    a: number;
    b: number;
    oids: string[];
  }[] = [
    {
      name: 'req-get-v2c',
      version: 1,
      community: 'public',
      tag: TAG.getRequest,
      a: 0,
      b: 0,
      oids: ['1.3.6.1.2.1.1.1.0', '1.3.6.1.2.1.1.2.0', '1.3.6.1.2.1.1.3.0'],
    },
    {
      name: 'req-get-v2c-big-arcs',
      version: 1,
      community: 'public',
      tag: TAG.getRequest,
      a: 0,
      b: 0,
      oids: [
        '1.3.6.1.4.1.2021.10.1.6.1',
        '1.3.6.1.4.1.128.16383.16384.4294967295',
        '1.3.6.1.4.1.9.9.13.1.3.1.3.1001',
      ],
    },
    {
      name: 'req-get-v2c-40',
      version: 1,
      community: 'public',
      tag: TAG.getRequest,
      a: 0,
      b: 0,
      oids: Array.from({ length: 40 }, (_, i) => `1.3.6.1.2.1.31.1.1.1.6.${1000 + i}`),
    },
    {
      name: 'req-getnext-v1',
      version: 0,
      community: 'branch-ro',
      tag: TAG.getNextRequest,
      a: 0,
      b: 0,
      oids: ['1.3.6.1.2.1.2.2.1.2'],
    },
    {
      name: 'req-getbulk-v2c',
      version: 1,
      community: 'public',
      tag: TAG.getBulkRequest,
      a: 0,
      b: 20,
      oids: ['1.3.6.1.2.1.2.2.1'],
    },
  ];
  for (const c of cases) {
    it(`writes the same bytes as net-snmp: ${c.name}`, () => {
      const want = fixture(c.name);
      // the request-id is net-snmp's random one: read it back, then encode with it
      const requestId = decodeHeader(want)!.requestId;
      const cache = new OidCache();
      const got = encodeRequest({
        version: c.version,
        community: Buffer.from(c.community),
        tag: c.tag,
        requestId,
        a: c.a,
        b: c.b,
        oids: c.oids.map((o) => cache.get(o)!),
      });
      expect(got?.toString('hex')).toBe(want.toString('hex'));
    });
  }

  it('encodes request-ids of every size up to 2^31 - 1 as positive INTEGERs', () => {
    for (const id of [0, 1, 127, 128, 255, 256, 32767, 32768, 8388607, 8388608, 2 ** 31 - 1]) {
      const msg = encodeRequest({
        version: 1,
        community: Buffer.from('c'),
        tag: TAG.getRequest,
        requestId: id,
        a: 0,
        b: 0,
        oids: [encodeOid('1.3.6.1.2.1.1.5.0')!],
      })!;
      expect(decodeHeader(msg)?.requestId).toBe(id);
    }
  });

  it('refuses what is not an OID, and what would not fit in a datagram', () => {
    for (const bad of [
      '',
      '1',
      '.1.3.6',
      '1.3.',
      '1..3',
      '3.1',
      '1.40',
      '1.3.6.x',
      '1.3.06',
      '1.3.4294967296',
    ]) {
      expect(encodeOid(bad), bad).toBeUndefined();
    }
    expect(encodeOid(Array.from({ length: 129 }, () => '1').join('.'))).toBeUndefined();
    expect(encodeOid('0.0')?.toString('hex')).toBe('00');
    expect(encodeOid('2.999.3')?.toString('hex')).toBe('883703');
    const big = encodeOid(
      `1.3.6.1.4.1.${Array.from({ length: 120 }, () => '4294967295').join('.')}`,
    )!;
    expect(
      encodeRequest({
        version: 1,
        community: Buffer.from('public'),
        tag: TAG.getRequest,
        requestId: 1,
        a: 0,
        b: 0,
        oids: Array.from({ length: 120 }, () => big),
      }),
    ).toBeUndefined();
  });

  it('keeps a bounded cache of encodings', () => {
    const cache = new OidCache(100);
    const first = cache.get('1.3.6.1.2.1.1.5.0');
    expect(cache.get('1.3.6.1.2.1.1.5.0')).toBe(first);
    for (let i = 0; i < 250; i++) cache.get(`1.3.6.1.2.1.2.2.1.10.${i}`);
    expect(cache.size).toBeLessThanOrEqual(100);
    expect(cache.get('1.3.6.1.2.1.1.5.0')?.toString('hex')).toBe('2b06010201010500');
    expect(cache.get('not.an.oid')).toBeUndefined();
  });
});

describe('decoding recorded snmpd responses', () => {
  it('reads every value type snmpd sent, with exceptions as null', () => {
    const r = decodeResponse(fixture('res-get-v2c-types'));
    expect(r.ok && r.header.requestId).toBe(1001);
    expect(r.ok && r.header.version).toBe(1);
    expect(r.ok && r.community.toString()).toBe('public');
    const vbs = decoded(fixture('res-get-v2c-types'));
    expect(vbs.map((v) => [v.oid, v.type])).toEqual([
      ['1.3.6.1.2.1.1.1.0', 'str'],
      ['1.3.6.1.2.1.1.2.0', 'oid'],
      ['1.3.6.1.2.1.1.3.0', 'ticks'],
      ['1.3.6.1.2.1.1.7.0', 'null'], // noSuchInstance: sysServices is not configured
      ['1.3.6.1.2.1.2.2.1.10.1', 'counter32'],
      ['1.3.6.1.2.1.2.2.1.5.1', 'gauge32'],
      ['1.3.6.1.2.1.31.1.1.1.6.1', 'counter64'],
      ['1.3.6.1.2.1.4.20.1.1.127.0.0.1', 'ip'],
      ['1.3.6.1.4.1.2021.10.1.6.1', 'null'], // Opaque (laLoadFloat): not read, as before
      ['1.3.6.1.2.1.1.5.0', 'str'],
      ['1.3.6.1.2.1.1.99.0', 'null'], // noSuchObject
      ['1.3.6.1.2.1.1.1.1', 'null'], // noSuchInstance
    ]);
    expect(vbs[0]).toEqual({
      oid: '1.3.6.1.2.1.1.1.0',
      type: 'str',
      value: Buffer.from('Caretaker BER fixture agent'),
    });
    expect(vbs[1]).toMatchObject({ value: '1.3.6.1.4.1.8072.3.2.10' });
    expect(vbs[6]?.type === 'counter64' && typeof vbs[6].value).toBe('bigint');
    expect(vbs[7]).toMatchObject({ value: '127.0.0.1' });
    expect(vbs[9]).toMatchObject({ value: Buffer.from('ber-fixture') });
  });

  it('copies OCTET STRINGs out of the datagram', () => {
    const buf = fixture('res-get-v2c-types');
    const vb = decoded(buf)[0]!;
    buf.fill(0);
    expect(vb).toMatchObject({ value: Buffer.from('Caretaker BER fixture agent') });
  });

  it('reads the v1 noSuchName error status and index', () => {
    const r = decodeResponse(fixture('res-get-v1-nosuchname'));
    expect(r.ok && [r.header.version, r.header.errorStatus, r.header.errorIndex]).toEqual([
      0, 2, 2,
    ]);
    expect(r.ok && r.community.toString()).toBe('branch-ro');
    const end = decodeResponse(fixture('res-getnext-v1-end'));
    expect(end.ok && end.header.errorStatus).toBe(2);
  });

  it('reads a GetBulk answer with long-form lengths, and endOfMibView', () => {
    const buf = fixture('res-getbulk-v2c-iftable');
    expect(buf[1]).toBe(0x82); // long form
    const vbs = decoded(buf);
    expect(vbs).toHaveLength(20);
    expect(vbs[0]).toEqual({ oid: '1.3.6.1.2.1.2.2.1.1.1', type: 'int', value: 1 });
    for (const v of vbs) expect(v.oid.startsWith('1.3.6.1.2.1.2.2.1.')).toBe(true);
    const end = decodeResponse(fixture('res-getbulk-v2c-end'));
    expect(end.ok && end.varbinds).toEqual([{ oid: '2.1', type: 'null' }]);
    const r = new VarbindReader(fixture('res-getbulk-v2c-end'), 0, 0);
    expect(r.next()).toBe(false);
  });

  it('v1 GetNext answer', () => {
    expect(decoded(fixture('res-getnext-v1'))).toEqual([
      { oid: '1.3.6.1.2.1.2.2.1.2.1', type: 'str', value: Buffer.from('lo') },
    ]);
  });
});

describe('decoding hand-built responses', () => {
  const one = (value: Buffer) => decoded(response([vb('1.3.6.1.4.1.99.1.0', value)]))[0];

  it('reads negative and wide INTEGERs', () => {
    for (const v of [
      0,
      1,
      -1,
      127,
      128,
      -128,
      -129,
      255,
      32767,
      -32768,
      2 ** 31 - 1,
      -(2 ** 31),
      2 ** 40,
      -(2 ** 47),
    ]) {
      expect(one(int(v)), String(v)).toMatchObject({ type: 'int', value: v });
    }
    // 7 octets is more than any SNMP INTEGER: refused rather than rounded
    expect(decodeResponse(response([vb('1.3.6.1', tlv(2, Buffer.alloc(7, 1)))])).ok).toBe(false);
    expect(decodeResponse(response([vb('1.3.6.1', tlv(2, Buffer.alloc(0)))])).ok).toBe(false);
  });

  it('reads Counter32, Gauge32 and TimeTicks as unsigned, with or without the leading 0x00', () => {
    const u = (tag: number, hex: string) => one(tlv(tag, Buffer.from(hex, 'hex')));
    expect(u(TAG.counter32, '00ffffffff')).toMatchObject({ type: 'counter32', value: 4294967295 });
    expect(u(TAG.counter32, 'ffffffff')).toMatchObject({ type: 'counter32', value: 4294967295 });
    expect(u(TAG.gauge32, '00')).toMatchObject({ type: 'gauge32', value: 0 });
    expect(u(TAG.gauge32, '0080')).toMatchObject({ type: 'gauge32', value: 128 });
    expect(u(TAG.timeTicks, '7fffffff')).toMatchObject({ type: 'ticks', value: 2 ** 31 - 1 });
    expect(u(TAG.timeTicks, '0080000000')).toMatchObject({ type: 'ticks', value: 2 ** 31 });
    expect(decodeResponse(response([vb('1.3.6.1', tlv(TAG.counter32, Buffer.alloc(6)))])).ok).toBe(
      false,
    );
  });

  it('reads Counter64 of every size', () => {
    for (let n = 0; n <= 9; n++) {
      for (let k = 0; k < 20; k++) {
        const b = randomBytes(n);
        if (n === 9) b[0] = 0;
        const want = n ? BigInt(`0x${b.toString('hex')}`) : 0n;
        expect(one(tlv(TAG.counter64, b))).toEqual({
          oid: '1.3.6.1.4.1.99.1.0',
          type: 'counter64',
          value: want,
        });
      }
    }
    expect(one(tlv(TAG.counter64, Buffer.from('00ffffffffffffffff', 'hex')))).toMatchObject({
      value: 2n ** 64n - 1n,
    });
    expect(decodeResponse(response([vb('1.3.6.1', tlv(TAG.counter64, Buffer.alloc(10)))])).ok).toBe(
      false,
    );
  });

  it('reads NULL, IpAddress, OID values, exceptions and types it does not use', () => {
    expect(one(tlv(TAG.null, Buffer.alloc(0)))).toMatchObject({ type: 'null' });
    expect(one(tlv(TAG.ipAddress, Buffer.from([10, 0, 255, 1])))).toMatchObject({
      type: 'ip',
      value: '10.0.255.1',
    });
    expect(decodeResponse(response([vb('1.3.6.1', tlv(TAG.ipAddress, Buffer.alloc(5)))])).ok).toBe(
      false,
    );
    expect(one(oid('1.3.6.1.4.1.4294967295.0'))).toMatchObject({
      type: 'oid',
      value: '1.3.6.1.4.1.4294967295.0',
    });
    for (const tag of [0x80, 0x81, 0x82, 0x44, 0x01, 0x03, 0x47]) {
      expect(one(tlv(tag, Buffer.from([1, 2]))), tag.toString(16)).toMatchObject({ type: 'null' });
    }
  });

  it('reads long-form lengths of 2 to 4 octets, with leading zeros', () => {
    const vbs = [vb('1.3.6.1.2.1.1.5.0', tlv(TAG.octetString, Buffer.alloc(300, 0x61)))];
    for (const lf of [2, 3, 4]) {
      const buf = response(vbs, { longForm: lf });
      expect(decoded(buf)[0], String(lf)).toMatchObject({
        type: 'str',
        value: Buffer.alloc(300, 0x61),
      });
    }
  });

  it('decodes OIDs to dotted strings, first arcs and large sub-identifiers included', () => {
    for (const s of [
      '0.0',
      '1.3',
      '1.39.1',
      '2.0',
      '2.999.3',
      '1.3.6.1.4.1.128.16383.16384.2097151.2097152.4294967295',
    ]) {
      const enc = encodeOid(s)!;
      expect(decodeOid(enc, 0, enc.length)).toBe(s);
    }
    // not minimal (0x80 first), too large, cut off, empty, too many arcs
    for (const hex of ['2b0680', '2b8001', '2b9080808000', '2b0681', '']) {
      const b = Buffer.from(hex, 'hex');
      expect(decodeOid(b, 0, b.length), hex).toBeUndefined();
    }
    const long = Buffer.alloc(130, 1);
    expect(decodeOid(long, 0, long.length)).toBeUndefined();
  });

  it('orders encoded OIDs as OIDs', () => {
    const sorted = [
      '1.3.6.1',
      '1.3.6.1.2',
      '1.3.6.1.2.1.127',
      '1.3.6.1.2.1.128',
      '1.3.6.1.2.1.16384',
      '1.3.6.1.2.2',
      '1.3.6.2',
    ];
    for (let i = 0; i < sorted.length; i++) {
      for (let j = 0; j < sorted.length; j++) {
        const a = encodeOid(sorted[i]!)!;
        const b = encodeOid(sorted[j]!)!;
        expect(
          Math.sign(compareOids(a, 0, a.length, b, 0, b.length)),
          `${sorted[i]} ${sorted[j]}`,
        ).toBe(Math.sign(i - j));
      }
    }
    const root = encodeOid('1.3.6.1.2.1.2')!;
    const below = encodeOid('1.3.6.1.2.1.2.2.1.1')!;
    const beside = encodeOid('1.3.6.1.2.1.20')!;
    expect(inSubtree(root, below, 0, below.length)).toBe(true);
    expect(inSubtree(root, beside, 0, beside.length)).toBe(false);
  });
});

describe('malformed input', () => {
  /** The decoder's public entry must return, never throw, and say ok: false when it fails. */
  const attempt = (buf: Buffer) => {
    let r: ReturnType<typeof decodeResponse> | undefined;
    expect(() => (r = decodeResponse(buf))).not.toThrow();
    return r!;
  };

  it('every truncation of every recorded message fails cleanly', () => {
    for (const f of FIXTURES.fixtures) {
      const full = Buffer.from(f.hex, 'hex');
      for (let n = 0; n < full.length; n++) {
        const r = attempt(full.subarray(0, n));
        expect(r.ok, `${f.name} cut at ${n}`).toBe(false);
      }
    }
  });

  it('says why, and keeps the request-id when it got that far', () => {
    const good = response([vb('1.3.6.1.2.1.1.5.0', tlv(TAG.octetString, Buffer.from('x')))], {
      id: 77,
    });
    // the varbind list claims more than the PDU holds
    const bad = Buffer.from(good);
    bad[decodeHeader(good)!.varbindsStart - 1] = 0x7f;
    const r = attempt(bad);
    expect(r).toMatchObject({ ok: false, requestId: 77 });
    expect(attempt(Buffer.from('hello')).ok).toBe(false);
    expect(attempt(Buffer.alloc(0)).ok).toBe(false);
  });

  it('rejects lengths beyond the buffer, huge and indefinite lengths, multi-byte tags and wrong tags', () => {
    const cases = [
      '3084ffffffff020101', // 4 GiB message
      '308502000000000201', // 5 length octets
      '3080020101', // indefinite
      '3f8101', // multi-byte tag
      '30030201', // content past the end
      '3005020101', // sequence longer than the buffer
      '310302010104067075626c6963', // SET, not SEQUENCE
      '300b0401010406707562', // version not an INTEGER
    ];
    for (const hex of cases) expect(attempt(Buffer.from(hex, 'hex')).ok, hex).toBe(false);
    // a varbind whose OID is not an OID, or whose value overruns the varbind
    const wrongTag = response([
      tlv(TAG.sequence, [tlv(TAG.octetString, Buffer.from('x')), tlv(5, Buffer.alloc(0))]),
    ]);
    expect(attempt(wrongTag)).toMatchObject({ ok: false, requestId: 4242 });
    const overrun = response([
      tlv(TAG.sequence, [oid('1.3.6.1'), Buffer.from([0x04, 0x05, 0x61])]),
    ]);
    expect(attempt(overrun).ok).toBe(false);
    // a varbind with a third element
    const extra = response([tlv(TAG.sequence, [oid('1.3.6.1'), int(1), int(2)])]);
    expect(attempt(extra).ok).toBe(false);
  });

  it('does not descend into deep nesting', () => {
    let nested = tlv(TAG.null, Buffer.alloc(0));
    for (let i = 0; i < 2000; i++) nested = tlv(TAG.sequence, nested);
    expect(attempt(response([vb('1.3.6.1', nested)])).ok).toBe(false);
    expect(attempt(nested).ok).toBe(false);
  });

  it('survives random bytes and random mutations of real messages', () => {
    const seeds = FIXTURES.fixtures
      .filter((f) => f.name.startsWith('res'))
      .map((f) => Buffer.from(f.hex, 'hex'));
    for (let i = 0; i < 3000; i++) {
      attempt(randomBytes(1 + (i % 300)));
      const m = Buffer.from(seeds[i % seeds.length]!);
      const flips = 1 + (i % 4);
      for (let k = 0; k < flips; k++)
        m[Math.floor(Math.random() * m.length)] = Math.floor(Math.random() * 256);
      const r = attempt(m);
      if (r.ok) for (const v of r.varbinds) expect(typeof v.oid).toBe('string');
    }
  });
});
