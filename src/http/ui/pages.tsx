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
import { typeCount } from '../../../views/pages/devices/format.js';
import type { AreaInfo } from '../../../views/pages/area.js';

/** The dashboard, the product's areas and the user's own account page. */
export function mainPages(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  /** The Devices card of the dashboard, with the inventory's counts. */
  const devicesArea = async (area: AreaInfo): Promise<AreaInfo> => {
    const [{ facets }, settings] = await Promise.all([
      deps.devices.query({ sort: 'ip', order: 'asc', limit: 1, offset: 0 }),
      deps.discovery.get(),
    ]);
    const total = Object.values(facets.status).reduce((a, b) => a + b, 0);
    const byType = Object.entries(facets.types)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([t, n]) => typeCount(t, n));
    const summary = total
      ? `${total} device${total === 1 ? '' : 's'}: ${facets.status.up ?? 0} up, ${facets.status.missing ?? 0} missing. ${byType.length > 5 ? `${byType.slice(0, 4).join(', ')} and ${byType.length - 4} more types` : byType.join(', ')}.`
      : settings.subnets.length
        ? 'Networks to scan are set; no device found yet.'
        : area.summary;
    return { ...area, summary, configured: total > 0 || settings.subnets.length > 0 };
  };

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
        areas={await Promise.all(AREAS.map((a) => (a.href === '/devices' ? devicesArea(a) : a)))}
        jobs={jobs.map((j) => ({
          name: j.name,
          title: j.title,
          ...(j.lastRun ? { lastStatus: j.lastRun.status, lastAt: j.lastRun.startedAt } : {}),
          ...(j.nextRunAt ? { nextAt: j.nextRunAt } : {}),
        }))}
      />,
    );
  });

  // Devices is a real page now (devices-pages.tsx); the other areas are still placeholders.
  for (const area of AREAS.filter((a) => a.href !== '/devices')) {
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
