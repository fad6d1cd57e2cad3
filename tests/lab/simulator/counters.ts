/**
 * Counters that move with time. A counter's value is a pure function of the elapsed time (the
 * integral of a rate that swings around its mean), so it never goes backwards, needs no timer and
 * survives a rebuild of the MIB. Counter32 objects are that total modulo 2^32, exactly like a
 * device whose 64-bit hardware counter is also exposed as ifHC*.
 */

export const TWO_POW_32 = 4294967296;

/** A rate in units per second: mean * (1 + swing * sin(2πt / period + phase)). */
export interface Rate {
  mean: number;
  /** 0..1: how far the rate swings around its mean (below 1 it never stops). */
  swing: number;
  periodS: number;
  phase: number;
}

/** Units counted from 0 to `seconds` at this rate: monotonic, exact integer, ≥ 0. */
export function total(rate: Rate, seconds: number): number {
  if (rate.mean <= 0 || seconds <= 0) return 0;
  const w = (2 * Math.PI) / rate.periodS;
  const wave = (rate.swing / w) * (Math.cos(rate.phase) - Math.cos(w * seconds + rate.phase));
  return Math.max(0, Math.floor(rate.mean * (seconds + wave)));
}

/** The Counter32 view of a total: wraps to 0 after 2^32 - 1. */
export function counter32(value: number): number {
  return value % TWO_POW_32;
}

/** Gauge32 values saturate instead of wrapping (RFC 2578 7.1.7). */
export function gauge32(value: number): number {
  return Math.min(Math.max(0, Math.round(value)), TWO_POW_32 - 1);
}

/**
 * A Counter64 value as net-snmp's agent writes it: the raw content octets of the BER integer.
 * net-snmp copies the Buffer verbatim, so it must already be the minimal two's-complement
 * encoding of an unsigned number (a leading 0x00 when the top bit is set, 1 to 9 octets).
 */
export function counter64(value: number | bigint): Buffer {
  // Totals are JS numbers below 2^53: encoded without BigInt (answering a poll of 1,000 agents
  // encodes a few hundred thousand of these).
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
    const bytes: number[] = [];
    let n = value;
    do {
      bytes.unshift(n % 256);
      n = Math.floor(n / 256);
    } while (n > 0);
    if (bytes[0]! & 0x80) bytes.unshift(0);
    return Buffer.from(bytes);
  }
  let v = BigInt(value) % (1n << 64n);
  if (v < 0n) v += 1n << 64n;
  const bytes: number[] = [];
  do {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  } while (v > 0n);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return Buffer.from(bytes);
}

/** Decodes what counter64() encodes (for tests and for net-snmp clients, which return Buffers). */
export function fromCounter64(buf: Buffer): bigint {
  let v = 0n;
  for (const b of buf) v = (v << 8n) | BigInt(b);
  return v;
}

/** sysUpTime-style TimeTicks (hundredths of a second) for a duration, wrapping like a Counter32. */
export function timeTicks(ms: number): number {
  return Math.floor(Math.max(0, ms) / 10) % TWO_POW_32;
}
