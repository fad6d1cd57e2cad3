import type { Config } from '../config/schema.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../core/time.js';
import type { Logger } from '../lib/logger.js';
import type { UserService } from '../auth/user-service.js';
import type { SessionService } from '../auth/session-service.js';
import type { TokenService } from '../auth/token-service.js';
import type { SetupService } from '../auth/setup-service.js';
import type { SiteService } from '../settings/site-service.js';
import type { Scheduler } from '../jobs/scheduler.js';
import type { JobDeps } from '../jobs/table.js';
import type { CredentialService } from '../snmp/credential-service.js';
import type { DiscoverySettingsService } from '../discovery/settings-service.js';
import type { ScanService } from '../discovery/scan-service.js';
import type { DeviceService } from '../discovery/device-service.js';
import type { RuleService } from '../monitor/rule-service.js';
import type { AlertService } from '../monitor/alert-service.js';
import type { InterfaceMarkService } from '../monitor/interface-mark-service.js';
import type { CheckService } from '../monitor/check-service.js';
import type { InspectionService } from '../monitor/inspection-service.js';

import type { MetricsService } from '../monitor/metrics-service.js';
import type { MonitorService } from '../monitor/monitor-service.js';

/** What the HTTP layer may call: services, never `level` directly. */
export interface AppDeps {
  config: Config;
  store: Store;
  clock: Clock;
  logger: Logger;
  users: UserService;
  sessions: SessionService;
  tokens: TokenService;
  setup: SetupService;
  site: SiteService;
  scheduler: Scheduler<JobDeps>;
  credentials: CredentialService;
  discovery: DiscoverySettingsService;
  scans: ScanService;
  devices: DeviceService;
  rules: RuleService;
  alerts: AlertService;
  interfaceMarks: InterfaceMarkService;
  checks: CheckService;
  inspections: InspectionService;
  metrics: MetricsService;
  monitor: MonitorService;
  version: string;
  startedAt: number;
}
