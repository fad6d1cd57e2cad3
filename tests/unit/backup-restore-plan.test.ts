/**
 * Where a restore goes (src/backup/restore-plan.ts): the source a snapshot path came from, its
 * original folder on the box or on an SSH host, a new folder on the host it came from, and the
 * refusals for rsync daemon modules and the appliance's own data.
 */
import { describe, expect, it } from 'vitest';
import {
  describeDestination,
  noOriginalReason,
  originOf,
  originalFolder,
  planRestore,
} from '../../src/backup/restore-plan.js';
import type { BackupJob } from '../../src/store/backups.js';

const job = {
  id: 'jtest',
  name: 'Office',
  sources: [
    { kind: 'local', path: '/srv/share' },
    { kind: 'local', path: '/srv/share/scans' },
    { kind: 'ssh', host: 'nas', port: 2222, user: 'backup', path: '/volume1/docs/' },
    { kind: 'rsyncd', host: 'fileserver', port: 873, module: 'public', path: '' },
  ],
} as unknown as BackupJob;

describe('restore plan', () => {
  it('finds the deepest source a path lies below, and nothing for other paths', () => {
    expect(originOf(job, 'srv/share/a/b.txt')).toMatchObject({ inside: 'a/b.txt' });
    expect(originOf(job, 'srv/share/scans/x.pdf')).toMatchObject({
      source: { path: '/srv/share/scans' },
      inside: 'x.pdf',
    });
    expect(originOf(job, 'srv/shares/x')).toBeUndefined();
    expect(originOf(job, 'etc/passwd')).toBeUndefined();
    expect(originOf(job, 'nas/volume1/docs/plan.txt')).toMatchObject({ inside: 'plan.txt' });
  });

  it('puts a file back into its parent folder, on the box or on the SSH host', () => {
    expect(originalFolder(job, 'srv/share/a/b.txt')).toMatchObject({
      folder: '/srv/share/a',
      remote: false,
    });
    expect(originalFolder(job, 'nas/volume1/docs/plans/q1.txt')).toMatchObject({
      folder: '/volume1/docs/plans',
      remote: true,
    });
    const local = planRestore(job, 'srv/share/a/b.txt', { kind: 'original' }, false);
    expect(local).toMatchObject({
      what: 'file',
      destination: {
        where: 'box',
        dest: '/srv/share/a',
        checkInside: { root: '/srv/share', rel: 'a' },
      },
    });
    const remote = planRestore(job, 'nas/volume1/docs/plans', { kind: 'original' }, true);
    expect(remote).toMatchObject({
      what: 'dir',
      destination: { where: 'ssh', user: 'backup', host: 'nas', port: 2222, dest: '/volume1/docs' },
    });
    expect(describeDestination(remote.destination)).toBe('backup@nas:2222:/volume1/docs');
  });

  it('a whole source goes back as its contents into its own folder', () => {
    expect(planRestore(job, 'srv/share', { kind: 'original' }, true)).toMatchObject({
      what: 'contents',
      destination: { where: 'box', dest: '/srv/share', checkInside: { rel: '' } },
    });
    expect(planRestore(job, 'nas/volume1/docs', { kind: 'original' }, true)).toMatchObject({
      what: 'contents',
      destination: { where: 'ssh', dest: '/volume1/docs' },
    });
  });

  it('a new folder on the machine it came from: the box for local sources, the host for SSH', () => {
    expect(
      planRestore(job, 'srv/share/a', { kind: 'source-directory', path: '/srv/old' }, true),
    ).toMatchObject({ destination: { where: 'box', dest: '/srv/old' } });
    expect(
      planRestore(job, 'nas/volume1/docs/a', { kind: 'source-directory', path: '/tmp/r' }, true),
    ).toMatchObject({ destination: { where: 'ssh', host: 'nas', dest: '/tmp/r' } });
    // Any path can go into a folder on the box.
    expect(
      planRestore(job, 'fileserver/public/x', { kind: 'directory', path: '/srv/r' }, false),
    ).toMatchObject({ destination: { where: 'box', dest: '/srv/r' } });
  });

  it('refuses what cannot go back, saying why', () => {
    const refuse = (rel: string, kind: 'original' | 'source-directory') => () =>
      planRestore(job, rel, kind === 'original' ? { kind } : { kind, path: '/srv/x' }, false);
    expect(refuse('fileserver/public/x', 'original')).toThrow(/rsync daemon/);
    expect(refuse('fileserver/public/x', 'source-directory')).toThrow(/rsync daemon/);
    expect(refuse('caretaker-appliance/db', 'original')).toThrow(/import-data/);
    expect(refuse('etc/passwd', 'original')).toThrow(/not below/);
    expect(noOriginalReason(job, 'fileserver/public/x')).toMatch(/read-only/);
    // A folder above a source leads to it.
    expect(noOriginalReason(job, 'srv')).toMatch(/leads to the backed-up folder srv\/share/);
    expect(originalFolder(job, 'fileserver/public/x')).toBeUndefined();
  });
});
