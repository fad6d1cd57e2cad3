/**
 * Bit-level writer and reader for the metrics chunks. Values are written most significant bit
 * first, at most 32 bits per call, so every operation stays in 32-bit integer arithmetic.
 */
export class BitWriter {
  private buf: Uint8Array;
  private bytePos = 0;
  /** Bits already used in buf[bytePos] (0..7). */
  private bitPos = 0;

  constructor(initialBytes = 64) {
    this.buf = new Uint8Array(Math.max(8, initialBytes));
  }

  /** Writes the low `n` bits of `value` (0 ≤ n ≤ 32). */
  write(value: number, n: number): void {
    if (n === 0) return;
    this.reserve(n);
    let left = n;
    while (left > 0) {
      const room = 8 - this.bitPos;
      const take = Math.min(room, left);
      const shift = left - take;
      const bits = ((value >>> shift) & ((1 << take) - 1)) >>> 0;
      this.buf[this.bytePos]! |= bits << (room - take);
      this.bitPos += take;
      left -= take;
      if (this.bitPos === 8) {
        this.bitPos = 0;
        this.bytePos += 1;
      }
    }
  }

  bit(b: boolean | number): void {
    this.write(b ? 1 : 0, 1);
  }

  /** Unsigned integer up to 2^53, 7 bits per group with a continuation bit (small is short). */
  varuint(v: number): void {
    let x = v;
    while (x >= 0x80) {
      this.write(0x80 | (x % 0x80), 8);
      x = Math.floor(x / 0x80);
    }
    this.write(x, 8);
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.bytePos + (this.bitPos > 0 ? 1 : 0));
  }

  private reserve(bits: number): void {
    const need = this.bytePos + Math.ceil((this.bitPos + bits) / 8) + 1;
    if (need <= this.buf.length) return;
    const next = new Uint8Array(Math.max(need, this.buf.length * 2));
    next.set(this.buf);
    this.buf = next;
  }
}

export class BitReader {
  private bytePos = 0;
  private bitPos = 0;
  constructor(private readonly buf: Uint8Array) {}

  /** Reads `n` bits (0 ≤ n ≤ 32) as an unsigned number; throws past the end (a corrupt chunk). */
  read(n: number): number {
    let out = 0;
    let left = n;
    while (left > 0) {
      if (this.bytePos >= this.buf.length) throw new RangeError('chunk ends early');
      const room = 8 - this.bitPos;
      const take = Math.min(room, left);
      const bits = (this.buf[this.bytePos]! >>> (room - take)) & ((1 << take) - 1);
      out = out * (1 << take) + bits;
      this.bitPos += take;
      left -= take;
      if (this.bitPos === 8) {
        this.bitPos = 0;
        this.bytePos += 1;
      }
    }
    return out;
  }

  bit(): boolean {
    return this.read(1) === 1;
  }

  varuint(): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.read(8);
      v += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return v;
      mul *= 0x80;
    }
    throw new RangeError('varuint too long');
  }
}
