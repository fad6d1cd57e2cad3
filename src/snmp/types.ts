/** An SNMP value as the decoders see it, independent of the client library. */
export type SnmpValue =
  | { type: 'int'; value: number }
  | { type: 'str'; value: Buffer }
  | { type: 'oid'; value: string }
  | { type: 'ip'; value: string }
  | { type: 'counter32' | 'gauge32' | 'ticks'; value: number }
  | { type: 'counter64'; value: bigint }
  | { type: 'null' };

export type Varbind = { oid: string } & SnmpValue;

export type SnmpCredential =
  | { version: '1' | '2c'; community: string }
  | {
      version: '3';
      user: string;
      level: 'noAuthNoPriv' | 'authNoPriv' | 'authPriv';
      authProtocol?: 'md5' | 'sha' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
      authKey?: string;
      privProtocol?: 'des' | 'aes' | 'aes256b' | 'aes256r';
      privKey?: string;
    };

/** Text of an OCTET STRING when it is printable, else undefined. */
export function text(v: SnmpValue | undefined): string | undefined {
  if (!v) return undefined;
  if (v.type === 'str') {
    // Agent strings are shown to people and stored: long ones are cut (a hostile agent must not
    // be able to fill the inventory with megabytes per value).
    const s = v.value.subarray(0, 1024).toString('utf8').replace(/\0+$/, '');
    // eslint-disable-next-line no-control-regex -- binary octets are not text
    return /[\u0000-\u0008\u000e-\u001f]/.test(s) ? undefined : s.trim();
  }
  if (v.type === 'oid' || v.type === 'ip') return v.value;
  if (v.type === 'null') return undefined;
  return String(v.value);
}

export function num(v: SnmpValue | undefined): number | undefined {
  if (!v) return undefined;
  if (v.type === 'int' || v.type === 'counter32' || v.type === 'gauge32' || v.type === 'ticks')
    return v.value;
  if (v.type === 'counter64') return Number(v.value);
  return undefined;
}

/** A MAC address from a 6-byte OCTET STRING, as aa:bb:cc:dd:ee:ff. */
export function mac(v: SnmpValue | undefined): string | undefined {
  if (!v || v.type !== 'str' || v.value.length !== 6) return undefined;
  const m = [...v.value].map((b) => b.toString(16).padStart(2, '0')).join(':');
  return m === '00:00:00:00:00:00' ? undefined : m;
}

export function hex(v: SnmpValue | undefined): string | undefined {
  return v && v.type === 'str' ? v.value.toString('hex') : undefined;
}
