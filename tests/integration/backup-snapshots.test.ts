/**
 * Snapshot layout, lifecycle and browsing on a real file system (temporary directories): crash
 * leftovers are never complete, deletes never leave a half snapshot that looks whole, and nothing
 * outside a snapshot can be read or outside a destination written.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import {
  link,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  beginSnapshot,
  completeSnapshot,
  deleteSnapshot,
  getSnapshot,
  incompleteSnapshots,
  latestComplete,
  listSnapshots,
  measureSnapshot,
  recordVerification,
  removeIncomplete,
  snapshotPaths,
  type PartialSnapshot,
  type SnapshotManifestInput,
} from '../../src/backup/snapshots.js';
import {
  listDir,
  openForDownload,
  resolveForRestore,
  searchName,
  statFile,
  versionsOf,
} from '../../src/backup/snapshot-browse.js';
import { checkRestoreDestination, realpathInside } from '../../src/backup/safe-path.js';
import { AppError } from '../../src/core/errors.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 20, 22, 15, 0);
const tmpDirs: string[] = [];

async function tempDir(prefix: string): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), `caretaker-${prefix}-`));
  tmpDirs.push(d);
  return d;
}

afterAll(async () => {
  for (const d of tmpDirs) await rm(d, { recursive: true, force: true });
});

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return err instanceof AppError ? err.code : `not an AppError: ${String(err)}`;
  }
}

function manifestFor(
  p: PartialSnapshot,
  over: Partial<SnapshotManifestInput> = {},
): SnapshotManifestInput {
  return {
    runId: `run-${p.name}`,
    startedAt: new Date(T0).toISOString(),
    completedAt: new Date(T0 + 1000).toISOString(),
    durationMs: 1000,
    rsyncExitCode: 0,
    warnings: [],
    stats: {
      files: 0,
      regularFilesTransferred: 0,
      bytesTransferred: 0,
      totalSize: 0,
      bytesOnDisk: 0,
    },
    sources: ['/srv/share/'],
    ...over,
  };
}

/** A complete snapshot whose data is made by `fill`. */
async function makeSnapshot(
  target: string,
  jobId: string,
  nowMs: number,
  fill: (dataDir: string) => Promise<void>,
) {
  const p = await beginSnapshot(target, jobId, nowMs);
  await fill(p.dataDir);
  return completeSnapshot(p, manifestFor(p));
}

describe('snapshot lifecycle', () => {
  let target: string;
  beforeAll(async () => {
    target = await tempDir('lifecycle');
  });

  it('a run becomes a listed snapshot only when completed', async () => {
    const p = await beginSnapshot(target, 'jobA', T0);
    expect(p.name).toBe('2026-11-20T221500Z');
    expect(p.partialDir).toBe(path.join(target, 'caretaker', 'jobA', '2026-11-20T221500Z.partial'));
    expect((await stat(path.join(target, 'caretaker', 'jobA'))).mode & 0o777).toBe(0o700);
    await writeFile(path.join(p.dataDir, 'f.txt'), 'hello');
    expect(await listSnapshots(target, 'jobA')).toEqual([]);
    expect(await latestComplete(target, 'jobA')).toBeUndefined();
    expect((await incompleteSnapshots(target, 'jobA')).map((i) => i.kind)).toEqual(['partial']);

    const done = await completeSnapshot(p, manifestFor(p, { warnings: ['file vanished: x'] }));
    expect(done.dir).toBe(snapshotPaths(target, 'jobA', p.name).dir);
    const list = await listSnapshots(target, 'jobA');
    expect(list.map((s) => s.name)).toEqual([p.name]);
    expect(list[0]!.manifest).toMatchObject({
      version: 1,
      jobId: 'jobA',
      name: p.name,
      warnings: ['file vanished: x'],
    });
    expect(await readFile(path.join(list[0]!.dataDir, 'f.txt'), 'utf8')).toBe('hello');
    expect(await incompleteSnapshots(target, 'jobA')).toEqual([]);
    // No temporary manifest is left behind.
    expect((await readdir(done.dir)).sort()).toEqual(['data', 'manifest.json']);
  });

  it('gives a second run in the same second a suffixed name and sorts -10 after -2', async () => {
    const names: string[] = [];
    for (let i = 0; i < 11; i++)
      names.push((await makeSnapshot(target, 'jobB', T0, async () => {})).name);
    expect(names[1]).toBe('2026-11-20T221500Z-2');
    expect((await listSnapshots(target, 'jobB')).map((s) => s.name)).toEqual(names);
    expect((await latestComplete(target, 'jobB'))!.name).toBe('2026-11-20T221500Z-11');
  });

  it('a crashed run (left .partial) is never listed and is removed by the next run', async () => {
    const good = await makeSnapshot(target, 'jobC', T0, async (d) =>
      writeFile(path.join(d, 'a'), 'a'),
    );
    const crashed = await beginSnapshot(target, 'jobC', T0 + DAY);
    await writeFile(path.join(crashed.dataDir, 'half'), 'half written');
    // A crash between writing the temporary manifest and renaming it.
    await writeFile(path.join(crashed.partialDir, '.manifest.json.tmp-1-abc'), '{"version":1');
    expect((await listSnapshots(target, 'jobC')).map((s) => s.name)).toEqual([good.name]);
    expect((await latestComplete(target, 'jobC'))!.name).toBe(good.name);

    const removed = await removeIncomplete(target, 'jobC');
    expect(removed).toEqual([`${crashed.name}.partial`]);
    expect(await readdir(path.join(target, 'caretaker', 'jobC'))).toEqual([good.name]);
    expect((await listSnapshots(target, 'jobC')).map((s) => s.name)).toEqual([good.name]);
  });

  it('a crash after the manifest was written but before the final rename is still incomplete', async () => {
    const p = await beginSnapshot(target, 'jobD', T0);
    const m = { ...manifestFor(p), version: 1, jobId: 'jobD', name: p.name };
    await writeFile(path.join(p.partialDir, 'manifest.json'), JSON.stringify(m));
    expect(await listSnapshots(target, 'jobD')).toEqual([]);
    // Resuming takes the directory over under a new name and drops the stale manifest.
    const resumed = await beginSnapshot(target, 'jobD', T0 + 60_000, { resume: true });
    expect(resumed.resumed).toBe(true);
    expect(resumed.name).toBe('2026-11-20T221600Z');
    expect(await readdir(resumed.partialDir)).toEqual(['data']);
    expect((await readdir(path.join(target, 'caretaker', 'jobD'))).sort()).toEqual([
      `${resumed.name}.partial`,
    ]);
    await completeSnapshot(resumed, manifestFor(resumed));
    expect((await listSnapshots(target, 'jobD')).map((s) => s.name)).toEqual([resumed.name]);
  });

  it('a plain-named directory without a valid manifest is not complete and is never removed', async () => {
    const jobDir = path.join(target, 'caretaker', 'jobE');
    const cases: Record<string, string | undefined> = {
      '2026-11-20T000000Z': undefined, // no manifest at all
      '2026-11-20T000001Z': '{"version":1', // torn write
      '2026-11-20T000002Z': JSON.stringify({ version: 2 }), // unknown format
    };
    for (const [name, body] of Object.entries(cases)) {
      await mkdir(path.join(jobDir, name, 'data'), { recursive: true });
      if (body !== undefined) await writeFile(path.join(jobDir, name, 'manifest.json'), body);
    }
    // Only a temporary manifest, as if the crash came before the rename inside the directory.
    await writeFile(path.join(jobDir, '2026-11-20T000000Z', '.manifest.json.tmp-9-x'), '{}');
    // A manifest copied from another snapshot does not make this one complete.
    const other = await makeSnapshot(target, 'jobE', T0, async () => {});
    await mkdir(path.join(jobDir, '2026-11-20T000003Z', 'data'), { recursive: true });
    await writeFile(
      path.join(jobDir, '2026-11-20T000003Z', 'manifest.json'),
      await readFile(path.join(other.dir, 'manifest.json')),
    );
    // A symlinked "snapshot" pointing elsewhere is not listed either.
    await symlink(other.dir, path.join(jobDir, '2026-11-20T000004Z'));

    expect((await listSnapshots(target, 'jobE')).map((s) => s.name)).toEqual([other.name]);
    const inc = await incompleteSnapshots(target, 'jobE');
    expect(inc.map((i) => [i.name, i.kind])).toEqual([
      ['2026-11-20T000000Z', 'invalid'],
      ['2026-11-20T000001Z', 'invalid'],
      ['2026-11-20T000002Z', 'invalid'],
      ['2026-11-20T000003Z', 'invalid'],
      ['2026-11-20T000004Z', 'invalid'],
    ]);
    expect(await removeIncomplete(target, 'jobE')).toEqual([]);
    expect((await readdir(jobDir)).length).toBe(6);
  });

  it('deletes through .deleting, and a crash midway leaves nothing that looks complete', async () => {
    const a = await makeSnapshot(target, 'jobF', T0, async (d) =>
      writeFile(path.join(d, 'x'), 'x'),
    );
    const b = await makeSnapshot(target, 'jobF', T0 + DAY, async (d) => {
      await mkdir(path.join(d, 'ro'));
      await writeFile(path.join(d, 'ro', 'y'), 'y');
    });
    await deleteSnapshot(target, 'jobF', a.name);
    expect((await listSnapshots(target, 'jobF')).map((s) => s.name)).toEqual([b.name]);
    expect(await readdir(path.join(target, 'caretaker', 'jobF'))).toEqual([b.name]);
    expect(await codeOf(deleteSnapshot(target, 'jobF', a.name))).toBe('SNAPSHOT_NOT_FOUND');
    expect(await codeOf(deleteSnapshot(target, 'jobF', '../jobA'))).toBe('SNAPSHOT_NAME_INVALID');

    // Simulate a crash right after the rename: the half-deleted directory is not complete.
    const paths = snapshotPaths(target, 'jobF', b.name);
    await rename(paths.dir, paths.deletingDir);
    await rm(path.join(paths.deletingDir, 'manifest.json'));
    expect(await listSnapshots(target, 'jobF')).toEqual([]);
    expect((await incompleteSnapshots(target, 'jobF')).map((i) => i.kind)).toEqual(['deleting']);
    expect(await removeIncomplete(target, 'jobF')).toEqual([`${b.name}.deleting`]);
    expect(await readdir(path.join(target, 'caretaker', 'jobF'))).toEqual([]);
  });

  it('keeps the run in progress when asked', async () => {
    const p = await beginSnapshot(target, 'jobG', T0);
    expect(await removeIncomplete(target, 'jobG', { keep: [p.name] })).toEqual([]);
    expect(await readdir(path.join(target, 'caretaker', 'jobG'))).toEqual([`${p.name}.partial`]);
  });

  it('refuses a manifest that would not read back, before touching the directory', async () => {
    const p = await beginSnapshot(target, 'jobH', T0);
    const bad = manifestFor(p, { durationMs: -1 });
    expect(await codeOf(completeSnapshot(p, bad))).toBe('SNAPSHOT_MANIFEST_INVALID');
    expect(await readdir(p.partialDir)).toEqual(['data']);
    expect(await listSnapshots(target, 'jobH')).toEqual([]);
  });

  it('records a verification result atomically in a complete manifest', async () => {
    const s = await makeSnapshot(target, 'jobI', T0, async () => {});
    const v = {
      checkedAt: new Date(T0 + DAY).toISOString(),
      method: 'checksum-sample' as const,
      sampled: 10,
      mismatches: 0,
      mismatchedPaths: [],
      ok: true,
    };
    await recordVerification(target, 'jobI', s.name, v);
    expect((await getSnapshot(target, 'jobI', s.name))!.manifest.verification).toEqual(v);
    expect((await readdir(s.dir)).sort()).toEqual(['data', 'manifest.json']);
  });
});

describe('measureSnapshot', () => {
  it('counts only the inodes a snapshot added as its disk use', async () => {
    const target = await tempDir('measure');
    const big = Buffer.alloc(256 * 1024, 7);
    const first = await makeSnapshot(target, 'job', T0, async (d) => {
      await mkdir(path.join(d, 'sub'));
      await writeFile(path.join(d, 'sub', 'big.bin'), big);
      await writeFile(path.join(d, 'small.txt'), 'small');
      await symlink('/etc/passwd', path.join(d, 'link'));
    });
    const firstData = snapshotPaths(target, 'job', first.name).dataDir;
    const firstAlone = await measureSnapshot(firstData);
    expect(firstAlone.bytesOnDisk).toBe(firstAlone.allocatedBytes);
    expect(firstAlone.bytesOnDisk).toBeGreaterThanOrEqual(big.length);

    const second = await makeSnapshot(target, 'job', T0 + DAY, async (d) => {
      await mkdir(path.join(d, 'sub'));
      await link(path.join(firstData, 'sub', 'big.bin'), path.join(d, 'sub', 'big.bin'));
      await writeFile(path.join(d, 'small.txt'), 'changed');
      await symlink('/etc/passwd', path.join(d, 'link'));
      // Hard links inside the tree itself (rsync -H) are this snapshot's own, counted once.
      await writeFile(path.join(d, 'twin-a'), big);
      await link(path.join(d, 'twin-a'), path.join(d, 'twin-b'));
    });
    const secondData = snapshotPaths(target, 'job', second.name).dataDir;

    const vsPrevious = await measureSnapshot(secondData, firstData);
    const alone = await measureSnapshot(secondData);
    expect(vsPrevious).toMatchObject({ files: 4, dirs: 2, symlinks: 1, sharedFiles: 1 });
    expect(vsPrevious.totalSize).toBe(3 * big.length + 7);
    expect(vsPrevious.allocatedBytes - vsPrevious.bytesOnDisk).toBeGreaterThanOrEqual(big.length);
    expect(vsPrevious.bytesOnDisk).toBeGreaterThanOrEqual(big.length);
    expect(vsPrevious.bytesOnDisk).toBeLessThan(2 * big.length);
    // Right after the run both senses agree.
    expect(alone.bytesOnDisk).toBe(vsPrevious.bytesOnDisk);
    // Once the second snapshot shares big.bin, the first one alone no longer owns it.
    expect((await measureSnapshot(firstData)).bytesOnDisk).toBeLessThan(big.length);
  });

  it.skipIf(spawnSync('rsync', ['--version']).status !== 0)(
    'agrees with what real rsync --link-dest shares',
    async () => {
      const target = await tempDir('measure-rsync');
      const source = await tempDir('measure-src');
      await mkdir(path.join(source, 'd'));
      for (let i = 0; i < 20; i++)
        await writeFile(path.join(source, 'd', `f${i}`), Buffer.alloc(8192, i));
      const rsync = (dataDir: string, linkDest?: string) => {
        const args = [
          '-a',
          ...(linkDest ? [`--link-dest=${linkDest}`] : []),
          '--',
          `${source}/`,
          `${dataDir}/`,
        ];
        expect(spawnSync('rsync', args).status).toBe(0);
      };
      const a = await beginSnapshot(target, 'job', T0);
      rsync(a.dataDir);
      const first = await completeSnapshot(a, manifestFor(a));
      // Same size: a different mtime is what rsync's quick check notices.
      await writeFile(path.join(source, 'd', 'f3'), Buffer.alloc(8192, 99));
      await utimes(path.join(source, 'd', 'f3'), new Date(T0), new Date(T0));
      const b = await beginSnapshot(target, 'job', T0 + DAY);
      const prev = (await latestComplete(target, 'job'))!;
      expect(prev.name).toBe(first.name);
      rsync(b.dataDir, prev.dataDir);
      const m = await measureSnapshot(b.dataDir, prev.dataDir);
      expect(m.files).toBe(20);
      expect(m.sharedFiles).toBe(19);
      expect(m.bytesOnDisk).toBeGreaterThanOrEqual(8192);
      expect(m.bytesOnDisk).toBeLessThan(3 * 8192);
    },
  );
});

describe('browsing a snapshot', () => {
  let target: string;
  let dataDir: string;
  const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x74, 0x78, 0x74]); // "café.txt" in Latin-1

  beforeAll(async () => {
    target = await tempDir('browse');
    const snap = await makeSnapshot(target, 'job', T0, async (d) => {
      await mkdir(path.join(d, 'docs', 'deep'), { recursive: true });
      for (let i = 1; i <= 25; i++) await writeFile(path.join(d, 'docs', `file${i}.txt`), `n${i}`);
      for (const n of ['b-dir', 'A-dir', 'c-dir']) await mkdir(path.join(d, 'docs', n));
      await writeFile(path.join(d, 'docs', 'deep', 'secret.txt'), 'deep');
      await symlink('/etc/passwd', path.join(d, 'passwd-link'));
      await symlink('/etc', path.join(d, 'etc-link'));
      await symlink('docs', path.join(d, 'docs-link'));
      for (const odd of ['with space.txt', 'new\nline.txt', '-rf', '$(touch pwned).txt']) {
        await writeFile(path.join(d, odd), odd);
      }
      await writeFile(Buffer.concat([Buffer.from(path.join(d, 'docs') + '/'), latin1]), 'latin');
    });
    dataDir = snap.dir + '/data';
  });

  it('pages a folder: directories first, then names in natural order', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await listDir(dataDir, 'docs', { limit: 7, ...(after ? { after } : {}) });
      expect(page.total).toBe(30);
      expect(page.entries.length).toBeLessThanOrEqual(7);
      seen.push(...page.entries.map((e) => e.name));
      after = page.nextAfter;
      pages++;
    } while (after);
    expect(pages).toBe(5);
    expect(seen.slice(0, 5)).toEqual(['A-dir', 'b-dir', 'c-dir', 'deep', 'caf\uFFFD.txt']);
    expect(seen.slice(5, 8)).toEqual(['file1.txt', 'file2.txt', 'file3.txt']);
    expect(seen.at(-1)).toBe('file25.txt');
    expect(new Set(seen).size).toBe(30);
    expect(await codeOf(listDir(dataDir, 'docs', { after: 'garbage' }))).toBe('CURSOR_INVALID');
  });

  it('reports entries with type, size, mode and path', async () => {
    const page = await listDir(dataDir, '', { limit: 100 });
    const byName = new Map(page.entries.map((e) => [e.name, e]));
    expect(byName.get('docs')).toMatchObject({ type: 'dir', path: 'docs' });
    expect(byName.get('with space.txt')).toMatchObject({
      type: 'file',
      size: 14,
      path: 'with space.txt',
    });
    expect(byName.get('new\nline.txt')).toMatchObject({ type: 'file', path: 'new\nline.txt' });
    expect(byName.get('-rf')).toMatchObject({ type: 'file', size: 3 });
    expect(byName.get('$(touch pwned).txt')?.type).toBe('file');
    const f = await statFile(dataDir, 'docs/file1.txt');
    expect(f).toMatchObject({ name: 'file1.txt', path: 'docs/file1.txt', type: 'file', size: 2 });
    expect(typeof f.mode).toBe('number');
    expect(Number.isNaN(Date.parse(f.mtime))).toBe(false);
  });

  it('lists symlinks with their target text and never follows them', async () => {
    const page = await listDir(dataDir, '', { limit: 100 });
    const link = page.entries.find((e) => e.name === 'passwd-link')!;
    expect(link).toMatchObject({ type: 'symlink', linkTarget: '/etc/passwd' });
    expect(page.entries.find((e) => e.name === 'etc-link')).toMatchObject({
      type: 'symlink',
      linkTarget: '/etc',
    });
    expect(await codeOf(openForDownload(dataDir, 'passwd-link'))).toBe('NOT_A_REGULAR_FILE');
    expect(await codeOf(listDir(dataDir, 'etc-link'))).toBe('PATH_SYMLINK');
    expect(await codeOf(listDir(dataDir, 'etc-link/'))).toBe('PATH_SYMLINK');
    expect(await codeOf(openForDownload(dataDir, 'etc-link/passwd'))).toBe('PATH_SYMLINK');
    expect(await codeOf(statFile(dataDir, 'etc-link/passwd'))).toBe('PATH_SYMLINK');
    // Even a symlink that stays inside the snapshot is not followed.
    expect(await codeOf(listDir(dataDir, 'docs-link'))).toBe('PATH_SYMLINK');
    expect(await codeOf(openForDownload(dataDir, 'docs-link/file1.txt'))).toBe('PATH_SYMLINK');
    expect((await resolveForRestore(dataDir, 'passwd-link')).type).toBe('symlink');
  });

  it('refuses traversal and other non-files', async () => {
    for (const p of ['..', '../..', 'docs/../../manifest.json', '/etc/passwd', 'docs/../..']) {
      expect(await codeOf(openForDownload(dataDir, p))).toBe('PATH_OUTSIDE');
      expect(await codeOf(listDir(dataDir, p))).toBe('PATH_OUTSIDE');
    }
    expect(await codeOf(openForDownload(dataDir, 'docs'))).toBe('NOT_A_REGULAR_FILE');
    expect(await codeOf(openForDownload(dataDir, ''))).toBe('NOT_A_REGULAR_FILE');
    expect(await codeOf(openForDownload(dataDir, 'nope.txt'))).toBe('PATH_NOT_FOUND');
    expect(await codeOf(listDir(dataDir, 'docs/file1.txt'))).toBe('PATH_NOT_DIR');
    expect(await codeOf(openForDownload(dataDir, 'docs/file1.txt/x'))).toBe('PATH_NOT_DIR');
  });

  it('refuses a FIFO without hanging', async () => {
    const mkfifo = spawnSync('mkfifo', [path.join(dataDir, 'pipe')]);
    if (mkfifo.status !== 0) return;
    expect(await codeOf(openForDownload(dataDir, 'pipe'))).toBe('NOT_A_REGULAR_FILE');
    expect((await statFile(dataDir, 'pipe')).type).toBe('other');
    await rm(path.join(dataDir, 'pipe'));
  });

  it('downloads regular files, odd names included', async () => {
    for (const name of ['with space.txt', 'new\nline.txt', '-rf', '$(touch pwned).txt']) {
      const d = await openForDownload(dataDir, name);
      const chunks: Buffer[] = [];
      for await (const c of d.stream) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe(name);
      expect(d).toMatchObject({ name, size: Buffer.byteLength(name) });
    }
  });

  it('returns non-UTF-8 names with raw bytes and accepts them back', async () => {
    const page = await listDir(dataDir, 'docs', { limit: 100 });
    const e = page.entries.find((x) => x.raw !== undefined)!;
    expect(e.name).toBe('caf\uFFFD.txt');
    expect(Buffer.from(e.raw!, 'base64').equals(latin1)).toBe(true);
    expect(
      Buffer.from(e.rawPath!, 'base64').equals(Buffer.concat([Buffer.from('docs/'), latin1])),
    ).toBe(true);
    // The lossy text does not address it; the raw path does.
    expect(await codeOf(openForDownload(dataDir, e.path))).toBe('PATH_NOT_FOUND');
    const d = await openForDownload(dataDir, { raw: e.rawPath! });
    const chunks: Buffer[] = [];
    for await (const c of d.stream) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('latin');
    expect(d.raw).toBe(e.raw);
    const r = await resolveForRestore(dataDir, { raw: e.rawPath! });
    expect(r.text).toBeUndefined();
    expect(r.type).toBe('file');
  });
});

describe('search and versions across snapshots', () => {
  let target: string;
  const names: string[] = [];

  beforeAll(async () => {
    target = await tempDir('versions');
    // Three runs; "report.pdf" is unchanged in the second (hard link, as --link-dest makes it) and
    // changed in the third; "old.txt" disappears in the third.
    let prevData: string | undefined;
    for (let i = 0; i < 3; i++) {
      const s = await makeSnapshot(target, 'job', T0 + i * DAY, async (d) => {
        await mkdir(path.join(d, 'Finance', 'Q4'), { recursive: true });
        const report = path.join(d, 'Finance', 'Q4', 'Report.PDF');
        if (i === 1 && prevData)
          await link(path.join(prevData, 'Finance', 'Q4', 'Report.PDF'), report);
        else await writeFile(report, `report v${i}`);
        if (i < 2) await writeFile(path.join(d, 'old.txt'), 'old');
        await symlink('/etc', path.join(d, 'report-etc'));
      });
      prevData = snapshotPaths(target, 'job', s.name).dataDir;
      names.push(s.name);
    }
  });

  it('finds names case-insensitively, newest snapshot first, without following symlinks', async () => {
    const r = await searchName(target, 'job', 'report');
    expect(r.truncated).toBe(false);
    const files = r.matches.filter((m) => m.type === 'file');
    expect(files.map((m) => m.snapshot)).toEqual([...names].reverse());
    expect(files.every((m) => m.path === 'Finance/Q4/Report.PDF')).toBe(true);
    expect(r.matches.filter((m) => m.type === 'symlink')).toHaveLength(3);
    // Nothing under /etc was reached through the symlink.
    expect(r.matches.every((m) => !m.path.startsWith('report-etc/'))).toBe(true);
    expect((await searchName(target, 'job', 'OLD.TXT')).matches.map((m) => m.snapshot)).toEqual(
      names.slice(0, 2).reverse(),
    );
  });

  it('stops at its bounds and says so', async () => {
    const r = await searchName(target, 'job', 'report', { limit: 2 });
    expect(r.matches).toHaveLength(2);
    expect(r.truncated).toBe(true);
    const s = await searchName(target, 'job', 'report', { maxScanned: 3 });
    expect(s.scanned).toBe(3);
    expect(s.truncated).toBe(true);
    expect(await codeOf(searchName(target, 'job', '   '))).toBe('SEARCH_PATTERN_INVALID');
    expect(await codeOf(searchName(target, 'job', 'x'.repeat(201)))).toBe('SEARCH_PATTERN_INVALID');
    expect(await codeOf(searchName(target, 'job', '../etc'))).toBe('SEARCH_PATTERN_INVALID');
  });

  it('shows the versions of one file with shared inodes', async () => {
    const v = await versionsOf(target, 'job', 'Finance/Q4/Report.PDF');
    expect(v.map((x) => [x.snapshot, x.exists, x.sameAsPrevious])).toEqual([
      [names[0], true, false],
      [names[1], true, true],
      [names[2], true, false],
    ]);
    expect(v[0]!.inode).toBe(v[1]!.inode);
    expect(v[2]!.inode).not.toBe(v[1]!.inode);
    expect(v[2]!.size).toBe('report v2'.length);

    const old = await versionsOf(target, 'job', 'old.txt');
    expect(old.map((x) => x.exists)).toEqual([true, true, false]);
    const through = await versionsOf(target, 'job', 'report-etc/passwd');
    expect(through.map((x) => x.exists)).toEqual([false, false, false]);
    expect(await codeOf(versionsOf(target, 'job', '../x'))).toBe('PATH_OUTSIDE');
  });
});

describe('restore destinations', () => {
  let dest: string;
  let outside: string;

  beforeAll(async () => {
    dest = await tempDir('dest');
    outside = await tempDir('outside');
    await mkdir(path.join(dest, 'share', 'docs'), { recursive: true });
    await symlink(outside, path.join(dest, 'share', 'escape'));
    await symlink(path.join(dest, 'share', 'docs'), path.join(dest, 'share', 'docs-alias'));
    await symlink(path.join(outside, 'missing', 'dir'), path.join(dest, 'share', 'dangling'));
    await writeFile(path.join(dest, 'share', 'file'), 'f');
  });

  it('resolves paths inside the destination, existing or not', async () => {
    expect(await checkRestoreDestination(dest, 'share/docs')).toBe(
      path.join(dest, 'share', 'docs'),
    );
    expect(await checkRestoreDestination(dest, 'share/new/dir')).toBe(
      path.join(dest, 'share', 'new', 'dir'),
    );
    expect(await checkRestoreDestination(dest, '')).toBe(dest);
    // A symlink that stays inside is followed to where it really points.
    expect(await checkRestoreDestination(dest, 'share/docs-alias/x')).toBe(
      path.join(dest, 'share', 'docs', 'x'),
    );
  });

  it('refuses anything that would write outside', async () => {
    for (const p of [
      '..',
      '../x',
      'share/../../x',
      '/etc',
      'share/escape',
      'share/escape/x',
      'share/dangling/x',
    ]) {
      expect(await codeOf(checkRestoreDestination(dest, p))).toBe('RESTORE_PATH_OUTSIDE');
    }
    expect(await codeOf(checkRestoreDestination(dest, 'a\u0000b'))).toBe('PATH_INVALID');
    expect(await codeOf(checkRestoreDestination(dest, 'share/file/x'))).toBe('PATH_NOT_DIR');
    expect(await codeOf(checkRestoreDestination(path.join(dest, 'nope'), 'x'))).toBe(
      'RESTORE_DEST_MISSING',
    );
    expect(
      await codeOf(
        checkRestoreDestination(dest, { raw: Buffer.from([0x61, 0xff]).toString('base64') }),
      ),
    ).toBe('PATH_NOT_UTF8');
    expect(await codeOf(realpathInside(dest, 'share/none', { mustExist: true }))).toBe(
      'PATH_NOT_FOUND',
    );
    // Nothing was created by the checks.
    expect((await readdir(outside)).length).toBe(0);
  });
});
