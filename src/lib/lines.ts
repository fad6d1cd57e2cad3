/**
 * Lines of a child's output, read as bytes: the split happens before any decoding, so a reader
 * that looks at a line's first bytes and keeps few lines decodes (and allocates) only those.
 */

export interface LineOptions {
  /** The bytes that end a line; default `\n` only. At most two. */
  separators?: readonly number[];
  /** A longer line is handed over in pieces of this many bytes. Default 64 KiB. */
  maxLineBytes?: number;
  /**
   * One line, without its separator: bytes `start` to `end` of `chunk`. The bytes are only valid
   * during the call (keep a copy, not the buffer). Lines are not decoded: most callers look at a
   * few bytes and decode only what they keep.
   */
  onLine: (chunk: Buffer, start: number, end: number) => void;
  /**
   * After each chunk, the unfinished line it ends with (it comes again, whole, through `onLine`):
   * for a program that ends a status line with the separator of the next one, like rsync's
   * `\r`-led progress.
   */
  onPartial?: (chunk: Buffer, start: number, end: number) => void;
}

/**
 * Splits a byte stream into lines without decoding it and without copying whole chunks: only a
 * line that straddles two chunks is copied. Separators are found with `indexOf` (memchr), the
 * next position of each separator is remembered, so a chunk is scanned once whatever the mix.
 */
export class LineSplitter {
  private readonly sepA: number;
  private readonly sepB: number;
  private readonly max: number;
  private pending: Buffer | undefined;

  constructor(private readonly opts: LineOptions) {
    const seps = opts.separators ?? [10];
    if (seps.length < 1 || seps.length > 2) throw new RangeError('one or two separators');
    this.sepA = seps[0]!;
    this.sepB = seps[1] ?? seps[0]!;
    this.max = Math.max(1, opts.maxLineBytes ?? 64 * 1024);
  }

  feed(chunk: Buffer): void {
    let pos = 0;
    if (this.pending) {
      // Only the straddling line is joined: find its end first, then copy just that much.
      const end = this.nextSeparator(chunk, 0);
      if (end < 0) {
        this.pending = Buffer.concat([this.pending, chunk]);
        this.keepPending();
        return;
      }
      const line = Buffer.concat([this.pending, chunk.subarray(0, end)]);
      this.pending = undefined;
      this.emit(line, 0, line.length);
      pos = end + 1;
    }
    const two = this.sepB !== this.sepA;
    let nextA = chunk.indexOf(this.sepA, pos);
    let nextB = two ? chunk.indexOf(this.sepB, pos) : -1;
    for (;;) {
      const end = nextB < 0 ? nextA : nextA < 0 ? nextB : Math.min(nextA, nextB);
      if (end < 0) break;
      this.emit(chunk, pos, end);
      pos = end + 1;
      // Only the separator just used is looked up again; the other one is still ahead.
      if (nextA === end) nextA = chunk.indexOf(this.sepA, pos);
      else if (nextB === end) nextB = chunk.indexOf(this.sepB, pos);
    }
    if (pos < chunk.length) {
      this.pending = Buffer.from(chunk.subarray(pos));
      this.keepPending();
    }
  }

  /** Hands over the last line when it has no separator. */
  end(): void {
    const rest = this.pending;
    this.pending = undefined;
    if (rest && rest.length > 0) this.opts.onLine(rest, 0, rest.length);
  }

  private emit(buf: Buffer, start: number, end: number): void {
    for (let s = start; ; s += this.max) {
      if (end - s <= this.max) {
        this.opts.onLine(buf, s, end);
        return;
      }
      this.opts.onLine(buf, s, s + this.max);
    }
  }

  private nextSeparator(buf: Buffer, from: number): number {
    const a = buf.indexOf(this.sepA, from);
    if (this.sepB === this.sepA) return a;
    const b = buf.indexOf(this.sepB, from);
    return a < 0 ? b : b < 0 ? a : Math.min(a, b);
  }

  /** Hands over whole pieces of an overlong unfinished line, then shows what is left. */
  private keepPending(): void {
    const p = this.pending!;
    const whole = p.length - (p.length % this.max);
    for (let s = 0; s < whole; s += this.max) this.opts.onLine(p, s, s + this.max);
    this.pending = whole === 0 ? p : whole < p.length ? Buffer.from(p.subarray(whole)) : undefined;
    if (this.pending) this.opts.onPartial?.(this.pending, 0, this.pending.length);
  }
}
