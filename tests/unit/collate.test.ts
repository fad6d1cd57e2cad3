/** Ordering and number formatting without ICU (src/lib/collate.ts). */
import { describe, it, expect } from 'vitest';
import { compareNatural, compareText, fixedDigits, groupDigits } from '../../src/lib/collate.js';

describe('text order', () => {
  it('orders names regardless of case, and names equal but for case always the same way', () => {
    expect(['gamma', 'Beta', 'alpha', 'beta', 'Alpha'].sort(compareText)).toEqual([
      'Alpha',
      'alpha',
      'Beta',
      'beta',
      'gamma',
    ]);
    expect(compareText('same', 'same')).toBe(0);
    // ISO timestamps and ids sort as they read.
    expect(['2026-11-27T10:00:00Z', '2026-02-01T00:00:00Z'].sort(compareText)[0]).toBe(
      '2026-02-01T00:00:00Z',
    );
  });

  it('orders runs of digits by value: hosts, addresses, ports', () => {
    expect(['sw10', 'sw2', 'SW1', 'sw02'].sort(compareNatural)).toEqual([
      'SW1',
      'sw02',
      'sw2',
      'sw10',
    ]);
    expect(['10.0.0.10', '10.0.0.9', '9.1.1.1', '10.0.0.100'].sort(compareNatural)).toEqual([
      '9.1.1.1',
      '10.0.0.9',
      '10.0.0.10',
      '10.0.0.100',
    ]);
    expect(['Gi1/0/10', 'Gi1/0/2', 'Fa0/1', 'gi1/0/1'].sort(compareNatural)).toEqual([
      'Fa0/1',
      'gi1/0/1',
      'Gi1/0/2',
      'Gi1/0/10',
    ]);
    expect(['a', '', 'a1', '1'].sort(compareNatural)).toEqual(['', '1', 'a', 'a1']);
    expect(compareNatural('99999999999999999999', '100000000000000000000')).toBeLessThan(0);
  });

  it('is a total order: sorting any shuffle gives the same list', () => {
    const words = [
      'b2',
      'B10',
      'b-1',
      'a 1',
      'a1',
      'A01',
      'é',
      'e',
      'Z',
      '_x',
      '10',
      '9',
      '',
      'x.9',
      'x.10',
    ];
    const sorted = [...words].sort(compareNatural);
    for (let n = 0; n < 20; n++) {
      const shuffled = [...words].sort(() => Math.random() - 0.5);
      expect(shuffled.sort(compareNatural)).toEqual(sorted);
    }
    for (const a of words)
      for (const b of words)
        expect(Math.sign(compareNatural(a, b))).toBe(-Math.sign(compareNatural(b, a)) || 0);
  });
});

describe('numbers', () => {
  it('groups thousands, with at most three decimals by default', () => {
    expect(groupDigits(0)).toBe('0');
    expect(groupDigits(999)).toBe('999');
    expect(groupDigits(1000)).toBe('1,000');
    expect(groupDigits(1234567.891)).toBe('1,234,567.891');
    expect(groupDigits(-1234.5)).toBe('-1,234.5');
    expect(groupDigits(0.0001)).toBe('0');
    expect(groupDigits(-0.0001)).toBe('0');
    expect(groupDigits(Infinity)).toBe('Infinity');
    expect(groupDigits(1000, 0)).toBe('1,000');
    expect(groupDigits(0, 0)).toBe('0');
    expect(groupDigits(100.5, 0)).toBe('101');
    expect(groupDigits(1e21)).toBe('1e+21');
  });

  it('writes a fixed number of decimals, never "-0"', () => {
    expect(fixedDigits(1250.5, 1)).toBe('1,250.5');
    expect(fixedDigits(1250.5, 2)).toBe('1,250.50');
    expect(fixedDigits(-0.04, 1)).toBe('0.0');
    expect(fixedDigits(-12345.678, 0)).toBe('-12,346');
    expect(fixedDigits(1000, 0)).toBe('1,000');
    expect(fixedDigits(-2e21, 1)).toBe('-2e+21');
  });
});
