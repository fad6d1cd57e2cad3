/**
 * Backups as people use them: targets (a directory or an attached disk, only written when really
 * mounted and marked), jobs (what, where, when, how long kept), runs (rsync into a new snapshot
 * with --link-dest to the last complete one; complete only after rsync and the manifest), the
 * retention after each run, a sampled checksum verification, and restores. Every change is
 * audited; failures and stale backups become events (and so incidents).
 */
import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Store } from '../store/store.js';
import type { BatchOp } from '../store/db.js';
import type { Clock } from '../core/time.js';
import type { Logger } from '../lib/logger.js';
import type { RequestContext } from '../auth/context.js';
import type { BackupJob, BackupRun, BackupSource, BackupTarget } from '../store/backups.js';
import { boxSshIdentity } from './ssh-keys.js';
import { exportAppliance } from './appliance-export.js';
import type { SecretBox } from '../lib/secret-box.js';
import { actorLabel } from '../core/roles.js';
import { AppError, conflict, describeError, notFound } from '../core/errors.js';
import { randomId } from '../core/ids.js';
import { timeKey } from '../store/keys.js';
import { Mutex } from '../lib/mutex.js';
import { zodToAppError } from '../core/zod-errors.js';
import { buildRsyncArgs, buildRsyncEnv, type RsyncSource } from './rsync-parse.js';
import { runRsync, RsyncRunError } from './rsync.js';
import {
  beginSnapshot,
  completeSnapshot,
  deleteSnapshot,
  getSnapshot,
  latestComplete,
  recordVerification,
  listSnapshots,
  removeIncomplete,
  type SnapshotInfo,
} from './snapshots.js';
import { planRetention, retentionSchema, DEFAULT_RETENTION } from './retention.js';
import { SnapshotMeter } from './snapshot-meter.js';
import { Reservoir } from '../lib/reservoir.js';
import { initTarget, probeTarget, probeError, type TargetProbe } from './targets.js';
import { targetInputSchema } from './target-schema.js';
import { jobInputSchema, restoreInputSchema } from './job-schema.js';
import { checkRestoreDestination } from './safe-path.js';
import { resolveForRestore } from './snapshot-browse.js';
import type { DiskMounter } from './disk-mounter.js';
import { snapshotSubdir, sourceSubdir, type RunSource } from './source-dirs.js';
import { describeDestination, planRestore } from './restore-plan.js';
import { copyRestore, type RestoreCopy } from './restore-run.js';
import { compareText } from '../lib/collate.js';

export { snapshotSubdir, sourceSubdir } from './source-dirs.js';

export interface BackupDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  /**
   * The next start of a cron expression after now, read in the given IANA time zone (the
   * scheduler's parser), undefined if none.
   */
  nextRun: (cron: string, timeZone: string) => Date | undefined;
  validSchedule: (cron: string) => boolean;
  /** Whether a job may start now (maintenance windows it is attached to). */
  allowedNow?: (jobId: string) => Promise<boolean>;
  /** Site time zone: job schedules and retention's days, weeks and months are read in it. */
  timeZone: () => Promise<string>;
  /** Backups running at the same time at most. */
  maxConcurrent?: number;
  /** rsync program (tests may point elsewhere). */
  rsyncPath?: string;
  /** The config file, copied with the appliance's own backup. */
  configFile?: string | undefined;
  /** Seals rsync daemon passwords at rest. */
  secrets?: SecretBox;
  /** Mounts disk targets the admin asked Caretaker to mount. */
  mounter?: DiskMounter;
}

export interface RunProgress {
  runId: string;
  jobId: string;
  phase: 'checking' | 'copying' | 'verifying' | 'finishing' | 'restoring';
  bytes: number;
  percent: number;
  rate?: string;
  eta?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

export interface JobStatus {
  job: BackupJob;
  lastRun?: BackupRun;
  lastGood?: BackupRun;
  progress?: RunProgress;
}
const HOUR = 3_600_000;
/** Files above this size are not picked for a restore test (it copies them onto the box's disk). */
const RESTORE_TEST_MAX_BYTES = 64 * 1024 * 1024;
/** Entries a restore test lists at most to pick its sample from. */
const RESTORE_TEST_MAX_SCAN = 2_000_000;
const SLASH = Buffer.from('/');

/** A local source must be a readable directory when the run starts. */
async function assertLocalSource(p: string): Promise<void> {
  let isDir = false;
  try {
    isDir = (await stat(p)).isDirectory();
    await readdir(p);
  } catch (err) {
    throw new AppError(
      'SOURCE_MISSING',
      `The source ${p} ${isDir ? 'cannot be read' : 'does not exist'}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`,
      { kind: 'permanent', cause: err },
    );
  }
  if (!isDir)
    throw new AppError('SOURCE_MISSING', `The source ${p} is not a directory.`, {
      kind: 'permanent',
    });
}

export class BackupService {
  private readonly lock = new Mutex();
  private readonly running = new Map<string, { abort: AbortController; progress: RunProgress }>();
  private readonly waiting: Array<() => void> = [];
  private active = 0;
  private stopping = false;

  constructor(private readonly deps: BackupDeps) {}

  /** Where Caretaker mounts disks, when it can. */
  get mountRoot(): string | undefined {
    return this.deps.mounter?.root;
  }

  // ---- targets ----------------------------------------------------------------------------

  async listTargets(): Promise<BackupTarget[]> {
    return this.deps.store.backups.listTargets();
  }

  async getTarget(id: string): Promise<BackupTarget> {
    const t = await this.deps.store.backups.getTarget(id);
    if (!t) throw notFound('The backup target');
    return t;
  }

  private probe(t: BackupTarget, signal?: AbortSignal): Promise<TargetProbe> {
    return probeTarget(
      t.kind === 'disk'
        ? { kind: 'disk', uuid: t.uuid!, mountPoint: t.path }
        : { kind: 'local', path: t.path },
      {
        targetId: t.id,
        minFreeBytes: t.minFreeMiB * 1024 * 1024,
        minFreeInodes: t.minFreeInodes,
        ...(signal ? { signal } : {}),
      },
    );
  }

  /** Checks a target now and keeps the result for the targets page. */
  async checkTarget(id: string): Promise<{ target: BackupTarget; probe: TargetProbe }> {
    const t = await this.getTarget(id);
    const probe = await this.probe(t);
    const now = this.deps.clock.now();
    const next: BackupTarget = {
      ...t,
      lastProbe: probe.ok
        ? { at: iso(now), ok: true, freeBytes: probe.freeBytes, totalBytes: probe.totalBytes }
        : { at: iso(now), ok: false, error: { code: probe.code, message: probe.message } },
    };
    await this.deps.store.write([this.deps.store.backups.targetOp(next)]);
    return { target: next, probe };
  }

  /**
   * Adds a target and writes Caretaker's marker into it. A disk is either mounted already (its
   * mount point given) or mounted by Caretaker now (`mount`), at <mountRoot>/<uuid>.
   */
  async createTarget(input: unknown, ctx: RequestContext): Promise<BackupTarget> {
    const parsed = targetInputSchema.safeParse(input);
    if (!parsed.success) throw zodToAppError(parsed.error, 'The target');
    const v = parsed.data;
    let where = v.path;
    if (v.kind === 'disk' && v.mount) {
      if (!this.deps.mounter)
        throw new AppError('MOUNT_NOT_PERMITTED', 'This box cannot mount disks.', {
          status: 403,
          kind: 'auth',
        });
      where = this.deps.mounter.mountPointFor(v.uuid);
      if (v.path !== undefined && v.path !== where)
        throw new AppError('VALIDATION_FAILED', 'The target is not valid.', {
          status: 422,
          kind: 'input',
          fields: { path: `Caretaker mounts disks at ${where}: leave the mount point empty.` },
        });
    }
    if (where === undefined)
      throw new AppError('VALIDATION_FAILED', 'The target is not valid.', {
        status: 422,
        kind: 'input',
        fields: { path: 'Enter the mount point of the disk, or let Caretaker mount it.' },
      });
    const path = where;
    return this.lock.run(async () => {
      const { store, clock } = this.deps;
      const id = newId('t');
      const now = clock.now();
      if (v.kind === 'disk' && v.mount) await this.deps.mounter!.mount(v.uuid);
      await initTarget(
        v.kind === 'disk' ? { kind: 'disk', uuid: v.uuid, mountPoint: path } : path,
        id,
        { create: v.kind === 'local' },
      );
      const t: BackupTarget = {
        id,
        name: v.name,
        kind: v.kind,
        path,
        ...(v.kind === 'disk' ? { uuid: v.uuid } : {}),
        ...(v.kind === 'disk' && v.mount ? { automount: true } : {}),
        minFreeMiB: v.minFreeMiB,
        minFreeInodes: v.minFreeInodes,
        createdAt: iso(now),
        createdBy: actorLabel(ctx.actor),
        updatedAt: iso(now),
      };
      await store.write([
        store.backups.targetOp(t),
        store.audit.recordOp(ctx, 'backup.target-created', `backup-target:${id}`, now, {
          name: t.name,
          kind: t.kind,
          path: t.path,
          ...(t.automount ? { mounted: true } : {}),
        }),
      ]);
      return t;
    });
  }

  /**
   * A disk Caretaker mounts that is not mounted now (re-plugged, or the box restarted) is
   * mounted again. A disk that is not attached stays a clear TARGET_NOT_MOUNTED from the probe.
   */
  private async remount(t: BackupTarget, signal?: AbortSignal): Promise<void> {
    if (!t.automount || !t.uuid || !this.deps.mounter) return;
    try {
      if (await this.deps.mounter.isMounted(t.uuid)) return;
      await this.deps.mounter.mount(t.uuid, signal);
      this.deps.logger.info({ component: 'backup', target: t.id }, 'backup disk mounted');
    } catch (err) {
      this.deps.logger.warn(
        { component: 'backup', target: t.id, err: describeError(err) },
        'backup disk could not be mounted',
      );
    }
  }

  async removeTarget(id: string, ctx: RequestContext): Promise<void> {
    await this.lock.run(async () => {
      const { store, clock } = this.deps;
      const t = await this.getTarget(id);
      const users = (await store.backups.listJobs()).filter((j) => j.targetId === id);
      if (users.length)
        throw conflict(
          'TARGET_IN_USE',
          `Jobs still write to this target: ${users.map((j) => j.name).join(', ')}.`,
        );
      await store.write([
        store.backups.delTargetOp(id),
        store.audit.recordOp(ctx, 'backup.target-deleted', `backup-target:${id}`, clock.now(), {
          name: t.name,
        }),
      ]);
    });
  }

  // ---- jobs -------------------------------------------------------------------------------

  /** Jobs as shown: a daemon password is `passwordSet`, never its ciphertext. */
  async listJobs(): Promise<BackupJob[]> {
    return (await this.deps.store.backups.listJobs())
      .map(publicJob)
      .sort((a, b) => compareText(a.name, b.name));
  }

  async getJob(id: string): Promise<BackupJob> {
    return publicJob(await this.jobRecord(id));
  }

  private async jobRecord(id: string): Promise<BackupJob> {
    const j = await this.deps.store.backups.getJob(id);
    if (!j) throw notFound('The backup job');
    return j;
  }

  /** Input sources as stored: daemon passwords sealed, an omitted one kept from `old`. */
  private sealSources(
    sources: z.output<typeof jobInputSchema>['sources'],
    old?: BackupJob,
  ): BackupSource[] {
    return sources.map((src, i) => {
      if (src.kind !== 'rsyncd') return src;
      const { password, ...rest } = src;
      const prev = old?.sources[i];
      const kept =
        prev?.kind === 'rsyncd' && prev.host === src.host ? prev.sealedPassword : undefined;
      let sealedPassword = kept;
      if (password) {
        if (!this.deps.secrets)
          throw new AppError('SECRETS_UNAVAILABLE', 'Passwords cannot be stored on this box.');
        sealedPassword = this.deps.secrets.seal(password);
      }
      return { ...rest, ...(sealedPassword ? { sealedPassword } : {}) };
    });
  }

  private async parseJob(input: unknown): Promise<z.output<typeof jobInputSchema>> {
    const r = jobInputSchema.safeParse(input);
    if (!r.success) throw zodToAppError(r.error, 'The backup job');
    if (r.data.schedule && !this.deps.validSchedule(r.data.schedule))
      throw new AppError('VALIDATION_FAILED', 'The schedule is not a valid cron expression.', {
        status: 422,
        kind: 'input',
        fields: { schedule: 'Use five fields, for example "30 1 * * *" (01:30 every day).' },
      });
    if (!(await this.deps.store.backups.getTarget(r.data.targetId)))
      throw new AppError('VALIDATION_FAILED', 'There is no such target.', {
        status: 422,
        kind: 'input',
        fields: { targetId: 'Choose an existing target.' },
      });
    return r.data;
  }

  /**
   * A job's schedule is wall-clock time at the site ("30 1 * * *" is 01:30 there). The zone it
   * was read in is kept with it, so that a change of the site's zone moves the next start.
   */
  private async nextRunAt(
    schedule: string,
  ): Promise<{ nextRunAt: string; nextRunTz: string } | undefined> {
    if (!schedule) return undefined;
    const tz = await this.deps.timeZone();
    const d = this.deps.nextRun(schedule, tz);
    return d ? { nextRunAt: d.toISOString(), nextRunTz: tz } : undefined;
  }

  async createJob(input: unknown, ctx: RequestContext): Promise<BackupJob> {
    const v = await this.parseJob(input);
    return this.lock.run(async () => {
      const { store, clock } = this.deps;
      const now = clock.now();
      const next = await this.nextRunAt(v.schedule);
      const job: BackupJob = {
        id: newId('j'),
        ...v,
        sources: this.sealSources(v.sources),
        retention: v.retention,
        ...next,
        createdAt: iso(now),
        createdBy: actorLabel(ctx.actor),
        updatedAt: iso(now),
      };
      await store.write([
        store.backups.jobOp(job),
        store.audit.recordOp(ctx, 'backup.job-created', `backup-job:${job.id}`, now, {
          name: job.name,
          sources: job.sources.map(describeSource),
        }),
      ]);
      return publicJob(job);
    });
  }

  async updateJob(id: string, input: unknown, ctx: RequestContext): Promise<BackupJob> {
    const v = await this.parseJob(input);
    return this.lock.run(async () => {
      const { store, clock } = this.deps;
      const old = await this.jobRecord(id);
      const now = clock.now();
      const next = await this.nextRunAt(v.schedule);
      const job: BackupJob = {
        ...v,
        sources: this.sealSources(v.sources, old),
        id,
        retention: v.retention,
        ...next,
        createdAt: old.createdAt,
        createdBy: old.createdBy,
        updatedAt: iso(now),
      };
      await store.write([
        store.backups.jobOp(job),
        store.audit.recordOp(ctx, 'backup.job-updated', `backup-job:${id}`, now, {
          name: job.name,
        }),
      ]);
      return publicJob(job);
    });
  }

  /** Deletes a job; its snapshots stay on the target (deleting backups is a separate decision). */
  async removeJob(id: string, ctx: RequestContext): Promise<void> {
    await this.lock.run(async () => {
      const { store, clock } = this.deps;
      const old = await this.getJob(id);
      if (this.running.has(id)) throw conflict('BACKUP_RUNNING', 'A run of this job is under way.');
      await store.write([
        store.backups.delJobOp(id),
        store.audit.recordOp(ctx, 'backup.job-deleted', `backup-job:${id}`, clock.now(), {
          name: old.name,
        }),
      ]);
    });
  }

  // ---- runs -------------------------------------------------------------------------------

  progress(jobId: string): RunProgress | undefined {
    return this.running.get(jobId)?.progress;
  }

  async getRun(id: string): Promise<BackupRun> {
    const r = await this.deps.store.backups.getRun(id);
    if (!r) throw notFound('The backup run');
    return r;
  }

  /** Runs left "running" by a crash become interrupted; their partial snapshots go at the next run. */
  async recover(): Promise<number> {
    const { store, clock } = this.deps;
    const stale = await store.backups.running();
    if (!stale.length) return 0;
    const now = clock.now();
    await store.write(
      stale.flatMap((r) =>
        store.backups.runOps({
          ...r,
          status: 'interrupted',
          finishedAt: iso(now),
          error: { code: 'INTERRUPTED', message: 'The box stopped or restarted during this run.' },
        }),
      ),
    );
    return stale.length;
  }

  /** Starts a backup now; resolves with the run record once it is recorded (202). */
  async runNow(
    jobId: string,
    ctx: RequestContext | undefined,
    trigger: BackupRun['trigger'] = 'manual',
  ): Promise<BackupRun> {
    const job = await this.jobRecord(jobId);
    if (this.stopping)
      throw new AppError('SHUTTING_DOWN', 'The box is shutting down.', {
        status: 503,
        kind: 'transient',
      });
    if (this.running.has(jobId))
      throw conflict('BACKUP_RUNNING', `A run of "${job.name}" is already under way.`);
    const { store, clock } = this.deps;
    const now = clock.now();
    const run: BackupRun = {
      id: timeKey(now),
      jobId,
      jobName: job.name,
      kind: 'backup',
      status: 'running',
      trigger,
      by: ctx ? actorLabel(ctx.actor) : 'schedule',
      startedAt: iso(now),
    };
    const abort = new AbortController();
    this.running.set(jobId, {
      abort,
      progress: { runId: run.id, jobId, phase: 'checking', bytes: 0, percent: 0 },
    });
    try {
      await store.write([
        ...store.backups.runOps(run),
        ...(ctx
          ? [
              store.audit.recordOp(ctx, 'backup.run-started', `backup-job:${jobId}`, now, {
                run: run.id,
              }),
            ]
          : []),
      ]);
    } catch (err) {
      this.running.delete(jobId);
      throw err;
    }
    void this.execute(job, run, abort.signal).finally(() => this.running.delete(jobId));
    return run;
  }

  /** Throws the target's problem when it is no longer mounted, marked and holding `dataDir`. */
  private async stillThere(
    target: BackupTarget,
    dataDir: string,
    signal: AbortSignal,
  ): Promise<void> {
    const probe = await this.probe(target, signal);
    if (!probe.ok) throw probeError(probe);
    try {
      await stat(dataDir);
    } catch (err) {
      throw new AppError(
        'TARGET_MISSING',
        'The target went away during the run (was the disk unplugged?); nothing was completed.',
        { status: 409, kind: 'transient', cause: err },
      );
    }
  }

  private async slot(signal: AbortSignal): Promise<() => void> {
    const max = this.deps.maxConcurrent ?? 1;
    while (this.active >= max) {
      signal.throwIfAborted();
      await new Promise<void>((r) => this.waiting.push(r));
    }
    this.active += 1;
    return () => {
      this.active -= 1;
      this.waiting.shift()?.();
    };
  }

  private async execute(job: BackupJob, run: BackupRun, signal: AbortSignal): Promise<void> {
    const { store, clock, logger } = this.deps;
    const entry = this.running.get(job.id)!;
    let release: (() => void) | undefined;
    let finished: BackupRun;
    try {
      release = await this.slot(signal);
      const target = await this.getTarget(job.targetId);
      await this.remount(target, signal);
      const probe = await this.probe(target, signal);
      if (!probe.ok) throw probeError(probe);
      await removeIncomplete(probe.path, job.id);
      const previous = await latestComplete(probe.path, job.id);
      const partial = await beginSnapshot(probe.path, job.id, clock.now());
      entry.progress = { ...entry.progress, phase: 'copying' };
      const warnings: string[] = [];
      let exitCode = 0;
      let transferred = 0;
      let bytesTransferred = 0;
      let totalSize = 0;
      const log: string[] = [];
      // Counts the snapshot from rsync's itemized lines as they come (no walk of the whole tree).
      const meter = new SnapshotMeter({
        dataDir: partial.dataDir,
        previousDir: previous?.dataDir,
        sample: job.verifySample,
        fresh: !partial.resumed,
      });
      const sources: RunSource[] = [
        ...job.sources,
        ...(job.applianceData ? [{ kind: 'appliance' as const }] : []),
      ];
      for (const src of sources) {
        const sub = sourceSubdir(src);
        const dest = path.join(partial.dataDir, sub);
        // The target may have gone (a pulled disk) since the last source: check it again, and never
        // create anything above the snapshot's own data directory (that would be the box's disk).
        await this.stillThere(target, partial.dataDir, signal);
        // A local source that is gone (an unmounted share) is a failure, not a warning over an
        // empty snapshot; rsync would only report it as a partial transfer (exit 23).
        if (src.kind === 'local') await assertLocalSource(src.path);
        await mkdir(dest, { recursive: true });
        const staging = path.join(this.deps.store.dataDir, 'backup-staging', job.id);
        if (src.kind === 'appliance') {
          entry.progress = { ...entry.progress, phase: 'checking' };
          await rm(staging, { recursive: true, force: true });
          await exportAppliance(this.deps.store, staging, {
            configFile: this.deps.configFile,
            signal,
          });
          entry.progress = { ...entry.progress, phase: 'copying' };
        }
        const source: RsyncSource =
          src.kind === 'appliance'
            ? { kind: 'local', path: staging + '/' }
            : src.kind === 'local'
              ? { kind: 'local', path: src.path.replace(/\/?$/, '/') }
              : src.kind === 'ssh'
                ? {
                    kind: 'ssh',
                    user: src.user,
                    host: src.host,
                    path: src.path.replace(/\/?$/, '/'),
                  }
                : {
                    kind: 'daemon' as const,
                    host: src.host,
                    port: src.port,
                    module: src.module,
                    path: src.path.replace(/^\/+/, ''),
                    ...(src.user ? { user: src.user } : {}),
                    ...(src.sealedPassword && this.deps.secrets
                      ? { password: this.deps.secrets.open(src.sealedPassword) }
                      : {}),
                  };
        const ssh =
          src.kind === 'ssh'
            ? await boxSshIdentity(this.deps.store.dataDir).then((id) => ({
                keyFile: id.keyFile,
                knownHostsFile: id.knownHostsFile,
                port: src.port,
                // A host seen for the first time is pinned; a changed key is refused.
                strictHostKeyChecking: 'accept-new' as const,
              }))
            : undefined;
        const rsyncOpts = {
          sources: [source],
          ...(ssh ? { ssh } : {}),
          destination: dest + '/',
          ...(previous ? { linkDest: path.join(previous.dataDir, sub) } : {}),
          numericIds: job.numericIds,
          acls: job.aclsXattrs && !!probe.supportsAcls,
          xattrs: job.aclsXattrs && !!probe.supportsXattrs,
          oneFileSystem: job.oneFileSystem,
          ...(job.bwlimitKiB ? { bwlimitKiB: job.bwlimitKiB } : {}),
          include: job.include,
          exclude: job.exclude,
          ioTimeoutSec: 600,
        };
        const args = buildRsyncArgs(rsyncOpts);
        const r = await runRsync({
          args,
          // A daemon password travels in the environment, never in argv.
          env: buildRsyncEnv(rsyncOpts),
          signal,
          ...(this.deps.rsyncPath ? { rsyncPath: this.deps.rsyncPath } : {}),
          onItemLine: meter.source(sub),
          onProgress: (p) => {
            // (set below for every source)
            entry.progress = {
              ...entry.progress,
              bytes: p.bytes,
              percent: p.percent,
              ...(p.rate ? { rate: p.rate } : {}),
              ...(p.eta ? { eta: p.eta } : {}),
            };
          },
        });
        exitCode = Math.max(exitCode, r.exitCode);
        if (r.warnings)
          warnings.push(
            ...r.warnings.messages,
            ...(r.warnings.omittedFiles ? [`…and ${r.warnings.omittedFiles} more files`] : []),
          );
        transferred += r.stats?.regularFilesTransferred ?? 0;
        bytesTransferred += r.stats?.totalTransferredFileSize ?? 0;
        totalSize += r.stats?.totalFileSize ?? 0;
        log.push(...r.log.slice(-20));
      }
      await this.stillThere(target, partial.dataDir, signal);
      entry.progress = { ...entry.progress, phase: 'verifying', percent: 100 };
      const m = await meter.finish(signal);
      const verification = await this.verifySample(job, partial.dataDir, m.sample, signal);
      entry.progress = { ...entry.progress, phase: 'finishing' };
      const now = clock.now();
      const done = await completeSnapshot(partial, {
        runId: run.id,
        startedAt: run.startedAt,
        completedAt: iso(now),
        durationMs: now - Date.parse(run.startedAt),
        rsyncExitCode: exitCode,
        warnings,
        stats: {
          files: m.files,
          regularFilesTransferred: transferred,
          bytesTransferred,
          totalSize,
          bytesOnDisk: m.bytesOnDisk,
        },
        sources: [
          ...job.sources.map(describeSource),
          ...(job.applianceData ? [describeSource({ kind: 'appliance' })] : []),
        ],
        verification: {
          checkedAt: iso(now),
          method: 'checksum-sample',
          sampled: verification.checked,
          mismatches: verification.mismatched.length,
          mismatchedPaths: verification.mismatched.slice(0, 200),
          ok: verification.mismatched.length === 0,
        },
      });
      const removed = await this.applyRetention(job, probe.path, signal);
      finished = {
        ...run,
        status: warnings.length || verification.mismatched.length ? 'warning' : 'succeeded',
        finishedAt: iso(now),
        durationMs: now - Date.parse(run.startedAt),
        snapshot: done.name,
        rsyncExitCode: exitCode,
        stats: {
          files: m.files,
          regularFilesTransferred: transferred,
          bytesTransferred,
          totalSize,
          bytesOnDisk: m.bytesOnDisk,
        },
        ...(warnings.length ? { warnings: warnings.slice(0, 200) } : {}),
        verification,
        ...(removed.length ? { removed } : {}),
        log: log.slice(-50),
      };
      await store.write([
        ...store.backups.runOps(finished),
        store.backups.targetOp({ ...target, lastWriteAt: iso(now) }),
        ...store.events.appendOps(
          {
            kind: 'backup.succeeded',
            severity: 'info',
            message: `Backup "${job.name}" ${finished.status === 'warning' ? 'completed with warnings' : 'succeeded'}: snapshot ${done.name}.`,
            details: { jobId: job.id, jobName: job.name, runId: run.id, snapshot: done.name },
          },
          now,
        ),
      ]);
    } catch (err) {
      const now = clock.now();
      const e = describeError(err);
      finished = {
        ...run,
        status: 'failed',
        finishedAt: iso(now),
        durationMs: now - Date.parse(run.startedAt),
        error: e,
        ...(err instanceof RsyncRunError
          ? {
              log: err.log.slice(-50),
              ...(typeof err.exitCode === 'number' ? { rsyncExitCode: err.exitCode } : {}),
            }
          : {}),
      };
      logger.warn({ component: 'backup', job: job.id, run: run.id, err: e }, 'backup failed');
      try {
        await store.write([
          ...store.backups.runOps(finished),
          ...store.events.appendOps(
            {
              kind: 'backup.failed',
              severity: 'major',
              message: `Backup "${job.name}" failed: ${e.message}`,
              details: { jobId: job.id, jobName: job.name, runId: run.id, code: e.code },
            },
            now,
          ),
        ]);
      } catch (writeErr) {
        logger.error({ component: 'backup', err: writeErr }, 'could not record a failed backup');
      }
    } finally {
      release?.();
    }
  }

  /**
   * Compares the sample the meter drew (regular files picked at random from the whole snapshot,
   * each equally likely) with their sources, byte for byte. A file that changed at the source since
   * the copy counts as a mismatch only if its mtime and size still match the copy's (else it simply
   * changed meanwhile). Paths are bytes: a name that is not UTF-8 is compared too.
   */
  private async verifySample(
    job: BackupJob,
    dataDir: string,
    sample: readonly Buffer[],
    signal: AbortSignal,
  ): Promise<{ checked: number; mismatched: string[] }> {
    if (job.verifySample <= 0 || sample.length === 0) return { checked: 0, mismatched: [] };
    const dataPrefix = Buffer.from(dataDir.replace(/\/?$/, '/'));
    // Only folders on the box can be read back here.
    const locals = localSources(job).map((s) => ({
      path: Buffer.from(s.path.replace(/\/?$/, '/')),
      sub: Buffer.from(snapshotSubdir(s.path) + '/'),
    }));
    const differs = new Array<boolean>(sample.length).fill(false);
    const check = async (i: number) => {
      const rel = sample[i]!;
      const src = locals.find((s) => rel.length > s.sub.length && startsWith(rel, s.sub));
      if (!src) return;
      const sourceFile = Buffer.concat([src.path, rel.subarray(src.sub.length)]);
      const copy = Buffer.concat([dataPrefix, rel]);
      try {
        const [a, b] = await Promise.all([lstat(sourceFile), lstat(copy)]);
        if (!a.isFile() || !b.isFile()) return;
        if (a.size !== b.size || Math.floor(a.mtimeMs / 1000) !== Math.floor(b.mtimeMs / 1000))
          return;
        differs[i] = !(await sameContent(sourceFile, copy));
      } catch {
        // Removed at the source since the copy: nothing to compare.
      }
    };
    // A few files at a time: the reads come from the page cache, and two cores read faster than one.
    let next = 0;
    const worker = async () => {
      while (next < sample.length) {
        signal.throwIfAborted();
        await check(next++);
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, sample.length) }, worker));
    const mismatched = sample.filter((_, i) => differs[i]).map((rel) => rel.toString('utf8'));
    return { checked: sample.length, mismatched };
  }

  private async applyRetention(
    job: BackupJob,
    targetPath: string,
    signal: AbortSignal,
  ): Promise<string[]> {
    const snaps = await listSnapshots(targetPath, job.id);
    const policy = retentionSchema.parse({ ...DEFAULT_RETENTION, ...job.retention });
    const plan = planRetention(
      snaps.map((s) => ({ id: s.name, completedAt: Date.parse(s.manifest.completedAt) })),
      policy,
      this.deps.clock.now(),
      await this.deps.timeZone(),
    );
    const removed: string[] = [];
    for (const r of plan.remove) {
      signal.throwIfAborted();
      await deleteSnapshot(targetPath, job.id, r.id);
      removed.push(r.id);
    }
    return removed;
  }

  /** What the retention of a job would remove now (the preview on the job page). */
  async retentionPreview(jobId: string, policyInput?: unknown) {
    const job = await this.getJob(jobId);
    const target = await this.getTarget(job.targetId);
    const probe = await this.probe(target);
    if (!probe.ok) throw probeError(probe);
    const policy = retentionSchema.parse(policyInput ?? { ...DEFAULT_RETENTION, ...job.retention });
    const snaps = await listSnapshots(probe.path, job.id);
    return planRetention(
      snaps.map((s) => ({ id: s.name, completedAt: Date.parse(s.manifest.completedAt) })),
      policy,
      this.deps.clock.now(),
      await this.deps.timeZone(),
    );
  }

  // ---- snapshots and restore --------------------------------------------------------------

  /** A job's complete snapshots, newest first (never an in-progress one). */
  async snapshots(jobId: string): Promise<SnapshotInfo[]> {
    const job = await this.getJob(jobId);
    const target = await this.getTarget(job.targetId);
    const probe = await this.probe(target);
    if (!probe.ok) throw probeError(probe);
    return (await listSnapshots(probe.path, job.id)).reverse();
  }

  async snapshot(jobId: string, name: string): Promise<SnapshotInfo> {
    const job = await this.getJob(jobId);
    const target = await this.getTarget(job.targetId);
    const probe = await this.probe(target);
    if (!probe.ok) throw probeError(probe);
    const s = await getSnapshot(probe.path, job.id, name);
    if (!s) throw notFound('The snapshot');
    return s;
  }

  /**
   * Restores a file or folder from a snapshot, as a recorded, audited run with live progress. It
   * takes the job's run slot: no backup of the job (and so no retention that could delete the
   * snapshot being read) runs meanwhile, and no second restore of the same job.
   */
  async restore(input: unknown, ctx: RequestContext): Promise<BackupRun> {
    const r = restoreInputSchema.safeParse(input);
    if (!r.success) throw zodToAppError(r.error, 'The restore');
    const v = r.data;
    const job = await this.getJob(v.jobId);
    if (this.stopping)
      throw new AppError('SHUTTING_DOWN', 'The box is shutting down.', {
        status: 503,
        kind: 'transient',
      });
    const snap = await this.snapshot(v.jobId, v.snapshot);
    const src = await resolveForRestore(snap.dataDir, v.path);
    const rel = v.path.replace(/^\/+/, '').replace(/\/+$/, '');
    const plan = planRestore(job, rel, v.destination, src.type === 'dir');
    let destination = plan.destination;
    // On the box, the folder must exist and no link may lead out of the source folder.
    if (destination.where === 'box' && destination.checkInside) {
      const { root, rel: inside } = destination.checkInside;
      destination = { where: 'box', dest: await checkRestoreDestination(root, inside) };
    }
    if (this.running.has(job.id))
      throw conflict(
        'BACKUP_RUNNING',
        `A run of "${job.name}" is under way; restore when it has finished.`,
      );
    const { store, clock } = this.deps;
    const now = clock.now();
    const described = describeDestination(destination);
    const run: BackupRun = {
      id: timeKey(now),
      jobId: job.id,
      jobName: job.name,
      kind: 'restore',
      status: 'running',
      trigger: 'manual',
      by: actorLabel(ctx.actor),
      startedAt: iso(now),
      snapshot: snap.name,
      restore: { path: rel, destination: described, overwrite: v.overwrite },
    };
    const abort = new AbortController();
    const entry = {
      abort,
      progress: {
        runId: run.id,
        jobId: job.id,
        phase: 'restoring',
        bytes: 0,
        percent: 0,
      } as RunProgress,
    };
    this.running.set(job.id, entry);
    try {
      await store.write([
        ...store.backups.runOps(run),
        store.audit.recordOp(ctx, 'backup.restore-started', `backup-job:${job.id}`, now, {
          snapshot: snap.name,
          path: rel,
          destination: described,
          overwrite: v.overwrite,
        }),
      ]);
    } catch (err) {
      this.running.delete(job.id);
      throw err;
    }
    void this.executeRestore(
      run,
      {
        source: src.path.toString(),
        what: plan.what,
        destination,
        overwrite: v.overwrite,
        signal: abort.signal,
        onProgress: (p) => {
          entry.progress = { ...entry.progress, ...p };
        },
      },
      () => this.release(job.id, entry),
    ).finally(() => this.release(job.id, entry));
    return run;
  }

  /** Copies a restore, frees the job's run slot, then records the outcome. */
  private async executeRestore(
    run: BackupRun,
    o: Omit<RestoreCopy, 'dataDir' | 'now' | 'rsyncPath'>,
    release: () => void,
  ): Promise<void> {
    const finished = await copyRestore(run, {
      ...o,
      dataDir: this.deps.store.dataDir,
      now: () => this.deps.clock.now(),
      rsyncPath: this.deps.rsyncPath,
    });
    // Whoever sees the run finished may start the next one at once.
    release();
    await this.deps.store.write(this.deps.store.backups.runOps(finished));
  }

  /** Frees a job's run slot if `entry` still holds it. */
  private release(jobId: string, entry: { abort: AbortController }): void {
    if (this.running.get(jobId) === entry) this.running.delete(jobId);
  }

  // ---- schedule ---------------------------------------------------------------------------

  /**
   * Called every minute by the job table: starts the jobs that are due (a box that was off runs
   * a missed backup once), and raises an event for jobs whose last good backup is too old.
   */
  async tick(): Promise<string> {
    const { store, clock } = this.deps;
    const now = clock.now();
    let started = 0;
    const tz = await this.deps.timeZone();
    for (let job of await store.backups.listJobs()) {
      if (!job.enabled || !job.schedule || !job.nextRunAt) continue;
      // The site's time zone changed since the next start was worked out: a start still to come
      // moves to the same wall-clock time in the new zone (one already due still runs).
      if (job.nextRunTz !== tz && Date.parse(job.nextRunAt) > now) {
        const moved = await this.nextRunAt(job.schedule);
        if (moved) {
          job = { ...job, ...moved };
          await store.write([store.backups.jobOp(job)]);
        }
      }
      if (Date.parse(job.nextRunAt!) > now || this.running.has(job.id)) continue;
      if (this.deps.allowedNow && !(await this.deps.allowedNow(job.id))) continue;
      const next = await this.nextRunAt(job.schedule);
      const updated: BackupJob = { ...job, ...next };
      // A schedule with no next run (a date that never comes) must not start it on every tick.
      if (!next) {
        delete updated.nextRunAt;
        delete updated.nextRunTz;
      }
      await store.write([store.backups.jobOp(updated)]);
      const late = now - Date.parse(job.nextRunAt!) > HOUR;
      await this.runNow(job.id, undefined, late ? 'catch-up' : 'schedule').catch(() => undefined);
      started += 1;
    }
    const status = await this.statusOf(await store.backups.listJobs());
    const stale = await this.checkStale(now, status);
    const tested = await this.dueRestoreTests(now, status);
    return (
      `${started} backup(s) started` +
      (stale ? `, ${stale} stale` : '') +
      (tested ? `, ${tested} restore test(s)` : '')
    );
  }

  /**
   * A job whose last good backup is older than its limit raises one `backup.stale` event; the
   * next good backup clears it (`backup.fresh`).
   */
  private async checkStale(now: number, status: readonly JobStatus[]): Promise<number> {
    const { store } = this.deps;
    let n = 0;
    for (const { job, lastGood } of status) {
      if (!job.enabled || !job.schedule) continue;
      const since = Date.parse(lastGood?.finishedAt ?? job.createdAt);
      const limit = (job.staleAfterHours ?? 26) * HOUR;
      const isStale = now - since > limit;
      if (isStale === !!job.staleSince) continue;
      const next: BackupJob = { ...job };
      if (isStale) next.staleSince = iso(now);
      else delete next.staleSince;
      await store.write([
        store.backups.jobOp(next),
        ...store.events.appendOps(
          isStale
            ? {
                kind: 'backup.stale',
                severity: 'major',
                message: `Backup "${job.name}" has no good backup since ${lastGood?.finishedAt ?? 'it was created'}.`,
                details: {
                  jobId: job.id,
                  jobName: job.name,
                  lastGood: lastGood?.finishedAt ?? null,
                },
              }
            : {
                kind: 'backup.fresh',
                severity: 'info',
                message: `Backup "${job.name}" is up to date again.`,
                details: { jobId: job.id, jobName: job.name },
              },
          now,
        ),
      ]);
      if (isStale) n += 1;
    }
    return n;
  }

  private async dueRestoreTests(now: number, status: readonly JobStatus[]): Promise<number> {
    let n = 0;
    for (const { job, lastGood } of status) {
      if (!job.enabled || !job.restoreTestEveryDays || this.running.has(job.id)) continue;
      const last = job.lastRestoreTestAt ? Date.parse(job.lastRestoreTestAt) : 0;
      if (now - last < job.restoreTestEveryDays * 24 * HOUR) continue;
      if (!lastGood) continue;
      await this.restoreTest(job.id, undefined).catch(() => undefined);
      n += 1;
    }
    return n;
  }

  /**
   * Restores up to 20 sample files of the newest snapshot into a scratch directory with rsync
   * (the way a real restore reads it) and compares them with the snapshot by SHA-256. The result
   * is a run of kind `restore-test`, recorded in the snapshot's manifest; a failure is an event.
   */
  async restoreTest(jobId: string, ctx: RequestContext | undefined): Promise<BackupRun> {
    // The stored record (a daemon password stays sealed in it), written back below.
    const job = await this.jobRecord(jobId);
    // It holds the job's run slot: a backup's retention must not delete the snapshot it reads.
    if (this.running.has(jobId))
      throw conflict(
        'BACKUP_RUNNING',
        `A run of "${job.name}" is under way; test when it has finished.`,
      );
    const started = this.deps.clock.now();
    const slot = {
      abort: new AbortController(),
      progress: { runId: '', jobId, phase: 'verifying', bytes: 0, percent: 0 } as RunProgress,
    };
    this.running.set(jobId, slot);
    try {
      return await this.runRestoreTest(job, ctx, started, slot.progress);
    } finally {
      this.release(jobId, slot);
    }
  }

  private async runRestoreTest(
    job: BackupJob,
    ctx: RequestContext | undefined,
    started: number,
    progress: RunProgress,
  ): Promise<BackupRun> {
    const jobId = job.id;
    const { store, clock } = this.deps;
    const run: BackupRun = {
      id: timeKey(started),
      jobId,
      jobName: job.name,
      kind: 'restore-test',
      status: 'running',
      trigger: ctx ? 'manual' : 'schedule',
      by: ctx ? actorLabel(ctx.actor) : 'schedule',
      startedAt: iso(started),
    };
    progress.runId = run.id;
    await store.write([
      ...store.backups.runOps(run),
      store.backups.jobOp({ ...job, lastRestoreTestAt: iso(started) }),
      ...(ctx
        ? [store.audit.recordOp(ctx, 'backup.restore-test', `backup-job:${jobId}`, started)]
        : []),
    ]);
    const scratch = path.join(store.dataDir, 'restore-test', run.id.replace(/[^0-9A-Za-z]/g, ''));
    let finished: BackupRun;
    try {
      const snaps = await this.snapshots(jobId);
      const snap = snaps[0];
      if (!snap)
        throw new AppError('NO_SNAPSHOT', 'There is no complete snapshot to test.', {
          status: 409,
          kind: 'conflict',
        });
      // A uniform sample of the snapshot's files, listed by bytes (a name that is not UTF-8 is
      // walked through, but not picked: rsync's argv is text). Sample files are copied into
      // scratch space on the box's own disk: big ones (a disk image, a video) are left out, so
      // that a test can never fill it.
      const sample = new Reservoir<string>(20);
      let scanned = 0;
      const walk = async (dir: Buffer, rel: string | undefined): Promise<void> => {
        for (const d of await readdir(dir, { withFileTypes: true, encoding: 'buffer' })) {
          if (++scanned > RESTORE_TEST_MAX_SCAN) return;
          const abs = Buffer.concat([dir, SLASH, d.name]);
          const name = isUtf8(d.name) ? d.name.toString('utf8') : undefined;
          const r =
            rel === undefined || name === undefined ? undefined : rel ? `${rel}/${name}` : name;
          if (d.isDirectory()) await walk(abs, r);
          else if (
            d.isFile() &&
            r !== undefined &&
            (await lstat(abs)).size <= RESTORE_TEST_MAX_BYTES
          )
            if (sample.take()) sample.put(r);
        }
      };
      await walk(Buffer.from(snap.dataDir), '');
      const picked = sample.items;
      await mkdir(scratch, { recursive: true });
      const mismatched: string[] = [];
      for (const rel of picked) {
        const args = buildRsyncArgs({
          sources: [{ kind: 'local', path: path.join(snap.dataDir, rel) }],
          destination: scratch + '/',
          numericIds: true,
        });
        await runRsync({
          args,
          signal: AbortSignal.timeout(10 * 60_000),
          ...(this.deps.rsyncPath ? { rsyncPath: this.deps.rsyncPath } : {}),
        });
        const copy = path.join(scratch, path.basename(rel));
        if ((await sha256(copy)) !== (await sha256(path.join(snap.dataDir, rel))))
          mismatched.push(rel);
        await rm(copy, { force: true });
      }
      const now = clock.now();
      await recordVerification((await this.probeJobTarget(job)).path, job.id, snap.name, {
        checkedAt: iso(now),
        method: 'restore-test',
        sampled: picked.length,
        mismatches: mismatched.length,
        mismatchedPaths: mismatched.slice(0, 200),
        ok: mismatched.length === 0,
      });
      finished = {
        ...run,
        status: mismatched.length ? 'failed' : 'succeeded',
        finishedAt: iso(now),
        durationMs: now - started,
        snapshot: snap.name,
        verification: { checked: picked.length, mismatched },
        ...(mismatched.length
          ? {
              error: {
                code: 'RESTORE_TEST_MISMATCH',
                message: `${mismatched.length} restored file(s) differ from the snapshot.`,
              },
            }
          : {}),
      };
    } catch (err) {
      const now = clock.now();
      finished = {
        ...run,
        status: 'failed',
        finishedAt: iso(now),
        durationMs: now - started,
        error: describeError(err),
      };
    } finally {
      await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
    }
    const now = clock.now();
    await store.write([
      ...store.backups.runOps(finished),
      ...store.events.appendOps(
        finished.status === 'succeeded'
          ? {
              kind: 'backup.restore-test-passed',
              severity: 'info',
              message: `Restore test of "${job.name}" passed (${finished.verification?.checked ?? 0} files).`,
              details: { jobId: job.id, jobName: job.name, runId: run.id },
            }
          : {
              kind: 'backup.restore-test-failed',
              severity: 'major',
              message: `Restore test of "${job.name}" failed: ${finished.error?.message ?? 'unknown error'}`,
              details: {
                jobId: job.id,
                jobName: job.name,
                runId: run.id,
                code: finished.error?.code,
              },
            },
        now,
      ),
    ]);
    return finished;
  }

  private async probeJobTarget(job: BackupJob) {
    const probe = await this.probe(await this.getTarget(job.targetId));
    if (!probe.ok) throw probeError(probe);
    return probe;
  }

  /** Jobs with their last run, last good run and progress (the backups page and /site). */
  async overview(): Promise<JobStatus[]> {
    return (await this.statusOf(await this.deps.store.backups.listJobs()))
      .map((o) => ({ ...o, job: publicJob(o.job) }))
      .sort((a, b) => compareText(a.job.name, b.job.name));
  }

  /** Last run, last good run and progress of stored job records (kept as stored). */
  private async statusOf(jobs: readonly BackupJob[]): Promise<JobStatus[]> {
    const out: JobStatus[] = [];
    for (const job of jobs) {
      const runs = await this.deps.store.backups.runsOf(job.id, 50);
      const backups = runs.filter((r) => r.kind === 'backup');
      const lastRun = backups[0];
      const lastGood = backups.find((r) => r.status === 'succeeded' || r.status === 'warning');
      const progress = this.progress(job.id);
      out.push({
        job,
        ...(lastRun ? { lastRun } : {}),
        ...(lastGood ? { lastGood } : {}),
        ...(progress ? { progress } : {}),
      });
    }
    return out;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const r of this.running.values()) r.abort.abort();
    const end = Date.now() + 10_000;
    while (this.running.size && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  }
}

/** Ids of targets and jobs: they name directories, so they start with a letter. */
function newId(prefix: string): string {
  return prefix + randomId(8).replace(/[^A-Za-z0-9_-]/g, 'x');
}

/** A job as the API and UI show it: a daemon password is only `passwordSet`. */
export function publicJob(job: BackupJob): BackupJob {
  if (!job.sources.some((s) => s.kind === 'rsyncd')) return job;
  return {
    ...job,
    sources: job.sources.map((s) => {
      if (s.kind !== 'rsyncd') return s;
      const { sealedPassword, ...rest } = s;
      return { ...rest, passwordSet: !!sealedPassword };
    }),
  };
}

function localSources(job: BackupJob): Array<{ kind: 'local'; path: string }> {
  return job.sources.filter((s): s is { kind: 'local'; path: string } => s.kind === 'local');
}

/** A source as people write it: `/srv/files`, `backup@nas:/volume1/share` (port if not 22). */
export function describeSource(s: RunSource): string {
  if (s.kind === 'appliance') return 'this appliance (store, secret key, config)';
  if (s.kind === 'local') return s.path;
  if (s.kind === 'ssh') return `${s.user}@${s.host}${s.port !== 22 ? `:${s.port}` : ''}:${s.path}`;
  return `rsync://${s.user ? `${s.user}@` : ''}${s.host}${s.port !== 873 ? `:${s.port}` : ''}/${s.module}/${s.path}`;
}

function startsWith(buf: Buffer, prefix: Buffer): boolean {
  return buf.length >= prefix.length && prefix.compare(buf, 0, prefix.length) === 0;
}

/**
 * Whether two files hold the same bytes, read side by side in 256 KiB blocks: comparing the bytes
 * is a stronger check than comparing two digests, and costs no hashing.
 */
async function sameContent(a: Buffer, b: Buffer): Promise<boolean> {
  const fa = await open(a, 'r');
  try {
    const fb = await open(b, 'r');
    try {
      const size = 256 * 1024;
      const ba = Buffer.allocUnsafe(size);
      const bb = Buffer.allocUnsafe(size);
      for (;;) {
        const [na, nb] = await Promise.all([readFull(fa, ba), readFull(fb, bb)]);
        if (na !== nb || ba.compare(bb, 0, nb, 0, na) !== 0) return false;
        if (na < size) return true;
      }
    } finally {
      await fb.close();
    }
  } finally {
    await fa.close();
  }
}

/** Fills `buf` from the current position; less only at the end of the file. */
async function readFull(fh: FileHandle, buf: Buffer): Promise<number> {
  let n = 0;
  while (n < buf.length) {
    const { bytesRead } = await fh.read(buf, n, buf.length - n, null);
    if (bytesRead === 0) break;
    n += bytesRead;
  }
  return n;
}

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export type { BatchOp };
