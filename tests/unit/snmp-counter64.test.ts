import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { counter64, fromNetSnmp } from '../../src/snmp/session.js';

/** The straightforward reading the fast paths must agree with. */
const viaHex = (b: Buffer) => (b.length ? BigInt(`0x${b.toString('hex')}`) : 0n);

describe('counter64', () => {
  it('reads every content length (0 to 9 octets) as unsigned big-endian', () => {
    for (let n = 0; n <= 9; n++) {
      for (let k = 0; k < 200; k++) {
        const b = randomBytes(n);
        if (n === 9 && k % 2 === 0) b[0] = 0; // BER adds a 0x00 before a set top bit
        expect(counter64(b)).toBe(viaHex(b));
      }
    }
  });

  it('keeps the edges exact', () => {
    const cases = [
      Buffer.from([0]),
      Buffer.from([0xff]),
      Buffer.from('ffffffffffff', 'hex'),
      Buffer.from('01000000000000', 'hex'),
      Buffer.from('ffffffffffffffff', 'hex'),
      Buffer.from('00ffffffffffffffff', 'hex'),
      Buffer.from('0020000000000001', 'hex'),
    ];
    for (const b of cases) expect(counter64(b)).toBe(viaHex(b));
    expect(counter64(Buffer.from('00ffffffffffffffff', 'hex'))).toBe(2n ** 64n - 1n);
  });
});

describe('fromNetSnmp', () => {
  it('converts each net-snmp type and maps exceptions to null', () => {
    const oid = '1.3.6.1.2.1.31.1.1.1.6.1';
    expect(fromNetSnmp({ oid, type: 70, value: Buffer.from('0102', 'hex') })).toEqual({
      oid,
      type: 'counter64',
      value: 258n,
    });
    expect(fromNetSnmp({ oid, type: 2, value: -3 })).toEqual({ oid, type: 'int', value: -3 });
    expect(fromNetSnmp({ oid, type: 65, value: 7 })).toEqual({ oid, type: 'counter32', value: 7 });
    expect(fromNetSnmp({ oid, type: 66, value: 8 })).toEqual({ oid, type: 'gauge32', value: 8 });
    expect(fromNetSnmp({ oid, type: 67, value: 9 })).toEqual({ oid, type: 'ticks', value: 9 });
    expect(fromNetSnmp({ oid, type: 6, value: '1.3.6' })).toEqual({
      oid,
      type: 'oid',
      value: '1.3.6',
    });
    expect(fromNetSnmp({ oid, type: 64, value: '198.18.0.1' })).toEqual({
      oid,
      type: 'ip',
      value: '198.18.0.1',
    });
    expect(fromNetSnmp({ oid, type: 4, value: Buffer.from('x') })).toEqual({
      oid,
      type: 'str',
      value: Buffer.from('x'),
    });
    for (const type of [128, 129, 130, 5])
      expect(fromNetSnmp({ oid, type, value: null })).toEqual({ oid, type: 'null' });
  });
});
