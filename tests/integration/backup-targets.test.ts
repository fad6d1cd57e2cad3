/**
 * Backup targets on real filesystems: marking a directory, probing it, and above all refusing a
 * disk target whose disk is not mounted, so that a backup can never land on the box's own disk.
 * The parts with ext4 images on loop devices and small tmpfs mounts need root, `mount` and loop
 * devices; they are skipped with the reason otherwise.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, stat, statfs, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  MARKER_FILE,
  TARGET_DATA_DIR,
  findMountByUuid,
  initTarget,
  isMountPoint,
  listBlockDevices,
  listMounts,
  mountContaining,
  mountFilesystem,
  probeTarget,
  unmountFilesystem,
  type ProbeOptions,
  type TargetProbe,
  type TargetProbeOk,
} from '../../src/backup/targets.js';
import { tempDir } from '../helpers/temp-dir.js';

const MiB = 1024 * 1024;
const NO_SUCH_UUID = '00000000-dead-4bad-8000-000000000000';
const lenient = (targetId: string): ProbeOptions => ({
  targetId,
  minFreeBytes: 1,
  minFreeInodes: 1,
});

function expectOk(p: TargetProbe): TargetProbeOk {
  if (!p.ok) throw new Error(`probe failed: ${p.code}: ${p.message}`);
  return p;
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('caretaker-target-'));
});
afterEach(async () => {
  await cleanup();
});

describe('a local directory target', () => {
  it('is set up with an atomic marker and a private data directory, then probes clean', async () => {
    const res = await initTarget(dir, 'tgt-local-1');
    expect(res).toEqual({
      path: dir,
      markerPath: path.join(dir, MARKER_FILE),
      dataDir: path.join(dir, TARGET_DATA_DIR),
    });
    const marker = JSON.parse(await readFile(res.markerPath, 'utf8'));
    expect(marker).toMatchObject({ caretaker: 'backup-target', id: 'tgt-local-1' });
    expect((await stat(res.dataDir)).mode & 0o777).toBe(0o700);
    expect((await readdir(dir)).sort()).toEqual([MARKER_FILE, TARGET_DATA_DIR].sort());
    // setting it up again is harmless and keeps the marker
    await initTarget(dir, 'tgt-local-1');
    expect(JSON.parse(await readFile(res.markerPath, 'utf8'))).toEqual(marker);

    const p = expectOk(await probeTarget({ kind: 'local', path: dir }, lenient('tgt-local-1')));
    const fs = await statfs(dir);
    expect(p.freeBytes).toBeGreaterThan(0);
    expect(p.totalBytes).toBeGreaterThanOrEqual(p.freeBytes);
    expect(Math.abs(p.freeBytes - fs.bavail * fs.bsize)).toBeLessThan(256 * MiB);
    expect(p.totalBytes).toBe(fs.blocks * fs.bsize);
    expect(p.freeInodes).toBeLessThanOrEqual(p.totalInodes);
    const mount = mountContaining(await listMounts(), dir)!;
    expect(p).toMatchObject({
      path: dir,
      dataDir: res.dataDir,
      fsType: mount.fstype,
      mountPoint: mount.mountPoint,
      supportsHardLinks: true,
      markerOk: true,
    });
    // the write probe leaves nothing behind
    expect(await readdir(res.dataDir)).toEqual([]);
  });

  it('is refused without the marker, and nothing is written into it', async () => {
    await writeFile(path.join(dir, 'someone-elses-file'), 'x');
    const p = await probeTarget({ kind: 'local', path: dir }, lenient('tgt-local-2'));
    expect(p).toMatchObject({ ok: false, code: 'TARGET_MARKER_MISSING', path: dir });
    expect(!p.ok && p.message).toMatch(/no Caretaker marker file/);
    expect(await readdir(dir)).toEqual(['someone-elses-file']);
  });

  it("is refused with another target's marker, and not taken over unless asked", async () => {
    await initTarget(dir, 'tgt-other');
    const p = await probeTarget({ kind: 'local', path: dir }, lenient('tgt-mine'));
    expect(p).toMatchObject({ ok: false, code: 'TARGET_MARKER_MISSING' });
    expect(!p.ok && p.message).toMatch(/belongs to another backup target \(tgt-other\)/);
    await expect(initTarget(dir, 'tgt-mine')).rejects.toMatchObject({ code: 'TARGET_IN_USE' });
    await initTarget(dir, 'tgt-mine', { replace: true });
    expectOk(await probeTarget({ kind: 'local', path: dir }, lenient('tgt-mine')));
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('reads a hand-written marker holding just the id', async () => {
    await writeFile(path.join(dir, MARKER_FILE), 'tgt-hand\n');
    expectOk(await probeTarget({ kind: 'local', path: dir }, lenient('tgt-hand')));
  });

  it('says when the directory is missing, and creates it only when asked', async () => {
    const missing = path.join(dir, 'a b', '$(touch pwned)');
    expect(await probeTarget({ kind: 'local', path: missing }, lenient('t1'))).toMatchObject({
      ok: false,
      code: 'TARGET_MISSING',
    });
    await expect(initTarget(missing, 't1')).rejects.toMatchObject({ code: 'TARGET_MISSING' });
    await initTarget(missing, 't1', { create: true });
    expectOk(await probeTarget({ kind: 'local', path: missing }, lenient('t1')));
    expect(existsSync('pwned')).toBe(false);
  });

  it('refuses to run below the space and inode thresholds', async () => {
    await initTarget(dir, 'tgt-limits');
    const local = { kind: 'local' as const, path: dir };
    const space = await probeTarget(local, { ...lenient('tgt-limits'), minFreeBytes: 2 ** 60 });
    expect(space).toMatchObject({ ok: false, code: 'TARGET_LOW_SPACE' });
    expect(!space.ok && space.message).toMatch(/MiB are free on .* at least/);
    const fs = await statfs(dir);
    if (fs.files > 0) {
      const inodes = await probeTarget(local, {
        ...lenient('tgt-limits'),
        minFreeInodes: fs.ffree + 1_000_000,
      });
      expect(inodes).toMatchObject({ ok: false, code: 'TARGET_LOW_INODES' });
    }
  });

  it('refuses invalid paths and ids before touching anything', async () => {
    await expect(
      probeTarget({ kind: 'local', path: `${dir}/../x` }, lenient('t')),
    ).rejects.toMatchObject({ code: 'TARGET_PATH_INVALID' });
    await expect(initTarget('/proc/x', 't')).rejects.toMatchObject({ code: 'TARGET_PATH_INVALID' });
    await expect(initTarget(dir, '../etc')).rejects.toMatchObject({ code: 'TARGET_ID_INVALID' });
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('a disk target whose disk is not there', () => {
  it('is TARGET_NOT_MOUNTED on a plain directory, even one carrying the marker', async () => {
    const mnt = path.join(dir, 'usb');
    await mkdir(mnt);
    // someone set it up as a local directory earlier: the marker alone must not be enough
    await initTarget(mnt, 'tgt-disk');
    const before = (await readdir(mnt, { recursive: true })).sort();
    const disk = { kind: 'disk' as const, uuid: NO_SUCH_UUID, mountPoint: mnt };
    const p = await probeTarget(disk, lenient('tgt-disk'));
    expect(p).toMatchObject({ ok: false, code: 'TARGET_NOT_MOUNTED', path: mnt });
    expect(!p.ok && p.message).toMatch(/Nothing is mounted at .*cannot fill the box's own disk/);
    await expect(initTarget(disk, 'tgt-disk')).rejects.toMatchObject({
      code: 'TARGET_NOT_MOUNTED',
    });
    expect((await readdir(mnt, { recursive: true })).sort()).toEqual(before);
  });

  it('is TARGET_NOT_MOUNTED when the mount point does not exist', async () => {
    const mnt = path.join(dir, 'gone');
    const p = await probeTarget(
      { kind: 'disk', uuid: NO_SUCH_UUID, mountPoint: mnt },
      lenient('tgt-disk'),
    );
    expect(p).toMatchObject({ ok: false, code: 'TARGET_NOT_MOUNTED' });
    expect(existsSync(mnt)).toBe(false);
  });

  it('is found nowhere by UUID', async () => {
    expect(await findMountByUuid(NO_SUCH_UUID)).toBeUndefined();
    expect(await findMountByUuid('not a uuid')).toBeUndefined();
  });

  it('tells mount points from plain directories', async () => {
    expect(await isMountPoint('/')).toBe(true);
    expect(await isMountPoint('/proc')).toBe(true);
    expect(await isMountPoint(dir)).toBe(false);
    expect(await isMountPoint(path.join(dir, 'missing'))).toBe(false);
  });

  it('refuses to mount anything outside the allowed roots or with a bad UUID', async () => {
    const opts = { allowedRoots: [path.join(dir, 'media')] };
    await expect(
      mountFilesystem('-o exec', path.join(dir, 'media', 'x'), opts),
    ).rejects.toMatchObject({ code: 'TARGET_UUID_INVALID' });
    await expect(mountFilesystem(NO_SUCH_UUID, '/mnt/elsewhere', opts)).rejects.toMatchObject({
      code: 'MOUNT_POINT_NOT_ALLOWED',
    });
    await expect(mountFilesystem(NO_SUCH_UUID, opts.allowedRoots[0]!, opts)).rejects.toMatchObject({
      code: 'MOUNT_POINT_NOT_ALLOWED',
    });
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('lsblk on this machine', () => {
  const hasLsblk = spawnSync('lsblk', ['--version']).status === 0;
  it.skipIf(!hasLsblk)('lists block devices through the real lsblk', async () => {
    const list = await listBlockDevices(AbortSignal.timeout(20_000));
    expect(Array.isArray(list)).toBe(true);
    for (const fs of list) expect(fs.path).toMatch(/^\/dev\//);
  });
});

// ---- real filesystems (root) ---------------------------------------------------------------------

const root = process.getuid?.() === 0;
const tool = (cmd: string, args: string[]) => spawnSync(cmd, args).status === 0;
const hasTools =
  tool('mount', ['--version']) &&
  tool('losetup', ['--version']) &&
  tool('mkfs.ext4', ['-V']) &&
  tool('truncate', ['--version']);
const hasLoop = existsSync('/dev/loop-control');
const skip = !root
  ? 'needs root to mount'
  : !hasTools
    ? 'mount, losetup, mkfs.ext4 or truncate is missing (util-linux, e2fsprogs, coreutils)'
    : !hasLoop
      ? 'no loop devices (/dev/loop-control)'
      : undefined;

describe.skipIf(skip !== undefined)(`real filesystems${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const mounted: string[] = [];
  const loops: string[] = [];
  const mount = (args: string[], mnt: string) => {
    run('mount', [...args, mnt]);
    mounted.push(mnt);
  };
  afterEach(() => {
    // unmount in reverse order even when a test failed half-way
    for (const m of mounted.reverse()) spawnSync('umount', [m]);
    for (const l of loops) spawnSync('losetup', ['-d', l]);
    mounted.length = 0;
    loops.length = 0;
  });

  async function ext4Image(name: string): Promise<{ img: string; uuid: string }> {
    const img = path.join(dir, `${name}.img`);
    const uuid = randomUUID();
    run('truncate', ['-s', '32M', img]);
    run('mkfs.ext4', ['-q', '-F', '-U', uuid, '-L', name, img]);
    return { img, uuid };
  }

  it('finds an ext4 disk by UUID while mounted and refuses it once unmounted', async () => {
    const { img, uuid } = await ext4Image('backupdisk');
    const mnt = path.join(dir, 'mnt');
    await mkdir(mnt);
    mount(['-o', 'loop,nodev,nosuid,noexec', img], mnt);
    const disk = { kind: 'disk' as const, uuid, mountPoint: mnt };

    const found = await findMountByUuid(uuid);
    expect(found).toMatchObject({ mountPoint: mnt, fstype: 'ext4', root: '/' });
    expect(found!.device).toMatch(/^\/dev\/loop\d+$/);
    expect(await isMountPoint(mnt)).toBe(true);

    // mounted, but not set up yet
    expect(await probeTarget(disk, lenient('tgt-ext4'))).toMatchObject({
      ok: false,
      code: 'TARGET_MARKER_MISSING',
    });
    // another disk's UUID at this mount point
    const wrong = await probeTarget({ ...disk, uuid: NO_SUCH_UUID }, lenient('tgt-ext4'));
    expect(wrong).toMatchObject({ ok: false, code: 'TARGET_NOT_MOUNTED' });
    expect(!wrong.ok && wrong.message).toMatch(/mounted from \/dev\/loop\d+, not from the disk/);

    await initTarget(disk, 'tgt-ext4');
    const p = expectOk(await probeTarget(disk, lenient('tgt-ext4')));
    // the same through udev's /dev/disk/by-uuid links (this VM has no udev: a made-up directory)
    const byUuidDir = path.join(dir, 'by-uuid');
    await mkdir(byUuidDir);
    await symlink(found!.device, path.join(byUuidDir, uuid));
    await symlink('/dev/null', path.join(byUuidDir, NO_SUCH_UUID));
    expect((await listMounts({ byUuidDir })).find((e) => e.mountPoint === mnt)?.fsUuid).toBe(uuid);
    expect((await findMountByUuid(uuid, { byUuidDir }))?.mountPoint).toBe(mnt);
    expectOk(await probeTarget(disk, { ...lenient('tgt-ext4'), byUuidDir }));
    expect(
      await probeTarget({ ...disk, uuid: NO_SUCH_UUID }, { ...lenient('tgt-ext4'), byUuidDir }),
    ).toMatchObject({ ok: false, code: 'TARGET_NOT_MOUNTED' });
    expect(p).toMatchObject({
      path: mnt,
      mountPoint: mnt,
      fsType: 'ext4',
      device: found!.device,
      supportsAcls: true,
      supportsXattrs: true,
      supportsHardLinks: true,
    });
    expect(p.totalBytes).toBeGreaterThan(20 * MiB);
    expect(p.totalBytes).toBeLessThanOrEqual(32 * MiB);
    expect(p.freeInodes).toBeGreaterThan(1000);

    run('umount', [mnt]);
    mounted.pop();
    expect(await findMountByUuid(uuid)).toBeUndefined();
    const gone = await probeTarget(disk, lenient('tgt-ext4'));
    expect(gone).toMatchObject({ ok: false, code: 'TARGET_NOT_MOUNTED' });
    await expect(initTarget(disk, 'tgt-ext4')).rejects.toMatchObject({
      code: 'TARGET_NOT_MOUNTED',
    });
    // the marker and data directory went away with the disk; nothing was written in their place
    expect(await readdir(mnt)).toEqual([]);
  });

  it('is refused when another filesystem is mounted at the disk target', async () => {
    const { uuid } = await ext4Image('notmounted');
    const mnt = path.join(dir, 'mnt');
    await mkdir(mnt);
    mount(['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs'], mnt);
    await initTarget(mnt, 'tgt-x'); // even with a matching marker on the impostor
    const p = await probeTarget({ kind: 'disk', uuid, mountPoint: mnt }, lenient('tgt-x'));
    expect(p).toMatchObject({ ok: false, code: 'TARGET_NOT_MOUNTED' });
    expect(!p.ok && p.message).toMatch(/mounted from tmpfs/);
  });

  it('mounts a disk by UUID below an allowed root, and unmounts it', async () => {
    const { img, uuid } = await ext4Image('mountme');
    const loop = run('losetup', ['-f', '--show', img]).trim();
    loops.push(loop);
    const media = path.join(dir, 'media');
    const mnt = path.join(media, 'office backup');
    const opts = { allowedRoots: [media] };
    const entry = await mountFilesystem(uuid, mnt, {
      ...opts,
      signal: AbortSignal.timeout(30_000),
    });
    mounted.push(mnt);
    expect(entry).toMatchObject({ mountPoint: mnt, device: loop, fstype: 'ext4' });
    expect(entry.options).toEqual(expect.arrayContaining(['nodev', 'nosuid', 'noexec']));
    // mounting again is a no-op
    expect((await mountFilesystem(uuid, mnt, opts)).id).toBe(entry.id);
    // something else is mounted there: refuse
    await expect(mountFilesystem(NO_SUCH_UUID, mnt, opts)).rejects.toMatchObject({
      code: 'MOUNT_POINT_BUSY',
    });
    await initTarget({ kind: 'disk', uuid, mountPoint: mnt }, 'tgt-m');
    expectOk(await probeTarget({ kind: 'disk', uuid, mountPoint: mnt }, lenient('tgt-m')));

    expect(await unmountFilesystem(mnt, opts)).toBe(true);
    mounted.pop();
    expect(await unmountFilesystem(mnt, opts)).toBe(false);
    expect(await isMountPoint(mnt)).toBe(false);
    // a disk that is not attached
    await expect(
      mountFilesystem(NO_SUCH_UUID, path.join(media, 'nothing'), opts),
    ).rejects.toMatchObject({ code: 'DISK_NOT_FOUND' });
    // the mount point it made for the missing disk is gone again
    expect(existsSync(path.join(media, 'nothing'))).toBe(false);
  });

  it('refuses a full tmpfs as TARGET_LOW_SPACE', async () => {
    const mnt = path.join(dir, 'small');
    await mkdir(mnt);
    mount(['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs'], mnt);
    await initTarget(mnt, 'tgt-tmpfs');
    const local = { kind: 'local' as const, path: mnt };
    const p = expectOk(await probeTarget(local, { ...lenient('tgt-tmpfs'), minFreeBytes: MiB }));
    expect(p).toMatchObject({ fsType: 'tmpfs', totalBytes: 2 * MiB });

    const fs = await statfs(mnt);
    await writeFile(path.join(mnt, 'filler'), Buffer.alloc(fs.bavail * fs.bsize));
    const full = await probeTarget(local, { ...lenient('tgt-tmpfs'), minFreeBytes: MiB });
    expect(full).toMatchObject({ ok: false, code: 'TARGET_LOW_SPACE' });
    expect(!full.ok && full.message).toMatch(/Only 0 MiB are free/);
    // even with no threshold at all, the write probe notices the full disk
    const noLimit = await probeTarget(local, { ...lenient('tgt-tmpfs'), minFreeBytes: 0 });
    expect(noLimit).toMatchObject({ ok: false, code: 'TARGET_LOW_SPACE' });
    expect(await readdir(path.join(mnt, TARGET_DATA_DIR))).toEqual([]);
  });

  it('refuses a tmpfs out of inodes, and one mounted read-only', async () => {
    const mnt = path.join(dir, 'few-inodes');
    await mkdir(mnt);
    mount(['-t', 'tmpfs', '-o', 'size=2m,nr_inodes=40', 'tmpfs'], mnt);
    await initTarget(mnt, 'tgt-inodes');
    const local = { kind: 'local' as const, path: mnt };
    const few = await probeTarget(local, { ...lenient('tgt-inodes'), minFreeInodes: 100 });
    expect(few).toMatchObject({ ok: false, code: 'TARGET_LOW_INODES' });

    run('mount', ['-o', 'remount,ro', mnt]);
    const ro = await probeTarget(local, lenient('tgt-inodes'));
    expect(ro).toMatchObject({ ok: false, code: 'TARGET_NOT_WRITABLE' });
    expect(!ro.ok && ro.message).toMatch(/read-only/);
  });
});
