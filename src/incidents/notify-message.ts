import type { Severity } from '../monitor/rules.js';

/**
 * What a notification says, rendered once per event for every transport: an e-mail (subject,
 * plain text, simple HTML), a webhook payload and a syslog line. Pure: the incident service
 * renders, the delivery queue stores the result (plain JSON) and hands it to the transports on
 * every attempt, so a retry sends exactly what the first attempt sent. Channel settings are not
 * an input, so no secret can end up in a message.
 */

export const NOTIFY_KINDS = [
  'opened',
  'reopened',
  'escalated',
  'flapping',
  'resolved',
  'recheck',
  'test',
  'digest',
] as const;
export type NotifyKind = (typeof NOTIFY_KINDS)[number];

/** An incident as notifications describe it. Times are ISO-8601 UTC. */
export interface IncidentSummary {
  id: string;
  title: string;
  severity: Severity;
  /** open, acknowledged, resolved (the incident service's states). */
  state: string;
  deviceId?: string | undefined;
  deviceName?: string | undefined;
  ruleId?: string | undefined;
  /** The measured value that opened or last updated the incident (97.5, "down"). */
  value?: number | string | undefined;
  /** How many events the incident has absorbed. */
  count: number;
  firstSeen: string;
  lastSeen: string;
  assignee?: string | undefined;
  /** A link to this incident's page; digests link each line with it. */
  url?: string | undefined;
}

interface NotifyBase {
  boxName: string;
  siteName: string;
  /** The incident's page on the box (for a digest: the incident list). */
  incidentUrl: string;
}

export type NotifyInput =
  | (NotifyBase & { kind: Exclude<NotifyKind, 'digest'>; incident: IncidentSummary })
  | (NotifyBase & { kind: 'digest'; digestItems: IncidentSummary[] });

/** The incident in a webhook payload: every key always present, null when unknown. */
export interface WebhookIncident {
  id: string;
  title: string;
  severity: Severity;
  state: string;
  deviceId: string | null;
  deviceName: string | null;
  ruleId: string | null;
  value: number | string | null;
  count: number;
  firstSeen: string;
  lastSeen: string;
  assignee: string | null;
  url: string | null;
}

export type WebhookEvent =
  | 'incident.opened'
  | 'incident.reopened'
  | 'incident.escalated'
  | 'incident.flapping'
  | 'incident.resolved'
  | 'incident.recheck'
  | 'test'
  | 'digest';

/**
 * The JSON a webhook receiver gets (version 1). New keys may be added; existing keys keep their
 * meaning and type. `deliveryId` is the same on every retry of one delivery, so a receiver can
 * drop duplicates; `sentAt` is the time of this attempt.
 */
export interface WebhookPayload {
  version: 1;
  event: WebhookEvent;
  deliveryId: string;
  sentAt: string;
  box: { name: string; site: string };
  url: string;
  /** null for a digest. */
  incident: WebhookIncident | null;
  /** The incidents of a digest; null for any other event. */
  digest: WebhookIncident[] | null;
}

/** The payload as rendered; the webhook transport adds deliveryId and sentAt per attempt. */
export type WebhookPayloadBase = Omit<WebhookPayload, 'deliveryId' | 'sentAt'>;

export interface NotificationMessage {
  kind: NotifyKind;
  /** The incident's severity; for a digest the worst of its items ('info' when empty). */
  severity: Severity;
  email: {
    subject: string;
    text: string;
    html: string;
    /** Extra headers (Auto-Submitted, X-Caretaker-*). */
    headers: Record<string, string>;
    /** Messages with the same key are threaded together by mail clients (the incident id). */
    threadKey?: string;
  };
  webhook: WebhookPayloadBase;
  syslog: {
    /** RFC 5424 MSGID: the kind, so that a collector can filter on it. */
    msgId: string;
    /** Structured data parameters, in order: incident, device, severity, event (digest: count). */
    params: Record<string, string>;
    /** The MSG part: one line of text. */
    text: string;
  };
}

const SEVERITY_ORDER: readonly Severity[] = ['info', 'warning', 'minor', 'major', 'critical'];
/** Lines a digest e-mail lists; the rest is a count and the link. */
export const DIGEST_EMAIL_LIMIT = 50;
const SUBJECT_MAX = 200;

// ---- small pure helpers -------------------------------------------------------------------

/** Text for a header or a single line: control characters (CR, LF, tabs) become spaces. */
export function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
}

function clip(s: string, max: number): string {
  const chars = Array.from(s);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : s;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;',
  );
}

/** Only http(s) links are rendered as links: a stored URL must never become `javascript:`. */
export function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

/** "2026-03-01 14:05 UTC"; anything unparsable as given (the reader still learns something). */
export function formatTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return oneLine(iso);
  return `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const deviceLabel = (i: IncidentSummary): string | undefined =>
  i.deviceName?.trim() || i.deviceId?.trim() || undefined;

function worstSeverity(items: IncidentSummary[]): Severity {
  let worst = 0;
  for (const i of items) worst = Math.max(worst, SEVERITY_ORDER.indexOf(i.severity));
  return SEVERITY_ORDER[worst] ?? 'info';
}

/** "1 critical, 2 major", worst first. */
function severityCounts(items: IncidentSummary[]): string {
  return [...SEVERITY_ORDER]
    .reverse()
    .map((s) => [s, items.filter((i) => i.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

// ---- what each kind says -----------------------------------------------------------------

function subjectPrefix(kind: Exclude<NotifyKind, 'digest'>, sev: string): string {
  switch (kind) {
    case 'opened':
      return sev;
    case 'reopened':
      return `REOPENED ${sev}`;
    case 'escalated':
      return `ESCALATED ${sev}`;
    case 'flapping':
      return `FLAPPING ${sev}`;
    case 'recheck':
      return `STILL OPEN ${sev}`;
    case 'resolved':
      return 'RESOLVED';
    case 'test':
      return 'TEST';
  }
}

function headline(kind: Exclude<NotifyKind, 'digest'>, i: IncidentSummary): string {
  const where = deviceLabel(i) ? ` on ${deviceLabel(i)}` : '';
  switch (kind) {
    case 'opened':
      return `New ${i.severity} incident${where}`;
    case 'reopened':
      return `Incident reopened${where} (${i.severity})`;
    case 'escalated':
      return `Incident escalated to ${i.severity}${where}`;
    case 'flapping':
      return `Incident flapping${where} (${i.severity}): it keeps failing and recovering`;
    case 'recheck':
      return `Incident still open${where} (${i.severity})`;
    case 'resolved':
      return `Incident resolved${where}`;
    case 'test':
      return 'Test notification from Caretaker';
  }
}

const TEST_NOTE =
  'This is a test sent from the notification settings. The incident below is an example: nothing is wrong.';

function siteTag(siteName: string): string {
  const site = oneLine(siteName);
  return site ? `[Caretaker ${site}]` : '[Caretaker]';
}

function subjectFor(input: NotifyInput): string {
  const tag = siteTag(input.siteName);
  if (input.kind === 'digest') {
    const items = input.digestItems;
    const counts = severityCounts(items);
    return clip(
      `${tag} Digest: ${plural(items.length, 'open incident')}${counts ? ` (${counts})` : ''}`,
      SUBJECT_MAX,
    );
  }
  const i = input.incident;
  const device = deviceLabel(i);
  const head = `${tag} ${subjectPrefix(input.kind, i.severity.toUpperCase())}: ${
    device ? `${oneLine(device)} – ` : ''
  }`;
  // The title gives way first: the site, the severity and the device are what a person sorts by.
  return clip(head + oneLine(i.title), Math.max(SUBJECT_MAX, head.length + 20));
}

/** The label/value rows describing an incident, shared by the text and HTML bodies. */
function detailRows(i: IncidentSummary): [string, string][] {
  const rows: [string, string][] = [
    ['Severity', i.severity],
    ['State', i.state],
  ];
  const device = deviceLabel(i);
  if (device)
    rows.push([
      'Device',
      i.deviceName && i.deviceId && i.deviceName !== i.deviceId
        ? `${i.deviceName} (${i.deviceId})`
        : device,
    ]);
  if (i.ruleId) rows.push(['Rule', i.ruleId]);
  if (i.value !== undefined && i.value !== '') rows.push(['Value', String(i.value)]);
  rows.push(['Occurrences', String(i.count)]);
  rows.push(['First seen', formatTime(i.firstSeen)]);
  rows.push(['Last seen', formatTime(i.lastSeen)]);
  if (i.assignee) rows.push(['Assignee', i.assignee]);
  return rows.map(([k, v]) => [k, oneLine(v)]);
}

function digestLine(i: IncidentSummary): string {
  const device = deviceLabel(i);
  return oneLine(
    `${i.severity.toUpperCase()}: ${device ? `${device} – ` : ''}${i.title} (${i.state}, since ${formatTime(i.firstSeen)})`,
  );
}

function footer(input: NotifyInput): string {
  const box = oneLine(input.boxName);
  const site = oneLine(input.siteName);
  return `Caretaker on ${box || 'this box'}${site ? ` at ${site}` : ''}`;
}

// ---- e-mail bodies ------------------------------------------------------------------------

function textBody(input: NotifyInput): string {
  const lines: string[] = [];
  const url = safeUrl(input.incidentUrl);
  if (input.kind === 'digest') {
    const items = input.digestItems;
    lines.push(
      `${plural(items.length, 'open incident')} at ${oneLine(input.siteName) || 'the site'}`,
    );
    lines.push('');
    for (const i of items.slice(0, DIGEST_EMAIL_LIMIT)) lines.push(`- ${digestLine(i)}`);
    if (items.length > DIGEST_EMAIL_LIMIT)
      lines.push(`- and ${items.length - DIGEST_EMAIL_LIMIT} more`);
    if (url) lines.push('', `All incidents: ${url}`);
  } else {
    const i = input.incident;
    if (input.kind === 'test') lines.push(TEST_NOTE, '');
    lines.push(oneLine(headline(input.kind, i)), '', oneLine(i.title), '');
    const rows = detailRows(i);
    const width = Math.max(...rows.map(([k]) => k.length)) + 2;
    for (const [k, v] of rows) lines.push(`${`${k}:`.padEnd(width)}${v}`);
    if (url) lines.push('', `Open the incident: ${url}`);
  }
  lines.push('', '-- ', footer(input), '');
  return lines.join('\n');
}

const SEVERITY_COLOUR: Record<Severity, string> = {
  critical: '#b00020',
  major: '#d35400',
  minor: '#b7950b',
  warning: '#b7950b',
  info: '#2471a3',
};

function htmlBody(input: NotifyInput): string {
  const url = safeUrl(input.incidentUrl);
  const e = escapeHtml;
  const parts: string[] = [
    '<!doctype html>',
    '<html><body style="font-family:sans-serif;font-size:14px;color:#222">',
  ];
  if (input.kind === 'digest') {
    const items = input.digestItems;
    parts.push(
      `<h2 style="font-size:18px">${e(`${plural(items.length, 'open incident')} at ${oneLine(input.siteName) || 'the site'}`)}</h2>`,
      '<ul>',
    );
    for (const i of items.slice(0, DIGEST_EMAIL_LIMIT)) {
      const link = safeUrl(i.url);
      const text = e(digestLine(i));
      parts.push(
        `<li style="color:${SEVERITY_COLOUR[i.severity]}">${link ? `<a href="${e(link)}">${text}</a>` : text}</li>`,
      );
    }
    if (items.length > DIGEST_EMAIL_LIMIT)
      parts.push(`<li>${e(`and ${items.length - DIGEST_EMAIL_LIMIT} more`)}</li>`);
    parts.push('</ul>');
    if (url) parts.push(`<p><a href="${e(url)}">All incidents</a></p>`);
  } else {
    const i = input.incident;
    if (input.kind === 'test') parts.push(`<p><em>${e(TEST_NOTE)}</em></p>`);
    parts.push(
      `<h2 style="font-size:18px;color:${SEVERITY_COLOUR[i.severity]}">${e(headline(input.kind, i))}</h2>`,
      `<p style="font-size:16px"><strong>${e(oneLine(i.title))}</strong></p>`,
      '<table cellpadding="4" style="border-collapse:collapse">',
    );
    for (const [k, v] of detailRows(i))
      parts.push(`<tr><th align="left" style="color:#555">${e(k)}</th><td>${e(v)}</td></tr>`);
    parts.push('</table>');
    if (url) parts.push(`<p><a href="${e(url)}">Open the incident</a></p>`);
  }
  parts.push(`<p style="color:#777;font-size:12px">${e(footer(input))}</p>`, '</body></html>', '');
  return parts.join('\n');
}

// ---- webhook and syslog -------------------------------------------------------------------

function webhookIncident(i: IncidentSummary): WebhookIncident {
  return {
    id: i.id,
    title: i.title,
    severity: i.severity,
    state: i.state,
    deviceId: i.deviceId ?? null,
    deviceName: i.deviceName ?? null,
    ruleId: i.ruleId ?? null,
    value: i.value ?? null,
    count: i.count,
    firstSeen: i.firstSeen,
    lastSeen: i.lastSeen,
    assignee: i.assignee ?? null,
    url: safeUrl(i.url) ?? null,
  };
}

function webhookEvent(kind: NotifyKind): WebhookEvent {
  return kind === 'test' || kind === 'digest' ? kind : `incident.${kind}`;
}

function syslogText(input: NotifyInput): string {
  const url = safeUrl(input.incidentUrl);
  if (input.kind === 'digest') {
    const items = input.digestItems;
    const counts = severityCounts(items);
    return oneLine(
      `Digest: ${plural(items.length, 'open incident')}${counts ? ` (${counts})` : ''}${url ? ` ${url}` : ''}`,
    );
  }
  const i = input.incident;
  const device = deviceLabel(i);
  const extra = [
    i.value !== undefined && i.value !== '' ? `value ${String(i.value)}` : undefined,
    plural(i.count, 'occurrence'),
  ].filter(Boolean);
  return oneLine(
    `${subjectPrefix(input.kind, i.severity.toUpperCase())}: ${device ? `${device} – ` : ''}${i.title} (${extra.join(', ')})${url ? ` ${url}` : ''}`,
  );
}

// ---- the message --------------------------------------------------------------------------

export function renderNotification(input: NotifyInput): NotificationMessage {
  const incident = input.kind === 'digest' ? undefined : input.incident;
  const items = input.kind === 'digest' ? input.digestItems : undefined;
  const severity = incident ? incident.severity : worstSeverity(items ?? []);
  const headers: Record<string, string> = {
    // RFC 3834: out-of-office replies and autoresponders must not answer this.
    'Auto-Submitted': 'auto-generated',
    'X-Caretaker-Event': input.kind,
  };
  if (incident) headers['X-Caretaker-Incident'] = oneLine(incident.id);

  const params: Record<string, string> = incident
    ? {
        incident: incident.id,
        device: deviceLabel(incident) ?? '',
        severity: incident.severity,
        event: input.kind,
      }
    : { severity, event: input.kind, count: String(items?.length ?? 0) };

  return {
    kind: input.kind,
    severity,
    email: {
      subject: subjectFor(input),
      text: textBody(input),
      html: htmlBody(input),
      headers,
      ...(incident ? { threadKey: incident.id } : {}),
    },
    webhook: {
      version: 1,
      event: webhookEvent(input.kind),
      box: { name: input.boxName, site: input.siteName },
      url: input.incidentUrl,
      incident: incident ? webhookIncident(incident) : null,
      digest: items ? items.map(webhookIncident) : null,
    },
    syslog: { msgId: input.kind, params, text: syslogText(input) },
  };
}
