import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  buildRsyncArgs,
  buildRsyncEnv,
  buildSshCommand,
  classifyExit,
  decodeRsyncName,
  displayRsyncName,
  isItemAt,
  itemNameStart,
  parseErrorLines,
  parseItemLine,
  parseProgress2,
  parseStats,
  progressEnd,
  readRsyncLine,
  RsyncStdoutReader,
  type RsyncItem,
  type RsyncOptions,
  type RsyncProgress,
} from '../../src/backup/rsync-parse.js';
import { AppError } from '../../src/core/errors.js';

/** Recorded by tests/fixtures/rsync/record.sh from the real rsync (temp paths shown as /W). */
function fixture(name: string): { stdout: string; stderr: string; exit: number } {
  const read = (ext: string) => readFileSync(`tests/fixtures/rsync/${name}.${ext}`, 'utf8');
  return { stdout: read('stdout'), stderr: read('stderr'), exit: Number(read('exit').trim()) };
}

function readAll(stdout: string, chunkSizes?: number[]) {
  const progress: RsyncProgress[] = [];
  const items: RsyncItem[] = [];
  const lines: string[] = [];
  const r = new RsyncStdoutReader({
    onProgress: (p) => progress.push(p),
    onItem: (i) => items.push(i),
    onLine: (l) => lines.push(l),
  });
  if (!chunkSizes) r.feed(stdout);
  else {
    let at = 0;
    for (let k = 0; at < stdout.length; k++) {
      const n = chunkSizes[k % chunkSizes.length]!;
      r.feed(stdout.slice(at, at + n));
      at += n;
    }
  }
  r.end();
  return { progress, items, lines, stats: parseStats(r.statsText()) };
}

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected a throw');
}

const SSH = {
  keyFile: '/var/lib/caretaker/ssh/id_ed25519',
  knownHostsFile: '/var/lib/caretaker/ssh/kh-job1',
};

describe('buildRsyncArgs', () => {
  it('builds a local snapshot run with the documented flags and "--" before the operands', () => {
    const args = buildRsyncArgs({
      sources: [{ kind: 'local', path: '/srv/data/' }],
      destination: '/mnt/b/s1/data/',
    });
    expect(args).toEqual([
      '-a',
      '--hard-links',
      '-s',
      '--info=progress2',
      '--stats',
      '--out-format=%i %n',
      '--numeric-ids',
      '--',
      '/srv/data/',
      '/mnt/b/s1/data/',
    ]);
  });

  it('pushes a restore to a remote host over SSH: local sources, host:path last, --update and --mkpath', () => {
    const ssh = {
      keyFile: '/var/lib/caretaker/ssh/id',
      knownHostsFile: '/var/lib/caretaker/ssh/kh',
    };
    const args = buildRsyncArgs({
      sources: [{ kind: 'local', path: '/mnt/b/s1/data/nas/share/-rf file' }],
      destination: '/share/with space/',
      destinationHost: { user: 'backup', host: 'nas.lan' },
      ssh,
      update: true,
      mkpath: true,
    });
    expect(args.slice(-3)).toEqual([
      '--',
      '/mnt/b/s1/data/nas/share/-rf file',
      'backup@nas.lan:/share/with space/',
    ]);
    expect(args).toContain('--update');
    expect(args).toContain('--mkpath');
    expect(args).toContain('-s');
    expect(args[args.indexOf('-e') + 1]).toContain('StrictHostKeyChecking=yes');
    const bad = (o: Partial<Parameters<typeof buildRsyncArgs>[0]>) => () =>
      buildRsyncArgs({
        sources: [{ kind: 'local', path: '/mnt/b/x' }],
        destination: '/share/',
        destinationHost: { user: 'backup', host: 'nas.lan' },
        ssh,
        ...o,
      });
    expect(bad({ destination: '/share/a\nb' })).toThrow(/line break/);
    expect(bad({ destinationHost: { user: 'x;y', host: 'nas.lan' } })).toThrow(/letters/);
    expect(bad({ destinationHost: { host: '-oProxyCommand=x' } })).toThrow();
    expect(bad({ ssh: undefined })).toThrow(/SSH/);
    expect(bad({ sources: [{ kind: 'ssh', user: 'u', host: 'other', path: '/x' }] })).toThrow(
      /local sources/,
    );
  });

  it('adds every option only when asked, each as one --name=value argument', () => {
    const args = buildRsyncArgs({
      sources: [
        { kind: 'local', path: '/srv/a' },
        { kind: 'local', path: '/srv/-rf' },
      ],
      destination: '/mnt/b/s2/data/',
      linkDest: '/mnt/b/s1/data',
      numericIds: false,
      acls: true,
      xattrs: true,
      oneFileSystem: true,
      bwlimitKiB: 2048,
      include: ['*/', '*.doc'],
      exclude: ['*', '-rf --delete', '$(touch /tmp/x)'],
      deleteExtraneous: true,
      ioTimeoutSec: 300,
    });
    expect(args).not.toContain('--numeric-ids');
    for (const a of [
      '--acls',
      '--xattrs',
      '--one-file-system',
      '--delete',
      '--bwlimit=2048',
      '--timeout=300',
      '--link-dest=/mnt/b/s1/data',
      '--exclude=-rf --delete',
      '--exclude=$(touch /tmp/x)',
    ]) {
      expect(args).toContain(a);
    }
    // includes before excludes: an include wins
    expect(args.indexOf('--include=*.doc')).toBeLessThan(args.indexOf('--exclude=*'));
    expect(args.slice(args.indexOf('--'))).toEqual(['--', '/srv/a', '/srv/-rf', '/mnt/b/s2/data/']);
    expect(
      buildRsyncArgs({ sources: [{ kind: 'local', path: '/a' }], destination: '/b' }),
    ).not.toContain('--acls');
  });

  it('refuses anything that could become an option or a remote host', () => {
    const base: RsyncOptions = {
      sources: [{ kind: 'local', path: '/srv' }],
      destination: '/mnt/b',
    };
    const bad: Array<[Partial<RsyncOptions>, string]> = [
      [{ sources: [{ kind: 'local', path: '-rf' }] }, 'sources[0].path'],
      [{ sources: [{ kind: 'local', path: 'host:/etc' }] }, 'sources[0].path'],
      [{ sources: [] }, 'sources'],
      [{ destination: 'relative/dir' }, 'destination'],
      [{ destination: '/a\0b' }, 'destination'],
      [{ linkDest: '../prev' }, 'linkDest'],
      [{ exclude: ['a\nb'] }, 'exclude'],
      [{ include: ['x'.repeat(1025)] }, 'include'],
      [{ exclude: [''] }, 'exclude'],
      [{ bwlimitKiB: 0 }, 'bwlimitKiB'],
      [{ bwlimitKiB: 1.5 }, 'bwlimitKiB'],
      [
        { sources: [{ kind: 'ssh', host: '-oProxyCommand=touch /tmp/x', path: '/srv' }], ssh: SSH },
        'sources[0].host',
      ],
      [
        { sources: [{ kind: 'ssh', host: 'nas', user: 'a b', path: '/srv' }], ssh: SSH },
        'sources[0].user',
      ],
      [{ sources: [{ kind: 'ssh', host: 'nas', path: '-e sh' }], ssh: SSH }, 'sources[0].path'],
      [{ sources: [{ kind: 'ssh', host: 'nas', path: '/srv' }] }, 'ssh'],
      [
        {
          sources: [
            { kind: 'local', path: '/a' },
            { kind: 'ssh', host: 'nas', path: '/b' },
          ],
          ssh: SSH,
        },
        'sources',
      ],
      [
        {
          sources: [
            { kind: 'ssh', host: 'nas1', path: '/a' },
            { kind: 'ssh', host: 'nas2', path: '/b' },
          ],
          ssh: SSH,
        },
        'sources',
      ],
      [{ sources: [{ kind: 'daemon', host: 'nas', module: '../etc' }] }, 'sources[0].module'],
      [{ sources: [{ kind: 'daemon', host: 'nas', module: 'm', port: 70000 }] }, 'sources[0].port'],
    ];
    for (const [patch, fieldName] of bad) {
      const e = thrown(() => buildRsyncArgs({ ...base, ...patch }));
      expect(e.code).toBe('RSYNC_INVALID_OPTION');
      expect(e.kind).toBe('input');
      expect(Object.keys(e.fields ?? {})).toEqual([fieldName]);
    }
  });

  it('builds the ssh command from fixed words and validated paths only', () => {
    const args = buildRsyncArgs({
      sources: [{ kind: 'ssh', user: 'backup', host: 'fs1.branch.lan', path: '/srv/share name/' }],
      destination: '/mnt/b/s1/data/',
      ssh: { ...SSH, port: 2222 },
    });
    const e = args[args.indexOf('-e') + 1]!;
    expect(e).toBe(
      '/usr/bin/ssh -F /dev/null -i /var/lib/caretaker/ssh/id_ed25519 -o IdentitiesOnly=yes -o BatchMode=yes ' +
        '-o StrictHostKeyChecking=yes -o UserKnownHostsFile=/var/lib/caretaker/ssh/kh-job1 ' +
        '-o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=10 -o ServerAliveInterval=15 ' +
        '-o ServerAliveCountMax=4 -p 2222',
    );
    expect(args.indexOf('-e')).toBeLessThan(args.indexOf('--'));
    expect(args.slice(-2)).toEqual(['backup@fs1.branch.lan:/srv/share name/', '/mnt/b/s1/data/']);
    expect(buildSshCommand({ ...SSH, strictHostKeyChecking: 'accept-new' })).toContain(
      'StrictHostKeyChecking=accept-new',
    );
    const v6 = buildRsyncArgs({
      sources: [{ kind: 'ssh', host: 'fd00::5', path: 'docs' }],
      destination: '/d',
      ssh: SSH,
    });
    expect(v6.at(-2)).toBe('[fd00::5]:docs');
  });

  it('rejects key and known-hosts paths that rsync would split or unquote', () => {
    for (const keyFile of [
      '/keys/my key',
      "/keys/it's",
      '/keys/a"b',
      '/keys/a\\b',
      'keys/rel',
      '/keys/$(id)',
      '/k\tx',
    ]) {
      expect(thrown(() => buildSshCommand({ ...SSH, keyFile })).code).toBe('RSYNC_INVALID_OPTION');
      expect(thrown(() => buildSshCommand({ ...SSH, knownHostsFile: keyFile })).code).toBe(
        'RSYNC_INVALID_OPTION',
      );
    }
    expect(
      thrown(() => buildSshCommand({ ...SSH, sshPath: '/usr/bin/ssh -oProxyCommand=x' })).code,
    ).toBe('RSYNC_INVALID_OPTION');
  });

  it('puts a daemon password in the environment, never in argv', () => {
    const opts: RsyncOptions = {
      sources: [
        {
          kind: 'daemon',
          user: 'backup',
          host: '10.0.0.5',
          port: 8730,
          module: 'files',
          path: '/sub dir/',
          password: 's3cret',
        },
      ],
      destination: '/mnt/b/s1/data/',
    };
    const args = buildRsyncArgs(opts);
    expect(args.join('\n')).not.toContain('s3cret');
    expect(args).not.toContain('-e');
    expect(args).toContain('--contimeout=20');
    expect(args.slice(-2)).toEqual([
      'rsync://backup@10.0.0.5:8730/files/sub dir/',
      '/mnt/b/s1/data/',
    ]);
    expect(buildRsyncEnv(opts)).toEqual({ RSYNC_PASSWORD: 's3cret' });
    expect(buildRsyncEnv({ sources: [{ kind: 'local', path: '/a' }], destination: '/b' })).toEqual(
      {},
    );
  });
});

describe('parseProgress2', () => {
  it('reads a line printed at the end of a file (elapsed time and file counts)', () => {
    expect(
      parseProgress2('        300,007  99%  286.11MB/s    0:00:00 (xfr#5, to-chk=8/15)'),
    ).toEqual({
      bytes: 300007,
      percent: 99,
      rate: '286.11MB/s',
      elapsed: '0:00:00',
      files: { done: 7, total: 15, transferred: 5, scanning: false },
    });
  });
  it('reads a line printed during a file (remaining time)', () => {
    expect(parseProgress2('      1,081,344  36% 1000.98kB/s    0:00:01  ')).toEqual({
      bytes: 1081344,
      percent: 36,
      rate: '1000.98kB/s',
      eta: '0:00:01',
    });
  });
  it('clamps the negative figures rsync prints at the start, and unknown times', () => {
    expect(parseProgress2('       -155,648 -10%    0.00kB/s    0:00:00  ')).toMatchObject({
      bytes: 0,
      percent: 0,
    });
    expect(parseProgress2('  12   0%    0.00kB/s  ??:??:??  ')).toEqual({
      bytes: 12,
      percent: 0,
      rate: '0.00kB/s',
    });
  });
  it('marks totals that still grow under incremental recursion (ir-chk)', () => {
    // Hand-written in rsync's format: local runs on this machine never printed ir-chk.
    expect(
      parseProgress2('  5,000,000  12%   10.00MB/s    0:00:03 (xfr#40, ir-chk=1000/2040)')?.files,
    ).toEqual({
      done: 1040,
      total: 2040,
      transferred: 40,
      scanning: true,
    });
  });
  it('ignores other lines', () => {
    for (const l of [
      '>f+++++++++ 12 34% x 0:00:00',
      'Number of files: 3',
      'sent 5 bytes  received 3 bytes',
      '',
    ]) {
      expect(parseProgress2(l)).toBeUndefined();
    }
  });
});

describe('itemized lines and names', () => {
  it('reads the change summary and the printed name', () => {
    expect(parseItemLine('>f+++++++++ sub dir/s.txt')).toEqual({
      itemize: '>f+++++++++',
      name: 'sub dir/s.txt',
      type: 'file',
      change: 'received',
      created: true,
    });
    expect(parseItemLine('>f.s....... sp ace.txt')).toMatchObject({
      created: false,
      change: 'received',
    });
    expect(parseItemLine('cL+++++++++ link')).toMatchObject({ type: 'symlink', change: 'local' });
    expect(parseItemLine('hf+++++++++ a.txt')).toMatchObject({ type: 'file', change: 'hardlink' });
    expect(parseItemLine('cS+++++++++ fifo')).toMatchObject({ type: 'special' });
    expect(parseItemLine('cd+++++++++ ./')).toMatchObject({ type: 'dir', name: './' });
    expect(parseItemLine('*deleting   old/file')).toMatchObject({
      change: 'deleted',
      name: 'old/file',
    });
    expect(parseItemLine('created directory /W/snap1')).toBeUndefined();
  });
  it('gives back the exact bytes of escaped names', () => {
    expect(decodeRsyncName('new\\#012line')).toEqual(Buffer.from('new\nline'));
    expect(decodeRsyncName('bad\\#377\\#376.txt')).toEqual(
      Buffer.from([...Buffer.from('bad'), 0xff, 0xfe, ...Buffer.from('.txt')]),
    );
    expect(decodeRsyncName('back\\#134#012slash')).toEqual(Buffer.from('back\\#012slash'));
    expect(displayRsyncName('caf\\#303\\#251.txt')).toBe('café.txt');
  });
});

describe('reading lines as bytes', () => {
  const at = (line: string) => Buffer.from(line, 'latin1');
  const sorted = (line: string) => {
    const out: string[] = [];
    const b = at(line);
    readRsyncLine(b, 0, b.length, {
      progress: (x, s, e) => out.push(`progress:${x.toString('latin1', s, e)}`),
      item: (x, s, e) => out.push(`item:${x.toString('latin1', s, e)}`),
      other: (x, s, e) => out.push(`other:${x.toString('latin1', s, e)}`),
    });
    return out;
  };

  it('finds where a progress line ends, without a regular expression', () => {
    const done = '        300,022 100%  286.13MB/s    0:00:00 (xfr#10, to-chk=0/15)';
    expect(progressEnd(at(done), 0, done.length)).toBe(done.length);
    const mid = '      1,081,344  36%  997.08kB/s    0:00:01  ';
    expect(progressEnd(at(mid), 0, mid.length)).toBe(mid.trimEnd().length);
    const unknown = '              0   0%    0.00kB/s    ??:??:??  ';
    expect(progressEnd(at(unknown), 0, unknown.length)).toBe(unknown.trimEnd().length);
    for (const not of [
      '>f+++++++++ 12 34% x 0:00:00',
      'Number of files: 3',
      'sent 5 bytes  received 3 bytes',
      '12 34%',
      '',
    ])
      expect(progressEnd(at(not), 0, not.length), not).toBe(-1);
  });

  it('tells items from other lines by their first bytes, and splits a glued item off', () => {
    expect(sorted('>f+++++++++ sub dir/s.txt')).toEqual(['item:>f+++++++++ sub dir/s.txt']);
    expect(sorted('*deleting   old/file')).toEqual(['item:*deleting   old/file']);
    expect(sorted('created directory /W/snap1')).toEqual(['other:created directory /W/snap1']);
    expect(sorted('cd+++++++++')).toEqual(['other:cd+++++++++']);
    expect(sorted('   ')).toEqual([]);
    expect(
      sorted('              3  60%    0.00kB/s    0:00:00 (xfr#1, to-chk=2/4)cd+++++++++ closed/'),
    ).toEqual([
      'progress:              3  60%    0.00kB/s    0:00:00 (xfr#1, to-chk=2/4)',
      'item:cd+++++++++ closed/',
    ]);
    const line = at('*deleting   old/file');
    expect(isItemAt(line, 0, line.length)).toBe(true);
    expect(line.toString('latin1', itemNameStart(line, 0, line.length))).toBe('old/file');
    const item = at('xx>f.st...... name');
    expect(isItemAt(item, 2, item.length)).toBe(true);
    expect(item.toString('latin1', itemNameStart(item, 2, item.length))).toBe('name');
  });
});

describe('stdout of real runs', () => {
  it('full backup: every item, progress to the end, and the statistics', () => {
    const text = fixture('full').stdout;
    const { progress, items, lines, stats } = readAll(text);
    const names = items.map((i) => displayRsyncName(i.name));
    expect(names).toEqual(
      expect.arrayContaining([
        './',
        '$(touch pwned);`id`',
        '-rf',
        'new\nline',
        'sp ace.txt',
        'sub dir/',
        'sub dir/s.txt',
        'café.txt',
        'back\\#012slash',
      ]),
    );
    expect(items.find((i) => i.name.startsWith('bad'))!.name).toBe('bad\\#377\\#376.txt');
    expect(items).toHaveLength(15);
    expect(lines[0]).toBe('created directory /W/snap1');
    expect(progress.at(-1)).toMatchObject({
      bytes: 300022,
      files: { done: 15, total: 15, transferred: 10 },
    });
    // Sizes and counts follow from the tree record.sh builds; the byte counts and times of the
    // run vary from one recording to the next, so they are read from the file.
    const grab = (re: RegExp) => Number(re.exec(text)![1]!.replace(/,/g, ''));
    expect(stats).toEqual({
      files: { total: 15, regular: 11, dir: 2, link: 1, device: 0, special: 1 },
      created: { total: 15, regular: 11, dir: 2, link: 1, device: 0, special: 1 },
      deletedFiles: 0,
      regularFilesTransferred: 10,
      totalFileSize: 300033,
      totalTransferredFileSize: 300022,
      literalData: 300022,
      matchedData: 0,
      fileListSize: grab(/^File list size: ([\d,]+)/m),
      fileListGenerationSec: grab(/^File list generation time: ([\d.]+)/m),
      fileListTransferSec: grab(/^File list transfer time: ([\d.]+)/m),
      bytesSent: grab(/^Total bytes sent: ([\d,]+)/m),
      bytesReceived: grab(/^Total bytes received: ([\d,]+)/m),
      bytesPerSec: grab(/received [\d,]+ bytes +([\d,.]+) bytes\/sec/),
      speedup: grab(/speedup is ([\d.]+)/),
    });
    expect(stats!.bytesSent).toBeGreaterThan(300022);
  });

  it('gives the same result whatever the chunk boundaries', () => {
    const text = fixture('full').stdout;
    const whole = readAll(text);
    for (const sizes of [[1], [7, 3, 50], [4096], [2, 200, 13]]) {
      const split = readAll(text, sizes);
      expect(split.items).toEqual(whole.items);
      expect(split.stats).toEqual(whole.stats);
      expect(split.lines).toEqual(whole.lines);
      // Eager reporting can only add updates, never lose the final one.
      expect(split.progress.at(-1)).toEqual(whole.progress.at(-1));
    }
  });

  it('incremental backup: only the changed and the new file are itemized', () => {
    const { items, stats } = readAll(fixture('incremental').stdout);
    expect(items.map((i) => i.itemize + ' ' + i.name)).toEqual([
      '>f.s....... sp ace.txt',
      '>f+++++++++ sub dir/added.txt',
    ]);
    expect(stats).toMatchObject({
      regularFilesTransferred: 2,
      totalTransferredFileSize: 12,
      files: { total: 16 },
    });
    expect(stats!.speedup).toBeGreaterThan(100);
  });

  it('an item line glued to the end of a progress line is still an item', () => {
    const { items } = readAll(fixture('permission-denied').stdout);
    expect(items.map((i) => i.name)).toEqual(['ok', 'closed/']);
  });

  it('mid-file progress lines of a slow run', () => {
    const { progress } = readAll(fixture('vanished').stdout);
    expect(progress.some((p) => p.eta !== undefined && p.percent > 0 && p.percent < 100)).toBe(
      true,
    );
    expect(progress.every((p) => p.bytes >= 0 && p.percent >= 0 && p.percent <= 100)).toBe(true);
  });

  it('no statistics from an interrupted run', () => {
    expect(readAll(fixture('sigterm').stdout).stats).toBeNull();
    expect(parseStats('')).toBeNull();
  });
});

describe('stderr and exit codes of real runs', () => {
  it('names the files behind exit 23 and 24', () => {
    const missing = parseErrorLines(fixture('missing-source').stderr);
    expect(missing.filter((e) => e.type === 'file').map((e) => [e.op, e.path, e.errno])).toEqual([
      ['link_stat', '/W/no\\#377such dir', 2],
      ['link_stat', '/W/missing2', 2],
    ]);
    expect(missing.at(-1)).toMatchObject({ type: 'summary', code: 23 });

    const denied = parseErrorLines(fixture('permission-denied').stderr);
    expect(
      denied.filter((e) => e.type === 'file').map((e) => [e.role, e.op, e.path, e.reason]),
    ).toEqual([
      ['sender', 'opendir', '/W/private/closed', 'Permission denied'],
      ['sender', 'send_files failed to open', '/W/private/secret', 'Permission denied'],
    ]);

    const vanished = parseErrorLines(fixture('vanished').stderr);
    expect(vanished[0]).toMatchObject({ type: 'vanished', path: '/W/vanish/z-small' });
    expect(vanished.at(-1)).toMatchObject({ type: 'summary', code: 24 });
  });

  const cases: Array<[string, string, AppError['kind'] | 'partial' | 'ok']> = [
    ['full', 'ok', 'ok'],
    ['ssh-ok', 'ok', 'ok'],
    ['daemon-ok', 'ok', 'ok'],
    ['missing-source', '23', 'partial'],
    ['permission-denied', '23', 'partial'],
    ['vanished', '24', 'partial'],
    ['disk-full', 'RSYNC_TARGET_FULL', 'permanent'],
    ['sigterm', 'RSYNC_INTERRUPTED', 'transient'],
    ['usage', 'RSYNC_USAGE', 'permanent'],
    ['dest-not-dir', 'RSYNC_PATHS', 'permanent'],
    ['ssh-unknown-host', 'HOST_KEY_UNKNOWN', 'permanent'],
    ['ssh-host-key-changed', 'HOST_KEY_CHANGED', 'permanent'],
    ['ssh-key-refused', 'SSH_AUTH_REFUSED', 'auth'],
    ['ssh-remote-rsync-missing', 'RSYNC_REMOTE_MISSING', 'permanent'],
    ['ssh-connection-refused', 'RSYNC_CONNECTION', 'transient'],
    ['daemon-auth-failed', 'RSYNC_AUTH_FAILED', 'auth'],
    ['daemon-unknown-module', 'RSYNC_UNKNOWN_MODULE', 'permanent'],
    ['daemon-connection-refused', 'RSYNC_CONNECTION', 'transient'],
  ];
  it.each(cases)('%s → %s (%s)', (name, code, kind) => {
    const f = fixture(name);
    const v = classifyExit(f.exit, f.stderr);
    if (kind === 'ok') expect(v).toEqual({ status: 'ok' });
    else if (kind === 'partial') expect(v).toEqual({ status: 'partial', code: Number(code) });
    else {
      expect(v.status).toBe('failed');
      if (v.status !== 'failed') return;
      expect(v.error.code).toBe(code);
      expect(v.error.kind).toBe(kind);
      expect(v.error.message.length).toBeGreaterThan(20);
    }
  });

  it('says which line made it decide', () => {
    const f = fixture('disk-full');
    const v = classifyExit(f.exit, f.stderr);
    expect(v.status === 'failed' && v.error.message).toContain('No space left on device');
    const k = fixture('ssh-host-key-changed');
    const w = classifyExit(k.exit, k.stderr);
    expect(w.status === 'failed' && w.error.message).toMatch(/has changed/);
  });

  it('a full target is a failure even when rsync only says 23', () => {
    const v = classifyExit(
      23,
      'rsync: [receiver] write failed on "/t/a": No space left on device (28)\nrsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1394) [generator=3.5.0]',
    );
    expect(v.status === 'failed' && v.error.code).toBe('RSYNC_TARGET_FULL');
    // ...but a source file that merely has that text in its name is not.
    expect(classifyExit(24, 'file has vanished: "/s/No space left on device (28)"').status).toBe(
      'partial',
    );
  });

  it('timeouts, signals, memory and unknown codes', () => {
    const code = (c: number | null, s?: string) => {
      const v = classifyExit(c, '', s);
      return v.status === 'failed' ? `${v.error.code}/${v.error.kind}` : v.status;
    };
    expect(code(30)).toBe('RSYNC_TIMEOUT/transient');
    expect(code(35)).toBe('RSYNC_TIMEOUT/transient');
    expect(code(20)).toBe('RSYNC_INTERRUPTED/transient');
    expect(code(null, 'SIGKILL')).toBe('RSYNC_INTERRUPTED/transient');
    expect(code(22)).toBe('RSYNC_OUT_OF_MEMORY/permanent');
    expect(code(11)).toBe('RSYNC_FILE_IO/permanent');
    expect(code(12)).toBe('RSYNC_CONNECTION/transient');
    expect(code(2)).toBe('RSYNC_PROTOCOL/permanent');
    expect(code(99)).toBe('RSYNC_FAILED/permanent');
  });
});
