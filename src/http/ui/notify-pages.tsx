import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ctxOf, isHtmx, validate } from '../request.js';
import { shellProps, formErrors, hasRole, assertRole } from './shell.js';
import { MAX_CHANNELS } from '../../incidents/notification-service.js';
import {
  channelInputSchema,
  deliveriesQuerySchema,
  type ChannelInput,
  type PublicChannel,
} from '../../incidents/notification-schema.js';
import { validationFailed } from '../../core/errors.js';
import { issuesToFields } from '../../core/zod-errors.js';
import type { MaintenanceView } from '../../incidents/maintenance-service.js';
import { offsetMs } from '../../monitor/inspection-schedule.js';
import type { DeviceRecord } from '../../store/types.js';
import type { FieldErrors } from '../../../views/partials/form.js';
import { ConfirmDeletePage } from '../../../views/pages/notify/inputs.js';
import {
  ChannelsPage,
  TestOutcome,
  type ChannelRow,
} from '../../../views/pages/notify/channels.js';
import {
  ChannelFormPage,
  EMPTY_CHANNEL_FORM,
  type ChannelFormProps,
  type ChannelFormValues,
} from '../../../views/pages/notify/channel-form.js';
import { DeliveriesPage } from '../../../views/pages/notify/deliveries.js';
import { MaintenanceListPage, type ScopeView } from '../../../views/pages/maintenance/list.js';
import {
  WindowFormPage,
  type WindowFormProps,
  type WindowFormValues,
} from '../../../views/pages/maintenance/form.js';
import { TrapsPage } from '../../../views/pages/traps/traps.js';
import { SEVERITY_OPTIONS } from '../../../views/pages/rules/severity.js';
import { typeLabel } from '../../../views/pages/devices/format.js';
import { compareNatural } from '../../lib/collate.js';

/**
 * Settings → Notifications (channels, test messages, delivery logs), Settings → Maintenance
 * (windows) and Monitoring → SNMP traps. Forms are plain HTML forms: their fields are mapped to
 * the services' inputs here, and the services' field errors back to the form's field names.
 */

const done = (path: string, message: string) => `${path}?done=${encodeURIComponent(message)}`;
const failed = (path: string, message: string) => `${path}?failed=${encodeURIComponent(message)}`;

/** A form with repeated fields (checkboxes, a multi-select) kept as lists; files are ignored. */
async function readFormAll(c: Context<AppEnv>) {
  const body = await c.req.parseBody({ all: true });
  const all = (k: string): string[] => {
    const v = body[k];
    return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
  };
  return { one: (k: string) => all(k).at(-1) ?? '', all, on: (k: string) => all(k).length > 0 };
}

/** Empty: the default; digits: a number; anything else goes to validation as typed, to be refused. */
function num(s: string): unknown {
  const t = s.trim();
  if (t === '') return undefined;
  return /^\d{1,9}$/.test(t) ? Number(t) : t;
}

const optional = (s: string) => (s.trim() === '' ? undefined : s.trim());

/** Query-string values the pages accept (anything else is a 400, like the API). */
const cursor = z
  .string()
  .max(80)
  .regex(/^[\w:.-]+$/, 'is not a page cursor')
  .optional();

// ---- notification channels -----------------------------------------------------------------

const CHANNELS = '/settings/notifications';

function severityLabel(s: string): string {
  return SEVERITY_OPTIONS.find((o) => o.value === s)?.label ?? s;
}

/** Where a channel sends to, in one line. A webhook's path and query are left out: they often hold a token. */
export function channelTarget(ch: PublicChannel): string {
  const s = ch.settings;
  const str = (k: string) =>
    typeof s[k] === 'string' || typeof s[k] === 'number' ? String(s[k]) : '';
  switch (ch.kind) {
    case 'email': {
      const to = Array.isArray(s.to) ? (s.to as string[]) : [];
      const list = to.length > 2 ? `${to.slice(0, 2).join(', ')} +${to.length - 2}` : to.join(', ');
      return `${list} via ${str('host')}:${str('port')}`;
    }
    case 'webhook': {
      try {
        const u = new URL(str('url'));
        return `${u.origin}${u.pathname === '/' && !u.search ? '/' : '/…'}`;
      } catch {
        return str('url');
      }
    }
    case 'syslog':
      return `${str('transport')}://${str('host')}:${str('port')} (facility ${str('facility')})`;
  }
}

/** What a channel is sent, as short phrases. */
export function channelFilters(ch: PublicChannel): string[] {
  const f = ch.filters;
  const out = [`${severityLabel(f.minSeverity)} or worse`];
  out.push(
    f.deviceTypes.length ? `only ${f.deviceTypes.map(typeLabel).join(', ')}` : 'every device',
  );
  out.push(f.notifyResolved ? 'resolutions too' : 'no resolutions');
  if (f.quietHours)
    out.push(
      `quiet ${f.quietHours.start}–${f.quietHours.end}${f.quietHours.allowCritical ? ' (critical still sent)' : ''}`,
    );
  if (f.digest?.mode === 'digest-only') out.push(`only a daily summary at ${f.digest.at}`);
  else if (f.digest?.mode === 'both') out.push(`and a daily summary at ${f.digest.at}`);
  return out;
}

function channelRow(ch: PublicChannel): ChannelRow {
  return {
    id: ch.id,
    name: ch.name,
    kind: ch.kind,
    enabled: ch.enabled,
    target: channelTarget(ch),
    filters: channelFilters(ch),
    state: ch.state,
  };
}

/** A stored channel as its edit form shows it (secrets are not part of it). */
function channelFormValues(ch: PublicChannel): ChannelFormValues {
  const s = ch.settings;
  const str = (k: string, fallback = '') =>
    typeof s[k] === 'string' || typeof s[k] === 'number' ? String(s[k]) : fallback;
  const f = ch.filters;
  const v: ChannelFormValues = {
    ...EMPTY_CHANNEL_FORM,
    name: ch.name,
    enabled: ch.enabled,
    kind: ch.kind,
    minSeverity: f.minSeverity,
    deviceTypes: [...f.deviceTypes],
    notifyResolved: f.notifyResolved,
    quiet: Boolean(f.quietHours),
    quietStart: f.quietHours?.start ?? EMPTY_CHANNEL_FORM.quietStart,
    quietEnd: f.quietHours?.end ?? EMPTY_CHANNEL_FORM.quietEnd,
    quietAllowCritical: f.quietHours?.allowCritical ?? true,
    digestMode: f.digest?.mode ?? 'immediate',
    digestAt: f.digest?.at ?? EMPTY_CHANNEL_FORM.digestAt,
  };
  switch (ch.kind) {
    case 'email':
      return {
        ...v,
        emailHost: str('host'),
        emailPort: str('port', v.emailPort),
        security: str('security', v.security),
        username: str('username'),
        from: str('from'),
        to: Array.isArray(s.to) ? (s.to as string[]).join('\n') : '',
        tlsRejectUnauthorized: s.tlsRejectUnauthorized !== false,
        caPem: str('caPem'),
        emailTimeoutMs: str('timeoutMs', v.emailTimeoutMs),
      };
    case 'webhook': {
      // Stored headers are sealed (they may carry a token): never shown back, kept when empty.
      return {
        ...v,
        url: str('url'),
        headers: '',
        headersSet: !!(s.headers as { set?: boolean } | undefined)?.set,
        webhookTimeoutMs: str('timeoutMs', v.webhookTimeoutMs),
      };
    }
    case 'syslog':
      return {
        ...v,
        syslogHost: str('host'),
        syslogPort: str('port', v.syslogPort),
        transport: str('transport', v.transport),
        facility: str('facility', v.facility),
        appName: str('appName', v.appName),
        hostname: str('hostname'),
        syslogTimeoutMs: str('timeoutMs', v.syslogTimeoutMs),
      };
  }
}

async function readChannelForm(c: Context<AppEnv>) {
  const f = await readFormAll(c);
  const text = (k: keyof ChannelFormValues) => f.one(k).trim();
  const values: ChannelFormValues = {
    name: f.one('name'),
    enabled: f.on('enabled'),
    kind: text('kind'),
    emailHost: text('emailHost'),
    emailPort: text('emailPort'),
    security: text('security'),
    username: text('username'),
    from: text('from'),
    to: f.one('to').replace(/\r\n/g, '\n'),
    tlsRejectUnauthorized: f.on('tlsRejectUnauthorized'),
    caPem: f.one('caPem').replace(/\r\n/g, '\n').trim(),
    emailTimeoutMs: text('emailTimeoutMs'),
    url: text('url'),
    headers: f.one('headers').replace(/\r\n/g, '\n'),
    webhookTimeoutMs: text('webhookTimeoutMs'),
    syslogHost: text('syslogHost'),
    syslogPort: text('syslogPort'),
    transport: text('transport'),
    facility: text('facility'),
    appName: text('appName'),
    hostname: text('hostname'),
    syslogTimeoutMs: text('syslogTimeoutMs'),
    minSeverity: text('minSeverity'),
    deviceTypes: [...new Set(f.all('deviceTypes'))].slice(0, 50),
    notifyResolved: f.on('notifyResolved'),
    quiet: f.on('quiet'),
    quietStart: text('quietStart'),
    quietEnd: text('quietEnd'),
    quietAllowCritical: f.on('quietAllowCritical'),
    digestMode: text('digestMode'),
    digestAt: text('digestAt'),
  };
  // Secrets are read apart from the values: they are never rendered back into the form.
  return { values, password: f.one('password'), secret: f.one('secret') };
}

/** "a@x, b@y" or one per line → the list; blanks are left out. */
function addressList(text: string): string[] {
  return text
    .split(/[\n,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** "Name: value" lines → headers, with a message per line that is not one. */
function headerLines(text: string): { headers: Record<string, string>; errors: string[] } {
  const headers: Record<string, string> = {};
  const errors: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      errors.push(`Line ${i + 1}: write a header as “Name: value”.`);
      return;
    }
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  });
  return { headers, errors };
}

/** The form as the service's input (only the chosen kind's settings), plus problems found on the way. */
function channelInput(v: ChannelFormValues, password: string, secret: string) {
  const pre: FieldErrors = {};
  let settings: Record<string, unknown>;
  switch (v.kind) {
    case 'email':
      settings = {
        kind: 'email',
        host: v.emailHost,
        port: num(v.emailPort),
        security: optional(v.security),
        username: optional(v.username),
        password: password === '' ? undefined : password,
        from: v.from,
        to: addressList(v.to),
        tlsRejectUnauthorized: v.tlsRejectUnauthorized,
        caPem: optional(v.caPem),
        timeoutMs: num(v.emailTimeoutMs),
      };
      break;
    case 'webhook': {
      const h = headerLines(v.headers);
      if (h.errors.length) pre.headers = h.errors.join(' ');
      settings = {
        kind: 'webhook',
        url: v.url,
        secret: secret === '' ? undefined : secret,
        headers: Object.keys(h.headers).length ? h.headers : undefined,
        timeoutMs: num(v.webhookTimeoutMs),
      };
      break;
    }
    case 'syslog':
      settings = {
        kind: 'syslog',
        host: v.syslogHost,
        port: num(v.syslogPort),
        transport: optional(v.transport),
        facility: num(v.facility),
        appName: optional(v.appName),
        hostname: optional(v.hostname),
        timeoutMs: num(v.syslogTimeoutMs),
      };
      break;
    default:
      settings = { kind: v.kind };
  }
  // Left-out keys, not `undefined` values: the schemas are strict about unknown keys only, but
  // a clean object is what the audit log and the API see too.
  const clean = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined));
  const input = {
    name: v.name,
    enabled: v.enabled,
    settings: clean(settings),
    filters: clean({
      minSeverity: optional(v.minSeverity),
      deviceTypes: v.deviceTypes,
      notifyResolved: v.notifyResolved,
      quietHours: v.quiet
        ? { start: v.quietStart, end: v.quietEnd, allowCritical: v.quietAllowCritical }
        : undefined,
      digest:
        v.digestMode === 'immediate' || v.digestMode === ''
          ? undefined
          : { mode: v.digestMode, at: v.digestAt },
    }),
  };
  return { input, pre };
}

/**
 * Problems found before the service is asked (a header line without a colon), with what the
 * schema says about the rest, so that every problem is reported at once. `kept` are secret
 * fields an update fills in from the stored channel: their absence is no problem there.
 */
function alsoSchemaProblems(pre: FieldErrors, input: unknown, kept: string[]) {
  const r = channelInputSchema.safeParse(input);
  const fields = r.success ? {} : issuesToFields(r.error);
  for (const k of kept) delete fields[k];
  return validationFailed('Please correct the fields marked below.', { ...pre, ...fields });
}

const KIND_FIELDS = new Set(['host', 'port', 'timeoutMs']);
const FILTER_FIELDS: Record<string, string> = {
  'quietHours.start': 'quietStart',
  'quietHours.end': 'quietEnd',
  'quietHours.allowCritical': 'quietAllowCritical',
  quietHours: 'quietStart',
  'digest.at': 'digestAt',
  'digest.mode': 'digestMode',
  digest: 'digestMode',
};

/** The service's field paths (settings.port, filters.quietHours.end, …) as the form's field names. */
function channelFieldErrors(v: ChannelFormValues, fields: Record<string, string>): FieldErrors {
  const out: FieldErrors = {};
  const to = addressList(v.to);
  for (const [path, msg] of Object.entries(fields)) {
    const [head, second, third] = path.split('.');
    let field: string;
    let message = msg;
    if (head === 'settings') {
      if (!second || second === 'kind') field = 'kind';
      else if (KIND_FIELDS.has(second))
        field = `${v.kind}${second[0]!.toUpperCase()}${second.slice(1)}`;
      else field = second;
      if (second === 'to' && third !== undefined && to[Number(third)] !== undefined)
        message = `${to[Number(third)]}: ${msg}`;
      if (second === 'headers' && third !== undefined) message = `${third}: ${msg}`;
    } else if (head === 'filters') {
      const rest = path.slice('filters.'.length);
      field = FILTER_FIELDS[rest] ?? second ?? 'minSeverity';
    } else if (head === '(root)') {
      field = 'name';
    } else {
      field = head!;
    }
    out[field] ??= message;
  }
  return out;
}

/** Settings → Notifications: channels (admins change, operators test, everyone reads). */
export function notifyPages(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const svc = deps.notifications;
  const timezone = async () => (await deps.site.get()).timezone;

  const formPage = async (
    c: Context<AppEnv>,
    values: ChannelFormValues,
    extra: Partial<ChannelFormProps> = {},
    status: 200 | 409 | 422 = 200,
  ) =>
    c.html(
      <ChannelFormPage
        {...shellProps(c, deps)}
        timezone={await timezone()}
        values={values}
        {...extra}
      />,
      status,
    );

  const editingOf = (ch: PublicChannel) => ({
    id: ch.id,
    name: ch.name,
    kind: ch.kind,
    passwordSet: (ch.settings.password as { set?: boolean } | undefined)?.set === true,
    secretSet: (ch.settings.secret as { set?: boolean } | undefined)?.set === true,
  });

  app.get('/', async (c) => {
    const [channels, stats] = await Promise.all([svc.list(), svc.stats()]);
    return c.html(
      <ChannelsPage
        {...shellProps(c, deps)}
        timezone={await timezone()}
        channels={channels.sort((a, b) => compareNatural(a.name, b.name)).map(channelRow)}
        stats={stats}
        maxChannels={MAX_CHANNELS}
        canEdit={hasRole(c, 'admin')}
        canTest={hasRole(c, 'operator')}
        notice={c.req.query('done')}
        error={c.req.query('failed')}
      />,
    );
  });

  // ---- add (before /:id) ------------------------------------------------------------------
  app.get('/new', async (c) => {
    assertRole(c, 'admin');
    const kind = c.req.query('kind');
    return formPage(c, {
      ...EMPTY_CHANNEL_FORM,
      ...(kind === 'email' || kind === 'webhook' || kind === 'syslog' ? { kind } : {}),
    });
  });

  app.post('/', async (c) => {
    assertRole(c, 'admin');
    const { values, password, secret } = await readChannelForm(c);
    const { input, pre } = channelInput(values, password, secret);
    try {
      if (Object.keys(pre).length) throw alsoSchemaProblems(pre, input, []);
      const ch = await svc.create(input as ChannelInput, ctxOf(c));
      return c.redirect(done(CHANNELS, `Channel ${ch.name} added. Send a test to check it.`), 303);
    } catch (err) {
      const e = formErrors(err);
      const errors = {
        ...pre,
        ...channelFieldErrors(values, e.fields),
        ...(e.error.code === 'CHANNEL_NAME_TAKEN' ? { name: e.message } : {}),
      };
      return formPage(
        c,
        values,
        { errors, ...(e.error.code === 'VALIDATION_FAILED' ? {} : { error: e.message }) },
        e.error.status === 409 ? 409 : 422,
      );
    }
  });

  // ---- one channel ------------------------------------------------------------------------
  app.get('/:id/edit', async (c) => {
    assertRole(c, 'admin');
    const ch = await svc.get(c.req.param('id'));
    return formPage(c, channelFormValues(ch), { editing: editingOf(ch) });
  });

  app.post('/:id', async (c) => {
    assertRole(c, 'admin');
    const ch = await svc.get(c.req.param('id'));
    const { values, password, secret } = await readChannelForm(c);
    const { input, pre } = channelInput(values, password, secret);
    try {
      if (Object.keys(pre).length)
        throw alsoSchemaProblems(pre, input, ['settings.password', 'settings.secret']);
      // An empty password or secret keeps the stored one (the service fills it in).
      const saved = await svc.update(ch.id, input as ChannelInput, ctxOf(c));
      return c.redirect(
        done(
          CHANNELS,
          saved.updatedAt === ch.updatedAt ? 'Nothing changed.' : `Channel ${saved.name} saved.`,
        ),
        303,
      );
    } catch (err) {
      const e = formErrors(err);
      const errors = {
        ...pre,
        ...channelFieldErrors(values, e.fields),
        ...(e.error.code === 'CHANNEL_NAME_TAKEN' ? { name: e.message } : {}),
      };
      return formPage(
        c,
        values,
        {
          editing: editingOf(ch),
          errors,
          ...(e.error.code === 'VALIDATION_FAILED' ? {} : { error: e.message }),
        },
        e.error.status === 409 ? 409 : 422,
      );
    }
  });

  app.get('/:id/delete', async (c) => {
    assertRole(c, 'admin');
    const ch = await svc.get(c.req.param('id'));
    return c.html(
      <ConfirmDeletePage
        {...shellProps(c, deps)}
        tab={CHANNELS}
        heading={`Delete the channel “${ch.name}”?`}
        action={`${CHANNELS}/${ch.id}/delete`}
        cancelHref={CHANNELS}
        button="Delete channel"
      >
        <p>
          Nothing more is sent to <code>{channelTarget(ch)}</code>; notifications still waiting for
          it are dropped. Its delivery log is kept.
        </p>
      </ConfirmDeletePage>,
    );
  });

  app.post('/:id/delete', async (c) => {
    assertRole(c, 'admin');
    const ch = await svc.get(c.req.param('id'));
    await svc.remove(ch.id, ctxOf(c));
    return c.redirect(done(CHANNELS, `Channel ${ch.name} deleted.`), 303);
  });

  app.post('/:id/test', async (c) => {
    assertRole(c, 'operator');
    const ch = await svc.get(c.req.param('id'));
    const r = await svc.sendTest(ch.id, ctxOf(c));
    // The button's own request gets the outcome for its row; a plain or boosted post, the page.
    if (isHtmx(c) && c.req.header('hx-boosted') !== 'true')
      return c.html(<TestOutcome result={r} />);
    return c.redirect(
      r.ok
        ? done(CHANNELS, `Test message sent over ${ch.name} in ${r.durationMs} ms.`)
        : failed(
            CHANNELS,
            `The test message over ${ch.name} failed: ${r.error?.message ?? 'unknown error'} (${r.error?.code ?? 'ERROR'})`,
          ),
      303,
    );
  });

  app.get('/:id/deliveries', async (c) => {
    const ch = await svc.get(c.req.param('id'));
    const before = c.req.query('before');
    const q = validate(deliveriesQuerySchema, before ? { before } : {}, 'The page cursor');
    const r = await svc.deliveries(ch.id, { limit: q.limit, before: q.before });
    return c.html(
      <DeliveriesPage
        {...shellProps(c, deps)}
        timezone={await timezone()}
        channel={{ id: ch.id, name: ch.name, kind: ch.kind }}
        rows={r.items}
        before={q.before}
        next={r.next}
      />,
    );
  });

  return app;
}

// ---- maintenance windows ----------------------------------------------------------------------

const WINDOWS = '/settings/maintenance';

function deviceLabel(d: DeviceRecord): string {
  return d.name === d.ip ? d.ip : `${d.name} (${d.ip})`;
}

function scopeView(w: MaintenanceView, names: Map<string, string>): ScopeView {
  const s = w.scope;
  if (s.kind === 'devices')
    return { kind: 'devices', devices: s.deviceIds.map((id) => ({ id, name: names.get(id) })) };
  if (s.kind === 'types') return { kind: 'types', types: s.types };
  return { kind: 'site' };
}

/** An instant as a datetime-local value ("2026-03-28T22:00") on the zone's clock. */
function localInput(iso: string, tz: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  return new Date(ms + offsetMs(ms, tz)).toISOString().slice(0, 16);
}

function emptyWindowForm(siteTimeZone: string): WindowFormValues {
  return {
    name: '',
    reason: '',
    scopeKind: 'site',
    deviceIds: [],
    types: [],
    scheduleKind: 'weekly',
    start: '',
    end: '',
    at: '02:00',
    durationMin: '120',
    days: [],
    monthDay: '1',
    timeZone: siteTimeZone,
    enabled: true,
    suppressNotifications: true,
  };
}

function windowFormValues(w: MaintenanceView): WindowFormValues {
  const base = emptyWindowForm(w.timeZone);
  const s = w.schedule;
  const scope = w.scope;
  return {
    ...base,
    name: w.name,
    reason: w.reason,
    scopeKind: scope.kind,
    deviceIds: scope.kind === 'devices' ? [...scope.deviceIds] : [],
    types: scope.kind === 'types' ? [...scope.types] : [],
    scheduleKind: s.kind,
    ...(s.kind === 'once'
      ? { start: localInput(s.start, w.timeZone), end: localInput(s.end, w.timeZone) }
      : { at: s.at, durationMin: String(s.durationMin) }),
    ...(s.kind === 'weekly' ? { days: s.days.map(String) } : {}),
    ...(s.kind === 'monthly' ? { monthDay: String(s.day) } : {}),
    enabled: w.enabled,
    suppressNotifications: w.suppressNotifications,
  };
}

async function readWindowForm(c: Context<AppEnv>): Promise<WindowFormValues> {
  const f = await readFormAll(c);
  return {
    name: f.one('name'),
    reason: f.one('reason').replace(/\r\n/g, '\n'),
    scopeKind: f.one('scopeKind').trim(),
    deviceIds: [...new Set(f.all('deviceIds'))].slice(0, 600),
    types: [...new Set(f.all('types'))].slice(0, 50),
    scheduleKind: f.one('scheduleKind').trim(),
    start: f.one('start').trim(),
    end: f.one('end').trim(),
    at: f.one('at').trim(),
    durationMin: f.one('durationMin').trim(),
    days: [...new Set(f.all('days'))].slice(0, 7),
    monthDay: f.one('monthDay').trim(),
    timeZone: f.one('timeZone').trim(),
    enabled: f.on('enabled'),
    suppressNotifications: f.on('suppressNotifications'),
  };
}

/** The form as the service's input: only the chosen scope's and schedule's fields. */
function windowInput(v: WindowFormValues, backupJobIds: string[]): Record<string, unknown> {
  const scope =
    v.scopeKind === 'devices'
      ? { kind: 'devices', deviceIds: v.deviceIds }
      : v.scopeKind === 'types'
        ? { kind: 'types', types: v.types }
        : { kind: v.scopeKind };
  const repeat = { at: v.at, durationMin: num(v.durationMin) };
  const schedule =
    v.scheduleKind === 'once'
      ? { kind: 'once', start: v.start, end: v.end }
      : v.scheduleKind === 'daily'
        ? { kind: 'daily', ...repeat }
        : v.scheduleKind === 'weekly'
          ? { kind: 'weekly', days: v.days.map(num), ...repeat }
          : v.scheduleKind === 'monthly'
            ? { kind: 'monthly', day: v.monthDay === 'last' ? 'last' : num(v.monthDay), ...repeat }
            : { kind: v.scheduleKind };
  return {
    name: v.name,
    reason: v.reason,
    scope,
    schedule,
    ...(v.timeZone ? { timeZone: v.timeZone } : {}),
    enabled: v.enabled,
    suppressNotifications: v.suppressNotifications,
    backupJobIds,
  };
}

const WINDOW_FIELDS: Record<string, string> = {
  scope: 'scopeKind',
  'scope.kind': 'scopeKind',
  'scope.deviceIds': 'deviceIds',
  'scope.types': 'types',
  schedule: 'scheduleKind',
  'schedule.kind': 'scheduleKind',
  'schedule.start': 'start',
  'schedule.end': 'end',
  'schedule.at': 'at',
  'schedule.durationMin': 'durationMin',
  'schedule.days': 'days',
  'schedule.day': 'monthDay',
};

/** The service's field paths (schedule.at, scope.deviceIds.3, …) as the form's field names. */
function windowFieldErrors(fields: Record<string, string>): FieldErrors {
  const out: FieldErrors = {};
  for (const [path, msg] of Object.entries(fields)) {
    // List items (scope.deviceIds.3, schedule.days.0) belong to their list's field.
    const key = path.replace(/\.\d+$/, '');
    const field = WINDOW_FIELDS[key] ?? (key === '(root)' ? 'name' : key.split('.')[0]!);
    out[field] ??= msg;
  }
  return out;
}

/** Settings → Maintenance: any role reads; operators plan and change windows; admins delete. */
export function maintenancePages(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const svc = deps.maintenance;
  const timezone = async () => (await deps.site.get()).timezone;

  const formPage = async (
    c: Context<AppEnv>,
    values: WindowFormValues,
    extra: Partial<WindowFormProps> = {},
    status: 200 | 409 | 422 = 200,
  ) => {
    const devices = (await deps.store.devices.list()).sort((a, b) =>
      compareNatural(a.name, b.name),
    );
    return c.html(
      <WindowFormPage
        {...shellProps(c, deps)}
        values={values}
        devices={devices.map((d) => ({ id: d.id, label: deviceLabel(d) }))}
        siteTimeZone={await timezone()}
        {...extra}
      />,
      status,
    );
  };

  /** Field errors for the form, and a banner only when the problem is not one of the fields. */
  const refused = (err: unknown) => {
    const e = formErrors(err);
    const errors = windowFieldErrors(e.fields);
    if (!Object.keys(errors).length) errors.name = e.message;
    return {
      errors,
      ...(e.error.code === 'VALIDATION_FAILED' ? {} : { error: e.message }),
      status: (e.error.status === 409 ? 409 : 422) as 409 | 422,
    };
  };

  app.get('/', async (c) => {
    const [windows, devices] = await Promise.all([svc.list(), deps.store.devices.list()]);
    const names = new Map(devices.map((d) => [d.id, d.name]));
    return c.html(
      <MaintenanceListPage
        {...shellProps(c, deps)}
        timezone={await timezone()}
        windows={windows.map((w) => ({
          id: w.id,
          name: w.name,
          reason: w.reason,
          enabled: w.enabled,
          suppressNotifications: w.suppressNotifications,
          description: w.description,
          scope: scopeView(w, names),
          active: w.active,
          next: w.next,
          backupJobs: w.backupJobIds.length,
        }))}
        canEdit={hasRole(c, 'operator')}
        canDelete={hasRole(c, 'admin')}
        notice={c.req.query('done')}
      />,
    );
  });

  // ---- add (before /:id) ------------------------------------------------------------------
  app.get('/new', async (c) => {
    assertRole(c, 'operator');
    return formPage(c, emptyWindowForm(await timezone()));
  });

  app.post('/', async (c) => {
    assertRole(c, 'operator');
    const values = await readWindowForm(c);
    try {
      const w = await svc.create(windowInput(values, []), ctxOf(c));
      return c.redirect(done(WINDOWS, `Window ${w.name} added: ${w.description}.`), 303);
    } catch (err) {
      const { status, ...r } = refused(err);
      return formPage(c, values, r, status);
    }
  });

  // ---- one window -------------------------------------------------------------------------
  app.get('/:id/edit', async (c) => {
    assertRole(c, 'operator');
    const w = await svc.get(c.req.param('id'));
    return formPage(c, windowFormValues(w), { editing: { id: w.id, name: w.name } });
  });

  app.post('/:id', async (c) => {
    assertRole(c, 'operator');
    const w = await svc.get(c.req.param('id'));
    const values = await readWindowForm(c);
    try {
      // The form does not show the backup jobs tied to the window: they stay as they are.
      const saved = await svc.update(w.id, windowInput(values, w.backupJobIds), ctxOf(c));
      return c.redirect(done(WINDOWS, `Window ${saved.name} saved: ${saved.description}.`), 303);
    } catch (err) {
      const { status, ...r } = refused(err);
      return formPage(c, values, { editing: { id: w.id, name: w.name }, ...r }, status);
    }
  });

  app.get('/:id/delete', async (c) => {
    assertRole(c, 'admin');
    const w = await svc.get(c.req.param('id'));
    return c.html(
      <ConfirmDeletePage
        {...shellProps(c, deps)}
        tab={WINDOWS}
        heading={`Delete the window “${w.name}”?`}
        action={`${WINDOWS}/${w.id}/delete`}
        cancelHref={WINDOWS}
        button="Delete window"
      >
        <p>{w.description}.</p>
        {w.active ? (
          <p>
            <strong>It is active now:</strong> incidents it holds back are notified once the site
            has been checked again.
          </p>
        ) : null}
      </ConfirmDeletePage>,
    );
  });

  app.post('/:id/delete', async (c) => {
    assertRole(c, 'admin');
    const w = await svc.get(c.req.param('id'));
    await svc.remove(w.id, ctxOf(c));
    return c.redirect(done(WINDOWS, `Window ${w.name} deleted.`), 303);
  });

  return app;
}

// ---- SNMP traps -------------------------------------------------------------------------------

const TRAPS_PER_PAGE = 50;

const trapPageQuery = z.object({
  unknown: z.enum(['1', 'on', 'true']).optional(),
  before: cursor,
});

/** Monitoring → SNMP traps: the receiver's state and the traps it kept (any role). */
export function trapsPages(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.get('/', async (c) => {
    const q = validate(trapPageQuery, c.req.query(), 'The filter');
    const unknownOnly = q.unknown !== undefined;
    const r = await deps.store.traps.query({
      unknownOnly,
      limit: TRAPS_PER_PAGE,
      ...(q.before ? { before: q.before } : {}),
    });
    const ids = [...new Set(r.items.flatMap((t) => (t.deviceId ? [t.deviceId] : [])))];
    const names = new Map(
      (ids.length ? await deps.store.devices.byId.getMany(ids) : [])
        .filter((d): d is DeviceRecord => d !== undefined)
        .map((d) => [d.id, d.name]),
    );
    return c.html(
      <TrapsPage
        {...shellProps(c, deps)}
        timezone={(await deps.site.get()).timezone}
        receiver={deps.traps.info()}
        rows={r.items.map((t) => ({
          key: t.key,
          receivedAt: new Date(t.receivedAt).toISOString(),
          address: t.address,
          version: t.version,
          notification: t.notification,
          kind: t.kind,
          trapOid: t.trapOid,
          enterprise: t.enterprise,
          ifIndex: t.ifIndex,
          ifName: t.ifName ?? t.ifDescr,
          operStatus: t.operStatus,
          agentAddress: t.agentAddress,
          credentialName: t.credentialName,
          user: t.user,
          device: t.deviceId ? { id: t.deviceId, name: names.get(t.deviceId) } : undefined,
          varbinds: t.varbinds,
          omittedVarbinds: t.omittedVarbinds,
        }))}
        unknownOnly={unknownOnly}
        before={q.before}
        next={r.next}
      />,
    );
  });

  return app;
}
