import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ctxOf, readForm, validate } from '../request.js';
import { shellProps, formErrors, hasRole, assertRole } from './shell.js';
import { formatDuration } from '../../core/time.js';
import { describeSchedule } from '../../jobs/describe-schedule.js';
import { credentialInputSchema, publicCredential } from '../../snmp/credential-service.js';
import type { ScanRecord } from '../../store/types.js';
import { ScansPage, ScanDetailPage, ScanHistory } from '../../../views/pages/scans/scans.js';
import { ScanCard, type ScanView } from '../../../views/pages/scans/scan-card.js';
import {
  DiscoverySettingsPage,
  discoveryFormValues,
  type DiscoveryFormValues,
} from '../../../views/pages/settings/discovery.js';
import {
  CredentialsPage,
  type CredentialFormValues,
} from '../../../views/pages/settings/credentials.js';

const HISTORY_SIZE = 20;
/** The schema's cap on networks, repeated here for the form's hint. */
const MAX_NETWORKS = 32;

const done = (path: string, message: string) => `${path}?done=${encodeURIComponent(message)}`;

const historyQuery = z.object({ before: z.string().max(64).optional() }).strict();

/** Discovery scans: follow the running one, start, cancel, and the history. */
export function discoveryPages(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const timezone = async () => (await deps.site.get()).timezone;

  const view = (s: ScanRecord): ScanView => {
    const start = Date.parse(s.startedAt ?? s.createdAt);
    const end = s.finishedAt ? Date.parse(s.finishedAt) : deps.clock.now();
    return { ...s, duration: formatDuration(Math.max(0, end - start)) };
  };
  /** Recent scans but the running one. */
  const recent = async (before?: string) => {
    const items = await deps.scans.recent(HISTORY_SIZE, before);
    const running = deps.scans.running();
    // The running scan has its own live card; this is the list of past ones.
    return {
      scans: items.filter((s) => s.id !== running?.id).map(view),
      next: items.length === HISTORY_SIZE ? items[items.length - 1]!.id : null,
    };
  };

  const scansPage = async (
    c: Context<AppEnv>,
    extra: { error?: { code: string; message: string }; notice?: string | undefined } = {},
    status: 200 | 409 = 200,
  ) => {
    const q = validate(
      historyQuery,
      c.req.query().before ? { before: c.req.query('before') } : {},
      'The query',
    );
    const settings = await deps.discovery.get();
    // The running scan, else the latest one: a scan that ended before this page was rendered
    // (a short one) is shown here with its result.
    const current = deps.scans.running() ?? (await deps.scans.recent(1))[0];
    const { scans, next } = await recent(q.before);
    return c.html(
      <ScansPage
        {...shellProps(c, deps)}
        timezone={await timezone()}
        settings={{
          subnets: settings.subnets,
          exclude: settings.exclude,
          scheduleText: describeSchedule(settings.schedule),
          serviceScan: settings.serviceScan,
        }}
        current={current ? view(current) : undefined}
        scans={scans}
        next={next}
        canOperate={hasRole(c, 'operator')}
        isAdmin={hasRole(c, 'admin')}
        {...extra}
      />,
      status,
    );
  };

  app.get('/', (c) => scansPage(c, { notice: c.req.query('done') }));

  app.post('/scans', async (c) => {
    assertRole(c, 'operator');
    try {
      await deps.scans.start('manual', ctxOf(c));
    } catch (err) {
      const e = formErrors(err);
      return scansPage(c, { error: { code: e.error.code, message: e.message } }, 409);
    }
    return c.redirect(done('/discovery', 'Scan started.'), 303);
  });

  app.get('/scans/:id', async (c) => {
    const s = await deps.scans.get(c.req.param('id'));
    return c.html(
      <ScanDetailPage
        {...shellProps(c, deps)}
        timezone={await timezone()}
        scan={view(s)}
        canOperate={hasRole(c, 'operator')}
        withServices={(await deps.discovery.get()).serviceScan}
        notice={c.req.query('done')}
      />,
    );
  });

  /** The live card alone, polled while a scan runs; with ?history=1 the history comes along once it ends. */
  app.get('/scans/:id/progress', async (c) => {
    const s = await deps.scans.get(c.req.param('id'));
    const tz = await timezone();
    const { csrfToken } = shellProps(c, deps);
    const finished = s.status !== 'running' && s.status !== 'queued';
    const withHistory = c.req.query('history') === '1';
    const settings = await deps.discovery.get();
    const card = (
      <ScanCard
        scan={view(s)}
        timezone={tz}
        csrfToken={csrfToken}
        canOperate={hasRole(c, 'operator')}
        withServices={settings.serviceScan}
        pollUrl={`/discovery/scans/${s.id}/progress${withHistory ? '?history=1' : ''}`}
        showLink={withHistory}
        canStart={withHistory && hasRole(c, 'operator') && settings.subnets.length > 0}
      />
    );
    if (!finished || !withHistory) return c.html(card);
    const { scans, next } = await recent();
    return c.html(
      <>
        {card}
        <ScanHistory scans={scans} timezone={tz} next={next} oob />
      </>,
    );
  });

  app.post('/scans/:id/cancel', async (c) => {
    assertRole(c, 'operator');
    try {
      await deps.scans.cancel(c.req.param('id'), ctxOf(c));
    } catch (err) {
      const e = formErrors(err);
      return scansPage(c, { error: { code: e.error.code, message: e.message } }, 409);
    }
    return c.redirect(done('/discovery', 'Scan cancelled; the inventory was left as it was.'), 303);
  });

  return app;
}

// ---- settings ---------------------------------------------------------------------------------

/** Lines of a textarea with their line numbers, blank lines left out. */
function lines(text: string): Array<{ text: string; line: number }> {
  return text
    .split(/\r?\n/)
    .map((l, i) => ({ text: l.trim(), line: i + 1 }))
    .filter((l) => l.text !== '');
}

function friendly(message: string, what: 'network' | 'list'): string {
  if (/^too big/i.test(message))
    return what === 'list' ? `List at most ${MAX_NETWORKS} networks.` : 'Too long to be a network.';
  return message;
}

/** The credential form as the service's input; fields that do not apply to the version are left out. */
function credentialInput(form: Record<string, string>): unknown {
  const version = form.version ?? '';
  const name = form.name ?? '';
  if (version === '1' || version === '2c')
    return { version, name, community: form.community ?? '' };
  if (version !== '3') return { version, name };
  const level = form.level ?? '';
  const out: Record<string, string> = { version, name, user: form.user ?? '', level };
  if (level === 'authNoPriv' || level === 'authPriv') {
    if (form.authProtocol) out.authProtocol = form.authProtocol;
    if (form.authKey) out.authKey = form.authKey;
  }
  if (level === 'authPriv') {
    if (form.privProtocol) out.privProtocol = form.privProtocol;
    if (form.privKey) out.privKey = form.privKey;
  }
  return out;
}

const CREDENTIAL_FIELD_MESSAGES: Record<string, string> = {
  version: 'Choose an SNMP version.',
  level: 'Choose a security level.',
  authProtocol: 'Choose an authentication protocol.',
  privProtocol: 'Choose a privacy protocol.',
};

/** Settings → Discovery (any role reads, admins change) and Settings → SNMP credentials (admins). */
export function discoverySettingsPages(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  // ---- discovery --------------------------------------------------------------------------
  const discoveryPage = async (
    c: Context<AppEnv>,
    extra: {
      values?: DiscoveryFormValues;
      errors?: { fields: Record<string, string>; subnets: string[]; exclude: string[] };
      saved?: boolean;
    } = {},
    status: 200 | 422 = 200,
  ) => {
    const stored = await deps.discovery.get();
    return c.html(
      <DiscoverySettingsPage
        {...shellProps(c, deps)}
        values={extra.values ?? discoveryFormValues(stored)}
        errors={extra.errors}
        configured={stored.subnets.length > 0}
        scheduleText={describeSchedule(stored.schedule)}
        canEdit={hasRole(c, 'admin')}
        saved={extra.saved ?? false}
        maxNetworks={MAX_NETWORKS}
        topPorts={deps.config.discovery.serviceScanTopPorts}
      />,
      status,
    );
  };

  app.get('/discovery', (c) => discoveryPage(c, { saved: c.req.query('saved') === '1' }));

  app.post('/discovery', async (c) => {
    assertRole(c, 'admin');
    const form = await readForm(c);
    const subnets = lines(form.subnets ?? '');
    const exclude = lines(form.exclude ?? '');
    const custom = form.schedule === 'custom';
    const values: DiscoveryFormValues = {
      subnets: (form.subnets ?? '').replace(/\r\n/g, '\n'),
      exclude: (form.exclude ?? '').replace(/\r\n/g, '\n'),
      schedule: form.schedule ?? '',
      scheduleCustom: form.scheduleCustom ?? '',
      serviceScan: form.serviceScan === 'on',
    };
    try {
      await deps.discovery.update(
        {
          subnets: subnets.map((l) => l.text),
          exclude: exclude.map((l) => l.text),
          schedule: custom ? values.scheduleCustom.trim() : values.schedule,
          serviceScan: values.serviceScan,
        },
        ctxOf(c),
      );
    } catch (err) {
      const e = formErrors(err);
      const errors = {
        fields: {} as Record<string, string>,
        subnets: [] as string[],
        exclude: [] as string[],
      };
      for (const [k, msg] of Object.entries(e.fields)) {
        const m = /^(subnets|exclude)\.(\d+)$/.exec(k);
        if (m) {
          const list = m[1] === 'subnets' ? subnets : exclude;
          const at = list[Number(m[2])];
          errors[m[1] as 'subnets' | 'exclude'].push(
            at ? `Line ${at.line}: ${friendly(msg, 'network')}` : friendly(msg, 'network'),
          );
        } else if (k === 'subnets' || k === 'exclude') {
          errors[k].push(friendly(msg, 'list'));
        } else if (k === 'schedule') {
          errors.fields[custom ? 'scheduleCustom' : 'schedule'] = msg;
        } else {
          errors.fields[k] = msg;
        }
      }
      if (!Object.keys(e.fields).length) errors.fields.subnets = e.message;
      return discoveryPage(c, { values, errors }, 422);
    }
    return c.redirect('/settings/discovery?saved=1', 303);
  });

  // ---- SNMP credentials (admin) -----------------------------------------------------------
  app.use('/credentials', async (c, next) => {
    assertRole(c, 'admin');
    await next();
  });
  app.use('/credentials/*', async (c, next) => {
    assertRole(c, 'admin');
    await next();
  });

  const credentialsPage = async (
    c: Context<AppEnv>,
    extra: Partial<Parameters<typeof CredentialsPage>[0]> = {},
    status: 200 | 404 | 409 | 422 = 200,
  ) =>
    c.html(
      <CredentialsPage
        {...shellProps(c, deps)}
        credentials={await deps.credentials.list()}
        {...extra}
      />,
      status,
    );

  /** Validates the form; on failure, the field messages and the values to show again (no secrets). */
  const parseCredential = (form: Record<string, string>) => {
    const values: CredentialFormValues = {
      name: form.name ?? '',
      version: form.version ?? '2c',
      user: form.user ?? '',
      level: form.level ?? 'authPriv',
      authProtocol: form.authProtocol ?? '',
      privProtocol: form.privProtocol ?? '',
    };
    const parsed = credentialInputSchema.safeParse(credentialInput(form));
    if (parsed.success) return { values, input: parsed.data };
    const errors: Record<string, string> = {};
    for (const i of parsed.error.issues) {
      const field = String(i.path[0] ?? 'name');
      errors[field] ??= CREDENTIAL_FIELD_MESSAGES[field] ?? i.message;
    }
    return { values, errors };
  };

  app.get('/credentials', (c) => credentialsPage(c, { notice: c.req.query('done') }));

  app.post('/credentials', async (c) => {
    const r = parseCredential(await readForm(c));
    if (!r.input) return credentialsPage(c, { values: r.values, errors: r.errors }, 422);
    try {
      const cred = await deps.credentials.create(r.input, ctxOf(c));
      return c.redirect(done('/settings/credentials', `Credential ${cred.name} added.`), 303);
    } catch (err) {
      const e = formErrors(err);
      return credentialsPage(c, { values: r.values, errors: e.fields, error: e.message }, 409);
    }
  });

  app.get('/credentials/:id', async (c) => {
    const cred = publicCredential(await deps.credentials.get(c.req.param('id')));
    return credentialsPage(c, {
      editing: cred,
      values: {
        name: cred.name,
        version: cred.version,
        user: cred.user ?? '',
        level: cred.level ?? 'authPriv',
        authProtocol: cred.authProtocol ?? '',
        privProtocol: cred.privProtocol ?? '',
      },
    });
  });

  app.post('/credentials/:id', async (c) => {
    const cred = publicCredential(await deps.credentials.get(c.req.param('id')));
    const r = parseCredential(await readForm(c));
    if (!r.input)
      return credentialsPage(c, { editing: cred, values: r.values, errors: r.errors }, 422);
    const saved = await deps.credentials.update(cred.id, r.input, ctxOf(c));
    return c.redirect(done('/settings/credentials', `Credential ${saved.name} saved.`), 303);
  });

  app.post('/credentials/:id/move', async (c) => {
    const id = c.req.param('id');
    const dir = (await readForm(c)).dir === 'up' ? -1 : 1;
    const ids = (await deps.credentials.list()).map((x) => x.id);
    const at = ids.indexOf(id);
    if (at < 0) await deps.credentials.get(id); // 404
    const to = at + dir;
    if (to >= 0 && to < ids.length) {
      [ids[at], ids[to]] = [ids[to]!, ids[at]!];
      await deps.credentials.reorder(ids, ctxOf(c));
    }
    return c.redirect('/settings/credentials', 303);
  });

  app.post('/credentials/:id/delete', async (c) => {
    const cred = await deps.credentials.get(c.req.param('id'));
    await deps.credentials.remove(cred.id, ctxOf(c));
    return c.redirect(done('/settings/credentials', `Credential ${cred.name} deleted.`), 303);
  });

  return app;
}
