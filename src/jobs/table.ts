import type { JobDefinition } from './types.js';
import { housekeeping, type HousekeepingDeps } from './housekeeping.js';
import type { ScanService } from '../discovery/scan-service.js';
import type { InspectionService } from '../monitor/inspection-service.js';
import type { MonitorService } from '../monitor/monitor-service.js';
import type { MetricsService } from '../monitor/metrics-service.js';
import type { IncidentService } from '../incidents/incident-service.js';
import type { NotificationService } from '../incidents/notification-service.js';
import type { TrapService } from '../incidents/trap-service.js';
import type { BackupService } from '../backup/backup-service.js';
import type { ChangeFeedService } from '../hq/change-feed.js';
import type { Config } from '../config/schema.js';
import { everySeconds } from './every.js';

/** Everything the jobs may use; built once in main.ts. */
export type JobDeps = HousekeepingDeps & { scans: ScanService } & {
  inspections: InspectionService;
  monitor: MonitorService;
  metrics: MetricsService;
  incidents: IncidentService;
  notifications: NotificationService;
  traps: TrapService;
  backups: BackupService;
  changeFeed: ChangeFeedService;
};

/** The table of every background job of the appliance. */
export function jobTable(
  monitor: Pick<Config['monitor'], 'reachIntervalS' | 'pollIntervalS' | 'serviceIntervalS'>,
): Array<JobDefinition<JobDeps>> {
  return [
    {
      name: 'reachability',
      title: 'Reachability',
      description:
        'Pings every device (ICMP, or TCP where ICMP is blocked) and declares a device down after consecutive failures.',
      schedule: everySeconds(monitor.reachIntervalS),
      timeoutMs: Math.max(20_000, monitor.reachIntervalS * 3_000),
      keepRuns: 100,
      run: (deps, signal) => deps.monitor.reachCycle(signal),
    },
    {
      name: 'snmp-poll',
      title: 'SNMP polling',
      description:
        'Reads interface counters, CPU, memory, storage, supplies, UPS and sensors of every SNMP device and stores them as metrics.',
      schedule: everySeconds(monitor.pollIntervalS),
      timeoutMs: Math.max(30_000, monitor.pollIntervalS * 3_000),
      keepRuns: 100,
      run: (deps, signal) => deps.monitor.pollCycle(signal),
    },
    {
      name: 'service-checks',
      title: 'Service checks',
      description: 'Runs the TCP, HTTP(S) and DNS checks added to devices.',
      schedule: everySeconds(monitor.serviceIntervalS),
      timeoutMs: Math.max(30_000, monitor.serviceIntervalS * 3_000),
      keepRuns: 100,
      run: (deps, signal) => deps.monitor.serviceCycle(signal),
    },
    {
      name: 'metrics-maintenance',
      title: 'Metrics upkeep',
      description:
        'Compresses the last hour of metrics, rolls them up into 5-minute, hourly and daily summaries, expires old data and keeps the store within its quota.',
      schedule: '3 * * * *',
      timeoutMs: 30 * 60_000,
      run: (deps, signal) => deps.metrics.maintain(signal),
    },
    {
      name: 'housekeeping',
      title: 'Housekeeping',
      description:
        'Removes expired sessions, and job runs, audit entries, scans and events past their retention.',
      schedule: '7,22,37,52 * * * *',
      timeoutMs: 5 * 60_000,
      run: housekeeping,
    },
    {
      name: 'backups',
      title: 'Backup schedule',
      description:
        'Starts the backup jobs that are due (a box that was off runs a missed backup once) and respects the maintenance windows they are attached to.',
      schedule: '* * * * *',
      timeoutMs: 60_000,
      keepRuns: 100,
      run: (deps) => deps.backups.tick(),
    },
    {
      name: 'incident-housekeeping',
      title: 'Incident housekeeping',
      description:
        'Removes resolved incidents past their retention, finished notification deliveries older than 90 days, and received traps beyond the number kept.',
      schedule: '41 3 * * *',
      timeoutMs: 10 * 60_000,
      run: async (deps, signal) => {
        const incidents = await deps.incidents.expire(signal);
        const deliveries = await deps.notifications.prune(90, signal);
        const traps = await deps.traps.trim(signal);
        return `removed ${incidents} incident(s), ${deliveries} delivery record(s), ${traps} trap(s)`;
      },
    },
    {
      name: 'change-feed-retention',
      title: 'Change feed retention',
      description:
        'Removes changes older than the retention period (hq.changeRetentionDays) from the change feed HQ catches up from.',
      schedule: '29 * * * *',
      timeoutMs: 10 * 60_000,
      keepRuns: 48,
      run: (deps, signal) => deps.changeFeed.prune(signal),
    },
    {
      name: 'discovery',
      title: 'Discovery',
      description:
        'Scans the configured networks with nmap and SNMP and updates the inventory. Its schedule is set under Settings → Discovery.',
      // Set from the discovery settings at start-up and whenever they change; '' = by hand only.
      schedule: '',
      timeoutMs: 2 * 3_600_000,
      run: (deps, signal) => deps.scans.runScheduled(signal),
    },
    {
      name: 'inspections',
      title: 'Inspection tasks',
      description:
        'Raises an event for each inspection task whose due date and grace period have passed without it being done.',
      schedule: '*/5 * * * *',
      timeoutMs: 60_000,
      run: async (deps, signal) => {
        const r = await deps.inspections.checkOverdue(deps.clock.now(), signal);
        return `${r.checked} plan(s), ${r.overdue} overdue, ${r.raised} event(s) raised`;
      },
    },
  ];
}
