import { Hono, type Context } from 'hono';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ctxOf, readForm } from '../request.js';
import { shellProps, formErrors, hasRole, assertRole } from './shell.js';
import { SiteSettingsPage } from '../../../views/pages/settings/site.js';
import { UsersPage } from '../../../views/pages/settings/users.js';
import { TokensPage } from '../../../views/pages/settings/tokens.js';
import { AuditPage } from '../../../views/pages/settings/audit.js';
import { JobsPage, JobRunsPage, type JobRow } from '../../../views/pages/settings/jobs.js';
import { siteSettingsSchema } from '../../settings/site-service.js';
import { roleSchema, scopeSchema, tokenNameSchema, displayNameSchema } from '../../auth/schemas.js';
import { actorLabel } from '../../core/roles.js';
import { formatDuration } from '../../core/time.js';
import { notFound, validationFailed } from '../../core/errors.js';
import { auditQuery } from '../api/audit.js';
import { validate } from '../request.js';
import type { JobStatus } from '../../jobs/types.js';
import { describeSchedule } from '../../jobs/describe-schedule.js';
import { formatAuditDetails } from './format.js';

function jobRow(j: JobStatus): JobRow {
  return {
    name: j.name,
    title: j.title,
    description: j.description,
    schedule: j.schedule,
    scheduleText: describeSchedule(j.schedule),
    running: j.running,
    nextRunAt: j.nextRunAt,
    lastStatus: j.lastRun?.status,
    lastAt: j.lastRun?.startedAt,
    lastSummary: j.lastRun?.error
      ? `${j.lastRun.error.code}: ${j.lastRun.error.message}`
      : j.lastRun?.summary,
  };
}

/** Settings: site identity, users, API tokens, audit log and jobs. */
export function settingsPages(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  // ---- site -------------------------------------------------------------------------------
  app.get('/', async (c) =>
    c.html(
      <SiteSettingsPage
        {...shellProps(c, deps)}
        values={await deps.site.get()}
        saved={c.req.query('saved') === '1'}
        welcome={c.req.query('welcome') === '1'}
        canEdit={hasRole(c, 'admin')}
      />,
    ),
  );
  app.post('/site', async (c) => {
    assertRole(c, 'admin');
    const form = await readForm(c);
    const values = {
      name: form.name ?? '',
      location: form.location ?? '',
      timezone: form.timezone ?? '',
      contact: form.contact ?? '',
    };
    const parsed = siteSettingsSchema.safeParse(values);
    if (!parsed.success) {
      const errors = Object.fromEntries(
        parsed.error.issues.map((i) => [String(i.path[0]), i.message]),
      );
      return c.html(
        <SiteSettingsPage {...shellProps(c, deps)} values={values} errors={errors} canEdit />,
        422,
      );
    }
    await deps.site.update(parsed.data, ctxOf(c));
    return c.redirect('/settings?saved=1', 303);
  });

  // ---- users ------------------------------------------------------------------------------
  const usersPage = async (
    c: Context<AppEnv>,
    extra: Partial<Parameters<typeof UsersPage>[0]> = {},
    status: 200 | 422 | 409 = 200,
  ) =>
    c.html(
      <UsersPage
        {...shellProps(c, deps)}
        users={await deps.users.list()}
        timezone={(await deps.site.get()).timezone}
        currentUserId={c.get('auth')!.session!.user.id}
        passwordMinLength={deps.config.auth.passwordMinLength}
        {...extra}
      />,
      status,
    );

  app.use('/users/*', async (c, next) => {
    assertRole(c, 'admin');
    await next();
  });
  app.use('/users', async (c, next) => {
    assertRole(c, 'admin');
    await next();
  });
  app.get('/users', (c) => usersPage(c, { notice: c.req.query('done') }));
  app.post('/users', async (c) => {
    const form = await readForm(c);
    const values = {
      username: form.username ?? '',
      displayName: form.displayName ?? '',
      role: form.role ?? 'viewer',
    };
    try {
      const role = roleSchema.safeParse(values.role);
      if (!role.success)
        throw validationFailed('Choose a role.', { role: 'Choose one of the roles.' });
      const displayName = displayNameSchema.safeParse(values.displayName);
      if (!displayName.success)
        throw validationFailed('Full name is too long.', {
          displayName: displayName.error.issues[0]!.message,
        });
      await deps.users.create(
        {
          username: values.username,
          password: form.password ?? '',
          role: role.data,
          displayName: displayName.data,
        },
        ctxOf(c),
      );
    } catch (err) {
      const e = formErrors(err);
      const fields = e.error.code === 'USERNAME_TAKEN' ? { username: e.message } : e.fields;
      return usersPage(c, { values, errors: fields, error: e.message }, 422);
    }
    return c.redirect(
      `/settings/users?done=${encodeURIComponent(`User ${values.username.toLowerCase()} added.`)}`,
      303,
    );
  });
  app.post('/users/:id', async (c) => {
    const form = await readForm(c);
    try {
      const role = roleSchema.safeParse(form.role);
      if (!role.success)
        throw validationFailed('Choose a role.', { role: 'Choose one of the roles.' });
      const user = await deps.users.update(
        c.req.param('id'),
        { role: role.data, disabled: form.disabled === 'true' },
        ctxOf(c),
      );
      return c.redirect(
        `/settings/users?done=${encodeURIComponent(`User ${user.username} updated.`)}`,
        303,
      );
    } catch (err) {
      return usersPage(c, { error: formErrors(err).message }, 409);
    }
  });
  app.post('/users/:id/password', async (c) => {
    const form = await readForm(c);
    try {
      const user = await deps.users.setPassword(c.req.param('id'), form.password ?? '', ctxOf(c));
      deps.sessions.clearLockout(user.username);
      return c.redirect(
        `/settings/users?done=${encodeURIComponent(`New password set for ${user.username}; their sessions were ended.`)}`,
        303,
      );
    } catch (err) {
      return usersPage(c, { error: formErrors(err).message }, 422);
    }
  });
  app.post('/users/:id/delete', async (c) => {
    try {
      const user = await deps.users.get(c.req.param('id'));
      await deps.users.remove(user.id, ctxOf(c));
      return c.redirect(
        `/settings/users?done=${encodeURIComponent(`User ${user.username} deleted.`)}`,
        303,
      );
    } catch (err) {
      return usersPage(c, { error: formErrors(err).message }, 409);
    }
  });

  // ---- tokens -----------------------------------------------------------------------------
  const tokensPage = async (
    c: Context<AppEnv>,
    extra: Partial<Parameters<typeof TokensPage>[0]> = {},
    status: 200 | 201 | 422 = 200,
  ) =>
    c.html(
      <TokensPage
        {...shellProps(c, deps)}
        tokens={await deps.tokens.list()}
        timezone={(await deps.site.get()).timezone}
        hq={{
          baseUrl: new URL(c.req.url).origin,
          timezone: (await deps.site.get()).timezone,
          // Only what the page shows: the material also holds the private key.
          https: deps.tls && {
            fingerprint256: deps.tls.fingerprint256,
            subject: deps.tls.subject,
            validTo: deps.tls.validTo,
            selfSigned: deps.tls.selfSigned,
          },
        }}
        {...extra}
      />,
      status,
    );

  app.get('/tokens', (c) => {
    assertRole(c, 'admin');
    return tokensPage(c, { notice: c.req.query('done') });
  });
  app.post('/tokens', async (c) => {
    assertRole(c, 'admin');
    const form = await readForm(c);
    const values = { name: form.name ?? '', scope: form.scope ?? 'read' };
    const name = tokenNameSchema.safeParse(values.name);
    const scope = scopeSchema.safeParse(values.scope);
    if (!name.success || !scope.success) {
      const errors: Record<string, string> = {};
      if (!name.success) errors.name = name.error.issues[0]!.message;
      if (!scope.success) errors.scope = 'Choose one of the scopes.';
      return tokensPage(c, { values, errors }, 422);
    }
    const { token, record } = await deps.tokens.create(
      { name: name.data, scope: scope.data },
      ctxOf(c),
    );
    // The secret is rendered into this one response only; it must not be cached anywhere.
    c.header('Cache-Control', 'no-store');
    return tokensPage(c, { created: { name: record.name, token } }, 201);
  });
  app.post('/tokens/:id/revoke', async (c) => {
    assertRole(c, 'admin');
    const t = await deps.tokens.revoke(c.req.param('id'), ctxOf(c));
    return c.redirect(
      `/settings/tokens?done=${encodeURIComponent(`Token ${t.name} revoked.`)}`,
      303,
    );
  });

  // ---- audit ------------------------------------------------------------------------------
  app.get('/audit', async (c) => {
    assertRole(c, 'admin');
    const q = validate(auditQuery, c.req.query(), 'The query');
    const items = await deps.store.audit.page(q.limit, q.before);
    const rows = items.map((e) => ({
      key: e.key,
      at: e.at,
      actor: actorLabel(e.actor),
      action: e.action,
      target: e.target,
      ip: e.ip,
      details: formatAuditDetails(e.details),
    }));
    return c.html(
      <AuditPage
        {...shellProps(c, deps)}
        rows={rows}
        timezone={(await deps.site.get()).timezone}
        next={items.length === q.limit ? items[items.length - 1]!.key : null}
      />,
    );
  });

  // ---- jobs -------------------------------------------------------------------------------
  app.get('/jobs', async (c) =>
    c.html(
      <JobsPage
        {...shellProps(c, deps)}
        jobs={(await deps.scheduler.status()).map(jobRow)}
        timezone={(await deps.site.get()).timezone}
        canRun={hasRole(c, 'operator')}
        notice={c.req.query('done')}
      />,
    ),
  );
  app.get('/jobs/:name', async (c) => {
    const status = (await deps.scheduler.status()).find((j) => j.name === c.req.param('name'));
    if (!status) throw notFound(`The job "${c.req.param('name')}"`);
    const runs = await deps.store.jobRuns.recent(status.name, 100);
    return c.html(
      <JobRunsPage
        {...shellProps(c, deps)}
        job={jobRow(status)}
        timezone={(await deps.site.get()).timezone}
        runs={runs.map((r) => ({
          id: r.id,
          trigger: r.trigger,
          actor: r.actor,
          startedAt: r.startedAt,
          duration: r.durationMs === undefined ? '…' : formatDuration(r.durationMs),
          status: r.status,
          summary: r.summary,
          error: r.error ? `${r.error.code}: ${r.error.message}` : undefined,
        }))}
      />,
    );
  });
  app.post('/jobs/:name/run', async (c) => {
    assertRole(c, 'operator');
    await deps.scheduler.trigger(c.req.param('name'), ctxOf(c));
    return c.redirect(`/settings/jobs?done=${encodeURIComponent('Job started.')}`, 303);
  });

  return app;
}
