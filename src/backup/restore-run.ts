/**
 * The copy step of a restore: rsync from the snapshot to where `restore-plan.ts` decided, on the
 * box or pushed over SSH to the host the path came from, with live progress. Returns the run's
 * outcome as a finished record; recording it (and the job's run slot) is the service's.
 */
import { mkdir } from 'node:fs/promises';
import { describeError } from '../core/errors.js';
import type { BackupRun } from '../store/backups.js';
import { buildRsyncArgs, type RsyncProgress } from './rsync-parse.js';
import { runRsync, RsyncRunError } from './rsync.js';
import { boxSshIdentity } from './ssh-keys.js';
import type { RestoreDestination, RestoreWhat } from './restore-plan.js';

export interface RestoreCopy {
  /** The path in the snapshot (already resolved inside it). */
  source: string;
  what: RestoreWhat;
  destination: RestoreDestination;
  /** Replace files that are newer at the destination. */
  overwrite: boolean;
  signal: AbortSignal;
  onProgress: (p: Pick<RsyncProgress, 'bytes' | 'percent' | 'rate' | 'eta'>) => void;
  /** The box's data directory (its SSH identity and pinned host keys). */
  dataDir: string;
  now: () => number;
  rsyncPath?: string | undefined;
}

/** The rsync source operand: a file, a folder (copied into the destination) or its contents. */
function sourceOperand(source: string, what: RestoreWhat): string {
  if (what === 'contents') return source.replace(/\/?$/, '/');
  if (what === 'dir') return source.replace(/\/?$/, '');
  return source;
}

export async function copyRestore(run: BackupRun, o: RestoreCopy): Promise<BackupRun> {
  const d = o.destination;
  const done = (fields: Partial<BackupRun>): BackupRun => {
    const now = o.now();
    return {
      ...run,
      finishedAt: new Date(now).toISOString(),
      durationMs: now - Date.parse(run.startedAt),
      ...fields,
    } as BackupRun;
  };
  try {
    if (d.where === 'box') await mkdir(d.dest, { recursive: true });
    const ssh =
      d.where === 'ssh'
        ? await boxSshIdentity(o.dataDir).then((id) => ({
            keyFile: id.keyFile,
            knownHostsFile: id.knownHostsFile,
            port: d.port,
            // The host key was pinned by the backups: a restore never accepts a new one.
            strictHostKeyChecking: 'yes' as const,
          }))
        : undefined;
    const args = buildRsyncArgs({
      sources: [{ kind: 'local', path: sourceOperand(o.source, o.what) }],
      destination: d.dest.replace(/\/?$/, '/'),
      ...(d.where === 'ssh'
        ? { destinationHost: { user: d.user, host: d.host }, mkpath: true }
        : {}),
      ...(ssh ? { ssh } : {}),
      numericIds: true,
      // Newer files at the destination are kept unless overwriting was asked for.
      update: !o.overwrite,
      ioTimeoutSec: 600,
    });
    const r = await runRsync({
      args,
      signal: o.signal,
      onProgress: (p) =>
        o.onProgress({
          bytes: p.bytes,
          percent: p.percent,
          rate: p.rate,
          ...(p.eta ? { eta: p.eta } : {}),
        }),
      ...(o.rsyncPath ? { rsyncPath: o.rsyncPath } : {}),
    });
    return done({
      status: r.warnings ? 'warning' : 'succeeded',
      rsyncExitCode: r.exitCode,
      stats: {
        regularFilesTransferred: r.stats?.regularFilesTransferred ?? 0,
        bytesTransferred: r.stats?.totalTransferredFileSize ?? 0,
      },
      ...(r.warnings ? { warnings: r.warnings.messages.slice(0, 200) } : {}),
      log: r.log.slice(-50),
    });
  } catch (err) {
    return done({
      status: 'failed',
      error: describeError(err),
      ...(err instanceof RsyncRunError
        ? {
            ...(err.exitCode !== null ? { rsyncExitCode: err.exitCode } : {}),
            log: err.log.slice(-50),
          }
        : {}),
    });
  }
}
