/**
 * Where each source lands inside a snapshot's data directory: a local folder under its absolute
 * path without the leading slash (`/srv/files` → `srv/files`), an SSH folder below the host name
 * (`nas/volume1/share`), an rsync daemon module below host and module, and the appliance's own
 * data in `caretaker-appliance`. The snapshot browser shows these folders as they are.
 */
import type { BackupSource } from '../store/backups.js';

/** Where a source path lands inside a snapshot: its absolute path, without the leading slash. */
export function snapshotSubdir(sourcePath: string): string {
  return sourcePath.replace(/^\/+/, '').replace(/\/+$/, '') || 'root';
}

/** A job's source, or the appliance's own data when the job includes it. */
export type RunSource = BackupSource | { kind: 'appliance' };

/** A source's folder in a snapshot: local paths as they are, remote ones below the host name. */
export function sourceSubdir(s: RunSource): string {
  if (s.kind === 'appliance') return 'caretaker-appliance';
  if (s.kind === 'rsyncd')
    return `${s.host}/${s.module}${s.path.replace(/^\/+|\/+$/g, '') ? `/${snapshotSubdir(s.path)}` : ''}`;
  return s.kind === 'local' ? snapshotSubdir(s.path) : `${s.host}/${snapshotSubdir(s.path)}`;
}
