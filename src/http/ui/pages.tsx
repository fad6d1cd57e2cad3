import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ctxOf, readForm } from '../request.js';
import { shellProps, formErrors, hasRole } from './shell.js';
import { AREAS } from './areas.js';
import { DashboardPage } from '../../../views/pages/dashboard.js';
import { AreaPage } from '../../../views/pages/area.js';
import { AccountPage } from '../../../views/pages/account.js';
import { formatDuration } from '../../core/time.js';
import { typeCount } from '../../../views/pages/devices/format.js';
import type { AreaInfo } from '../../../views/pages/area.js';
import { MonitoringDashboard } from '../../../views/pages/dashboard-monitoring.js';
import { DashboardService } from '../../monitor/dashboard-service.js';
import { openIncidentsBlock } from './incidents-pages.js';
import { compareText } from '../../lib/collate.js';

/** The dashboard, the product's areas and the user's own account page. */
export function mainPages(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const dashboard = new DashboardService({
    ...deps,
    pollIntervalS: deps.config.monitor.pollIntervalS,
  });
  const monitoringProps = async () => {
    const [site, data, incidents] = await Promise.all([
      deps.site.get(),
      dashboard.build(),
      openIncidentsBlock(deps),
    ]);
    return { ...data, siteName: site.name, tz: site.timezone, incidents };
  };

  /** The Devices card of the dashboard, with the inventory's counts. */
  const devicesArea = async (area: AreaInfo): Promise<AreaInfo> => {
    const [{ facets }, settings] = await Promise.all([
      deps.devices.query({ sort: 'ip', order: 'asc', limit: 1, offset: 0 }),
      deps.discovery.get(),
    ]);
    const total = Object.values(facets.status).reduce((a, b) => a + b, 0);
    const byType = Object.entries(facets.types)
      .sort((a, b) => b[1] - a[1] || compareText(a[0], b[0]))
      .map(([t, n]) => typeCount(t, n));
    const summary = total
      ? `${total} device${total === 1 ? '' : 's'}: ${facets.status.up ?? 0} up, ${facets.status.missing ?? 0} missing. ${byType.length > 5 ? `${byType.slice(0, 4).join(', ')} and ${byType.length - 4} more types` : byType.join(', ')}.`
      : settings.subnets.length
        ? 'Networks to scan are set; no device found yet.'
        : area.summary;
    return { ...area, summary, configured: total > 0 || settings.subnets.length > 0 };
  };

  /** The Incidents card: how many are unresolved, when any are. */
  const incidentsArea = async (area: AreaInfo): Promise<AreaInfo> => {
    const open = await deps.incidents.unresolved();
    if (!open.length) return area;
    const waiting = open.filter((i) => i.state === 'open').length;
    const summary = `${open.length} unresolved incident${open.length === 1 ? '' : 's'}${waiting ? `, ${waiting} not acknowledged yet` : ''}.`;
    return { ...area, summary };
  };

  app.get('/', async (c) => {
    const [site, jobs, monitoring, areas] = await Promise.all([
      deps.site.get(),
      deps.scheduler.status(),
      monitoringProps(),
      Promise.all(
        AREAS.map((a) =>
          a.href === '/devices' ? devicesArea(a) : a.href === '/incidents' ? incidentsArea(a) : a,
        ),
      ),
    ]);
    const firstSteps = monitoring.devices.total
      ? undefined
      : {
          subnets: (await deps.discovery.get()).subnets.length > 0,
          credentials: (await deps.credentials.list()).length > 0,
          isAdmin: hasRole(c, 'admin'),
        };
    return c.html(
      <DashboardPage
        {...shellProps(c, deps)}
        site={site}
        monitoring={monitoring}
        firstSteps={firstSteps}
        box={{
          version: deps.version,
          uptime: formatDuration(deps.clock.now() - deps.startedAt),
          dataDir: deps.config.dataDir,
          boxId: (await deps.store.settings.boxId()) ?? '',
          rssMb: Math.round(process.memoryUsage.rss() / 1e6),
        }}
        areas={areas}
        jobs={jobs.map((j) => ({
          name: j.name,
          title: j.title,
          ...(j.lastRun ? { lastStatus: j.lastRun.status, lastAt: j.lastRun.startedAt } : {}),
          ...(j.nextRunAt ? { nextAt: j.nextRunAt } : {}),
        }))}
      />,
    );
  });

  // The dashboard's body alone, for its own refresh every 30 s. The element polls with the
  // X-Caretaker-Poll header, so an open dashboard does not keep an idle session alive.
  app.get('/dashboard/body', async (c) =>
    c.html(<MonitoringDashboard {...await monitoringProps()} />),
  );

  // Devices, Monitoring and Incidents are real pages now; the other areas are still placeholders.
  const real = new Set(['/devices', '/monitoring', '/incidents', '/backups']);
  for (const area of AREAS.filter((a) => !real.has(a.href))) {
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
