import { createRequire } from 'node:module';
import { isIPv4 } from 'node:net';
import type * as NetSnmp from 'net-snmp';
import { AppError } from '../core/errors.js';
import { counter64, OidCache } from './ber.js';
import { CommunityClient } from './community-client.js';
import {
  snmpBadResponse,
  snmpCommunityMismatch,
  snmpFailed,
  snmpRefused,
  snmpStopped,
  snmpTimeout,
} from './snmp-errors.js';
import { UdpTransport } from './udp-transport.js';
import type { SnmpCredential, SnmpValue, Varbind } from './types.js';

const load = createRequire(import.meta.url);
let netSnmp: typeof NetSnmp | undefined;
/**
 * net-snmp is loaded on first use: it costs about 15 MiB of memory that an idle box (which may
 * never scan) should not pay, and since v1/v2c have their own client it is now needed only for
 * SNMPv3. It is a CommonJS package, so a synchronous require does it.
 */
function lib(): typeof NetSnmp {
  netSnmp ??= load('net-snmp') as typeof NetSnmp;
  return netSnmp;
}

/** The Counter64 reader lives with the codec (ber.ts); net-snmp's values go through it too. */
export { counter64 };

export interface SnmpTarget {
  address: string;
  port?: number;
  timeoutMs: number;
  retries: number;
}

/**
 * What the rest of Caretaker uses of SNMP: get, walk, close. A client opened with a signal
 * settles every request in flight (and rejects those after) once the signal aborts, as close()
 * does: its callers need not race their requests against the signal.
 */
export interface SnmpClient {
  get(oids: string[]): Promise<Varbind[]>;
  /** All varbinds below `oid`, at most `maxVarbinds` (then it stops and says so with `truncated`). */
  walk(oid: string, maxVarbinds: number): Promise<{ varbinds: Varbind[]; truncated: boolean }>;
  close(): void;
}

const AUTH = () => ({
  md5: lib().AuthProtocols.md5,
  sha: lib().AuthProtocols.sha,
  sha224: lib().AuthProtocols.sha224,
  sha256: lib().AuthProtocols.sha256,
  sha384: lib().AuthProtocols.sha384,
  sha512: lib().AuthProtocols.sha512,
});
const PRIV = () => ({
  des: lib().PrivProtocols.des,
  aes: lib().PrivProtocols.aes,
  aes256b: lib().PrivProtocols.aes256b,
  aes256r: lib().PrivProtocols.aes256r,
});

type ObjectTypes = typeof NetSnmp.ObjectType;
let objectTypes: ObjectTypes | undefined;
/** net-snmp's type codes, looked up once: the conversion below runs for every varbind. */
function types(): ObjectTypes {
  objectTypes ??= lib().ObjectType;
  return objectTypes;
}

/** Converts net-snmp's varbind into ours; errors (noSuchObject…) become `null`. */
export function fromNetSnmp(vb: NetSnmp.Varbind): Varbind {
  const oid = vb.oid;
  const T = types();
  const type = vb.type;
  if (type === T.NoSuchObject || type === T.NoSuchInstance || type === T.EndOfMibView)
    return { oid, type: 'null' };
  const v = vb.value as unknown;
  switch (type) {
    case T.Integer:
      return { oid, type: 'int', value: Number(v) };
    case T.OctetString:
      return { oid, type: 'str', value: Buffer.isBuffer(v) ? v : Buffer.from(String(v)) };
    case T.OID:
      return { oid, type: 'oid', value: String(v) };
    case T.IpAddress:
      return { oid, type: 'ip', value: String(v) };
    case T.Counter32:
      return { oid, type: 'counter32', value: Number(v) };
    case T.Gauge32:
      return { oid, type: 'gauge32', value: Number(v) };
    case T.TimeTicks:
      return { oid, type: 'ticks', value: Number(v) };
    case T.Counter64:
      return { oid, type: 'counter64', value: Buffer.isBuffer(v) ? counter64(v) : 0n };
    default:
      return { oid, type: 'null' };
  }
}

/**
 * Turns net-snmp's errors into ours with fixed sentences. Its own messages are never passed on:
 * some of them quote the community string ("Community 'x' in request does not match…"), and the
 * error ends up on device pages that viewers and read-only tokens can see.
 */
function classify(err: unknown, target: SnmpTarget): AppError {
  const e = err as Error & { name?: string; code?: number; status?: number };
  const at = target.address;
  if (e?.name === 'RequestTimedOutError') return snmpTimeout(at);
  if (e?.name === 'ResponseInvalidError') {
    switch (e.code) {
      case lib().ResponseInvalidCode.EAuthFailure:
      case lib().ResponseInvalidCode.ECouldNotDecrypt:
        return new AppError(
          'SNMP_AUTH',
          `${at} refused the SNMPv3 credentials (authentication or privacy key).`,
          { kind: 'auth' },
        );
      case lib().ResponseInvalidCode.ECommunityNoMatch:
        return snmpCommunityMismatch(at);
      case lib().ResponseInvalidCode.EUnexpectedReport:
        return new AppError(
          'SNMP_AUTH',
          `${at} rejected the SNMPv3 request (unknown user, engine or time window).`,
          { kind: 'auth' },
        );
      default:
        return snmpBadResponse(at);
    }
  }
  if (e?.name === 'RequestFailedError') return snmpRefused(at, e.status);
  if (
    e?.name === 'AbortError' ||
    e?.name === 'TimeoutError' ||
    /forcibly closed|closed/i.test(e?.message ?? '')
  ) {
    return snmpStopped(at);
  }
  return snmpFailed(at);
}

/**
 * v1 and v2c go through our own client (community-client.ts): one UDP socket for the process,
 * shared by every open client, and OIDs encoded once. Module state rather than a dependency
 * passed from main.ts: it is a cache and a socket that exist only while some client is open, and
 * every caller already reaches SNMP through openSnmp alone.
 */
let shared: { transport: UdpTransport; oids: OidCache } | undefined;
function communityTransport() {
  shared ??= { transport: new UdpTransport(), oids: new OidCache() };
  return shared;
}

/**
 * The only place an SNMP session is opened (v1, v2c or v3). Every call rejects on error and the
 * session is closed by the caller in a `finally`. SNMPv3 (and a target that is not an IPv4
 * address, which net-snmp resolves) stays with net-snmp.
 */
export function openSnmp(
  target: SnmpTarget,
  cred: SnmpCredential,
  signal?: AbortSignal,
): SnmpClient {
  if (cred.version !== '3' && isIPv4(target.address)) {
    const { transport, oids } = communityTransport();
    return new CommunityClient(target, cred, transport, oids, signal);
  }
  const common = {
    port: target.port ?? 161,
    retries: target.retries,
    timeout: target.timeoutMs,
    transport: 'udp4' as const,
    backoff: 1.0,
    // An agent that answers with an earlier OID would otherwise walk forever.
    backwardsGetNexts: false,
  };
  const session =
    cred.version === '3'
      ? lib().createV3Session(
          target.address,
          {
            name: cred.user,
            level: lib().SecurityLevel[cred.level],
            ...(cred.authProtocol
              ? { authProtocol: AUTH()[cred.authProtocol], authKey: cred.authKey ?? '' }
              : {}),
            ...(cred.privProtocol
              ? { privProtocol: PRIV()[cred.privProtocol], privKey: cred.privKey ?? '' }
              : {}),
          },
          { ...common, version: lib().Version3 },
        )
      : lib().createSession(target.address, cred.community, {
          ...common,
          version: cred.version === '1' ? lib().Version1 : lib().Version2c,
        });
  let closed = false;
  // A socket error after close must not become an unhandled 'error' event.
  session.on('error', () => undefined);
  // Abort (cancel, shutdown, the per-device time budget) closes the session: every pending
  // request then fails at once instead of waiting for a slow agent.
  const onAbort = () => client.close();
  signal?.addEventListener('abort', onAbort, { once: true });
  // Requests in flight, so that close() settles every one of them itself: net-snmp does not
  // always call back after its socket is closed (a walk between two requests), and a promise that
  // never settles would hang the scan.
  const pending = new Set<(err: AppError) => void>();
  const track = <T>(
    run: (resolve: (v: T) => void, reject: (e: unknown) => void) => void,
  ): Promise<T> => {
    if (closed) return Promise.reject(classify(new Error('closed'), target));
    return new Promise<T>((resolve, reject) => {
      const fail = (err: AppError) => reject(err);
      pending.add(fail);
      run(
        (v) => {
          pending.delete(fail);
          resolve(v);
        },
        (e) => {
          pending.delete(fail);
          reject(e);
        },
      );
    });
  };
  const client: SnmpClient = {
    get(oids) {
      return track((resolve, reject) => {
        session.get(oids, (error, varbinds) => {
          if (error) reject(classify(error, target));
          else resolve((varbinds ?? []).map(fromNetSnmp));
        });
      });
    },
    walk(oid, maxVarbinds) {
      return track<{ varbinds: Varbind[]; truncated: boolean }>((resolve, reject) => {
        const out: Varbind[] = [];
        let truncated = false;
        const feed = (vbs: NetSnmp.Varbind[]) => {
          for (const vb of vbs) {
            if (out.length >= maxVarbinds) {
              truncated = true;
              return true; // stop the walk
            }
            out.push(fromNetSnmp(vb));
          }
          return undefined;
        };
        const done = (error: Error | undefined | null) => {
          if (error) reject(classify(error, target));
          else resolve({ varbinds: out, truncated });
        };
        // net-snmp walks with GetNext for v1 and GetBulk (20 rows a request) for v2c/v3.
        session.subtree(oid, 20, feed, done);
      });
    },
    close() {
      if (closed) return;
      closed = true;
      signal?.removeEventListener('abort', onAbort);
      for (const fail of pending) fail(classify(new Error('closed'), target));
      pending.clear();
      try {
        session.close();
      } catch {
        // already closed by a socket error
      }
    },
  };
  if (signal?.aborted) client.close();
  return client;
}

export type { SnmpValue };
