import { ByteReader, putVaruint, unzigzag, zigzag } from './byte-codec.js';
import { toWord, fromWord } from './series-codec.js';

/**
 * Open rows: one poll's values of one device and source, kept until their hour is sealed into
 * chunks (series-codec). A 1,000-device site writes one row a device a minute, so their size is
 * what LevelDB writes, flushes and compacts all day (on a box that may run from an SD card).
 *
 * Format 2 (written since 2026-11-27):
 *
 *   02 ff ff ff     marker (a format-1 row starting so would declare 4,294,967,042 values)
 *   varuint n       the number of values
 *   n × varuint     each column as zigzag(col − (previous col + 1)), the first against −1: one
 *                   byte a column while they are consecutive, as a poll's are
 *   ⌈n/4⌉ bytes     each value's size class, two bits, the first value in the low bits
 *   the values      each its stored 32-bit word (`toWord`: what every read returns anyway),
 *                   most significant byte first: class 0 is the word 0 (no bytes), class 1 its
 *                   top byte, class 2 its top two bytes, class 3 all four
 *
 * Zero (errors, discards), small integers and round numbers (a status, a percentage) take one
 * or two bytes; a poll of a 24-port switch is about a third of format 1's 12 bytes a value.
 *
 * Format 1 (read only): u32le n, then n × (u32le column, f64le value).
 *
 * Decoding never throws. A row cut short reads as the values before the cut (the rest a gap), or
 * as empty when its columns are cut; changed bytes may read as other values (LevelDB checksums its
 * blocks, so that takes damage it did not see). Versions before format 2 read a format-2 row as
 * garbage: rolling back to one would misread the open hour (README, Upgrades).
 */

const MARKER = [0x02, 0xff, 0xff, 0xff] as const;
const HEADER = MARKER.length;

const SCRATCH_KEPT = 64 * 1024;
let scratch = new Uint8Array(4096);

function reserve(bytes: number): void {
  if (bytes > scratch.length)
    scratch = new Uint8Array(Math.min(SCRATCH_KEPT, Math.max(bytes, scratch.length * 2)));
}

const classOf = (w: number) =>
  w === 0 ? 0 : (w & 0xffffff) === 0 ? 1 : (w & 0xffff) === 0 ? 2 : 3;
const WIDTH = [0, 1, 2, 4] as const;

/** A row of `cols[i]` = `vals[i]` (finite values; they are stored as `quantize` returns them). */
export function encodeRow(cols: ArrayLike<number>, vals: ArrayLike<number>): Uint8Array {
  const n = cols.length;
  // marker, count, columns (at most 5 bytes each), classes, values
  const most = HEADER + 8 + n * 5 + Math.ceil(n / 4) + n * 4;
  // A huge row (a stack of thousands of ports) gets space of its own rather than growing the
  // scratch space kept for good.
  if (most > SCRATCH_KEPT) return encodeInto(new Uint8Array(most), cols, vals);
  reserve(most);
  return encodeInto(scratch, cols, vals);
}

function encodeInto(buf: Uint8Array, cols: ArrayLike<number>, vals: ArrayLike<number>): Uint8Array {
  const n = cols.length;
  buf.set(MARKER, 0);
  let o = putVaruint(buf, HEADER, n);
  let prev = -1;
  for (let i = 0; i < n; i++) {
    o = putVaruint(buf, o, zigzag(cols[i]! - (prev + 1)));
    prev = cols[i]!;
  }
  const classesAt = o;
  o += Math.ceil(n / 4);
  buf.fill(0, classesAt, o);
  for (let i = 0; i < n; i++) {
    const w = toWord(vals[i]!);
    const c = classOf(w);
    buf[classesAt + (i >> 2)]! |= c << ((i & 3) * 2);
    if (c === 0) continue;
    buf[o++] = w >>> 24;
    if (c === 1) continue;
    buf[o++] = (w >>> 16) & 0xff;
    if (c === 2) continue;
    buf[o++] = (w >>> 8) & 0xff;
    buf[o++] = w & 0xff;
  }
  // Buffer.allocUnsafe shares Node's 8 KiB pool among small rows (one ArrayBuffer, not a thousand).
  const out = Buffer.allocUnsafe(o);
  out.set(buf.subarray(0, o));
  return out;
}

function isFormat2(buf: Uint8Array): boolean {
  return buf.length >= HEADER && MARKER.every((b, i) => buf[i] === b);
}

/**
 * Calls `each(col, value)` for every value of a row, in the row's order; stops at damage.
 * Format 2 values come back as stored (quantized); format 1 values as they were written.
 */
export function forEachInRow(buf: Uint8Array, each: (col: number, value: number) => void): void {
  if (!isFormat2(buf)) return forEachFormat1(buf, each);
  const end = buf.length;
  const r = new ByteReader(buf, HEADER);
  const n = r.varuint();
  // Every column takes a byte at least: a count beyond what is left is damage, and so is a
  // column that cannot be read (the values cannot be found without all of them).
  if (n < 0 || n > r.left) return;
  const cols = new Array<number>(n);
  let prev = -1;
  for (let i = 0; i < n; i++) {
    const z = r.varuint();
    const col = prev + 1 + unzigzag(z);
    if (z < 0 || col < 0 || col > 0xffffffff) return;
    cols[i] = prev = col;
  }
  let o = r.o;
  const classesAt = o;
  o += Math.ceil(n / 4);
  if (o > end) return;
  for (let i = 0; i < n; i++) {
    const c = (buf[classesAt + (i >> 2)]! >> ((i & 3) * 2)) & 3;
    const width = WIDTH[c]!;
    if (o + width > end) return;
    let w = 0;
    for (let k = 0; k < width; k++) w = w * 256 + buf[o + k]!;
    o += width;
    each(cols[i]!, fromWord(w * 2 ** (8 * (4 - width))));
  }
}

function forEachFormat1(buf: Uint8Array, each: (col: number, value: number) => void): void {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  // A row too short to hold its count is damaged: it reads as empty (a gap), never as an error.
  const n = b.length >= 4 ? b.readUInt32LE(0) : 0;
  for (let i = 0, o = 4; i < n && o + 12 <= b.length; i++, o += 12)
    each(b.readUInt32LE(o), b.readDoubleLE(o + 4));
}

/** A row as column → value. */
export function decodeRow(buf: Uint8Array): Map<number, number> {
  const out = new Map<number, number>();
  forEachInRow(buf, (c, v) => out.set(c, v));
  return out;
}

/** One column's value in a row, or undefined. */
export function rowValue(buf: Uint8Array, col: number): number | undefined {
  let found: number | undefined;
  forEachInRow(buf, (c, v) => {
    if (c === col) found = v;
  });
  return found;
}
