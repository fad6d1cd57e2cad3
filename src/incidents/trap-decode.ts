import type { SnmpValue, Varbind } from '../snmp/types.js';

/**
 * Received SNMP notifications (v1 Trap-PDU, v2c/v3 SNMPv2-Trap and Inform) turned into one
 * `TrapRecord` that events, incidents and the UI can use without knowing SNMP versions. Pure: the
 * receiver hands over the PDU after net-snmp has decoded and authenticated it.
 */

export type TrapVersion = 'v1' | 'v2c' | 'v3';
export type TrapKind =
  'linkDown' | 'linkUp' | 'coldStart' | 'warmStart' | 'authenticationFailure' | 'vendor';
/** IF-MIB ifAdminStatus / ifOperStatus names. */
export type IfStatus =
  'up' | 'down' | 'testing' | 'unknown' | 'dormant' | 'notPresent' | 'lowerLayerDown';

export interface TrapVarbind {
  oid: string;
  type: Varbind['type'];
  /** Printable and bounded: text, a number, an OID, or hex for binary octets. */
  value: string;
}

export interface TrapRecord {
  /** When the receiver got the datagram (ms since the epoch). */
  receivedAt: number;
  /** The UDP source: the device itself, or a proxy that forwarded its trap. */
  address: string;
  port: number;
  version: TrapVersion;
  notification: 'trap' | 'inform';
  /**
   * The stored credential the notification authenticated with. Never the community itself: the
   * record is shown to viewers and sent to HQ.
   */
  credentialId: string | null;
  credentialName?: string;
  /** SNMPv3 user name (not a secret), for v3 only. */
  user?: string;
  trapOid: string;
  kind: TrapKind;
  /** v1 only: the Trap-PDU enterprise. */
  enterprise?: string;
  ifIndex?: number;
  ifName?: string;
  ifDescr?: string;
  adminStatus?: IfStatus;
  operStatus?: IfStatus;
  /** The originating agent when it differs from the UDP source (v1 agent-addr, snmpTrapAddress.0). */
  agentAddress?: string;
  /** sysUpTime of the agent in hundredths of a second. */
  sysUpTime?: number;
  /** The trap's own varbinds (sysUpTime.0 and snmpTrapOID.0 are in the fields above). */
  varbinds: TrapVarbind[];
  /** Varbinds beyond MAX_TRAP_VARBINDS that were not kept. */
  omittedVarbinds: number;
}

/** The notification as net-snmp decoded it, with varbinds already converted by fromNetSnmp. */
export type ReceivedPdu =
  | {
      form: 'v1';
      enterprise: string;
      agentAddr: string;
      generic: number;
      specific: number;
      upTime: number;
      varbinds: Varbind[];
    }
  | { form: 'v2'; inform: boolean; varbinds: Varbind[] };

export interface TrapOrigin {
  receivedAt: number;
  address: string;
  port: number;
  version: TrapVersion;
  credentialId: string | null;
  credentialName?: string;
  user?: string;
}

export type TrapMalformedReason =
  'pdu_version_mismatch' | 'no_trap_oid' | 'bad_generic_trap' | 'bad_oid';

export type TrapDecodeResult =
  { ok: true; record: TrapRecord } | { ok: false; reason: TrapMalformedReason };

// A flood of hostile traps must not turn into megabytes of stored events.
export const MAX_TRAP_VARBINDS = 64;
export const MAX_VALUE_CHARS = 512;
/** RFC 2578 §3.5: at most 128 sub-identifiers. */
const MAX_OID_SUBIDS = 128;

const SYS_UPTIME_0 = '1.3.6.1.2.1.1.3.0';
const SNMP_TRAP_OID_0 = '1.3.6.1.6.3.1.1.4.1.0';
const SNMP_TRAP_ADDRESS_0 = '1.3.6.1.6.3.18.1.3.0';
const SNMP_TRAPS = '1.3.6.1.6.3.1.1.5';
const IF_INDEX = '1.3.6.1.2.1.2.2.1.1.';
const IF_DESCR = '1.3.6.1.2.1.2.2.1.2.';
const IF_ADMIN_STATUS = '1.3.6.1.2.1.2.2.1.7.';
const IF_OPER_STATUS = '1.3.6.1.2.1.2.2.1.8.';
const IF_NAME = '1.3.6.1.2.1.31.1.1.1.1.';

const KIND_BY_OID: Record<string, TrapKind> = {
  [`${SNMP_TRAPS}.1`]: 'coldStart',
  [`${SNMP_TRAPS}.2`]: 'warmStart',
  [`${SNMP_TRAPS}.3`]: 'linkDown',
  [`${SNMP_TRAPS}.4`]: 'linkUp',
  [`${SNMP_TRAPS}.5`]: 'authenticationFailure',
};

const IF_STATUS: Record<number, IfStatus> = {
  1: 'up',
  2: 'down',
  3: 'testing',
  4: 'unknown',
  5: 'dormant',
  6: 'notPresent',
  7: 'lowerLayerDown',
};

const OID_RE = /^\d+(\.\d+)+$/;
function isOid(s: string): boolean {
  if (!OID_RE.test(s)) return false;
  let dots = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 46) dots++;
  return dots < MAX_OID_SUBIDS;
}

/**
 * RFC 3584 §3.1 (2): a v1 generic trap maps to snmpTraps.(generic+1); an enterprise-specific one
 * to enterprise.0.specific.
 */
export function v1TrapOid(enterprise: string, generic: number, specific: number): string {
  return generic === 6 ? `${enterprise}.0.${specific}` : `${SNMP_TRAPS}.${generic + 1}`;
}

export function trapKind(trapOid: string): TrapKind {
  // egpNeighborLoss (snmpTraps.6) has no kind of its own; it is shown like a vendor trap.
  return KIND_BY_OID[trapOid] ?? 'vendor';
}

function cut(s: string, max = MAX_VALUE_CHARS): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

// eslint-disable-next-line no-control-regex -- control characters mark octets as binary
const BINARY = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/;

/** OCTET STRING as text when it is valid printable UTF-8, else undefined. */
function octetText(b: Buffer): string | undefined {
  // Four bytes per character at most: enough input for MAX_VALUE_CHARS characters.
  const head = b.subarray(0, MAX_VALUE_CHARS * 4);
  let s = head.toString('utf8');
  // A multi-byte character split by the cut decodes as U+FFFD at the end; that is not binary.
  if (head.length < b.length) s = s.replace(/\ufffd{1,3}$/, '');
  s = s.replace(/\0+$/, '');
  return BINARY.test(s) ? undefined : s;
}

function hexOctets(b: Buffer): string {
  // "aa bb cc": three characters per octet, so this many octets fill the limit.
  const n = Math.floor((MAX_VALUE_CHARS + 1) / 3);
  const hex = [...b.subarray(0, n)].map((x) => x.toString(16).padStart(2, '0')).join(' ');
  return b.length > n ? cut(`${hex} …`) : hex;
}

export function printableValue(v: SnmpValue): string {
  switch (v.type) {
    case 'str': {
      const t = octetText(v.value);
      return t === undefined ? hexOctets(v.value) : cut(t);
    }
    case 'null':
      return '';
    case 'oid':
    case 'ip':
      return cut(v.value);
    default:
      return String(v.value);
  }
}

function numberOf(v: SnmpValue): number | undefined {
  return v.type === 'int' || v.type === 'ticks' || v.type === 'gauge32' || v.type === 'counter32'
    ? v.value
    : undefined;
}

/** The instance index after a column prefix, when it is a single sub-identifier. */
function instance(oid: string, prefix: string): number | undefined {
  const rest = oid.slice(prefix.length);
  if (!/^\d{1,10}$/.test(rest)) return undefined;
  const n = Number(rest);
  return n >= 1 && n <= 2_147_483_647 ? n : undefined;
}

interface IfFields {
  ifIndex?: number;
  ifName?: string;
  ifDescr?: string;
  adminStatus?: IfStatus;
  operStatus?: IfStatus;
}

/**
 * Interface details of a trap. Standard link traps carry ifIndex, ifAdminStatus and
 * ifOperStatus (RFC 2863); many vendor link traps carry the same objects, so they are read from
 * any trap. When a trap names several interfaces, the first ifIndex wins and the other columns
 * are taken for that instance only.
 */
function interfaceFields(vbs: Varbind[]): IfFields {
  let ifIndex: number | undefined;
  for (const vb of vbs) {
    if (vb.oid.startsWith(IF_INDEX) && vb.type === 'int' && vb.value >= 1) {
      ifIndex = vb.value;
      break;
    }
  }
  if (ifIndex === undefined) {
    for (const vb of vbs) {
      const prefix = [IF_ADMIN_STATUS, IF_OPER_STATUS, IF_DESCR, IF_NAME].find((p) =>
        vb.oid.startsWith(p),
      );
      ifIndex = prefix ? instance(vb.oid, prefix) : undefined;
      if (ifIndex !== undefined) break;
    }
  }
  const out: IfFields = {};
  if (ifIndex === undefined) return out;
  out.ifIndex = ifIndex;
  for (const vb of vbs) {
    if (vb.oid.startsWith(IF_ADMIN_STATUS) && instance(vb.oid, IF_ADMIN_STATUS) === ifIndex) {
      const n = numberOf(vb);
      if (n !== undefined && out.adminStatus === undefined)
        out.adminStatus = IF_STATUS[n] ?? 'unknown';
    } else if (vb.oid.startsWith(IF_OPER_STATUS) && instance(vb.oid, IF_OPER_STATUS) === ifIndex) {
      const n = numberOf(vb);
      if (n !== undefined && out.operStatus === undefined)
        out.operStatus = IF_STATUS[n] ?? 'unknown';
    } else if (vb.type === 'str') {
      if (vb.oid.startsWith(IF_DESCR) && instance(vb.oid, IF_DESCR) === ifIndex)
        out.ifDescr ??= textOf(vb.value);
      else if (vb.oid.startsWith(IF_NAME) && instance(vb.oid, IF_NAME) === ifIndex)
        out.ifName ??= textOf(vb.value);
    }
  }
  return out;
}

function textOf(b: Buffer): string | undefined {
  const t = octetText(b)?.trim();
  return t ? cut(t) : undefined;
}

function boundedVarbinds(vbs: Varbind[]): { varbinds: TrapVarbind[]; omitted: number } {
  const kept = vbs.slice(0, MAX_TRAP_VARBINDS);
  return {
    varbinds: kept.map((vb) => ({ oid: cut(vb.oid), type: vb.type, value: printableValue(vb) })),
    omitted: vbs.length - kept.length,
  };
}

/** Turns an authenticated notification into a record; a PDU that breaks the RFCs is malformed. */
export function decodeTrap(pdu: ReceivedPdu, origin: TrapOrigin): TrapDecodeResult {
  // RFC 3416 / 3584: a v1 message carries the v1 Trap-PDU, v2c and v3 never do. net-snmp decodes
  // whichever PDU tag it finds, so the pairing is checked here.
  if ((pdu.form === 'v1') !== (origin.version === 'v1'))
    return { ok: false, reason: 'pdu_version_mismatch' };

  let trapOid: string;
  let sysUpTime: number | undefined;
  let agentAddress: string | undefined;
  let enterprise: string | undefined;
  let rest: Varbind[];
  if (pdu.form === 'v1') {
    if (!Number.isInteger(pdu.generic) || pdu.generic < 0 || pdu.generic > 6)
      return { ok: false, reason: 'bad_generic_trap' };
    if (!isOid(pdu.enterprise) || !Number.isInteger(pdu.specific) || pdu.specific < 0)
      return { ok: false, reason: 'bad_oid' };
    enterprise = pdu.enterprise;
    trapOid = v1TrapOid(pdu.enterprise, pdu.generic, pdu.specific);
    sysUpTime = pdu.upTime;
    // 0.0.0.0 is what agents without a configured address send: it says nothing.
    if (pdu.agentAddr && pdu.agentAddr !== '0.0.0.0') agentAddress = pdu.agentAddr;
    rest = pdu.varbinds;
  } else {
    // RFC 3416 §4.2.6 puts sysUpTime.0 and snmpTrapOID.0 first; some agents get the order wrong,
    // so both are looked up by name.
    const trapIdx = pdu.varbinds.findIndex((vb) => vb.oid === SNMP_TRAP_OID_0);
    const trapVb = pdu.varbinds[trapIdx];
    if (!trapVb || trapVb.type !== 'oid') return { ok: false, reason: 'no_trap_oid' };
    if (!isOid(trapVb.value)) return { ok: false, reason: 'bad_oid' };
    trapOid = trapVb.value;
    const upIdx = pdu.varbinds.findIndex((vb) => vb.oid === SYS_UPTIME_0);
    const upVb = pdu.varbinds[upIdx];
    sysUpTime = upVb ? numberOf(upVb) : undefined;
    rest = pdu.varbinds.filter((_, i) => i !== trapIdx && i !== upIdx);
  }
  // A proxy forwarding a trap names the original agent in snmpTrapAddress.0 (RFC 3584 §3.1 (3)).
  if (!agentAddress) {
    const a = rest.find((vb) => vb.oid === SNMP_TRAP_ADDRESS_0);
    if (a?.type === 'ip' && a.value !== '0.0.0.0') agentAddress = a.value;
  }
  const { varbinds, omitted } = boundedVarbinds(rest);
  const record: TrapRecord = {
    receivedAt: origin.receivedAt,
    address: origin.address,
    port: origin.port,
    version: origin.version,
    notification: pdu.form === 'v2' && pdu.inform ? 'inform' : 'trap',
    credentialId: origin.credentialId,
    ...(origin.credentialName !== undefined ? { credentialName: origin.credentialName } : {}),
    ...(origin.user !== undefined ? { user: origin.user } : {}),
    trapOid,
    kind: trapKind(trapOid),
    ...(enterprise !== undefined ? { enterprise } : {}),
    ...interfaceFields(rest),
    ...(agentAddress !== undefined && agentAddress !== origin.address ? { agentAddress } : {}),
    ...(sysUpTime !== undefined ? { sysUpTime } : {}),
    varbinds,
    omittedVarbinds: omitted,
  };
  return { ok: true, record };
}

const LABEL: Record<TrapKind, string> = {
  linkDown: 'Link down',
  linkUp: 'Link up',
  coldStart: 'Cold start (restarted)',
  warmStart: 'Warm start (reinitialised)',
  authenticationFailure: 'SNMP authentication failure reported',
  vendor: 'Trap',
};

/** Collapses whitespace so that an agent's string cannot break a log line or an event title. */
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/** A one-line, bounded sentence for event messages and logs. */
export function trapSummary(r: TrapRecord): string {
  const from = r.agentAddress ? `${r.agentAddress} (via ${r.address})` : r.address;
  let s = r.kind === 'vendor' ? `Trap ${r.trapOid} from ${from}` : `${LABEL[r.kind]} from ${from}`;
  if (r.ifIndex !== undefined) {
    const name = r.ifName ?? r.ifDescr;
    s += name ? `: interface ${oneLine(name)} (ifIndex ${r.ifIndex})` : `: ifIndex ${r.ifIndex}`;
    const st = [
      r.adminStatus ? `admin ${r.adminStatus}` : '',
      r.operStatus ? `oper ${r.operStatus}` : '',
    ].filter(Boolean);
    if (st.length) s += `, ${st.join(', ')}`;
  } else if (r.kind === 'vendor' && r.varbinds.length) {
    const first = r.varbinds[0]!;
    const more = r.varbinds.length + r.omittedVarbinds - 1;
    s += `: ${first.oid} = ${oneLine(first.value)}${more > 0 ? ` (+${more} more)` : ''}`;
  }
  return cut(s, 240);
}

/**
 * The SNMP version of a raw datagram from its first bytes (SEQUENCE, INTEGER version), without
 * decoding the rest. Used to describe rejected datagrams, which net-snmp reports without it.
 */
export function peekSnmpVersion(buf: Buffer): TrapVersion | undefined {
  if (buf.length < 5 || buf[0] !== 0x30) return undefined;
  let i = 1;
  const len = buf[i++]!;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 4) return undefined;
    i += n;
  }
  if (buf[i] !== 0x02 || buf[i + 1] !== 1) return undefined;
  switch (buf[i + 2]) {
    case 0:
      return 'v1';
    case 1:
      return 'v2c';
    case 3:
      return 'v3';
    default:
      return undefined;
  }
}
