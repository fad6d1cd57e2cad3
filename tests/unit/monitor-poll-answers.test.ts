/**
 * PollAnswers (src/monitor/poll-answers.ts): a poll's GET answers packed by position. What goes
 * in comes out the same, for every value type the decoders read; what the decoders must see as
 * it came (strings, OIDs, answers for another OID) is kept as it came.
 */
import { describe, expect, it } from 'vitest';
import { PollAnswers } from '../../src/monitor/poll-answers.js';
import type { Varbind } from '../../src/snmp/types.js';

const OIDS = [
  '1.3.6.1.2.1.1.3.0',
  '1.3.6.1.2.1.2.2.1.8.1',
  '1.3.6.1.2.1.31.1.1.1.6.1',
  '1.3.6.1.4.1.2021.10.1.3.1',
];

describe('PollAnswers', () => {
  it('gives back each numeric type, "not there" and no answer', () => {
    const a = new PollAnswers(OIDS);
    const cases: Varbind[] = [
      { oid: OIDS[0]!, type: 'ticks', value: 4_294_967_295 },
      { oid: OIDS[1]!, type: 'int', value: -2_147_483_648 },
      { oid: OIDS[2]!, type: 'counter64', value: 123_456_789_012_345n },
      { oid: OIDS[3]!, type: 'null' },
    ];
    cases.forEach((vb, i) => a.set(i, vb));
    expect(cases.map((_, i) => a.get(i))).toEqual(cases);
    for (const type of ['counter32', 'gauge32'] as const) {
      a.set(1, { oid: OIDS[1]!, type, value: 7 });
      expect(a.get(1)).toEqual({ oid: OIDS[1], type, value: 7 });
    }
    expect(new PollAnswers(OIDS).get(2)).toBeUndefined();
    expect(a.get(99)).toBeUndefined();
    expect(a.length).toBe(4);
  });

  it('keeps a Counter64 exact above 2^53, where a number would round it', () => {
    const a = new PollAnswers(OIDS);
    const exact: Varbind = { oid: OIDS[2]!, type: 'counter64', value: 2n ** 64n - 1n };
    a.set(2, exact);
    expect(a.get(2)).toEqual(exact);
    const safe: Varbind = { oid: OIDS[2]!, type: 'counter64', value: 2n ** 53n - 1n };
    a.set(2, safe);
    expect(a.get(2)).toEqual(safe);
  });

  it('keeps strings, OIDs, IP addresses and answers for another OID as they came', () => {
    const a = new PollAnswers(OIDS);
    const str: Varbind = { oid: OIDS[3]!, type: 'str', value: Buffer.from('0.42') };
    const stray: Varbind = { oid: '1.3.6.1.2.1.2.2.1.8.2', type: 'int', value: 1 };
    const oid: Varbind = { oid: OIDS[0]!, type: 'oid', value: '1.3.6.1.4.1.8072' };
    const ip: Varbind = { oid: OIDS[2]!, type: 'ip', value: '192.0.2.1' };
    a.set(3, str);
    a.set(1, stray);
    a.set(0, oid);
    a.set(2, ip);
    expect(a.get(3)).toBe(str);
    expect(a.get(1)).toBe(stray);
    expect(a.get(0)).toBe(oid);
    expect(a.get(2)).toBe(ip);
    // answered again, as a number: the kept value is gone
    a.set(3, { oid: OIDS[3]!, type: 'gauge32', value: 5 });
    expect(a.get(3)).toEqual({ oid: OIDS[3], type: 'gauge32', value: 5 });
  });

  it('refuses a position the plan does not have', () => {
    const a = new PollAnswers(OIDS);
    expect(() => a.set(4, { oid: 'x', type: 'null' })).toThrow(RangeError);
    expect(() => a.set(-1, { oid: 'x', type: 'null' })).toThrow(RangeError);
  });
});
