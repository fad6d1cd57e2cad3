/**
 * Byte-aligned variable-length integers for stored records (open rows, series indexes): 7 bits a
 * byte, least significant group first, the top bit set on every byte but the last.
 */

/** Writes an unsigned integer below 2^53 at `o`; returns the next offset. At most 8 bytes. */
export function putVaruint(buf: Uint8Array, o: number, v: number): number {
  let x = v;
  while (x >= 0x80) {
    buf[o++] = 0x80 | (x % 0x80);
    x = Math.floor(x / 0x80);
  }
  buf[o++] = x;
  return o;
}

/** A signed integer as an unsigned one, small either side of zero: 0, −1, 1, −2 → 0, 1, 2, 3. */
export const zigzag = (v: number): number => (v >= 0 ? v * 2 : -v * 2 - 1);
export const unzigzag = (z: number): number => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

/**
 * Reads a record written with putVaruint and friends. Never throws: a read past the end or a
 * varuint longer than 7 bytes gives −1, and the reader stays at the end (every later read is
 * −1 too), so that a damaged record reads as what came before the damage.
 */
export class ByteReader {
  constructor(
    readonly buf: Uint8Array,
    public o = 0,
  ) {}

  get left(): number {
    return this.buf.length - this.o;
  }

  varuint(): number {
    const { buf } = this;
    let x = 0;
    for (let mul = 1; this.o < buf.length && mul < 2 ** 49; mul *= 0x80) {
      const b = buf[this.o++]!;
      x += (b & 0x7f) * mul;
      if (b < 0x80) return x;
    }
    this.o = buf.length;
    return -1;
  }

  /** `n` bytes (a view, not a copy), or undefined when fewer are left. */
  bytes(n: number): Uint8Array | undefined {
    if (n < 0 || n > this.left) {
      this.o = this.buf.length;
      return undefined;
    }
    const out = this.buf.subarray(this.o, this.o + n);
    this.o += n;
    return out;
  }
}
