/**
 * SnapshotMeter against the real rsync: the figures it derives from rsync's itemized output (and,
 * with a previous snapshot, a readdir-only listing) must equal what a walk that stats every
 * entry finds (`measureSnapshot`), for a first snapshot and an incremental one, with hostile
 * names, symlinks, hard links, a FIFO, nested sources and an attribute-only change; and its
 * verification sample must be files of the snapshot, drawn from all of them.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import {
  chmodSync,
  linkSync,
  lstatSync,
  mkdirSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { buildRsyncArgs, runRsync } from '../../src/backup/rsync.js';
import { SnapshotMeter, type MeterOptions } from '../../src/backup/snapshot-meter.js';
import { measureSnapshot } from '../../src/backup/snapshots.js';
import { tempDir } from '../helpers/temp-dir.js';

const T0 = Date.UTC(2026, 0, 1) / 1000;

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('caretaker-meter-'));
});
afterAll(async () => {
  await cleanup();
});

/** Copies each source into `dataDir/<sub>` as the service does, metering as rsync goes. */
async function snapshot(
  dataDir: string,
  sources: Array<{ path: string; sub: string }>,
  opts: Omit<MeterOptions, 'dataDir'>,
) {
  const meter = new SnapshotMeter({ dataDir, ...opts });
  for (const s of sources) {
    const dest = path.join(dataDir, s.sub);
    mkdirSync(dest, { recursive: true });
    const r = await runRsync({
      args: buildRsyncArgs({
        sources: [{ kind: 'local', path: `${s.path}/` }],
        destination: `${dest}/`,
        ...(opts.previousDir ? { linkDest: path.join(opts.previousDir, s.sub) } : {}),
      }),
      signal: new AbortController().signal,
      timeoutMs: 60_000,
      onItemLine: meter.source(s.sub),
    });
    expect(r.exitCode).toBe(0);
  }
  return meter.finish();
}

function hostileTree(dir: string): void {
  mkdirSync(path.join(dir, 'docs', 'deep'), { recursive: true });
  mkdirSync(Buffer.from(`${dir}/dir with\nnewline`));
  writeFileSync(path.join(dir, 'docs', 'a.txt'), 'alpha\n');
  writeFileSync(path.join(dir, 'docs', 'deep', 'b.bin'), Buffer.alloc(70_000, 1));
  writeFileSync(Buffer.from(`${dir}/dir with\nnewline/inner`), 'inner');
  writeFileSync(Buffer.from(`${dir}/cr\rin name\r`), 'carriage return');
  writeFileSync(path.join(dir, 'back\\#012slash'), 'not an escape');
  writeFileSync(Buffer.from([...Buffer.from(`${dir}/bad`), 0xff, 0xfe]), 'latin');
  writeFileSync(path.join(dir, 'café.txt'), 'utf-8 name');
  writeFileSync(path.join(dir, 'twin-a'), Buffer.alloc(20_000, 2));
  linkSync(path.join(dir, 'twin-a'), path.join(dir, 'twin-b'));
  symlinkSync('docs/a.txt', path.join(dir, 'link'));
  spawnSync('mkfifo', [path.join(dir, 'fifo')]);
  for (let i = 0; i < 30; i++) writeFileSync(path.join(dir, 'docs', `n${i}`), `${i}`.repeat(i));
}

describe('SnapshotMeter', () => {
  for (const lag of [1, 4096]) {
    it(`equals a full walk, first and incremental snapshots (at most ${lag} waiting)`, async () => {
      const src = path.join(root, `src-${lag}`);
      const other = path.join(root, `other-${lag}`);
      mkdirSync(src);
      mkdirSync(other);
      hostileTree(src);
      writeFileSync(path.join(other, 'o.txt'), 'other source');
      const sources = [
        { path: src, sub: `srv/share-${lag}` },
        { path: other, sub: `home/other-${lag}` },
      ];
      const first = path.join(root, `snap1-${lag}`, 'data');
      const m1 = await snapshot(first, sources, { sample: 1000, fresh: true, maxLag: lag });
      const w1 = await measureSnapshot(first);
      expect(m1.listed).toBe(false);
      expect(m1.files).toBe(w1.files);
      expect(m1.bytesOnDisk).toBe(w1.bytesOnDisk);
      // A sample as big as the snapshot is every regular file, once.
      expect(m1.sample).toHaveLength(w1.files);
      expect(new Set(m1.sample.map((b) => b.toString('hex'))).size).toBe(w1.files);
      for (const rel of m1.sample)
        expect(lstatSync(Buffer.concat([Buffer.from(`${first}/`), rel])).isFile()).toBe(true);

      // Changes: content, a new file, a new directory, an attribute alone, a removed file.
      writeFileSync(path.join(src, 'docs', 'a.txt'), 'alpha, changed\n');
      utimesSync(path.join(src, 'docs', 'a.txt'), T0, T0);
      writeFileSync(path.join(src, 'docs', 'new.txt'), 'new\n');
      mkdirSync(path.join(src, 'added dir'));
      writeFileSync(path.join(src, 'added dir', 'x'), 'x');
      chmodSync(path.join(src, 'docs', 'n3'), 0o600);
      writeFileSync(Buffer.from(`${src}/dir with\nnewline/inner`), 'inner, changed');
      const second = path.join(root, `snap2-${lag}`, 'data');
      const m2 = await snapshot(second, sources, {
        previousDir: first,
        sample: 5,
        fresh: true,
        maxLag: lag,
      });
      const w2 = await measureSnapshot(second, first);
      expect(m2.listed).toBe(true);
      expect(m2.files).toBe(w2.files);
      expect(m2.bytesOnDisk).toBe(w2.bytesOnDisk);
      // Far less than the first one: the unchanged 70 kB and 20 kB files are shared.
      expect(m2.bytesOnDisk).toBeLessThan(w1.bytesOnDisk - 80_000);
      expect(m2.sample).toHaveLength(5);
      // Only what rsync itemized and the directories were stat'ed, not every entry.
      expect(m2.statted).toBeLessThan(w2.files + w2.dirs);
    });
  }

  it('a resumed directory is measured only after rsync, the same way', async () => {
    const src = path.join(root, 'src-resume');
    mkdirSync(src);
    hostileTree(src);
    const data = path.join(root, 'resume', 'data');
    const m = await snapshot(data, [{ path: src, sub: 'r' }], { sample: 3, fresh: false });
    const w = await measureSnapshot(data);
    expect(m.bytesOnDisk).toBe(w.bytesOnDisk);
    expect(m.files).toBe(w.files);
  });

  it('draws every file of a listed snapshot with the same chance', async () => {
    const src = path.join(root, 'src-sample');
    mkdirSync(path.join(src, 'a'), { recursive: true });
    mkdirSync(path.join(src, 'b'));
    const names: string[] = [];
    for (let i = 0; i < 40; i++) {
      const rel = `${i % 2 ? 'a' : 'b'}/f${i}`;
      writeFileSync(path.join(src, rel), `${i}`);
      names.push(`s/${rel}`);
    }
    const first = path.join(root, 'sample1', 'data');
    await snapshot(first, [{ path: src, sub: 's' }], { sample: 0, fresh: true });
    const second = path.join(root, 'sample2', 'data');
    const counts = new Map<string, number>(names.map((n) => [n, 0]));
    const meterRuns = 400;
    // One rsync run, metered many times over: only the listing and the draw repeat.
    await snapshot(second, [{ path: src, sub: 's' }], {
      previousDir: first,
      sample: 0,
      fresh: true,
    });
    for (let i = 0; i < meterRuns; i++) {
      const m = await new SnapshotMeter({
        dataDir: second,
        previousDir: first,
        sample: 4,
        fresh: true,
      }).finish();
      expect(m.sample).toHaveLength(4);
      expect(new Set(m.sample.map(String)).size).toBe(4);
      for (const rel of m.sample) counts.set(String(rel), counts.get(String(rel))! + 1);
    }
    // 400 × 4 draws over 40 files: 40 each on average; every file is drawn, none dominates.
    expect([...counts.keys()].sort()).toEqual([...names].sort());
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(10);
      expect(n).toBeLessThan(90);
    }
  });
});
