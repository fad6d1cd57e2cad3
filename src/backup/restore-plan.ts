/**
 * Where a restore goes, decided before anything is copied.
 *
 * A path in a snapshot lies below one of the job's sources (`sourceSubdir`). Restoring it "to its
 * original place" puts it back into its parent folder on that source: on the box for a local
 * folder, on the remote host over SSH (the box's own key, the host key pinned by the backups) for
 * an SSH source. It can also go into a new folder on the box, or into a new folder on the host it
 * came from. rsync daemon modules are read-only as a rule, and the appliance's own data is restored
 * with `caretaker import-data`: both go into a folder on the box.
 */
import path from 'node:path';
import { AppError } from '../core/errors.js';
import type { BackupJob, BackupSource } from '../store/backups.js';
import { sourceSubdir } from './source-dirs.js';

/** What a restore copies: one file, one folder (into the destination), or a folder's contents. */
export type RestoreWhat = 'file' | 'dir' | 'contents';

export type RestoreDestinationInput =
  | { kind: 'original' }
  | { kind: 'directory'; path: string }
  | { kind: 'source-directory'; path: string };

export interface RestoreOrigin {
  source: BackupSource;
  /** The path below the source's folder ('' for the whole source). */
  inside: string;
}

/** Where the copy lands. `dest` is a folder; what is restored goes into it. */
export type RestoreDestination =
  | { where: 'box'; dest: string; checkInside?: { root: string; rel: string } }
  | {
      where: 'ssh';
      user: string;
      host: string;
      port: number;
      dest: string;
    };

const inputError = (code: string, message: string, status: 400 | 404 | 409 = 400) =>
  new AppError(code, message, { status, kind: 'input' });

/** The job's source a snapshot path lies below (the deepest one when sources nest). */
export function originOf(job: BackupJob, rel: string): RestoreOrigin | undefined {
  const clean = rel
    .split('/')
    .filter((s) => s && s !== '.')
    .join('/');
  let best: RestoreOrigin | undefined;
  let bestLength = -1;
  for (const source of job.sources) {
    const sub = sourceSubdir(source);
    if (clean !== sub && !clean.startsWith(`${sub}/`)) continue;
    if (sub.length <= bestLength) continue;
    best = { source, inside: clean.slice(sub.length).replace(/^\//, '') };
    bestLength = sub.length;
  }
  return best;
}

/** A source's own folder on its machine (SSH and local sources). */
function sourceFolder(s: BackupSource): string | undefined {
  return s.kind === 'local' || s.kind === 'ssh' ? s.path.replace(/\/+$/, '') || '/' : undefined;
}

/**
 * Where a path from `origin` goes back to: the source's folder, the path's parent inside it
 * ('' for the top), and the two joined. Undefined for sources without a folder of their own.
 */
function backTo(
  origin: RestoreOrigin,
): { root: string; parent: string; folder: string } | undefined {
  const root = sourceFolder(origin.source);
  if (root === undefined) return undefined;
  const dir = origin.inside === '' ? '' : path.posix.dirname(origin.inside);
  const parent = dir === '.' ? '' : dir;
  return { root, parent, folder: parent === '' ? root : path.posix.join(root, parent) };
}

/**
 * The folder "back where it came from" means for a path (undefined when it cannot go back): the
 * parent of the path inside its source's folder. A whole source goes back as its contents into
 * the source folder itself (else it would nest inside itself).
 */
export function originalFolder(
  job: BackupJob,
  rel: string,
): { origin: RestoreOrigin; folder: string; remote: boolean } | undefined {
  const origin = originOf(job, rel);
  const back = origin && backTo(origin);
  if (!origin || !back) return undefined;
  return { origin, folder: back.folder, remote: origin.source.kind === 'ssh' };
}

/** Why a path cannot go back to its original place, for people. */
export function noOriginalReason(job: BackupJob, rel: string): string {
  const origin = originOf(job, rel);
  if (origin?.source.kind === 'rsyncd')
    return 'It came from an rsync daemon module, which is read-only as a rule: restore it into a folder here and copy it back from there.';
  const top = rel.replace(/^\/+/, '').split('/')[0];
  if (!origin && top === sourceSubdir({ kind: 'appliance' }))
    return 'This is a copy of the appliance’s own data: restore it into a folder here (a whole box is restored with caretaker import-data).';
  const clean = rel.replace(/^\/+|\/+$/g, '');
  const below = job.sources.find((s) => sourceSubdir(s).startsWith(`${clean}/`));
  if (!origin && below)
    return `This folder only leads to the backed-up folder ${sourceSubdir(below)}: open that one to put things back, or restore this into a folder here.`;
  return 'This path is not below one of the job’s sources.';
}

/**
 * Decides where a restore of `rel` goes. Checks what can be checked without touching the remote
 * host; the local checks of a destination (that it exists and no link leads out of the source)
 * are the caller's, with `checkInside`.
 */
export function planRestore(
  job: BackupJob,
  rel: string,
  input: RestoreDestinationInput,
  isDir: boolean,
): { destination: RestoreDestination; what: RestoreWhat; origin?: RestoreOrigin } {
  const origin = originOf(job, rel);
  const what: RestoreWhat = isDir ? 'dir' : 'file';
  if (input.kind === 'directory') {
    return { destination: { where: 'box', dest: input.path }, what, ...(origin ? { origin } : {}) };
  }
  if (!origin) throw inputError('RESTORE_NO_ORIGIN', noOriginalReason(job, rel));
  const s = origin.source;
  if (input.kind === 'source-directory') {
    if (s.kind === 'local')
      return { destination: { where: 'box', dest: input.path }, what, origin };
    if (s.kind === 'ssh')
      return {
        destination: { where: 'ssh', user: s.user, host: s.host, port: s.port, dest: input.path },
        what,
        origin,
      };
    throw inputError('RESTORE_NO_ORIGIN', noOriginalReason(job, rel));
  }
  const back = backTo(origin);
  if (!back) throw inputError('RESTORE_NO_ORIGIN', noOriginalReason(job, rel));
  // A whole source folder goes back as its contents.
  const restoreWhat: RestoreWhat = origin.inside === '' ? 'contents' : what;
  if (s.kind === 'ssh')
    return {
      destination: { where: 'ssh', user: s.user, host: s.host, port: s.port, dest: back.folder },
      what: restoreWhat,
      origin,
    };
  return {
    destination: {
      where: 'box',
      dest: back.folder,
      checkInside: { root: back.root, rel: back.parent },
    },
    what: restoreWhat,
    origin,
  };
}

/** A destination as the run history shows it: `/srv/x` or `backup@nas:/volume1/x`. */
export function describeDestination(d: RestoreDestination): string {
  if (d.where === 'box') return d.dest;
  return `${d.user}@${d.host}${d.port !== 22 ? `:${d.port}` : ''}:${d.dest}`;
}
