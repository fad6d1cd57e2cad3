/**
 * The BER codec of our SNMPv1/v2c client (pure): encodes GetRequest, GetNextRequest and
 * GetBulkRequest messages and decodes the GetResponse that answers them.
 *
 * Why not net-snmp's: it rebuilds every OID for every request and every response (a dotted
 * string split into an array of numbers, an array of bytes, a string joined back), about 1.3 GB
 * of garbage per poll cycle of 1,000 devices, which the appliance's heap had to make room for.
 * Here a request's OIDs are encoded once and cached, a response's OIDs are compared with the
 * request's bytes (a GET answers the OIDs it was asked, so the request's own strings are reused)
 * and only new ones become strings, written digit by digit into one scratch buffer.
 *
 * The decoder reads what any device on the LAN may send: every length is checked against its
 * container, nothing recurses (a varbind's value is skipped by its length, never descended
 * into), nothing allocates more than the datagram holds, and no exception leaves it: a
 * malformed message is `undefined` or a reader whose `error` is set.
 */
import type { Varbind } from './types.js';

export const TAG = {
  integer: 0x02,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  sequence: 0x30,
  ipAddress: 0x40,
  counter32: 0x41,
  gauge32: 0x42,
  timeTicks: 0x43,
  opaque: 0x44,
  counter64: 0x46,
  noSuchObject: 0x80,
  noSuchInstance: 0x81,
  endOfMibView: 0x82,
  getRequest: 0xa0,
  getNextRequest: 0xa1,
  getResponse: 0xa2,
  getBulkRequest: 0xa5,
} as const;

/** SNMP's message version field: 0 for v1, 1 for v2c. */
export const VERSION = { '1': 0, '2c': 1 } as const;

export type RequestTag =
  typeof TAG.getRequest | typeof TAG.getNextRequest | typeof TAG.getBulkRequest;

/** RFC 3416: an OID has at most 128 sub-identifiers, each below 2^32. */
const MAX_ARCS = 128;
/** The largest UDP payload over IPv4. */
export const MAX_MESSAGE = 65507;

// ---------------------------------------------------------------------------------------------
// OIDs

/**
 * The content octets of an OID (no tag, no length), or undefined when the string is not a
 * dotted OID that SNMP can carry (at least two arcs, the first 0–2, each below 2^32).
 */
export function encodeOid(oid: string): Buffer | undefined {
  const n = oid.length;
  let arcs = 0;
  let first = 0;
  let size = 0;
  let value = -1;
  // Two passes over the characters (measure, then write): no array of numbers in between.
  for (let i = 0; i <= n; i++) {
    const c = i < n ? oid.charCodeAt(i) : 0x2e;
    if (c >= 0x30 && c <= 0x39) {
      // a leading zero is allowed only as the whole arc ("0"), as in "1.3.6.1.2.1.1.0"
      if (value === 0) return undefined;
      value = (value < 0 ? 0 : value * 10) + (c - 0x30);
      if (value > 0xffffffff) return undefined;
      continue;
    }
    if (c !== 0x2e || value < 0) return undefined;
    if (++arcs > MAX_ARCS) return undefined;
    if (arcs === 1) {
      if (value > 2) return undefined;
      first = value;
    } else if (arcs === 2) {
      if (first < 2 && value >= 40) return undefined;
      size += arcSize(first * 40 + value);
    } else {
      size += arcSize(value);
    }
    value = -1;
  }
  if (arcs < 2) return undefined;
  const out = Buffer.allocUnsafe(size);
  writeOidArcs(oid, out, 0);
  return out;
}

/** Bytes of one sub-identifier in base 128. */
function arcSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** Writes a validated dotted OID's sub-identifiers at `pos`; returns the end. */
function writeOidArcs(oid: string, out: Buffer, pos: number): number {
  const n = oid.length;
  let arcs = 0;
  let first = 0;
  let value = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? oid.charCodeAt(i) : 0x2e;
    if (c !== 0x2e) {
      value = value * 10 + (c - 0x30);
      continue;
    }
    arcs++;
    if (arcs === 1) first = value;
    else {
      let v = arcs === 2 ? first * 40 + value : value;
      const len = arcSize(v);
      // base 128, most significant group first, the high bit set on all but the last byte
      for (let k = len - 1; k >= 0; k--) {
        out[pos + k] = (v % 0x80) | (k === len - 1 ? 0 : 0x80);
        v = Math.floor(v / 0x80);
      }
      pos += len;
    }
    value = 0;
  }
  return pos;
}

/**
 * Encoded OIDs by their dotted string. The poller asks the same few hundred OID strings of every
 * device every cycle; encoding them once saves the parse. Bounded (a scan's walk continuations
 * are not cached at all, see the client), and emptied when full rather than tracking use. The
 * encodings live in shared chunks of their own: a pooled Buffer.allocUnsafe would pin an 8 KiB
 * pool slab per cached OID.
 */
export class OidCache {
  private readonly map = new Map<string, Buffer>();
  private chunk = Buffer.allocUnsafeSlow(0);
  private used = 0;

  constructor(private readonly maxEntries = 8192) {}

  get size(): number {
    return this.map.size;
  }

  /** The encoding of `oid`, or undefined when it is not an OID. */
  get(oid: string): Buffer | undefined {
    const hit = this.map.get(oid);
    if (hit) return hit;
    const enc = encodeOid(oid);
    if (!enc) return undefined;
    if (this.map.size >= this.maxEntries) {
      this.map.clear();
      this.chunk = Buffer.allocUnsafeSlow(0);
      this.used = 0;
    }
    if (this.used + enc.length > this.chunk.length) {
      this.chunk = Buffer.allocUnsafeSlow(Math.max(4096, enc.length));
      this.used = 0;
    }
    const kept = this.chunk.subarray(this.used, this.used + enc.length);
    enc.copy(kept);
    this.used += enc.length;
    this.map.set(oid, kept);
    return kept;
  }
}

/** Whether buf[start, end) holds exactly the bytes of `enc`. */
function sameBytes(buf: Buffer, start: number, end: number, enc: Buffer): boolean {
  const n = enc.length;
  if (end - start !== n) return false;
  for (let i = 0; i < n; i++) if (buf[start + i] !== enc[i]) return false;
  return true;
}

/**
 * Compares two encoded OIDs in OID order (negative: a before b). Minimal base-128 encodings
 * (which the decoder insists on) sort bytewise exactly as their sub-identifiers do: a longer
 * sub-identifier starts with a byte ≥ 0x81 where a shorter one has ended with a byte < 0x80.
 */
export function compareOids(
  a: Buffer,
  aStart: number,
  aEnd: number,
  b: Buffer,
  bStart: number,
  bEnd: number,
): number {
  const n = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < n; i++) {
    const d = a[aStart + i]! - b[bStart + i]!;
    if (d !== 0) return d;
  }
  return aEnd - aStart - (bEnd - bStart);
}

/** Whether the encoded OID buf[start, end) lies below the encoded `root` (or is root itself). */
export function inSubtree(root: Buffer, buf: Buffer, start: number, end: number): boolean {
  const n = root.length;
  if (end - start < n) return false;
  for (let i = 0; i < n; i++) if (buf[start + i] !== root[i]) return false;
  return true;
}

/**
 * Digits of the OID being decoded: 128 arcs of at most 10 digits and a dot each. One buffer for
 * the process: decoding is synchronous, and a string is made from it once per OID.
 */
const scratch = Buffer.allocUnsafeSlow(MAX_ARCS * 11);

/** Writes the decimal digits of v (0 ≤ v < 2^32) at pos; returns the end. */
function writeDecimal(v: number, pos: number): number {
  if (v < 10) {
    scratch[pos] = 0x30 + v;
    return pos + 1;
  }
  let digits = 1;
  for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
  for (let k = pos + digits - 1; k >= pos; k--) {
    scratch[k] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  }
  return pos + digits;
}

/**
 * The dotted string of the OID whose content octets are buf[start, end), or undefined when they
 * are not a valid minimal encoding (empty, a sub-identifier cut off or starting with 0x80, one
 * above 2^32 − 1, more than 128 of them).
 */
export function decodeOid(buf: Buffer, start: number, end: number): string | undefined {
  if (end <= start) return undefined;
  let pos = 0;
  let arcs = 0;
  let value = 0;
  let fresh = true;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (fresh && b === 0x80) return undefined; // not minimal: would break the bytewise order
    fresh = false;
    value = value * 0x80 + (b & 0x7f);
    if (value > 0xffffffff) return undefined;
    if (b & 0x80) continue;
    if (arcs === 0) {
      // the first octet holds two arcs: 40 × X + Y
      const x = value < 40 ? 0 : value < 80 ? 1 : 2;
      pos = writeDecimal(x, pos);
      scratch[pos++] = 0x2e;
      pos = writeDecimal(value - 40 * x, pos);
      arcs = 2;
    } else {
      if (++arcs > MAX_ARCS) return undefined;
      scratch[pos++] = 0x2e;
      pos = writeDecimal(value, pos);
    }
    value = 0;
    fresh = true;
  }
  if (!fresh) return undefined; // the last sub-identifier is cut off
  return scratch.toString('latin1', 0, pos);
}

// ---------------------------------------------------------------------------------------------
// Counter64

/**
 * A Counter64's content octets buf[start, end) (big-endian, unsigned, 1 to 9 of them) as a
 * bigint. The common lengths are read directly; building a hex string for BigInt() cost more
 * than the rest of the conversion (the poller converts hundreds of thousands of these a cycle).
 */
export function counter64(b: Buffer, start = 0, end = b.length): bigint {
  const n = end - start;
  if (n <= 0) return 0n;
  if (n <= 6) return BigInt(b.readUIntBE(start, n));
  if (n === 8) return b.readBigUInt64BE(start);
  if (n === 9 && b[start] === 0) return b.readBigUInt64BE(start + 1);
  return BigInt(`0x${b.toString('hex', start, end)}`);
}

// ---------------------------------------------------------------------------------------------
// Encoding requests

const lengthSize = (n: number) => (n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 4);
const tlvSize = (n: number) => 1 + lengthSize(n) + n;
/** Content octets of a non-negative INTEGER below 2^31 (minimal two's complement). */
const uintSize = (v: number) => (v < 0x80 ? 1 : v < 0x8000 ? 2 : v < 0x800000 ? 3 : 4);

function writeHeader(out: Buffer, pos: number, tag: number, len: number): number {
  out[pos++] = tag;
  const ls = lengthSize(len);
  if (ls === 1) {
    out[pos++] = len;
    return pos;
  }
  out[pos++] = 0x80 | (ls - 1);
  for (let k = ls - 2; k >= 0; k--) out[pos++] = (len >>> (8 * k)) & 0xff;
  return pos;
}

function writeUint(out: Buffer, pos: number, v: number): number {
  const n = uintSize(v);
  out[pos++] = TAG.integer;
  out[pos++] = n;
  for (let k = n - 1; k >= 0; k--) out[pos++] = (v >>> (8 * k)) & 0xff;
  return pos;
}

export interface RequestFields {
  version: 0 | 1;
  community: Buffer;
  tag: RequestTag;
  /** 0 … 2^31 − 1. */
  requestId: number;
  /** error-status (0) or, in a GetBulk, non-repeaters. */
  a: number;
  /** error-index (0) or, in a GetBulk, max-repetitions. */
  b: number;
  /** The encoded OIDs (encodeOid), each asked with a NULL value. */
  oids: readonly Buffer[];
}

/**
 * One request message, in a buffer of exactly its size (DER lengths, as net-snmp writes them),
 * or undefined when it would not fit in a UDP datagram.
 */
export function encodeRequest(r: RequestFields): Buffer | undefined {
  let vbs = 0;
  for (const oid of r.oids) vbs += tlvSize(tlvSize(oid.length) + 2);
  const pdu = 2 + uintSize(r.requestId) + 2 + uintSize(r.a) + 2 + uintSize(r.b) + tlvSize(vbs);
  const msg = 3 + tlvSize(r.community.length) + tlvSize(pdu);
  const total = tlvSize(msg);
  if (total > MAX_MESSAGE) return undefined;
  const out = Buffer.allocUnsafe(total);
  let pos = writeHeader(out, 0, TAG.sequence, msg);
  pos = writeUint(out, pos, r.version);
  pos = writeHeader(out, pos, TAG.octetString, r.community.length);
  pos += r.community.copy(out, pos);
  pos = writeHeader(out, pos, r.tag, pdu);
  pos = writeUint(out, pos, r.requestId);
  pos = writeUint(out, pos, r.a);
  pos = writeUint(out, pos, r.b);
  pos = writeHeader(out, pos, TAG.sequence, vbs);
  for (const oid of r.oids) {
    pos = writeHeader(out, pos, TAG.sequence, tlvSize(oid.length) + 2);
    pos = writeHeader(out, pos, TAG.oid, oid.length);
    pos += oid.copy(out, pos);
    out[pos++] = TAG.null;
    out[pos++] = 0;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decoding responses

/**
 * Reads one TLV header at `pos` inside [.., end): sets `tag`, `start` (content) and `end`
 * (content end) on `into` and returns the tag, or -1 when the header is malformed or its content
 * would run past `end`. Lengths are definite, short or long form with up to 4 octets; tags are
 * single-octet (SNMP needs no other).
 */
function readTlv(buf: Buffer, pos: number, end: number, into: Tlv): number {
  if (pos + 2 > end) return -1;
  const tag = buf[pos]!;
  if ((tag & 0x1f) === 0x1f) return -1;
  let len = buf[pos + 1]!;
  pos += 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || pos + n > end) return -1;
    len = 0;
    for (let k = 0; k < n; k++) len = len * 256 + buf[pos++]!;
  }
  if (len > end - pos) return -1;
  into.tag = tag;
  into.start = pos;
  into.end = pos + len;
  return tag;
}

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

/** A signed INTEGER's content (1 to 6 octets: always exact as a number), or undefined. */
function readInt(buf: Buffer, start: number, end: number): number | undefined {
  const n = end - start;
  if (n < 1 || n > 6) return undefined;
  return buf.readIntBE(start, n);
}

/**
 * An unsigned 32-bit value (Counter32, Gauge32, TimeTicks): up to 5 content octets, the first
 * one 0x00 when the top bit is set. Read as net-snmp reads it, as a signed number taken modulo
 * 2^32, so that an agent that leaves out the 0x00 still reads as the unsigned value it meant.
 */
function readUint32(buf: Buffer, start: number, end: number): number | undefined {
  const n = end - start;
  if (n < 1 || n > 5) return undefined;
  return buf.readIntBE(start, n) >>> 0;
}

/** What decodeHeader finds before the varbinds. */
export interface ResponseHeader {
  /** The request-id, the one thing needed to route a reply; -1 when even that is unreadable. */
  requestId: number;
  /** False when anything after the request-id is malformed (the matched request then fails). */
  ok: boolean;
  version: number;
  communityStart: number;
  communityEnd: number;
  pduTag: number;
  errorStatus: number;
  errorIndex: number;
  /** The varbind list's content. */
  varbindsStart: number;
  varbindsEnd: number;
}

/**
 * Reads a v1/v2c message up to its varbind list. Undefined when the message cannot even be
 * routed (no request-id where there should be one): it is dropped. Bytes after the message are
 * ignored, as net-snmp ignores them.
 */
export function decodeHeader(buf: Buffer): ResponseHeader | undefined {
  const t: Tlv = { tag: 0, start: 0, end: 0 };
  const end = buf.length;
  if (readTlv(buf, 0, end, t) !== TAG.sequence) return undefined;
  const msgEnd = t.end;
  if (readTlv(buf, t.start, msgEnd, t) !== TAG.integer) return undefined;
  const version = readInt(buf, t.start, t.end);
  if (version === undefined) return undefined;
  if (readTlv(buf, t.end, msgEnd, t) !== TAG.octetString) return undefined;
  const communityStart = t.start;
  const communityEnd = t.end;
  const pduTag = readTlv(buf, t.end, msgEnd, t);
  if (pduTag < 0 || (pduTag & 0xe0) !== 0xa0) return undefined;
  const pduEnd = t.end;
  if (readTlv(buf, t.start, pduEnd, t) !== TAG.integer) return undefined;
  const requestId = readInt(buf, t.start, t.end);
  if (requestId === undefined) return undefined;
  const h: ResponseHeader = {
    requestId,
    ok: false,
    version,
    communityStart,
    communityEnd,
    pduTag,
    errorStatus: 0,
    errorIndex: 0,
    varbindsStart: 0,
    varbindsEnd: 0,
  };
  if (readTlv(buf, t.end, pduEnd, t) !== TAG.integer) return h;
  const status = readInt(buf, t.start, t.end);
  if (readTlv(buf, t.end, pduEnd, t) !== TAG.integer) return h;
  const index = readInt(buf, t.start, t.end);
  if (readTlv(buf, t.end, pduEnd, t) !== TAG.sequence) return h;
  if (status === undefined || index === undefined) return h;
  h.errorStatus = status;
  h.errorIndex = index;
  h.varbindsStart = t.start;
  h.varbindsEnd = t.end;
  h.ok = true;
  return h;
}

/**
 * Walks a varbind list one varbind at a time without building anything until asked: next()
 * finds the next varbind's OID and value, then the caller compares the OID's bytes, asks for a
 * string (`oid()`) or a Varbind (`varbind()`). An error (`error` set, next() false) means the
 * list is malformed; the caller then fails the request rather than use half of it.
 */
export class VarbindReader {
  /** Why the list could not be read, once next() returned false because of it. */
  error: string | undefined;
  oidStart = 0;
  oidEnd = 0;
  valueTag = 0;
  valueStart = 0;
  valueEnd = 0;
  private pos: number;
  private readonly t: Tlv = { tag: 0, start: 0, end: 0 };

  constructor(
    readonly buf: Buffer,
    start: number,
    private readonly end: number,
  ) {
    this.pos = start;
  }

  /** Moves to the next varbind: true if there is one, false at the end or on an error. */
  next(): boolean {
    const { buf, t } = this;
    if (this.pos >= this.end) return false;
    if (readTlv(buf, this.pos, this.end, t) !== TAG.sequence) return this.fail('varbind');
    const vbEnd = t.end;
    if (readTlv(buf, t.start, vbEnd, t) !== TAG.oid || t.end === t.start) return this.fail('name');
    this.oidStart = t.start;
    this.oidEnd = t.end;
    const tag = readTlv(buf, t.end, vbEnd, t);
    if (tag < 0 || t.end !== vbEnd || tag & 0x20) return this.fail('value');
    this.valueTag = tag;
    this.valueStart = t.start;
    this.valueEnd = t.end;
    this.pos = vbEnd;
    return true;
  }

  /** The current varbind's OID as a dotted string (undefined: not a valid OID). */
  oid(): string | undefined {
    return decodeOid(this.buf, this.oidStart, this.oidEnd);
  }

  /** Whether the current varbind's OID is exactly `enc`. */
  oidIs(enc: Buffer): boolean {
    return sameBytes(this.buf, this.oidStart, this.oidEnd, enc);
  }

  /** Whether the current value is noSuchObject, noSuchInstance or endOfMibView. */
  isException(): boolean {
    return this.valueTag >= TAG.noSuchObject && this.valueTag <= TAG.endOfMibView;
  }

  /** The current OID's bytes, copied (to ask from there in the next request). */
  copyOid(): Buffer {
    const out = Buffer.allocUnsafe(this.oidEnd - this.oidStart);
    this.buf.copy(out, 0, this.oidStart, this.oidEnd);
    return out;
  }

  /**
   * The current varbind under the name `oid` (a string the caller already has, or oid()).
   * Undefined (and `error` set) when the value is malformed for its type. Exceptions and types
   * Caretaker does not read (Opaque, BOOLEAN, BIT STRING, ...) are null, as with net-snmp.
   */
  varbind(oid: string): Varbind | undefined {
    const { buf, valueStart: s, valueEnd: e } = this;
    switch (this.valueTag) {
      case TAG.integer: {
        const value = readInt(buf, s, e);
        return value === undefined ? this.bad('integer') : { oid, type: 'int', value };
      }
      case TAG.octetString: {
        // A copy, not a view: a view would keep the whole datagram alive as long as the value.
        const value = Buffer.allocUnsafe(e - s);
        buf.copy(value, 0, s, e);
        return { oid, type: 'str', value };
      }
      case TAG.oid: {
        const value = decodeOid(buf, s, e);
        return value === undefined ? this.bad('oid value') : { oid, type: 'oid', value };
      }
      case TAG.ipAddress:
        if (e - s !== 4) return this.bad('ip address');
        return { oid, type: 'ip', value: `${buf[s]}.${buf[s + 1]}.${buf[s + 2]}.${buf[s + 3]}` };
      case TAG.counter32: {
        const value = readUint32(buf, s, e);
        return value === undefined ? this.bad('counter32') : { oid, type: 'counter32', value };
      }
      case TAG.gauge32: {
        const value = readUint32(buf, s, e);
        return value === undefined ? this.bad('gauge32') : { oid, type: 'gauge32', value };
      }
      case TAG.timeTicks: {
        const value = readUint32(buf, s, e);
        return value === undefined ? this.bad('timeticks') : { oid, type: 'ticks', value };
      }
      case TAG.counter64:
        if (e - s > 9) return this.bad('counter64');
        return { oid, type: 'counter64', value: counter64(buf, s, e) };
      default:
        return { oid, type: 'null' };
    }
  }

  private fail(what: string): false {
    this.error = `malformed ${what}`;
    this.pos = this.end;
    return false;
  }

  private bad(what: string): undefined {
    this.fail(what);
    return undefined;
  }
}

/** A whole response, decoded at once (see decodeResponse). */
export type DecodedResponse =
  | {
      ok: true;
      header: ResponseHeader;
      /** Community as bytes (it may not be text). */
      community: Buffer;
      varbinds: Varbind[];
    }
  | {
      ok: false;
      /** Set when the message got as far as a request-id (a client fails that request). */
      requestId?: number;
      reason: string;
    };

/**
 * The whole message at once, every varbind decoded: for tests and tools. The client reads with
 * decodeHeader and VarbindReader instead, to stop where a walk ends and to reuse the strings of
 * the OIDs it asked. Never throws.
 */
export function decodeResponse(buf: Buffer): DecodedResponse {
  try {
    const header = decodeHeader(buf);
    if (!header) return { ok: false, reason: 'not an SNMP message' };
    if (!header.ok) return { ok: false, requestId: header.requestId, reason: 'malformed PDU' };
    const r = new VarbindReader(buf, header.varbindsStart, header.varbindsEnd);
    const varbinds: Varbind[] = [];
    while (r.next()) {
      const oid = r.oid();
      if (oid === undefined) return { ok: false, requestId: header.requestId, reason: 'bad OID' };
      const vb = r.varbind(oid);
      if (!vb) break;
      varbinds.push(vb);
    }
    if (r.error) return { ok: false, requestId: header.requestId, reason: r.error };
    const community = Buffer.from(buf.subarray(header.communityStart, header.communityEnd));
    return { ok: true, header, community, varbinds };
  } catch {
    return { ok: false, reason: 'undecodable' };
  }
}
