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
import type { IncidentService } from '../incidents/incident-service.js';
import type { NotificationService } from '../incidents/notification-service.js';
import type { ParentService } from '../incidents/parent-service.js';
import type { TrapService } from '../incidents/trap-service.js';
import type { MaintenanceService } from '../incidents/maintenance-service.js';
import type { BackupService } from '../backup/backup-service.js';
import type { SiteSummaryService } from '../hq/site-summary.js';
import type { ChangeFeedService } from '../hq/change-feed.js';
import type { TlsMaterial } from './tls.js';

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
  incidents: IncidentService;
  notifications: NotificationService;
  parents: ParentService;
  traps: TrapService;
  maintenance: MaintenanceService;
  backups: BackupService;
  siteSummary: SiteSummaryService;
  changeFeed: ChangeFeedService;
  /** The certificate served when HTTPS is on (set once the server listens). */
  tls?: TlsMaterial;
  version: string;
  startedAt: number;
}
