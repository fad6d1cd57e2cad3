import { z } from 'zod';

/**
 * Service checks an admin defines on a device: is this TCP port open, does this web page answer
 * with the right status (and word, and a certificate that is not about to expire), does this DNS
 * server resolve this name. The same schemas validate the API bodies and the forms.
 */

export const CHECK_KINDS = ['tcp', 'http', 'dns'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];
export const DNS_TYPES = ['A', 'AAAA', 'MX', 'TXT', 'CNAME'] as const;
export type DnsType = (typeof DNS_TYPES)[number];

/** Checks per device, and in all: each one costs a connection every serviceIntervalS. */
export const MAX_CHECKS_PER_DEVICE = 50;
export const MAX_CHECKS = 2000;

const port = z
  .number({ error: 'Enter a port number.' })
  .int('Enter a whole port number.')
  .min(1, 'Ports are 1 to 65535.')
  .max(65535, 'Ports are 1 to 65535.');

const timeoutMs = z
  .number({ error: 'Enter a timeout in milliseconds.' })
  .int('Enter whole milliseconds.')
  .min(100, 'Use at least 100 ms.')
  .max(30_000, 'Use at most 30000 ms (30 s).')
  .default(5_000);

/** A DNS name (or a label list): letters, digits, hyphens and underscores (SRV, DKIM). */
const HOST_NAME =
  /^(?=.{1,253}\.?$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

/** "200-399", "200", "200,204,301-302": the statuses that count as passing. */
const STATUS_SPEC = /^\s*\d{3}(\s*-\s*\d{3})?(\s*,\s*\d{3}(\s*-\s*\d{3})?)*\s*$/;

export interface StatusRange {
  min: number;
  max: number;
}

/** The ranges of a status spec that already passed the schema. */
export function parseStatusSpec(spec: string): StatusRange[] {
  return spec.split(',').map((part) => {
    const [a, b] = part.split('-').map((x) => Number(x.trim()));
    return { min: a!, max: b ?? a! };
  });
}

export function statusMatches(spec: string, status: number): boolean {
  return parseStatusSpec(spec).some((r) => status >= r.min && status <= r.max);
}

const statusSpec = z
  .string()
  .trim()
  .max(100, 'Use at most 100 characters.')
  .regex(STATUS_SPEC, 'Write statuses like 200-399, 200 or 200,301-302.')
  .refine(
    // A spec the pattern already refused is reported once, by the pattern.
    (s) =>
      !STATUS_SPEC.test(s) ||
      parseStatusSpec(s).every((r) => r.min >= 100 && r.max <= 599 && r.min <= r.max),
    'Statuses are 100 to 599, the lower one first.',
  )
  .default('200-399');

const common = {
  name: z
    .string({ error: 'Give the check a name.' })
    .trim()
    .min(1, 'Give the check a name.')
    .max(80, 'Use at most 80 characters.'),
  enabled: z.boolean().default(true),
  timeoutMs,
};

const tcpFields = { kind: z.literal('tcp'), port };

const httpFields = {
  kind: z.literal('http'),
  /** Defaults to 80, or 443 with https. */
  port: port.optional(),
  path: z
    .string()
    .trim()
    .max(1000, 'Use at most 1000 characters.')
    .regex(/^\/[^\s#]*$/, 'Start the path with / and leave out spaces and #.')
    .default('/'),
  https: z.boolean().default(false),
  expectStatus: statusSpec,
  /** Text the first 256 KiB of the body must contain. */
  keyword: z.string().min(1).max(200, 'Use at most 200 characters.').optional(),
  /** Days of certificate validity below which the rules warn (the check itself still passes). */
  certWarnDays: z
    .number({ error: 'Enter a number of days.' })
    .int('Enter whole days.')
    .min(0, 'Use 0 to 365 days.')
    .max(365, 'Use 0 to 365 days.')
    .default(21),
  /** Fail when the certificate does not verify (self-signed, wrong name, expired). */
  verifyTls: z.boolean().default(false),
  /** Host header and TLS server name, for a site served by name rather than by address. */
  hostHeader: z
    .string()
    .trim()
    .max(253)
    .regex(HOST_NAME, 'Enter a host name such as intranet.example.lan.')
    .optional(),
};

const dnsFields = {
  kind: z.literal('dns'),
  port: port.default(53),
  /** The name to resolve. */
  query: z
    .string({ error: 'Enter the name to look up.' })
    .trim()
    .min(1, 'Enter the name to look up.')
    .regex(HOST_NAME, 'Enter a name such as fileserver.branch.lan.'),
  type: z.enum(DNS_TYPES, { error: 'Choose A, AAAA, MX, TXT or CNAME.' }).default('A'),
  /** An answer the server must give (an address, a host name or text); any answer if absent. */
  expect: z.string().trim().min(1).max(255, 'Use at most 255 characters.').optional(),
};

const deviceId = z.string().min(1).max(64);

/** A check as created: everything but its id and times. */
export const checkInputSchema = z.discriminatedUnion(
  'kind',
  [
    z.object({ ...common, deviceId, ...tcpFields }).strict(),
    z.object({ ...common, deviceId, ...httpFields }).strict(),
    z.object({ ...common, deviceId, ...dnsFields }).strict(),
  ],
  { error: 'Choose the kind of check: tcp, http or dns.' },
);
export type CheckInput = z.input<typeof checkInputSchema>;
export type CheckDef = z.output<typeof checkInputSchema>;

/** A check as replaced (PUT): the same without the device, which a check never changes. */
export const checkUpdateSchema = z.discriminatedUnion(
  'kind',
  [
    z.object({ ...common, ...tcpFields }).strict(),
    z.object({ ...common, ...httpFields }).strict(),
    z.object({ ...common, ...dnsFields }).strict(),
  ],
  { error: 'Choose the kind of check: tcp, http or dns.' },
);
export type CheckUpdate = z.output<typeof checkUpdateSchema>;

export const checkQuerySchema = z
  .object({
    deviceId: deviceId.optional(),
    limit: z.coerce.number().int().min(1).max(MAX_CHECKS).default(500),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();

/** A stored check. */
export type ServiceCheck = CheckDef & { id: string; createdAt: string; updatedAt: string };

/** The outcome of one run of a check. */
export interface CheckResult {
  ok: boolean;
  rttMs?: number;
  /** Days until the server certificate expires (negative: expired), for HTTPS. */
  certDays?: number;
  statusCode?: number;
  error?: { code: string; message: string };
}

/** The latest result of a check, as kept between runs. */
export interface CheckResultRecord extends CheckResult {
  checkId: string;
  at: string;
}

/** The port a check connects to. */
export function checkPort(def: CheckDef | CheckUpdate): number {
  if (def.kind === 'http') return def.port ?? (def.https ? 443 : 80);
  return def.port;
}

/** A one-line description for lists: "HTTPS :443 /health", "TCP :22", "DNS A intranet.lan". */
export function describeCheck(def: CheckDef | CheckUpdate): string {
  switch (def.kind) {
    case 'tcp':
      return `TCP port ${def.port}`;
    case 'http':
      return `${def.https ? 'HTTPS' : 'HTTP'} :${checkPort(def)}${def.path}`;
    case 'dns':
      return `DNS ${def.type} ${def.query}${def.port === 53 ? '' : ` (port ${def.port})`}`;
  }
}
