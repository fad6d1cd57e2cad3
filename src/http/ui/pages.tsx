import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ctxOf, readForm } from '../request.js';
import { shellProps, formErrors } from './shell.js';
import { AREAS } from './areas.js';
import { DashboardPage } from '../../../views/pages/dashboard.js';
import { AreaPage } from '../../../views/pages/area.js';
import { AccountPage } from '../../../views/pages/account.js';
import { formatDuration } from '../../core/time.js';

/** The dashboard, the product's areas and the user's own account page. */
export function mainPages(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.get('/', async (c) => {
    const site = await deps.site.get();
    const jobs = await deps.scheduler.status();
    return c.html(
      <DashboardPage
        {...shellProps(c, deps)}
        site={site}
        box={{
          version: deps.version,
          uptime: formatDuration(deps.clock.now() - deps.startedAt),
          dataDir: deps.config.dataDir,
          boxId: (await deps.store.settings.boxId()) ?? '',
          rssMb: Math.round(process.memoryUsage.rss() / 1e6),
        }}
        areas={AREAS}
        jobs={jobs.map((j) => ({
          name: j.name,
          title: j.title,
          ...(j.lastRun ? { lastStatus: j.lastRun.status, lastAt: j.lastRun.startedAt } : {}),
          ...(j.nextRunAt ? { nextAt: j.nextRunAt } : {}),
        }))}
      />,
    );
  });

  for (const area of AREAS) {
    app.get(area.href, (c) => c.html(<AreaPage {...shellProps(c, deps)} area={area} />));
  }

  app.get('/account', (c) =>
    c.html(
      <AccountPage
        {...shellProps(c, deps)}
        saved={c.req.query('saved') === '1'}
        passwordMinLength={deps.config.auth.passwordMinLength}
      />,
    ),
  );

  app.post('/account/password', async (c) => {
    const auth = c.get('auth')!;
    const shell = shellProps(c, deps);
    const form = await readForm(c);
    const render = (errors: Record<string, string>) =>
      c.html(
        <AccountPage
          {...shell}
          errors={errors}
          passwordMinLength={deps.config.auth.passwordMinLength}
        />,
        422,
      );
    if (!auth.session) return render({ currentPassword: 'Only people have passwords.' });
    if (
      !(await deps.sessions.verifyCurrentPassword(
        auth.session.user,
        form.currentPassword ?? '',
        c.get('ip'),
      ))
    )
      return render({ currentPassword: 'This is not your current password.' });
    if ((form.newPassword ?? '') !== (form.confirm ?? ''))
      return render({ confirm: 'The two passwords differ.' });
    try {
      await deps.users.setPassword(auth.session.user.id, form.newPassword ?? '', ctxOf(c), {
        keepSessionHash: auth.session.idHash,
      });
    } catch (err) {
      const e = formErrors(err);
      return render({ newPassword: e.fields.password ?? e.message });
    }
    return c.redirect('/account?saved=1', 303);
  });

  return app;
}
