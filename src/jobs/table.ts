import type { JobDefinition } from './types.js';
import { housekeeping, type HousekeepingDeps } from './housekeeping.js';

/** Everything the jobs may use; built once in main.ts. */
export type JobDeps = HousekeepingDeps;

/** The table of every background job of the appliance. */
export function jobTable(): Array<JobDefinition<JobDeps>> {
  return [
    {
      name: 'housekeeping',
      title: 'Housekeeping',
      description:
        'Removes expired sessions, job runs past their retention and audit entries past theirs.',
      schedule: '7,22,37,52 * * * *',
      timeoutMs: 5 * 60_000,
      run: housekeeping,
    },
  ];
}
