/**
 * The Prometheus text format (0.0.4) for the large per-device families, written directly into
 * bytes. A 1,000-device site has some 170,000 interface samples: prom-client's Gauge (an object
 * per label set, labels formatted and escaped again on every scrape) takes seconds for that on the
 * box, and even plain string building spends most of its time joining and encoding 17 MB of text.
 * Here each device's label sets are encoded once (see interface-labels.ts) and every line is
 * byte copies plus a formatted number. prom-client still renders every other family; this only
 * has to agree with it on the format.
 */

/** Longest label value written; longer values (an odd interface or volume name) are cut. */
export const MAX_LABEL_LENGTH = 128;

const encoder = new TextEncoder();
const SPACE = 0x20;
const NEWLINE = 0x0a;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const POWERS = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];

/** The decimal digits of a whole number 0 ≤ n ≤ 2^53 at buf[o…]; returns the new end. */
function writeDigits(buf: Uint8Array, o: number, n: number): number {
  if (n === 0) {
    buf[o] = ZERO;
    return o + 1;
  }
  let end = o;
  for (let m = n; m >= 1; m = Math.floor(m / 10)) end += 1;
  for (let i = end - 1, m = n; i >= o; i--, m = Math.floor(m / 10)) buf[i] = ZERO + (m % 10);
  return end;
}

/** A label value as the text format needs it: backslash, double quote and line feed escaped. */
export function escapeLabel(value: string): string {
  const v = value.length > MAX_LABEL_LENGTH ? value.slice(0, MAX_LABEL_LENGTH) : value;
  return /[\\"\n]/.test(v)
    ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
    : v;
}

/** `{a="x",b="y"}` from label pairs in the order given (names are ours, so never escaped). */
export function labelSet(pairs: ReadonlyArray<readonly [string, string]>): string {
  if (pairs.length === 0) return '';
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

/**
 * A sample value: whole numbers as they are, others rounded to `digits` decimals (stored values
 * carry float noise that would only make the page longer); NaN and infinities spelled as
 * Prometheus reads them.
 */
export function formatSample(value: number, digits = 6): string {
  if (Number.isInteger(value)) return String(value);
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  const f = 10 ** digits;
  return String(Math.round(value * f) / f);
}

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/**
 * Label sets encoded once, each a view into one shared buffer: copying a view costs no
 * allocation, which matters at 170,000 lines a scrape.
 */
export function encodeLabelSets(sets: readonly string[]): Uint8Array[] {
  const parts = sets.map(utf8);
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  return parts.map((p) => {
    bytes.set(p, o);
    o += p.length;
    return bytes.subarray(o - p.length, o);
  });
}

/** A growing byte buffer holding one exposition page (or its per-device part). */
export class ExpositionWriter {
  private buf: Buffer;
  private len = 0;

  /** Writes into `into` (a pooled buffer, contents ignored) or a new one of `into` bytes. */
  constructor(into: Buffer | number = 1 << 20) {
    // Uninitialised memory is fine: every byte up to `len` is written before it is read.
    this.buf = typeof into === 'number' ? Buffer.allocUnsafe(Math.max(1024, into)) : into;
  }

  /** The whole buffer written into (it was replaced by a larger one if the page outgrew it). */
  get buffer(): Buffer {
    return this.buf;
  }

  get length(): number {
    return this.len;
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private copy(src: Uint8Array): void {
    this.room(src.length);
    this.buf.set(src, this.len);
    this.len += src.length;
  }

  /**
   * A sample value, as formatSample spells it, written digit by digit: formatting numbers into
   * strings first would be most of the cost of a page.
   */
  private number(value: number, digits: number): void {
    const f = POWERS[digits];
    const rounded = f === undefined ? Number.NaN : Math.round(value * f);
    const scaled = Math.abs(rounded);
    // Up to 15 significant digits a double spells exactly as written; past that (and for NaN
    // and infinities) formatSample decides.
    if (!(scaled < 1e15)) {
      this.ascii(formatSample(value, digits));
      return;
    }
    this.room(24);
    const buf = this.buf;
    if (rounded < 0) buf[this.len++] = MINUS;
    const whole = Math.floor(scaled / f!);
    let fraction = scaled - whole * f!;
    this.len = writeDigits(buf, this.len, whole);
    if (fraction === 0) return;
    let places = digits;
    while (fraction % 10 === 0) {
      fraction /= 10;
      places -= 1;
    }
    buf[this.len++] = DOT;
    // Leading zeros of the fraction (0.05 → "05"), then its digits.
    for (let p = places - 1; p > 0 && fraction < POWERS[p]!; p--) buf[this.len++] = ZERO;
    this.len = writeDigits(buf, this.len, fraction);
  }

  /** Text that is ASCII for certain (metric names, numbers). */
  private ascii(s: string): void {
    this.room(s.length);
    const buf = this.buf;
    let o = this.len;
    for (let i = 0; i < s.length; i++) buf[o++] = s.charCodeAt(i);
    this.len = o;
  }

  /** Any text, UTF-8 encoded. */
  text(s: string): void {
    this.room(s.length * 3);
    this.len += encoder.encodeInto(s, this.buf.subarray(this.len)).written;
  }

  /** The HELP and TYPE lines that open a family. */
  family(name: string, help: string, type: 'gauge' | 'counter' = 'gauge'): void {
    const escaped = help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
    this.text(`# HELP ${name} ${escaped}\n# TYPE ${name} ${type}\n`);
  }

  /** One line from encoded parts: the family's name, a label set, then the value. */
  line(name: Uint8Array, labels: Uint8Array, value: number, digits: number): void {
    this.copy(name);
    this.copy(labels);
    this.room(1);
    this.buf[this.len++] = SPACE;
    this.number(value, digits);
    this.room(1);
    this.buf[this.len++] = NEWLINE;
  }

  /** One line from text (families with a sample or a few per device). */
  textLine(name: string, labels: string, value: number, digits = 6): void {
    this.text(`${name}${labels} `);
    this.number(value, digits);
    this.room(1);
    this.buf[this.len++] = NEWLINE;
  }

  /** The bytes written (a view, not a copy: the writer must not be used afterwards). */
  finish(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}
