import { BitReader, BitWriter } from './bits.js';

/**
 * Compact encodings of metric chunks (after Facebook's Gorilla paper):
 * - timestamps (whole seconds) as delta-of-delta: a regular poll costs one bit per sample;
 * - values as the XOR with the previous value, written as its meaningful bits only.
 *
 * Values are rounded to single-word precision first: the high 32 bits of the IEEE-754 double
 * (sign, exponent and 20 mantissa bits, a relative error below 5e-7). A monitoring chart cannot
 * show more, integers up to 2^21 stay exact, and the XOR then works on one 32-bit word.
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// Which of the two 32-bit halves holds the sign and exponent depends on the machine's byte order.
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

/** The stored 32-bit word of a value (rounded to nearest). Not finite values are not stored. */
export function toWord(v: number): number {
  f64[0] = v;
  let hi = u32[HI]!;
  // Round half up on the dropped 32 bits; a carry into the exponent is the correct rounding.
  if (u32[LO]! >= 0x80000000 && (hi & 0x7fffffff) !== 0x7fefffff) hi = (hi + 1) >>> 0;
  return hi;
}

export function fromWord(w: number): number {
  u32[HI] = w;
  u32[LO] = 0;
  return f64[0]!;
}

/** The value as it will read back from the store. */
export function quantize(v: number): number {
  return fromWord(toWord(v));
}

/** XOR stream of 32-bit words; the encoder and decoder share this state machine. */
class XorEncoder {
  private prev = 0;
  private lead = -1;
  private len = 0;
  private first = true;
  constructor(private readonly w: BitWriter) {}
  put(word: number): void {
    if (this.first) {
      this.w.write(word, 32);
      this.prev = word;
      this.first = false;
      return;
    }
    const x = (word ^ this.prev) >>> 0;
    this.prev = word;
    if (x === 0) {
      this.w.bit(0);
      return;
    }
    this.w.bit(1);
    const lead = Math.clz32(x);
    const trail = 31 - Math.clz32(x & -x);
    const len = 32 - lead - trail;
    if (this.lead >= 0 && lead >= this.lead && 32 - trail <= this.lead + this.len) {
      // Fits inside the previous window: reuse it.
      this.w.bit(0);
      const shift = 32 - this.lead - this.len;
      this.w.write(x >>> shift, this.len);
      return;
    }
    this.w.bit(1);
    this.w.write(Math.min(lead, 31), 5);
    this.w.write(len - 1, 5);
    this.w.write(x >>> trail, len);
    this.lead = lead;
    this.len = len;
  }
}

class XorDecoder {
  private prev = 0;
  private lead = 0;
  private len = 0;
  private first = true;
  constructor(private readonly r: BitReader) {}
  next(): number {
    if (this.first) {
      this.first = false;
      this.prev = this.r.read(32);
      return this.prev;
    }
    if (!this.r.bit()) return this.prev;
    if (this.r.bit()) {
      this.lead = this.r.read(5);
      this.len = this.r.read(5) + 1;
    }
    const bits = this.r.read(this.len);
    const shift = 32 - this.lead - this.len;
    if (shift < 0) throw new RangeError('corrupt value stream');
    const x = shift >= 32 ? 0 : (bits * 2 ** shift) >>> 0;
    this.prev = (this.prev ^ x) >>> 0;
    return this.prev;
  }
}

// ---- timestamps -------------------------------------------------------------------------

/** Whole-second timestamps, ascending. */
export function encodeTimes(times: readonly number[]): Uint8Array {
  const w = new BitWriter(8 + times.length);
  w.varuint(times.length);
  if (times.length === 0) return w.bytes();
  w.varuint(times[0]!);
  let prev = times[0]!;
  let prevDelta = 0;
  for (let i = 1; i < times.length; i++) {
    const delta = times[i]! - prev;
    if (delta < 0) throw new RangeError('timestamps must ascend');
    const dod = delta - prevDelta;
    if (dod === 0) w.bit(0);
    else if (dod >= -63 && dod <= 64) {
      w.write(0b10, 2);
      w.write(dod + 63, 7);
    } else if (dod >= -255 && dod <= 256) {
      w.write(0b110, 3);
      w.write(dod + 255, 9);
    } else if (dod >= -2047 && dod <= 2048) {
      w.write(0b1110, 4);
      w.write(dod + 2047, 12);
    } else {
      w.write(0b1111, 4);
      w.write(delta >>> 0, 32);
    }
    prev = times[i]!;
    prevDelta = delta;
  }
  return w.bytes();
}

export function decodeTimes(buf: Uint8Array): number[] {
  const r = new BitReader(buf);
  const n = r.varuint();
  if (n === 0) return [];
  if (n > 10_000_000) throw new RangeError('corrupt time column');
  const out = new Array<number>(n);
  out[0] = r.varuint();
  let prevDelta = 0;
  for (let i = 1; i < n; i++) {
    // The number of leading 1 bits (0 to 4) says which bucket the delta-of-delta is in.
    let ones = 0;
    while (ones < 4 && r.bit()) ones += 1;
    let delta: number;
    if (ones === 0) delta = prevDelta;
    else if (ones === 1) delta = prevDelta + r.read(7) - 63;
    else if (ones === 2) delta = prevDelta + r.read(9) - 255;
    else if (ones === 3) delta = prevDelta + r.read(12) - 2047;
    else delta = r.read(32);
    out[i] = out[i - 1]! + delta;
    prevDelta = delta;
  }
  return out;
}

// ---- a value column beside a time column -------------------------------------------------

/**
 * Values of one series for the rows of a time column; `null` where the series has no value in
 * that row (the column stores a presence bitmap only when there are such gaps).
 */
export function encodeValues(values: ReadonlyArray<number | null>): Uint8Array {
  const w = new BitWriter(4 + values.length * 2);
  w.varuint(values.length);
  const dense = values.every((v) => v !== null && Number.isFinite(v));
  w.bit(dense);
  if (!dense) for (const v of values) w.bit(v !== null && Number.isFinite(v));
  const x = new XorEncoder(w);
  for (const v of values) if (v !== null && Number.isFinite(v)) x.put(toWord(v));
  return w.bytes();
}

export function decodeValues(buf: Uint8Array): Array<number | null> {
  const r = new BitReader(buf);
  const n = r.varuint();
  if (n > 10_000_000) throw new RangeError('corrupt value column');
  const dense = r.bit();
  const present: boolean[] = new Array<boolean>(n);
  for (let i = 0; i < n; i++) present[i] = dense ? true : r.bit();
  const x = new XorDecoder(r);
  const out = new Array<number | null>(n);
  for (let i = 0; i < n; i++) out[i] = present[i] ? fromWord(x.next()) : null;
  return out;
}

// ---- rollup buckets ----------------------------------------------------------------------

/** One bucket of a rollup tier: the samples it summarises. `count` 0 = no data (a gap). */
export interface Bucket {
  min: number;
  max: number;
  /** Sum of the samples, so that coarser tiers average correctly. */
  sum: number;
  count: number;
}

/** A window's buckets in order; `null` buckets are gaps. */
export function encodeBuckets(buckets: ReadonlyArray<Bucket | null>): Uint8Array {
  const w = new BitWriter(8 + buckets.length * 4);
  w.varuint(buckets.length);
  for (const b of buckets) w.bit(b !== null && b.count > 0);
  const present = buckets.filter((b): b is Bucket => b !== null && b.count > 0);
  // Polled no more often than the bucket width, every bucket holds one sample: min = max = sum
  // and count = 1, so one value stream says it all.
  const singles = present.every((b) => b.count === 1 && b.min === b.sum && b.max === b.sum);
  w.bit(singles);
  for (const field of singles ? (['sum'] as const) : (['min', 'max', 'sum', 'count'] as const)) {
    const x = new XorEncoder(w);
    for (const b of present) x.put(toWord(b[field]));
  }
  return w.bytes();
}

export function decodeBuckets(buf: Uint8Array): Array<Bucket | null> {
  const r = new BitReader(buf);
  const n = r.varuint();
  if (n > 1_000_000) throw new RangeError('corrupt rollup chunk');
  const present: number[] = [];
  for (let i = 0; i < n; i++) if (r.bit()) present.push(i);
  const singles = r.bit();
  const cols: Record<'min' | 'max' | 'sum' | 'count', number[]> = {
    min: [],
    max: [],
    sum: [],
    count: [],
  };
  for (const field of singles ? (['sum'] as const) : (['min', 'max', 'sum', 'count'] as const)) {
    const x = new XorDecoder(r);
    for (let i = 0; i < present.length; i++) cols[field].push(fromWord(x.next()));
  }
  if (singles) {
    cols.min = cols.sum;
    cols.max = cols.sum;
    cols.count = cols.sum.map(() => 1);
  }
  const out = new Array<Bucket | null>(n).fill(null);
  present.forEach((idx, i) => {
    out[idx] = {
      min: cols.min[i]!,
      max: cols.max[i]!,
      sum: cols.sum[i]!,
      count: cols.count[i]!,
    };
  });
  return out;
}
