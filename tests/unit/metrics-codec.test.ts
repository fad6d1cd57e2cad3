import { describe, it, expect } from 'vitest';
import {
  encodeTimes,
  decodeTimes,
  encodeValues,
  decodeValues,
  encodeBuckets,
  decodeBuckets,
  quantize,
} from '../../src/store/series-codec.js';
import { BitReader, BitWriter } from '../../src/store/bits.js';
import { TIERS, chooseTier, rollUp, tier, sampleBucket } from '../../src/monitor/tiers.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('bits', () => {
  it('round-trips fields of every width and varuints', () => {
    const w = new BitWriter(1);
    const fields: Array<[number, number]> = [];
    const r = rng(1);
    for (let i = 0; i < 2000; i++) {
      const n = 1 + Math.floor(r() * 32);
      const v = Math.floor(r() * 2 ** n);
      fields.push([v, n]);
      w.write(v, n);
    }
    w.varuint(0);
    w.varuint(2 ** 40 + 5);
    const rd = new BitReader(w.bytes());
    for (const [v, n] of fields) expect(rd.read(n)).toBe(v);
    expect(rd.varuint()).toBe(0);
    expect(rd.varuint()).toBe(2 ** 40 + 5);
    expect(() => rd.read(32)).toThrow(RangeError);
  });
});

describe('series codec', () => {
  it('quantizes to a relative error below 5e-7 and keeps small integers exact', () => {
    const r = rng(7);
    for (let i = 0; i < 10_000; i++) {
      const v = (r() - 0.5) * 10 ** Math.floor(r() * 24 - 6);
      const q = quantize(v);
      expect(Math.abs(q - v)).toBeLessThanOrEqual(Math.abs(v) * 5e-7);
    }
    for (const v of [0, 1, -1, 42, 100, 2 ** 21, 1_000_000]) expect(quantize(v)).toBe(v);
    expect(quantize(Number.MAX_VALUE)).toBe(quantize(Number.MAX_VALUE)); // no overflow to NaN
    expect(Number.isFinite(quantize(Number.MAX_VALUE))).toBe(true);
  });

  it('round-trips timestamps: regular, jittered, gaps and long pauses', () => {
    const times: number[] = [];
    let t = 1_790_000_000;
    const r = rng(3);
    for (let i = 0; i < 500; i++) {
      t += 60 + Math.floor(r() * 3) - 1;
      if (i % 97 === 0) t += 3_000; // a gap
      if (i === 250) t += 9_000_000; // months off
      times.push(t);
    }
    expect(decodeTimes(encodeTimes(times))).toEqual(times);
    expect(decodeTimes(encodeTimes([]))).toEqual([]);
    expect(decodeTimes(encodeTimes([5]))).toEqual([5]);
    // A regular poll costs about one bit per sample.
    const regular = Array.from({ length: 60 }, (_, i) => 1_790_000_000 + i * 60);
    expect(encodeTimes(regular).length).toBeLessThan(20);
  });

  it('round-trips values with gaps, zeros, negatives and huge numbers', () => {
    const values = [0, 0, 0, null, 1.5, -3.25, 1e15, null, null, 0.001, 123456.789, 0];
    const back = decodeValues(encodeValues(values));
    expect(back).toEqual(values.map((v) => (v === null ? null : quantize(v))));
    expect(decodeValues(encodeValues([NaN, Infinity, 1]))).toEqual([null, null, 1]);
    expect(decodeValues(encodeValues([]))).toEqual([]);
  });

  it('stores a flat series in about a bit per sample and a noisy rate in under 4 bytes', () => {
    const flat = Array.from({ length: 60 }, () => 0);
    expect(encodeValues(flat).length).toBeLessThan(16);
    const r = rng(11);
    const noisy = Array.from(
      { length: 60 },
      (_, i) => 8_000_000 * (1 + 0.4 * Math.sin(i / 9)) + r() * 50_000,
    );
    expect(encodeValues(noisy).length / 60).toBeLessThan(4);
  });

  it('round-trips rollup buckets and keeps empty buckets empty', () => {
    const buckets = Array.from({ length: 288 }, (_, i) =>
      i % 50 === 7 ? null : { min: i, max: i * 2, sum: i * 15, count: 10 },
    );
    expect(decodeBuckets(encodeBuckets(buckets))).toEqual(buckets);
    // One sample per bucket (a slow poll): stored as one stream, read back the same.
    const singles = Array.from({ length: 12 }, (_, i) =>
      i === 3 ? null : { min: i * 1.5, max: i * 1.5, sum: i * 1.5, count: 1 },
    );
    expect(decodeBuckets(encodeBuckets(singles))).toEqual(singles);
    expect(encodeBuckets(singles).length).toBeLessThan(encodeBuckets(buckets.slice(0, 12)).length);
  });

  it('rejects a corrupt chunk with an error instead of garbage', () => {
    const enc = encodeValues([1, 2, 3, 4, 5, 6, 7, 8, 9.5, 10.25]);
    expect(() => decodeValues(enc.subarray(0, 4))).toThrow(RangeError);
  });
});

describe('tiers', () => {
  it('rolls samples into buckets and leaves gaps as gaps', () => {
    const t5 = tier('5m');
    const start = 1_790_006_400; // a day boundary
    const buckets = rollUp(t5, start, [
      { t: start + 10, b: sampleBucket(4) },
      { t: start + 70, b: sampleBucket(8) },
      { t: start + 900, b: sampleBucket(1) },
      { t: start - 1, b: sampleBucket(99) }, // outside
    ]);
    expect(buckets).toHaveLength(288);
    expect(buckets[0]).toEqual({ min: 4, max: 8, sum: 12, count: 2 });
    expect(buckets[1]).toBeNull();
    expect(buckets[3]).toEqual({ min: 1, max: 1, sum: 1, count: 1 });
  });

  it('picks the finest tier that holds the start and fits the points', () => {
    const now = 1_800_000_000;
    const pick = (spanS: number) => chooseTier(now - spanS, now, now, 1000, 60).name;
    expect(pick(3600)).toBe('raw');
    expect(pick(86_400)).toBe('5m');
    expect(pick(7 * 86_400)).toBe('1h');
    expect(pick(30 * 86_400)).toBe('1h');
    expect(pick(365 * 86_400)).toBe('1d');
    // A short range long ago: raw is gone, the 5-minute tier still has it.
    expect(chooseTier(now - 20 * 86_400, now - 20 * 86_400 + 3600, now, 1000, 60).name).toBe('5m');
    expect(TIERS.map((t) => t.name)).toEqual(['raw', '5m', '1h', '1d']);
  });
});
