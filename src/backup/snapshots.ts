/**
 * Snapshots on a target directory T, and their lifecycle:
 *
 *   T/caretaker/<jobId>/<name>/manifest.json   a complete snapshot: its manifest...
 *   T/caretaker/<jobId>/<name>/data/...        ...and the backed-up tree
 *   T/caretaker/<jobId>/<name>.partial/        a run in progress (or one that crashed)
 *   T/caretaker/<jobId>/<name>.deleting/       a snapshot being deleted
 *
 * `name` is the run's UTC start time, `2026-11-26T221500Z` (sortable, no colons), with `-2`, `-3`
 * ... when that second is taken. A snapshot is complete only once its directory carries the plain
 * name, and it gets that name by one atomic rename made after the manifest is on disk. So after a
 * crash at any point a directory either is complete (manifest and data) or has a suffix that says
 * it is not; `listSnapshots` trusts only the plain name plus a valid manifest.
 *
 * Names come from the run's start time. A box without a real-time clock can start with a clock in
 * the past; snapshots then sort by the time they claim, and retention must not delete the newest
 * *complete* run on the strength of a name alone (see `completedAt` in the manifest).
 *
 * Callers hold the job's run lock: nothing here guards against two runs of one job at once.
 */
import { lstat, mkdir, open, readdir, rename, rm, chmod } from 'node:fs/promises';
import { constants as fsConstants, lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../core/errors.js';
import { joinUnder } from './safe-path.js';

export const LAYOUT_DIR = 'caretaker';
export const DATA_DIR = 'data';
export const MANIFEST_FILE = 'manifest.json';
export const PARTIAL_SUFFIX = '.partial';
export const DELETING_SUFFIX = '.deleting';
const MANIFEST_TMP_PREFIX = '.manifest.json.tmp-';
const MAX_MANIFEST_BYTES = 1024 * 1024;
const MEASURE_SLICE_MS = 8;

/** Bounds on what a manifest carries, so that a run with a million failing files stays readable. */
export const MAX_MANIFEST_WARNINGS = 200;
export const MAX_WARNING_CHARS = 1000;

const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;
const NAME = /^(\d{4}-\d{2}-\d{2}T\d{6}Z)(?:-([1-9]\d{0,5}))?$/;

const statsSchema = z.object({
  /** Regular files in the snapshot. */
  files: z.number().int().nonnegative(),
  /** From rsync's statistics: files it had to copy (not hard-linked from the previous run). */
  regularFilesTransferred: z.number().int().nonnegative(),
  bytesTransferred: z.number().nonnegative(),
  /**
   * rsync's "Total file size", summed over the sources: the apparent sizes of the regular files
   * plus the length of each symlink's target (snapshots made before this was taken from rsync
   * hold the regular files alone; the difference is a few bytes per symlink).
   */
  totalSize: z.number().nonnegative(),
  /**
   * What this snapshot added to the disk: st_blocks × 512 of every directory and of every entry
   * rsync created or changed (its itemized output), each inode once, without an inode that is
   * still the previous snapshot's (see snapshot-meter.ts; `measureSnapshot` finds the same by
   * walking everything).
   */
  bytesOnDisk: z.number().nonnegative(),
});

const verificationSchema = z.object({
  checkedAt: z.string(),
  method: z.enum(['checksum-sample', 'restore-test']),
  sampled: z.number().int().nonnegative(),
  mismatches: z.number().int().nonnegative(),
  mismatchedPaths: z.array(z.string().max(MAX_WARNING_CHARS)).max(MAX_MANIFEST_WARNINGS),
  ok: z.boolean(),
});

export const snapshotManifestSchema = z.object({
  version: z.literal(1),
  jobId: z.string().regex(JOB_ID),
  runId: z.string().min(1).max(200),
  name: z.string().regex(NAME),
  startedAt: z.string(),
  completedAt: z.string(),
  durationMs: z.number().nonnegative(),
  rsyncExitCode: z.number().int(),
  warnings: z.array(z.string().max(MAX_WARNING_CHARS)).max(MAX_MANIFEST_WARNINGS + 1),
  stats: statsSchema,
  sources: z.array(z.string()),
  verification: verificationSchema.optional(),
});

export type SnapshotStats = z.infer<typeof statsSchema>;
export type SnapshotVerification = z.infer<typeof verificationSchema>;
export type SnapshotManifest = z.infer<typeof snapshotManifestSchema>;
/** What a run hands to `completeSnapshot`; version, job and name come from the partial snapshot. */
export type SnapshotManifestInput = Omit<SnapshotManifest, 'version' | 'jobId' | 'name'>;

export interface SnapshotPaths {
  jobDir: string;
  dir: string;
  dataDir: string;
  manifestPath: string;
  partialDir: string;
  deletingDir: string;
}

export interface PartialSnapshot {
  targetPath: string;
  jobId: string;
  name: string;
  partialDir: string;
  /** Where rsync writes (its destination operand, with a trailing slash). */
  dataDir: string;
  /** True when an interrupted run's directory was taken over (rsync needs `--delete` then). */
  resumed: boolean;
}

export interface SnapshotInfo {
  name: string;
  dir: string;
  dataDir: string;
  manifest: SnapshotManifest;
}

export interface IncompleteSnapshot {
  /** The directory entry as it is on disk (with its suffix). */
  entry: string;
  /** The snapshot name without a suffix. */
  name: string;
  dir: string;
  /**
   * partial: a run that did not finish; deleting: a delete that did not finish; invalid: a plain
   * name without a valid manifest (damaged or tampered with; reported, never removed
   * automatically, since its data may be all that is left).
   */
  kind: 'partial' | 'deleting' | 'invalid';
  reason?: string;
}

function invalid(code: string, message: string): AppError {
  return new AppError(code, message, { status: 400, kind: 'input' });
}

export function isValidJobId(jobId: string): boolean {
  return JOB_ID.test(jobId);
}

export function isValidSnapshotName(name: string): boolean {
  return NAME.test(name);
}

/** Orders names by time, then by suffix (`-10` after `-2`). */
export function compareSnapshotNames(a: string, b: string): number {
  const ma = NAME.exec(a);
  const mb = NAME.exec(b);
  if (!ma || !mb) return a < b ? -1 : a > b ? 1 : 0;
  if (ma[1] !== mb[1]) return ma[1]! < mb[1]! ? -1 : 1;
  return Number(ma[2] ?? 1) - Number(mb[2] ?? 1);
}

export function snapshotPaths(targetPath: string, jobId: string, name: string): SnapshotPaths {
  if (!isValidJobId(jobId))
    throw invalid('BACKUP_JOB_ID_INVALID', 'The backup job id is not valid.');
  if (!isValidSnapshotName(name)) {
    throw invalid('SNAPSHOT_NAME_INVALID', 'The snapshot name is not valid.');
  }
  if (!path.isAbsolute(targetPath)) {
    throw new AppError('BACKUP_TARGET_INVALID', 'The target path must be absolute.');
  }
  const jobDir = path.join(path.resolve(targetPath), LAYOUT_DIR, jobId);
  const dir = path.join(jobDir, name);
  return {
    jobDir,
    dir,
    dataDir: path.join(dir, DATA_DIR),
    manifestPath: path.join(dir, MANIFEST_FILE),
    partialDir: dir + PARTIAL_SUFFIX,
    deletingDir: dir + DELETING_SUFFIX,
  };
}

function jobDirOf(targetPath: string, jobId: string): string {
  if (!isValidJobId(jobId))
    throw invalid('BACKUP_JOB_ID_INVALID', 'The backup job id is not valid.');
  return path.join(path.resolve(targetPath), LAYOUT_DIR, jobId);
}

/**
 * The name for a run started at `nowMs`: `YYYY-MM-DDTHHMMSSZ`, or with `-2`, `-3`... when a name
 * in `taken` (names without their `.partial`/`.deleting` suffix) already has it. Pure.
 */
export function newSnapshotName(nowMs: number, taken: Iterable<string> = []): string {
  const d = new Date(nowMs);
  const year = d.getUTCFullYear();
  if (!Number.isFinite(nowMs) || year < 1970 || year > 9999) {
    throw new AppError(
      'SNAPSHOT_TIME_INVALID',
      'The clock gives a time no snapshot can be named by.',
    );
  }
  const base = d.toISOString().slice(0, 19).replace(/:/g, '') + 'Z';
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 2; n < 1_000_000; n++) {
    const name = `${base}-${n}`;
    if (!used.has(name)) return name;
  }
  throw new AppError('SNAPSHOT_NAME_EXHAUSTED', 'Too many snapshots were started in one second.');
}

function errno(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Makes a rename or create in `dir` durable. Some file systems cannot fsync a directory. */
async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
  try {
    await handle.sync();
  } catch (err) {
    if (!['EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'EISDIR', 'EBADF'].includes(errno(err) ?? ''))
      throw err;
  } finally {
    await handle.close();
  }
}

async function listEntries(jobDir: string): Promise<string[]> {
  try {
    return await readdir(jobDir);
  } catch (err) {
    if (errno(err) === 'ENOENT') return [];
    throw err;
  }
}

function stripSuffix(
  entry: string,
): { name: string; kind: 'plain' | 'partial' | 'deleting' } | undefined {
  for (const [suffix, kind] of [
    [PARTIAL_SUFFIX, 'partial'],
    [DELETING_SUFFIX, 'deleting'],
  ] as const) {
    if (entry.endsWith(suffix)) {
      const name = entry.slice(0, -suffix.length);
      return isValidSnapshotName(name) ? { name, kind } : undefined;
    }
  }
  return isValidSnapshotName(entry) ? { name: entry, kind: 'plain' } : undefined;
}

async function isRealDir(p: string): Promise<boolean> {
  try {
    return (await lstat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Starts a run: creates `<name>.partial/data/` (job directory mode 0700). With `resume`, the
 * newest directory an interrupted run left behind is renamed to the new name and reused, so rsync
 * only fetches what it had not yet copied; rsync must then run with `--delete` (the directory may
 * hold files since removed from the source). Other leftovers stay for `removeIncomplete`.
 */
export async function beginSnapshot(
  targetPath: string,
  jobId: string,
  nowMs: number,
  opts: { resume?: boolean } = {},
): Promise<PartialSnapshot> {
  const jobDir = jobDirOf(targetPath, jobId);
  await mkdir(path.dirname(jobDir), { recursive: true, mode: 0o700 });
  await mkdir(jobDir, { recursive: true, mode: 0o700 });
  const entries = await listEntries(jobDir);
  const taken = new Set<string>();
  const partials: string[] = [];
  for (const e of entries) {
    const s = stripSuffix(e);
    if (!s) continue;
    taken.add(s.name);
    if (s.kind === 'partial') partials.push(s.name);
  }
  partials.sort(compareSnapshotNames);
  const leftover = opts.resume ? partials.at(-1) : undefined;
  for (let attempt = 0; attempt < 100; attempt++) {
    const name = newSnapshotName(nowMs, taken);
    const paths = snapshotPaths(targetPath, jobId, name);
    try {
      if (leftover !== undefined && attempt === 0) {
        const from = snapshotPaths(targetPath, jobId, leftover).partialDir;
        if (from !== paths.partialDir) await rename(from, paths.partialDir);
        await removeManifestLeftovers(paths.partialDir);
      } else {
        await mkdir(paths.partialDir, { mode: 0o700 });
      }
    } catch (err) {
      if (errno(err) === 'EEXIST' || errno(err) === 'ENOTEMPTY') {
        taken.add(name);
        continue;
      }
      throw err;
    }
    const dataDir = path.join(paths.partialDir, DATA_DIR);
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await fsyncDir(jobDir);
    return {
      targetPath,
      jobId,
      name,
      partialDir: paths.partialDir,
      dataDir,
      resumed: leftover !== undefined && attempt === 0,
    };
  }
  throw new AppError('SNAPSHOT_NAME_EXHAUSTED', 'Could not find a free snapshot name.');
}

async function removeManifestLeftovers(dir: string): Promise<void> {
  for (const e of await listEntries(dir)) {
    if (e === MANIFEST_FILE || e.startsWith(MANIFEST_TMP_PREFIX))
      await rm(path.join(dir, e), { force: true });
  }
}

/** Keeps at most MAX_MANIFEST_WARNINGS lines of at most MAX_WARNING_CHARS each, saying what was cut. */
export function boundWarnings(warnings: readonly string[]): string[] {
  const cut = (w: string) =>
    w.length > MAX_WARNING_CHARS ? w.slice(0, MAX_WARNING_CHARS - 1) + '…' : w;
  if (warnings.length <= MAX_MANIFEST_WARNINGS) return warnings.map(cut);
  const kept = warnings.slice(0, MAX_MANIFEST_WARNINGS).map(cut);
  kept.push(`… and ${warnings.length - MAX_MANIFEST_WARNINGS} more warnings not kept`);
  return kept;
}

/** Writes `value` to `file` so that a reader sees either the old file or the whole new one. */
async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(
    dir,
    `${MANIFEST_TMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`,
  );
  const body = JSON.stringify(value, null, 2) + '\n';
  const handle = await open(
    tmp,
    fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL,
    0o600,
  );
  try {
    await handle.writeFile(body, 'utf8');
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(dir);
}

/**
 * Makes a run's snapshot complete: manifest to a temporary file, fsync, rename into place, fsync
 * the directory, then `<name>.partial` → `<name>` and fsync the job directory. Only after the
 * last rename does `listSnapshots` see it.
 */
export async function completeSnapshot(
  partial: PartialSnapshot,
  input: SnapshotManifestInput,
): Promise<{ name: string; dir: string; manifest: SnapshotManifest }> {
  const paths = snapshotPaths(partial.targetPath, partial.jobId, partial.name);
  if (paths.partialDir !== path.resolve(partial.partialDir)) {
    throw new AppError(
      'SNAPSHOT_PARTIAL_MISMATCH',
      'The in-progress snapshot does not match its name.',
    );
  }
  const parsed = snapshotManifestSchema.safeParse({
    ...input,
    version: 1,
    jobId: partial.jobId,
    name: partial.name,
    warnings: boundWarnings(input.warnings),
  });
  if (!parsed.success) {
    throw new AppError('SNAPSHOT_MANIFEST_INVALID', 'The snapshot manifest is not valid.', {
      cause: parsed.error,
    });
  }
  if (!(await isRealDir(path.join(paths.partialDir, DATA_DIR)))) {
    throw new AppError('SNAPSHOT_PARTIAL_MISSING', 'The in-progress snapshot directory is gone.', {
      kind: 'transient',
    });
  }
  await writeJsonAtomic(path.join(paths.partialDir, MANIFEST_FILE), parsed.data);
  try {
    await rename(paths.partialDir, paths.dir);
  } catch (err) {
    if (errno(err) === 'EEXIST' || errno(err) === 'ENOTEMPTY') {
      throw new AppError('SNAPSHOT_EXISTS', `A snapshot named ${partial.name} already exists.`, {
        status: 409,
        kind: 'conflict',
        cause: err,
      });
    }
    throw err;
  }
  await fsyncDir(paths.jobDir);
  return { name: partial.name, dir: paths.dir, manifest: parsed.data };
}

async function readManifest(dir: string): Promise<SnapshotManifest | string> {
  const file = path.join(dir, MANIFEST_FILE);
  let handle;
  try {
    handle = await open(
      file,
      fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK,
    );
  } catch (err) {
    return errno(err) === 'ENOENT'
      ? 'no manifest'
      : `manifest unreadable (${errno(err) ?? 'error'})`;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return 'manifest is not a regular file';
    if (st.size > MAX_MANIFEST_BYTES) return 'manifest is too large';
    const text = await handle.readFile('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return 'manifest is not valid JSON';
    }
    const parsed = snapshotManifestSchema.safeParse(json);
    return parsed.success ? parsed.data : 'manifest does not match the expected format';
  } finally {
    await handle.close();
  }
}

/** Why the plain-named directory `name` is not a valid complete snapshot, or its manifest. */
async function inspectComplete(
  targetPath: string,
  jobId: string,
  name: string,
): Promise<SnapshotInfo | string> {
  const paths = snapshotPaths(targetPath, jobId, name);
  if (!(await isRealDir(paths.dir))) return 'not a directory';
  if (!(await isRealDir(paths.dataDir))) return 'no data directory';
  const manifest = await readManifest(paths.dir);
  if (typeof manifest === 'string') return manifest;
  if (manifest.name !== name || manifest.jobId !== jobId)
    return 'manifest belongs to another snapshot';
  return { name, dir: paths.dir, dataDir: paths.dataDir, manifest };
}

/** Complete snapshots of a job, oldest first. Anything without a valid manifest is left out. */
export async function listSnapshots(targetPath: string, jobId: string): Promise<SnapshotInfo[]> {
  const jobDir = jobDirOf(targetPath, jobId);
  const names = (await listEntries(jobDir)).filter(isValidSnapshotName).sort(compareSnapshotNames);
  const out: SnapshotInfo[] = [];
  for (const name of names) {
    const info = await inspectComplete(targetPath, jobId, name);
    if (typeof info !== 'string') out.push(info);
  }
  return out;
}

/** One complete snapshot, or undefined. */
export async function getSnapshot(
  targetPath: string,
  jobId: string,
  name: string,
): Promise<SnapshotInfo | undefined> {
  const info = await inspectComplete(targetPath, jobId, name);
  return typeof info === 'string' ? undefined : info;
}

/**
 * The newest complete snapshot: the `--link-dest` for the next run. Searched from the newest name
 * down, so that a run reads one manifest, not one per snapshot kept.
 */
export async function latestComplete(
  targetPath: string,
  jobId: string,
): Promise<SnapshotInfo | undefined> {
  const jobDir = jobDirOf(targetPath, jobId);
  const names = (await listEntries(jobDir)).filter(isValidSnapshotName).sort(compareSnapshotNames);
  for (let i = names.length - 1; i >= 0; i--) {
    const info = await inspectComplete(targetPath, jobId, names[i]!);
    if (typeof info !== 'string') return info;
  }
  return undefined;
}

/** Everything in the job directory that looks like a snapshot but is not a complete one. */
export async function incompleteSnapshots(
  targetPath: string,
  jobId: string,
): Promise<IncompleteSnapshot[]> {
  const jobDir = jobDirOf(targetPath, jobId);
  const out: IncompleteSnapshot[] = [];
  for (const entry of await listEntries(jobDir)) {
    const s = stripSuffix(entry);
    if (!s) continue;
    const dir = path.join(jobDir, entry);
    if (s.kind !== 'plain') {
      out.push({ entry, name: s.name, dir, kind: s.kind });
      continue;
    }
    const info = await inspectComplete(targetPath, jobId, s.name);
    if (typeof info === 'string')
      out.push({ entry, name: s.name, dir, kind: 'invalid', reason: info });
  }
  return out.sort((a, b) => compareSnapshotNames(a.name, b.name));
}

/**
 * Removes what interrupted runs and deletes left behind (`.partial`, `.deleting`), except the
 * entries named in `keep` (the run in progress). Never touches a plain-named directory, complete
 * or not. Returns the entries removed.
 */
export async function removeIncomplete(
  targetPath: string,
  jobId: string,
  opts: { keep?: readonly string[] } = {},
): Promise<string[]> {
  const keep = new Set(opts.keep ?? []);
  const removed: string[] = [];
  const jobDir = jobDirOf(targetPath, jobId);
  // Only the suffixed entries: a plain name is never removed here, so its manifest is not read.
  const leftovers = (await listEntries(jobDir))
    .map((entry) => ({ entry, s: stripSuffix(entry) }))
    .filter((e) => e.s !== undefined && e.s.kind !== 'plain')
    .sort((a, b) => compareSnapshotNames(a.s!.name, b.s!.name));
  for (const { entry, s } of leftovers) {
    if (keep.has(entry) || keep.has(s!.name)) continue;
    await removeTree(path.join(jobDir, entry));
    removed.push(entry);
  }
  if (removed.length > 0) await fsyncDir(jobDirOf(targetPath, jobId));
  return removed;
}

/**
 * Deletes a complete snapshot: renamed to `<name>.deleting` first (one atomic step, after which it
 * is no longer complete), then removed. A crash in between leaves a `.deleting` directory for
 * `removeIncomplete`, never a half-empty snapshot that looks complete.
 */
export async function deleteSnapshot(
  targetPath: string,
  jobId: string,
  name: string,
): Promise<void> {
  const paths = snapshotPaths(targetPath, jobId, name);
  if (!(await isRealDir(paths.dir))) {
    throw new AppError('SNAPSHOT_NOT_FOUND', `Snapshot ${name} was not found.`, {
      status: 404,
      kind: 'input',
    });
  }
  if (await isRealDir(paths.deletingDir)) await removeTree(paths.deletingDir);
  await rename(paths.dir, paths.deletingDir);
  await fsyncDir(paths.jobDir);
  await removeTree(paths.deletingDir);
  await fsyncDir(paths.jobDir);
}

/**
 * `rm -rf` that also works when rsync copied read-only directories and we are not root: on a
 * permission error it makes directories writable (never following symlinks) and tries again.
 */
export async function removeTree(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
    return;
  } catch (err) {
    if (errno(err) !== 'EACCES' && errno(err) !== 'EPERM') throw err;
  }
  const stack: Buffer[] = [Buffer.from(dir)];
  while (stack.length > 0) {
    const d = stack.pop()!;
    await chmod(d, 0o700).catch(() => undefined);
    const entries = await readdir(d, { withFileTypes: true, encoding: 'buffer' }).catch(() => []);
    for (const e of entries) if (e.isDirectory()) stack.push(joinUnder(d, [e.name]));
  }
  await rm(dir, { recursive: true, force: true });
}

/** Writes a verification result into a complete snapshot's manifest (atomically). */
export async function recordVerification(
  targetPath: string,
  jobId: string,
  name: string,
  verification: SnapshotVerification,
): Promise<SnapshotManifest> {
  const info = await getSnapshot(targetPath, jobId, name);
  if (!info) {
    throw new AppError('SNAPSHOT_NOT_FOUND', `Snapshot ${name} was not found.`, {
      status: 404,
      kind: 'input',
    });
  }
  const manifest = snapshotManifestSchema.parse({ ...info.manifest, verification });
  await writeJsonAtomic(path.join(info.dir, MANIFEST_FILE), manifest);
  return manifest;
}

export interface SnapshotMeasure {
  /** Regular files, directories (the root included), symlinks, anything else. */
  files: number;
  dirs: number;
  symlinks: number;
  other: number;
  /** Sum of the regular files' apparent sizes. */
  totalSize: number;
  /** Blocks (st_blocks × 512) of every inode in the tree, each counted once. */
  allocatedBytes: number;
  /** Blocks of the inodes this snapshot added (see `measureSnapshot`). */
  bytesOnDisk: number;
  /** Distinct non-directory inodes not counted in bytesOnDisk because they are shared. */
  sharedFiles: number;
}

/**
 * Walks a snapshot's data directory (never following symlinks) and counts what it holds and what
 * it costs on disk. A backup run does not walk (SnapshotMeter derives its figures from rsync's
 * itemized output); this is the independent check of those figures, for tests and benchmarks. Allocated sizes are st_blocks × 512, each inode counted once.
 *
 * `bytesOnDisk` is "the blocks this snapshot has to itself", in one of two senses:
 * - with `previousDir`: the new blocks this run added. Every inode counts except those that are the
 *   very inode found at the same relative path in `previousDir` (what `--link-dest` links). Only
 *   files with a link count above 1 cost a second lstat there. Stable: later snapshots linking to
 *   this one do not change it.
 * - without: what deleting this snapshot alone would free now. An inode counts when all of its
 *   links are inside this tree (link count = links seen here); one lstat per entry, so about half
 *   the work. Measured right after the run (before a later run links to it) it equals the above.
 * Directories are always this snapshot's own (rsync creates them) and count in both.
 */
export async function measureSnapshot(
  dir: string,
  previousDir?: string,
  opts: { signal?: AbortSignal } = {},
): Promise<SnapshotMeasure> {
  const m: SnapshotMeasure = {
    files: 0,
    dirs: 0,
    symlinks: 0,
    other: 0,
    totalSize: 0,
    allocatedBytes: 0,
    bytesOnDisk: 0,
    sharedFiles: 0,
  };
  /** Inodes with more than one link: how many of their links this tree holds. */
  const multi = new Map<bigint | string, { nlink: bigint; seen: number; blocks: number }>();
  const root = Buffer.from(path.resolve(dir));
  const prevRoot = previousDir !== undefined ? Buffer.from(path.resolve(previousDir)) : undefined;
  const rootSt = lstatSync(root, { bigint: true });
  if (!rootSt.isDirectory()) {
    throw new AppError('SNAPSHOT_NOT_DIR', 'The snapshot data is not a directory.');
  }
  m.dirs++;
  m.allocatedBytes += Number(rootSt.blocks) * 512;
  m.bytesOnDisk += Number(rootSt.blocks) * 512;
  // Synchronous calls in time slices: three times faster than one promise per lstat on a tree of
  // 100,000 files (the inodes are in the cache right after rsync), and the event loop still gets
  // a turn every few milliseconds.
  let sliceStart = Date.now();
  // Paths relative to the root, as bytes with a leading slash ('' for the root itself).
  const stack: Buffer[] = [Buffer.alloc(0)];
  const slash = Buffer.from('/');
  while (stack.length > 0) {
    const rel = stack.pop()!;
    const abs = Buffer.concat([root, rel]);
    for (const name of readdirSync(abs, { encoding: 'buffer' })) {
      if (Date.now() - sliceStart > MEASURE_SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        opts.signal?.throwIfAborted();
        sliceStart = Date.now();
      }
      const childRel = Buffer.concat([rel, slash, name]);
      const st = lstatSync(Buffer.concat([root, childRel]), { bigint: true });
      const blocks = Number(st.blocks) * 512;
      if (st.isDirectory()) {
        m.dirs++;
        m.allocatedBytes += blocks;
        m.bytesOnDisk += blocks;
        stack.push(childRel);
        continue;
      }
      if (st.isFile()) {
        m.files++;
        m.totalSize += Number(st.size);
      } else if (st.isSymbolicLink()) m.symlinks++;
      else m.other++;
      if (st.nlink === 1n) {
        m.allocatedBytes += blocks;
        m.bytesOnDisk += blocks;
        continue;
      }
      const key = st.dev === rootSt.dev ? st.ino : `${st.dev}:${st.ino}`;
      const known = multi.get(key);
      if (known) {
        known.seen++;
        continue;
      }
      m.allocatedBytes += blocks;
      if (!prevRoot) {
        multi.set(key, { nlink: st.nlink, seen: 1, blocks });
        continue;
      }
      const prev = lstatSync(Buffer.concat([prevRoot, childRel]), {
        bigint: true,
        throwIfNoEntry: false,
      });
      const shared = prev !== undefined && prev.ino === st.ino && prev.dev === st.dev;
      // With two links, one of them in the previous snapshot, no other path here can be this inode.
      if (!shared || st.nlink > 2n) multi.set(key, { nlink: st.nlink, seen: 1, blocks: 0 });
      if (shared) m.sharedFiles++;
      else m.bytesOnDisk += blocks;
    }
  }
  if (!prevRoot) {
    for (const inode of multi.values()) {
      if (BigInt(inode.seen) >= inode.nlink) m.bytesOnDisk += inode.blocks;
      else m.sharedFiles++;
    }
  }
  return m;
}
