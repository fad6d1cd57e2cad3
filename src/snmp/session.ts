import snmp from 'net-snmp';
import { AppError } from '../core/errors.js';
import type { SnmpCredential, SnmpValue, Varbind } from './types.js';

export interface SnmpTarget {
  address: string;
  port?: number;
  timeoutMs: number;
  retries: number;
}

/** What the rest of Caretaker uses of SNMP: get, walk, close. */
export interface SnmpClient {
  get(oids: string[]): Promise<Varbind[]>;
  /** All varbinds below `oid`, at most `maxVarbinds` (then it stops and says so with `truncated`). */
  walk(oid: string, maxVarbinds: number): Promise<{ varbinds: Varbind[]; truncated: boolean }>;
  close(): void;
}

const AUTH = {
  md5: snmp.AuthProtocols.md5,
  sha: snmp.AuthProtocols.sha,
  sha224: snmp.AuthProtocols.sha224,
  sha256: snmp.AuthProtocols.sha256,
  sha384: snmp.AuthProtocols.sha384,
  sha512: snmp.AuthProtocols.sha512,
};
const PRIV = {
  des: snmp.PrivProtocols.des,
  aes: snmp.PrivProtocols.aes,
  aes256b: snmp.PrivProtocols.aes256b,
  aes256r: snmp.PrivProtocols.aes256r,
};

/** Converts net-snmp's varbind into ours; errors (noSuchObject…) become `null`. */
export function fromNetSnmp(vb: snmp.Varbind): Varbind {
  const oid = vb.oid;
  if (snmp.isVarbindError(vb)) return { oid, type: 'null' };
  const v = vb.value as unknown;
  switch (vb.type) {
    case snmp.ObjectType.Integer:
      return { oid, type: 'int', value: Number(v) };
    case snmp.ObjectType.OctetString:
      return { oid, type: 'str', value: Buffer.isBuffer(v) ? v : Buffer.from(String(v)) };
    case snmp.ObjectType.OID:
      return { oid, type: 'oid', value: String(v) };
    case snmp.ObjectType.IpAddress:
      return { oid, type: 'ip', value: String(v) };
    case snmp.ObjectType.Counter32:
      return { oid, type: 'counter32', value: Number(v) };
    case snmp.ObjectType.Gauge32:
      return { oid, type: 'gauge32', value: Number(v) };
    case snmp.ObjectType.TimeTicks:
      return { oid, type: 'ticks', value: Number(v) };
    case snmp.ObjectType.Counter64: {
      const b = Buffer.isBuffer(v) ? v : Buffer.alloc(0);
      return { oid, type: 'counter64', value: b.length ? BigInt(`0x${b.toString('hex')}`) : 0n };
    }
    default:
      return { oid, type: 'null' };
  }
}

function classify(err: unknown, target: SnmpTarget): AppError {
  const e = err as Error & { name?: string };
  if (e?.name === 'RequestTimedOutError') {
    return new AppError(
      'SNMP_TIMEOUT',
      `${target.address} did not answer SNMP (wrong credentials, or no agent).`,
      { kind: 'transient', cause: err },
    );
  }
  if (/auth|decrypt|usm|unknown user|engine/i.test(e?.message ?? '')) {
    return new AppError(
      'SNMP_AUTH',
      `${target.address} refused the SNMPv3 credentials: ${e.message}`,
      { kind: 'auth', cause: err },
    );
  }
  return new AppError(
    'SNMP_ERROR',
    `SNMP to ${target.address} failed: ${e?.message ?? String(err)}`,
    { kind: 'transient', cause: err },
  );
}

/**
 * The only place an SNMP session is opened (v1, v2c or v3). Every call rejects on error and the
 * session is closed by the caller in a `finally`.
 */
export function openSnmp(target: SnmpTarget, cred: SnmpCredential): SnmpClient {
  const common = {
    port: target.port ?? 161,
    retries: target.retries,
    timeout: target.timeoutMs,
    transport: 'udp4' as const,
    backoff: 1.0,
  };
  const session =
    cred.version === '3'
      ? snmp.createV3Session(
          target.address,
          {
            name: cred.user,
            level: snmp.SecurityLevel[cred.level],
            ...(cred.authProtocol
              ? { authProtocol: AUTH[cred.authProtocol], authKey: cred.authKey ?? '' }
              : {}),
            ...(cred.privProtocol
              ? { privProtocol: PRIV[cred.privProtocol], privKey: cred.privKey ?? '' }
              : {}),
          },
          { ...common, version: snmp.Version3 },
        )
      : snmp.createSession(target.address, cred.community, {
          ...common,
          version: cred.version === '1' ? snmp.Version1 : snmp.Version2c,
        });
  let closed = false;
  // A socket error after close must not become an unhandled 'error' event.
  session.on('error', () => undefined);
  return {
    get(oids) {
      return new Promise((resolve, reject) => {
        session.get(oids, (error, varbinds) => {
          if (error) reject(classify(error, target));
          else resolve((varbinds ?? []).map(fromNetSnmp));
        });
      });
    },
    walk(oid, maxVarbinds) {
      return new Promise((resolve, reject) => {
        const out: Varbind[] = [];
        let truncated = false;
        const feed = (vbs: snmp.Varbind[]) => {
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
      try {
        session.close();
      } catch {
        // already closed by a socket error
      }
    },
  };
}

export type { SnmpValue };
