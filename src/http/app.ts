import path from 'node:path';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppDeps } from './deps.js';
import type { AppEnv } from './env.js';
import { AppError } from '../core/errors.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { securityHeaders } from './middleware/security-headers.js';
import { authenticate, requireAuth } from './middleware/authenticate.js';
import { csrf } from './middleware/csrf.js';
import { hostCheck } from './middleware/host-check.js';
import { staticRoutes } from './static.js';
import { healthApi } from './api/health.js';
import { setupApi } from './api/setup.js';
import { sessionApi } from './api/session.js';
import { meApi } from './api/me.js';
import { usersApi } from './api/users.js';
import { tokensApi } from './api/tokens.js';
import { auditApi } from './api/audit.js';
import { jobsApi } from './api/jobs.js';
import { settingsApi } from './api/settings.js';
import { discoveryApi, discoverySettingsRoutes } from './api/discovery.js';
import { credentialsApi } from './api/credentials.js';
import { devicesApi } from './api/devices.js';
import { seriesApi, eventsApi, deviceMonitorApi, monitoringApi } from './api/metrics.js';
import { rulesApi, alertsApi, interfaceMarksApi } from './api/rules.js';
import {
  incidentsApi,
  maintenanceApi,
  channelsApi,
  trapsApi,
  parentsApi,
} from './api/incidents.js';
import { inspectionsApi } from './api/inspections.js';
import { backupsApi } from './api/backups.js';
import { siteApi } from './api/site.js';
import { changesApi } from './api/changes.js';
import { checksApi } from './api/checks.js';
import { prometheusEndpoint } from './api/prometheus.js';
import { authPages } from './ui/auth-pages.js';
import { mainPages } from './ui/pages.js';
import { settingsPages } from './ui/settings-pages.js';
import { devicesPages } from './ui/devices-pages.js';
import { rulesPages } from './ui/rules-pages.js';
import { checksPages } from './ui/checks-pages.js';
import { discoveryPages, discoverySettingsPages } from './ui/discovery-pages.js';
import { inspectionsPages } from './ui/inspections-pages.js';
import { monitoringPages } from './ui/monitoring-pages.js';
import { notifyPages, maintenancePages, trapsPages } from './ui/notify-pages.js';
import { incidentsPages } from './ui/incidents-pages.js';
import { backupsPages } from './ui/backups-pages.js';
import { openapiApi } from './api/openapi.js';
import { apiReferencePages } from './ui/api-reference-pages.js';
import { apiDocumentation } from './openapi/document.js';

export const STATIC_ROOT = path.resolve(
  import.meta.dirname,
  '..',
  '..',
  ...(import.meta.dirname.includes(`${path.sep}dist${path.sep}`) ? ['..'] : []),
  'static',
);

/**
 * Every route of the appliance, in one place. Public: /static, GET /api/v1/health, the login and
 * setup pages and their API twins. Everything else passes requireAuth; role checks sit on the
 * sub-apps' routes.
 */
export async function buildApp(deps: AppDeps): Promise<Hono<AppEnv>> {
  const app = new Hono<AppEnv>();
  app.onError(errorHandler(deps.logger, () => deps.site.name()));
  app.notFound(notFoundHandler());

  app.use(securityHeaders());
  app.use(hostCheck(deps.config.http.allowedHosts));
  app.use(async (c, next) => {
    await next();
    if (!c.req.path.startsWith('/static/') && !c.res.headers.has('cache-control'))
      c.header('Cache-Control', 'no-store');
  });
  app.use(
    bodyLimit({
      maxSize: deps.config.http.bodyLimitBytes,
      onError: () => {
        throw new AppError(
          'BODY_TOO_LARGE',
          `The request body is larger than ${Math.round(deps.config.http.bodyLimitBytes / 1024)} KiB.`,
          { status: 413, kind: 'input' },
        );
      },
    }),
  );

  app.route('/static', await staticRoutes(STATIC_ROOT));

  // GET /metrics, and the bad-credentials throttle it shares with authenticate (429 past the limit).
  const prometheus = prometheusEndpoint(deps);
  app.use(authenticate(deps, prometheus.badAuth));
  app.use(csrf());

  // ---- JSON API --------------------------------------------------------------------------
  const api = new Hono<AppEnv>();
  api.route('/health', healthApi(deps)); // public
  api.route('/setup', setupApi(deps)); // public until the first admin exists
  api.route('/session', sessionApi(deps)); // login public; logout needs a session
  api.use(requireAuth());
  // Built on first request from the operation registry (src/http/openapi), then kept.
  const apiDocs = apiDocumentation(deps.version);
  api.route('/openapi.json', openapiApi(apiDocs)); // this API's OpenAPI 3.1 document: any role
  api.route('/me', meApi(deps)); // any role
  api.route('/users', usersApi(deps)); // admin
  api.route('/tokens', tokensApi(deps)); // admin
  api.route('/audit', auditApi(deps)); // admin
  api.route('/jobs', jobsApi(deps)); // view: any role; run: operator
  api.route('/settings', settingsApi(deps)); // view: any role; change: admin
  api.route('/settings/discovery', discoverySettingsRoutes(deps)); // view: any role; change: admin
  api.route('/credentials', credentialsApi(deps)); // admin
  api.route('/devices', devicesApi(deps)); // view: any role; edit: operator; delete: admin
  api.route('/devices', interfaceMarksApi(deps)); // /devices/:id/interfaces/:ifIndex: view any; mark important: operator
  api.route('/devices', deviceMonitorApi(deps)); // /devices/:id/metrics and /status: any role
  api.route('/series', seriesApi(deps)); // metric series: any role
  api.route('/events', eventsApi(deps)); // events: any role
  api.route('/monitoring', monitoringApi(deps)); // metrics store state: any role
  api.route('/rules', rulesApi(deps)); // view: any role; change rules and overrides: admin
  api.route('/alerts', alertsApi(deps)); // active alerts: any role
  api.route('/checks', checksApi(deps)); // view: any role; add/edit/delete: operator
  api.route('/discovery', discoveryApi(deps)); // view: any role; scan/cancel: operator
  api.route('/inspections', inspectionsApi(deps)); // view: any role; plans, completions: operator; delete: admin
  api.route('/incidents', incidentsApi(deps)); // view: any role; acknowledge, assign, note, resolve: operator
  api.route('/maintenance-windows', maintenanceApi(deps)); // view: any role; change: operator; delete: admin
  api.route('/channels', channelsApi(deps)); // view: any role; change: admin; send test: operator
  api.route('/traps', trapsApi(deps)); // received traps and receiver counters: any role
  api.route('/devices', parentsApi(deps)); // /devices/:id/parent: view any role; override: operator
  api.route('/backup', backupsApi(deps)); // view: any role; targets, jobs: admin; run, restore, download: operator
  api.route('/site', siteApi(deps)); // the site summary HQ polls (ETag/304): any role
  api.route('/changes', changesApi(deps)); // the change feed HQ catches up from: any role, read-only
  app.route('/api/v1', api);
  // Prometheus text format: any token scope or a session, or basic auth; 404 when turned off.
  app.route('/metrics', prometheus.routes);

  // ---- UI --------------------------------------------------------------------------------
  app.route('/', authPages(deps)); // /login, /logout, /setup
  const ui = new Hono<AppEnv>();
  ui.use(requireAuth());
  ui.route('/settings', settingsPages(deps));
  ui.route('/settings/api', apiReferencePages(deps, apiDocs)); // API reference: any role
  ui.route('/settings', discoverySettingsPages(deps)); // discovery: view any, change admin; credentials: admin
  ui.route('/settings/notifications', notifyPages(deps)); // view any; change admin; send test: operator
  ui.route('/settings/maintenance', maintenancePages(deps)); // view any; change: operator; delete: admin
  ui.route('/devices', devicesPages(deps)); // view: any role; edit: operator; delete: admin
  ui.route('/devices', checksPages(deps)); // /devices/:id/checks…: view any role; change: operator
  ui.route('/discovery', discoveryPages(deps)); // view: any role; scan/cancel: operator
  // Before any generic /monitoring route, which would otherwise answer for these paths.
  ui.route('/monitoring/rules', rulesPages(deps)); // view: any; rules: admin; interface marks: operator
  ui.route('/monitoring/inspections', inspectionsPages(deps)); // view: any; plans, completing: operator; delete: admin
  ui.route('/monitoring/traps', trapsPages(deps)); // received traps and the receiver: any role
  ui.route('/monitoring', monitoringPages(deps)); // alerts, events, store and jobs: any role
  // Before mainPages, whose area placeholders would otherwise answer for /incidents.
  ui.route('/incidents', incidentsPages(deps)); // view: any role; acknowledge, assign, note, resolve: operator
  ui.route('/backups', backupsPages(deps)); // view and browse: any role; run, restore: operator; targets, jobs: admin
  ui.route('/', mainPages(deps)); // dashboard (+ /dashboard/body), placeholders, account
  app.route('/', ui);

  return app;
}
