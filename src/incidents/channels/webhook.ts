import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../core/errors.js';
import { deadline } from '../../lib/deadline.js';
import type { WebhookPayload, WebhookPayloadBase } from '../notify-message.js';
import type { WebhookSettings } from './channel-schema.js';
import {
  abortedError,
  authFailure,
  cap,
  excerpt,
  permanent,
  transient,
  type ChannelError,
} from './channel-error.js';

/**
 * Posts a notification as signed JSON to a receiver, once. The receiver checks
 *   X-Caretaker-Signature: sha256=<hex HMAC-SHA256(secret, `${X-Caretaker-Timestamp}.${body}`)>
 * and drops repeats by X-Caretaker-Delivery. Redirects are never followed: a signed POST must
 * not be carried to a host the admin did not configure.
 */

export const SIGNATURE_HEADER = 'X-Caretaker-Signature';
export const TIMESTAMP_HEADER = 'X-Caretaker-Timestamp';
export const DELIVERY_HEADER = 'X-Caretaker-Delivery';
/** A receiver should refuse timestamps further than this from its clock (replays). */
export const SIGNATURE_TOLERANCE_S = 300;
/** Retry-After hints beyond this are capped: the queue must not park a channel for days. */
export const MAX_RETRY_AFTER_MS = 6 * 3600_000;
/** The part of a receiver's answer kept for the detail or error message. */
const BODY_EXCERPT_BYTES = 1024;

export interface WebhookResult {
  status: number;
  /** The start of the receiver's answer, one line. */
  response: string;
}

/** `sha256=<hex>` over `${timestamp}.${body}`. */
export function signPayload(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Whether `header` is the signature of `body` sent at `timestamp` (unix seconds, as text), in
 * constant time. With `now`, a timestamp more than `toleranceS` away also fails (a replay).
 */
export function verifySignature(
  secret: string,
  timestamp: string,
  body: string,
  header: string | null | undefined,
  opts: { now?: Date; toleranceS?: number } = {},
): boolean {
  if (typeof header !== 'string' || !/^\d{1,12}$/.test(timestamp)) return false;
  if (opts.now) {
    const skew = Math.abs(opts.now.getTime() / 1000 - Number(timestamp));
    if (skew > (opts.toleranceS ?? SIGNATURE_TOLERANCE_S)) return false;
  }
  const expected = Buffer.from(signPayload(secret, timestamp, body), 'utf8');
  const given = Buffer.from(header.trim(), 'utf8');
  // timingSafeEqual needs equal lengths; the length of a hex SHA-256 is no secret.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Retry-After as milliseconds from `now`: delta-seconds or an HTTP date; undefined if neither. */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  let ms: number;
  if (/^\d+$/.test(v)) ms = Number(v) * 1000;
  else {
    const at = Date.parse(v);
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - now.getTime());
  }
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

/** The body as sent: the rendered payload with this delivery's id and this attempt's time. */
export function webhookBody(
  base: WebhookPayloadBase,
  deliveryId: string,
  sentAt: Date,
): WebhookPayload {
  // Key order as documented, so that the JSON reads the same in every receiver's log.
  return {
    version: base.version,
    event: base.event,
    deliveryId,
    sentAt: sentAt.toISOString(),
    box: base.box,
    url: base.url,
    incident: base.incident,
    digest: base.digest,
  };
}

async function readExcerpt(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < BODY_EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    // The rest is not wanted; cancelling frees the connection instead of downloading it.
    await reader.cancel().catch(() => undefined);
  }
  return excerpt(Buffer.concat(chunks).subarray(0, BODY_EXCERPT_BYTES).toString('utf8'));
}

/** The Node errno-style code at the bottom of a fetch failure (ECONNREFUSED, CERT_HAS_EXPIRED). */
function rootCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ABORT_ERR') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

const TLS_CODES =
  /^(CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|ERR_TLS_CERT_ALTNAME_INVALID|ERR_SSL_)/;

function networkFailure(err: unknown, where: string): ChannelError {
  const code = rootCode(err);
  if (code && TLS_CODES.test(code))
    return permanent(
      'WEBHOOK_TLS_FAILED',
      `The certificate of ${where} was not accepted (${code}). Fix the receiver's certificate.`,
      err,
    );
  switch (code) {
    case 'ECONNREFUSED':
      return transient('WEBHOOK_UNREACHABLE', `${cap(where)} refused the connection.`, err);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return transient('WEBHOOK_UNREACHABLE', `The name of ${where} could not be resolved.`, err);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return transient('WEBHOOK_UNREACHABLE', `${cap(where)} cannot be reached (${code}).`, err);
    case 'UND_ERR_CONNECT_TIMEOUT':
      return transient('WEBHOOK_TIMEOUT', `Connecting to ${where} timed out.`, err);
    default:
      return transient(
        'WEBHOOK_FAILED',
        `Sending to ${where} failed${code ? ` (${code})` : ''}: ${err instanceof Error ? err.message : String(err)}`,
        err,
      );
  }
}

function statusFailure(res: Response, text: string, where: string, now: Date): ChannelError {
  const s = res.status;
  const said = text ? `: ${text}` : '';
  if (s >= 300 && s < 400) {
    const location = res.headers.get('location');
    let to = '';
    try {
      if (location) to = ` to ${new URL(location, res.url || undefined).host}`;
    } catch {
      // An unparsable Location still is a redirect; the message just cannot name the target.
    }
    return permanent(
      'WEBHOOK_REDIRECT',
      `${cap(where)} answered ${s} (a redirect${to}). Redirects are not followed: enter the final address.`,
    );
  }
  if (s === 408 || s === 429 || s >= 500) {
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), now);
    return transient(
      s === 429 ? 'WEBHOOK_RATE_LIMITED' : 'WEBHOOK_SERVER_ERROR',
      `${cap(where)} answered ${s}${said}`,
      undefined,
      retryAfterMs,
    );
  }
  if (s === 401 || s === 403)
    return authFailure(
      'WEBHOOK_UNAUTHORIZED',
      `${cap(where)} refused the request with ${s}: check the signing secret and headers${said}`,
    );
  if (s >= 400)
    return permanent('WEBHOOK_REJECTED', `${cap(where)} rejected the request with ${s}${said}`);
  // 1xx final statuses do not happen with fetch; anything else odd is worth another try.
  return transient('WEBHOOK_SERVER_ERROR', `${cap(where)} answered an unexpected ${s}${said}`);
}

/**
 * Sends `payload` to the channel's URL, once, within `settings.timeoutMs` (connect, headers and
 * the start of the answer). Resolves on a 2xx answer; throws a ChannelError otherwise.
 */
export async function sendWebhook(
  settings: WebhookSettings,
  payload: WebhookPayloadBase,
  opts: { deliveryId: string; now: Date; version: string; signal?: AbortSignal | undefined },
): Promise<WebhookResult> {
  const url = new URL(settings.url);
  const where = `the webhook receiver ${url.host}`;
  const body = JSON.stringify(webhookBody(payload, opts.deliveryId, opts.now));
  const timestamp = String(Math.floor(opts.now.getTime() / 1000));

  const headers = new Headers(settings.headers ?? {});
  headers.set('Content-Type', 'application/json; charset=utf-8');
  headers.set('User-Agent', `caretaker/${opts.version}`);
  headers.set(TIMESTAMP_HEADER, timestamp);
  headers.set(DELIVERY_HEADER, opts.deliveryId);
  headers.set(SIGNATURE_HEADER, signPayload(settings.secret, timestamp, body));

  if (opts.signal?.aborted) throw abortedError(opts.signal);
  // deadline() rather than AbortSignal.any(): on Node 20 the timeout may never fire (see there).
  const timeoutError = () =>
    transient('WEBHOOK_TIMEOUT', `${cap(where)} did not answer within ${settings.timeoutMs} ms.`);
  const dl = deadline(opts.signal, settings.timeoutMs, timeoutError);
  let res: Response | undefined;
  try {
    try {
      res = await fetch(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: dl.signal,
      });
    } catch (err) {
      throw dl.signal.aborted ? abortReason(dl.signal, opts.signal) : networkFailure(err, where);
    }
    let text = '';
    try {
      text = await readExcerpt(res);
    } catch {
      // The status has arrived and says what happened; an answer that broke off or dragged on
      // past the deadline only loses its excerpt (a 2xx is still a delivery).
    }
    if (res.ok) return { status: res.status, response: text };
    throw statusFailure(res, text, where, opts.now);
  } finally {
    dl.clear();
    if (res?.body && !res.bodyUsed) await res.body.cancel().catch(() => undefined);
  }
}

/** Our own cancellation, or the timeout's error. */
function abortReason(signal: AbortSignal, parent: AbortSignal | undefined): AppError {
  if (parent?.aborted) return abortedError(parent);
  return signal.reason instanceof AppError ? signal.reason : abortedError(signal);
}
