/**
 * Reading complete snapshots for the restore UI and API: list a folder, look at one entry, download
 * a file, search names across snapshots, and the versions of one path.
 *
 * A snapshot holds whatever the source held, symlinks to anywhere on the box included. Nothing
 * here follows a symlink: a symlink is listed as one, with its target text; a path through a
 * symlink is refused (PATH_SYMLINK); a download must be a regular file, opened with O_NOFOLLOW.
 *
 * Names and paths are returned as strings; when their bytes are not UTF-8 the entry also carries
 * `raw` (the name) and `rawPath` (the whole relative path) in base64, and a request addresses such
 * an entry with `{ raw: rawPath }` (see safe-path.ts).
 */
import { lstat, open, readdir, readlink, realpath } from 'node:fs/promises';
import { constants as fsConstants, type BigIntStats, type Dirent, type ReadStream } from 'node:fs';
import { AppError } from '../core/errors.js';
import {
  describeBytes,
  isInside,
  isUtf8,
  joinSegments,
  joinUnder,
  parseRelPath,
  resolveNoFollow,
  type RelPathInput,
} from './safe-path.js';
import { listSnapshots, type SnapshotInfo } from './snapshots.js';
import { compareNatural } from '../lib/collate.js';

export type EntryType = 'file' | 'dir' | 'symlink' | 'other';

export interface SnapshotEntry {
  name: string;
  /** base64 of the name's bytes, only when they are not UTF-8. */
  raw?: string;
  /** Relative path from the snapshot's root ('' for the root itself). */
  path: string;
  /** base64 of the relative path's bytes, only when they are not UTF-8: address the entry by it. */
  rawPath?: string;
  type: EntryType;
  size: number;
  /** ISO-8601 UTC. */
  mtime: string;
  /** Permission bits (mode & 0o7777). */
  mode: number;
  /** Inode number as a decimal string (may exceed 2^53); equal inodes mean the same file. */
  inode: string;
  linkTarget?: string;
  linkTargetRaw?: string;
}

export interface DirPage {
  path: string;
  rawPath?: string;
  entries: SnapshotEntry[];
  /** Entries in the directory (all pages). */
  total: number;
  /** Pass as `after` to get the next page; absent on the last page. */
  nextAfter?: string;
}

export const DEFAULT_PAGE = 200;
export const MAX_PAGE = 1000;
export const MAX_PATTERN_CHARS = 200;

function err(code: string, message: string, status = 400): AppError {
  return new AppError(code, message, { status, kind: 'input' });
}

function entryType(st: BigIntStats): EntryType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  return 'other';
}

async function toEntry(
  abs: Buffer,
  segments: readonly Buffer[],
  st: BigIntStats,
): Promise<SnapshotEntry> {
  const nameBytes = segments.at(-1) ?? Buffer.alloc(0);
  const name = describeBytes(nameBytes);
  const rel = describeBytes(joinSegments(segments));
  const entry: SnapshotEntry = {
    name: name.text,
    path: rel.text,
    type: entryType(st),
    size: Number(st.size),
    mtime: new Date(Number(st.mtimeMs)).toISOString(),
    mode: Number(st.mode & 0o7777n),
    inode: st.ino.toString(),
  };
  if (name.raw !== undefined) entry.raw = name.raw;
  if (rel.raw !== undefined) entry.rawPath = rel.raw;
  if (entry.type === 'symlink') {
    const target = describeBytes(await readlink(abs, { encoding: 'buffer' }));
    entry.linkTarget = target.text;
    if (target.raw !== undefined) entry.linkTargetRaw = target.raw;
  }
  return entry;
}

/** Double-checks a resolved path against the root's real path (no symlink was followed). */
async function assertRealInside(root: string, abs: Buffer): Promise<void> {
  const [realRoot, real] = await Promise.all([
    realpath(root, { encoding: 'buffer' }),
    realpath(abs, { encoding: 'buffer' }),
  ]);
  if (!isInside(realRoot, real))
    throw err('PATH_OUTSIDE', 'The path resolves outside the snapshot.');
}

interface SortKey {
  rank: number;
  bytes: Buffer;
  text: string;
}

function compareKeys(a: SortKey, b: SortKey): number {
  return a.rank - b.rank || compareNatural(a.text, b.text) || Buffer.compare(a.bytes, b.bytes);
}

function encodeCursor(k: SortKey): string {
  return `${k.rank}.${k.bytes.toString('base64url')}`;
}

function decodeCursor(cursor: string): SortKey {
  const m = /^([01])\.([A-Za-z0-9_-]{0,400})$/.exec(cursor);
  if (!m) throw err('CURSOR_INVALID', 'The paging cursor is not valid.');
  const bytes = Buffer.from(m[2]!, 'base64url');
  return { rank: Number(m[1]), bytes, text: bytes.toString('utf8') };
}

/**
 * One page of a folder: directories first, then everything else, each by name (natural order,
 * byte order breaking ties). `after` is the `nextAfter` of the previous page. Each page reads and
 * sorts the whole folder (names and types only) but lstats only the entries it returns.
 */
export async function listDir(
  dataDir: string,
  relPath: RelPathInput,
  opts: { limit?: number; after?: string } = {},
): Promise<DirPage> {
  const limit = Math.max(1, Math.min(MAX_PAGE, Math.floor(opts.limit ?? DEFAULT_PAGE)));
  const after =
    opts.after !== undefined && opts.after !== '' ? decodeCursor(opts.after) : undefined;
  const { path: abs, segments, stat } = await resolveNoFollow(dataDir, relPath);
  if (stat.isSymbolicLink()) throw err('PATH_SYMLINK', 'This is a symlink, which is not followed.');
  if (!stat.isDirectory()) throw err('PATH_NOT_DIR', 'This is not a folder.');
  await assertRealInside(dataDir, abs);
  const dirents: Dirent<Buffer>[] = await readdir(abs, { withFileTypes: true, encoding: 'buffer' });
  const keys = dirents.map((d): SortKey => ({
    rank: d.isDirectory() ? 0 : 1,
    bytes: d.name,
    text: d.name.toString('utf8'),
  }));
  keys.sort(compareKeys);
  let start = 0;
  if (after) {
    while (start < keys.length && compareKeys(keys[start]!, after) <= 0) start++;
  }
  const page = keys.slice(start, start + limit);
  const entries: SnapshotEntry[] = [];
  for (const k of page) {
    const childSegs = [...segments, k.bytes];
    const childAbs = joinUnder(abs, [k.bytes]);
    let st: BigIntStats;
    try {
      st = await lstat(childAbs, { bigint: true });
    } catch {
      continue; // gone between readdir and lstat: only possible while the snapshot is deleted
    }
    entries.push(await toEntry(childAbs, childSegs, st));
  }
  const rel = describeBytes(joinSegments(segments));
  const result: DirPage = { path: rel.text, entries, total: keys.length };
  if (rel.raw !== undefined) result.rawPath = rel.raw;
  const last = page.at(-1);
  if (start + limit < keys.length && last) result.nextAfter = encodeCursor(last);
  return result;
}

/** One entry (not followed if it is a symlink). */
export async function statFile(dataDir: string, relPath: RelPathInput): Promise<SnapshotEntry> {
  const { path: abs, segments, stat } = await resolveNoFollow(dataDir, relPath);
  return toEntry(abs, segments, stat);
}

export interface Download {
  stream: ReadStream;
  size: number;
  name: string;
  raw?: string;
  mtime: string;
}

/**
 * Opens a regular file of a snapshot for download. Refuses symlinks, devices, FIFOs and sockets
 * (a copied device node would otherwise read the box's own hardware): lstat first, then open with
 * O_NOFOLLOW (and O_NONBLOCK, so that a FIFO could never hang the open), then check that the opened
 * inode is the regular file that was looked at. The caller must consume or destroy the stream;
 * destroying it closes the file.
 */
export async function openForDownload(dataDir: string, relPath: RelPathInput): Promise<Download> {
  const { path: abs, segments, stat } = await resolveNoFollow(dataDir, relPath);
  if (segments.length === 0 || !stat.isFile()) {
    throw err('NOT_A_REGULAR_FILE', 'Only regular files can be downloaded.');
  }
  await assertRealInside(dataDir, abs);
  let handle;
  try {
    handle = await open(
      abs,
      fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK,
    );
  } catch (e) {
    throw new AppError('NOT_A_REGULAR_FILE', 'Only regular files can be downloaded.', {
      status: 400,
      kind: 'input',
      cause: e,
    });
  }
  try {
    const st = await handle.stat({ bigint: true });
    if (!st.isFile() || st.ino !== stat.ino || st.dev !== stat.dev) {
      throw err('NOT_A_REGULAR_FILE', 'Only regular files can be downloaded.');
    }
    const name = describeBytes(segments.at(-1)!);
    const stream = handle.createReadStream({ autoClose: true });
    const out: Download = {
      stream,
      size: Number(st.size),
      name: name.text,
      mtime: new Date(Number(st.mtimeMs)).toISOString(),
    };
    if (name.raw !== undefined) out.raw = name.raw;
    return out;
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/**
 * A snapshot path for rsync to restore from: checked like a download (no symlink on the way, inside
 * the snapshot) but may be a folder or a symlink (copied as a symlink, never followed). `text` is
 * absent when the path is not UTF-8 and so cannot be an argument: restore its parent folder with
 * `--files-from` (`--from0`) naming it instead.
 */
export async function resolveForRestore(
  dataDir: string,
  relPath: RelPathInput,
): Promise<{ path: Buffer; text?: string; type: EntryType }> {
  const { path: abs, stat } = await resolveNoFollow(dataDir, relPath);
  const type = entryType(stat);
  if (type === 'other')
    throw err('NOT_RESTORABLE', 'Device files, FIFOs and sockets are not restored.');
  const parentCheck = type === 'symlink' ? abs.subarray(0, abs.lastIndexOf(0x2f)) : abs;
  await assertRealInside(dataDir, parentCheck.length > 0 ? parentCheck : Buffer.from('/'));
  return isUtf8(abs) ? { path: abs, text: abs.toString('utf8'), type } : { path: abs, type };
}

export interface SearchMatch {
  snapshot: string;
  path: string;
  rawPath?: string;
  type: EntryType;
  size: number;
  mtime: string;
  inode: string;
}

export interface SearchResult {
  matches: SearchMatch[];
  /** Directory entries looked at. */
  scanned: number;
  /** True when `limit` or `maxScanned` stopped the search before it looked everywhere. */
  truncated: boolean;
}

export function normalizePattern(pattern: string): string {
  const p = pattern.trim();
  if (p.length === 0)
    throw err('SEARCH_PATTERN_INVALID', 'Enter part of a file name to search for.');
  if (p.length > MAX_PATTERN_CHARS) {
    throw err(
      'SEARCH_PATTERN_INVALID',
      `The search text is longer than ${MAX_PATTERN_CHARS} characters.`,
    );
  }
  if (p.includes('\0') || p.includes('/')) {
    throw err('SEARCH_PATTERN_INVALID', 'The search text must be part of a single name.');
  }
  return p.normalize('NFC').toLowerCase();
}

/**
 * Names containing `pattern` (case-insensitive substring) in the complete snapshots of a job,
 * newest snapshot first, breadth-first inside each. Bounded: at most `limit` matches and
 * `maxScanned` entries looked at overall; symlinks are matched but never descended into.
 */
export async function searchName(
  targetPath: string,
  jobId: string,
  pattern: string,
  opts: { limit?: number; maxScanned?: number; signal?: AbortSignal } = {},
): Promise<SearchResult> {
  const needle = normalizePattern(pattern);
  const limit = Math.max(1, Math.min(MAX_PAGE, Math.floor(opts.limit ?? 100)));
  const maxScanned = Math.max(1, Math.min(5_000_000, Math.floor(opts.maxScanned ?? 200_000)));
  const snapshots = (await listSnapshots(targetPath, jobId)).reverse();
  const result: SearchResult = { matches: [], scanned: 0, truncated: false };
  for (const snap of snapshots) {
    const root = Buffer.from(snap.dataDir);
    const queue: Buffer[][] = [[]];
    for (let q = 0; q < queue.length; q++) {
      opts.signal?.throwIfAborted();
      const rel = queue[q]!;
      let dirents: Dirent<Buffer>[];
      try {
        dirents = await readdir(joinUnder(root, rel), { withFileTypes: true, encoding: 'buffer' });
      } catch {
        continue; // unreadable folder: skip it rather than fail the whole search
      }
      dirents.sort((a, b) => Buffer.compare(a.name, b.name));
      for (const d of dirents) {
        if (result.scanned >= maxScanned || result.matches.length >= limit) {
          result.truncated = true;
          return result;
        }
        result.scanned++;
        const segs = [...rel, d.name];
        if (d.isDirectory()) queue.push(segs);
        if (!d.name.toString('utf8').normalize('NFC').toLowerCase().includes(needle)) continue;
        const st = await lstat(joinUnder(root, segs), { bigint: true }).catch(() => undefined);
        if (!st) continue;
        const relPath = describeBytes(joinSegments(segs));
        const match: SearchMatch = {
          snapshot: snap.name,
          path: relPath.text,
          type: entryType(st),
          size: Number(st.size),
          mtime: new Date(Number(st.mtimeMs)).toISOString(),
          inode: st.ino.toString(),
        };
        if (relPath.raw !== undefined) match.rawPath = relPath.raw;
        result.matches.push(match);
      }
    }
  }
  return result;
}

export interface PathVersion {
  snapshot: string;
  completedAt: string;
  exists: boolean;
  type?: EntryType;
  size?: number;
  mtime?: string;
  inode?: string;
  /** The same inode as in the previous snapshot (hard-linked by `--link-dest`: unchanged). */
  sameAsPrevious: boolean;
}

/** The path in every complete snapshot of the job, oldest first. */
export async function versionsOf(
  targetPath: string,
  jobId: string,
  relPath: RelPathInput,
  snapshots?: readonly SnapshotInfo[],
): Promise<PathVersion[]> {
  // Parsed once up front so that a bad path fails before any disk access.
  const segments = parseRelPath(relPath);
  const rawPath = { raw: joinSegments(segments).toString('base64') };
  const snaps = snapshots ?? (await listSnapshots(targetPath, jobId));
  const out: PathVersion[] = [];
  let prev: BigIntStats | undefined;
  for (const snap of snaps) {
    let st: BigIntStats | undefined;
    try {
      st = (await resolveNoFollow(snap.dataDir, rawPath)).stat;
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      if (!['PATH_NOT_FOUND', 'PATH_SYMLINK', 'PATH_NOT_DIR', 'PATH_ROOT_MISSING'].includes(e.code))
        throw e;
    }
    if (!st) {
      out.push({
        snapshot: snap.name,
        completedAt: snap.manifest.completedAt,
        exists: false,
        sameAsPrevious: false,
      });
      prev = undefined;
      continue;
    }
    out.push({
      snapshot: snap.name,
      completedAt: snap.manifest.completedAt,
      exists: true,
      type: entryType(st),
      size: Number(st.size),
      mtime: new Date(Number(st.mtimeMs)).toISOString(),
      inode: st.ino.toString(),
      sameAsPrevious: prev !== undefined && prev.ino === st.ino && prev.dev === st.dev,
    });
    prev = st;
  }
  return out;
}
