/**
 * The rsync adapter against the real rsync, between real temporary directories (local paths only,
 * no network): snapshots with --link-dest, hostile file names, partial transfers, abort, progress,
 * bandwidth limit and filters.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { randomBytes, createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  buildRsyncArgs,
  buildRsyncEnv,
  decodeRsyncName,
  runRsync,
  RsyncRunError,
  type RsyncItem,
  type RsyncOptions,
  type RsyncProgress,
  type RunRsyncOptions,
} from '../../src/backup/rsync.js';
import { AppError } from '../../src/core/errors.js';
import { tempDir } from '../helpers/temp-dir.js';

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('caretaker-rsync-'));
});
afterAll(async () => {
  await cleanup();
});

let seq = 0;
function fresh(name: string): string {
  const p = path.join(root, `${++seq}-${name}`);
  mkdirSync(p, { recursive: true });
  return p;
}

function run(
  opts: RsyncOptions,
  extra: Partial<RunRsyncOptions> = {},
): ReturnType<typeof runRsync> {
  return runRsync({
    args: buildRsyncArgs(opts),
    env: buildRsyncEnv(opts),
    signal: new AbortController().signal,
    timeoutMs: 60_000,
    ...extra,
  });
}

/** Every entry below `dir`, keyed by its relative path's raw bytes (hex), with what it holds. */
function snapshotOf(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (abs: Buffer, rel: Buffer) => {
    for (const name of readdirSync(abs, { encoding: 'buffer' })) {
      const a = Buffer.concat([abs, Buffer.from('/'), name]);
      const r = rel.length ? Buffer.concat([rel, Buffer.from('/'), name]) : name;
      const st = lstatSync(a);
      const key = r.toString('hex');
      if (st.isDirectory()) {
        out.set(key, `dir ${st.mode & 0o7777}`);
        walk(a, r);
      } else if (st.isSymbolicLink()) {
        out.set(key, `link ${readlinkSync(a, { encoding: 'buffer' }).toString('hex')}`);
      } else {
        const sum = createHash('sha256').update(readFileSync(a)).digest('hex');
        out.set(key, `file ${st.mode & 0o7777} ${st.mtimeMs} ${sum}`);
      }
    }
  };
  walk(Buffer.from(dir), Buffer.alloc(0));
  return out;
}

function pidsUsing(needle: string): number[] {
  const pids: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'latin1').includes(needle)) pids.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** True while `pid` exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('snapshots with --link-dest', () => {
  it('a full run, then an incremental one where only changed files get new inodes', async () => {
    const src = fresh('src');
    mkdirSync(`${src}/docs/deep`, { recursive: true });
    writeFileSync(`${src}/docs/a.txt`, 'alpha\n');
    writeFileSync(`${src}/docs/deep/b.bin`, randomBytes(200_000));
    writeFileSync(`${src}/c.txt`, 'gamma\n');
    writeFileSync(`${src}/same-size.txt`, 'xxxx');
    symlinkSync('docs/a.txt', `${src}/link`);
    const snaps = fresh('snaps');
    const s1 = `${snaps}/s1/`;
    const s2 = `${snaps}/s2/`;

    const full = await run({ sources: [{ kind: 'local', path: `${src}/` }], destination: s1 });
    expect(full.exitCode).toBe(0);
    expect(full.warnings).toBeUndefined();
    expect(full.stats).toMatchObject({
      regularFilesTransferred: 4,
      files: { regular: 4, dir: 3, link: 1 },
      // a symlink counts with the length of its target
      totalFileSize: 6 + 200_000 + 6 + 4 + 'docs/a.txt'.length,
    });
    expect(snapshotOf(s1)).toEqual(snapshotOf(src));

    writeFileSync(`${src}/c.txt`, 'gamma, changed\n');
    // same size, different content: rsync's quick check sees the newer mtime
    writeFileSync(`${src}/same-size.txt`, 'yyyy');
    utimesSync(`${src}/same-size.txt`, new Date(), new Date(Date.now() + 10_000));
    writeFileSync(`${src}/docs/new.txt`, 'new\n');
    const files: RsyncItem[] = [];
    const inc = await run(
      { sources: [{ kind: 'local', path: `${src}/` }], destination: s2, linkDest: `${snaps}/s1` },
      { onFile: (i) => files.push(i) },
    );
    expect(inc.exitCode).toBe(0);
    expect(inc.stats!.regularFilesTransferred).toBe(3);
    expect(inc.stats!.literalData).toBeLessThan(100);
    expect(
      files
        .filter((f) => f.type === 'file')
        .map((f) => f.name)
        .sort(),
    ).toEqual(['c.txt', 'docs/new.txt', 'same-size.txt']);
    expect(snapshotOf(s2)).toEqual(snapshotOf(src));

    const ino = (p: string) => lstatSync(p).ino;
    expect(ino(`${s2}docs/a.txt`)).toBe(ino(`${s1}docs/a.txt`));
    expect(ino(`${s2}docs/deep/b.bin`)).toBe(ino(`${s1}docs/deep/b.bin`));
    expect(lstatSync(`${s2}docs/deep/b.bin`).nlink).toBe(2);
    expect(ino(`${s2}c.txt`)).not.toBe(ino(`${s1}c.txt`));
    expect(ino(`${s2}same-size.txt`)).not.toBe(ino(`${s1}same-size.txt`));
    // the previous snapshot is untouched
    expect(readFileSync(`${s1}c.txt`, 'utf8')).toBe('gamma\n');
    expect(readFileSync(`${s1}same-size.txt`, 'utf8')).toBe('xxxx');
  });
});

describe('hostile file names', () => {
  it('copies every name byte for byte and never executes anything', async () => {
    const tag = randomBytes(6).toString('hex');
    const markers = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => `pwned-${tag}-${n}`);
    // The source directory's own name is hostile too.
    const src = fresh(`src $(touch ${markers[0]}) ; \`touch ${markers[1]}\``);
    const names: Array<string | Buffer> = [
      'with space.txt',
      'new\nline.txt',
      // A carriage return ends a progress line in rsync's output: in a name it must stay escaped.
      'carriage\rreturn\r\n.txt',
      '-rf',
      '--delete',
      `$(touch ${markers[2]})`,
      `; touch ${markers[3]} ;`,
      `\`touch ${markers[4]}\``,
      `x'; touch ${markers[5]}; '`,
      `a" && touch ${markers[6]} && "b`,
      'tab\there|pipe>redirect<in&amp*star?q[1]',
      'back\\slash\\#012',
      'host:file',
      'nas::module',
      'café ☕.txt',
      Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x2e, 0x74, 0x78, 0x74]), // bad\xff\xfe.txt
      Buffer.from([0x6c, 0x61, 0x74, 0x69, 0x6e, 0x31, 0xe9]), // latin1 é
    ];
    const expected = new Set<string>();
    for (const n of names) {
      const nb = typeof n === 'string' ? Buffer.from(n) : n;
      writeFileSync(Buffer.concat([Buffer.from(`${src}/`), nb]), randomBytes(64));
      expected.add(nb.toString('hex'));
    }
    const weirdDir = Buffer.concat([Buffer.from(`${src}/-dir $(touch ${markers[7]})\n`)]);
    mkdirSync(weirdDir);
    writeFileSync(Buffer.concat([weirdDir, Buffer.from('/--inner; ls')]), 'inner');
    symlinkSync(`$(touch ${markers[7]})`, `${src}/link-to-nowhere`);

    // A colon after a slash keeps an operand local; the names below check that too.
    const dest = `${fresh('dest ; rm -rf / ; $(id) host:x')}/snap \`id\`/`;
    const items: RsyncItem[] = [];
    const res = await run(
      {
        sources: [{ kind: 'local', path: `${src}/` }],
        destination: dest,
        exclude: [`$(touch ${markers[0]})`, '; rm -rf /'],
      },
      { onFile: (i) => items.push(i) },
    );
    expect(res.exitCode).toBe(0);
    expect(snapshotOf(dest)).toEqual(snapshotOf(src));

    // onFile names decode to the exact bytes on disk
    const seen = new Set(
      items
        .filter((i) => i.type === 'file' && !i.name.includes('/'))
        .map((i) => decodeRsyncName(i.name).toString('hex')),
    );
    for (const hex of expected) expect(seen.has(hex)).toBe(true);

    // A second snapshot linked to the first through its hostile path.
    const dest2 = `${path.dirname(dest)}/snap2 $(id)/`;
    const again = await run({
      sources: [{ kind: 'local', path: `${src}/` }],
      destination: dest2,
      linkDest: dest.slice(0, -1),
    });
    expect(again.stats!.regularFilesTransferred).toBe(0);
    expect(lstatSync(`${dest2}-rf`).ino).toBe(lstatSync(`${dest}-rf`).ino);

    for (const dir of [process.cwd(), os.tmpdir(), os.homedir(), root, src, dest, '/']) {
      for (const m of markers) expect(existsSync(path.join(dir, m))).toBe(false);
    }
  });
});

describe('partial transfers are results with warnings', () => {
  it('exit 23: one of several sources does not exist', async () => {
    const src = fresh('src');
    writeFileSync(`${src}/ok.txt`, 'ok');
    const missing = `${src}/no such dir`;
    const dest = `${fresh('dest')}/snap/`;
    const res = await run({
      sources: [
        { kind: 'local', path: `${src}/ok.txt` },
        { kind: 'local', path: missing },
      ],
      destination: dest,
    });
    expect(res.exitCode).toBe(23);
    expect(res.warnings).toMatchObject({ code: 23, files: [missing], omittedFiles: 0 });
    expect(res.warnings!.messages[0]).toMatch(/link_stat .* No such file or directory/);
    expect(res.stats).toMatchObject({ regularFilesTransferred: 1 });
    expect(readFileSync(`${dest}ok.txt`, 'utf8')).toBe('ok');
    expect(res.log.some((l) => /code 23/.test(l))).toBe(true);
  });

  it('exit 24: a file vanishes while a bandwidth-limited transfer is busy with a bigger one', async () => {
    const src = fresh('src');
    writeFileSync(`${src}/a-big`, randomBytes(1_500_000));
    writeFileSync(`${src}/z-small`, 'z');
    const opts: RsyncOptions = {
      sources: [{ kind: 'local', path: `${src}/` }],
      destination: `${fresh('dest')}/snap/`,
      bwlimitKiB: 1000,
    };
    expect(buildRsyncArgs(opts)).toContain('--bwlimit=1000');
    const res = await run(opts, {
      onFile: (i) => {
        if (i.name === 'a-big') unlinkSync(`${src}/z-small`);
      },
    });
    expect(res.exitCode).toBe(24);
    expect(res.warnings).toMatchObject({ code: 24, files: [`${src}/z-small`] });
    // the limit is really applied: 1.5 MB at 1000 KiB/s takes more than a second
    expect(res.durationMs).toBeGreaterThan(1000);
  });

  it('bounds the list of files named in warnings', async () => {
    const src = fresh('src');
    writeFileSync(`${src}/ok`, 'ok');
    const sources: RsyncOptions['sources'] = [{ kind: 'local', path: `${src}/ok` }];
    for (let i = 0; i < 5; i++) sources.push({ kind: 'local', path: `${src}/missing-${i}` });
    const res = await run(
      { sources, destination: `${fresh('dest')}/snap/` },
      { maxWarningFiles: 2, maxLogLines: 3 },
    );
    expect(res.warnings).toMatchObject({ code: 23, omittedFiles: 3, omittedMessages: 0 });
    expect(res.warnings!.messages).toHaveLength(5);
    expect(res.warnings!.files).toHaveLength(2);
    expect(res.log).toHaveLength(3);
  });
});

describe('progress, filters and failures', () => {
  it('reports progress for a larger tree, ending at 100% with all files checked', async () => {
    const src = fresh('src');
    for (let d = 0; d < 20; d++) {
      mkdirSync(`${src}/d${d}`);
      for (let f = 0; f < 20; f++) writeFileSync(`${src}/d${d}/f${f}`, randomBytes(5_000));
    }
    const progress: RsyncProgress[] = [];
    const res = await run(
      { sources: [{ kind: 'local', path: `${src}/` }], destination: `${fresh('dest')}/snap/` },
      { onProgress: (p) => progress.push(p), progressIntervalMs: 0 },
    );
    expect(res.exitCode).toBe(0);
    expect(res.items).toBe(1 + 20 + 400);
    expect(progress.length).toBeGreaterThan(10);
    const last = progress.at(-1)!;
    expect(last.percent).toBe(100);
    expect(last.bytes).toBe(400 * 5_000);
    expect(last.files).toMatchObject({ done: last.files!.total, total: 421 });
    expect(progress.every((p) => typeof p.rate === 'string' && p.rate.endsWith('/s'))).toBe(true);
  });

  it('honours include and exclude patterns', async () => {
    const src = fresh('src');
    mkdirSync(`${src}/cache`);
    mkdirSync(`${src}/keep`);
    writeFileSync(`${src}/cache/big.dat`, 'c');
    writeFileSync(`${src}/keep/a.tmp`, 't');
    writeFileSync(`${src}/keep/important.tmp`, 'i');
    writeFileSync(`${src}/keep/a.txt`, 'a');
    const dest = `${fresh('dest')}/snap/`;
    const res = await run({
      sources: [{ kind: 'local', path: `${src}/` }],
      destination: dest,
      include: ['important.tmp'],
      exclude: ['*.tmp', '/cache/'],
    });
    expect(res.exitCode).toBe(0);
    expect(existsSync(`${dest}cache`)).toBe(false);
    expect(existsSync(`${dest}keep/a.tmp`)).toBe(false);
    expect(readFileSync(`${dest}keep/important.tmp`, 'utf8')).toBe('i');
    expect(readFileSync(`${dest}keep/a.txt`, 'utf8')).toBe('a');
  });

  it('abort mid-run rejects with ABORTED and leaves no rsync process behind', async () => {
    const src = fresh('src');
    for (let i = 0; i < 8; i++) writeFileSync(`${src}/f${i}`, randomBytes(1_000_000));
    const dest = `${fresh('dest-abort')}/snap/`;
    const ac = new AbortController();
    let pids: number[] = [];
    const p = run(
      { sources: [{ kind: 'local', path: `${src}/` }], destination: dest, bwlimitKiB: 500 },
      {
        signal: ac.signal,
        progressIntervalMs: 0,
        onProgress: () => {
          if (ac.signal.aborted) return;
          pids = pidsUsing(dest);
          ac.abort(new Error('user pressed cancel'));
        },
      },
    );
    const started = Date.now();
    const err = await rejection(p);
    expect(err.code).toBe('ABORTED');
    expect((err.cause as Error).message).toBe('user pressed cancel');
    expect(Date.now() - started).toBeLessThan(8_000);
    // rsync runs as a sender, a receiver and a generator; none of them may survive
    expect(pids.length).toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 200));
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(pidsUsing(dest).filter(alive)).toEqual([]);
  });

  it('an already aborted signal starts nothing', async () => {
    const dest = `${fresh('dest')}/snap/`;
    const ac = new AbortController();
    ac.abort();
    const err = await rejection(
      run(
        { sources: [{ kind: 'local', path: `${root}/` }], destination: dest },
        { signal: ac.signal },
      ),
    );
    expect(err.code).toBe('ABORTED');
    expect(existsSync(dest)).toBe(false);
  });

  it('the whole-run timeout stops rsync as RSYNC_TIMEOUT (transient)', async () => {
    const src = fresh('src');
    writeFileSync(`${src}/big`, randomBytes(2_000_000));
    const dest = `${fresh('dest-timeout')}/snap/`;
    const err = await rejection(
      run(
        { sources: [{ kind: 'local', path: `${src}/` }], destination: dest, bwlimitKiB: 200 },
        { timeoutMs: 700 },
      ),
    );
    expect(err.code).toBe('RSYNC_TIMEOUT');
    expect(err.kind).toBe('transient');
    expect(pidsUsing(dest).filter(alive)).toEqual([]);
  });

  it('a callback that throws stops the run and its error comes back', async () => {
    const src = fresh('src');
    for (let i = 0; i < 5; i++) writeFileSync(`${src}/f${i}`, 'x');
    const dest = `${fresh('dest-cb')}/snap/`;
    const boom = new Error('bug in onFile');
    const err = await run(
      { sources: [{ kind: 'local', path: `${src}/` }], destination: dest, bwlimitKiB: 100 },
      {
        onFile: () => {
          throw boom;
        },
      },
    ).catch((e: unknown) => e);
    expect(err).toBe(boom);
    expect(pidsUsing(dest).filter(alive)).toEqual([]);
  });

  it('a destination below a regular file is a permanent RSYNC_PATHS error with the log', async () => {
    const dir = fresh('x');
    writeFileSync(`${dir}/file`, 'f');
    const err = await rejection(
      run({ sources: [{ kind: 'local', path: `${dir}/file` }], destination: `${dir}/file/snap/` }),
    );
    expect(err).toBeInstanceOf(RsyncRunError);
    expect(err).toMatchObject({ code: 'RSYNC_PATHS', kind: 'permanent', exitCode: 3 });
    expect(err.message).toMatch(/Not a directory/);
    expect((err as RsyncRunError).log.some((l) => /code 3/.test(l))).toBe(true);
  });

  it('a missing rsync program is TOOL_MISSING', async () => {
    const err = await rejection(
      run(
        { sources: [{ kind: 'local', path: `${root}/` }], destination: `${root}/nope/` },
        { rsyncPath: '/nonexistent/rsync' },
      ),
    );
    expect(err.code).toBe('TOOL_MISSING');
  });

  it('refuses arguments without the "--" that ends the options', async () => {
    const err = await rejection(
      runRsync({ args: ['-a', '/tmp/a', '/tmp/b'], signal: new AbortController().signal }),
    );
    expect(err.code).toBe('RSYNC_INVALID_OPTION');
  });

  it('runs with LC_ALL=C and without inherited RSYNC_* settings', async () => {
    const src = fresh('src');
    writeFileSync(`${src}/café`, 'c');
    // RSYNC_MAX_ALLOC=1 would make rsync refuse to start (a usage error) if it were passed on.
    const saved = { alloc: process.env.RSYNC_MAX_ALLOC, lang: process.env.LC_ALL };
    process.env.RSYNC_MAX_ALLOC = '1';
    process.env.LC_ALL = 'C.UTF-8';
    try {
      const items: RsyncItem[] = [];
      await run(
        { sources: [{ kind: 'local', path: `${src}/` }], destination: `${fresh('dest')}/s/` },
        { onFile: (i) => items.push(i) },
      );
      expect(items.map((i) => i.name)).toContain('caf\\#303\\#251');
    } finally {
      if (saved.alloc === undefined) delete process.env.RSYNC_MAX_ALLOC;
      else process.env.RSYNC_MAX_ALLOC = saved.alloc;
      if (saved.lang === undefined) delete process.env.LC_ALL;
      else process.env.LC_ALL = saved.lang;
    }
    expect(await readFile(`${src}/café`, 'utf8')).toBe('c');
  });
});
