import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { AppError } from '../../core/errors.js';
import { checkPort, statusMatches, type CheckDef, type CheckResult } from './check-schema.js';
import { connectFailure } from './tcp-check.js';
import { elapsedMs, failedResult, failure, watchAbort } from './check-util.js';

type HttpCheckDef = Extract<CheckDef, { kind: 'http' }>;

/** Body read for the keyword at most: a page's start, not a download. */
export const MAX_BODY_BYTES = 256 * 1024;
const DAY_MS = 86_400_000;

/** Days from `nowMs` until a certificate's `valid_to` (negative: expired), to 0.01 day. */
export function certDaysLeft(validTo: string, nowMs: number): number | undefined {
  const t = Date.parse(validTo);
  return Number.isFinite(t) ? Math.round(((t - nowMs) / DAY_MS) * 100) / 100 : undefined;
}

function tlsFailure(err: NodeJS.ErrnoException): AppError {
  return failure(
    'TLS_FAILED',
    `The TLS handshake failed (${err.code ?? 'error'}): is this port serving HTTPS? ${err.message}`,
    err,
  );
}

function requestFailure(err: NodeJS.ErrnoException, port: number): Error {
  if ((err as Partial<AppError>).kind) return err; // already one of ours
  const code = err.code ?? '';
  if (code.startsWith('ERR_SSL') || code === 'EPROTO' || /SSL|TLS/.test(err.message))
    return tlsFailure(err);
  if (code.startsWith('HPE_'))
    return failure('BAD_RESPONSE', `The server's answer is not valid HTTP: ${err.message}`, err);
  if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE')
    return failure(
      'CONNECTION_RESET',
      `The server closed the connection on port ${port} before it answered.`,
      err,
    );
  return connectFailure(err, port);
}

/**
 * GET `path` from the device and judge the answer: status among the expected ones, keyword in
 * the first 256 KiB. Redirects are not followed: a 301 is an answer (and passes 200-399). For
 * HTTPS the certificate's remaining days are always recorded, whoever signed it; it must verify
 * only when `verifyTls` is set. An expiring certificate is a value for the rules, not a failure.
 */
export async function httpCheck(
  address: string,
  def: HttpCheckDef,
  opts: { signal?: AbortSignal | undefined; nowMs?: number } = {},
): Promise<CheckResult> {
  const port = checkPort(def);
  const started = performance.now();
  const abort = watchAbort(opts.signal);
  let req: http.ClientRequest | undefined;
  let timer: NodeJS.Timeout | undefined;
  let certDays: number | undefined;
  let statusCode: number | undefined;
  let rttMs: number | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      abort.onAbort(reject);
      timer = setTimeout(
        () =>
          reject(
            failure(
              'CHECK_TIMEOUT',
              `${def.https ? 'HTTPS' : 'HTTP'} on port ${port} did not answer within ${def.timeoutMs} ms.`,
            ),
          ),
        def.timeoutMs,
      );
      const hostHeader = def.hostHeader ?? (net.isIPv6(address) ? `[${address}]` : address);
      const withPort = port === (def.https ? 443 : 80) ? hostHeader : `${hostHeader}:${port}`;
      const options: https.RequestOptions = {
        host: address,
        port,
        path: def.path,
        method: 'GET',
        agent: false,
        headers: {
          host: withPort,
          'user-agent': 'Caretaker-service-check',
          accept: '*/*',
          // A compressed body would hide the keyword; ask for the plain one.
          'accept-encoding': 'identity',
          connection: 'close',
        },
      };
      if (def.https) {
        // Verified by hand below, so that the certificate's days are known even when it fails.
        options.rejectUnauthorized = false;
        if (def.hostHeader) options.servername = def.hostHeader;
      }
      req = (def.https ? https : http).request(options);
      req.on('socket', (socket) => {
        if (!def.https) return;
        socket.once('secureConnect', () => {
          const s = socket as tls.TLSSocket;
          const cert = s.getPeerCertificate();
          if (cert?.valid_to) certDays = certDaysLeft(cert.valid_to, opts.nowMs ?? Date.now());
          if (!def.verifyTls) return;
          if (!s.authorized) {
            req?.destroy(
              failure(
                'CERT_INVALID',
                `The server's certificate is not trusted (${String(s.authorizationError)}).`,
              ),
            );
            return;
          }
          const mismatch = tls.checkServerIdentity(def.hostHeader ?? address, cert);
          if (mismatch)
            req?.destroy(
              failure(
                'CERT_NAME_MISMATCH',
                `The server's certificate is not for ${def.hostHeader ?? address}: ${mismatch.message}`,
              ),
            );
        });
      });
      req.on('error', (err: NodeJS.ErrnoException) => reject(requestFailure(err, port)));
      req.on('response', (res) => {
        rttMs = elapsedMs(started);
        statusCode = res.statusCode ?? 0;
        res.on('error', (err: NodeJS.ErrnoException) => reject(requestFailure(err, port)));
        if (!statusMatches(def.expectStatus, statusCode)) {
          reject(
            failure(
              'UNEXPECTED_STATUS',
              `The server answered ${statusCode}${res.statusMessage ? ` ${res.statusMessage}` : ''}; expected ${def.expectStatus}.`,
            ),
          );
          return;
        }
        if (def.keyword === undefined) {
          resolve();
          return;
        }
        const keyword = def.keyword;
        const chunks: Buffer[] = [];
        let size = 0;
        const judge = (truncated: boolean) => {
          const body = Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8');
          if (body.includes(keyword)) resolve();
          else
            reject(
              failure(
                'KEYWORD_MISSING',
                `The page does not contain “${keyword}”${truncated ? ' in its first 256 KiB' : ''}.`,
              ),
            );
        };
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size >= MAX_BODY_BYTES) {
            judge(true);
            res.destroy();
          }
        });
        res.on('end', () => judge(false));
      });
      req.end();
    });
    return {
      ok: true,
      ...(rttMs !== undefined ? { rttMs } : {}),
      ...(statusCode !== undefined ? { statusCode } : {}),
      ...(certDays !== undefined ? { certDays } : {}),
    };
  } catch (err) {
    // What was measured before the failure is still worth keeping (a 500 has an RTT).
    return failedResult(err, {
      ...(rttMs !== undefined ? { rttMs } : {}),
      ...(statusCode !== undefined ? { statusCode } : {}),
      ...(certDays !== undefined ? { certDays } : {}),
    });
  } finally {
    clearTimeout(timer);
    abort.clear();
    req?.on('error', () => undefined);
    req?.destroy();
  }
}
