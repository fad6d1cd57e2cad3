/**
 * Pure parts of notifications: rendering of every kind (subject, text, escaped HTML, webhook
 * payload, syslog line), RFC 5424 formatting, escaping and UTF-8-safe truncation, webhook
 * signatures and Retry-After, and the channel settings schema.
 */
import { describe, it, expect } from 'vitest';
import {
  renderNotification,
  escapeHtml,
  safeUrl,
  DIGEST_EMAIL_LIMIT,
  type IncidentSummary,
  type NotifyInput,
} from '../../src/incidents/notify-message.js';
import {
  formatSyslog,
  escapeParamValue,
  truncateUtf8,
  octetFrame,
  syslogSeverity,
  SD_ID,
  type SyslogRecord,
} from '../../src/incidents/channels/syslog.js';
import {
  signPayload,
  verifySignature,
  parseRetryAfter,
  webhookBody,
  MAX_RETRY_AFTER_MS,
} from '../../src/incidents/channels/webhook.js';
import {
  channelSettingsSchema,
  SECRET_FIELDS,
  withoutSecrets,
} from '../../src/incidents/channels/channel-schema.js';
import { retryAfterHint, transient } from '../../src/incidents/channels/channel-error.js';

const incident: IncidentSummary = {
  id: 'inc-0001',
  title: 'Disk /srv almost full',
  severity: 'critical',
  state: 'open',
  deviceId: 'dev-7',
  deviceName: 'fileserver',
  ruleId: 'storage-full',
  value: 97.5,
  count: 3,
  firstSeen: '2026-03-01T14:05:09.000Z',
  lastSeen: '2026-03-01T15:10:00.000Z',
};

const base = {
  boxName: 'caretaker-berlin',
  siteName: 'Berlin',
  incidentUrl: 'https://caretaker.berlin.lan/incidents/inc-0001',
};

const render = (kind: Exclude<NotifyInput['kind'], 'digest'>, i: Partial<IncidentSummary> = {}) =>
  renderNotification({ ...base, kind, incident: { ...incident, ...i } });

describe('notification rendering', () => {
  it('writes the subject as [Caretaker site] SEVERITY: device – title', () => {
    expect(render('opened').email.subject).toBe(
      '[Caretaker Berlin] CRITICAL: fileserver – Disk /srv almost full',
    );
    expect(render('reopened').email.subject).toMatch(/^\[Caretaker Berlin\] REOPENED CRITICAL: /);
    expect(render('escalated').email.subject).toMatch(/ESCALATED CRITICAL: fileserver – /);
    expect(render('recheck').email.subject).toMatch(/STILL OPEN CRITICAL: /);
    expect(render('flapping').email.subject).toMatch(/FLAPPING CRITICAL: fileserver – /);
    expect(render('resolved').email.subject).toBe(
      '[Caretaker Berlin] RESOLVED: fileserver – Disk /srv almost full',
    );
    expect(render('test').email.subject).toMatch(/^\[Caretaker Berlin\] TEST: /);
    // Without a device the dash goes too; the device id stands in for a missing name.
    expect(render('opened', { deviceId: undefined, deviceName: undefined }).email.subject).toBe(
      '[Caretaker Berlin] CRITICAL: Disk /srv almost full',
    );
    expect(render('opened', { deviceName: undefined }).email.subject).toMatch(/: dev-7 – /);
  });

  it('keeps the subject one line and bounded, cutting the title rather than the device', () => {
    const s = render('opened', { title: `evil\r\nBcc: x@example.com ${'long '.repeat(100)}` }).email
      .subject;
    expect(s).not.toMatch(/[\r\n]/);
    expect(s).toContain('evil Bcc: x@example.com');
    expect(Array.from(s).length).toBeLessThanOrEqual(200);
    expect(s).toMatch(/^\[Caretaker Berlin\] CRITICAL: fileserver – /);
    expect(s.endsWith('…')).toBe(true);
  });

  it('lists the details and the link in the text body', () => {
    const text = render('opened', { assignee: 'alice' }).email.text;
    expect(text).toContain('New critical incident on fileserver');
    expect(text).toMatch(/Severity: +critical/);
    expect(text).toMatch(/Device: +fileserver \(dev-7\)/);
    expect(text).toMatch(/Rule: +storage-full/);
    expect(text).toMatch(/Value: +97.5/);
    expect(text).toMatch(/Occurrences: +3/);
    expect(text).toMatch(/First seen: +2026-03-01 14:05 UTC/);
    expect(text).toMatch(/Assignee: +alice/);
    expect(text).toContain(`Open the incident: ${base.incidentUrl}`);
    expect(text).toContain('Caretaker on caretaker-berlin at Berlin');
    expect(render('test').email.text).toMatch(/^This is a test/);
  });

  it('escapes everything in the HTML body', () => {
    const evil = render('opened', {
      title: '<script>alert("x")</script> & co',
      deviceName: '<img src=x onerror=alert(1)>',
      assignee: `o'brien`,
    }).email.html;
    expect(evil).not.toContain('<script>');
    expect(evil).not.toContain('<img');
    expect(evil).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
    expect(evil).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(evil).toContain('o&#39;brien');
    expect(evil).toContain(`<a href="${base.incidentUrl}">Open the incident</a>`);
    expect(escapeHtml(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&#39;');
  });

  it('links only http(s) addresses', () => {
    const js = renderNotification({
      ...base,
      incidentUrl: 'javascript:alert(1)',
      kind: 'opened',
      incident,
    });
    expect(js.email.html).not.toContain('javascript:');
    expect(js.email.html).not.toContain('<a ');
    expect(js.email.text).not.toContain('javascript:');
    expect(safeUrl('https://x.lan/a?b=<c>')).toBe('https://x.lan/a?b=%3Cc%3E');
    expect(safeUrl('data:text/html,x')).toBeUndefined();
    expect(safeUrl('not a url')).toBeUndefined();
  });

  it('sets threading and auto-reply headers', () => {
    const m = render('opened');
    expect(m.email.threadKey).toBe('inc-0001');
    expect(m.email.headers).toEqual({
      'Auto-Submitted': 'auto-generated',
      'X-Caretaker-Event': 'opened',
      'X-Caretaker-Incident': 'inc-0001',
    });
  });

  it('renders a digest, worst first in counts, bounded in the e-mail', () => {
    const items: IncidentSummary[] = Array.from({ length: DIGEST_EMAIL_LIMIT + 5 }, (_, n) => ({
      ...incident,
      id: `inc-${n}`,
      severity: n === 0 ? 'critical' : 'major',
      url: `https://caretaker.berlin.lan/incidents/inc-${n}`,
    }));
    const m = renderNotification({
      ...base,
      kind: 'digest',
      incidentUrl: 'https://caretaker.berlin.lan/incidents',
      digestItems: items,
    });
    expect(m.severity).toBe('critical');
    expect(m.email.subject).toBe(
      '[Caretaker Berlin] Digest: 55 open incidents (1 critical, 54 major)',
    );
    expect(m.email.text).toContain('- and 5 more');
    expect(m.email.text.match(/^- (CRITICAL|MAJOR): /gm)).toHaveLength(DIGEST_EMAIL_LIMIT);
    expect(m.email.html).toContain('<a href="https://caretaker.berlin.lan/incidents/inc-0">');
    expect(m.email.threadKey).toBeUndefined();
    expect(m.webhook.event).toBe('digest');
    expect(m.webhook.incident).toBeNull();
    expect(m.webhook.digest).toHaveLength(55);
    expect(m.syslog.params).toEqual({ severity: 'critical', event: 'digest', count: '55' });
    expect(m.syslog.text).toBe(
      'Digest: 55 open incidents (1 critical, 54 major) https://caretaker.berlin.lan/incidents',
    );
    const empty = renderNotification({ ...base, kind: 'digest', digestItems: [] });
    expect(empty.severity).toBe('info');
    expect(empty.email.subject).toBe('[Caretaker Berlin] Digest: 0 open incidents');
  });

  it('builds the documented webhook payload with every key present', () => {
    const m = render('opened');
    const body = webhookBody(m.webhook, 'dlv-1', new Date('2026-03-01T15:10:05.000Z'));
    expect(Object.keys(body)).toEqual([
      'version',
      'event',
      'deliveryId',
      'sentAt',
      'box',
      'url',
      'incident',
      'digest',
    ]);
    expect(body).toEqual({
      version: 1,
      event: 'incident.opened',
      deliveryId: 'dlv-1',
      sentAt: '2026-03-01T15:10:05.000Z',
      box: { name: 'caretaker-berlin', site: 'Berlin' },
      url: base.incidentUrl,
      incident: {
        id: 'inc-0001',
        title: 'Disk /srv almost full',
        severity: 'critical',
        state: 'open',
        deviceId: 'dev-7',
        deviceName: 'fileserver',
        ruleId: 'storage-full',
        value: 97.5,
        count: 3,
        firstSeen: '2026-03-01T14:05:09.000Z',
        lastSeen: '2026-03-01T15:10:00.000Z',
        assignee: null,
        url: null,
      },
      digest: null,
    });
    expect(render('resolved').webhook.event).toBe('incident.resolved');
    expect(render('flapping').webhook.event).toBe('incident.flapping');
    expect(render('test').webhook.event).toBe('test');
  });

  it('renders the syslog text and parameters', () => {
    const m = render('opened');
    expect(m.syslog).toEqual({
      msgId: 'opened',
      params: { incident: 'inc-0001', device: 'fileserver', severity: 'critical', event: 'opened' },
      text: `CRITICAL: fileserver – Disk /srv almost full (value 97.5, 3 occurrences) ${base.incidentUrl}`,
    });
  });

  it('is plain JSON, so the queue can store it and resend the same thing', () => {
    const m = render('escalated');
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });
});

describe('syslog formatting', () => {
  const rec: SyslogRecord = {
    facility: 16,
    severity: 2,
    time: new Date('2026-03-01T14:05:09.123Z'),
    hostname: 'caretaker-berlin',
    appName: 'caretaker',
    procId: '4242',
    msgId: 'opened',
    params: { incident: 'inc-1', device: 'fileserver', severity: 'critical' },
    msg: 'CRITICAL: fileserver – Disk full',
  };

  it('writes an RFC 5424 message', () => {
    expect(formatSyslog(rec)).toBe(
      `<130>1 2026-03-01T14:05:09.123Z caretaker-berlin caretaker 4242 opened [${SD_ID} incident="inc-1" device="fileserver" severity="critical"] CRITICAL: fileserver – Disk full`,
    );
  });

  it('maps incident severities, a resolution to notice', () => {
    expect(syslogSeverity('critical')).toBe(2);
    expect(syslogSeverity('major')).toBe(3);
    expect(syslogSeverity('minor')).toBe(4);
    expect(syslogSeverity('warning')).toBe(4);
    expect(syslogSeverity('info')).toBe(6);
    expect(syslogSeverity('critical', 'resolved')).toBe(5);
    expect(formatSyslog({ ...rec, facility: 1, severity: 6 })).toMatch(/^<14>1 /);
    expect(formatSyslog({ ...rec, facility: 23, severity: 4 })).toMatch(/^<188>1 /);
  });

  it('escapes ", \\ and ] in parameter values and keeps the line one line', () => {
    expect(escapeParamValue('a"b\\c]d')).toBe('a\\"b\\\\c\\]d');
    const line = formatSyslog({
      ...rec,
      params: { incident: 'inc-1', device: 'sw "core" [1]\\a\nb' },
      msg: 'line one\nline two\r\n',
    });
    expect(line).toContain(`[${SD_ID} incident="inc-1" device="sw \\"core\\" [1\\]\\\\a b"]`);
    expect(line).toMatch(/ line one line two$/);
    expect(line).not.toMatch(/[\r\n]/);
  });

  it('uses NILVALUE for missing header fields and SD, and cleans bad header characters', () => {
    const line = formatSyslog({
      ...rec,
      hostname: 'box with spaces',
      procId: undefined,
      msgId: undefined,
      params: { device: '' },
      msg: '',
    });
    expect(line).toBe('<130>1 2026-03-01T14:05:09.123Z box_with_spaces caretaker - - -');
    expect(formatSyslog({ ...rec, hostname: undefined })).toContain(' - caretaker 4242 ');
  });

  it('truncates on a UTF-8 character boundary', () => {
    const buf = Buffer.from('ab€', 'utf8'); // € is 3 bytes: e2 82 ac
    expect(truncateUtf8(buf, 4).toString()).toBe('ab'); // cut inside € drops all of it
    expect(truncateUtf8(buf, 3).toString()).toBe('ab');
    expect(truncateUtf8(buf, 2).toString()).toBe('ab');
    expect(truncateUtf8(buf, 1).toString()).toBe('a');
    expect(truncateUtf8(buf, 5)).toBe(buf);
    const emoji = Buffer.from('x'.repeat(2046) + '😀😀', 'utf8');
    const cut = truncateUtf8(emoji, 2048);
    expect(cut.length).toBe(2046);
    expect(cut.toString('utf8')).toBe('x'.repeat(2046));
    // Every cut point of a mixed string decodes without replacement characters.
    const mixed = Buffer.from('aé€😀b'.repeat(3), 'utf8');
    for (let n = 0; n <= mixed.length; n++)
      expect(truncateUtf8(mixed, n).toString('utf8')).not.toContain('\ufffd');
  });

  it('frames with octet counting in bytes, not characters', () => {
    expect(octetFrame(Buffer.from('<14>1 x – y', 'utf8')).toString('utf8')).toBe('13 <14>1 x – y');
  });
});

describe('webhook signatures', () => {
  const secret = 'a-long-enough-test-secret';
  const body = '{"event":"test"}';

  it('signs sha256=<hex> over timestamp.body and verifies it', () => {
    const sig = signPayload(secret, '1772374000', body);
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifySignature(secret, '1772374000', body, sig)).toBe(true);
    // A known answer a receiver in any language can reproduce
    // (printf '1.{}' | openssl dgst -sha256 -hmac secret).
    expect(signPayload('secret', '1', '{}')).toBe(
      'sha256=1122767b193110cfec322b6f199b599edbf608ed087f2d27afb0b97d99523908',
    );
  });

  it('refuses a wrong secret, another body or timestamp, and malformed headers', () => {
    const sig = signPayload(secret, '1772374000', body);
    expect(verifySignature('another-secret-xxxxxx', '1772374000', body, sig)).toBe(false);
    expect(verifySignature(secret, '1772374000', body + ' ', sig)).toBe(false);
    expect(verifySignature(secret, '1772374001', body, sig)).toBe(false);
    expect(verifySignature(secret, '1772374000', body, sig.slice(0, -1))).toBe(false);
    expect(verifySignature(secret, '1772374000', body, sig.toUpperCase())).toBe(false);
    expect(verifySignature(secret, '1772374000', body, '')).toBe(false);
    expect(verifySignature(secret, '1772374000', body, null)).toBe(false);
    expect(verifySignature(secret, 'abc', body, signPayload(secret, 'abc', body))).toBe(false);
  });

  it('refuses an old timestamp when given the time', () => {
    const sig = signPayload(secret, '1772374000', body);
    const at = (s: number) => new Date(s * 1000);
    expect(verifySignature(secret, '1772374000', body, sig, { now: at(1772374000 + 299) })).toBe(
      true,
    );
    expect(verifySignature(secret, '1772374000', body, sig, { now: at(1772374000 + 301) })).toBe(
      false,
    );
  });

  it('reads Retry-After as seconds or a date, capped', () => {
    const now = new Date('2026-03-01T12:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('99999999', now)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(retryAfterHint(transient('X', 'x', undefined, 5000))).toBe(5000);
    expect(retryAfterHint(new Error('x'))).toBeUndefined();
  });
});

describe('channel settings schema', () => {
  // Bodies as a browser or script sends them: anything at all.
  const parse = (s: unknown) => channelSettingsSchema.safeParse(s);

  it('fills in defaults', () => {
    expect(
      channelSettingsSchema.parse({
        kind: 'email',
        host: 'mail.example.com',
        from: 'caretaker@example.com',
        to: ['it@example.com'],
      }),
    ).toEqual({
      kind: 'email',
      host: 'mail.example.com',
      port: 587,
      security: 'starttls',
      from: 'caretaker@example.com',
      to: ['it@example.com'],
      tlsRejectUnauthorized: true,
      timeoutMs: 15_000,
    });
    expect(channelSettingsSchema.parse({ kind: 'syslog', host: '192.0.2.10' })).toEqual({
      kind: 'syslog',
      host: '192.0.2.10',
      port: 514,
      transport: 'udp',
      facility: 16,
      appName: 'caretaker',
      timeoutMs: 5000,
    });
    expect(
      channelSettingsSchema.parse({
        kind: 'webhook',
        url: 'https://hooks.example.com/caretaker',
        secret: '0123456789abcdef',
      }),
    ).toMatchObject({ timeoutMs: 5000 });
  });

  it('refuses bad e-mail settings', () => {
    const ok = {
      kind: 'email',
      host: 'mail.example.com',
      from: 'a@example.com',
      to: ['b@example.com'],
    } as const;
    expect(parse({ ...ok, to: [] }).success).toBe(false);
    expect(
      parse({ ...ok, to: Array.from({ length: 21 }, (_, n) => `u${n}@example.com`) }).success,
    ).toBe(false);
    expect(parse({ ...ok, to: ['not an address'] }).success).toBe(false);
    expect(parse({ ...ok, host: 'bad host;rm' }).success).toBe(false);
    expect(parse({ ...ok, port: 70000 }).success).toBe(false);
    expect(parse({ ...ok, password: 'x' }).success).toBe(false); // a password needs a user
    expect(parse({ ...ok, caPem: 'hello' }).success).toBe(false);
    expect(parse({ ...ok, extra: 1 }).success).toBe(false);
  });

  it('allows only http(s) webhook URLs without credentials, and no reserved headers', () => {
    const ok = {
      kind: 'webhook',
      url: 'https://hooks.example.com/x',
      secret: '0123456789abcdef',
    } as const;
    expect(parse(ok).success).toBe(true);
    expect(parse({ ...ok, url: 'http://127.0.0.1:8080/hook' }).success).toBe(true);
    expect(parse({ ...ok, url: 'ftp://example.com/x' }).success).toBe(false);
    expect(parse({ ...ok, url: 'file:///etc/passwd' }).success).toBe(false);
    expect(parse({ ...ok, url: 'https://user:pw@example.com/x' }).success).toBe(false);
    expect(parse({ ...ok, secret: 'short' }).success).toBe(false);
    expect(parse({ ...ok, headers: { Authorization: 'Bearer abc' } }).success).toBe(true);
    for (const name of ['Host', 'content-length', 'X-Caretaker-Signature', 'Transfer-Encoding'])
      expect(parse({ ...ok, headers: { [name]: 'x' } }).success, name).toBe(false);
    expect(parse({ ...ok, headers: { 'X-Key': 'a\r\nInjected: 1' } }).success).toBe(false);
    expect(parse({ ...ok, headers: { 'Bad Name': 'x' } }).success).toBe(false);
    const many = Object.fromEntries(Array.from({ length: 11 }, (_, n) => [`X-H${n}`, 'v']));
    expect(parse({ ...ok, headers: many }).success).toBe(false);
  });

  it('checks syslog ranges and header fields', () => {
    const ok = { kind: 'syslog', host: 'syslog.example.com' } as const;
    expect(parse({ ...ok, facility: 24 }).success).toBe(false);
    expect(parse({ ...ok, appName: 'has space' }).success).toBe(false);
    expect(parse({ ...ok, appName: 'x'.repeat(49) }).success).toBe(false);
    expect(parse({ ...ok, transport: 'tls' }).success).toBe(false);
    expect(parse({ ...ok, hostname: 'box-1.branch' }).success).toBe(true);
  });

  it('names the secret fields and leaves them out of a shown channel', () => {
    expect(SECRET_FIELDS).toEqual({
      email: ['password'],
      webhook: ['secret', 'headers'],
      syslog: [],
    });
    const w = channelSettingsSchema.parse({
      kind: 'webhook',
      url: 'https://hooks.example.com/x',
      secret: '0123456789abcdef',
      headers: { Authorization: 'Bearer tok-4711' },
    });
    const shown = withoutSecrets(w);
    expect(shown.settings).not.toHaveProperty('secret');
    expect(shown.settings).not.toHaveProperty('headers');
    expect(shown.secretsSet).toEqual(['secret', 'headers']);
    expect(JSON.stringify(shown)).not.toContain('0123456789abcdef');
    expect(JSON.stringify(shown)).not.toContain('tok-4711');
    const e = channelSettingsSchema.parse({
      kind: 'email',
      host: 'mail.example.com',
      from: 'a@example.com',
      to: ['b@example.com'],
    });
    expect(withoutSecrets(e).secretsSet).toEqual([]);
  });
});
