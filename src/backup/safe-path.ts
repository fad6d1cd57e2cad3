/**
 * Path validation for everything that reads from a snapshot or writes a restore: nothing outside
 * a snapshot can be read and nothing outside the chosen destination written.
 *
 * Relative paths come from requests in one of two forms (`RelPathInput`):
 * - a string: the path as UTF-8, segments separated by `/`, `''` being the root;
 * - `{ raw }`: the path's bytes in base64 (standard or URL-safe alphabet). File names on Linux are
 *   bytes, not text; a name that is not valid UTF-8 cannot survive a round trip through a JSON
 *   string, so browse results carry a `raw`/`rawPath` field for such names and requests address
 *   them by it.
 *
 * Rules: no absolute paths, no `..` segment, no NUL byte, at most PATH_MAX bytes and NAME_MAX
 * bytes per segment. Empty and `.` segments are dropped (`a//b/./c` is `a/b/c`). Nothing is
 * percent-decoded: `%2e%2e` is a literal file name, and so is `a\..\b` (a backslash is an ordinary
 * byte on Linux).
 *
 * Everything is done on byte buffers so that a non-UTF-8 name reaches the file system unchanged.
 */
import { lstat, realpath } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import path from 'node:path';
import { AppError } from '../core/errors.js';

/** Linux PATH_MAX including the terminating NUL, and NAME_MAX. */
export const MAX_PATH_BYTES = 4095;
export const MAX_NAME_BYTES = 255;

export type RelPathInput = string | { raw: string };

const SLASH = 0x2f;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function pathError(code: string, message: string, status = 400): AppError {
  return new AppError(code, message, { status, kind: 'input' });
}

/** Decodes a `{ raw }` value strictly: text that is not canonical base64 is refused. */
export function decodeRaw(raw: string): Buffer {
  if (raw.length > Math.ceil(((MAX_PATH_BYTES + 2) / 3) * 4) + 4 || !BASE64.test(raw)) {
    throw pathError('PATH_INVALID', 'The raw path is not valid base64.');
  }
  const urlSafe = /[-_]/.test(raw);
  const bytes = Buffer.from(raw, urlSafe ? 'base64url' : 'base64');
  const again = bytes.toString(urlSafe ? 'base64url' : 'base64').replace(/=+$/, '');
  if (again !== raw.replace(/=+$/, '')) {
    throw pathError('PATH_INVALID', 'The raw path is not valid base64.');
  }
  return bytes;
}

export function isUtf8(bytes: Buffer): boolean {
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * How a name or relative path is shown: `text` is always a string (invalid bytes become U+FFFD),
 * `raw` (base64) is present only when the bytes are not valid UTF-8 and must be used to address
 * the entry again.
 */
export function describeBytes(bytes: Buffer): { text: string; raw?: string } {
  if (isUtf8(bytes)) return { text: bytes.toString('utf8') };
  return { text: bytes.toString('utf8'), raw: bytes.toString('base64') };
}

/**
 * Splits and checks a relative path; returns its segments as bytes (none for the root). Pure.
 * Throws PATH_INVALID (NUL, too long, bad base64) or PATH_OUTSIDE (absolute, `..`).
 */
export function parseRelPath(input: RelPathInput): Buffer[] {
  let bytes: Buffer;
  if (typeof input === 'string') {
    if (input.length > MAX_PATH_BYTES) throw pathError('PATH_INVALID', 'The path is too long.');
    bytes = Buffer.from(input, 'utf8');
  } else if (input !== null && typeof input === 'object' && typeof input.raw === 'string') {
    bytes = decodeRaw(input.raw);
  } else {
    throw pathError('PATH_INVALID', 'The path must be a string or { raw: base64 }.');
  }
  if (bytes.length > MAX_PATH_BYTES) throw pathError('PATH_INVALID', 'The path is too long.');
  if (bytes.includes(0)) throw pathError('PATH_INVALID', 'The path contains a NUL byte.');
  if (bytes[0] === SLASH) {
    throw pathError('PATH_OUTSIDE', 'The path must be relative (it starts with "/").');
  }
  const segments: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== SLASH) continue;
    const seg = bytes.subarray(start, i);
    start = i + 1;
    if (seg.length === 0 || (seg.length === 1 && seg[0] === 0x2e)) continue;
    if (seg.length === 2 && seg[0] === 0x2e && seg[1] === 0x2e) {
      throw pathError('PATH_OUTSIDE', 'The path must not contain "..".');
    }
    if (seg.length > MAX_NAME_BYTES)
      throw pathError('PATH_INVALID', 'A name in the path is too long.');
    segments.push(Buffer.from(seg));
  }
  return segments;
}

/** The segments joined with `/` (no leading slash); empty for the root. Pure. */
export function joinSegments(segments: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  segments.forEach((s, i) => {
    if (i > 0) parts.push(Buffer.from('/'));
    parts.push(s);
  });
  return Buffer.concat(parts);
}

function rootBytes(root: string | Buffer): Buffer {
  const r = typeof root === 'string' ? Buffer.from(path.resolve(root)) : root;
  if (r[0] !== SLASH) throw new AppError('PATH_ROOT_INVALID', 'A root path must be absolute.');
  // Strip trailing slashes except for "/" itself.
  let end = r.length;
  while (end > 1 && r[end - 1] === SLASH) end--;
  return r.subarray(0, end);
}

/** `root` joined with already checked segments. Pure. */
export function joinUnder(root: string | Buffer, segments: readonly Buffer[]): Buffer {
  const r = rootBytes(root);
  if (segments.length === 0) return Buffer.from(r);
  const sep = r.length === 1 ? [] : [Buffer.from('/')];
  return Buffer.concat([r, ...sep, joinSegments(segments)]);
}

/** True when `candidate` is `root` or lies below it (byte-wise, on normalized absolute paths). */
export function isInside(root: string | Buffer, candidate: string | Buffer): boolean {
  const r = rootBytes(root);
  const c = rootBytes(candidate);
  if (r.length === 1) return true;
  if (c.length < r.length || !c.subarray(0, r.length).equals(r)) return false;
  return c.length === r.length || c[r.length] === SLASH;
}

/** The absolute path (as bytes) of `relPath` below `root`. Pure: does not look at the disk. */
export function resolveInsideBytes(root: string, relPath: RelPathInput): Buffer {
  return joinUnder(root, parseRelPath(relPath));
}

/**
 * The absolute path (as a string) of `relPath` below `root`. Pure. Throws PATH_NOT_UTF8 when the
 * path's bytes are not UTF-8: such a path cannot be passed to a program as an argument (Node
 * encodes arguments as UTF-8); use `resolveInsideBytes` for file system calls instead.
 */
export function resolveInside(root: string, relPath: RelPathInput): string {
  const bytes = resolveInsideBytes(root, relPath);
  if (!isUtf8(bytes)) {
    throw pathError('PATH_NOT_UTF8', 'This path contains bytes that are not UTF-8 text.');
  }
  return bytes.toString('utf8');
}

function errno(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Resolves `relPath` below `root` on the file system, following symlinks only while they stay
 * inside `root`'s real path. Components that do not exist yet (a restore destination to be
 * created) are appended as they are; a dangling symlink is refused, since creating through it
 * would write wherever it points. Throws PATH_OUTSIDE when anything resolves outside.
 * Returns the real path as bytes.
 */
export async function realpathInside(
  root: string,
  relPath: RelPathInput,
  opts: { mustExist?: boolean } = {},
): Promise<Buffer> {
  const segments = parseRelPath(relPath);
  let realRoot: Buffer;
  try {
    realRoot = await realpath(rootBytes(root), { encoding: 'buffer' });
  } catch (err) {
    throw new AppError('PATH_ROOT_MISSING', 'The root directory does not exist.', {
      status: 404,
      kind: 'input',
      cause: err,
    });
  }
  let cur = realRoot;
  for (let i = 0; i < segments.length; i++) {
    const next = joinUnder(cur, [segments[i]!]);
    let real: Buffer;
    try {
      real = await realpath(next, { encoding: 'buffer' });
    } catch (err) {
      const code = errno(err);
      if (code === 'ENOENT') {
        const dangling = await lstat(next).then(
          () => true,
          () => false,
        );
        if (dangling) {
          throw pathError('PATH_OUTSIDE', 'The path goes through a symlink that points nowhere.');
        }
        if (opts.mustExist) throw pathError('PATH_NOT_FOUND', 'The path does not exist.', 404);
        return joinUnder(cur, segments.slice(i));
      }
      if (code === 'ENOTDIR') {
        throw pathError('PATH_NOT_DIR', 'A part of the path is not a directory.');
      }
      if (code === 'ELOOP') throw pathError('PATH_OUTSIDE', 'The path has a symlink loop.');
      throw err;
    }
    if (!isInside(realRoot, real)) {
      throw pathError('PATH_OUTSIDE', 'The path resolves outside the allowed directory.');
    }
    cur = real;
  }
  return cur;
}

/**
 * Walks `relPath` below `root` with lstat and never follows a symlink: every parent must be a real
 * directory (PATH_SYMLINK if one is a symlink, PATH_NOT_DIR if it is something else), the final
 * component is returned as it is (it may itself be a symlink). For reading snapshots, where a
 * symlink may point anywhere on the box. Throws PATH_NOT_FOUND when a component is missing.
 */
export async function resolveNoFollow(
  root: string,
  relPath: RelPathInput,
): Promise<{ path: Buffer; segments: Buffer[]; stat: BigIntStats }> {
  const segments = parseRelPath(relPath);
  const base = rootBytes(root);
  let cur = base;
  let st: BigIntStats;
  try {
    st = await lstat(cur, { bigint: true });
  } catch (err) {
    throw new AppError('PATH_ROOT_MISSING', 'The snapshot directory does not exist.', {
      status: 404,
      kind: 'input',
      cause: err,
    });
  }
  if (!st.isDirectory()) throw pathError('PATH_NOT_DIR', 'The snapshot root is not a directory.');
  for (const seg of segments) {
    if (st.isSymbolicLink()) {
      throw pathError('PATH_SYMLINK', 'The path goes through a symlink, which is not followed.');
    }
    if (!st.isDirectory())
      throw pathError('PATH_NOT_DIR', 'A part of the path is not a directory.');
    cur = joinUnder(cur, [seg]);
    try {
      st = await lstat(cur, { bigint: true });
    } catch (err) {
      if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') {
        throw pathError('PATH_NOT_FOUND', 'The path does not exist in this snapshot.', 404);
      }
      throw err;
    }
  }
  return { path: cur, segments, stat: st };
}

/**
 * Where a restore may write: `relDest` below `destRoot`, after following symlinks that stay
 * inside. Returns the absolute destination as a string (for rsync's argument list). Throws
 * RESTORE_PATH_OUTSIDE for absolute paths, `..`, and symlinks leading out; PATH_NOT_UTF8 when the
 * path cannot be an argument; RESTORE_DEST_MISSING when destRoot does not exist.
 *
 * What this cannot prevent: a local user changing the destination between this check and the
 * copy. The caller copies without following symlinks inside the destination (no `--keep-dirlinks`)
 * and with `--` before operands.
 */
export async function checkRestoreDestination(
  destRoot: string,
  relDest: RelPathInput,
): Promise<string> {
  let real: Buffer;
  try {
    real = await realpathInside(destRoot, relDest);
  } catch (err) {
    if (err instanceof AppError) {
      if (err.code === 'PATH_OUTSIDE') {
        throw new AppError(
          'RESTORE_PATH_OUTSIDE',
          'The restore destination is outside the allowed directory.',
          {
            status: 400,
            kind: 'input',
            cause: err,
          },
        );
      }
      if (err.code === 'PATH_ROOT_MISSING') {
        throw new AppError(
          'RESTORE_DEST_MISSING',
          'The restore destination directory does not exist.',
          {
            status: 404,
            kind: 'input',
            cause: err,
          },
        );
      }
    }
    throw err;
  }
  if (!isUtf8(real)) {
    throw pathError(
      'PATH_NOT_UTF8',
      'The restore destination contains bytes that are not UTF-8 text.',
    );
  }
  return real.toString('utf8');
}
