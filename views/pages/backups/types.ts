/** What the backup views are given (the handlers map the service's records to these). */

export interface RunView {
  id: string;
  jobId: string;
  jobName: string;
  kind: 'backup' | 'restore' | 'restore-test';
  status: string;
  trigger: string;
  by: string;
  startedAt: string;
  finishedAt?: string | undefined;
  durationMs?: number | undefined;
  snapshot?: string | undefined;
  stats?:
    | {
        files?: number | undefined;
        regularFilesTransferred?: number | undefined;
        bytesTransferred?: number | undefined;
        totalSize?: number | undefined;
        bytesOnDisk?: number | undefined;
      }
    | undefined;
  rsyncExitCode?: number | undefined;
  warnings?: string[] | undefined;
  error?: { code: string; message: string } | undefined;
  restore?: { path: string; destination: string; overwrite: boolean } | undefined;
  verification?: { checked: number; mismatched: string[] } | undefined;
  removed?: string[] | undefined;
  log?: string[] | undefined;
}

export interface ProgressView {
  runId: string;
  phase: string;
  bytes: number;
  percent: number;
  rate?: string | undefined;
  eta?: string | undefined;
}

/** A job as the overview and its own page show it. */
export interface JobSummary {
  id: string;
  name: string;
  enabled: boolean;
  /** Cron expression ('' = only by hand) and the same in words. */
  schedule: string;
  scheduleText: string;
  nextRunAt?: string | undefined;
  targetId: string;
  /** Absent when the target was deleted since. */
  targetName?: string | undefined;
  sources: string[];
  lastRun?: RunView | undefined;
  lastGood?: RunView | undefined;
  progress?: ProgressView | undefined;
  /** Set when the last good backup is older than the schedule allows (or there never was one). */
  stale?: { limit: string } | undefined;
}

export type TargetHealth =
  | {
      ok: true;
      freeBytes: number;
      totalBytes: number;
      freeInodes: number;
      totalInodes: number;
      fsType: string;
      supportsHardLinks: boolean;
    }
  | { ok: false; code: string; message: string };

export interface TargetView {
  id: string;
  name: string;
  kind: 'local' | 'disk';
  path: string;
  uuid?: string | undefined;
  minFreeMiB: number;
  minFreeInodes: number;
  lastWriteAt?: string | undefined;
  health: TargetHealth;
  /** Names of the jobs that write to it. */
  jobs: string[];
}

/** A complete snapshot in the list. */
export interface SnapshotRow {
  name: string;
  completedAt: string;
  durationMs: number;
  files: number;
  regularFilesTransferred: number;
  bytesTransferred: number;
  totalSize: number;
  bytesOnDisk: number;
  warnings: number;
  verification?:
    | {
        /** checksum-sample: after the run, against the sources; restore-test: restored copies. */
        method: 'checksum-sample' | 'restore-test';
        sampled: number;
        mismatches: number;
        ok: boolean;
      }
    | undefined;
}

export interface EntryView {
  name: string;
  path: string;
  rawPath?: string | undefined;
  type: 'file' | 'dir' | 'symlink' | 'other';
  size: number;
  mtime: string;
  linkTarget?: string | undefined;
}
