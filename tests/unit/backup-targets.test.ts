import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  fsCapabilities,
  mountAt,
  mountContaining,
  parseLsblk,
  readMountInfo,
  unescapeMountField,
  type BlockFilesystem,
} from '../../src/backup/targets.js';
import { isFsUuid, targetInputSchema, targetPathProblem } from '../../src/backup/target-schema.js';

const fixture = (name: string) => readFileSync(`tests/fixtures/lsblk/${name}.json`, 'utf8');
const byPath = (list: BlockFilesystem[], p: string) => list.find((f) => f.path === p)!;

describe('parseLsblk', () => {
  it('reads this machine: disks without filesystems are not offered', () => {
    expect(parseLsblk(fixture('this-machine'))).toEqual([]);
    // without udev lsblk knows no FSTYPE, so even a mounted loop device is not a filesystem
    expect(parseLsblk(fixture('this-machine-loop-no-udev'))).toEqual([]);
  });

  it('reads a Raspberry Pi with a USB disk mounted at /media/backup', () => {
    const list = parseLsblk(fixture('pi-usb-ext4'));
    expect(list.map((f) => f.path)).toEqual(['/dev/sda1', '/dev/mmcblk0p1', '/dev/mmcblk0p2']);
    expect(byPath(list, '/dev/sda1')).toEqual({
      name: 'sda1',
      path: '/dev/sda1',
      type: 'part',
      uuid: '6f1c2e3a-9b4d-4f8e-a1c2-3d4e5f6a7b8c',
      fstype: 'ext4',
      label: 'backup',
      sizeBytes: 2000363192320,
      mountpoints: ['/media/backup'],
      removable: true,
      model: 'Elements 25A3',
      transport: 'usb',
      disk: '/dev/sda',
      systemDisk: false,
      usable: true,
    });
    const root = byPath(list, '/dev/mmcblk0p2');
    expect(root).toMatchObject({ systemDisk: true, usable: false, removable: false });
    expect(root.note).toMatch(/own system/);
    expect(byPath(list, '/dev/mmcblk0p1')).toMatchObject({ usable: false, fstype: 'vfat' });
  });

  it('reads an unmounted exFAT stick as removable, usable, with a warning', () => {
    const list = parseLsblk(fixture('exfat-stick'));
    const stick = byPath(list, '/dev/sdb1');
    expect(stick).toMatchObject({
      uuid: '1A2B-3C4D',
      fstype: 'exfat',
      label: 'STICK 64',
      mountpoints: [],
      removable: true,
      model: 'Cruzer Blade',
      transport: 'usb',
      usable: true,
      systemDisk: false,
    });
    expect(stick.note).toMatch(/no hard links/);
    expect(byPath(list, '/dev/sda5')).toMatchObject({
      fstype: 'swap',
      mountpoints: ['[SWAP]'],
      usable: false,
      note: 'This is swap space.',
    });
    expect(byPath(list, '/dev/sda1')).toMatchObject({ usable: false, transport: 'sata' });
  });

  it('reads an NVMe system disk and an LVM volume nested below a partition', () => {
    const list = parseLsblk(fixture('nvme-root'));
    expect(list.map((f) => f.name)).toEqual([
      'sda1',
      'vg0-data',
      'nvme0n1p1',
      'nvme0n1p2',
      'nvme0n1p3',
    ]);
    expect(byPath(list, '/dev/mapper/vg0-data')).toMatchObject({
      type: 'lvm',
      fstype: 'ext4',
      mountpoints: ['/srv/backup'],
      model: 'WDC WD40EFPX-68C6CN0',
      transport: 'sata',
      disk: '/dev/sda',
      systemDisk: false,
      usable: true,
    });
    expect(byPath(list, '/dev/sda1')).toMatchObject({ fstype: 'LVM2_member', usable: false });
    expect(byPath(list, '/dev/nvme0n1p2')).toMatchObject({
      mountpoints: ['/var/lib/docker/overlay2', '/'],
      transport: 'nvme',
      model: 'Samsung SSD 980 500GB',
      systemDisk: true,
      usable: false,
    });
  });

  it('reads lsblk 2.36, which has a single mountpoint string instead of the array', () => {
    const list = parseLsblk(fixture('lsblk-2.36-mountpoint'));
    expect(byPath(list, '/dev/sda1')).toMatchObject({
      mountpoints: ['/media/caretaker/office backup'],
      label: 'Office Backup',
      removable: true,
      usable: true,
    });
    expect(byPath(list, '/dev/mmcblk0p1').mountpoints).toEqual(['/boot']);
  });

  it('reads old lsblk output where every value is a string and there is no PATH', () => {
    const list = parseLsblk(fixture('old-strings'));
    expect(byPath(list, '/dev/sdb1')).toMatchObject({
      sizeBytes: 32009879552,
      removable: true,
      model: 'DataTraveler 3.0',
      mountpoints: ['/media/pi/KINGSTON'],
      usable: true,
    });
    expect(byPath(list, '/dev/sda1')).toMatchObject({
      removable: false,
      model: 'Samsung SSD 850', // trailing blanks as some lsblk versions print them
      systemDisk: true,
    });
  });

  it('refuses output that is not lsblk JSON, with a stable code', () => {
    expect(() => parseLsblk('lsblk: unknown column')).toThrow(
      expect.objectContaining({ code: 'LSBLK_BAD_OUTPUT' }),
    );
    expect(() => parseLsblk('{"devices": []}')).toThrow(/blockdevices/);
    expect(parseLsblk({ blockdevices: [] })).toEqual([]);
  });
});

const MOUNTINFO = `22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534
42 27 254:0 /run/netns /run/netns rw,relatime shared:1 - ext4 /dev/vda rw,discard
43 27 7:0 / /tmp/fx-mnt rw,relatime - ext4 /dev/loop0 rw
60 27 8:1 / /media/caretaker/office\\040backup rw,nosuid,nodev,noexec,relatime shared:45 master:2 - ext4 /dev/sda1 rw,noacl
61 27 8:17 / /media/stick ro,nosuid,nodev,relatime - exfat /dev/sdb1 ro,fmask=0022,dmask=0022
62 60 0:50 / /media/caretaker/office\\040backup rw,relatime - tmpfs tmpfs rw,size=2048k
63 27 0:51 / /srv/tab\\011and\\012newline\\134x rw - tmpfs none rw
not a mountinfo line
`;

describe('readMountInfo', () => {
  const entries = readMountInfo(MOUNTINFO);

  it('reads every field, with optional fields and octal escapes', () => {
    expect(entries).toHaveLength(8);
    expect(entries[1]).toEqual({
      id: 27,
      parentId: 1,
      majorMinor: '254:0',
      root: '/',
      mountPoint: '/',
      options: ['rw', 'relatime'],
      fstype: 'ext4',
      device: '/dev/vda',
      superOptions: ['rw', 'discard', 'resv_strict', 'resuid=65534', 'resgid=65534'],
    });
    expect(entries[2]).toMatchObject({ root: '/run/netns', mountPoint: '/run/netns' });
    expect(entries[4]).toMatchObject({
      mountPoint: '/media/caretaker/office backup',
      options: ['rw', 'nosuid', 'nodev', 'noexec', 'relatime'],
      fstype: 'ext4',
      device: '/dev/sda1',
      majorMinor: '8:1',
    });
    expect(entries[7]!.mountPoint).toBe('/srv/tab\tand\nnewline\\x');
    expect(unescapeMountField('a\\040b\\134')).toBe('a b\\');
  });

  it('finds the visible mount at a point and the mount a path lives on', () => {
    // the tmpfs mounted over the disk hides it
    expect(mountAt(entries, '/media/caretaker/office backup')?.fstype).toBe('tmpfs');
    expect(mountAt(entries, '/media/caretaker')).toBeUndefined();
    expect(mountContaining(entries, '/media/caretaker/office backup/caretaker')?.id).toBe(62);
    expect(mountContaining(entries, '/media/caretaker/office')?.mountPoint).toBe('/');
    expect(mountContaining(entries, '/tmp/fx-mnt/a/b')?.device).toBe('/dev/loop0');
    expect(mountContaining(entries, '/tmp/fx-mnt2')?.device).toBe('/dev/vda');
  });
});

describe('fsCapabilities', () => {
  it('knows ext4, FAT and the mount options that switch features off', () => {
    expect(fsCapabilities('ext4', ['rw'])).toEqual({ supportsAcls: true, supportsXattrs: true });
    expect(fsCapabilities('ext4', ['rw', 'noacl'])).toEqual({
      supportsAcls: false,
      supportsXattrs: true,
    });
    expect(fsCapabilities('exfat')).toEqual({ supportsAcls: false, supportsXattrs: false });
    expect(fsCapabilities('nfs4')).toEqual({});
  });
});

describe('target input', () => {
  it('accepts a local directory and a disk, with default thresholds', () => {
    expect(targetInputSchema.parse({ name: ' NAS ', kind: 'local', path: '/srv/backup' })).toEqual({
      name: 'NAS',
      kind: 'local',
      path: '/srv/backup',
      minFreeMiB: 1024,
      minFreeInodes: 10000,
    });
    expect(
      targetInputSchema.parse({
        name: 'USB disk',
        kind: 'disk',
        path: '/media/caretaker/usb',
        uuid: '6f1c2e3a-9b4d-4f8e-a1c2-3d4e5f6a7b8c',
        minFreeMiB: 0,
      }),
    ).toMatchObject({ kind: 'disk', uuid: '6f1c2e3a-9b4d-4f8e-a1c2-3d4e5f6a7b8c', minFreeMiB: 0 });
  });

  it('refuses dangerous or sloppy paths with a reason', () => {
    const problems: Array<[string, RegExp]> = [
      ['/', /root directory/],
      ['relative/dir', /absolute/],
      ['/srv/../etc', /\.\./],
      ['/srv//backup', /repeated or trailing/],
      ['/srv/backup/', /repeated or trailing/],
      ['/srv/./backup', /repeated or trailing/],
      ['/proc', /inside \/proc/],
      ['/sys/fs/x', /inside \/sys/],
      ['/dev/sdb1', /inside \/dev/],
      ['/srv/new\nline', /control characters/],
      ['', /absolute path/],
    ];
    for (const [p, why] of problems) expect(targetPathProblem(p), p).toMatch(why);
    expect(targetPathProblem('/devices/backup')).toBeUndefined();
    expect(targetPathProblem('/media/caretaker/office backup')).toBeUndefined();
    expect(targetPathProblem('/srv/-rf;$(reboot)')).toBeUndefined(); // odd but harmless: never a shell
  });

  it('needs a real filesystem UUID for a disk and reports every problem at once', () => {
    const r = targetInputSchema.safeParse({
      name: '',
      kind: 'disk',
      path: '/dev/sda1',
      uuid: 'UUID=x,exec',
      minFreeMiB: -1,
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'minFreeMiB',
      'name',
      'path',
      'uuid',
    ]);
    expect(targetInputSchema.safeParse({ name: 'x', kind: 'disk', path: '/mnt/x' }).success).toBe(
      false,
    );
    expect(targetInputSchema.safeParse({ name: 'x', kind: 'nfs', path: '/mnt/x' }).success).toBe(
      false,
    );
    for (const good of ['6f1c2e3a-9b4d-4f8e-a1c2-3d4e5f6a7b8c', '1A2B-3C4D', '0123456789ABCDEF']) {
      expect(isFsUuid(good), good).toBe(true);
    }
    for (const bad of ['', '-o exec', '1A2B-3C4D ', '6f1c2e3a-9b4d-4f8e-a1c2', 'x'.repeat(36)]) {
      expect(isFsUuid(bad), bad).toBe(false);
    }
  });
});
