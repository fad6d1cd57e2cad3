/**
 * Our SNMPv1/v2c client (GET, and walks with GetNext or GetBulk) on the shared UDP transport and
 * the BER codec in ber.ts. It behaves as the net-snmp session it replaces did behind
 * session.ts's SnmpClient: the same errors with the same sentences, the same walk ends, retries
 * with the same request-id; what it does not do is allocate for every OID (see ber.ts).
 */
import type { SnmpClient, SnmpTarget } from './session.js';
import type { Varbind } from './types.js';
import {
  compareOids,
  encodeRequest,
  inSubtree,
  OidCache,
  TAG,
  VarbindReader,
  VERSION,
  type RequestTag,
  type ResponseHeader,
} from './ber.js';
import {
  NO_SUCH_NAME,
  snmpBadResponse,
  snmpCommunityMismatch,
  snmpFailed,
  snmpRefused,
  snmpStopped,
  snmpTimeout,
} from './snmp-errors.js';
import type { AppError } from '../core/errors.js';
import type { Exchange, UdpTransport } from './udp-transport.js';

/** Rows a GetBulk asks for in a walk, as net-snmp's subtree() did. */
const MAX_REPETITIONS = 20;
const NOTHING = Buffer.alloc(0);

/** Turns the varbind list of an accepted reply into a result, or says what was wrong. */
type Decode<T> = (r: VarbindReader) => T | AppError;

/** What a client keeps of each of its requests in flight. */
interface Settleable extends Exchange {
  reject(e: AppError): void;
}

/** A request in flight: the transport's exchange plus the promise it settles. */
class Pending<T> implements Settleable {
  requestId = 0;
  message = NOTHING;
  retriesLeft: number;
  timer: NodeJS.Timeout | undefined;
  readonly address: string;
  readonly port: number;
  readonly timeoutMs: number;

  constructor(
    private readonly client: CommunityClient,
    private readonly decode: Decode<T>,
    /** What error-status noSuchName means to a walk (its end); undefined: an error. */
    private readonly onNoSuchName: T | undefined,
    private readonly resolve: (v: T) => void,
    readonly reject: (e: AppError) => void,
  ) {
    const { target } = client;
    this.address = target.address;
    this.port = target.port ?? 161;
    this.timeoutMs = target.timeoutMs;
    this.retriesLeft = Math.max(0, target.retries);
  }

  reply(buf: Buffer, h: ResponseHeader): void {
    this.client.settled(this);
    let out: T | AppError;
    try {
      const wrong = this.client.check(buf, h);
      if (wrong) out = wrong;
      else if (h.errorStatus === 0)
        out = this.decode(new VarbindReader(buf, h.varbindsStart, h.varbindsEnd));
      else if (h.errorStatus === NO_SUCH_NAME && this.onNoSuchName !== undefined)
        out = this.onNoSuchName;
      else out = snmpRefused(this.address, h.errorStatus);
    } catch {
      out = snmpBadResponse(this.address);
    }
    if (out instanceof Error) this.reject(out);
    else this.resolve(out);
  }

  failed(err: Error | undefined): void {
    this.client.settled(this);
    this.reject(err ? snmpFailed(this.address, err) : snmpTimeout(this.address));
  }
}

/**
 * One agent and one community. Closing (or the signal aborting) settles every request in flight
 * at once with SNMP_STOPPED; requests after that fail the same way.
 */
export class CommunityClient implements SnmpClient {
  private closed = false;
  private readonly pending = new Set<Settleable>();
  private readonly version: 0 | 1;
  private readonly community: Buffer;
  private readonly onAbort = () => this.close();

  constructor(
    readonly target: SnmpTarget,
    cred: { version: '1' | '2c'; community: string },
    private readonly transport: UdpTransport,
    private readonly oids: OidCache,
    private readonly signal?: AbortSignal,
  ) {
    this.version = VERSION[cred.version];
    this.community = Buffer.from(cred.community, 'utf8');
    transport.acquire();
    signal?.addEventListener('abort', this.onAbort, { once: true });
    if (signal?.aborted) this.close();
  }

  get(oids: string[]): Promise<Varbind[]> {
    if (this.closed) return Promise.reject(snmpStopped(this.target.address));
    const encoded: Buffer[] = new Array<Buffer>(oids.length);
    for (let i = 0; i < oids.length; i++) {
      const enc = this.oids.get(oids[i]!);
      if (!enc) return Promise.reject(snmpFailed(this.target.address));
      encoded[i] = enc;
    }
    return this.request(TAG.getRequest, encoded, 0, 0, (r) => {
      // As net-snmp: one varbind per OID asked, in order, under the name the agent gave (the
      // string asked when the bytes are the same, which is almost always).
      const out: Varbind[] = [];
      for (let i = 0; r.next(); i++) {
        if (i >= oids.length) return snmpBadResponse(this.target.address);
        const asked = oids[i]!;
        const name = r.oidIs(encoded[i]!) ? asked : r.oid();
        const vb = name === undefined ? undefined : r.varbind(name);
        if (!vb) return snmpBadResponse(this.target.address);
        out.push(vb);
      }
      if (r.error || out.length !== oids.length) return snmpBadResponse(this.target.address);
      return out;
    });
  }

  async walk(
    oid: string,
    maxVarbinds: number,
  ): Promise<{ varbinds: Varbind[]; truncated: boolean }> {
    if (this.closed) throw snmpStopped(this.target.address);
    const root = this.oids.get(oid);
    if (!root) throw snmpFailed(this.target.address);
    const at = this.target.address;
    const v1 = this.version === VERSION['1'];
    const out: Varbind[] = [];
    let truncated = false;
    let done = false;
    // Where the next request starts: the root, then the last OID received (its bytes, copied).
    let from = root;
    // One decoder for the whole walk (not one closure per request or varbind).
    // It returns where to go on, or null at the end of the walk.
    const step: Decode<Buffer | null> = (r) => {
      // The OID before the current varbind: what was asked, then the previous varbind's.
      let prev = from;
      let prevStart = 0;
      let prevEnd = from.length;
      let count = 0;
      let last = false;
      while (!last && r.next()) {
        count++;
        if (r.valueTag === TAG.endOfMibView) {
          last = true;
          break;
        }
        // An agent that answers with an OID not after the one asked would make the walk go
        // round forever (net-snmp's backwardsGetNexts: false made this an error too).
        if (compareOids(prev, prevStart, prevEnd, r.buf, r.oidStart, r.oidEnd) >= 0)
          return snmpBadResponse(at);
        if (!inSubtree(root, r.buf, r.oidStart, r.oidEnd)) {
          last = true;
          break;
        }
        if (out.length >= maxVarbinds) {
          truncated = true;
          last = true;
          break;
        }
        const name = r.oid();
        const vb = name === undefined ? undefined : r.varbind(name);
        if (!vb) return snmpBadResponse(at);
        out.push(vb);
        prev = r.buf;
        prevStart = r.oidStart;
        prevEnd = r.oidEnd;
        // GetNext asks for one varbind and gets one
        if (v1) break;
      }
      if (r.error) return snmpBadResponse(at);
      // net-snmp insisted on exactly one varbind in a GetNext response
      if (v1 && (count !== 1 || r.next() || r.error)) return snmpBadResponse(at);
      if (last || count === 0) return null;
      return r.copyOid();
    };
    const tag = v1 ? TAG.getNextRequest : TAG.getBulkRequest;
    while (!done) {
      // noSuchName ends a walk that ran off the end of an SNMPv1 agent's MIB: not an error
      const next = await this.request(tag, [from], 0, v1 ? 0 : MAX_REPETITIONS, step, null);
      if (next) from = next;
      else done = true;
    }
    return { varbinds: out, truncated };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    const all = [...this.pending];
    this.pending.clear();
    for (const p of all) this.transport.cancel(p);
    this.transport.release();
    const err = snmpStopped(this.target.address);
    for (const p of all) p.reject(err);
  }

  /** @internal a request ended (reply, timeout, send error): no longer ours to settle. */
  settled(p: Settleable): void {
    this.pending.delete(p);
  }

  /**
   * @internal what a reply must be before its error-status and varbinds are read (as net-snmp
   * checked it): the same version, the community asked with, a GetResponse. Undefined when fine.
   */
  check(buf: Buffer, h: ResponseHeader): AppError | undefined {
    const at = this.target.address;
    if (!h.ok || h.version !== this.version) return snmpBadResponse(at);
    const c = this.community;
    if (c.compare(buf, h.communityStart, h.communityEnd) !== 0) return snmpCommunityMismatch(at);
    if (h.pduTag !== TAG.getResponse) return snmpBadResponse(at);
    return undefined;
  }

  private request<T>(
    tag: RequestTag,
    oids: Buffer[],
    a: number,
    b: number,
    decode: Decode<T>,
    onNoSuchName?: T,
  ): Promise<T> {
    if (this.closed) return Promise.reject(snmpStopped(this.target.address));
    return new Promise<T>((resolve, reject) => {
      const p = new Pending<T>(this, decode, onNoSuchName, resolve, reject);
      this.pending.add(p);
      const { version, community } = this;
      this.transport.start(p, (requestId) =>
        encodeRequest({ version, community, tag, requestId, a, b, oids }),
      );
    });
  }
}
