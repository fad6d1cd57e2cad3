import type { NodemailerError } from 'nodemailer/lib/errors';
import type { AppError } from '../../core/errors.js';
import { deadline } from '../../lib/deadline.js';
import type { NotificationMessage } from '../notify-message.js';
import type { EmailSettings } from './channel-schema.js';
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
 * Sends a notification e-mail through the channel's SMTP server, once: one connection, one
 * message, closed afterwards. No pool: notifications are rare, and a pooled connection would
 * outlive the attempt's deadline and cancellation.
 */

export interface EmailResult {
  messageId: string;
  /** The server's final answer ("250 2.0.0 Ok: queued as …"). */
  response: string;
  /** Recipients the server refused while accepting the others (the message went out). */
  rejected: string[];
}

/** Seconds a closed connection may wait for the server's goodbye before the socket is dropped. */
const SOCKET_CLOSE_MS = 1000;

function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at >= 0 ? address.slice(at + 1) : 'caretaker.invalid';
}

/** A Message-ID local part: the characters RFC 5322 allows in a dot-atom, nothing else. */
const idPart = (s: string) => s.replace(/[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]/g, '_').slice(0, 120);

const TLS_CODES =
  /^(CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|ERR_TLS_CERT_ALTNAME_INVALID|ERR_SSL_)/;

/** The first error code among the error and its causes that names a TLS certificate problem. */
function tlsCode(err: NodemailerError): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e; depth++) {
    for (const c of [
      (e as { code?: unknown }).code,
      (e as { originalCode?: unknown }).originalCode,
    ])
      if (typeof c === 'string' && TLS_CODES.test(c)) return c;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Sorts an SMTP failure: the connection did not work (transient), the login was refused (auth),
 * or the server refused the message for good (permanent). 4xx replies are "try again later".
 */
export function classifyEmailError(err: NodemailerError, where: string): ChannelError {
  const reply = err.response ? `: ${excerpt(err.response)}` : '';
  const rc = err.responseCode;
  const cert = tlsCode(err);
  if (cert)
    return permanent(
      'EMAIL_TLS_FAILED',
      `The certificate of ${where} was not accepted (${cert}). Give its CA certificate or check the host name.`,
      err,
    );
  switch (err.code) {
    case 'ETIMEDOUT':
      return transient('EMAIL_TIMEOUT', `${cap(where)} did not answer in time${reply}`, err);
    case 'EAUTH':
      // 454: "temporary authentication failure" (the server's password backend is down).
      if (rc !== undefined && rc >= 400 && rc < 500)
        return transient(
          'EMAIL_AUTH_DEFERRED',
          `${cap(where)} could not check the login now${reply}`,
          err,
        );
      return authFailure(
        'EMAIL_AUTH_FAILED',
        `${cap(where)} refused the user name or password${reply}`,
        err,
      );
    case 'ENOAUTH':
      return authFailure(
        'EMAIL_AUTH_MISSING',
        `${cap(where)} needs a user name and password.`,
        err,
      );
    case 'ETLS':
    case 'EREQUIRETLS':
      return permanent(
        'EMAIL_TLS_FAILED',
        `${cap(where)} does not offer a working STARTTLS${reply}. Choose TLS or another port.`,
        err,
      );
    case 'EPROTOCOL':
      return permanent(
        'EMAIL_PROTOCOL',
        `${cap(where)} does not speak SMTP as expected${reply}`,
        err,
      );
    case 'ECONFIG':
      return permanent('EMAIL_CONFIG', `The mail settings are not usable: ${err.message}`, err);
  }
  if (rc === 530)
    return authFailure('EMAIL_AUTH_MISSING', `${cap(where)} needs a login to send${reply}`, err);
  if (rc !== undefined && rc >= 500 && rc !== 503)
    return permanent('EMAIL_REJECTED', `${cap(where)} refused the message${reply}`, err);
  if (rc !== undefined && rc >= 400)
    return transient('EMAIL_DEFERRED', `${cap(where)} refused the message for now${reply}`, err);
  const sock = err.originalCode ?? err.code;
  if (sock === 'ECONNREFUSED')
    return transient('EMAIL_UNREACHABLE', `${cap(where)} refused the connection.`, err);
  if (err.code === 'EDNS' || sock === 'ENOTFOUND' || sock === 'EAI_AGAIN')
    return transient('EMAIL_UNREACHABLE', `The name of ${where} could not be resolved.`, err);
  return transient(
    'EMAIL_FAILED',
    `Sending through ${where} failed${err.code ? ` (${err.code})` : ''}: ${excerpt(err.message)}`,
    err,
  );
}

/**
 * Sends the message's e-mail to the channel's recipients within `settings.timeoutMs` (the whole
 * exchange, with nodemailer's connection, greeting and socket timeouts inside it). `deliveryId`
 * makes the Message-ID, so a retry that reaches the mailbox twice is recognisably the same mail.
 */
export async function sendEmail(
  settings: EmailSettings,
  email: NotificationMessage['email'],
  opts: {
    deliveryId: string;
    signal?: AbortSignal | undefined;
    /** The display name of the sender ("Caretaker Berlin"). */
    fromName?: string | undefined;
  },
): Promise<EmailResult> {
  const where = `the mail server ${settings.host}:${settings.port}`;
  if (opts.signal?.aborted) throw abortedError(opts.signal);
  const ms = settings.timeoutMs;
  // Loaded on first use: nodemailer adds about 15 MiB to a box that may never send a mail.
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.security === 'tls',
    requireTLS: settings.security === 'starttls',
    // 'none' means none: an offered STARTTLS with a certificate nobody can check must not fail it.
    ignoreTLS: settings.security === 'none',
    ...(settings.username !== undefined
      ? { auth: { user: settings.username, pass: settings.password ?? '' } }
      : {}),
    tls: {
      rejectUnauthorized: settings.tlsRejectUnauthorized,
      ...(settings.caPem ? { ca: settings.caPem } : {}),
    },
    connectionTimeout: ms,
    greetingTimeout: ms,
    socketTimeout: ms,
    dnsTimeout: ms,
    socketCloseTimeout: SOCKET_CLOSE_MS,
    logger: false,
    debug: false,
  });
  // The per-step timeouts each restart; this one bounds the attempt as a whole.
  const timeoutError = (): AppError =>
    transient('EMAIL_TIMEOUT', `${cap(where)} did not take the message within ${ms} ms.`);
  const dl = deadline(opts.signal, ms, timeoutError);
  const domain = domainOf(settings.from);
  try {
    const info = await transport.sendMail({
      from: { name: opts.fromName ?? 'Caretaker', address: settings.from },
      to: settings.to,
      subject: email.subject,
      text: email.text,
      html: email.html,
      headers: email.headers,
      messageId: `<${idPart(opts.deliveryId)}@${domain}>`,
      ...(email.threadKey
        ? { references: [`<incident-${idPart(email.threadKey)}@${domain}>`] }
        : {}),
      signal: dl.signal,
    });
    return {
      messageId: info.messageId,
      response: excerpt(info.response ?? ''),
      rejected: (info.rejected ?? []).map(String),
    };
  } catch (err) {
    if (opts.signal?.aborted) throw abortedError(opts.signal);
    if (dl.signal.aborted) throw dl.signal.reason as AppError;
    throw classifyEmailError(err as NodemailerError, where);
  } finally {
    dl.clear();
    transport.close();
  }
}
