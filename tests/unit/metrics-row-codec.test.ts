import { describe, it, expect } from 'vitest';
import { encodeRow, decodeRow, rowValue, forEachInRow } from '../../src/store/row-codec.js';
import { quantize } from '../../src/store/series-codec.js';

/** A row as format 1 wrote it (before 2026-11-27): u32le n, then (u32le col, f64le value) each. */
function format1(cols: number[], vals: number[]): Buffer {
  const b = Buffer.alloc(4 + cols.length * 12);
  b.writeUInt32LE(cols.length, 0);
  cols.forEach((c, i) => {
    b.writeUInt32LE(c, 4 + i * 12);
    b.writeDoubleLE(vals[i]!, 8 + i * 12);
  });
  return b;
}

/** A deterministic pseudo-random sequence (xorshift32). */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

describe('open rows (row-codec)', () => {
  it('reads back every column with its value as the store reads it (quantized)', () => {
    const rnd = random(7);
    for (let round = 0; round < 200; round++) {
      const n = Math.floor(rnd() * 400);
      const cols: number[] = [];
      const vals: number[] = [];
      let c = Math.floor(rnd() * 50);
      for (let i = 0; i < n; i++) {
        // mostly consecutive, sometimes a jump forward or back, sometimes far
        const r = rnd();
        c = r < 0.8 ? c + 1 : r < 0.9 ? c + Math.floor(rnd() * 1000) : r < 0.97 ? c : 0;
        if (cols.includes(c)) c = Math.max(...cols) + 1;
        cols.push(c);
        const k = rnd();
        vals.push(
          k < 0.3
            ? 0
            : k < 0.5
              ? Math.floor(rnd() * 100)
              : k < 0.6
                ? -rnd() * 1e12
                : k < 0.65
                  ? Number.MAX_VALUE
                  : rnd() * 1e9,
        );
      }
      const row = encodeRow(cols, vals);
      const back = decodeRow(row);
      expect([...back.keys()]).toEqual(cols);
      expect([...back.values()]).toEqual(vals.map(quantize));
      if (n) {
        const i = Math.floor(rnd() * n);
        expect(rowValue(row, cols[i]!)).toBe(quantize(vals[i]!));
      }
    }
  });

  it('keeps columns up to 2^32 − 1 and the sign of zero', () => {
    const cols = [0xffffffff, 0, 5, 4];
    const vals = [1, -0, 2.5, -1e-300];
    const back = decodeRow(encodeRow(cols, vals));
    expect([...back.keys()]).toEqual(cols);
    expect(Object.is(back.get(0), -0)).toBe(true);
    expect(back.get(4)).toBe(quantize(-1e-300));
  });

  it('takes about a byte a column and one or two for zeros and round values', () => {
    // a 24-port switch: per port 13 values, four of them zero, one a status
    const cols: number[] = [];
    const vals: number[] = [];
    for (let p = 0; p < 24; p++)
      for (let m = 0; m < 13; m++) {
        cols.push(p * 13 + m);
        vals.push(m < 4 ? 0 : m === 4 ? 1 : 1234.5678 * (p + m));
      }
    const row = encodeRow(cols, vals);
    const format1Bytes = 4 + cols.length * 12;
    expect(row.byteLength).toBeLessThan(format1Bytes / 2.5);
    // 4 marker + 2 count + 312 columns + 78 class bytes + 24 × (2 + 8 × 4) value bytes
    expect(row.byteLength).toBe(4 + 2 + 312 + 78 + 24 * (2 + 8 * 4));
    expect(encodeRow([], []).byteLength).toBe(5);
    expect(decodeRow(encodeRow([], [])).size).toBe(0);
  });

  it('encodes a huge row (a stack of thousands of ports) and a small one after it', () => {
    const n = 30_000;
    const cols = Array.from({ length: n }, (_, i) => i * 3);
    const vals = cols.map((c) => c * 1.5 + 0.25);
    const back = decodeRow(encodeRow(cols, vals));
    expect(back.size).toBe(n);
    expect(back.get(3 * (n - 1))).toBe(quantize(vals[n - 1]!));
    expect([...decodeRow(encodeRow([7], [2]))]).toEqual([[7, 2]]);
  });

  it('still reads rows written in format 1, at full precision', () => {
    const row = format1([3, 1, 9], [0.1, 2 ** 60 + 1, -7]);
    expect([...decodeRow(row)]).toEqual([
      [3, 0.1],
      [1, 2 ** 60 + 1],
      [9, -7],
    ]);
    expect(rowValue(row, 9)).toBe(-7);
    expect(rowValue(row, 4)).toBeUndefined();
  });

  it('reads a damaged row as what comes before the damage, never throwing', () => {
    const cols = Array.from({ length: 40 }, (_, i) => i * 2);
    const vals = cols.map((c) => (c % 3 === 0 ? 0 : c * 1000.25));
    const row = encodeRow(cols, vals);
    const full = [...decodeRow(row)];
    for (let len = 0; len < row.byteLength; len++) {
      const got = [...decodeRow(row.subarray(0, len))];
      // a prefix of the row's values, never a wrong one
      expect(got).toEqual(full.slice(0, got.length));
      expect(got.length).toBeLessThan(full.length + (len === row.byteLength ? 1 : 0));
    }
    // garbage after the marker: bytes that declare more columns than the row can hold
    const bad = Buffer.from([0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2]);
    expect(decodeRow(bad).size).toBe(0);
    // a column that would be negative
    expect(decodeRow(Buffer.from([0x02, 0xff, 0xff, 0xff, 1, 3, 0])).size).toBe(0);
    // format 1, truncated and empty
    const old = format1([1, 2], [5, 6]);
    expect([...decodeRow(old.subarray(0, 20))]).toEqual([[1, 5]]);
    expect(decodeRow(Buffer.alloc(0)).size).toBe(0);
    expect(decodeRow(Buffer.alloc(3)).size).toBe(0);
  });

  it('a row that flips random bytes decodes to something or nothing, never an exception', () => {
    const rnd = random(99);
    const cols = Array.from({ length: 100 }, (_, i) => i);
    const vals = cols.map((c) => c * 17.5);
    const row = encodeRow(cols, vals);
    for (let k = 0; k < 2000; k++) {
      const b = Buffer.from(row);
      for (let f = 0; f < 3; f++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      let n = 0;
      let bad = 0;
      forEachInRow(b, (c, v) => {
        if (!(Number.isInteger(c) && c >= 0 && typeof v === 'number')) bad++;
        n++;
      });
      expect(bad).toBe(0);
      expect(n).toBeLessThanOrEqual(b.length);
    }
  });
});
