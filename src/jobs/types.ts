import type { JobRunRecord } from '../store/types.js';

/** One background job: a name, a schedule, and work that honours its abort signal. */
export interface JobDefinition<D> {
  name: string;
  title: string;
  description: string;
  /** Cron expression (see cron.ts; local time of the box; seconds field optional). */
  schedule: string;
  /** The run is aborted after this long. */
  timeoutMs: number;
  /** Frequent jobs keep only this many recorded runs (else the job-run retention applies). */
  keepRuns?: number;
  /** Returns a short human summary of what the run did. */
  run(deps: D, signal: AbortSignal): Promise<string | void>;
}

export interface JobStatus {
  name: string;
  title: string;
  description: string;
  schedule: string;
  running: boolean;
  nextRunAt?: string;
  lastRun?: JobRunRecord;
}
