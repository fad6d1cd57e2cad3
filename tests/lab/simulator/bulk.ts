/**
 * GetBulk and SNMPv1 Get/GetNext as RFC 3416 / RFC 3584 describe them, replacing net-snmp 3.29's:
 *
 * - net-snmp stops a GetBulk at `max-repetitions` varbinds in total (non-repeaters included),
 *   where a real agent returns N + M * R: `snmpbulkget -Cn1 -Cr5` with two repeaters gets 5
 *   varbinds instead of 11. It also ignores the size of the response: a large max-repetitions
 *   makes a datagram that cannot be sent (EMSGSIZE), so the manager just times out. Here the
 *   response is cut, from the end, to fit the manager's msgMaxSize (v3) or a UDP datagram, as
 *   RFC 3416 4.2.3 says, and stops early once every repeater is at the end of the MIB. A
 *   GetBulk that asks for nothing (max-repetitions 0, no non-repeaters) gets an empty response;
 *   net-snmp never answers a request without varbinds.
 * - SNMPv1 has no Counter64; an SNMPv1 GetNext must skip such objects (RFC 3584 4.2.2.1).
 *   net-snmp returns them, which a v1 manager cannot decode.
 * - An SNMPv1 Get of an object that does not exist (or is a Counter64) fails the whole request
 *   with noSuchName and the index of that varbind (RFC 1157 4.1.2, RFC 3584 4.2.2.1), as every
 *   v1 agent does; net-snmp answers v2 exception values that a v1 manager cannot decode.
 * - With `maxGetVarbinds`, a Get asking for more is refused with tooBig, as a small agent whose
 *   buffer the response would overflow refuses it.
 *
 * They are installed per agent instance; net-snmp's onMsg calls them through `this`. They use
 * the agent's own addGetNextVarbind and request, so everything else (handlers, access checks,
 * encoding) is net-snmp's.
 */
import snmp from 'net-snmp';
import { T, type Agent, type MibNode } from './net-snmp-types.js';

interface Varbind {
  oid: string;
  type: number;
  value: unknown;
}
interface Message {
  version: number;
  pdu: {
    varbinds: Varbind[];
    nonRepeaters: number;
    maxRepetitions: number;
    getResponsePduForRequest(): unknown;
  };
  msgGlobalData?: { msgMaxSize?: number };
  community?: string;
}
interface AgentInternals {
  addGetNextVarbind(target: Varbind[], startOid: string): MibNode | null | undefined;
  request(socket: unknown, message: Message, rinfo: unknown): void;
  getBulkRequest: (socket: unknown, message: Message, rinfo: unknown) => void;
  getNextRequest: (socket: unknown, message: Message, rinfo: unknown) => void;
  getRequest: (socket: unknown, message: Message, rinfo: unknown) => void;
  getMib(): { lookup(oid: string): MibNode | null };
  sendResponse(socket: unknown, rinfo: unknown, message: Message, pdu: unknown): void;
}

/** error-status tooBig. */
const TOO_BIG = 1;
/** SNMPv1 error-status noSuchName. */
const NO_SUCH_NAME = 2;
/** The largest UDP/IPv4 payload. */
const MAX_DATAGRAM = 65507;
/** Message header, community or USM parameters, PDU header: generous. */
const OVERHEAD = 250;

/** Upper bound of a varbind's BER size from its OID text and current value. */
function varbindSize(vb: Varbind): number {
  const v = vb.value;
  const valueLen = Buffer.isBuffer(v) ? v.length : typeof v === 'string' ? Buffer.byteLength(v) : 9;
  return vb.oid.length + valueLen + 12;
}

export function installRfcBulk(agent: Agent, opts: { maxGetVarbinds?: number } = {}): void {
  const a = agent as unknown as AgentInternals;
  if (
    typeof a.addGetNextVarbind !== 'function' ||
    typeof a.request !== 'function' ||
    typeof a.sendResponse !== 'function'
  ) {
    throw new Error('net-snmp agent internals changed: addGetNextVarbind/request/sendResponse');
  }
  const v1 = snmp.Version1 as number;

  /** GetNext that, for SNMPv1, walks past Counter64 objects. */
  const next = (
    target: Varbind[],
    startOid: string,
    version: number,
  ): MibNode | null | undefined => {
    let node = a.addGetNextVarbind(target, startOid);
    while (version === v1 && node && node.valueType === T.Counter64) {
      target.pop();
      node = a.addGetNextVarbind(target, node.oid);
    }
    return node;
  };

  /** Whether an SNMPv1 manager can read this OID with a Get: an instance that is not Counter64. */
  const v1Readable = (oid: string): boolean => {
    try {
      const node = a.getMib().lookup(oid);
      return !!node && node.value !== undefined && node.valueType !== T.Counter64;
    } catch {
      return false; // not an OID the MIB can even parse
    }
  };

  /** The error answer to a whole request: v1 sends the varbinds back, v2c none (RFC 3416 4.2.1). */
  const refuse = (
    socket: unknown,
    message: Message,
    rinfo: unknown,
    status: number,
    index: number,
  ) => {
    const response = message.pdu.getResponsePduForRequest() as {
      errorStatus: number;
      errorIndex: number;
      varbinds: Varbind[];
    };
    response.errorStatus = status;
    response.errorIndex = index;
    response.varbinds = message.version === v1 || status !== TOO_BIG ? message.pdu.varbinds : [];
    a.sendResponse(socket, rinfo, message, response);
  };

  a.getRequest = (socket, message, rinfo) => {
    if (opts.maxGetVarbinds !== undefined && message.pdu.varbinds.length > opts.maxGetVarbinds) {
      refuse(socket, message, rinfo, TOO_BIG, 0);
      return;
    }
    if (message.version === v1) {
      const bad = message.pdu.varbinds.findIndex((vb) => !v1Readable(vb.oid));
      if (bad >= 0) {
        refuse(socket, message, rinfo, NO_SUCH_NAME, bad + 1);
        return;
      }
    }
    a.request(socket, message, rinfo);
  };

  a.getNextRequest = (socket, message, rinfo) => {
    const out: Varbind[] = [];
    for (const vb of message.pdu.varbinds) next(out, vb.oid, message.version);
    message.pdu.varbinds = out;
    a.request(socket, message, rinfo);
  };

  a.getBulkRequest = (socket, message, rinfo) => {
    const { varbinds, nonRepeaters, maxRepetitions } = message.pdu;
    const n = Math.max(0, Math.min(nonRepeaters, varbinds.length));
    const m = Math.max(0, maxRepetitions);
    const limit =
      Math.min(MAX_DATAGRAM, message.msgGlobalData?.msgMaxSize ?? MAX_DATAGRAM) -
      OVERHEAD -
      (message.community?.length ?? 0);
    const out: Varbind[] = [];
    let size = 0;
    const add = (oid: string): MibNode | null | undefined => {
      const node = next(out, oid, message.version);
      size += varbindSize(out[out.length - 1]!);
      return node;
    };
    for (let i = 0; i < n; i++) add(varbinds[i]!.oid);
    const cursor = varbinds.slice(n).map((vb) => vb.oid);
    repeat: for (let rep = 0; rep < m && cursor.length > 0; rep++) {
      let moved = false;
      for (let j = 0; j < cursor.length; j++) {
        const node = add(cursor[j]!);
        if (size > limit) {
          out.pop();
          break repeat;
        }
        if (node) {
          cursor[j] = node.oid;
          moved = true;
        }
      }
      if (!moved) break;
    }
    message.pdu.varbinds = out;
    if (out.length === 0)
      a.sendResponse(socket, rinfo, message, message.pdu.getResponsePduForRequest());
    else a.request(socket, message, rinfo);
  };
}
