import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import os from 'node:os';
import type { AppError } from '../../core/errors.js';
import { deadline } from '../../lib/deadline.js';
import type { Severity } from '../../monitor/rules.js';
import type { NotifyKind } from '../notify-message.js';
import type { SyslogSettings } from './channel-schema.js';
import { abortedError, cap, transient, watchAbort, type ChannelError } from './channel-error.js';

/**
 * Sends a notification to a syslog collector as one RFC 5424 message, once: over UDP (RFC 5426,
 * one datagram) or TCP (RFC 6587 octet counting, one connection per message).
 *
 *   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [caretaker@32473 incident="…" …] MSG
 */

/**
 * The SD-ID of our structured data. 32473 is the private enterprise number IANA reserves for
 * documentation (RFC 5612); a registered number would replace it without changing the params.
 */
export const SD_ID = 'caretaker@32473';
/** RFC 5426: every receiver takes 2048 bytes; larger datagrams may be dropped or cut anywhere. */
export const UDP_MAX_BYTES = 2048;
/** rsyslog and syslog-ng accept 8 KiB by default; a notification line never needs more. */
export const TCP_MAX_BYTES = 8192;
/** A structured-data value is a label, not a text: long ones are cut. */
const PARAM_VALUE_MAX = 256;

/** RFC 5424 severities: 2 crit, 3 err, 4 warning, 5 notice, 6 info. */
export type SyslogSeverity = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

const SEVERITY_MAP: Record<Severity, SyslogSeverity> = {
  critical: 2,
  major: 3,
  minor: 4,
  warning: 4,
  info: 6,
};

/**
 * The syslog severity of a notification. A resolution is a notice whatever the incident was: a
 * collector alerting on crit must not page someone because a problem went away.
 */
export function syslogSeverity(severity: Severity, kind?: NotifyKind): SyslogSeverity {
  return kind === 'resolved' ? 5 : SEVERITY_MAP[severity];
}

export interface SyslogRecord {
  /** 0..23 */
  facility: number;
  severity: SyslogSeverity;
  time: Date;
  hostname?: string | undefined;
  appName: string;
  procId?: string | undefined;
  msgId?: string | undefined;
  /** Parameters of the caretaker@32473 element, in order; empty values are left out. */
  params: Record<string, string>;
  msg: string;
}

/** A header field: printable US-ASCII without spaces, at most `max`, "-" (NILVALUE) if empty. */
function headerField(s: string | undefined, max: number): string {
  const v = (s ?? '').replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return v === '' ? '-' : v;
}

/** PARAM-VALUE escaping (RFC 5424 6.3.3): `"`, `\` and `]` get a backslash. */
export function escapeParamValue(s: string): string {
  return s.replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** One line: control characters would split the message for line-based collectors. */
function flatten(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
}

function clipChars(s: string, max: number): string {
  const chars = Array.from(s);
  return chars.length > max ? chars.slice(0, max).join('') : s;
}

/** The whole RFC 5424 message as text (MSG is UTF-8 without a BOM, which 5424 allows). */
export function formatSyslog(rec: SyslogRecord): string {
  const pri = Math.trunc(rec.facility) * 8 + rec.severity;
  const params = Object.entries(rec.params)
    .map(([k, v]) => [k.replace(/[^\x21-\x7e]|[= \]"]/g, '').slice(0, 32), flatten(v)] as const)
    .filter(([k, v]) => k !== '' && v !== '')
    .map(([k, v]) => ` ${k}="${escapeParamValue(clipChars(v, PARAM_VALUE_MAX))}"`)
    .join('');
  const sd = params ? `[${SD_ID}${params}]` : '-';
  const msg = flatten(rec.msg);
  const head = [
    `<${pri}>1`,
    rec.time.toISOString(),
    headerField(rec.hostname, 255),
    headerField(rec.appName, 48),
    headerField(rec.procId, 128),
    headerField(rec.msgId, 32),
    sd,
  ].join(' ');
  return msg ? `${head} ${msg}` : head;
}

/**
 * The first `max` bytes of UTF-8 `buf`, without a character cut in half: a partial sequence at
 * the end is dropped (continuation bytes are 10xxxxxx).
 */
export function truncateUtf8(buf: Buffer, max: number): Buffer {
  if (buf.length <= max) return buf;
  let end = max;
  // Step back over continuation bytes to the lead byte of the character that crosses `max`...
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  // ...which is then left out along with them (or `max` itself starts a character: keep all).
  return buf.subarray(0, end);
}

/** RFC 6587 octet counting: "<byte length> <message>". */
export function octetFrame(msg: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${msg.length} `, 'ascii'), msg]);
}

export interface SyslogResult {
  bytes: number;
  truncated: boolean;
}

function socketFailure(err: NodeJS.ErrnoException, where: string): ChannelError {
  switch (err.code) {
    case 'ECONNREFUSED':
      return transient('SYSLOG_UNREACHABLE', `${cap(where)} refused the connection.`, err);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return transient('SYSLOG_UNREACHABLE', `The name of ${where} could not be resolved.`, err);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return transient('SYSLOG_UNREACHABLE', `${cap(where)} cannot be reached (${err.code}).`, err);
    default:
      return transient(
        'SYSLOG_FAILED',
        `Sending to ${where} failed${err.code ? ` (${err.code})` : ''}: ${err.message}`,
        err,
      );
  }
}

function abortReason(signal: AbortSignal, parent: AbortSignal | undefined): unknown {
  return parent?.aborted ? abortedError(parent) : signal.reason;
}

async function sendUdp(
  settings: SyslogSettings,
  data: Buffer,
  signal: AbortSignal,
  parent: AbortSignal | undefined,
  where: string,
): Promise<void> {
  let socket: dgram.Socket | undefined;
  let clearAbort = () => undefined as void;
  try {
    await new Promise<void>((resolve, reject) => {
      clearAbort = watchAbort(signal, reject, () => abortReason(signal, parent));
      // The socket family must match the address; a name is looked up first (within the deadline).
      const family = net.isIP(settings.host);
      const resolved = family
        ? Promise.resolve({ address: settings.host, family })
        : lookup(settings.host);
      resolved.then(
        ({ address, family: fam }) => {
          if (signal.aborted) return;
          const s = dgram.createSocket(fam === 6 ? 'udp6' : 'udp4');
          socket = s;
          s.once('error', (err) => reject(socketFailure(err, where)));
          s.send(data, settings.port, address, (err) =>
            err ? reject(socketFailure(err, where)) : resolve(),
          );
        },
        (err: NodeJS.ErrnoException) => reject(socketFailure(err, where)),
      );
    });
  } finally {
    clearAbort();
    try {
      socket?.close();
    } catch {
      // Already closed by an error: nothing left to release.
    }
  }
}

async function sendTcp(
  settings: SyslogSettings,
  frame: Buffer,
  signal: AbortSignal,
  parent: AbortSignal | undefined,
  where: string,
): Promise<void> {
  let socket: net.Socket | undefined;
  let clearAbort = () => undefined as void;
  try {
    await new Promise<void>((resolve, reject) => {
      clearAbort = watchAbort(signal, reject, () => abortReason(signal, parent));
      if (signal.aborted) return;
      const s = net.connect({ host: settings.host, port: settings.port });
      socket = s;
      s.once('error', (err) => reject(socketFailure(err, where)));
      // Resolved once the frame is handed to the kernel; the collector sends no acknowledgement.
      s.once('connect', () => s.end(frame, () => resolve()));
    });
  } finally {
    clearAbort();
    socket?.destroy();
  }
}

/**
 * Sends one message to the channel's collector within `settings.timeoutMs` (the name lookup, and
 * for TCP connecting and handing over the frame). UDP reports success once the datagram is sent:
 * nothing tells whether a collector received it.
 */
export async function sendSyslog(
  settings: SyslogSettings,
  message: {
    severity: SyslogSeverity;
    msgId: string;
    params: Record<string, string>;
    text: string;
  },
  opts: { now: Date; signal?: AbortSignal | undefined; procId?: string | undefined },
): Promise<SyslogResult> {
  const where = `the syslog collector ${settings.host}:${settings.port} (${settings.transport.toUpperCase()})`;
  if (opts.signal?.aborted) throw abortedError(opts.signal);
  const line = formatSyslog({
    facility: settings.facility,
    severity: message.severity,
    time: opts.now,
    hostname: settings.hostname ?? os.hostname(),
    appName: settings.appName,
    procId: opts.procId ?? String(process.pid),
    msgId: message.msgId,
    params: message.params,
    msg: message.text,
  });
  const full = Buffer.from(line, 'utf8');
  const data = truncateUtf8(full, settings.transport === 'udp' ? UDP_MAX_BYTES : TCP_MAX_BYTES);
  const timeoutError = (): AppError =>
    transient(
      'SYSLOG_TIMEOUT',
      `${cap(where)} did not take the message within ${settings.timeoutMs} ms.`,
    );
  const dl = deadline(opts.signal, settings.timeoutMs, timeoutError);
  try {
    if (settings.transport === 'udp') await sendUdp(settings, data, dl.signal, opts.signal, where);
    else await sendTcp(settings, octetFrame(data), dl.signal, opts.signal, where);
    return { bytes: data.length, truncated: data.length < full.length };
  } finally {
    dl.clear();
  }
}
