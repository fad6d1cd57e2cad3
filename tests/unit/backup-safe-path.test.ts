import { describe, it, expect } from 'vitest';
import {
  MAX_NAME_BYTES,
  MAX_PATH_BYTES,
  decodeRaw,
  describeBytes,
  isInside,
  joinSegments,
  parseRelPath,
  resolveInside,
  resolveInsideBytes,
} from '../../src/backup/safe-path.js';
import { AppError } from '../../src/core/errors.js';
import {
  boundWarnings,
  compareSnapshotNames,
  MAX_MANIFEST_WARNINGS,
  newSnapshotName,
  snapshotPaths,
} from '../../src/backup/snapshots.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof AppError ? err.code : `not an AppError: ${String(err)}`;
  }
}

const root = '/mnt/t/caretaker/job/2026-11-26T221500Z/data';

describe('parseRelPath and resolveInside', () => {
  it('accepts ordinary relative paths and normalizes empty and "." segments', () => {
    expect(resolveInside(root, '')).toBe(root);
    expect(resolveInside(root, '.')).toBe(root);
    expect(resolveInside(root, 'a/b.txt')).toBe(`${root}/a/b.txt`);
    expect(resolveInside(root, 'a//./b/')).toBe(`${root}/a/b`);
    expect(resolveInside('/', 'etc')).toBe('/etc');
    expect(resolveInside(`${root}///`, 'x')).toBe(`${root}/x`);
  });

  it.each([
    ['..', 'PATH_OUTSIDE'],
    ['../', 'PATH_OUTSIDE'],
    ['../etc/passwd', 'PATH_OUTSIDE'],
    ['a/../../b', 'PATH_OUTSIDE'],
    ['a/..', 'PATH_OUTSIDE'],
    ['a/b/../c', 'PATH_OUTSIDE'],
    ['/etc/passwd', 'PATH_OUTSIDE'],
    ['//etc', 'PATH_OUTSIDE'],
    ['a\u0000b', 'PATH_INVALID'],
    ['\u0000', 'PATH_INVALID'],
  ])('refuses %j with %s', (input, code) => {
    expect(codeOf(() => parseRelPath(input))).toBe(code);
    expect(codeOf(() => resolveInside(root, input))).toBe(code);
  });

  it('takes nothing as an escape sequence: percent-encoding and backslashes are literal names', () => {
    expect(resolveInside(root, '%2e%2e/%2e%2e/etc')).toBe(`${root}/%2e%2e/%2e%2e/etc`);
    expect(resolveInside(root, '..\\..\\etc')).toBe(`${root}/..\\..\\etc`);
    expect(resolveInside(root, '...')).toBe(`${root}/...`);
    expect(resolveInside(root, '.. ')).toBe(`${root}/.. `);
    expect(resolveInside(root, '．．/x')).toBe(`${root}/．．/x`); // fullwidth dots
    for (const p of ['%2e%2e/%2e%2e/etc', '..\\..\\etc', '．．/x']) {
      expect(isInside(root, resolveInside(root, p))).toBe(true);
    }
  });

  it('keeps odd but legal names: newlines, leading dashes, spaces, shell metacharacters', () => {
    for (const name of [
      'a\nb',
      '-rf',
      '--delete',
      ' spaced name ',
      '$(touch x);`id`|>y',
      'ü.txt',
    ]) {
      expect(resolveInside(root, `dir/${name}`)).toBe(`${root}/dir/${name}`);
    }
  });

  it('refuses paths and names that are too long', () => {
    expect(codeOf(() => parseRelPath('a'.repeat(MAX_NAME_BYTES)))).toBeUndefined();
    expect(codeOf(() => parseRelPath('a'.repeat(MAX_NAME_BYTES + 1)))).toBe('PATH_INVALID');
    // 255 one-byte names fit; the total still has a limit.
    expect(codeOf(() => parseRelPath('a/'.repeat(2000)))).toBeUndefined();
    expect(codeOf(() => parseRelPath('a/'.repeat(MAX_PATH_BYTES)))).toBe('PATH_INVALID');
    // Multi-byte characters count in bytes: 128 × 2-byte "é" is 256 bytes.
    expect(codeOf(() => parseRelPath('é'.repeat(128)))).toBe('PATH_INVALID');
    expect(codeOf(() => parseRelPath('x'.repeat(1_000_000)))).toBe('PATH_INVALID');
  });

  it('refuses values that are neither a string nor { raw }', () => {
    for (const bad of [undefined, null, 42, {}, { raw: 5 }, ['a']]) {
      expect(codeOf(() => parseRelPath(bad as never))).toBe('PATH_INVALID');
    }
  });
});

describe('non-UTF-8 names: { raw: base64 }', () => {
  const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9]); // "café" in Latin-1

  it('describes bytes as text, adding raw only when they are not UTF-8', () => {
    expect(describeBytes(Buffer.from('café'))).toEqual({ text: 'café' });
    const d = describeBytes(latin1);
    expect(d.text).toBe('caf\uFFFD');
    expect(d.raw).toBe(latin1.toString('base64'));
  });

  it('addresses a path by its bytes, in either base64 alphabet', () => {
    const rel = Buffer.concat([Buffer.from('dir/'), latin1]);
    const expected = Buffer.concat([Buffer.from(`${root}/`), rel]);
    expect(resolveInsideBytes(root, { raw: rel.toString('base64') }).equals(expected)).toBe(true);
    expect(resolveInsideBytes(root, { raw: rel.toString('base64url') }).equals(expected)).toBe(
      true,
    );
    // The string form cannot carry those bytes to a program's argument list.
    expect(codeOf(() => resolveInside(root, { raw: rel.toString('base64') }))).toBe(
      'PATH_NOT_UTF8',
    );
  });

  it('applies the same rules to raw paths', () => {
    const raw = (s: string | Buffer) => ({ raw: Buffer.from(s).toString('base64') });
    expect(codeOf(() => parseRelPath(raw('../x')))).toBe('PATH_OUTSIDE');
    expect(codeOf(() => parseRelPath(raw('/etc')))).toBe('PATH_OUTSIDE');
    expect(codeOf(() => parseRelPath(raw(Buffer.from([0x61, 0x00, 0x62]))))).toBe('PATH_INVALID');
    expect(
      codeOf(() => parseRelPath(raw(Buffer.concat([Buffer.from('a/'), Buffer.from('..')])))),
    ).toBe('PATH_OUTSIDE');
  });

  it('refuses text that is not canonical base64', () => {
    for (const bad of ['not base64!', 'Zm9v\n', '%2e%2e', 'Zm9v===', 'Zm9=v']) {
      expect(codeOf(() => decodeRaw(bad))).toBe('PATH_INVALID');
    }
    expect(decodeRaw('Zm9v').toString()).toBe('foo');
    expect(decodeRaw('').length).toBe(0);
  });

  it('round-trips segments through joinSegments', () => {
    const segs = parseRelPath({
      raw: Buffer.concat([latin1, Buffer.from('/x')]).toString('base64'),
    });
    expect(segs).toHaveLength(2);
    expect(joinSegments(segs).equals(Buffer.concat([latin1, Buffer.from('/x')]))).toBe(true);
  });
});

describe('isInside', () => {
  it('compares whole path components', () => {
    expect(isInside('/a/b', '/a/b')).toBe(true);
    expect(isInside('/a/b', '/a/b/c')).toBe(true);
    expect(isInside('/a/b/', '/a/b/c')).toBe(true);
    expect(isInside('/a/b', '/a/bc')).toBe(false);
    expect(isInside('/a/b', '/a')).toBe(false);
    expect(isInside('/', '/anything')).toBe(true);
  });
});

describe('snapshot names (pure)', () => {
  const t = Date.UTC(2026, 10, 26, 22, 15, 0, 742);

  it('names a run by its UTC start second, without colons, with a suffix when taken', () => {
    expect(newSnapshotName(t)).toBe('2026-11-26T221500Z');
    expect(newSnapshotName(t, ['2026-11-26T221500Z'])).toBe('2026-11-26T221500Z-2');
    expect(newSnapshotName(t, ['2026-11-26T221500Z', '2026-11-26T221500Z-2'])).toBe(
      '2026-11-26T221500Z-3',
    );
    expect(codeOf(() => newSnapshotName(Number.NaN))).toBe('SNAPSHOT_TIME_INVALID');
  });

  it('sorts by time, then by suffix number', () => {
    const names = [
      '2026-11-26T221500Z-10',
      '2026-11-27T000000Z',
      '2026-11-26T221500Z-2',
      '2026-11-26T221500Z',
    ];
    expect([...names].sort(compareSnapshotNames)).toEqual([
      '2026-11-26T221500Z',
      '2026-11-26T221500Z-2',
      '2026-11-26T221500Z-10',
      '2026-11-27T000000Z',
    ]);
  });

  it('refuses job ids and names that could leave the job directory', () => {
    expect(codeOf(() => snapshotPaths('/t', '../x', '2026-11-26T221500Z'))).toBe(
      'BACKUP_JOB_ID_INVALID',
    );
    expect(codeOf(() => snapshotPaths('/t', 'job', '../2026-11-26T221500Z'))).toBe(
      'SNAPSHOT_NAME_INVALID',
    );
    expect(codeOf(() => snapshotPaths('/t', 'job', '2026-11-26T221500Z.partial'))).toBe(
      'SNAPSHOT_NAME_INVALID',
    );
    expect(snapshotPaths('/t', 'job', '2026-11-26T221500Z')).toMatchObject({
      dir: '/t/caretaker/job/2026-11-26T221500Z',
      dataDir: '/t/caretaker/job/2026-11-26T221500Z/data',
      partialDir: '/t/caretaker/job/2026-11-26T221500Z.partial',
    });
  });

  it('bounds warnings', () => {
    const many = Array.from({ length: MAX_MANIFEST_WARNINGS + 50 }, (_, i) => `w${i}`);
    const b = boundWarnings(many);
    expect(b).toHaveLength(MAX_MANIFEST_WARNINGS + 1);
    expect(b.at(-1)).toContain('50 more');
    expect(boundWarnings(['x'.repeat(5000)])[0]!.length).toBeLessThanOrEqual(1000);
  });
});
