import type { Db, BatchOp, Sub } from './db.js';
import { sub, readAll } from './db.js';
import { HIGH, key, prefixRange } from './keys.js';

/** Where backups go: a directory on the box (tests, small sites) or an attached disk by UUID. */
export interface BackupTarget {
  id: string;
  name: string;
  kind: 'local' | 'disk';
  /** The directory (local) or the mount point (disk). */
  path: string;
  /** Filesystem UUID of a disk target: a re-plugged disk is found again by it. */
  uuid?: string;
  /** Caretaker mounts the disk itself (at `path`), again before a run when it is not mounted. */
  automount?: boolean;
  minFreeMiB: number;
  minFreeInodes: number;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  /** Last probe, for the targets page (free space trend, last write). */
  lastProbe?: {
    at: string;
    ok: boolean;
    freeBytes?: number;
    totalBytes?: number;
    error?: { code: string; message: string };
  };
  lastWriteAt?: string;
}

export type BackupSource =
  | { kind: 'local'; path: string }
  | { kind: 'ssh'; host: string; port: number; user: string; path: string }
  | {
      kind: 'rsyncd';
      host: string;
      port: number;
      module: string;
      path: string;
      user?: string;
      /** Sealed with the box's secret key; never shown back. */
      sealedPassword?: string;
      /** In views only: whether a password is stored. */
      passwordSet?: boolean;
    };

export interface BackupJob {
  id: string;
  name: string;
  targetId: string;
  sources: BackupSource[];
  include: string[];
  exclude: string[];
  bwlimitKiB?: number;
  oneFileSystem: boolean;
  numericIds: boolean;
  aclsXattrs: boolean;
  /** Cron expression ('' = only by hand). */
  schedule: string;
  /** The next scheduled start (ISO); a box that was off runs a missed backup once when it is back. */
  nextRunAt?: string;
  /** The site's time zone `nextRunAt` was worked out in. */
  nextRunTz?: string;
  retention: Record<string, number | undefined>;
  /** Files compared by checksum after each run (source vs snapshot). */
  verifySample: number;
  /** Also back up the appliance itself: a consistent export of its store, secret key and config. */
  applianceData?: boolean;
  staleAfterHours?: number;
  restoreTestEveryDays?: number;
  /** Set while the last good backup is too old (one event when it starts). */
  staleSince?: string;
  lastRestoreTestAt?: string;
  enabled: boolean;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

export type BackupRunStatus = 'running' | 'succeeded' | 'warning' | 'failed' | 'interrupted';

export interface BackupRun {
  /** Time-ordered id. */
  id: string;
  jobId: string;
  jobName: string;
  kind: 'backup' | 'restore' | 'restore-test';
  status: BackupRunStatus;
  trigger: 'schedule' | 'manual' | 'catch-up';
  by: string;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  /** The snapshot made (backup) or read (restore). */
  snapshot?: string;
  stats?: {
    files?: number;
    regularFilesTransferred?: number;
    bytesTransferred?: number;
    totalSize?: number;
    bytesOnDisk?: number;
  };
  rsyncExitCode?: number;
  warnings?: string[];
  error?: { code: string; message: string };
  /** Restores: what and where. */
  restore?: { path: string; destination: string; overwrite: boolean };
  verification?: { checked: number; mismatched: string[] };
  /** Retention applied after the run: snapshots removed. */
  removed?: string[];
  log?: string[];
}

/** Targets, jobs, runs (newest last, with a per-job index) and pinned SSH host keys. */
export class BackupsStore {
  readonly targets: Sub<BackupTarget>;
  readonly jobs: Sub<BackupJob>;
  readonly runs: Sub<BackupRun>;
  readonly runsByJob: Sub<string>;
  readonly hostKeys: Sub<{ host: string; port: number; keys: string[]; pinnedAt: string }>;

  constructor(db: Db) {
    this.targets = sub<BackupTarget>(db, 'backup-targets');
    this.jobs = sub<BackupJob>(db, 'backup-jobs');
    this.runs = sub<BackupRun>(db, 'backup-runs');
    this.runsByJob = sub<string>(db, 'backup-runs-by-job');
    this.hostKeys = sub(db, 'backup-host-keys');
  }

  getTarget(id: string) {
    return this.targets.get(id);
  }
  async listTargets(): Promise<BackupTarget[]> {
    return (await readAll(this.targets)).map(([, v]) => v);
  }
  targetOp(t: BackupTarget): BatchOp {
    return { type: 'put', sublevel: this.targets, key: t.id, value: t };
  }
  delTargetOp(id: string): BatchOp {
    return { type: 'del', sublevel: this.targets, key: id };
  }

  getJob(id: string) {
    return this.jobs.get(id);
  }
  async listJobs(): Promise<BackupJob[]> {
    return (await readAll(this.jobs)).map(([, v]) => v);
  }
  jobOp(j: BackupJob): BatchOp {
    return { type: 'put', sublevel: this.jobs, key: j.id, value: j };
  }
  delJobOp(id: string): BatchOp {
    return { type: 'del', sublevel: this.jobs, key: id };
  }

  getRun(id: string) {
    return this.runs.get(id);
  }
  runOps(r: BackupRun): BatchOp[] {
    return [
      { type: 'put', sublevel: this.runs, key: r.id, value: r },
      { type: 'put', sublevel: this.runsByJob, key: key(r.jobId, r.id), value: r.id },
    ];
  }
  /** A job's runs, newest first. */
  async runsOf(jobId: string, limit = 50, before?: string): Promise<BackupRun[]> {
    const ids: string[] = [];
    const range = prefixRange(jobId);
    for await (const v of this.runsByJob.values({
      gt: range.gt,
      lt: before ? key(jobId, before) : range.lt,
      reverse: true,
      limit,
    }))
      ids.push(v);
    return (await this.runs.getMany(ids)).filter((r): r is BackupRun => !!r);
  }
  /** Every run, newest first. */
  async recentRuns(limit = 50, before?: string): Promise<BackupRun[]> {
    return (await readAll(this.runs, { lt: before ?? HIGH, reverse: true, limit })).map(
      ([, v]) => v,
    );
  }
  /** Runs recorded as running (after a crash: interrupted). */
  async running(): Promise<BackupRun[]> {
    const out: BackupRun[] = [];
    for await (const [, r] of this.runs.iterator()) if (r.status === 'running') out.push(r);
    return out;
  }
}
