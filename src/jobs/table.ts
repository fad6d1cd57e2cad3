import type { JobDefinition } from './types.js';
import { housekeeping, type HousekeepingDeps } from './housekeeping.js';
import type { ScanService } from '../discovery/scan-service.js';

/** Everything the jobs may use; built once in main.ts. */
export type JobDeps = HousekeepingDeps & { scans: ScanService };

/** The table of every background job of the appliance. */
export function jobTable(): Array<JobDefinition<JobDeps>> {
  return [
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
      name: 'discovery',
      title: 'Discovery',
      description:
        'Scans the configured networks with nmap and SNMP and updates the inventory. Its schedule is set under Settings → Discovery.',
      // Set from the discovery settings at start-up and whenever they change; '' = by hand only.
      schedule: '',
      timeoutMs: 2 * 3_600_000,
      run: (deps, signal) => deps.scans.runScheduled(signal),
    },
  ];
}
