import { Resolver } from 'node:dns/promises';
import net from 'node:net';
import type { CheckDef, CheckResult } from './check-schema.js';
import { abortedError, elapsedMs, failedResult, failure, watchAbort } from './check-util.js';

type DnsCheckDef = Extract<CheckDef, { kind: 'dns' }>;

const bareName = (n: string) => n.toLowerCase().replace(/\.$/, '');
const sameAddress = (a: string, b: string) =>
  net.isIP(a) && net.isIP(a) === net.isIP(b)
    ? net.isIPv6(a)
      ? new net.SocketAddress({ address: a, family: 'ipv6' }).address ===
        new net.SocketAddress({ address: b, family: 'ipv6' }).address
      : a === b
    : false;

/** The answers as text, one per record. */
async function lookup(r: Resolver, def: DnsCheckDef): Promise<string[]> {
  switch (def.type) {
    case 'A':
      return r.resolve4(def.query);
    case 'AAAA':
      return r.resolve6(def.query);
    case 'MX':
      return (await r.resolveMx(def.query)).map((m) => m.exchange);
    case 'TXT':
      return (await r.resolveTxt(def.query)).map((parts) => parts.join(''));
    case 'CNAME':
      return r.resolveCname(def.query);
  }
}

/**
 * Whether an answer is the expected one: addresses compare as addresses, names without case or
 * trailing dot, TXT records by containment (an SPF or verification record is long; the admin
 * names the part that matters).
 */
export function answerMatches(type: DnsCheckDef['type'], answer: string, expect: string): boolean {
  switch (type) {
    case 'A':
    case 'AAAA':
      return sameAddress(answer, expect.trim());
    case 'TXT':
      return answer.includes(expect);
    default:
      return bareName(answer) === bareName(expect.trim());
  }
}

function dnsFailure(err: NodeJS.ErrnoException, def: DnsCheckDef): Error {
  const at = def.port === 53 ? 'The DNS server' : `The DNS server on port ${def.port}`;
  switch (err.code) {
    case 'ENOTFOUND':
      return failure('DNS_NXDOMAIN', `${at} says ${def.query} does not exist.`, err);
    case 'ENODATA':
      return failure('DNS_NO_ANSWER', `${at} has no ${def.type} record for ${def.query}.`, err);
    case 'ETIMEOUT':
      return failure('CHECK_TIMEOUT', `${at} did not answer within ${def.timeoutMs} ms.`, err);
    case 'ESERVFAIL':
      return failure('DNS_SERVFAIL', `${at} failed to resolve ${def.query} (SERVFAIL).`, err);
    case 'EREFUSED':
      return failure('DNS_REFUSED', `${at} refused to answer for ${def.query}.`, err);
    case 'ECONNREFUSED':
      return failure('PORT_CLOSED', `Nothing answers DNS on port ${def.port} of the device.`, err);
    case 'EBADRESP':
    case 'EFORMERR':
      return failure('DNS_BAD_ANSWER', `${at} sent an answer that could not be read.`, err);
    default:
      return failure('DNS_FAILED', `The DNS query failed (${err.code ?? 'error'}): ${err.message}`);
  }
}

/**
 * Asks the device itself (as a DNS server at address:port) for `query`/`type`, once, within the
 * timeout. Passes when it answers, and when `expect` is set, when one answer is the expected one.
 */
export async function dnsCheck(
  address: string,
  def: DnsCheckDef,
  opts: { signal?: AbortSignal | undefined } = {},
): Promise<CheckResult> {
  const started = performance.now();
  const abort = watchAbort(opts.signal);
  let timer: NodeJS.Timeout | undefined;
  let rttMs: number | undefined;
  let resolver: Resolver | undefined;
  try {
    // tries: 1, so that the timeout is the whole wait rather than the first of several.
    resolver = new Resolver({ timeout: def.timeoutMs, tries: 1 });
    // Throws at once on an address c-ares cannot use: a failed check, not a rejected run.
    resolver.setServers([
      net.isIPv6(address) ? `[${address}]:${def.port}` : `${address}:${def.port}`,
    ]);
    const r = resolver;
    const answers = await new Promise<string[]>((resolve, reject) => {
      abort.onAbort(reject);
      // c-ares's own timeout may back off beyond the configured one; this one is the promise.
      timer = setTimeout(
        () =>
          reject(
            failure(
              'CHECK_TIMEOUT',
              `The DNS server${def.port === 53 ? '' : ` on port ${def.port}`} did not answer within ${def.timeoutMs} ms.`,
            ),
          ),
        def.timeoutMs,
      );
      lookup(r, def).then(resolve, (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'ECANCELLED' && opts.signal?.aborted
            ? abortedError(opts.signal)
            : dnsFailure(err, def),
        ),
      );
    });
    rttMs = elapsedMs(started);
    if (def.expect !== undefined && !answers.some((a) => answerMatches(def.type, a, def.expect!)))
      throw failure(
        'DNS_WRONG_ANSWER',
        `${def.query} ${def.type} is ${answers.slice(0, 5).join(', ') || 'empty'}; expected ${def.expect}.`,
      );
    return { ok: true, rttMs };
  } catch (err) {
    return failedResult(err, rttMs !== undefined ? { rttMs } : {});
  } finally {
    clearTimeout(timer);
    abort.clear();
    resolver?.cancel();
  }
}
