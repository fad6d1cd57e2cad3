import { randomBytes } from 'node:crypto';
import {
  link,
  lstat,
  mkdir,
  open,
  readFile,
  readdir,
  realpath,
  rename,
  rmdir,
  stat,
  statfs,
  unlink,
} from 'node:fs/promises';
import path from 'node:path';
import { AppError, badRequest, conflict } from '../core/errors.js';
import { runProgram } from '../lib/spawn.js';
import { isFsUuid, isInside, targetPathProblem } from './target-schema.js';
import { groupDigits } from '../lib/collate.js';

/**
 * Where backups go: the block devices an admin can pick (lsblk), what is mounted where
 * (/proc/self/mountinfo), and the probe that decides whether a target may be written to right
 * now. This file is the only place in backup/ that runs lsblk, blkid, mount and umount; the
 * parsers are pure and tested with recorded fixtures.
 *
 * The safety rule everything here serves: a backup is only written into a directory that carries
 * Caretaker's marker for that target, and for a disk target only while the mount point really is
 * the mount of the filesystem with the target's UUID. An unplugged disk leaves an empty directory
 * on the box's own root filesystem; writing a snapshot there would fill it.
 */

export const MARKER_FILE = '.caretaker-target';
/** Snapshots live below this directory of a target, never at its top. */
export const TARGET_DATA_DIR = 'caretaker';

const MiB = 1024 * 1024;
const TARGET_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

// ---- lsblk (pure) ----------------------------------------------------------------------------

export const LSBLK_COLUMNS =
  'NAME,PATH,TYPE,SIZE,FSTYPE,UUID,LABEL,MOUNTPOINTS,RM,HOTPLUG,MODEL,TRAN' as const;
/** util-linux before 2.37 (Debian 11) has no MOUNTPOINTS column, only MOUNTPOINT. */
export const LSBLK_COLUMNS_OLD = LSBLK_COLUMNS.replace('MOUNTPOINTS', 'MOUNTPOINT');

export interface BlockFilesystem {
  /** Kernel name (`sda1`, `nvme0n1p2`). */
  name: string;
  /** Device node (`/dev/sda1`). */
  path: string;
  /** lsblk TYPE: part, disk, loop, crypt, lvm, … */
  type: string;
  uuid: string | null;
  fstype: string;
  label: string | null;
  sizeBytes: number;
  mountpoints: string[];
  /** Removable medium or hot-pluggable (USB) disk, itself or the disk it is on. */
  removable: boolean;
  /** From the whole disk when the partition has none. */
  model: string | null;
  transport: string | null;
  /** The whole disk this filesystem is on (`/dev/sda`). */
  disk: string;
  /** The disk also holds the box's own system (root, boot or swap). */
  systemDisk: boolean;
  /** Whether it makes sense to offer it as a backup target, and why not when it does not. */
  usable: boolean;
  note?: string;
}

interface LsblkNode {
  name?: unknown;
  path?: unknown;
  type?: unknown;
  size?: unknown;
  fstype?: unknown;
  uuid?: unknown;
  label?: unknown;
  mountpoints?: unknown;
  mountpoint?: unknown;
  rm?: unknown;
  hotplug?: unknown;
  model?: unknown;
  tran?: unknown;
  children?: unknown;
}

const SYSTEM_MOUNTS = new Set(['/', '/boot', '/boot/efi', '/boot/firmware', '/usr', '/var']);
/** Not filesystems: containers and swap. */
const NOT_FILESYSTEMS: Record<string, string> = {
  swap: 'swap space',
  LVM2_member: 'an LVM volume, not a filesystem',
  crypto_LUKS: 'an encrypted container (unlock it first)',
  linux_raid_member: 'a RAID member, not a filesystem',
  zfs_member: 'a ZFS pool member',
  bcache: 'a bcache device',
};
const READ_ONLY_FS = new Set(['iso9660', 'udf', 'squashfs', 'erofs', 'cramfs']);
const NO_HARD_LINKS = new Set(['vfat', 'exfat', 'msdos']);

function str(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t === '' ? null : t;
}

/** lsblk ≥ 2.33 writes booleans and numbers; older versions write "0"/"1" and strings. */
function bool(v: unknown): boolean {
  return v === true || v === 1 || v === '1' || v === 'true';
}

function num(v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return Number(v.trim());
  return 0;
}

function mountpointsOf(n: LsblkNode): string[] {
  const raw: unknown[] = Array.isArray(n.mountpoints)
    ? n.mountpoints
    : n.mountpoint !== undefined
      ? [n.mountpoint]
      : [];
  return raw.filter((m): m is string => typeof m === 'string' && m !== '');
}

/**
 * The filesystems in `lsblk --json --bytes --output …` output (either column set, any lsblk
 * since 2.27), partitions and whole-disk filesystems alike, in lsblk's order.
 */
export function parseLsblk(json: string | unknown): BlockFilesystem[] {
  let doc: unknown = json;
  if (typeof json === 'string') {
    try {
      doc = JSON.parse(json);
    } catch (cause) {
      throw new AppError('LSBLK_BAD_OUTPUT', 'lsblk did not print JSON.', { cause });
    }
  }
  const top = (doc as { blockdevices?: unknown } | null)?.blockdevices;
  if (!Array.isArray(top)) {
    throw new AppError('LSBLK_BAD_OUTPUT', 'lsblk printed JSON without a "blockdevices" list.');
  }
  const out: BlockFilesystem[] = [];
  const systemDisks = new Set<string>();
  const walk = (node: LsblkNode, ancestors: LsblkNode[], disk: string) => {
    const name = str(node.name) ?? '';
    const devPath = str(node.path) ?? (name ? `/dev/${name}` : '');
    const mountpoints = mountpointsOf(node);
    if (mountpoints.some((m) => SYSTEM_MOUNTS.has(m) || m === '[SWAP]')) systemDisks.add(disk);
    const fstype = str(node.fstype);
    if (fstype && devPath) {
      const chain = [node, ...ancestors];
      out.push({
        name,
        path: devPath,
        type: str(node.type) ?? 'unknown',
        uuid: str(node.uuid),
        fstype,
        label: str(node.label),
        sizeBytes: num(node.size),
        mountpoints,
        removable: chain.some((n) => bool(n.rm) || bool(n.hotplug)),
        model: chain.map((n) => str(n.model)).find((m) => m !== null) ?? null,
        transport: chain.map((n) => str(n.tran)).find((t) => t !== null) ?? null,
        disk,
        systemDisk: false,
        usable: true,
      });
    }
    if (Array.isArray(node.children)) {
      for (const child of node.children as LsblkNode[]) walk(child, [node, ...ancestors], disk);
    }
  };
  for (const node of top as LsblkNode[]) {
    const name = str(node.name) ?? '';
    walk(node, [], str(node.path) ?? `/dev/${name}`);
  }
  for (const fs of out) {
    fs.systemDisk = systemDisks.has(fs.disk);
    const why = usability(fs);
    if (why) {
      fs.usable = why.usable;
      fs.note = why.note;
    }
  }
  return out;
}

function usability(fs: BlockFilesystem): { usable: boolean; note: string } | undefined {
  const notFs = NOT_FILESYSTEMS[fs.fstype];
  if (notFs) return { usable: false, note: `This is ${notFs}.` };
  if (READ_ONLY_FS.has(fs.fstype)) return { usable: false, note: 'A read-only filesystem.' };
  if (fs.mountpoints.some((m) => SYSTEM_MOUNTS.has(m))) {
    return { usable: false, note: "It holds the box's own system." };
  }
  if (!fs.uuid) return { usable: false, note: 'It has no filesystem UUID to find it again by.' };
  if (NO_HARD_LINKS.has(fs.fstype)) {
    return {
      usable: true,
      note: `${fs.fstype} has no hard links: every snapshot is a full copy. ext4 is better.`,
    };
  }
  if (fs.systemDisk) {
    return { usable: true, note: "It is on the box's own disk: a failing disk loses both." };
  }
  return undefined;
}

// ---- mountinfo (pure) ------------------------------------------------------------------------

export interface MountEntry {
  id: number;
  parentId: number;
  /** st_dev of files on this mount, `major:minor`. */
  majorMinor: string;
  /** The directory of the filesystem that is mounted here (`/` unless a bind mount). */
  root: string;
  mountPoint: string;
  /** Per-mount options (`rw`, `nosuid`, …). */
  options: string[];
  fstype: string;
  /** The mount source: a device node for disks, anything for virtual filesystems. */
  device: string;
  /** Filesystem-wide options. */
  superOptions: string[];
  /** Filled in by listMounts from /dev/disk/by-uuid when udev provides it. */
  fsUuid?: string;
}

/** The kernel writes space, tab, newline and backslash in mountinfo as `\040` and the like. */
export function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses /proc/<pid>/mountinfo (proc(5)). Lines it cannot read are skipped. */
export function readMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const fields = line.split(' ');
    const sep = fields.indexOf('-', 6);
    if (sep < 0 || fields.length < sep + 3) continue;
    const [id, parentId, majorMinor, root, mountPoint, options] = fields;
    if (!id || !parentId || !majorMinor || !root || !mountPoint || options === undefined) continue;
    out.push({
      id: Number(id),
      parentId: Number(parentId),
      majorMinor,
      root: unescapeMountField(root),
      mountPoint: unescapeMountField(mountPoint),
      options: options.split(','),
      fstype: unescapeMountField(fields[sep + 1]!),
      device: unescapeMountField(fields[sep + 2]!),
      superOptions: (fields[sep + 3] ?? '').split(',').filter(Boolean),
    });
  }
  return out;
}

/** The visible mount at exactly this point (the last one mounted there wins). */
export function mountAt(
  entries: readonly MountEntry[],
  mountPoint: string,
): MountEntry | undefined {
  return entries.findLast((e) => e.mountPoint === mountPoint);
}

/** The mount a (real, absolute) path lives on: the deepest mount point above it. */
export function mountContaining(entries: readonly MountEntry[], p: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const e of entries) {
    if (!isInside(p, e.mountPoint)) continue;
    if (!best || e.mountPoint.length >= best.mountPoint.length) best = e;
  }
  return best;
}

const POSIX_FS = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'f2fs', 'jfs', 'reiserfs']);
const NO_XATTR_FS = new Set(['vfat', 'exfat', 'msdos', 'iso9660']);

/** What rsync's -A/-X may use on this filesystem, when the type says so; undefined = unknown. */
export function fsCapabilities(
  fstype: string,
  options: readonly string[] = [],
): { supportsAcls?: boolean; supportsXattrs?: boolean } {
  if (NO_XATTR_FS.has(fstype)) return { supportsAcls: false, supportsXattrs: false };
  if (POSIX_FS.has(fstype)) {
    return {
      supportsAcls: !options.includes('noacl'),
      supportsXattrs: !options.includes('nouser_xattr'),
    };
  }
  return {};
}

// ---- the machine (adapter) -------------------------------------------------------------------

export interface TargetSystemPaths {
  mountInfoPath?: string;
  byUuidDir?: string;
}

export interface TargetCallOptions extends TargetSystemPaths {
  signal?: AbortSignal | undefined;
}

const MOUNTINFO = '/proc/self/mountinfo';
const BY_UUID = '/dev/disk/by-uuid';
const TOOL_TIMEOUT_MS = 15_000;

function errno(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function majorMinorOf(dev: bigint): string {
  // Linux's encoding of dev_t (see makedev(3)).
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

async function readUuidLinks(dir: string): Promise<Map<string, string>> {
  const byDevice = new Map<string, string>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return byDevice; // no udev (containers, minimal systems)
  }
  await Promise.all(
    names.map(async (uuid) => {
      const dev = await realpath(path.join(dir, uuid)).catch(() => undefined);
      if (dev) byDevice.set(dev, uuid);
    }),
  );
  return byDevice;
}

/** Everything mounted, as this process sees it, with filesystem UUIDs where udev names them. */
export async function listMounts(opts: TargetSystemPaths = {}): Promise<MountEntry[]> {
  const entries = readMountInfo(await readFile(opts.mountInfoPath ?? MOUNTINFO, 'utf8'));
  const uuids = await readUuidLinks(opts.byUuidDir ?? BY_UUID);
  if (uuids.size === 0) return entries;
  const real = new Map<string, string>();
  for (const e of entries) {
    if (!e.device.startsWith('/dev/')) continue;
    let dev = real.get(e.device);
    if (dev === undefined) {
      dev = await realpath(e.device).catch(() => e.device);
      real.set(e.device, dev);
    }
    const uuid = uuids.get(dev);
    if (uuid) e.fsUuid = uuid;
  }
  return entries;
}

/** Whether something is mounted exactly at this directory (symlinks resolved). */
export async function isMountPoint(p: string, opts: TargetSystemPaths = {}): Promise<boolean> {
  const real = await realpath(p).catch(() => undefined);
  if (!real) return false;
  return mountAt(await listMounts(opts), real) !== undefined;
}

/** The UUID of the filesystem on a device node, read from the device itself (no blkid cache). */
async function probeDeviceUuid(device: string, signal?: AbortSignal): Promise<string | undefined> {
  if (!device.startsWith('/dev/')) return undefined;
  try {
    const r = await runProgram('blkid', ['-p', '-o', 'value', '-s', 'UUID', '--', device], {
      timeoutMs: TOOL_TIMEOUT_MS,
      signal,
      maxStdoutBytes: 4096,
    });
    const uuid = r.code === 0 ? r.stdout.trim() : '';
    return uuid === '' ? undefined : uuid;
  } catch (err) {
    if (isAbort(err)) throw err;
    return undefined;
  }
}

function isAbort(err: unknown): boolean {
  return err instanceof AppError && err.code === 'ABORTED';
}

/**
 * Whether a mount is of the filesystem with this UUID. With udev, /dev/disk/by-uuid/<uuid> names
 * the device (compared by device number, or by node for filesystems such as btrfs whose st_dev
 * is anonymous). Without it, the mounted device is probed with `blkid -p`, which needs read access
 * to the device (root). When neither can tell, the answer is no: an unverified disk is a missing
 * disk.
 */
async function mountIsUuid(
  entry: MountEntry,
  uuid: string,
  opts: TargetCallOptions,
): Promise<boolean> {
  if (entry.fsUuid !== undefined) return entry.fsUuid === uuid;
  const linkPath = path.join(opts.byUuidDir ?? BY_UUID, uuid);
  const dev = await stat(linkPath, { bigint: true }).catch(() => undefined);
  if (dev) {
    if (majorMinorOf(dev.rdev) === entry.majorMinor) return true;
    const [a, b] = await Promise.all([
      realpath(linkPath).catch(() => undefined),
      realpath(entry.device).catch(() => undefined),
    ]);
    return a !== undefined && a === b;
  }
  return (await probeDeviceUuid(entry.device, opts.signal)) === uuid;
}

/** Where the filesystem with this UUID is mounted (its top preferred), if anywhere. */
export async function findMountByUuid(
  uuid: string,
  opts: TargetCallOptions = {},
): Promise<MountEntry | undefined> {
  if (!isFsUuid(uuid)) return undefined;
  const entries = await listMounts(opts);
  const matches: MountEntry[] = [];
  const byDevice = new Map<string, boolean>();
  for (const e of entries) {
    if (!e.device.startsWith('/dev/') && e.fsUuid === undefined) continue;
    const key = `${e.majorMinor} ${e.device}`;
    let ok = byDevice.get(key);
    if (ok === undefined) {
      ok = await mountIsUuid(e, uuid, opts);
      byDevice.set(key, ok);
    }
    if (ok) matches.push(e);
  }
  return matches.find((e) => e.root === '/') ?? matches[0];
}

/** The block devices' filesystems, for the admin to pick a disk from. */
export async function listBlockDevices(
  signal?: AbortSignal,
  timeoutMs = TOOL_TIMEOUT_MS,
): Promise<BlockFilesystem[]> {
  const run = (columns: string) =>
    runProgram('lsblk', ['--json', '--bytes', '--output', columns], {
      timeoutMs,
      signal,
      maxStdoutBytes: 8 * MiB,
    });
  let r = await run(LSBLK_COLUMNS);
  if (r.code !== 0 && /unknown column/i.test(r.stderr)) r = await run(LSBLK_COLUMNS_OLD);
  if (r.code !== 0) {
    const why = r.stderr.trim().split('\n').slice(-2).join(' ') || `exit code ${r.code}`;
    throw new AppError('LSBLK_FAILED', `lsblk failed: ${why}`);
  }
  return parseLsblk(r.stdout);
}

// ---- probing a target ------------------------------------------------------------------------

export type TargetLocation =
  { kind: 'local'; path: string } | { kind: 'disk'; uuid: string; mountPoint: string };

export interface ProbeOptions extends TargetCallOptions {
  /** The id the marker file must carry. */
  targetId: string;
  minFreeBytes: number;
  minFreeInodes: number;
}

export type TargetProbeCode =
  | 'TARGET_NOT_MOUNTED'
  | 'TARGET_MISSING'
  | 'TARGET_MARKER_MISSING'
  | 'TARGET_NOT_WRITABLE'
  | 'TARGET_LOW_SPACE'
  | 'TARGET_LOW_INODES';

export interface TargetProbeOk {
  ok: true;
  path: string;
  /** Where snapshots go: `<path>/caretaker`. */
  dataDir: string;
  freeBytes: number;
  totalBytes: number;
  /** 0 with totalInodes 0 on filesystems without an inode limit (btrfs, FAT). */
  freeInodes: number;
  totalInodes: number;
  fsType: string;
  device: string;
  mountPoint: string;
  supportsAcls?: boolean;
  supportsXattrs?: boolean;
  /** Whether `--link-dest` can share unchanged files; without it every snapshot is full size. */
  supportsHardLinks: boolean;
  markerOk: true;
}

export interface TargetProbeFailed {
  ok: false;
  code: TargetProbeCode;
  message: string;
  path: string;
}

export type TargetProbe = TargetProbeOk | TargetProbeFailed;

function checkTargetId(targetId: string): void {
  if (!TARGET_ID_RE.test(targetId)) {
    throw badRequest(
      'TARGET_ID_INVALID',
      'A target id is 1 to 128 letters, digits, ".", "_", "-".',
    );
  }
}

function checkPath(p: string): void {
  const problem = targetPathProblem(p);
  if (problem) throw badRequest('TARGET_PATH_INVALID', `${p}: ${problem}`);
}

const mib = (n: number) => `${groupDigits(Math.floor(n / MiB))} MiB`;

/**
 * For a disk target: the mount at the mount point, verified to be the filesystem with the UUID,
 * or why not. Nothing is written, and nothing below the mount point is touched, before this
 * passes.
 */
async function checkDiskMount(
  target: { uuid: string; mountPoint: string },
  opts: TargetCallOptions,
): Promise<{ ok: true; entry: MountEntry } | { ok: false; message: string }> {
  const where = target.mountPoint;
  const notMounted = (why: string) => ({
    ok: false as const,
    message: `${why} Backups are not written there, so that they cannot fill the box's own disk.`,
  });
  const real = await realpath(where).catch(() => undefined);
  if (!real) return notMounted(`The mount point ${where} does not exist: the disk is not mounted.`);
  const entries = await listMounts(opts);
  const entry = mountAt(entries, real);
  if (!entry) {
    return notMounted(
      `Nothing is mounted at ${where}: the disk (UUID ${target.uuid}) is not attached or not mounted.`,
    );
  }
  if (!(await mountIsUuid(entry, target.uuid, opts))) {
    return notMounted(
      `${where} is mounted from ${entry.device}, not from the disk with UUID ${target.uuid}.`,
    );
  }
  // The directory must be the top of that mount now, not something mounted over it since.
  const st = await stat(real, { bigint: true }).catch(() => undefined);
  if (!st || majorMinorOf(st.dev) !== entry.majorMinor) {
    return notMounted(`${where} changed while it was being checked.`);
  }
  return { ok: true, entry };
}

async function readMarkerId(dir: string): Promise<string | undefined> {
  const file = path.join(dir, MARKER_FILE);
  const st = await lstat(file).catch(() => undefined);
  if (!st?.isFile() || st.size > 4096) return undefined;
  const text = (await readFile(file, 'utf8').catch(() => '')).trim();
  try {
    const doc = JSON.parse(text) as { id?: unknown };
    if (typeof doc.id === 'string') return doc.id;
  } catch {
    // an older or hand-written marker: the id alone
  }
  return text.split('\n')[0]?.trim() || undefined;
}

async function tryWrite(
  dataDir: string,
): Promise<{ ok: true; hardLinks: boolean } | { ok: false; code: string; message: string }> {
  const probe = path.join(dataDir, `.probe-${randomBytes(6).toString('hex')}`);
  const linked = `${probe}.link`;
  try {
    await mkdir(dataDir, { mode: 0o700 }).catch((err: unknown) => {
      if (errno(err) !== 'EEXIST') throw err;
    });
    const fh = await open(probe, 'wx', 0o600);
    try {
      await fh.writeFile('caretaker write probe\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
    const hardLinks = await link(probe, linked).then(
      () => true,
      () => false,
    );
    return { ok: true, hardLinks };
  } catch (err) {
    return { ok: false, code: errno(err) ?? 'EIO', message: (err as Error).message };
  } finally {
    await unlink(linked).catch(() => undefined);
    await unlink(probe).catch(() => undefined);
  }
}

/**
 * Whether a target may be written to now, checked in the order that keeps the box safe: the
 * disk's mount (disk targets), the directory, the marker with this target's id, free space and
 * inodes, and finally a small real write (with a hard link, to learn whether `--link-dest` works).
 * Nothing is written before the mount and the marker have been verified.
 */
export async function probeTarget(
  target: TargetLocation,
  opts: ProbeOptions,
): Promise<TargetProbe> {
  checkTargetId(opts.targetId);
  const dir = target.kind === 'local' ? target.path : target.mountPoint;
  checkPath(dir);
  const fail = (code: TargetProbeCode, message: string): TargetProbeFailed => ({
    ok: false,
    code,
    message,
    path: dir,
  });

  if (target.kind === 'disk') {
    if (!isFsUuid(target.uuid)) {
      throw badRequest('TARGET_UUID_INVALID', `${target.uuid} is not a filesystem UUID.`);
    }
    const mounted = await checkDiskMount(target, opts);
    if (!mounted.ok) return fail('TARGET_NOT_MOUNTED', mounted.message);
  }
  opts.signal?.throwIfAborted();

  const st = await stat(dir).catch(() => undefined);
  if (!st) return fail('TARGET_MISSING', `The target directory ${dir} does not exist.`);
  if (!st.isDirectory()) return fail('TARGET_MISSING', `${dir} is not a directory.`);

  const markerId = await readMarkerId(dir);
  if (markerId === undefined) {
    return fail(
      'TARGET_MARKER_MISSING',
      `${dir} has no Caretaker marker file (${MARKER_FILE}): it was not set up as a backup target, ` +
        'or a different disk is mounted there. Set the target up again to use it.',
    );
  }
  if (markerId !== opts.targetId) {
    return fail(
      'TARGET_MARKER_MISSING',
      `${dir} belongs to another backup target (${markerId}), not to this one (${opts.targetId}).`,
    );
  }
  opts.signal?.throwIfAborted();

  const real = await realpath(dir);
  const entry = mountContaining(await listMounts(opts), real);
  const fsStat = await statfs(real);
  const freeBytes = fsStat.bavail * fsStat.bsize;
  const totalBytes = fsStat.blocks * fsStat.bsize;
  if (freeBytes < opts.minFreeBytes) {
    return fail(
      'TARGET_LOW_SPACE',
      `Only ${mib(freeBytes)} are free on ${dir}; backups need at least ${mib(opts.minFreeBytes)}.`,
    );
  }
  // Filesystems without an inode table (btrfs, FAT) report 0 of 0.
  if (fsStat.files > 0 && fsStat.ffree < opts.minFreeInodes) {
    return fail(
      'TARGET_LOW_INODES',
      `Only ${groupDigits(fsStat.ffree)} inodes (files) are left on ${dir}; backups ` +
        `need at least ${groupDigits(opts.minFreeInodes)}.`,
    );
  }

  if (entry && (entry.options.includes('ro') || entry.superOptions.includes('ro'))) {
    return fail('TARGET_NOT_WRITABLE', `${dir} is on a filesystem mounted read-only.`);
  }
  const dataDir = path.join(dir, TARGET_DATA_DIR);
  const wrote = await tryWrite(dataDir);
  if (!wrote.ok) {
    if (wrote.code === 'ENOSPC' || wrote.code === 'EDQUOT') {
      return fail('TARGET_LOW_SPACE', `${dir} is full: ${wrote.message}`);
    }
    return fail('TARGET_NOT_WRITABLE', `Caretaker cannot write to ${dataDir}: ${wrote.message}`);
  }

  const fsType = entry?.fstype ?? 'unknown';
  return {
    ok: true,
    path: dir,
    dataDir,
    freeBytes,
    totalBytes,
    freeInodes: fsStat.ffree,
    totalInodes: fsStat.files,
    fsType,
    device: entry?.device ?? 'unknown',
    mountPoint: entry?.mountPoint ?? '/',
    ...fsCapabilities(fsType, entry ? [...entry.options, ...entry.superOptions] : []),
    supportsHardLinks: wrote.hardLinks,
    markerOk: true,
  };
}

/** A failed probe as an error for runs and routes (409: the target is not in a usable state). */
export function probeError(p: TargetProbeFailed): AppError {
  const transient = p.code === 'TARGET_NOT_MOUNTED' || p.code === 'TARGET_MISSING';
  return new AppError(p.code, p.message, {
    status: 409,
    kind: transient ? 'transient' : 'conflict',
  });
}

// ---- setting a target up ---------------------------------------------------------------------

export interface InitTargetOptions extends TargetCallOptions {
  /** Take over a directory whose marker names another target. */
  replace?: boolean;
  /** Create a missing local directory (never done for a disk's mount point). */
  create?: boolean;
}

export interface InitTargetResult {
  path: string;
  markerPath: string;
  dataDir: string;
}

/**
 * Marks a directory as this target's (the marker is written to a temporary file, synced, then
 * renamed into place, so a crash leaves either no marker or a whole one) and creates the
 * `caretaker/` data directory. For a disk target the mount is verified first, so that setting up
 * an unplugged disk cannot mark the empty mount point on the box's own disk.
 */
export async function initTarget(
  target: string | TargetLocation,
  targetId: string,
  opts: InitTargetOptions = {},
): Promise<InitTargetResult> {
  checkTargetId(targetId);
  const location: TargetLocation =
    typeof target === 'string' ? { kind: 'local', path: target } : target;
  const dir = location.kind === 'local' ? location.path : location.mountPoint;
  checkPath(dir);
  if (location.kind === 'disk') {
    if (!isFsUuid(location.uuid)) {
      throw badRequest('TARGET_UUID_INVALID', `${location.uuid} is not a filesystem UUID.`);
    }
    const mounted = await checkDiskMount(location, opts);
    if (!mounted.ok) {
      throw new AppError('TARGET_NOT_MOUNTED', mounted.message, { status: 409, kind: 'transient' });
    }
  } else if (opts.create) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  }
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) {
    throw new AppError('TARGET_MISSING', `The target directory ${dir} does not exist.`, {
      status: 409,
      kind: 'input',
    });
  }
  const markerPath = path.join(dir, MARKER_FILE);
  const dataDir = path.join(dir, TARGET_DATA_DIR);
  const existing = await readMarkerId(dir);
  if (existing !== undefined && existing !== targetId && !opts.replace) {
    throw conflict(
      'TARGET_IN_USE',
      `${dir} already belongs to another backup target (${existing}). Remove that target first.`,
    );
  }
  if (existing !== targetId) {
    const tmp = path.join(dir, `${MARKER_FILE}.${randomBytes(6).toString('hex')}.tmp`);
    const body = `${JSON.stringify({ caretaker: 'backup-target', id: targetId, createdAt: new Date().toISOString() })}\n`;
    try {
      const fh = await open(tmp, 'wx', 0o644);
      try {
        await fh.writeFile(body);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, markerPath);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw new AppError(
        'TARGET_NOT_WRITABLE',
        `Caretaker cannot write to ${dir}: ${errText(err)}`,
        {
          status: 409,
          kind: 'permanent',
          cause: err,
        },
      );
    }
    await syncDir(dir);
  }
  await mkdir(dataDir, { mode: 0o700 }).catch((err: unknown) => {
    if (errno(err) !== 'EEXIST') throw err;
  });
  return { path: dir, markerPath, dataDir };
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r').catch(() => undefined);
  if (!fh) return;
  try {
    await fh.sync().catch(() => undefined);
  } finally {
    await fh.close();
  }
}

// ---- mounting --------------------------------------------------------------------------------

export interface MountOptions extends TargetCallOptions {
  /** Mount points must be strictly below one of these (for example /media/caretaker). */
  allowedRoots: readonly string[];
  timeoutMs?: number;
}

/** Options every backup disk is mounted with: no device files, no set-uid, nothing executable. */
export const MOUNT_OPTIONS = 'nodev,nosuid,noexec';

function checkMountPoint(mountPoint: string, allowedRoots: readonly string[]): void {
  checkPath(mountPoint);
  const allowed = allowedRoots.some(
    (root) =>
      targetPathProblem(root) === undefined && mountPoint !== root && isInside(mountPoint, root),
  );
  if (!allowed) {
    throw badRequest(
      'MOUNT_POINT_NOT_ALLOWED',
      `Disks are mounted only below ${allowedRoots.join(' or ') || '(no directory configured)'}, not at ${mountPoint}.`,
    );
  }
}

/** The last lines a tool wrote to stderr, or its exit code: what a failure message quotes. */
export function toolFailure(tool: string, stderr: string, code: number | null): string {
  return stderr.trim().split('\n').slice(-2).join(' ') || `${tool} exited with code ${code}`;
}

/**
 * Mounts the filesystem with this UUID at a directory below an allowed root (created if needed)
 * with `nodev,nosuid,noexec`. Neither value can become an option: the UUID is checked against
 * FS_UUID_RE, the mount point is an absolute path, and both follow `--`. Mounting needs root
 * (CAP_SYS_ADMIN). Already mounted there: returns the existing mount.
 */
export async function mountFilesystem(
  uuid: string,
  mountPoint: string,
  opts: MountOptions,
): Promise<MountEntry> {
  if (!isFsUuid(uuid)) throw badRequest('TARGET_UUID_INVALID', `${uuid} is not a filesystem UUID.`);
  checkMountPoint(mountPoint, opts.allowedRoots);
  const created = await mkdir(mountPoint, { recursive: true, mode: 0o755 });
  try {
    return await mountChecked(uuid, mountPoint, opts);
  } catch (err) {
    // Leave no empty mount point behind. rmdir only: it cannot remove anything mounted or full.
    if (created) {
      for (let d = mountPoint; isInside(d, created); d = path.dirname(d)) {
        const removed = await rmdir(d).then(
          () => true,
          () => false,
        );
        if (!removed) break;
      }
    }
    throw err;
  }
}

async function mountChecked(
  uuid: string,
  mountPoint: string,
  opts: MountOptions,
): Promise<MountEntry> {
  if ((await realpath(mountPoint)) !== mountPoint) {
    throw badRequest('MOUNT_POINT_NOT_ALLOWED', `${mountPoint} goes through a symbolic link.`);
  }
  const current = mountAt(await listMounts(opts), mountPoint);
  if (current) {
    if (await mountIsUuid(current, uuid, opts)) return current;
    throw conflict('MOUNT_POINT_BUSY', `${current.device} is already mounted at ${mountPoint}.`);
  }
  const r = await runProgram('mount', ['-o', MOUNT_OPTIONS, '--', `UUID=${uuid}`, mountPoint], {
    timeoutMs: opts.timeoutMs ?? 60_000,
    signal: opts.signal,
    maxStdoutBytes: 64 * 1024,
  });
  if (r.code !== 0) {
    const why = toolFailure('mount', r.stderr, r.code);
    if (/can't find|no such device|not found/i.test(why)) {
      throw new AppError('DISK_NOT_FOUND', `The disk with UUID ${uuid} is not attached: ${why}`, {
        status: 409,
        kind: 'transient',
      });
    }
    const denied = /superuser|permission denied|only root|not permitted/i.test(why);
    throw new AppError(denied ? 'MOUNT_NOT_PERMITTED' : 'MOUNT_FAILED', `mount failed: ${why}`, {
      status: denied ? 403 : 500,
      kind: denied ? 'auth' : 'permanent',
    });
  }
  const mounted = await mountOfUuidAt(uuid, mountPoint, opts);
  if (!mounted) {
    throw new AppError(
      'MOUNT_FAILED',
      `mount reported success, but ${mountPoint} is not the disk with UUID ${uuid}.`,
    );
  }
  return mounted;
}

/** The mount at exactly `mountPoint` when it is the filesystem with this UUID, else undefined. */
export async function mountOfUuidAt(
  uuid: string,
  mountPoint: string,
  opts: TargetCallOptions = {},
): Promise<MountEntry | undefined> {
  const at = mountAt(await listMounts(opts), mountPoint);
  return at && (await mountIsUuid(at, uuid, opts)) ? at : undefined;
}

/** Unmounts a disk mounted below an allowed root. False when nothing was mounted there. */
export async function unmountFilesystem(mountPoint: string, opts: MountOptions): Promise<boolean> {
  checkMountPoint(mountPoint, opts.allowedRoots);
  if (!(await isMountPoint(mountPoint, opts))) return false;
  const r = await runProgram('umount', ['--', mountPoint], {
    timeoutMs: opts.timeoutMs ?? 60_000,
    signal: opts.signal,
    maxStdoutBytes: 64 * 1024,
  });
  if (r.code !== 0) {
    const why = toolFailure('umount', r.stderr, r.code);
    const busy = /busy/i.test(why);
    throw new AppError(busy ? 'UNMOUNT_BUSY' : 'UNMOUNT_FAILED', `umount failed: ${why}`, {
      status: busy ? 409 : 500,
      kind: busy ? 'transient' : 'permanent',
    });
  }
  return true;
}
