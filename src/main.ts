import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as HttpServer } from 'node:http';
import type { Hono } from 'hono';
import type { Config } from './config/schema.js';
import { openStore, type Store } from './store/store.js';
import { systemClock, type Clock } from './core/time.js';
import { createLogger, type Logger } from './lib/logger.js';
import { UserService } from './auth/user-service.js';
import { SessionService } from './auth/session-service.js';
import { TokenService } from './auth/token-service.js';
import { SetupService, setupCodePath } from './auth/setup-service.js';
import { LoginLimiter } from './auth/login-limiter.js';
import { SiteService } from './settings/site-service.js';
import { Scheduler } from './jobs/scheduler.js';
import { jobTable, type JobDeps } from './jobs/table.js';
import { buildApp } from './http/app.js';
import { SiteSummaryService } from './hq/site-summary.js';
import { ChangeFeedService } from './hq/change-feed.js';
import { loadTls, type TlsMaterial } from './http/tls.js';
import { listenRedirect } from './http/redirect-server.js';
import { SecretBox } from './lib/secret-box.js';
import { CredentialService } from './snmp/credential-service.js';
import { DiscoverySettingsService } from './discovery/settings-service.js';
import { ScanService } from './discovery/scan-service.js';
import { DeviceService, type DeviceRemovalHooks } from './discovery/device-service.js';
import { MetricsService } from './monitor/metrics-service.js';
import { MonitorService } from './monitor/monitor-service.js';
import { RuleService } from './monitor/rule-service.js';
import { AlertService } from './monitor/alert-service.js';
import { InterfaceMarkService } from './monitor/interface-mark-service.js';
import { CheckService } from './monitor/check-service.js';
import { InspectionService } from './monitor/inspection-service.js';
import os from 'node:os';
import { Mutex } from './lib/mutex.js';
import { IncidentService } from './incidents/incident-service.js';
import { NotificationService } from './incidents/notification-service.js';
import { ParentService } from './incidents/parent-service.js';
import { readSelfNetwork } from './incidents/self-network.js';
import { TrapService } from './incidents/trap-service.js';
import { MaintenanceService } from './incidents/maintenance-service.js';
import { DiskMounter } from './backup/disk-mounter.js';
import { BackupService } from './backup/backup-service.js';
import type { AppDeps } from './http/deps.js';
import type { AppEnv } from './http/env.js';
import { describeError } from './core/errors.js';

export const VERSION: string = (() => {
  const root = path.resolve(
    import.meta.dirname,
    '..',
    ...(import.meta.dirname.includes(`${path.sep}dist${path.sep}`) ? ['..'] : []),
  );
  return (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string })
    .version;
})();

/** Every service of the appliance, wired from the config; no HTTP server yet. */
export interface Services {
  deps: AppDeps;
  app: Hono<AppEnv>;
  store: Store;
  scheduler: Scheduler<JobDeps>;
  /** The setup code, while the box is not set up yet. */
  setupCode: string | undefined;
}

export async function buildServices(
  config: Config,
  opts: { logger: Logger; clock?: Clock; startJobs?: boolean },
): Promise<Services> {
  const { logger } = opts;
  const clock = opts.clock ?? systemClock;
  const store = await openStore(config.dataDir, { clock });
  // What has been started, stopped again before the store closes if a later step fails.
  let stopStarted: (() => Promise<void>) | undefined;
  try {
    if (store.migration?.applied.length)
      logger.info(
        { component: 'store', applied: store.migration.applied },
        'store schema migrated',
      );
    const limiter = new LoginLimiter({
      maxFailures: config.auth.maxFailedLogins,
      lockoutMs: config.auth.lockoutMinutes * 60_000,
      attemptsPerMinute: config.auth.loginAttemptsPerMinute,
      clock,
    });
    const users = new UserService({
      store,
      clock,
      passwordMinLength: config.auth.passwordMinLength,
    });
    const sessions = new SessionService({
      store,
      clock,
      limiter,
      users,
      idleMs: config.auth.sessionIdleMinutes * 60_000,
      absoluteMs: config.auth.sessionAbsoluteHours * 3_600_000,
    });
    const tokens = new TokenService({ store, clock });
    const setup = new SetupService({ store, clock, users, limiter });
    const site = new SiteService({ store, clock });
    await site.get();
    const secrets = await SecretBox.open(config.dataDir);
    // Services built later than those that call them (the scheduler needs the scan service,
    // which needs the discovery settings; the trap service needs the credentials): bound once built.
    const late: { scheduler?: Scheduler<JobDeps>; traps?: TrapService } = {};
    // One writer at a time on the inventory: scan merges, device edits, credential deletes.
    const inventoryLock = new Mutex();
    const credentials = new CredentialService({
      store,
      clock,
      secrets,
      inventoryLock,
      // The trap receiver accepts the stored communities and users: a change applies at once.
      onChange: async () => {
        await late.traps
          ?.refreshCredentials()
          .catch((err: unknown) =>
            logger.warn(
              { component: 'traps', err: describeError(err) },
              'the trap receiver could not take the changed credentials',
            ),
          );
      },
    });
    const discovery = new DiscoverySettingsService({
      store,
      clock,
      onScheduleChange: (cron) => late.scheduler?.setSchedule('discovery', cron),
    });
    const scans = new ScanService({
      store,
      clock,
      logger,
      config: config.discovery,
      credentials,
      settings: discovery,
      inventoryLock,
    });
    const removal: DeviceRemovalHooks = {};
    const devices = new DeviceService({ store, clock, inventoryLock, removal });
    const rules = new RuleService({ store, clock });
    const interfaceMarks = new InterfaceMarkService({ store, clock });
    const alerts = new AlertService({
      store,
      clock,
      logger,
      rules,
      marks: interfaceMarks,
      // Three missed cycles of the slowest source break a sustained condition.
      maxGapMs: 3_000 * Math.max(config.monitor.pollIntervalS, config.monitor.serviceIntervalS),
    });
    const checks = new CheckService({ store, clock, logger, inventoryLock });
    const inspections = new InspectionService({ store, clock, site });
    const metrics = new MetricsService({
      store,
      clock,
      logger,
      policy: {
        quotaBytes: config.monitor.metricsQuotaMiB * 1024 * 1024,
        minFreeBytes: config.monitor.minFreeDiskMiB * 1024 * 1024,
        pollIntervalS: config.monitor.pollIntervalS,
      },
    });
    const monitor = new MonitorService({
      store,
      clock,
      logger,
      config,
      credentials,
      metrics,
      alerts,
      checks,
    });
    const parents = new ParentService({
      store,
      clock,
      logger,
      self: () => readSelfNetwork(),
      inventoryLock,
    });
    const links = { incidents: undefined as IncidentService | undefined };
    const publicBase = (
      config.incidents.publicUrl ?? `http://${os.hostname()}:${config.port}`
    ).replace(/\/+$/, '');
    const notifications = new NotificationService({
      store,
      clock,
      logger,
      config,
      secrets,
      site: async () => {
        const s = await site.get();
        return { siteName: s.name, boxName: os.hostname(), timeZone: s.timezone };
      },
      linkFor: (id) => `${publicBase}/incidents${id ? `/${encodeURIComponent(id)}` : ''}`,
      incidentsSince: (fromMs) => links.incidents!.since(fromMs),
      shouldSend: (d) => links.incidents!.shouldSend(d),
      onFinished: (d, now) => links.incidents!.deliveryLineOps(d, now),
      version: VERSION,
    });
    const incidents = new IncidentService({
      store,
      clock,
      logger,
      config,
      statuses: () => monitor.statuses(),
      ancestors: (id) => parents.ancestors(id),
      notifier: notifications,
      autoResolve: (ruleId) => rules.autoResolves(ruleId),
      // Through the scheduler: recorded like any run, and never beside a run of the same job.
      recheck: async () => {
        await late.scheduler!.runOrJoin('reachability', 'maintenance re-check');
        await late.scheduler!.runOrJoin('service-checks', 'maintenance re-check');
      },
    });
    links.incidents = incidents;
    const maintenance = new MaintenanceService({ store, clock, site });
    const backups = new BackupService({
      store,
      clock,
      logger,
      nextRun: (cron, tz) => Scheduler.nextRun(cron, { tz }),
      validSchedule: (cron) => Scheduler.validSchedule(cron),
      allowedNow: (jobId) => maintenance.backupAllowed(jobId),
      timeZone: async () => (await site.get()).timezone,
      maxConcurrent: 1,
      configFile: process.env.CARETAKER_CONFIG,
      secrets,
      mounter: new DiskMounter({
        mountRoot: config.backup.mountRoot,
        method: config.backup.mountMethod,
      }),
    });
    const interruptedBackups = await backups.recover();
    if (interruptedBackups)
      logger.warn(
        { component: 'backup', count: interruptedBackups },
        'marked backup runs interrupted by the previous shutdown',
      );
    const traps = new TrapService({
      store,
      clock,
      logger,
      config,
      credentials,
      onWritten: () => incidents.kick(),
    });
    late.traps = traps;
    removal.extraOps = async (id) => [
      ...(await store.serviceChecks.deviceDeleteOps(id)),
      ...(await store.deviceParents.deviceDeleteOps(id)),
    ];
    removal.wrap = (id, commit) => alerts.forgetDevice(id, commit);
    removal.after = async (id) => {
      await monitor.forgetDevice(id);
      parents.invalidate();
      traps.invalidate();
    };
    const interrupted = await scans.recover();
    if (interrupted)
      logger.warn(
        { component: 'discovery', count: interrupted },
        'marked scans interrupted by the previous shutdown as failed',
      );
    const changeFeed = new ChangeFeedService({ store, clock, config: config.hq });
    const jobs = jobTable(config.monitor);
    const scheduler = new Scheduler<JobDeps>({
      store,
      clock,
      logger,
      jobs,
      shutdownDeadlineMs: config.jobs.shutdownDeadlineMs,
      deps: {
        store,
        sessions,
        clock,
        jobNames: () => jobs.map((j) => j.name),
        jobKeepRuns: (name) => jobs.find((j) => j.name === name)?.keepRuns,
        retention: config.jobs,
        scans,
        inspections,
        monitor,
        metrics,
        incidents,
        notifications,
        traps,
        backups,
        changeFeed,
      },
    });
    late.scheduler = scheduler;
    try {
      scheduler.setSchedule('discovery', (await discovery.get()).schedule);
    } catch (err) {
      // A schedule stored by an older version that this one does not read: rediscovery runs by
      // hand until an admin saves a schedule again, and the box still starts.
      logger.error(
        { component: 'jobs', err: describeError(err) },
        'the stored rediscovery schedule is not valid; scans run only when started by hand',
      );
    }
    if (opts.startJobs !== false) {
      stopStarted = async () => {
        await scheduler.stop();
        await stopIncidents({ backups, traps, incidents, notifications });
      };
      await scheduler.start();
      incidents.start();
      await notifications.start();
      await traps.start();
    }
    const startedAt = clock.now();
    const deps: AppDeps = {
      config,
      store,
      clock,
      logger,
      users,
      sessions,
      tokens,
      setup,
      site,
      scheduler,
      credentials,
      discovery,
      scans,
      devices,
      rules,
      alerts,
      interfaceMarks,
      checks,
      inspections,
      metrics,
      monitor,
      incidents,
      notifications,
      parents,
      traps,
      maintenance,
      backups,
      changeFeed,
      siteSummary: new SiteSummaryService({
        store,
        clock,
        site,
        monitor,
        metrics,
        incidents,
        backups,
        changeFeed,
        version: VERSION,
        startedAt,
      }),
      version: VERSION,
      startedAt,
    };
    const app = await buildApp(deps);
    const setupCode = await setup.ensureCode();
    if (
      config.discovery.scanOnStart &&
      opts.startJobs !== false &&
      (await discovery.get()).subnets.length
    ) {
      // Through the job table, so the run is recorded like any other.
      void scheduler
        .trigger('discovery')
        .catch((err: unknown) =>
          logger.warn(
            { component: 'discovery', err: describeError(err) },
            'scan on start did not run',
          ),
        );
    }
    return { deps, app, store, scheduler, setupCode };
  } catch (err) {
    await stopStarted?.().catch(() => undefined);
    await store.close();
    throw err;
  }
}

export interface RunningService extends Services {
  server: ServerType;
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the appliance: services, jobs and the HTTP server. stop() shuts down in reverse order:
 * stop accepting, finish open requests, stop jobs, close the store.
 */
export async function startService(
  config: Config,
  opts: { logger?: Logger; clock?: Clock } = {},
): Promise<RunningService> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const services = await buildServices(config, {
    logger,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  let server: ServerType;
  let redirect: HttpServer | undefined;
  let tls: TlsMaterial | undefined;
  try {
    if (config.tls.enabled) {
      tls = await loadTls(config.dataDir, config.tls);
      services.deps.tls = tls;
    }
    server = await new Promise<ServerType>((resolve, reject) => {
      const s = serve(
        {
          fetch: services.app.fetch,
          hostname: config.host,
          port: config.port,
          ...(tls
            ? { createServer: createHttpsServer, serverOptions: { cert: tls.cert, key: tls.key } }
            : {}),
        },
        () => resolve(s),
      );
      s.once('error', reject);
    });
    if (tls && config.tls.httpPort) {
      redirect = await listenRedirect(config.host, config.tls.httpPort, config.port);
    }
  } catch (err) {
    await services.scheduler.stop();
    await stopIncidents(services.deps);
    await services.store.close();
    throw err;
  }
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const scheme = tls ? 'https' : 'http';
  const url = `${scheme}://${host === '0.0.0.0' || host === '[::]' ? 'localhost' : host}:${addr.port}`;
  logger.info(
    { component: 'http', url, dataDir: config.dataDir, version: VERSION },
    'Caretaker is listening',
  );
  if (tls) {
    logger.info(
      {
        component: 'http',
        certificate: tls.certFile,
        selfSigned: tls.selfSigned,
        validTo: tls.validTo,
        ...(redirect ? { redirectPort: config.tls.httpPort } : {}),
      },
      `HTTPS certificate fingerprint (SHA-256): ${tls.fingerprint256}`,
    );
  }
  if (services.setupCode) {
    logger.warn(
      { component: 'setup', setupCodeFile: setupCodePath(config.dataDir) },
      `This box is not set up yet. Open ${url}/setup and enter the setup code ${services.setupCode}`,
    );
  }
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info({ component: 'main' }, 'shutting down');
      redirect?.close();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          // Requests still open after the grace period (long polls, stuck clients) are cut.
          (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          resolve();
        }, config.http.shutdownGraceMs);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      });
      await services.deps.scans.shutdown();
      await services.scheduler.stop();
      await stopIncidents(services.deps);
      await services.store.close();
      logger.info({ component: 'main' }, 'stopped');
    })().catch((err: unknown) => {
      logger.error({ component: 'main', err: describeError(err) }, 'shutdown failed');
    }));
  return { ...services, server, url, stop };
}

/** Stops what receives and sends (traps, incident upkeep, notifications) before the store closes. */
async function stopIncidents(
  deps: Pick<AppDeps, 'backups' | 'traps' | 'incidents' | 'notifications'>,
): Promise<void> {
  await deps.backups.stop();
  await deps.traps.stop();
  await deps.incidents.stop();
  await deps.notifications.stop();
}
