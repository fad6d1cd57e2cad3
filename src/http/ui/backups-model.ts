/**
 * The backup pages' view models: the service's records mapped to what the views in
 * views/pages/backups are given, and the few decisions the pages make themselves (when a job's
 * last good backup counts as stale, the breadcrumbs of a snapshot path). Pure.
 */
import type { BackupJob, BackupRun, BackupTarget } from '../../store/backups.js';
import { describeSource, type RunProgress } from '../../backup/backup-service.js';
import type { TargetProbe } from '../../backup/targets.js';
import type { SnapshotInfo } from '../../backup/snapshots.js';
import { describeSchedule } from '../../jobs/describe-schedule.js';
import { formatDuration } from '../../../views/charts/scale.js';
import type { JobSummary, SnapshotRow, TargetView } from '../../../views/pages/backups/types.js';
import type { PathRef } from '../../../views/pages/backups/format.js';

const HOUR = 3_600_000;
/** The service's default for jobs saved before `staleAfterHours` existed. */
const DEFAULT_STALE_HOURS = 26;

/**
 * A scheduled, enabled job is stale when its last good backup (or, without one, the job itself)
 * is older than its `staleAfterHours`: the same rule as the service's `backup.stale` event.
 */
export function staleness(job: BackupJob, lastGood: BackupRun | undefined, now: number) {
  if (!job.enabled || !job.schedule) return undefined;
  const hours = job.staleAfterHours ?? DEFAULT_STALE_HOURS;
  const since = Date.parse(lastGood?.finishedAt ?? lastGood?.startedAt ?? job.createdAt);
  if (!Number.isFinite(since) || now - since <= hours * HOUR) return undefined;
  return { limit: formatDuration(hours * HOUR) };
}

/** What a job backs up, as people write it. */
export function sourceLabels(job: BackupJob): string[] {
  return [
    ...job.sources.map(describeSource),
    ...(job.applianceData ? [describeSource({ kind: 'appliance' })] : []),
  ];
}

export function jobSummary(
  o: { job: BackupJob; lastRun?: BackupRun; lastGood?: BackupRun; progress?: RunProgress },
  targets: ReadonlyMap<string, BackupTarget>,
  now: number,
): JobSummary {
  const j = o.job;
  const stale = staleness(j, o.lastGood, now);
  return {
    id: j.id,
    name: j.name,
    enabled: j.enabled,
    schedule: j.schedule,
    scheduleText: describeSchedule(j.schedule),
    nextRunAt: j.enabled && j.schedule ? j.nextRunAt : undefined,
    targetId: j.targetId,
    targetName: targets.get(j.targetId)?.name,
    sources: sourceLabels(j),
    lastRun: o.lastRun,
    lastGood: o.lastGood,
    progress: o.progress,
    stale,
  };
}

/** A probe's result, or why probing failed altogether. */
export type ProbeOutcome = TargetProbe | { ok: false; code: string; message: string };

export function targetView(t: BackupTarget, probe: ProbeOutcome, jobs: BackupJob[]): TargetView {
  return {
    id: t.id,
    name: t.name,
    kind: t.kind,
    path: t.path,
    uuid: t.uuid,
    minFreeMiB: t.minFreeMiB,
    minFreeInodes: t.minFreeInodes,
    lastWriteAt: t.lastWriteAt,
    health: probe.ok
      ? {
          ok: true,
          freeBytes: probe.freeBytes,
          totalBytes: probe.totalBytes,
          freeInodes: probe.freeInodes,
          totalInodes: probe.totalInodes,
          fsType: probe.fsType,
          supportsHardLinks: probe.supportsHardLinks,
        }
      : { ok: false, code: probe.code, message: probe.message },
    jobs: jobs.filter((j) => j.targetId === t.id).map((j) => j.name),
  };
}

export function snapshotRow(s: SnapshotInfo): SnapshotRow {
  const m = s.manifest;
  return {
    name: s.name,
    completedAt: m.completedAt,
    durationMs: m.durationMs,
    files: m.stats.files,
    regularFilesTransferred: m.stats.regularFilesTransferred,
    bytesTransferred: m.stats.bytesTransferred,
    totalSize: m.stats.totalSize,
    bytesOnDisk: m.stats.bytesOnDisk,
    warnings: m.warnings.length,
    verification: m.verification
      ? {
          method: m.verification.method,
          sampled: m.verification.sampled,
          mismatches: m.verification.mismatches,
          ok: m.verification.ok,
        }
      : undefined,
  };
}

/**
 * The folders from the snapshot's top down to `here`, each addressable again: by its text, or by
 * its bytes (base64) when a name on the way is not UTF-8.
 */
export function pathCrumbs(here: PathRef): Array<{ label: string; ref: PathRef }> {
  const bytes = here.rawPath ? Buffer.from(here.rawPath, 'base64') : Buffer.from(here.path, 'utf8');
  const out: Array<{ label: string; ref: PathRef }> = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x2f) continue;
    if (i > start) {
      const prefix = bytes.subarray(0, i);
      const label = bytes.subarray(start, i).toString('utf8');
      const text = prefix.toString('utf8');
      const ref: PathRef = Buffer.from(text, 'utf8').equals(prefix)
        ? { path: text }
        : { path: text, rawPath: prefix.toString('base64') };
      out.push({ label, ref });
    }
    start = i + 1;
  }
  return out;
}
