import net from 'node:net';
import { z } from 'zod';

/**
 * The settings of a notification channel: how to reach a mail server, a webhook receiver or a
 * syslog collector. The same schema validates API bodies and forms. Secret fields (SECRET_FIELDS)
 * are encrypted at rest by the service and never shown back; the transports get them decrypted.
 */

export const CHANNEL_KINDS = ['email', 'webhook', 'syslog'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** Recipients per e-mail channel: a team list, not a mailing list. */
export const MAX_EMAIL_RECIPIENTS = 20;
/** Extra webhook headers: an API key or a tenant id, not a header dump. */
export const MAX_WEBHOOK_HEADERS = 10;

/** A DNS name (letters, digits, hyphens) as a server address. */
const HOST_NAME =
  /^(?=.{1,253}\.?$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
/** RFC 5424 header fields: printable US-ASCII, no spaces. */
const PRINT_US_ASCII = /^[\x21-\x7e]+$/;
/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Headers Caretaker sets itself or that describe the transfer rather than the request: a
 * configured value would either be overwritten or break the request (and Host would let a
 * channel reach another virtual host than its URL says).
 */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'user-agent',
]);

const host = z
  .string({ error: 'Enter the server name or address.' })
  .trim()
  .min(1, 'Enter the server name or address.')
  .max(253, 'Use at most 253 characters.')
  .refine(
    (h) => net.isIP(h) !== 0 || HOST_NAME.test(h),
    'Enter a host name such as mail.example.com or an IP address.',
  );

const port = (fallback: number) =>
  z
    .number({ error: 'Enter a port number.' })
    .int('Enter a whole port number.')
    .min(1, 'Ports are 1 to 65535.')
    .max(65535, 'Ports are 1 to 65535.')
    .default(fallback);

const timeoutMs = (min: number, fallback: number) =>
  z
    .number({ error: 'Enter a timeout in milliseconds.' })
    .int('Enter whole milliseconds.')
    .min(min, `Use at least ${min} ms.`)
    .max(60_000, 'Use at most 60000 ms (60 s).')
    .default(fallback);

const address = z.email({ error: 'Enter an e-mail address such as it@example.com.' }).max(254);

const emailSchema = z
  .object({
    kind: z.literal('email'),
    host,
    port: port(587),
    /** starttls: plain connect, then STARTTLS is required (port 587); tls: TLS from the start (465). */
    security: z
      .enum(['starttls', 'tls', 'none'], { error: 'Choose STARTTLS, TLS or none.' })
      .default('starttls'),
    username: z.string().trim().min(1).max(256, 'Use at most 256 characters.').optional(),
    password: z.string().min(1).max(1024, 'Use at most 1024 characters.').optional(),
    from: address,
    to: z
      .array(address, { error: 'Enter at least one recipient.' })
      .min(1, 'Enter at least one recipient.')
      .max(MAX_EMAIL_RECIPIENTS, `Use at most ${MAX_EMAIL_RECIPIENTS} recipients.`),
    /** Off only for a server with a self-signed certificate the admin cannot give as caPem. */
    tlsRejectUnauthorized: z.boolean().default(true),
    /** The CA (or the self-signed certificate itself) the server's certificate is checked against. */
    caPem: z
      .string()
      .max(64 * 1024, 'Use at most 64 KiB of PEM text.')
      .refine((s) => s.includes('-----BEGIN CERTIFICATE-----'), 'Paste a PEM certificate.')
      .optional(),
    /** The whole attempt: connect, greeting, TLS, login and the message. */
    timeoutMs: timeoutMs(1000, 15_000),
  })
  .strict()
  .refine((s) => s.password === undefined || s.username !== undefined, {
    message: 'Enter the user name that goes with the password.',
    path: ['username'],
  });

const headers = z
  .record(
    z.string().regex(HEADER_NAME, 'Header names are letters, digits and hyphens.').max(100),
    z
      .string()
      .max(1024, 'Use at most 1024 characters.')
      // eslint-disable-next-line no-control-regex
      .regex(/^[^\u0000-\u0008\u000a-\u001f\u007f]*$/, 'Header values are one line of text.'),
  )
  .refine((h) => Object.keys(h).length <= MAX_WEBHOOK_HEADERS, {
    message: `Use at most ${MAX_WEBHOOK_HEADERS} headers.`,
  })
  .superRefine((h, ctx) => {
    const seen = new Set<string>();
    for (const name of Object.keys(h)) {
      const lower = name.toLowerCase();
      if (RESERVED_HEADERS.has(lower) || lower.startsWith('x-caretaker-'))
        ctx.addIssue({
          code: 'custom',
          message: `${name} is set by Caretaker and cannot be configured.`,
          path: [name],
        });
      else if (seen.has(lower))
        ctx.addIssue({ code: 'custom', message: `${name} is given twice.`, path: [name] });
      seen.add(lower);
    }
  });

const webhookSchema = z
  .object({
    kind: z.literal('webhook'),
    url: z
      .url({ protocol: /^https?$/, error: 'Enter an http:// or https:// address.' })
      .max(2048, 'Use at most 2048 characters.')
      // fetch refuses URLs with credentials; a header is the place for them.
      .refine((u) => {
        const url = new URL(u);
        return url.username === '' && url.password === '';
      }, 'Put credentials in a header, not in the address.'),
    /** The HMAC-SHA256 key the receiver checks X-Caretaker-Signature with. */
    secret: z
      .string({ error: 'Enter a signing secret.' })
      .min(16, 'Use a signing secret of at least 16 characters.')
      .max(256, 'Use at most 256 characters.'),
    headers: headers.optional(),
    timeoutMs: timeoutMs(500, 5_000),
  })
  .strict();

const syslogSchema = z
  .object({
    kind: z.literal('syslog'),
    host,
    port: port(514),
    transport: z.enum(['udp', 'tcp'], { error: 'Choose UDP or TCP.' }).default('udp'),
    /** 16 is local0, the facility sites most often route to a SIEM. */
    facility: z
      .number({ error: 'Enter a facility number.' })
      .int('Enter a whole number.')
      .min(0, 'Facilities are 0 to 23.')
      .max(23, 'Facilities are 0 to 23.')
      .default(16),
    appName: z
      .string()
      .max(48, 'Use at most 48 characters.')
      .regex(PRINT_US_ASCII, 'Use printable ASCII without spaces.')
      .default('caretaker'),
    /** The HOSTNAME field; the box's own name when absent. */
    hostname: z
      .string()
      .max(255, 'Use at most 255 characters.')
      .regex(PRINT_US_ASCII, 'Use printable ASCII without spaces.')
      .optional(),
    /** TCP: connecting and sending. UDP has nothing to wait for but the name lookup. */
    timeoutMs: timeoutMs(500, 5_000),
  })
  .strict();

export const channelSettingsSchema = z.discriminatedUnion(
  'kind',
  [emailSchema, webhookSchema, syslogSchema],
  { error: 'Choose the kind of channel: email, webhook or syslog.' },
);

export type ChannelSettingsInput = z.input<typeof channelSettingsSchema>;
export type ChannelSettings = z.output<typeof channelSettingsSchema>;
export type EmailSettings = Extract<ChannelSettings, { kind: 'email' }>;
export type WebhookSettings = Extract<ChannelSettings, { kind: 'webhook' }>;
export type SyslogSettings = Extract<ChannelSettings, { kind: 'syslog' }>;

type SettingsOf<K extends ChannelKind> = Extract<ChannelSettings, { kind: K }>;

/** The fields the service encrypts at rest and never sends back to a browser or the API. */
export const SECRET_FIELDS: { readonly [K in ChannelKind]: readonly (keyof SettingsOf<K>)[] } = {
  email: ['password'],
  // Extra headers often carry a token (Authorization: Bearer …): sealed like the secret.
  webhook: ['secret', 'headers'],
  syslog: [],
};

/**
 * The settings without their secrets, for showing a channel (the form shows "set" / "not set").
 * `secretsSet` names the secret fields that have a value.
 */
export function withoutSecrets<T extends ChannelSettings>(
  settings: T,
): { settings: Partial<T>; secretsSet: string[] } {
  const secret = new Set<string>(SECRET_FIELDS[settings.kind] as readonly string[]);
  const out: Record<string, unknown> = {};
  const secretsSet: string[] = [];
  for (const [k, v] of Object.entries(settings)) {
    if (!secret.has(k)) out[k] = v;
    else if (v !== undefined && v !== '') secretsSet.push(k);
  }
  return { settings: out as Partial<T>, secretsSet };
}
