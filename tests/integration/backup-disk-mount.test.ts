/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are checked with matchers */
/**
 * "Mount it for me": an admin picks an attached disk by its filesystem UUID and Caretaker mounts
 * it at <backup.mountRoot>/<uuid> (nodev,nosuid,noexec), writes its marker and backs up onto it;
 * after the disk was unmounted (re-plugged, the box restarted) the next run mounts it again by
 * UUID. Real ext4 images on loop devices, real mount(8), real rsync: needs root and loop devices,
 * skipped with the reason otherwise. The systemd way (an unprivileged service asking systemd to
 * start caretaker-mount@<uuid>.service) cannot run here without systemd; its refusal by polkit is
 * checked with a stand-in systemctl that answers as systemd does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  createTestApp,
  setupAdmin,
  type CookieJar,
  type TestApp,
  sessionApi,
  type SessionApi,
} from '../helpers/app.js';
import { tempDir } from '../helpers/temp-dir.js';
import { DiskMounter } from '../../src/backup/disk-mounter.js';
import { findMountByUuid } from '../../src/backup/targets.js';

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const tool = (cmd: string, args: string[]) => spawnSync(cmd, args).status === 0;
const skip =
  process.getuid?.() !== 0
    ? 'needs root to mount'
    : !tool('losetup', ['--version']) || !tool('mkfs.ext4', ['-V']) || !tool('rsync', ['--version'])
      ? 'losetup, mkfs.ext4 or rsync is missing'
      : !existsSync('/dev/loop-control')
        ? 'no loop devices (/dev/loop-control)'
        : undefined;

describe.skipIf(skip !== undefined)(
  `disks Caretaker mounts itself${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let tmp: { dir: string; cleanup: () => Promise<void> };
    let t: TestApp;
    let session: { jar: CookieJar; csrf: string };
    let api: SessionApi['api'];
    let finished: SessionApi['finishedRun'];
    let loop = '';
    let mountRoot = '';
    const uuid = randomUUID();

    beforeAll(async () => {
      tmp = await tempDir('caretaker-mount-');
      const img = path.join(tmp.dir, 'usb.img');
      run('truncate', ['-s', '32M', img]);
      run('mkfs.ext4', ['-q', '-F', '-U', uuid, '-L', 'usb', img]);
      loop = run('losetup', ['-f', '--show', img]).trim();
      // udev may not run here: mount(8) finds the filesystem by UUID through blkid.
      mountRoot = path.join(tmp.dir, 'media');
      t = await createTestApp({ backup: { mountRoot, mountMethod: 'mount' } });
      session = await setupAdmin(t);
      ({ api, finishedRun: finished } = sessionApi(t, session));
    });
    afterAll(async () => {
      await t?.close();
      const m = await findMountByUuid(uuid).catch(() => undefined);
      if (m) spawnSync('umount', [m.mountPoint]);
      if (loop) spawnSync('losetup', ['-d', loop]);
      await tmp?.cleanup();
    });

    it('mounts the picked disk, backs up onto it, and mounts it again before a later run', async () => {
      const source = path.join(tmp.dir, 'share');
      await mkdir(source);
      await writeFile(path.join(source, 'contract.odt'), 'signed\n');

      // A mount point of one's own is refused when Caretaker mounts it.
      const wrong = await api('POST', '/backup/targets', {
        name: 'USB disk',
        kind: 'disk',
        uuid,
        mount: true,
        path: '/mnt/elsewhere',
      });
      expect(wrong.status).toBe(422);
      expect(wrong.json.error.fields.path).toContain(mountRoot);
      // Neither a mount point nor "mount it": said so.
      const none = await api('POST', '/backup/targets', { name: 'USB', kind: 'disk', uuid });
      expect(none.status).toBe(422);
      expect(none.json.error.fields.path).toMatch(/mount point/);

      const made = await api('POST', '/backup/targets', {
        name: 'USB disk',
        kind: 'disk',
        uuid,
        mount: true,
        minFreeMiB: 1,
        minFreeInodes: 10,
      });
      expect(made.status, JSON.stringify(made.json)).toBe(201);
      const where = path.join(mountRoot, uuid);
      expect(made.json.target).toMatchObject({ path: where, automount: true, uuid });
      const mounted = await findMountByUuid(uuid);
      expect(mounted).toMatchObject({ mountPoint: where, device: loop, fstype: 'ext4' });
      expect(mounted!.options).toEqual(expect.arrayContaining(['nodev', 'nosuid', 'noexec']));
      expect(await readFile(path.join(where, '.caretaker-target'), 'utf8')).toContain(
        made.json.target.id,
      );
      const audit = (await api('GET', '/audit?limit=10')).json.items.find(
        (a: any) => a.action === 'backup.target-created',
      );
      expect(audit.details).toMatchObject({ mounted: true });

      const job = await api('POST', '/backup/jobs', {
        name: 'Share to USB',
        targetId: made.json.target.id,
        sources: [{ kind: 'local', path: source }],
        schedule: '',
      });
      expect(job.status, JSON.stringify(job.json)).toBe(201);
      const first = await finished(
        (await api('POST', `/backup/jobs/${job.json.job.id}/run`)).json.run.id,
      );
      expect(first.status, JSON.stringify(first)).toBe('succeeded');

      // The disk goes away (unplugged, the box restarted): nothing is written to the empty
      // mount point, and the next run mounts it again by UUID.
      run('umount', [where]);
      expect(await findMountByUuid(uuid)).toBeUndefined();
      await writeFile(path.join(source, 'contract.odt'), 'signed, amended\n');
      const second = await finished(
        (await api('POST', `/backup/jobs/${job.json.job.id}/run`)).json.run.id,
      );
      expect(second.status, JSON.stringify(second)).toBe('succeeded');
      expect((await findMountByUuid(uuid))?.mountPoint).toBe(where);
      const snap = path.join(where, 'caretaker', job.json.job.id, second.snapshot, 'data');
      expect(await readFile(path.join(snap, source.slice(1), 'contract.odt'), 'utf8')).toBe(
        'signed, amended\n',
      );

      // Detached for good: the run fails clearly and the box's own disk gets nothing.
      run('umount', [where]);
      run('losetup', ['-d', loop]);
      loop = '';
      // The kernel detaches a loop device once the last opener lets go (udev probing after the
      // umount may still hold it): until then the disk is still there to be mounted by UUID. Gone
      // means gone for what mount(8) asks too: libblkid (`blkid -U`, through its cache) finds
      // no device with the UUID any more.
      const deadline = Date.now() + 15_000;
      const stillThere = () =>
        run('lsblk', ['-rno', 'UUID']).split('\n').includes(uuid) ||
        spawnSync('blkid', ['-U', uuid]).status === 0;
      while (stillThere()) {
        if (Date.now() > deadline) throw new Error(`the loop device with ${uuid} did not go away`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const third = await finished(
        (await api('POST', `/backup/jobs/${job.json.job.id}/run`)).json.run.id,
      );
      expect(third.status).toBe('failed');
      expect(third.error.code).toBe('TARGET_NOT_MOUNTED');
      expect(await readdir(where)).toEqual([]);
    });

    it('the target form offers it, naming where disks go; a disk that is not attached is said so', async () => {
      const form = await t.request('/backups/targets/new', { jar: session.jar });
      const page = await form.text();
      expect(form.status).toBe(200);
      expect(page).toContain('Mount it for me');
      expect(page).toContain(`${mountRoot}/&lt;UUID&gt;`);
      const missing = randomUUID();
      const res = await t.request('/backups/targets', {
        method: 'POST',
        jar: session.jar,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          _csrf: session.csrf,
          name: 'Other disk',
          kind: 'disk',
          uuid: missing,
          mount: 'on',
          path: '',
          minFreeMiB: '1',
          minFreeInodes: '10',
        }).toString(),
      });
      const html = await res.text();
      expect(res.status, html.slice(0, 300)).toBe(409);
      expect(html.replace(/<[^>]+>/g, ' ')).toMatch(/The disk with UUID \S+ is not attached/);
      // No mount point is left behind for the missing disk.
      expect(existsSync(path.join(mountRoot, missing))).toBe(false);
    });

    it('an unprivileged service asks systemd, and a polkit refusal says what to install', async () => {
      // What `systemctl start` prints when polkit says no (systemd 252), from a stand-in program.
      const fake = path.join(tmp.dir, 'systemctl');
      await writeFile(
        fake,
        `#!${process.execPath}\nprocess.stderr.write('Failed to start ' + process.argv.at(-1) + ': Access denied\\nSee system logs and "systemctl status" for details.\\n');\nprocess.exit(4);\n`,
      );
      await chmod(fake, 0o755);
      const mounter = new DiskMounter({
        mountRoot: path.join(tmp.dir, 'media2'),
        method: 'systemd',
        systemctlPath: fake,
      });
      await expect(mounter.mount('1A2B-3C4D')).rejects.toMatchObject({
        code: 'MOUNT_NOT_PERMITTED',
        status: 403,
        message: expect.stringContaining('caretaker-mount.rules'),
      });
      expect(() => mounter.mountPointFor('../../etc')).toThrow(/not a filesystem UUID/);
    });

    it('mounts asked for at once leave one mount, which one unmount undoes', async () => {
      const other = randomUUID();
      const img = path.join(tmp.dir, 'second.img');
      run('truncate', ['-s', '16M', img]);
      run('mkfs.ext4', ['-q', '-F', '-U', other, img]);
      const dev = run('losetup', ['-f', '--show', img]).trim();
      const root = path.join(tmp.dir, 'media3');
      const where = path.join(root, other);
      const mountsAt = async () =>
        (await readFile('/proc/self/mountinfo', 'utf8'))
          .split('\n')
          .filter((l) => l.split(' ')[4] === where).length;
      try {
        // Two mounters, as the backup service and the targets API each hold one.
        const a = new DiskMounter({ mountRoot: root, method: 'mount' });
        const b = new DiskMounter({ mountRoot: root, method: 'mount' });
        const all = await Promise.all([a.mount(other), b.mount(other), a.mount(other)]);
        expect(all.map((m) => m.mountPoint)).toEqual([where, where, where]);
        expect(await mountsAt()).toBe(1);
        run('umount', [where]);
        expect(await mountsAt()).toBe(0);
      } finally {
        while ((await mountsAt()) > 0) if (spawnSync('umount', [where]).status !== 0) break;
        spawnSync('losetup', ['-d', dev]);
      }
    });
  },
);
