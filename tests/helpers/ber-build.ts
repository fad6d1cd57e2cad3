/**
 * Hand-built BER for tests of the SNMP codec and client: messages put together byte by byte here,
 * not by the encoder under test (only OIDs go through encodeOid, which has its own tests).
 */
import { encodeOid } from '../../src/snmp/ber.js';

/** A TLV with a minimal length, or `longForm` octets of length (to test long-form decoding). */
export function tlv(tag: number, content: Buffer | Buffer[], longForm = 0): Buffer {
  const body = Buffer.isBuffer(content) ? content : Buffer.concat(content);
  const n = body.length;
  let len: Buffer;
  if (longForm) {
    len = Buffer.alloc(1 + longForm);
    len[0] = 0x80 | longForm;
    len.writeUIntBE(n, 1 + longForm - Math.min(longForm, 4), Math.min(longForm, 4));
  } else if (n < 0x80) len = Buffer.from([n]);
  else if (n < 0x100) len = Buffer.from([0x81, n]);
  else len = Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

/** An INTEGER in minimal two's complement. */
export const int = (v: number) => {
  let n = 1;
  while (n < 6 && (v < -(2 ** (8 * n - 1)) || v >= 2 ** (8 * n - 1))) n++;
  const b = Buffer.alloc(n);
  b.writeIntBE(v, 0, n);
  return tlv(0x02, b);
};

export const str = (s: string) => tlv(0x04, Buffer.from(s));
export const oid = (s: string) => tlv(0x06, encodeOid(s)!);
/** A varbind: SEQUENCE { name, value }. */
export const vb = (name: string, value: Buffer) => tlv(0x30, [oid(name), value]);
